// SPDX-License-Identifier: MIT
/*
 * Telling the user: error and note lines on stderr, the failed write as the
 * command that failed, and the undo after a failure.
 *
 * stdout carries only results (UUIDs, snippets, listings, dry-run scripts),
 * so that `U=$(mdevtool ccw create -q ...)` and `mdevtool --dry-run ... | sh`
 * work; everything addressed to the person goes to stderr.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mdevtool.h"

void err_msg(const char *fmt, ...)
{
	va_list ap;

	fputs("mdevtool: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void note_msg(const char *fmt, ...)
{
	va_list ap;

	fputs("mdevtool: note: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void report_write(const struct ctx *c, const char *rel, const char *value, const struct why *w, int err)
{
	char sentence[1024], path[PATH_MAX], bare[256];
	struct why wr = *w;
	size_t len = strlen(value);

	/* The sentence quotes the value as the user would type it. */
	snprintf(bare, sizeof(bare), "%.*s", (int)(len && value[len - 1] == '\n' ? len - 1 : len), value);
	if (!wr.value)
		wr.value = bare;
	wr.root = c->sys.root;
	explain(&wr, err, sentence, sizeof(sentence));
	err_msg("%s", sentence);
	if (sysfs_abs(&c->sys, rel, path, sizeof(path)) == 0)
		fprintf(stderr, "  (the kernel refused `echo %s > %s`: %s)\n", bare, path,
			strerror(err < 0 ? -err : err));
}

int undo_and_exit(struct ctx *c)
{
	if (!c->undo.count)
		return MDEV_EXIT_REFUSED;
	if (undo_run(&c->undo, &c->sys))
		return MDEV_EXIT_PARTIAL;
	fprintf(stderr, "mdevtool: every change made so far was undone; the host is as it was.\n");
	return MDEV_EXIT_REFUSED;
}
