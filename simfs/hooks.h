/* SPDX-License-Identifier: MIT */
/*
 * Fault injection: make the next reads or writes of an attribute fail with
 * an errno, or succeed only after a delay -- what no real host lets a test
 * do on demand.  An injection names attributes by their path below the
 * mount root ("bus/ap/aqmask") or by a glob over it (fnmatch(3) with
 * FNM_PATHNAME: a '*' stands for one path component, so "*" in place of
 * the UUID in devices/vfio_ap/matrix/UUID/assign_domain names that file
 * of every vfio_ap mdev).  The path is the canonical one (devices/...,
 * what realpath(1) shows), since that is what an open file knows of
 * itself.
 *
 * The FUSE layer asks before each show (a read at offset 0) and each store:
 * a failing injection answers instead of the attribute, so a failed write
 * changes nothing; a delay sleeps without the model lock, then the
 * attribute runs as usual.
 *
 * Locking: the model lock (struct sim::lock) protects everything here.
 */
#ifndef SIMFS_HOOKS_H
#define SIMFS_HOOKS_H

#include <stdbool.h>

enum hook_op {
	HOOK_READ,
	HOOK_WRITE,
};

#define HOOK_FOREVER (-1L)

struct hook {
	struct hook *next;
	unsigned int id;
	char *pattern;
	enum hook_op op;
	int err;			/* the errno to fail with, or 0: a delay */
	unsigned int delay_ms;
	long remaining;			/* operations still to hit, or HOOK_FOREVER */
	unsigned long hits;
};

struct hooks {
	struct hook *head;		/* in the order they were added: the first match wins */
	unsigned int next_id;
	unsigned int nr;
};

/* Add an injection; its id in *id.  -EINVAL for an empty pattern, a count of 0. */
int hooks_add(struct hooks *h, const char *pattern, enum hook_op op, int err, unsigned int delay_ms,
	      long count, unsigned int *id);
/* Drop one injection (-ENOENT if there is none with that id), or all of them. */
int hooks_clear(struct hooks *h, unsigned int id);
void hooks_clear_all(struct hooks *h);

/*
 * Called before an operation on the attribute at @path: false when no
 * injection applies; else it counts the hit (a spent injection goes) and
 * sets *err (the errno to fail with, or 0) and *delay_ms.
 */
bool hooks_consume(struct hooks *h, const char *path, enum hook_op op, int *err,
		   unsigned int *delay_ms);

/* "EBUSY", "ebusy", "16" -> 16; -EINVAL for anything else (and for 0). */
int hooks_parse_errno(const char *s);
/* "EBUSY" for 16; a number in @buf when the name is unknown. */
const char *hooks_errno_name(int err, char *buf, unsigned int size);

#endif /* SIMFS_HOOKS_H */
