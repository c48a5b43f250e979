// SPDX-License-Identifier: MIT
/*
 * The sysfs root and the I/O on it.
 *
 * Why no stdio on attribute files: a sysfs store reports its error as the
 * return of write(2).  fprintf() buffers, and the errno then surfaces (or
 * not) at fflush/fclose, detached from the value that caused it.  Every value
 * here is written with one write(2) of exactly its bytes, which is also what
 * one `echo V > F` does, so the dry-run script and the real run send the
 * kernel identical stores.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sysfs.h"

int sysfs_init(struct sysfs *s, const char *root, bool dry_run)
{
	struct stat st;
	size_t len = strlen(root);

	while (len > 1 && root[len - 1] == '/')
		len--;
	if (len == 0 || len >= sizeof(s->root))
		return -ENAMETOOLONG;
	memcpy(s->root, root, len);
	s->root[len] = '\0';
	s->dry_run = dry_run;
	s->script = stdout;
	if (stat(s->root, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	return 0;
}

int path_fmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

int sysfs_abs(const struct sysfs *s, const char *rel, char *buf, size_t size)
{
	/* "/" as root must not give "//bus/...": harmless, but ugly in scripts. */
	if (strcmp(s->root, "/") == 0)
		return path_fmt(buf, size, "/%s", rel);
	return path_fmt(buf, size, "%s/%s", s->root, rel);
}

int sysfs_read(const struct sysfs *s, const char *rel, char *buf, size_t size, size_t *len)
{
	char path[PATH_MAX];
	size_t used = 0;
	int fd, ret;

	ret = sysfs_abs(s, rel, path, sizeof(path));
	if (ret)
		return ret;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n;

		if (used + 1 >= size) {
			ret = -EFBIG;
			goto out;
		}
		n = read(fd, buf + used, size - used - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto out;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	buf[used] = '\0';
	if (len)
		*len = used;
	ret = 0;
out:
	close(fd);
	return ret;
}

int sysfs_read_line(const struct sysfs *s, const char *rel, char *buf, size_t size)
{
	size_t len;
	int ret = sysfs_read(s, rel, buf, size, &len);

	if (ret)
		return ret;
	if (len && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	return 0;
}

int sysfs_read_uint(const struct sysfs *s, const char *rel, unsigned int *out)
{
	char buf[64], *end;
	unsigned long v;
	int ret = sysfs_read_line(s, rel, buf, sizeof(buf));

	if (ret)
		return ret;
	errno = 0;
	v = strtoul(buf, &end, 10);
	if (end == buf || *end || errno || v > UINT_MAX || buf[0] == '-')
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

static bool shell_safe(const char *in)
{
	if (!*in)
		return false;
	for (const char *p = in; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:,+=@%-", *p))
			return false;
	return true;
}

void shell_quote(const char *in, char *out, size_t size)
{
	size_t used = 0;

	if (size == 0)
		return;
	if (shell_safe(in)) {
		snprintf(out, size, "%s", in);
		return;
	}
	/* '...' with each ' written as '\'' */
	out[used++] = '\'';
	for (const char *p = in; *p && used + 5 < size; p++) {
		if (*p == '\'') {
			memcpy(out + used, "'\\''", 4);
			used += 4;
		} else {
			out[used++] = *p;
		}
	}
	out[used++] = '\'';
	out[used] = '\0';
}

/*
 * One store as the shell command that makes the same write(2):
 * `echo V > F` writes V and a newline, `printf %s V > F` exactly V.
 */
static void print_command(const struct sysfs *s, const char *path, const char *value)
{
	size_t len = strlen(value);
	char qpath[2 * PATH_MAX], qval[8192], bare[4096];

	shell_quote(path, qpath, sizeof(qpath));
	if (len && value[len - 1] == '\n' && !memchr(value, '\n', len - 1) && len < sizeof(bare)) {
		memcpy(bare, value, len - 1);
		bare[len - 1] = '\0';
		if (len == 1) {
			fprintf(s->script, "echo > %s\n", qpath);
			return;
		}
		shell_quote(bare, qval, sizeof(qval));
		/* echo would take "-n"/"-e" as options; no mdevtool value looks like that. */
		fprintf(s->script, "echo %s > %s\n", qval, qpath);
		return;
	}
	shell_quote(value, qval, sizeof(qval));
	fprintf(s->script, "printf %%s %s > %s\n", qval, qpath);
}

int sysfs_write(const struct sysfs *s, const char *rel, const char *value)
{
	char path[PATH_MAX];
	size_t len = strlen(value);
	ssize_t n;
	int fd, ret;

	ret = sysfs_abs(s, rel, path, sizeof(path));
	if (ret)
		return ret;
	if (s->dry_run) {
		print_command(s, path, value);
		return 0;
	}
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do
		n = write(fd, value, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;	/* sysfs consumes a store whole or not at all */
	else
		ret = 0;
	/* close() of a sysfs file cannot fail in a way that loses the store. */
	close(fd);
	return ret;
}

void sysfs_comment(const struct sysfs *s, const char *fmt, ...)
{
	va_list ap;

	if (!s->dry_run)
		return;
	fputs("# ", s->script);
	va_start(ap, fmt);
	vfprintf(s->script, fmt, ap);
	va_end(ap);
	fputc('\n', s->script);
}

bool sysfs_exists(const struct sysfs *s, const char *rel)
{
	char path[PATH_MAX];

	if (sysfs_abs(s, rel, path, sizeof(path)))
		return false;
	return access(path, F_OK) == 0;
}

static int last_component(const char *path, char *buf, size_t size)
{
	const char *slash;
	size_t len = strlen(path);

	while (len > 1 && path[len - 1] == '/')
		len--;
	slash = memrchr(path, '/', len);
	if (slash) {
		len -= (size_t)(slash + 1 - path);
		path = slash + 1;
	}
	if (len == 0 || len >= size)
		return -ENAMETOOLONG;
	memcpy(buf, path, len);
	buf[len] = '\0';
	return 0;
}

int sysfs_link_name(const struct sysfs *s, const char *rel, char *buf, size_t size)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;
	int ret;

	ret = sysfs_abs(s, rel, path, sizeof(path));
	if (ret)
		return ret;
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	return last_component(target, buf, size);
}

int sysfs_parent_name(const struct sysfs *s, const char *rel, char *buf, size_t size)
{
	char path[PATH_MAX], *real, *slash;
	int ret;

	ret = sysfs_abs(s, rel, path, sizeof(path));
	if (ret)
		return ret;
	real = realpath(path, NULL);
	if (!real)
		return -errno;
	slash = strrchr(real, '/');
	if (slash && slash != real)
		*slash = '\0';
	ret = last_component(real, buf, size);
	free(real);
	return ret;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void sysfs_free_names(char **names, size_t count)
{
	if (!names)
		return;
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
}

int sysfs_list(const struct sysfs *s, const char *rel, char ***names, size_t *count)
{
	char path[PATH_MAX];
	char **v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *dir;
	int ret;

	*names = NULL;
	*count = 0;
	ret = sysfs_abs(s, rel, path, sizeof(path));
	if (ret)
		return ret;
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			size_t ncap = cap ? 2 * cap : 16;
			char **nv = realloc(v, ncap * sizeof(*v));

			if (!nv) {
				ret = -ENOMEM;
				goto fail;
			}
			v = nv;
			cap = ncap;
		}
		v[n] = strdup(de->d_name);
		if (!v[n]) {
			ret = -ENOMEM;
			goto fail;
		}
		n++;
	}
	closedir(dir);
	if (n)
		qsort(v, n, sizeof(*v), cmp_names);
	*names = v;
	*count = n;
	return 0;
fail:
	closedir(dir);
	sysfs_free_names(v, n);
	return ret;
}

int sysfs_wait_exists(const struct sysfs *s, const char *rel, int timeout_ms)
{
	const struct timespec tick = { 0, 20 * 1000 * 1000 };

	for (int waited = 0; waited <= timeout_ms; waited += 20) {
		if (sysfs_exists(s, rel))
			return 0;
		nanosleep(&tick, NULL);
	}
	return -ETIMEDOUT;
}
