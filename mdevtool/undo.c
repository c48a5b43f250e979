// SPDX-License-Identifier: MIT
/*
 * The undo journal (see undo.h).
 *
 * Why keep going after a failed step: the remaining steps usually do not
 * depend on it (a mask bit can be given back even if the mdev could not be
 * removed), and every step that works is one less thing for the admin to
 * do by hand.  What failed is printed as shell commands to finish with.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "undo.h"

static int push(struct undo *u, const char *rel, const char *value, int wait_ms)
{
	struct undo_step *st;

	if (u->count == u->cap) {
		size_t ncap = u->cap ? 2 * u->cap : 8;
		struct undo_step *nv = realloc(u->steps, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		u->steps = nv;
		u->cap = ncap;
	}
	st = &u->steps[u->count];
	st->rel = strdup(rel);
	st->value = value ? strdup(value) : NULL;
	st->wait_ms = wait_ms;
	if (!st->rel || (value && !st->value)) {
		free(st->rel);
		free(st->value);
		return -ENOMEM;
	}
	u->count++;
	return 0;
}

int undo_push(struct undo *u, const char *rel, const char *value, int wait_ms)
{
	return push(u, rel, value, wait_ms);
}

int undo_push_wait(struct undo *u, const char *rel, int wait_ms)
{
	return push(u, rel, NULL, wait_ms);
}

static void print_manual(const struct sysfs *s, const struct undo_step *st)
{
	char path[PATH_MAX], q[2 * PATH_MAX], v[4096];
	size_t len;

	if (!st->value || sysfs_abs(s, st->rel, path, sizeof(path)))
		return;
	shell_quote(path, q, sizeof(q));
	len = strlen(st->value);
	if (len && st->value[len - 1] == '\n' && len < sizeof(v)) {
		char bare[4096];

		memcpy(bare, st->value, len - 1);
		bare[len - 1] = '\0';
		shell_quote(bare, v, sizeof(v));
		fprintf(stderr, "    echo %s > %s\n", len == 1 ? "" : v, q);
	} else {
		shell_quote(st->value, v, sizeof(v));
		fprintf(stderr, "    printf %%s %s > %s\n", v, q);
	}
}

int undo_run(struct undo *u, const struct sysfs *s)
{
	size_t failed = 0;

	while (u->count) {
		struct undo_step *st = &u->steps[--u->count];
		int ret = 0;

		if (st->wait_ms)
			ret = sysfs_wait_exists(s, st->rel, st->wait_ms);
		if (!ret && st->value)
			ret = sysfs_write(s, st->rel, st->value);
		if (ret) {
			if (!failed++)
				fprintf(stderr, "mdevtool: could not undo everything; "
					"the host is partly changed.  Finish by hand with:\n");
			if (st->value)
				print_manual(s, st);
			else
				fprintf(stderr, "    # %s did not appear: %s\n", st->rel, strerror(-ret));
		}
		free(st->rel);
		free(st->value);
	}
	undo_clear(u);
	return failed ? -EIO : 0;
}

void undo_clear(struct undo *u)
{
	for (size_t i = 0; i < u->count; i++) {
		free(u->steps[i].rel);
		free(u->steps[i].value);
	}
	free(u->steps);
	u->steps = NULL;
	u->count = 0;
	u->cap = 0;
}
