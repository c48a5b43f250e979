// SPDX-License-Identifier: MIT
/*
 * Unit tests for simfs/parse.c: every accepted and every refused form of
 * the kernel's parsers that simfs reproduces.
 *
 * Every input is handed to the parser in a heap block of exactly its
 * length, so AddressSanitizer catches any read past @len.  Table rows name
 * the input in the failure message.  The apmask/aqmask replay tables are
 * copied from the real-kernel transcript (shared/oracle/ap-vfio_ap.txt).
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "parse.h"

/* A string literal and its length, embedded NULs included. */
#define STR(lit) (lit), (sizeof(lit) - 1)

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */

/* A heap copy of exactly @len bytes: ASan flags any read beyond it. */
static char *exact(const char *s, size_t len)
{
	char *p = malloc(len);

	if (len) {
		assert_non_null(p);
		memcpy(p, s, len);
	}
	return p;
}

/* @s as a C literal, for failure messages (one static buffer, tests are serial). */
static const char *esc(const char *s, size_t len)
{
	static char out[4 * 512 + 3];
	size_t i, o = 0;

	out[o++] = '"';
	for (i = 0; i < len && o < sizeof(out) - 6; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n')
			o += (size_t)sprintf(out + o, "\\n");
		else if (c == '"' || c == '\\')
			o += (size_t)sprintf(out + o, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			o += (size_t)sprintf(out + o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o++] = '"';
	out[o] = '\0';
	return out;
}

static const char *errname(int rc)
{
	switch (rc) {
	case 0:
		return "0";
	case -EINVAL:
		return "-EINVAL";
	case -ERANGE:
		return "-ERANGE";
	default:
		return "other";
	}
}

/* "0x" + 64 digits from a 64-digit hex string, as ap_mask_format() prints. */
static void assert_mask(const struct ap_mask *m, const char *hex64)
{
	char got[AP_MASK_STRLEN + 1];
	char want[AP_MASK_STRLEN + 1];

	assert_int_equal(strlen(hex64), 64);
	snprintf(want, sizeof(want), "0x%s", hex64);
	ap_mask_format(m, got);
	assert_string_equal(got, want);
}

/*
 * A mask from up to 64 lower-case hex digits, the rest zero, built bit by
 * bit (not through the parsers under test).
 */
static struct ap_mask mask_from_hex(const char *hex)
{
	size_t len = strlen(hex);
	struct ap_mask m;
	unsigned int i;

	assert_true(len <= 64);
	memset(&m, 0, sizeof(m));
	for (i = 0; i < len; i++) {
		char c = hex[i];
		unsigned int v = (unsigned int)(c <= '9' ? c - '0' : c - 'a' + 10);
		unsigned int bit;

		for (bit = 0; bit < 4; bit++)
			if (v & (8u >> bit))
				ap_mask_set(&m, i * 4 + bit);
	}
	return m;
}

static struct ap_mask mask_all(void)
{
	struct ap_mask m;

	ap_mask_fill(&m);
	return m;
}

static struct ap_mask mask_none(void)
{
	struct ap_mask m;

	memset(&m, 0, sizeof(m));
	return m;
}

/* Exactly-sized wrappers. */
static int x_kstrtoull(const char *s, size_t len, unsigned int base, unsigned long long *v)
{
	char *p = exact(s, len);
	int rc = kstrtoull(p, len, base, v);

	free(p);
	return rc;
}

static int x_kstrtoul(const char *s, size_t len, unsigned int base, unsigned long *v)
{
	char *p = exact(s, len);
	int rc = kstrtoul(p, len, base, v);

	free(p);
	return rc;
}

static int x_kstrtouint(const char *s, size_t len, unsigned int base, unsigned int *v)
{
	char *p = exact(s, len);
	int rc = kstrtouint(p, len, base, v);

	free(p);
	return rc;
}

static int x_kstrtoint(const char *s, size_t len, unsigned int base, int *v)
{
	char *p = exact(s, len);
	int rc = kstrtoint(p, len, base, v);

	free(p);
	return rc;
}

static int x_kstrtobool(const char *s, size_t len, bool *v)
{
	char *p = exact(s, len);
	int rc = kstrtobool(p, len, v);

	free(p);
	return rc;
}

static int x_scan(int (*fn)(const char *, size_t, int *), const char *s, size_t len, int *v)
{
	char *p = exact(s, len);
	int rc = fn(p, len, v);

	free(p);
	return rc;
}

static bool x_streq(const char *a, size_t alen, const char *b)
{
	char *p = exact(a, alen);
	bool eq = sysfs_streq(p, alen, b);

	free(p);
	return eq;
}

static int x_uuid(const char *s, size_t len, uint8_t out[16])
{
	char *p = exact(s, len);
	int rc = uuid_parse_36(p, len, out);

	free(p);
	return rc;
}

static int x_mask(const char *s, size_t len, const struct ap_mask *old, struct ap_mask *new)
{
	char *p = exact(s, len);
	int rc = ap_parse_mask(p, len, old, new);

	free(p);
	return rc;
}

static int x_field(const char *s, size_t len, struct ap_mask *out)
{
	char *p = exact(s, len);
	int rc = ap_parse_hex_field(p, len, out);

	free(p);
	return rc;
}

static int x_config(const char *s, size_t len, struct ap_mask *apm, struct ap_mask *aqm,
		    struct ap_mask *adm)
{
	char *p = exact(s, len);
	int rc = ap_parse_config(p, len, apm, aqm, adm);

	free(p);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* kstrtoull / kstrtoul / kstrtouint                                        */

struct u_case {
	const char *s;
	size_t len;
	unsigned int base;
	int rc;
	unsigned long long val;
};

static const struct u_case kstrtoul_cases[] = {
	/* spec §0.1 and the transcript: 3, 0x3 and 03 are all 3 */
	{ STR("3"), 0, 0, 3 },
	{ STR("0x3"), 0, 0, 3 },
	{ STR("03"), 0, 0, 3 },
	{ STR("3\n"), 0, 0, 3 },
	{ STR("+3"), 0, 0, 3 },
	{ STR("+3\n"), 0, 0, 3 },
	{ STR("0"), 0, 0, 0 },
	{ STR("00"), 0, 0, 0 },
	{ STR("010"), 0, 0, 8 },	/* leading 0 is octal */
	{ STR("0x0a"), 0, 0, 10 },
	{ STR("0X1F"), 0, 0, 31 },	/* prefix and digits in either case */
	{ STR("+0x10"), 0, 0, 16 },	/* radix prefix after the sign */
	{ STR("18446744073709551615"), 0, 0, ULLONG_MAX },
	{ STR("0xffffffffffffffff"), 0, 0, ULLONG_MAX },
	{ STR("01777777777777777777777"), 0, 0, ULLONG_MAX },
	{ STR(""), 0, -EINVAL, 0 },
	{ STR("\n"), 0, -EINVAL, 0 },
	{ STR("+"), 0, -EINVAL, 0 },
	{ STR("++3"), 0, -EINVAL, 0 },
	{ STR("+-3"), 0, -EINVAL, 0 },
	{ STR("-1"), 0, -EINVAL, 0 },
	{ STR("-0"), 0, -EINVAL, 0 },
	{ STR("abc"), 0, -EINVAL, 0 },
	{ STR("3 "), 0, -EINVAL, 0 },
	{ STR(" 3"), 0, -EINVAL, 0 },
	{ STR("\t3"), 0, -EINVAL, 0 },
	{ STR("3\n\n"), 0, -EINVAL, 0 },
	{ STR("3\nx"), 0, -EINVAL, 0 },
	{ STR("3\r\n"), 0, -EINVAL, 0 },
	{ STR("08"), 0, -EINVAL, 0 },	/* octal digits only */
	{ STR("09"), 0, -EINVAL, 0 },
	{ STR("0x"), 0, -EINVAL, 0 },	/* "0" octal, then the 'x' */
	{ STR("0x\n"), 0, -EINVAL, 0 },
	{ STR("0xg"), 0, -EINVAL, 0 },
	{ STR("1e3"), 0, -EINVAL, 0 },
	{ STR("18446744073709551616"), 0, -ERANGE, 0 },
	{ STR("0x10000000000000000"), 0, -ERANGE, 0 },
	{ STR("02000000000000000000000"), 0, -ERANGE, 0 },
	/* overflow is reported before the trailing garbage */
	{ STR("99999999999999999999x"), 0, -ERANGE, 0 },
	/* explicit bases */
	{ STR("ff"), 16, 0, 255 },
	{ STR("0xff"), 16, 0, 255 },
	{ STR("0XFF\n"), 16, 0, 255 },
	{ STR("0x"), 16, -EINVAL, 0 },	/* prefix skipped, no digits */
	{ STR("g"), 16, -EINVAL, 0 },
	{ STR("010"), 10, 0, 10 },
	{ STR("0x1"), 10, -EINVAL, 0 },
	{ STR("17"), 8, 0, 15 },
	{ STR("8"), 8, -EINVAL, 0 },
	{ STR("0x1"), 8, -EINVAL, 0 },
	{ STR("101"), 2, 0, 5 },
	/* the first NUL ends the input, as in the kernel's NUL-terminated copy */
	{ STR("5\0junk"), 0, 0, 5 },
	{ STR("5\n\0junk"), 0, 0, 5 },
	{ STR("\0" "5"), 0, -EINVAL, 0 },
	{ STR("5 \0"), 0, -EINVAL, 0 },
	/* a length that cuts the buffer: only @len bytes exist */
	{ "123", 2, 0, 0, 12 },
	{ "0x10", 2, 0, -EINVAL, 0 },
};

static void test_kstrtoul(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(kstrtoul_cases) / sizeof(kstrtoul_cases[0]); i++) {
		const struct u_case *c = &kstrtoul_cases[i];
		unsigned long v = 0xdeadbeefUL;
		int rc = x_kstrtoul(c->s, c->len, c->base, &v);
		unsigned long want = rc ? 0xdeadbeefUL : (unsigned long)c->val;

		if (rc != c->rc || v != want) {
			print_error("kstrtoul(%s, base %u) = %s, %lu; expected %s, %llu\n",
				    esc(c->s, c->len), c->base, errname(rc), v, errname(c->rc),
				    c->val);
			fail();
		}
	}
}

static void test_kstrtoull(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(kstrtoul_cases) / sizeof(kstrtoul_cases[0]); i++) {
		const struct u_case *c = &kstrtoul_cases[i];
		unsigned long long v = 42;
		int rc = x_kstrtoull(c->s, c->len, c->base, &v);

		/* The result is not touched on error (lib/kstrtox.c says so). */
		if (rc != c->rc || v != (rc ? 42 : c->val)) {
			print_error("kstrtoull(%s, base %u) = %s, %llu; expected %s, %llu\n",
				    esc(c->s, c->len), c->base, errname(rc), v, errname(c->rc),
				    c->val);
			fail();
		}
	}
}

static void test_kstrtouint(void **state)
{
	unsigned int v = 7;

	(void)state;
	assert_int_equal(x_kstrtouint(STR("4294967295"), 0, &v), 0);
	assert_int_equal(v, UINT_MAX);
	assert_int_equal(x_kstrtouint(STR("0xffffffff\n"), 0, &v), 0);
	assert_int_equal(v, UINT_MAX);
	assert_int_equal(x_kstrtouint(STR("4294967296"), 0, &v), -ERANGE);
	assert_int_equal(x_kstrtouint(STR("18446744073709551616"), 0, &v), -ERANGE);
	assert_int_equal(x_kstrtouint(STR("-1"), 0, &v), -EINVAL);
	assert_int_equal(v, UINT_MAX);
	assert_int_equal(x_kstrtouint(STR("+010"), 0, &v), 0);
	assert_int_equal(v, 8);
	assert_int_equal(x_kstrtouint(STR("12"), 16, &v), 0);
	assert_int_equal(v, 0x12);
}

/* ------------------------------------------------------------------------ */
/* kstrtoint                                                                */

struct i_case {
	const char *s;
	size_t len;
	unsigned int base;
	int rc;
	int val;
};

static const struct i_case kstrtoint_cases[] = {
	{ STR("5"), 0, 0, 5 },
	{ STR("-1"), 0, 0, -1 },
	{ STR("-1\n"), 0, 0, -1 },
	{ STR("+7"), 0, 0, 7 },
	{ STR("-0"), 0, 0, 0 },
	{ STR("-010"), 0, 0, -8 },
	{ STR("-0x10"), 0, 0, -16 },
	{ STR("2147483647"), 0, 0, INT_MAX },
	{ STR("-2147483648"), 0, 0, INT_MIN },
	{ STR("-0x80000000"), 0, 0, INT_MIN },
	{ STR("2147483648"), 0, -ERANGE, 0 },
	{ STR("-2147483649"), 0, -ERANGE, 0 },
	{ STR("4294967295"), 0, -ERANGE, 0 },
	{ STR("9223372036854775807"), 0, -ERANGE, 0 },
	{ STR("9223372036854775808"), 0, -ERANGE, 0 },
	{ STR("-9223372036854775808"), 0, -ERANGE, 0 },	/* fits long long, not int */
	{ STR("-9223372036854775809"), 0, -ERANGE, 0 },
	{ STR("-18446744073709551616"), 0, -ERANGE, 0 },
	{ STR(""), 0, -EINVAL, 0 },
	{ STR("-"), 0, -EINVAL, 0 },
	{ STR("-\n"), 0, -EINVAL, 0 },
	{ STR("--1"), 0, -EINVAL, 0 },
	{ STR("-+1"), 0, -EINVAL, 0 },
	{ STR("+-1"), 0, -EINVAL, 0 },
	{ STR("- 1"), 0, -EINVAL, 0 },
	{ STR(" -1"), 0, -EINVAL, 0 },
	{ STR("-1 "), 0, -EINVAL, 0 },
	{ STR("-08"), 0, -EINVAL, 0 },
	{ STR("-ff"), 16, 0, -255 },
	{ STR("-0xff"), 16, 0, -255 },
	{ STR("-7\0" "9"), 0, 0, -7 },
	{ "-12", 2, 0, 0, -1 },
};

static void test_kstrtoint(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(kstrtoint_cases) / sizeof(kstrtoint_cases[0]); i++) {
		const struct i_case *c = &kstrtoint_cases[i];
		int v = 4242;
		int rc = x_kstrtoint(c->s, c->len, c->base, &v);

		if (rc != c->rc || v != (rc ? 4242 : c->val)) {
			print_error("kstrtoint(%s, base %u) = %s, %d; expected %s, %d\n",
				    esc(c->s, c->len), c->base, errname(rc), v, errname(c->rc),
				    c->val);
			fail();
		}
	}
}

/* ------------------------------------------------------------------------ */
/* kstrtobool                                                               */

struct b_case {
	const char *s;
	size_t len;
	int rc;
	bool val;
};

static const struct b_case kstrtobool_cases[] = {
	{ STR("1"), 0, true },
	{ STR("1\n"), 0, true },
	{ STR("y"), 0, true },
	{ STR("Y"), 0, true },
	{ STR("yes"), 0, true },
	{ STR("t"), 0, true },
	{ STR("T"), 0, true },
	{ STR("true\n"), 0, true },
	{ STR("on"), 0, true },
	{ STR("ON"), 0, true },
	{ STR("oN"), 0, true },
	{ STR("1x"), 0, true },		/* only the first byte counts */
	{ STR("yolo"), 0, true },
	{ STR("0"), 0, false },
	{ STR("0\n"), 0, false },
	{ STR("n"), 0, false },
	{ STR("N"), 0, false },
	{ STR("no"), 0, false },
	{ STR("f"), 0, false },
	{ STR("F"), 0, false },
	{ STR("false"), 0, false },
	{ STR("off"), 0, false },
	{ STR("OFF"), 0, false },
	{ STR("of"), 0, false },
	{ STR("0junk"), 0, false },
	{ STR(""), -EINVAL, false },
	{ STR("\n"), -EINVAL, false },
	{ STR("o"), -EINVAL, false },
	{ STR("o\n"), -EINVAL, false },
	{ STR("ox"), -EINVAL, false },
	{ STR("2"), -EINVAL, false },
	{ STR(" 1"), -EINVAL, false },
	{ STR("+1"), -EINVAL, false },
	{ STR("e"), -EINVAL, false },	/* 'e'/'d' are 6.16+, not 6.12 */
	{ STR("enabled"), -EINVAL, false },
	{ STR("d"), -EINVAL, false },
	{ STR("\0" "1"), -EINVAL, false },
	{ STR("o\0n"), -EINVAL, false },
	{ "on", 1, -EINVAL, false },		/* the 'n' is past @len */
};

static void test_kstrtobool(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(kstrtobool_cases) / sizeof(kstrtobool_cases[0]); i++) {
		const struct b_case *c = &kstrtobool_cases[i];
		bool v_true = true, v_false = false;
		int rc1 = x_kstrtobool(c->s, c->len, &v_true);
		int rc2 = x_kstrtobool(c->s, c->len, &v_false);
		bool ok = rc1 == c->rc && rc2 == c->rc;

		if (ok && c->rc == 0)
			ok = v_true == c->val && v_false == c->val;
		if (ok && c->rc != 0)
			ok = v_true && !v_false;	/* untouched */
		if (!ok) {
			print_error("kstrtobool(%s) = %s; expected %s, %d\n", esc(c->s, c->len),
				    errname(rc1), errname(c->rc), c->val);
			fail();
		}
	}
}

/* ------------------------------------------------------------------------ */
/* sscanf "%d" / "%i"                                                       */

struct s_case {
	const char *s;
	size_t len;
	int n;		/* conversions: 1 or 0 */
	int val;
};

static const struct s_case scan_d_cases[] = {
	{ STR("5"), 1, 5 },
	{ STR("30\n"), 1, 30 },
	{ STR("   42"), 1, 42 },
	{ STR("\t\n\v\f\r 7"), 1, 7 },
	{ STR("\xa0" "9"), 1, 9 },	/* kernel ctype: 0xa0 is a space */
	{ STR("42xyz"), 1, 42 },	/* trailing bytes ignored */
	{ STR("12 34"), 1, 12 },
	{ STR("-7"), 1, -7 },
	{ STR("  -7\n"), 1, -7 },
	{ STR("-0"), 1, 0 },
	{ STR("007"), 1, 7 },		/* %d is decimal */
	{ STR("08"), 1, 8 },
	{ STR("0x10"), 1, 0 },		/* stops at the 'x' */
	{ STR("2147483647"), 1, INT_MAX },
	{ STR("-2147483648"), 1, INT_MIN },
	{ STR("2147483648"), 1, INT_MIN },	/* truncated to int, no error */
	{ STR("-2147483649"), 1, INT_MAX },
	{ STR("4294967297"), 1, 1 },
	{ STR("18446744073709551617"), 1, 1 },	/* wraps modulo 2^64 first */
	{ STR("5\0" "6"), 1, 5 },
	{ STR(""), 0, 0 },
	{ STR("   "), 0, 0 },
	{ STR("\n"), 0, 0 },
	{ STR("abc"), 0, 0 },
	{ STR("+5"), 0, 0 },		/* the kernel's %d knows no '+' */
	{ STR("-"), 0, 0 },
	{ STR("--5"), 0, 0 },
	{ STR("- 5"), 0, 0 },
	{ STR("-x"), 0, 0 },
	{ STR("\x85" "5"), 0, 0 },	/* 0x85 is not a space in the kernel */
	{ STR(" \0" "5"), 0, 0 },
	{ "-5", 1, 0, 0 },		/* the '5' is past @len */
};

static const struct s_case scan_i_cases[] = {
	{ STR("10"), 1, 10 },
	{ STR("0x10"), 1, 16 },
	{ STR("0X1f\n"), 1, 31 },
	{ STR("010"), 1, 8 },
	{ STR("08"), 1, 0 },		/* octal "0", stops at the '8' */
	{ STR("0x"), 1, 0 },		/* octal "0", stops at the 'x' */
	{ STR("0xg"), 1, 0 },
	{ STR("-0x10"), 1, -16 },
	{ STR("-010"), 1, -8 },
	{ STR("  0x7fffffff"), 1, INT_MAX },
	{ STR("0xffffffff"), 1, -1 },
	{ STR("85"), 1, 85 },
	{ STR("x10"), 0, 0 },
	{ STR("+0x10"), 0, 0 },
	{ STR(""), 0, 0 },
	{ STR("a"), 0, 0 },		/* needs a decimal digit first */
};

static void run_scan(const char *name, int (*fn)(const char *, size_t, int *),
		     const struct s_case *cases, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++) {
		const struct s_case *c = &cases[i];
		int v = 4242;
		int n = x_scan(fn, c->s, c->len, &v);

		if (n != c->n || v != (n ? c->val : 4242)) {
			print_error("%s(%s) = %d, %d; expected %d, %d\n", name, esc(c->s, c->len),
				    n, v, c->n, c->val);
			fail();
		}
	}
}

static void test_scan_int_d(void **state)
{
	(void)state;
	run_scan("scan_int_d", scan_int_d, scan_d_cases,
		 sizeof(scan_d_cases) / sizeof(scan_d_cases[0]));
}

static void test_scan_int_i(void **state)
{
	(void)state;
	run_scan("scan_int_i", scan_int_i, scan_i_cases,
		 sizeof(scan_i_cases) / sizeof(scan_i_cases[0]));
}

/* ------------------------------------------------------------------------ */
/* sysfs_streq                                                              */

static void test_sysfs_streq(void **state)
{
	(void)state;
	assert_true(x_streq(STR("vfio_ccw"), "vfio_ccw"));
	assert_true(x_streq(STR("vfio_ccw\n"), "vfio_ccw"));
	assert_true(x_streq(STR("vfio_ccw"), "vfio_ccw\n"));
	assert_true(x_streq(STR("vfio_ccw\n"), "vfio_ccw\n"));
	assert_true(x_streq(STR(""), ""));
	assert_true(x_streq(STR("\n"), ""));
	assert_true(x_streq(STR(""), "\n"));
	assert_true(x_streq(STR("abc\0xyz"), "abc"));	/* NUL ends the buffer */
	assert_true(x_streq(STR("abc\n\0xyz"), "abc"));
	assert_true(x_streq("abcd", 3, "abc"));		/* only @len bytes exist */
	assert_false(x_streq(STR("vfio_ccw\n\n"), "vfio_ccw"));
	assert_false(x_streq(STR("vfio_ccw"), "vfio_ccw\n\n"));
	assert_false(x_streq(STR("vfio_ccw "), "vfio_ccw"));
	assert_false(x_streq(STR(" vfio_ccw"), "vfio_ccw"));
	assert_false(x_streq(STR("vfio_ccw\r\n"), "vfio_ccw"));
	assert_false(x_streq(STR("VFIO_CCW"), "vfio_ccw"));
	assert_false(x_streq(STR("vfio"), "vfio_ccw"));
	assert_false(x_streq(STR("vfio_ccw_mdev"), "vfio_ccw"));
	assert_false(x_streq(STR("\n\n"), ""));
	assert_false(x_streq(STR("a"), ""));
	assert_false(x_streq(STR(""), "a"));
	/* The '\n' allowance applies to whatever is left after the common part. */
	assert_true(x_streq(STR("\n"), "\n\n"));
	assert_true(x_streq(STR("a\n\n"), "a\n"));
	assert_false(x_streq(STR("a\n\n\n"), "a\n"));
}

/* ------------------------------------------------------------------------ */
/* UUIDs                                                                    */

#define U1 "11111111-2222-3333-4444-555555555555"

static void test_uuid_parse(void **state)
{
	static const uint8_t want[16] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
					  0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10 };
	uint8_t out[16];
	char text[37];

	(void)state;
	assert_int_equal(x_uuid(STR("01234567-89ab-cdef-fedc-ba9876543210"), out), 0);
	assert_memory_equal(out, want, 16);
	assert_int_equal(x_uuid(STR("01234567-89AB-CDEF-FEDC-BA9876543210"), out), 0);
	assert_memory_equal(out, want, 16);
	assert_int_equal(x_uuid(STR("01234567-89aB-CdEf-FeDc-bA9876543210"), out), 0);
	assert_memory_equal(out, want, 16);

	/* Only the first 36 bytes are looked at. */
	assert_int_equal(x_uuid(STR(U1 "\n"), out), 0);
	assert_int_equal(x_uuid(STR(U1 "garbage"), out), 0);
	assert_int_equal(x_uuid(STR(U1 "\0"), out), 0);
	uuid_format(out, text);
	assert_string_equal(text, U1);

	/* uuid_format() prints lower case, whatever case was parsed. */
	assert_int_equal(x_uuid(STR("AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE"), out), 0);
	uuid_format(out, text);
	assert_string_equal(text, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
}

static void test_uuid_refused(void **state)
{
	static const struct {
		const char *s;
		size_t len;
	} bad[] = {
		{ STR("") },
		{ STR("\n") },
		{ STR("11111111-2222-3333-4444-55555555555") },		/* 35 bytes */
		{ STR("11111111-2222-3333-4444-55555555555\n") },	/* '\n' at 35 */
		{ STR("111111112-222-3333-4444-555555555555") },	/* dash at 9 */
		{ STR("1111111-22222-3333-4444-555555555555") },	/* dash at 7 */
		{ STR("11111111-22223-333-4444-555555555555") },
		{ STR("11111111-2222-33334-444-555555555555") },
		{ STR("11111111-2222-3333-44445-55555555555") },
		{ STR("11111111222233334444555555555555") },		/* no dashes */
		{ STR("11111111_2222_3333_4444_555555555555") },
		{ STR("{11111111-2222-3333-4444-55555555555}") },
		{ STR("g1111111-2222-3333-4444-555555555555") },
		{ STR("11111111-2222-3333-4444-55555555555g") },
		{ STR("11111111-2222-3333-4444-55555555555 ") },
		{ STR(" 11111111-2222-3333-4444-555555555555") },
		{ STR("11111111-2222-3333-4444-5555555\0" "5555") },	/* NUL inside */
		{ STR("11111111-2222-3333-4444-5555555555-5") },
		{ STR("11111111-2222-3333-4444--55555555555") },
		{ "11111111-2222-3333-4444-555555555555", 35 },		/* cut by @len */
	};
	uint8_t out[16], before[16];
	size_t i;

	(void)state;
	memset(out, 0xa5, sizeof(out));
	memcpy(before, out, sizeof(out));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (x_uuid(bad[i].s, bad[i].len, out) != -EINVAL) {
			print_error("uuid_parse_36(%s) accepted\n", esc(bad[i].s, bad[i].len));
			fail();
		}
		assert_memory_equal(out, before, 16);
	}
}

static void test_uuid_format(void **state)
{
	uint8_t u[16];
	char text[37];
	size_t i;

	(void)state;
	for (i = 0; i < 16; i++)
		u[i] = (uint8_t)(i * 0x11);
	memset(text, 'Z', sizeof(text));
	uuid_format(u, text);
	assert_string_equal(text, "00112233-4455-6677-8899-aabbccddeeff");
	assert_int_equal(text[36], '\0');
}

/* ------------------------------------------------------------------------ */
/* AP mask helpers                                                          */

static void test_ap_mask_helpers(void **state)
{
	struct ap_mask m = mask_none(), n;
	unsigned int id, count;

	(void)state;
	assert_true(ap_mask_empty(&m));
	assert_int_equal(ap_mask_next(&m, 0), AP_MASK_BITS);
	assert_mask(&m, "0000000000000000000000000000000000000000000000000000000000000000");

	ap_mask_set(&m, 0);
	assert_false(ap_mask_empty(&m));
	assert_mask(&m, "8000000000000000000000000000000000000000000000000000000000000000");
	ap_mask_set(&m, 7);
	ap_mask_set(&m, 8);
	ap_mask_set(&m, 0xab);
	ap_mask_set(&m, 255);
	ap_mask_set(&m, 256);	/* out of range: ignored */
	assert_mask(&m, "8180000000000000000000000000000000000000001000000000000000000001");
	assert_true(ap_mask_test(&m, 0xab));
	assert_false(ap_mask_test(&m, 0xaa));
	assert_false(ap_mask_test(&m, 256));

	assert_int_equal(ap_mask_next(&m, 0), 0);
	assert_int_equal(ap_mask_next(&m, 1), 7);
	assert_int_equal(ap_mask_next(&m, 8), 8);
	assert_int_equal(ap_mask_next(&m, 9), 0xab);
	assert_int_equal(ap_mask_next(&m, 0xac), 255);
	assert_int_equal(ap_mask_next(&m, 255), 255);
	assert_int_equal(ap_mask_next(&m, 256), AP_MASK_BITS);
	assert_int_equal(ap_mask_next(&m, 1000), AP_MASK_BITS);

	count = 0;
	ap_mask_for_each(id, &m)
		count++;
	assert_int_equal(count, 5);

	n = m;
	assert_true(ap_mask_equal(&m, &n));
	ap_mask_clear(&n, 255);
	ap_mask_clear(&n, 256);	/* ignored */
	assert_false(ap_mask_equal(&m, &n));
	assert_int_equal(ap_mask_next(&n, 0xac), AP_MASK_BITS);

	ap_mask_fill(&m);
	assert_mask(&m, "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
	count = 0;
	ap_mask_for_each(id, &m)
		count++;
	assert_int_equal(count, 256);
}

static void test_ap_mask_format(void **state)
{
	struct ap_mask m = mask_none();
	char out[AP_MASK_STRLEN + 1];

	(void)state;
	memset(out, 'Z', sizeof(out));
	ap_mask_set(&m, 4);
	ap_mask_format(&m, out);
	assert_int_equal(strlen(out), AP_MASK_STRLEN);
	assert_string_equal(out,
		"0x0800000000000000000000000000000000000000000000000000000000000000");
}

/* ------------------------------------------------------------------------ */
/* apmask / aqmask: the transcript, replayed                                */

struct replay {
	const char *s;
	size_t len;
	int rc;
	const char *after;	/* the mask read back afterwards, 64 digits */
};

/* shared/oracle/ap-vfio_ap.txt, "apmask writes", starting from all ones. */
static const struct replay apmask_replay[] = {
	{ STR("-5\n"), 0,
	  "fbffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff" },
	{ STR("+5\n"), 0,
	  "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff" },
	{ STR("-4,-0xab\n"), 0,
	  "f7ffffffffffffffffffffffffffffffffffffffffefffffffffffffffffffff" },
	{ STR("+4,+0xab\n"), 0,
	  "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff" },
	{ STR("-0-15\n"), 0,
	  "0000ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff" },
	{ STR("+0-15\n"), 0,
	  "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff" },
	{ STR("-0x10-0x1f\n"), 0,
	  "ffff0000ffffffffffffffffffffffffffffffffffffffffffffffffffffffff" },
	{ STR("-3,+3\n"), 0,
	  "ffff0000ffffffffffffffffffffffffffffffffffffffffffffffffffffffff" },
	{ STR("+3,-3\n"), 0,
	  "efff0000ffffffffffffffffffffffffffffffffffffffffffffffffffffffff" },
	{ STR("0x0\n"), 0,
	  "0000000000000000000000000000000000000000000000000000000000000000" },
	{ STR("0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\n"), 0,
	  "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff" },
	{ STR("0x8\n"), 0,
	  "8000000000000000000000000000000000000000000000000000000000000000" },
	{ STR("0x80\n"), 0,
	  "8000000000000000000000000000000000000000000000000000000000000000" },
	{ STR("8\n"), 0,
	  "8000000000000000000000000000000000000000000000000000000000000000" },
	{ STR("0x0123456789abcdef\n"), 0,
	  "0123456789abcdef000000000000000000000000000000000000000000000000" },
	{ STR("0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\n"), -EINVAL,
	  "0123456789abcdef000000000000000000000000000000000000000000000000" },
	{ STR("-255\n"), 0,
	  "0123456789abcdef000000000000000000000000000000000000000000000000" },
	{ STR("+255\n"), 0,
	  "0123456789abcdef000000000000000000000000000000000000000000000001" },
	{ STR("-256\n"), -EINVAL,
	  "0123456789abcdef000000000000000000000000000000000000000000000001" },
	{ STR("-300\n"), -EINVAL,
	  "0123456789abcdef000000000000000000000000000000000000000000000001" },
	{ STR("-0x100\n"), -EINVAL,
	  "0123456789abcdef000000000000000000000000000000000000000000000001" },
	{ STR("garbage\n"), -EINVAL,
	  "0123456789abcdef000000000000000000000000000000000000000000000001" },
	{ STR("\n"), 0,
	  "0000000000000000000000000000000000000000000000000000000000000000" },
	{ STR("0x\n"), 0,
	  "0000000000000000000000000000000000000000000000000000000000000000" },
	{ STR("-\n"), -EINVAL,
	  "0000000000000000000000000000000000000000000000000000000000000000" },
	{ STR("+3,\n"), 0,
	  "1000000000000000000000000000000000000000000000000000000000000000" },
	{ STR("-3 \n"), -EINVAL,
	  "1000000000000000000000000000000000000000000000000000000000000000" },
	{ STR(" -3\n"), -EINVAL,
	  "1000000000000000000000000000000000000000000000000000000000000000" },
	{ STR("-3,,-4\n"), 0,
	  "0000000000000000000000000000000000000000000000000000000000000000" },
	{ STR("-3;-4\n"), -EINVAL,
	  "0000000000000000000000000000000000000000000000000000000000000000" },
	{ STR("-15-3\n"), -EINVAL,
	  "0000000000000000000000000000000000000000000000000000000000000000" },
	{ STR("-0x3g\n"), -EINVAL,
	  "0000000000000000000000000000000000000000000000000000000000000000" },
	{ STR("-7"), 0,
	  "0000000000000000000000000000000000000000000000000000000000000000" },
	{ STR("0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\n"), 0,
	  "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff" },
};

/* The same transcript, "aqmask writes", again from all ones. */
static const struct replay aqmask_replay[] = {
	{ STR("-5\n"), 0,
	  "fbffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff" },
	{ STR("-4,-0xab\n"), 0,
	  "f3ffffffffffffffffffffffffffffffffffffffffefffffffffffffffffffff" },
	{ STR("+4\n"), 0,
	  "fbffffffffffffffffffffffffffffffffffffffffefffffffffffffffffffff" },
	{ STR("-0-15\n"), 0,
	  "0000ffffffffffffffffffffffffffffffffffffffefffffffffffffffffffff" },
	{ STR("0x0\n"), 0,
	  "0000000000000000000000000000000000000000000000000000000000000000" },
	{ STR("0x8\n"), 0,
	  "8000000000000000000000000000000000000000000000000000000000000000" },
	{ STR("-255\n"), 0,
	  "8000000000000000000000000000000000000000000000000000000000000000" },
	{ STR("-256\n"), -EINVAL,
	  "8000000000000000000000000000000000000000000000000000000000000000" },
	{ STR("garbage\n"), -EINVAL,
	  "8000000000000000000000000000000000000000000000000000000000000000" },
	{ STR("0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\n"), 0,
	  "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff" },
};

static void run_replay(const char *name, const struct replay *rows, size_t count)
{
	struct ap_mask cur = mask_all();
	size_t i;

	for (i = 0; i < count; i++) {
		struct ap_mask next = cur;
		int rc = x_mask(rows[i].s, rows[i].len, &cur, &next);

		if (rc != rows[i].rc) {
			print_error("%s step %zu: write %s = %s, expected %s\n", name, i,
				    esc(rows[i].s, rows[i].len), errname(rc),
				    errname(rows[i].rc));
			fail();
		}
		if (rc == 0)
			cur = next;	/* a refused write changes nothing */
		assert_mask(&cur, rows[i].after);
	}
}

static void test_apmask_replay(void **state)
{
	(void)state;
	run_replay("apmask", apmask_replay, sizeof(apmask_replay) / sizeof(apmask_replay[0]));
}

static void test_aqmask_replay(void **state)
{
	(void)state;
	run_replay("aqmask", aqmask_replay, sizeof(aqmask_replay) / sizeof(aqmask_replay[0]));
}

/* ------------------------------------------------------------------------ */
/* apmask / aqmask: absolute mode                                           */

struct mask_case {
	const char *s;
	size_t len;
	int rc;
	const char *want;	/* 64 digits; NULL when rc != 0 */
};

#define Z62 "00000000000000000000000000000000000000000000000000000000000000"
#define Z64 "0000000000000000000000000000000000000000000000000000000000000000"
#define F64 "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
#define F65 F64 "f"
#define D64 "0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789ABCDEF"

static const struct mask_case absolute_cases[] = {
	/* "8", "0x8" and "0x80" all mean id 0: digits fill from the left */
	{ STR("8"), 0, "80" Z62 },
	{ STR("0x8"), 0, "80" Z62 },
	{ STR("0x80"), 0, "80" Z62 },
	{ STR("0x8\n"), 0, "80" Z62 },
	{ STR("0x41"), 0, "41" Z62 },
	{ STR("x41"), 0, "41" Z62 },		/* a bare 'x' prefix */
	{ STR("0x0123456789ABCDEF"), 0, "0123456789abcdef" },
	{ STR("0x" D64), 0,
	  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" },
	{ STR(D64 "\n"), 0,
	  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" },
	{ STR("0x" F64), 0, F64 },
	{ STR("0x" F64 "\n"), 0, F64 },
	{ STR("00ff"), 0, "00ff" },
	/* no digits at all clears the mask */
	{ STR(""), 0, Z64 },
	{ STR("\n"), 0, Z64 },
	{ STR("0x"), 0, Z64 },
	{ STR("0x\n"), 0, Z64 },
	{ STR("x"), 0, Z64 },
	{ STR("\0"), 0, Z64 },				/* NUL ends the input */
	{ STR("0x8\0garbage"), 0, "80" Z62 },
	/* refused */
	{ STR("0x" F65), -EINVAL, NULL },		/* 65 digits */
	{ STR(F65), -EINVAL, NULL },
	{ STR("0x" F64 "\n\n"), -EINVAL, NULL },
	{ STR("0X41"), -EINVAL, NULL },		/* the prefix is case-sensitive */
	{ STR("xx41"), -EINVAL, NULL },
	{ STR("0xx"), -EINVAL, NULL },		/* "0x" or "x", not both */
	{ STR("0xx41"), -EINVAL, NULL },
	{ STR("00x41"), -EINVAL, NULL },
	{ STR("garbage"), -EINVAL, NULL },
	{ STR(" -3"), -EINVAL, NULL },			/* leading blank: absolute */
	{ STR(" 0x1"), -EINVAL, NULL },
	{ STR("0x1 "), -EINVAL, NULL },
	{ STR("0x1\n "), -EINVAL, NULL },
	{ STR("0x1g"), -EINVAL, NULL },
	{ STR("0x1,0x2"), -EINVAL, NULL },
	{ STR("\n\n"), -EINVAL, NULL },
	{ STR("\r\n"), -EINVAL, NULL },
	{ STR("\t"), -EINVAL, NULL },
	{ STR("1\0"), 0, "10" Z62 },
	{ "0x80", 3, 0, "80" Z62 },			/* "0x8": the '0' is past @len */
};

/* ------------------------------------------------------------------------ */
/* apmask / aqmask: relative mode                                           */

static const struct mask_case relative_cases[] = {
	/* from all zeros */
	{ STR("+0"), 0, "80" Z62 },
	{ STR("+3\n"), 0, "10" Z62 },
	{ STR("+3,"), 0, "10" Z62 },
	{ STR("+3,,\n,\n"), 0, "10" Z62 },
	{ STR("+1\n+2\n"), 0, "60" Z62 },		/* '\n' separates too */
	{ STR("+1+2"), 0, "60" Z62 },			/* no separator needed */
	{ STR("+1-2-2"), 0, "40" Z62 },		/* 1..2 set, then 2 cleared */
	{ STR("+010"), 0, "0080" },
	{ STR("+0x10"), 0, "000080" },
	{ STR("+0X10"), 0, "000080" },
	{ STR("+0x41"), 0, "0000000000000000" "40" },
	{ STR("+255"), 0, Z62 "01" },
	{ STR("+0xff"), 0, Z62 "01" },
	{ STR("+0377"), 0, Z62 "01" },
	{ STR("+5-5"), 0, "04" Z62 },
	{ STR("+0-7"), 0, "ff" Z62 },
	{ STR("+0-255"), 0, F64 },
	{ STR("+0-255,-128"), 0,
	  "ffffffffffffffffffffffffffffffff7fffffffffffffffffffffffffffffff" },
	{ STR("+0x10-0x12,+60,-90"), 0, "0000e00000000008" },
	/* unsigned long wraps silently in simple_strtoul(): 2^64 is 0 */
	{ STR("+18446744073709551616"), 0, "80" Z62 },
	{ STR("+18446744073709551871"), 0, Z62 "01" },
	{ STR("+3\0,garbage"), 0, "10" Z62 },		/* NUL ends the input */
	/* refused */
	{ STR("+"), -EINVAL, NULL },
	{ STR("-"), -EINVAL, NULL },
	{ STR("+\n"), -EINVAL, NULL },
	{ STR("++1"), -EINVAL, NULL },
	{ STR("+-1"), -EINVAL, NULL },
	{ STR("+ 1"), -EINVAL, NULL },
	{ STR("+1 "), -EINVAL, NULL },
	{ STR("+1,+2 "), -EINVAL, NULL },
	{ STR("+1, +2"), -EINVAL, NULL },
	{ STR("+1;+2"), -EINVAL, NULL },
	{ STR("+1,2"), -EINVAL, NULL },		/* every item needs a sign */
	{ STR("+1,"), 0, "40" Z62 },
	{ STR("+1,,"), 0, "40" Z62 },
	{ STR("+1-"), -EINVAL, NULL },
	{ STR("+1--2"), -EINVAL, NULL },
	{ STR("+1-+2"), -EINVAL, NULL },
	{ STR("+256"), -EINVAL, NULL },
	{ STR("+0x100"), -EINVAL, NULL },
	{ STR("+0400"), -EINVAL, NULL },
	{ STR("+4294967296"), -EINVAL, NULL },	/* no int truncation in 6.12 */
	{ STR("+250-256"), -EINVAL, NULL },
	{ STR("+20-10"), -EINVAL, NULL },		/* reversed range */
	{ STR("+08"), -EINVAL, NULL },			/* octal "0", then '8' */
	{ STR("+09"), -EINVAL, NULL },
	{ STR("+0x"), -EINVAL, NULL },			/* octal "0", then 'x' */
	{ STR("+0xg"), -EINVAL, NULL },
	{ STR("+1\r\n"), -EINVAL, NULL },
	{ STR("+1\t"), -EINVAL, NULL },
	{ STR("+1,+2,garbage"), -EINVAL, NULL },
	{ "+12", 2, 0, "40" Z62 },			/* the '2' is past @len */
};

static void run_mask_cases(const char *name, const struct mask_case *cases, size_t count,
			   const struct ap_mask *old)
{
	size_t i;

	for (i = 0; i < count; i++) {
		const struct mask_case *c = &cases[i];
		struct ap_mask got = *old;
		int rc = x_mask(c->s, c->len, old, &got);

		if (rc != c->rc) {
			print_error("%s: ap_parse_mask(%s) = %s, expected %s\n", name,
				    esc(c->s, c->len), errname(rc), errname(c->rc));
			fail();
		}
		if (rc == 0) {
			struct ap_mask want = mask_from_hex(c->want);

			if (!ap_mask_equal(&got, &want)) {
				char buf[AP_MASK_STRLEN + 1];

				ap_mask_format(&got, buf);
				print_error("%s: ap_parse_mask(%s) gave %s, expected 0x%s\n", name,
					    esc(c->s, c->len), buf, c->want);
				fail();
			}
		}
	}
}

static void test_mask_absolute(void **state)
{
	struct ap_mask ones = mask_all();

	(void)state;
	/* absolute mode ignores the old mask: same results from all ones */
	run_mask_cases("absolute", absolute_cases,
		       sizeof(absolute_cases) / sizeof(absolute_cases[0]), &ones);
}

static void test_mask_relative(void **state)
{
	struct ap_mask zero = mask_none();

	(void)state;
	run_mask_cases("relative", relative_cases,
		       sizeof(relative_cases) / sizeof(relative_cases[0]), &zero);
}

static void test_mask_relative_order(void **state)
{
	struct ap_mask old = mask_none(), got;

	(void)state;
	/* items apply left to right: the last one touching an id wins */
	ap_mask_fill(&old);
	ap_mask_clear(&old, 3);
	assert_int_equal(x_mask(STR("-3,+3\n"), &old, &got), 0);
	assert_true(ap_mask_test(&got, 3));
	assert_int_equal(x_mask(STR("+3,-3\n"), &old, &got), 0);
	assert_false(ap_mask_test(&got, 3));
	assert_int_equal(x_mask(STR("-0-255,+7"), &old, &got), 0);
	assert_mask(&got, "01" Z62);

	/* relative mode starts from the old mask, and leaves it alone */
	old = mask_none();
	ap_mask_set(&old, 1);
	assert_int_equal(x_mask(STR("+2"), &old, &got), 0);
	assert_mask(&got, "60" Z62);
	assert_mask(&old, "40" Z62);

	/* old and new may be the same mask */
	assert_int_equal(x_mask(STR("+0,-1"), &old, &old), 0);
	assert_mask(&old, "80" Z62);
	assert_int_equal(x_mask(STR("0x01"), &old, &old), 0);
	assert_mask(&old, "01" Z62);
}

/* ------------------------------------------------------------------------ */
/* ap_parse_hex_field                                                       */

static void test_hex_field(void **state)
{
	struct ap_mask m;

	(void)state;
	ap_mask_fill(&m);
	assert_int_equal(x_field(STR("0x04"), &m), 0);	/* missing digits are zero */
	assert_mask(&m, "04" Z62);
	assert_int_equal(x_field(STR("08"), &m), 0);
	assert_mask(&m, "08" Z62);
	assert_int_equal(x_field(STR("x1"), &m), 0);
	assert_mask(&m, "10" Z62);
	assert_int_equal(x_field(STR("0x" D64), &m), 0);
	assert_mask(&m, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	ap_mask_fill(&m);
	assert_int_equal(x_field(STR(""), &m), 0);
	assert_true(ap_mask_empty(&m));
	ap_mask_fill(&m);
	assert_int_equal(x_field(STR("0x"), &m), 0);
	assert_true(ap_mask_empty(&m));
	assert_int_equal(x_field(STR("0x1\n"), &m), 0);	/* ap_hex2bitmap allows one */
	assert_mask(&m, "10" Z62);

	assert_int_equal(x_field(STR("0x" F65), &m), -EINVAL);
	assert_int_equal(x_field(STR("0x1,"), &m), -EINVAL);
	assert_int_equal(x_field(STR("0x1\n\n"), &m), -EINVAL);
	assert_int_equal(x_field(STR("+1"), &m), -EINVAL);	/* no relative mode */
	assert_int_equal(x_field(STR("garbage"), &m), -EINVAL);
	assert_int_equal(x_field(STR("0X1"), &m), -EINVAL);
	assert_int_equal(x_field(STR(" 0x1"), &m), -EINVAL);
}

/* ------------------------------------------------------------------------ */
/* ap_config                                                                */

struct cfg_case {
	const char *s;
	size_t len;
	int rc;
	const char *apm, *aqm, *adm;
};

#define M04 "04" Z62
#define M08 "08" Z62
#define M80 "80" Z62

static const struct cfg_case config_cases[] = {
	/* the transcript's writes, as echo sends them */
	{ STR("0x04,0x08,0x08\n"), 0, M04, M08, M08 },
	{ STR("0x" "04" Z62 ",0x" "08" Z62 ",0x" "08" Z62 "\n"), 0, M04, M08, M08 },
	{ STR("0x" Z64 ",0x" Z64 ",0x" Z64 "\n"), 0, Z64, Z64, Z64 },
	/* echo 'A,B' sends "A,B\n": the '\n' ends a third, empty field */
	{ STR("0x" Z64 ",0x" Z64 "\n"), 0, Z64, Z64, Z64 },
	{ STR("0x80,0x04\n"), 0, M80, M04, Z64 },
	{ STR("garbage\n"), -EINVAL, NULL, NULL, NULL },
	/* printf 'A,B' has only two fields */
	{ STR("0x80,0x04"), -EINVAL, NULL, NULL, NULL },
	{ STR("0x80"), -EINVAL, NULL, NULL, NULL },
	{ STR("0x80\n"), -EINVAL, NULL, NULL, NULL },
	{ STR(""), -EINVAL, NULL, NULL, NULL },
	{ STR("\n"), -EINVAL, NULL, NULL, NULL },
	{ STR(","), -EINVAL, NULL, NULL, NULL },
	/* empty fields are empty masks */
	{ STR(",,"), 0, Z64, Z64, Z64 },
	{ STR("\n\n"), 0, Z64, Z64, Z64 },
	{ STR(",,\n"), 0, Z64, Z64, Z64 },
	{ STR("0x80,0x04,0x08"), 0, M80, M04, M08 },	/* no newline needed */
	{ STR("8\n4\n8\n"), 0, M80, "40" Z62, M80 },	/* '\n' separates too */
	{ STR("x8,8,0x8"), 0, M80, M80, M80 },
	/* anything after the third field is never parsed */
	{ STR("0x80,0x04,0x08,garbage"), 0, M80, M04, M08 },
	{ STR("0x80,0x04,0x08\ngarbage"), 0, M80, M04, M08 },
	{ STR("0x80,0x04,0x08\n\n"), 0, M80, M04, M08 },
	/* each field is an absolute mask, nothing else */
	{ STR("0x80,zz,0x08\n"), -EINVAL, NULL, NULL, NULL },
	{ STR("0x80,0x04,0x0g\n"), -EINVAL, NULL, NULL, NULL },
	{ STR("+1,0x04,0x08\n"), -EINVAL, NULL, NULL, NULL },
	{ STR(" 0x80,0x04,0x08\n"), -EINVAL, NULL, NULL, NULL },
	{ STR("0x80 ,0x04,0x08\n"), -EINVAL, NULL, NULL, NULL },
	{ STR("0x80;0x04;0x08\n"), -EINVAL, NULL, NULL, NULL },
	{ STR("0X80,0x04,0x08\n"), -EINVAL, NULL, NULL, NULL },
	{ STR("0x" F65 ",0,0\n"), -EINVAL, NULL, NULL, NULL },
	/* the first NUL ends the input (kstrndup) */
	{ STR("0x80,0x04\0,0x08\n"), -EINVAL, NULL, NULL, NULL },
	{ STR("0x80,0x04,0x08\0garbage"), 0, M80, M04, M08 },
};

static void test_ap_config(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(config_cases) / sizeof(config_cases[0]); i++) {
		const struct cfg_case *c = &config_cases[i];
		struct ap_mask apm = mask_all(), aqm = mask_all(), adm = mask_all();
		int rc = x_config(c->s, c->len, &apm, &aqm, &adm);

		if (rc != c->rc) {
			print_error("ap_parse_config(%s) = %s, expected %s\n", esc(c->s, c->len),
				    errname(rc), errname(c->rc));
			fail();
		}
		if (rc == 0) {
			assert_mask(&apm, c->apm);
			assert_mask(&aqm, c->aqm);
			assert_mask(&adm, c->adm);
		} else {
			/* all three masks change, or none */
			assert_mask(&apm, F64);
			assert_mask(&aqm, F64);
			assert_mask(&adm, F64);
		}
	}
}

static void test_ap_config_201_bytes(void **state)
{
	struct ap_mask apm, aqm, adm;
	char buf[4096];
	int n;

	(void)state;
	/* Exactly 201 bytes, the full show format plus '\n': accepted. */
	n = snprintf(buf, sizeof(buf), "0x%s,0x%s,0x%s\n", F64, D64, F64);
	assert_int_equal(n, 201);
	assert_int_equal(x_config(buf, (size_t)n, &apm, &aqm, &adm), 0);
	assert_mask(&apm, F64);
	assert_mask(&aqm, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	assert_mask(&adm, F64);

	/* Byte 201 (index 200) is still read: a 65th digit there is refused. */
	n = snprintf(buf, sizeof(buf), "0x%s,0x%s,0x%s0", F64, F64, F64);
	assert_int_equal(n, 201);
	assert_int_equal(x_config(buf, (size_t)n, &apm, &aqm, &adm), -EINVAL);

	/* A third field that crosses the cut is too long on both sides of it. */
	n = snprintf(buf, sizeof(buf), "0x%s,0x%s,0x%sffff\n", F64, F64, F64);
	assert_int_equal(x_config(buf, (size_t)n, &apm, &aqm, &adm), -EINVAL);

	/* A page-sized write: the first 201 bytes decide, the rest is never read. */
	memset(buf, 'g', sizeof(buf));
	n = snprintf(buf, sizeof(buf), "0x%s,0x%s,0x%s", F64, F64, F64);
	buf[n] = '\n';
	assert_int_equal(x_config(buf, sizeof(buf), &apm, &aqm, &adm), 0);
	buf[n] = 'g';
	assert_int_equal(x_config(buf, sizeof(buf), &apm, &aqm, &adm), -EINVAL);
	n = snprintf(buf, sizeof(buf), "1,2,3,");
	buf[n] = 'g';
	assert_int_equal(x_config(buf, sizeof(buf), &apm, &aqm, &adm), 0);
	assert_mask(&adm, "3" "000000000000000000000000000000000000000000000000000000000000000");
}

/* ------------------------------------------------------------------------ */
/* CCW bus ids                                                              */

static void test_ccw_busid(void **state)
{
	static const struct {
		const char *s;
		unsigned int cssid, ssid, devno;
	} good[] = {
		{ "0.0.0313", 0, 0, 0x0313 },
		{ "0.0.0000", 0, 0, 0 },
		{ "0.0.2b0a", 0, 0, 0x2b0a },
		{ "0.0.F500", 0, 0, 0xf500 },
		{ "0.3.ffff", 0, 3, 0xffff },
		{ "1.1.1234", 1, 1, 0x1234 },
		{ "fe.2.abcd", 0xfe, 2, 0xabcd },
		{ "FF.0.0001", 0xff, 0, 1 },
		{ "1a.0.0001", 0x1a, 0, 1 },
	};
	static const char *const bad[] = {
		"", "0", "0.0", "0.0.", "0.0.313", "0.0.00313", "0.0.0313\n", "0.0.0313 ",
		" 0.0.0313", "0.4.0313", "0.9.0313", "0.a.0313", "0.00.0313", "00.0.0313",
		"0f.0.0313", "100.0.0313", "fff.0.0313", "0x0.0.0313", "-1.0.0313",
		"g.0.0313", "0.0.031g", "0..0313", "0,0,0313", "0.0.0313.0", "0:0:0313",
		".0.0313", "0.0.+313",
	};
	unsigned int cssid, ssid, devno;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		cssid = ssid = devno = 9999;
		if (ccw_busid_parse(good[i].s, &cssid, &ssid, &devno) != 0) {
			print_error("ccw_busid_parse(\"%s\") refused\n", good[i].s);
			fail();
		}
		assert_int_equal(cssid, good[i].cssid);
		assert_int_equal(ssid, good[i].ssid);
		assert_int_equal(devno, good[i].devno);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ccw_busid_parse(bad[i], &cssid, &ssid, &devno) != -EINVAL) {
			print_error("ccw_busid_parse(\"%s\") accepted\n", bad[i]);
			fail();
		}
	}
	assert_int_equal(ccw_busid_parse(NULL, &cssid, &ssid, &devno), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kstrtoul),
		cmocka_unit_test(test_kstrtoull),
		cmocka_unit_test(test_kstrtouint),
		cmocka_unit_test(test_kstrtoint),
		cmocka_unit_test(test_kstrtobool),
		cmocka_unit_test(test_scan_int_d),
		cmocka_unit_test(test_scan_int_i),
		cmocka_unit_test(test_sysfs_streq),
		cmocka_unit_test(test_uuid_parse),
		cmocka_unit_test(test_uuid_refused),
		cmocka_unit_test(test_uuid_format),
		cmocka_unit_test(test_ap_mask_helpers),
		cmocka_unit_test(test_ap_mask_format),
		cmocka_unit_test(test_apmask_replay),
		cmocka_unit_test(test_aqmask_replay),
		cmocka_unit_test(test_mask_absolute),
		cmocka_unit_test(test_mask_relative),
		cmocka_unit_test(test_mask_relative_order),
		cmocka_unit_test(test_hex_field),
		cmocka_unit_test(test_ap_config),
		cmocka_unit_test(test_ap_config_201_bytes),
		cmocka_unit_test(test_ccw_busid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
