/* SPDX-License-Identifier: MIT */
/*
 * Access to the sysfs tree under a root (--sysfs DIR, SYSFS_ROOT, /sys).
 *
 * Every path handed to these functions is relative to the root
 * ("bus/css/devices/0.0.0313/driver_override").  Reads return the whole
 * value; writes are exactly one write(2) of exactly the given bytes, so the
 * errno the kernel's store returned is the errno the caller sees (stdio would
 * buffer the write and could lose it on fclose).
 *
 * Functions return 0 or a negative errno.
 */
#ifndef MDEVTOOL_SYSFS_H
#define MDEVTOOL_SYSFS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct sysfs {
	char root[PATH_MAX];	/* absolute or as given, no trailing '/' */
	bool dry_run;		/* print writes as shell commands instead */
	FILE *script;		/* where dry-run commands go (stdout) */
};

int sysfs_init(struct sysfs *s, const char *root, bool dry_run);

/* snprintf() into @buf, -ENAMETOOLONG when it does not fit. */
int path_fmt(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* root + "/" + rel */
int sysfs_abs(const struct sysfs *s, const char *rel, char *buf, size_t size);

/*
 * Read the whole attribute into @buf (NUL-terminated).  *@len gets the byte
 * count (may be NULL).  -EFBIG when it does not fit.
 */
int sysfs_read(const struct sysfs *s, const char *rel, char *buf, size_t size, size_t *len);

/* As sysfs_read(), with the one trailing newline the kernel adds removed. */
int sysfs_read_line(const struct sysfs *s, const char *rel, char *buf, size_t size);

/* Read a decimal number ("%d\n"). */
int sysfs_read_uint(const struct sysfs *s, const char *rel, unsigned int *out);

/*
 * Write @value (strlen bytes, the caller includes any '\n') with one
 * write(2).  In dry-run mode print it as a paste-ready shell command instead
 * and succeed.  A short write is reported as -EIO.
 */
int sysfs_write(const struct sysfs *s, const char *rel, const char *value);

/* Print a "# ..." comment into the dry-run script (no-op otherwise). */
void sysfs_comment(const struct sysfs *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

bool sysfs_exists(const struct sysfs *s, const char *rel);

/* The last component of a symlink's target ("driver" -> "vfio_ccw"). */
int sysfs_link_name(const struct sysfs *s, const char *rel, char *buf, size_t size);

/* The name of the directory that contains the resolved @rel. */
int sysfs_parent_name(const struct sysfs *s, const char *rel, char *buf, size_t size);

/*
 * The entries of directory @rel, sorted, without "." and "..".  *@names is
 * a malloc'ed array of malloc'ed strings; free it with sysfs_free_names().
 */
int sysfs_list(const struct sysfs *s, const char *rel, char ***names, size_t *count);
void sysfs_free_names(char **names, size_t count);

/*
 * Poll until @rel exists, for at most @timeout_ms.  Used where the kernel
 * finishes work asynchronously (a ccw device re-appears a little after its
 * subchannel is bound to io_subchannel).  -ETIMEDOUT when it did not appear.
 */
int sysfs_wait_exists(const struct sysfs *s, const char *rel, int timeout_ms);

/* Quote @in for a POSIX shell if it needs it. */
void shell_quote(const char *in, char *out, size_t size);

#endif /* MDEVTOOL_SYSFS_H */
