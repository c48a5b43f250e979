// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for simfs/parse.c: every parser gets the same input (as
 * the exact bytes of one write), and the results are checked for sanity.
 *
 * Build and run from the top of the repository:
 *
 *   clang -std=c11 -g -O1 -D_GNU_SOURCE \
 *         -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
 *         -Isimfs simfs/parse.c tests/fuzz/fuzz_parse.c -o fuzz_parse
 *   mkdir -p /tmp/fuzz_parse_corpus
 *   ./fuzz_parse -max_total_time=60 /tmp/fuzz_parse_corpus tests/fuzz/corpus/parse
 *
 * (New inputs go into the first directory; the seed corpus stays as it is.)
 *
 * What is checked, besides "no crash, no sanitizer report, no read past
 * the input" (libFuzzer hands over an exactly-sized heap buffer):
 *  - every return value is one the contract allows;
 *  - kstrto*(): the narrower parsers agree with kstrtoull(); base 0 agrees
 *    with a separately written reference (ref_kstrtoull0()), a decimal
 *    input with strtoull(); a printed result parses back the same;
 *  - kstrtobool(): success only for the first bytes the kernel knows;
 *  - sysfs_streq(): the buffer equals its own C-string copy, and the copy
 *    with one '\n' added or removed;
 *  - uuid_parse_36(): the parsed bytes print back as the lower-cased input;
 *  - ap_parse_mask(): the result equals a separately written reference of
 *    the grammar (ref_parse_mask()); absolute results do not depend on the
 *    old mask and
 *    re-parse to themselves from ap_mask_format() output (with and without
 *    "0x" and '\n'); relative results change only ids the input names, in
 *    the same way for any old mask; whether a write is accepted never
 *    depends on the old mask; absolute mode agrees with ap_parse_hex_field();
 *  - ap_parse_config(): an accepted write prints and re-parses the same,
 *    and a refused one leaves the masks alone;
 *  - ccw_busid_parse(): an accepted id prints back as its lower-case self;
 *  - ap_mask_for_each() visits exactly the set ids, in order.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

#define CHECK(cond)                                                             \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,  \
				__LINE__, #cond);                               \
			abort();                                                \
		}                                                               \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as the kernel's parsers see it: up to the first NUL. */
static size_t cstr_len(const char *s, size_t len)
{
	return strnlen(s, len);
}

static size_t popcount(const struct ap_mask *m)
{
	size_t i, n = 0;

	for (i = 0; i < sizeof(m->b); i++)
		n += (size_t)__builtin_popcount(m->b[i]);
	return n;
}

static void check_for_each(const struct ap_mask *m)
{
	unsigned int id, prev = 0, seen = 0;

	ap_mask_for_each(id, m) {
		CHECK(id < AP_MASK_BITS);
		CHECK(ap_mask_test(m, id));
		CHECK(seen == 0 || id > prev);
		prev = id;
		seen++;
	}
	CHECK(seen == popcount(m));
	CHECK(ap_mask_empty(m) == (seen == 0));
}

/*
 * Reference models, written apart from parse.c and in another shape (a
 * greedy token reader), so that a slip in one is unlikely to be mirrored
 * in the other.
 *
 * ref_number(): one unsigned number as simple_strtoul(.., 0) reads it:
 * "0x"/"0X" + hex digits, or '0' + octal digits, or decimal digits.  The
 * value wraps modulo 2^64; *overflow tells whether it did.
 */
static bool ref_number(const char *s, size_t n, size_t *pos, unsigned long long *val,
		       bool *overflow)
{
	size_t p = *pos;
	unsigned int base;
	unsigned long long v = 0;

	*overflow = false;
	if (p + 2 < n && s[p] == '0' && (s[p + 1] == 'x' || s[p + 1] == 'X') &&
	    isxdigit((unsigned char)s[p + 2])) {
		base = 16;
		p += 2;
	} else if (p < n && s[p] == '0') {
		base = 8;
	} else if (p < n && isdigit((unsigned char)s[p])) {
		base = 10;
	} else {
		return false;
	}
	for (; p < n; p++) {
		unsigned char c = (unsigned char)s[p];
		unsigned int d;
		bool mul_ovf, add_ovf;

		if (isdigit(c))
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			break;
		if (d >= base)
			break;
		mul_ovf = __builtin_mul_overflow(v, base, &v);
		add_ovf = __builtin_add_overflow(v, d, &v);
		if (mul_ovf || add_ovf)
			*overflow = true;
	}
	*pos = p;
	*val = v;
	return true;
}

/* kstrtoull(.., 0): '+'?, a number, '\n'?, end; ERANGE beats EINVAL. */
static int ref_kstrtoull0(const char *s, size_t n, unsigned long long *val)
{
	size_t p = n > 0 && s[0] == '+' ? 1 : 0;
	bool overflow;

	if (!ref_number(s, n, &p, val, &overflow))
		return -EINVAL;
	if (overflow)
		return -ERANGE;
	if (p < n && s[p] == '\n')
		p++;
	return p == n ? 0 : -EINVAL;
}

/* The apmask/aqmask grammar of parse.h, on the C-string view of the input. */
static int ref_parse_mask(const char *s, size_t n, const struct ap_mask *old,
			  struct ap_mask *out)
{
	size_t p = 0, digits, k;
	bool overflow;

	if (n == 0 || (s[0] != '+' && s[0] != '-')) {
		/* absolute: "0x" or "x", up to 64 hex digits, '\n'?, end */
		memset(out, 0, sizeof(*out));
		if (n >= 2 && s[0] == '0' && s[1] == 'x')
			p = 2;
		else if (n >= 1 && s[0] == 'x')
			p = 1;
		for (digits = 0; p + digits < n && isxdigit((unsigned char)s[p + digits]); digits++)
			;
		if (digits > 64)
			return -EINVAL;
		for (k = 0; k < digits; k++) {
			unsigned char c = (unsigned char)tolower((unsigned char)s[p + k]);
			unsigned int d = isdigit(c) ? c - '0' : c - 'a' + 10;
			unsigned int bit;

			for (bit = 0; bit < 4; bit++)
				if (d & (8u >> bit))
					ap_mask_set(out, (unsigned int)(4 * k + bit));
		}
		p += digits;
		if (p < n && s[p] == '\n')
			p++;
		return p == n ? 0 : -EINVAL;
	}

	*out = *old;
	while (p < n) {
		char sign = s[p++];
		unsigned long long first, last, id;

		if (sign != '+' && sign != '-')
			return -EINVAL;
		if (!ref_number(s, n, &p, &first, &overflow) || first > 255)
			return -EINVAL;
		last = first;
		if (p < n && s[p] == '-') {
			p++;
			if (!ref_number(s, n, &p, &last, &overflow) || last < first || last > 255)
				return -EINVAL;
		}
		for (id = first; id <= last; id++) {
			if (sign == '+')
				ap_mask_set(out, (unsigned int)id);
			else
				ap_mask_clear(out, (unsigned int)id);
		}
		while (p < n && (s[p] == ',' || s[p] == '\n'))
			p++;
	}
	return 0;
}

static void fuzz_numbers(const char *buf, size_t len)
{
	static const unsigned int bases[] = { 0, 8, 10, 16 };
	size_t n = cstr_len(buf, len);
	size_t b;

	for (b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
		unsigned int base = bases[b];
		unsigned long long ull = 0x5a5a;
		unsigned long ul = 0x5a5a;
		unsigned int ui = 0x5a5a;
		int si = 0x5a5a;
		int rc, rc_ul, rc_ui, rc_si;
		char out[32];

		rc = kstrtoull(buf, len, base, &ull);
		CHECK(rc == 0 || rc == -EINVAL || rc == -ERANGE);
		CHECK(rc == 0 || ull == 0x5a5a);
		rc_ul = kstrtoul(buf, len, base, &ul);
		rc_ui = kstrtouint(buf, len, base, &ui);
		rc_si = kstrtoint(buf, len, base, &si);
		CHECK(rc_si == 0 || rc_si == -EINVAL || rc_si == -ERANGE);

		/* the narrower parsers are kstrtoull() plus a range check */
		if (rc) {
			CHECK(rc_ul == rc && rc_ui == rc);
		} else {
			CHECK(rc_ul == 0 && ul == ull);
			CHECK(rc_ui == (ull <= UINT_MAX ? 0 : -ERANGE));
			CHECK(rc_ui || ui == ull);
			/* without a '-', kstrtoint() is kstrtoull() range-checked */
			CHECK(rc_si == (ull <= INT_MAX ? 0 : -ERANGE));
			CHECK(rc_si || si == (int)ull);

			/* a printed value parses back */
			snprintf(out, sizeof(out), base == 16 ? "%llx" : base == 8 ? "%llo" : "%llu",
				 ull);
			CHECK(kstrtoull(out, strlen(out), base == 0 ? 10 : base, &ull) == 0);
			CHECK(ul == ull);
		}

		if (base == 0) {
			unsigned long long want = 0;
			int want_rc = ref_kstrtoull0(buf, n, &want);

			CHECK(rc == want_rc);
			CHECK(rc || ull == want);
		}

		/* independent check: plain decimal digits, read by the C library */
		if (base == 10 && n > 0 && isdigit((unsigned char)buf[0])) {
			char copy[64];
			size_t digits = 0;

			while (digits < n && isdigit((unsigned char)buf[digits]))
				digits++;
			if (digits < sizeof(copy) &&
			    (digits == n || (digits + 1 == n && buf[digits] == '\n'))) {
				unsigned long long want;

				memcpy(copy, buf, digits);
				copy[digits] = '\0';
				errno = 0;
				want = strtoull(copy, NULL, 10);
				if (errno == ERANGE)
					CHECK(rc == -ERANGE);
				else
					CHECK(rc == 0 && ull == want);
			}
		}

		/* a negative result prints and parses back */
		if (rc_si == 0) {
			int again = 0;

			snprintf(out, sizeof(out), "%d", si);
			CHECK(kstrtoint(out, strlen(out), 10, &again) == 0 && again == si);
		}
	}
}

static void fuzz_bool_scan_streq(const char *buf, size_t len)
{
	size_t n = cstr_len(buf, len);
	bool v = false;
	int got = 0x5a5a, rc;
	char *copy;

	rc = kstrtobool(buf, len, &v);
	CHECK(rc == 0 || rc == -EINVAL);
	if (rc == 0) {
		CHECK(n > 0 && strchr("1yYtT0nNfFoO", buf[0]));
		CHECK(v == (strchr("1yYtToO", buf[0]) && !(n > 1 && (buf[0] | 0x20) == 'o' &&
							   (buf[1] | 0x20) == 'f')));
	}

	rc = scan_int_d(buf, len, &got);
	CHECK(rc == 0 || rc == 1);
	CHECK(rc == 1 || got == 0x5a5a);
	rc = scan_int_i(buf, len, &got);
	CHECK(rc == 0 || rc == 1);

	/* sysfs_streq(): equal to its own C string, with or without one '\n' */
	copy = malloc(n + 2);
	CHECK(copy);
	memcpy(copy, buf, n);
	copy[n] = '\0';
	CHECK(sysfs_streq(buf, len, copy));
	if (n > 0 && copy[n - 1] == '\n') {
		copy[n - 1] = '\0';
		CHECK(sysfs_streq(buf, len, copy));
	} else {
		copy[n] = '\n';
		copy[n + 1] = '\0';
		CHECK(sysfs_streq(buf, len, copy));
	}
	free(copy);
}

static void fuzz_uuid(const char *buf, size_t len)
{
	uint8_t u[16], again[16];
	char text[37];
	size_t i;
	int rc;

	memset(u, 0x5a, sizeof(u));
	rc = uuid_parse_36(buf, len, u);
	CHECK(rc == 0 || rc == -EINVAL);
	if (rc) {
		for (i = 0; i < 16; i++)
			CHECK(u[i] == 0x5a);
		return;
	}
	CHECK(len >= 36);
	uuid_format(u, text);
	CHECK(strlen(text) == 36);
	for (i = 0; i < 36; i++)
		CHECK(text[i] == tolower((unsigned char)buf[i]));
	CHECK(uuid_parse_36(text, 36, again) == 0);
	CHECK(memcmp(u, again, 16) == 0);
}

/* A few fixed "old" masks, as a store would find them. */
static void old_masks(struct ap_mask old[4])
{
	unsigned int id;

	memset(&old[0], 0, sizeof(old[0]));
	ap_mask_fill(&old[1]);
	memset(&old[2], 0, sizeof(old[2]));
	for (id = 0; id < AP_MASK_BITS; id += 3)
		ap_mask_set(&old[2], id);
	ap_mask_fill(&old[3]);
	ap_mask_clear(&old[3], 3);
	ap_mask_clear(&old[3], 4);
	ap_mask_clear(&old[3], 0xab);
}

/* Formatted @m re-parses to itself, in every spelling the kernel accepts. */
static void check_mask_roundtrip(const struct ap_mask *m)
{
	char text[AP_MASK_STRLEN + 2];
	struct ap_mask zero, back;

	memset(&zero, 0, sizeof(zero));
	ap_mask_format(m, text);
	CHECK(strlen(text) == AP_MASK_STRLEN);

	CHECK(ap_parse_mask(text, AP_MASK_STRLEN, &zero, &back) == 0);
	CHECK(ap_mask_equal(m, &back));
	CHECK(ap_parse_mask(text + 2, AP_MASK_STRLEN - 2, &zero, &back) == 0);
	CHECK(ap_mask_equal(m, &back));
	CHECK(ap_parse_mask(text + 1, AP_MASK_STRLEN - 1, &zero, &back) == 0);	/* "x..." */
	CHECK(ap_mask_equal(m, &back));
	text[AP_MASK_STRLEN] = '\n';
	CHECK(ap_parse_mask(text, AP_MASK_STRLEN + 1, &zero, &back) == 0);
	CHECK(ap_mask_equal(m, &back));
	CHECK(ap_parse_hex_field(text, AP_MASK_STRLEN + 1, &back) == 0);
	CHECK(ap_mask_equal(m, &back));
}

static void fuzz_masks(const char *buf, size_t len)
{
	size_t n = cstr_len(buf, len);
	bool relative = n > 0 && (buf[0] == '+' || buf[0] == '-');
	struct ap_mask old[4], res[4], field;
	int rc[4], frc;
	unsigned int id;
	size_t i;

	old_masks(old);
	for (i = 0; i < 4; i++) {
		struct ap_mask before = old[i];

		memset(&res[i], 0x5a, sizeof(res[i]));
		rc[i] = ap_parse_mask(buf, len, &old[i], &res[i]);
		CHECK(rc[i] == 0 || rc[i] == -EINVAL);
		CHECK(ap_mask_equal(&before, &old[i]));
		/* acceptance never depends on the old mask */
		CHECK(rc[i] == rc[0]);
	}

	for (i = 0; i < 4; i++) {
		struct ap_mask want;
		int want_rc = ref_parse_mask(buf, n, &old[i], &want);

		CHECK(rc[i] == want_rc);
		CHECK(rc[i] || ap_mask_equal(&res[i], &want));
	}

	frc = ap_parse_hex_field(buf, len, &field);
	CHECK(frc == 0 || frc == -EINVAL);
	if (!relative)
		CHECK(frc == rc[0]);

	if (rc[0])
		return;

	for (i = 0; i < 4; i++)
		check_for_each(&res[i]);

	if (!relative) {
		/* absolute: the old mask plays no part, and the text round-trips */
		for (i = 1; i < 4; i++)
			CHECK(ap_mask_equal(&res[0], &res[i]));
		CHECK(ap_mask_equal(&res[0], &field));
		check_mask_roundtrip(&res[0]);
		return;
	}

	/*
	 * relative: an id either keeps its old value (not named by the input)
	 * or gets the same new value whatever the old mask was.
	 */
	for (id = 0; id < AP_MASK_BITS; id++) {
		bool touched = false, value = false;

		for (i = 0; i < 4; i++) {
			if (ap_mask_test(&res[i], id) != ap_mask_test(&old[i], id)) {
				touched = true;
				value = ap_mask_test(&res[i], id);
			}
		}
		if (!touched)
			continue;
		for (i = 0; i < 4; i++)
			CHECK(ap_mask_test(&res[i], id) == value);
	}
	/* applying the same relative write twice changes nothing more */
	{
		struct ap_mask twice;

		CHECK(ap_parse_mask(buf, len, &res[2], &twice) == 0);
		CHECK(ap_mask_equal(&twice, &res[2]));
	}
}

static void fuzz_config(const char *buf, size_t len)
{
	struct ap_mask apm, aqm, adm, a2, q2, d2;
	char text[3 * (AP_MASK_STRLEN + 1) + 1];
	int rc;

	ap_mask_fill(&apm);
	ap_mask_fill(&aqm);
	ap_mask_fill(&adm);
	rc = ap_parse_config(buf, len, &apm, &aqm, &adm);
	CHECK(rc == 0 || rc == -EINVAL);
	if (rc) {
		/* all or nothing */
		ap_mask_fill(&a2);
		CHECK(ap_mask_equal(&apm, &a2) && ap_mask_equal(&aqm, &a2) &&
		      ap_mask_equal(&adm, &a2));
		return;
	}
	check_for_each(&apm);
	check_for_each(&aqm);
	check_for_each(&adm);

	/* the show format parses back to the same three masks */
	ap_mask_format(&apm, text);
	text[AP_MASK_STRLEN] = ',';
	ap_mask_format(&aqm, text + AP_MASK_STRLEN + 1);
	text[2 * AP_MASK_STRLEN + 1] = ',';
	ap_mask_format(&adm, text + 2 * (AP_MASK_STRLEN + 1));
	text[3 * AP_MASK_STRLEN + 2] = '\n';
	text[3 * AP_MASK_STRLEN + 3] = '\0';
	CHECK(strlen(text) == 201);
	CHECK(ap_parse_config(text, strlen(text), &a2, &q2, &d2) == 0);
	CHECK(ap_mask_equal(&apm, &a2) && ap_mask_equal(&aqm, &q2) && ap_mask_equal(&adm, &d2));
}

static void fuzz_busid(const char *buf, size_t len)
{
	unsigned int cssid = 0, ssid = 0, devno = 0;
	char *s = malloc(len + 1);
	char text[16];
	size_t i;

	CHECK(s);
	memcpy(s, buf, len);
	s[len] = '\0';
	if (ccw_busid_parse(s, &cssid, &ssid, &devno) == 0) {
		CHECK(cssid <= 0xff && ssid <= 3 && devno <= 0xffff);
		snprintf(text, sizeof(text), "%x.%x.%04x", cssid, ssid, devno);
		CHECK(strlen(text) == strlen(s));
		for (i = 0; text[i]; i++)
			CHECK(text[i] == tolower((unsigned char)s[i]));
	}
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;

	fuzz_numbers(buf, size);
	fuzz_bool_scan_streq(buf, size);
	fuzz_uuid(buf, size);
	fuzz_masks(buf, size);
	fuzz_config(buf, size);
	fuzz_busid(buf, size);
	return 0;
}
