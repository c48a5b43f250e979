/* SPDX-License-Identifier: MIT */
/*
 * The undo journal.  Each change mdevtool makes pushes the write that takes
 * it back; on failure the journal is replayed last-in first-out, so the
 * host ends as it started.  A journal entry can also wait for a path to
 * appear before writing, for changes the kernel completes asynchronously.
 */
#ifndef MDEVTOOL_UNDO_H
#define MDEVTOOL_UNDO_H

#include <stddef.h>

#include "sysfs.h"

struct undo_step {
	char *rel;		/* attribute to write, or path to wait for */
	char *value;		/* NULL: only wait for @rel to exist */
	int wait_ms;		/* wait for @rel to exist first (0: do not) */
};

struct undo {
	struct undo_step *steps;
	size_t count, cap;
};

/* Push "write @value to @rel", waiting up to @wait_ms for @rel first. */
int undo_push(struct undo *u, const char *rel, const char *value, int wait_ms);
/* Push "wait until @rel exists". */
int undo_push_wait(struct undo *u, const char *rel, int wait_ms);

/*
 * Replay and empty the journal.  Returns 0 when every step worked, else
 * -EIO after printing each failed step and the shell commands that finish
 * the job by hand.
 */
int undo_run(struct undo *u, const struct sysfs *s);

/* Forget the journal (the command succeeded). */
void undo_clear(struct undo *u);

#endif /* MDEVTOOL_UNDO_H */
