// SPDX-License-Identifier: MIT
/*
 * Parsers and formatters for AP ids, APQNs, ccw bus ids, UUIDs and the
 * vfio_ap listings.  See ids.h for the grammar of each.
 *
 * The parsers are deliberately stricter than the kernel's: the kernel reads
 * "047" as octal 39, a person may mean decimal 47 or hex 0x47.  mdevtool
 * refuses such input rather than write a value the user did not mean.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ids.h"

bool idset_empty(const struct idset *s)
{
	for (size_t i = 0; i < AP_IDS / 64; i++)
		if (s->w[i])
			return false;
	return true;
}

bool idset_equal(const struct idset *a, const struct idset *b)
{
	return memcmp(a->w, b->w, sizeof(a->w)) == 0;
}

unsigned int idset_count(const struct idset *s)
{
	unsigned int n = 0;

	for (size_t i = 0; i < AP_IDS / 64; i++)
		n += (unsigned int)__builtin_popcountll(s->w[i]);
	return n;
}

unsigned int idset_next(const struct idset *s, unsigned int from)
{
	for (unsigned int id = from; id < AP_IDS; id++)
		if (idset_test(s, id))
			return id;
	return AP_IDS;
}

void idset_or(struct idset *dst, const struct idset *src)
{
	for (size_t i = 0; i < AP_IDS / 64; i++)
		dst->w[i] |= src->w[i];
}

void idset_and(struct idset *dst, const struct idset *src)
{
	for (size_t i = 0; i < AP_IDS / 64; i++)
		dst->w[i] &= src->w[i];
}

void idset_andnot(struct idset *dst, const struct idset *src)
{
	for (size_t i = 0; i < AP_IDS / 64; i++)
		dst->w[i] &= ~src->w[i];
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parse exactly @len hex digits (1..8) from @s; -EINVAL on anything else. */
static int parse_hex_n(const char *s, size_t len, unsigned int *out)
{
	unsigned int v = 0;

	if (len == 0 || len > 8)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		int d = hexval(s[i]);

		if (d < 0)
			return -EINVAL;
		v = v * 16 + (unsigned int)d;
	}
	*out = v;
	return 0;
}

/* parse_ap_id() on the first @len bytes of @s. */
static int parse_ap_id_n(const char *s, size_t len, unsigned int *id)
{
	unsigned long v = 0;
	size_t i = 0;
	bool hex = false;

	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		hex = true;
		i = 2;
	}
	if (i == len)
		return -EINVAL;
	/* "047": octal to the kernel, decimal or hex to a person. */
	if (!hex && len > 1 && s[0] == '0')
		return -EINVAL;
	for (; i < len; i++) {
		int d = hex ? hexval(s[i]) : (s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : -1);

		if (d < 0)
			return -EINVAL;
		/* Keep scanning after an overflow so that "999x" is EINVAL. */
		if (v < AP_IDS)
			v = v * (hex ? 16 : 10) + (unsigned long)d;
	}
	if (v >= AP_IDS)
		return -ERANGE;
	*id = (unsigned int)v;
	return 0;
}

int parse_ap_id(const char *s, unsigned int *id)
{
	return parse_ap_id_n(s, strlen(s), id);
}

/*
 * Split @s on ',' and feed each item to @fn.  Empty items ("5,,6", "5,")
 * are refused: they are almost always a typo.
 */
static int for_each_item(const char *s, int (*fn)(const char *item, size_t len, void *arg),
			 void *arg)
{
	const char *p = s;

	if (*s == '\0')
		return -EINVAL;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		int ret;

		if (len == 0)
			return -EINVAL;
		ret = fn(p, len, arg);
		if (ret)
			return ret;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

static int add_id_item(const char *item, size_t len, void *arg)
{
	unsigned int id;
	int ret = parse_ap_id_n(item, len, &id);

	if (ret)
		return ret;
	idset_set(arg, id);
	return 0;
}

int parse_ap_id_list(const char *s, struct idset *out)
{
	struct idset tmp = *out;
	int ret = for_each_item(s, add_id_item, &tmp);

	/* All or nothing, so a caller never sees half a list. */
	if (!ret)
		*out = tmp;
	return ret;
}

static bool all_hex(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (hexval(s[i]) < 0)
			return false;
	return true;
}

static int parse_apqn_n(const char *s, size_t len, unsigned int *adapter, unsigned int *domain)
{
	const char *dot = memchr(s, '.', len);
	size_t alen, dlen;
	int ret;

	if (!dot)
		return -EINVAL;
	alen = (size_t)(dot - s);
	dlen = len - alen - 1;
	if (memchr(dot + 1, '.', dlen))
		return -EINVAL;

	/* The kernel's own spelling, "%02x.%04x": hex, as lszcrypt shows it. */
	if (alen == 2 && dlen == 4 && all_hex(s, 2) && all_hex(dot + 1, 4)) {
		unsigned int a = 0, d = 0;

		parse_hex_n(s, 2, &a);
		parse_hex_n(dot + 1, 4, &d);
		if (d >= AP_IDS)
			return -ERANGE;
		*adapter = a;
		*domain = d;
		return 0;
	}
	ret = parse_ap_id_n(s, alen, adapter);
	if (ret)
		return ret;
	return parse_ap_id_n(dot + 1, dlen, domain);
}

int parse_apqn(const char *s, unsigned int *adapter, unsigned int *domain)
{
	return parse_apqn_n(s, strlen(s), adapter, domain);
}

struct apqn_sets {
	struct idset a, d;
};

static int add_apqn_item(const char *item, size_t len, void *arg)
{
	struct apqn_sets *sets = arg;
	unsigned int a, d;
	int ret = parse_apqn_n(item, len, &a, &d);

	if (ret)
		return ret;
	idset_set(&sets->a, a);
	idset_set(&sets->d, d);
	return 0;
}

int parse_apqn_list(const char *s, struct idset *adapters, struct idset *domains)
{
	struct apqn_sets sets = { *adapters, *domains };
	int ret = for_each_item(s, add_apqn_item, &sets);

	if (!ret) {
		*adapters = sets.a;
		*domains = sets.d;
	}
	return ret;
}

int parse_busid(const char *s, struct busid *out)
{
	const char *d1 = strchr(s, '.');
	const char *d2;
	struct busid b;

	if (!d1) {
		/* A bare device number, as chccwdev and lscss accept it. */
		b.cssid = 0;
		b.ssid = 0;
		if (parse_hex_n(s, strlen(s), &b.devno) || strlen(s) > 4)
			return -EINVAL;
		*out = b;
		return 0;
	}
	d2 = strchr(d1 + 1, '.');
	if (!d2 || strchr(d2 + 1, '.'))
		return -EINVAL;
	if ((size_t)(d1 - s) > 2 || parse_hex_n(s, (size_t)(d1 - s), &b.cssid))
		return -EINVAL;
	if (d2 - d1 - 1 != 1 || parse_hex_n(d1 + 1, 1, &b.ssid))
		return -EINVAL;
	if (strlen(d2 + 1) > 4 || parse_hex_n(d2 + 1, strlen(d2 + 1), &b.devno))
		return -EINVAL;
	if (b.ssid > 3)
		return -ERANGE;
	*out = b;
	return 0;
}

void busid_format(const struct busid *b, char out[BUSID_STRLEN])
{
	snprintf(out, BUSID_STRLEN, "%x.%x.%04x", b->cssid & 0xff, b->ssid & 0xf, b->devno & 0xffff);
}

int parse_uuid(const char *s, char out[UUID_STRLEN + 1])
{
	char tmp[UUID_STRLEN + 1];

	if (strlen(s) != UUID_STRLEN)
		return -EINVAL;
	for (size_t i = 0; i < UUID_STRLEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return -EINVAL;
			tmp[i] = '-';
			continue;
		}
		if (hexval(s[i]) < 0)
			return -EINVAL;
		tmp[i] = (char)(s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 'a' : s[i]);
	}
	tmp[UUID_STRLEN] = '\0';
	memcpy(out, tmp, sizeof(tmp));
	return 0;
}

int parse_ap_mask(const char *buf, size_t len, struct idset *out)
{
	struct idset m = { { 0 } };
	size_t i = 0, digits = 0;

	if (len && buf[len - 1] == '\n')
		len--;
	if (len >= 2 && buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X'))
		i = 2;
	for (; i < len; i++, digits++) {
		int d = hexval(buf[i]);

		if (d < 0 || digits >= AP_IDS / 4)
			return -EINVAL;
		for (unsigned int bit = 0; bit < 4; bit++)
			if (d & (8 >> bit))
				idset_set(&m, (unsigned int)(digits * 4 + bit));
	}
	*out = m;
	return 0;
}

int parse_matrix(const char *buf, size_t len, struct idset *apm, struct idset *aqm)
{
	struct idset a = { { 0 } }, d = { { 0 } };
	size_t pos = 0;

	while (pos < len) {
		const char *line = buf + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - line) : len - pos;
		const char *dot = memchr(line, '.', llen);
		size_t alen, dlen;
		unsigned int v;

		pos += llen + (nl ? 1 : 0);
		if (llen == 0)
			continue;
		if (!dot)
			return -EINVAL;
		alen = (size_t)(dot - line);
		dlen = llen - alen - 1;
		if (alen == 0 && dlen == 0)
			return -EINVAL;
		if (alen) {
			if (alen > 2 || parse_hex_n(line, alen, &v))
				return -EINVAL;
			idset_set(&a, v);
		}
		if (dlen) {
			if (dlen > 4 || parse_hex_n(dot + 1, dlen, &v) || v >= AP_IDS)
				return -EINVAL;
			idset_set(&d, v);
		}
	}
	*apm = a;
	*aqm = d;
	return 0;
}

int parse_domain_lines(const char *buf, size_t len, struct idset *out)
{
	struct idset s = { { 0 } };
	size_t pos = 0;

	while (pos < len) {
		const char *line = buf + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - line) : len - pos;
		unsigned int v;

		pos += llen + (nl ? 1 : 0);
		if (llen == 0)
			continue;
		if (llen > 4 || parse_hex_n(line, llen, &v) || v >= AP_IDS)
			return -EINVAL;
		idset_set(&s, v);
	}
	*out = s;
	return 0;
}

void format_ap_id(unsigned int id, char out[AP_ID_STRLEN])
{
	snprintf(out, AP_ID_STRLEN, id < 10 ? "%u" : "0x%x", id & 0xffff);
}

int format_mask_items(const struct idset *s, char sign, char *buf, size_t size)
{
	size_t used = 0;
	unsigned int id;

	if (size)
		buf[0] = '\0';
	idset_for_each(id, s) {
		char num[AP_ID_STRLEN];
		int n;

		format_ap_id(id, num);
		n = snprintf(buf + used, size - used, "%s%c%s", used ? "," : "", sign, num);
		if (n < 0 || (size_t)n >= size - used)
			return -ENOSPC;
		used += (size_t)n;
	}
	return (int)used;
}

void format_apqn(unsigned int adapter, unsigned int domain, char out[APQN_STRLEN])
{
	snprintf(out, APQN_STRLEN, "%02x.%04x", adapter & 0xff, domain & 0xffff);
}
