// SPDX-License-Identifier: MIT
/*
 * Fault injection state and matching (hooks.h).
 */
#include "hooks.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int hooks_add(struct hooks *h, const char *pattern, enum hook_op op, int err, unsigned int delay_ms,
	      long count, unsigned int *id)
{
	struct hook *k, **pp;

	if (!*pattern || count == 0 || count < HOOK_FOREVER || err < 0)
		return -EINVAL;
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	/* A leading '/' would never match: paths are relative to the mount root. */
	while (*pattern == '/')
		pattern++;
	k->pattern = strdup(pattern);
	if (!k->pattern) {
		free(k);
		return -ENOMEM;
	}
	k->id = ++h->next_id;
	k->op = op;
	k->err = err;
	k->delay_ms = delay_ms;
	k->remaining = count;
	for (pp = &h->head; *pp; pp = &(*pp)->next)
		;
	*pp = k;
	h->nr++;
	if (id)
		*id = k->id;
	return 0;
}

static void hook_free(struct hook *k)
{
	free(k->pattern);
	free(k);
}

int hooks_clear(struct hooks *h, unsigned int id)
{
	for (struct hook **pp = &h->head; *pp; pp = &(*pp)->next) {
		struct hook *k = *pp;

		if (k->id == id) {
			*pp = k->next;
			hook_free(k);
			h->nr--;
			return 0;
		}
	}
	return -ENOENT;
}

void hooks_clear_all(struct hooks *h)
{
	while (h->head) {
		struct hook *k = h->head;

		h->head = k->next;
		hook_free(k);
	}
	h->nr = 0;
}

bool hooks_consume(struct hooks *h, const char *path, enum hook_op op, int *err,
		   unsigned int *delay_ms)
{
	while (*path == '/')
		path++;
	for (struct hook **pp = &h->head; *pp; pp = &(*pp)->next) {
		struct hook *k = *pp;

		if (k->op != op || fnmatch(k->pattern, path, FNM_PATHNAME))
			continue;
		*err = k->err;
		*delay_ms = k->delay_ms;
		k->hits++;
		if (k->remaining != HOOK_FOREVER && --k->remaining == 0) {
			*pp = k->next;
			hook_free(k);
			h->nr--;
		}
		return true;
	}
	return false;
}

int hooks_parse_errno(const char *s)
{
	char *end;
	long v;

	if (isdigit((unsigned char)*s)) {
		errno = 0;
		v = strtol(s, &end, 10);
		if (*end || errno || v <= 0 || v > 4095)
			return -EINVAL;
		return (int)v;
	}
	/* The names glibc knows under another one. */
	if (!strcasecmp(s, "EWOULDBLOCK"))
		return EWOULDBLOCK;
	if (!strcasecmp(s, "ENOTSUP"))
		return ENOTSUP;
	if (!strcasecmp(s, "EDEADLOCK"))
		return EDEADLOCK;
	for (int e = 1; e < 4096; e++) {
		const char *name = strerrorname_np(e);

		if (name && !strcasecmp(name, s))
			return e;
	}
	return -EINVAL;
}

const char *hooks_errno_name(int err, char *buf, unsigned int size)
{
	const char *name = strerrorname_np(err);

	if (name)
		return name;
	snprintf(buf, size, "%d", err);
	return buf;
}
