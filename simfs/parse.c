// SPDX-License-Identifier: MIT
/*
 * The kernel's input parsers, bug-for-bug (see parse.h for the contract).
 *
 * Each function mirrors the Linux 6.12 helper of the same name; the comment
 * over it names the kernel source and the quirks it keeps.  None of the code
 * is copied from the kernel: it is written from a reading of the behaviour.
 *
 * Buffers here are (pointer, length) and may hold NUL bytes.  A real store
 * receives a NUL-terminated copy of the written bytes (kernfs appends the
 * terminator), and every kernel parser below walks a C string, so the first
 * NUL ends the input.  kview() computes that "C-string length" once, and
 * kat() then reads the buffer as the kernel would: the byte, or '\0' at and
 * past the end.  That keeps every read in bounds without changing a single
 * decision the kernel makes.
 */
#include "parse.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* The kernel's view of a buffer                                            */

/* The length the kernel's C-string parsers see: up to the first NUL. */
static size_t kview(const char *buf, size_t len)
{
	return buf ? strnlen(buf, len) : 0;
}

/* Byte @i of a kview()ed buffer, or the terminating '\0' at and past the end. */
static unsigned char kat(const char *s, size_t len, size_t i)
{
	return i < len ? (unsigned char)s[i] : '\0';
}

/*
 * lib/ctype.c.  The kernel's table is Latin-1, not the C locale: most
 * importantly 0xa0 (no-break space) is white space, so the kernel's
 * skip_spaces() skips it.  Digits and hex digits are plain ASCII.
 */
static bool k_isdigit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool k_isxdigit(unsigned char c)
{
	return k_isdigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool k_isspace(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0;
}

/* lib/hexdump.c hex_to_bin() for a byte already known to be a hex digit. */
static unsigned int hex_val(unsigned char c)
{
	if (k_isdigit(c))
		return c - '0';
	return (c | 0x20u) - 'a' + 10;
}

/* Two's-complement reinterpretation, without implementation-defined narrowing. */
static long long u64_as_s64(unsigned long long v)
{
	return v <= (unsigned long long)LLONG_MAX ? (long long)v : -(long long)~v - 1;
}

static int u32_as_int(unsigned int v)
{
	return v <= (unsigned int)INT_MAX ? (int)v : -(int)~v - 1;
}

/* ------------------------------------------------------------------------ */
/* lib/kstrtox.c                                                            */

#define KSTRTOX_OVERFLOW (1u << 31)

/*
 * _parse_integer_fixup_radix(): base 0 picks 16 only for "0x"/"0X" followed
 * by a hex digit, else 8 for a leading '0', else 10.  Base 16 (given or
 * picked) then skips a "0x" prefix even when no digit follows it, so
 * kstrtoul("0x", 16) fails for want of digits, while kstrtoul("0x", 0)
 * fails on the 'x' after an octal "0".  Returns the position of the digits.
 */
static size_t fixup_radix(const char *s, size_t len, size_t pos, unsigned int *base)
{
	if (*base == 0) {
		if (kat(s, len, pos) == '0') {
			if ((kat(s, len, pos + 1) | 0x20) == 'x' && k_isxdigit(kat(s, len, pos + 2)))
				*base = 16;
			else
				*base = 8;
		} else {
			*base = 10;
		}
	}
	if (*base == 16 && kat(s, len, pos) == '0' && (kat(s, len, pos + 1) | 0x20) == 'x')
		pos += 2;
	return pos;
}

/*
 * _parse_integer_limit() with no limit: consumes digits valid in @base and
 * returns how many, or-ed with KSTRTOX_OVERFLOW once the value has left 64
 * bits.  The value keeps accumulating modulo 2^64 after an overflow; the
 * simple_strto*() family returns that wrapped value without complaint.
 * The overflow test is only armed once one of the top four bits is set, as
 * in the kernel (exact for every base up to 16, the largest it supports).
 */
static unsigned int parse_integer(const char *s, size_t len, size_t pos, unsigned int base,
				  unsigned long long *res)
{
	unsigned long long v = 0;
	unsigned int rv = 0;

	for (;;) {
		unsigned int c = kat(s, len, pos);
		unsigned int lc = c | 0x20;
		unsigned int digit;

		if (c >= '0' && c <= '9')
			digit = c - '0';
		else if (lc >= 'a' && lc <= 'f')
			digit = lc - 'a' + 10;
		else
			break;
		if (digit >= base)
			break;
		if (v & (~0ull << 60)) {
			if (v > (ULLONG_MAX - digit) / base)
				rv |= KSTRTOX_OVERFLOW;
		}
		v = v * base + digit;
		rv++;
		pos++;
	}
	*res = v;
	return rv;
}

/*
 * _kstrtoull(): digits, then at most one '\n', then the end.  Overflow is
 * tested before trailing garbage, so "99999999999999999999x" is -ERANGE,
 * not -EINVAL.  No sign is accepted here.
 */
static int kstrtoull_nosign(const char *s, size_t len, size_t pos, unsigned int base,
			    unsigned long long *res)
{
	unsigned long long v;
	unsigned int rv;

	pos = fixup_radix(s, len, pos, &base);
	rv = parse_integer(s, len, pos, base, &v);
	if (rv & KSTRTOX_OVERFLOW)
		return -ERANGE;
	if (rv == 0)
		return -EINVAL;
	pos += rv;
	if (kat(s, len, pos) == '\n')
		pos++;
	if (kat(s, len, pos))
		return -EINVAL;
	*res = v;
	return 0;
}

/* kstrtoull(): one optional '+' in front (the radix prefix comes after it). */
static int kstrtoull_view(const char *s, size_t len, unsigned int base, unsigned long long *res)
{
	size_t pos = kat(s, len, 0) == '+' ? 1 : 0;

	return kstrtoull_nosign(s, len, pos, base, res);
}

int kstrtoull(const char *buf, size_t len, unsigned int base, unsigned long long *res)
{
	return kstrtoull_view(buf, kview(buf, len), base, res);
}

/* _kstrtoul(): kstrtoull() narrowed to unsigned long, -ERANGE if it does not fit. */
int kstrtoul(const char *buf, size_t len, unsigned int base, unsigned long *res)
{
	unsigned long long v;
	int rc;

	rc = kstrtoull(buf, len, base, &v);
	if (rc)
		return rc;
	if (v != (unsigned long)v)
		return -ERANGE;
	*res = (unsigned long)v;
	return 0;
}

int kstrtouint(const char *buf, size_t len, unsigned int base, unsigned int *res)
{
	unsigned long long v;
	int rc;

	rc = kstrtoull(buf, len, base, &v);
	if (rc)
		return rc;
	if (v != (unsigned int)v)
		return -ERANGE;
	*res = (unsigned int)v;
	return 0;
}

/*
 * kstrtoll(): a leading '-' is taken by kstrtoll() itself and the rest must
 * be unsigned digits with no second sign ("-+1" is -EINVAL); otherwise
 * kstrtoull() runs, so "+1" is fine and "+-1" is -EINVAL.  The range test
 * is done on the negated 64-bit value, which is why "-0" is accepted and
 * "-9223372036854775808" just fits.
 */
static int kstrtoll_view(const char *s, size_t len, unsigned int base, long long *res)
{
	unsigned long long v;
	int rc;

	if (kat(s, len, 0) == '-') {
		unsigned long long neg;

		rc = kstrtoull_nosign(s, len, 1, base, &v);
		if (rc)
			return rc;
		neg = -v;
		if (neg != 0 && neg <= (unsigned long long)LLONG_MAX)
			return -ERANGE;
		*res = u64_as_s64(neg);
	} else {
		rc = kstrtoull_view(s, len, base, &v);
		if (rc)
			return rc;
		if (v > (unsigned long long)LLONG_MAX)
			return -ERANGE;
		*res = (long long)v;
	}
	return 0;
}

int kstrtoint(const char *buf, size_t len, unsigned int base, int *res)
{
	long long v;
	int rc;

	rc = kstrtoll_view(buf, kview(buf, len), base, &v);
	if (rc)
		return rc;
	if (v < INT_MIN || v > INT_MAX)
		return -ERANGE;
	*res = (int)v;
	return 0;
}

/*
 * kstrtobool() as of 6.12: the first byte decides ('1', 'y', 'Y', 't', 'T'
 * true; '0', 'n', 'N', 'f', 'F' false) and the rest is never looked at, so
 * "1x" and "yolo" are true; after 'o'/'O' the second byte decides ("on"
 * true, "of" false, "o" and "ox" -EINVAL).  The 'e'/'d' (enabled/disabled)
 * forms arrived only in 6.16 (commit ae5b3500856f) and are -EINVAL here.
 */
int kstrtobool(const char *buf, size_t len, bool *res)
{
	size_t n = kview(buf, len);

	switch (kat(buf, n, 0)) {
	case '1':
	case 'y':
	case 'Y':
	case 't':
	case 'T':
		*res = true;
		return 0;
	case '0':
	case 'n':
	case 'N':
	case 'f':
	case 'F':
		*res = false;
		return 0;
	case 'o':
	case 'O':
		switch (kat(buf, n, 1)) {
		case 'n':
		case 'N':
			*res = true;
			return 0;
		case 'f':
		case 'F':
			*res = false;
			return 0;
		default:
			break;
		}
		break;
	default:
		break;
	}
	return -EINVAL;
}

/* ------------------------------------------------------------------------ */
/* lib/vsprintf.c                                                           */

/*
 * simple_strntoull() with no width limit: radix fixup, then as many digits
 * as there are.  Never fails: no digits gives 0 with *end == @pos (or after
 * a "0x" skipped by an explicit base 16), overflow wraps modulo 2^64.
 */
static unsigned long long simple_strtoull_at(const char *s, size_t len, size_t pos,
					     unsigned int base, size_t *end)
{
	unsigned long long v;
	unsigned int rv;

	pos = fixup_radix(s, len, pos, &base);
	rv = parse_integer(s, len, pos, base, &v);
	*end = pos + (rv & ~KSTRTOX_OVERFLOW);
	return v;
}

/*
 * The integer part of vsscanf() for "%d" (@base 10) and "%i" (@base 0):
 *  - leading kernel white space is skipped (including 0xa0);
 *  - an optional '-' must be followed by a decimal digit, and a '+' is not
 *    accepted at all ("+5" converts nothing: the kernel checks the first
 *    character for a digit and only knows about '-');
 *  - "%i" still requires a decimal digit first, then lets the radix fixup
 *    choose 16/8/10, so "08" scans as 0 (octal stops at the '8');
 *  - the value is simple_strntoll()'s, silently wrapped modulo 2^64, then
 *    truncated to int: "4294967297" scans as 1;
 *  - whatever follows the digits is ignored.
 */
static int scan_int(const char *buf, size_t len, unsigned int base, int *res)
{
	size_t n = kview(buf, len);
	size_t pos = 0, end;
	unsigned char digit;
	unsigned long long v;

	while (k_isspace(kat(buf, n, pos)))
		pos++;
	digit = kat(buf, n, pos);
	if (digit == '-')
		digit = kat(buf, n, pos + 1);
	if (!digit || !k_isdigit(digit))
		return 0;

	if (kat(buf, n, pos) == '-')
		v = -simple_strtoull_at(buf, n, pos + 1, base, &end);
	else
		v = simple_strtoull_at(buf, n, pos, base, &end);
	*res = u32_as_int((unsigned int)(v & UINT_MAX));
	return 1;
}

int scan_int_d(const char *buf, size_t len, int *res)
{
	return scan_int(buf, len, 10, res);
}

int scan_int_i(const char *buf, size_t len, int *res)
{
	return scan_int(buf, len, 0, res);
}

/* ------------------------------------------------------------------------ */
/* lib/string.c                                                             */

/*
 * sysfs_streq(): byte-equal, except that exactly one '\n' may end either
 * side ("a\n" == "a", "a\n\n" != "a", "\n" == "").
 */
bool sysfs_streq(const char *a, size_t alen, const char *b)
{
	size_t n = kview(a, alen);
	size_t i = 0;
	unsigned char ca, cb;

	if (!b)
		b = "";
	while (i < n && (unsigned char)a[i] == (unsigned char)b[i])
		i++;
	ca = kat(a, n, i);
	cb = (unsigned char)b[i];
	if (ca == cb)
		return true;
	if (!ca && cb == '\n' && !b[i + 1])
		return true;
	if (ca == '\n' && !kat(a, n, i + 1) && !cb)
		return true;
	return false;
}

/* ------------------------------------------------------------------------ */
/* lib/uuid.c                                                               */

#define UUID_STRING_LEN 36

static bool uuid_dash_at(size_t i)
{
	return i == 8 || i == 13 || i == 18 || i == 23;
}

/*
 * uuid_is_valid() + __uuid_parse(): exactly the first 36 bytes, '-' at 8,
 * 13, 18 and 23 and a hex digit of either case everywhere else.  What
 * follows byte 36 is not looked at (mdev's create_store checks the length
 * itself).  A buffer shorter than 36 meets the terminator and fails.
 * The bytes come out in text order, as uuid_parse() stores them.  (mdev
 * uses guid_parse(), which only permutes the in-memory bytes; the text
 * that uuid_format() prints back is the same.)
 */
int uuid_parse_36(const char *buf, size_t len, uint8_t out[16])
{
	size_t n = kview(buf, len);
	uint8_t b[16];
	size_t i, k;

	for (i = 0; i < UUID_STRING_LEN; i++) {
		unsigned char c = kat(buf, n, i);

		if (uuid_dash_at(i) ? c != '-' : !k_isxdigit(c))
			return -EINVAL;
	}
	for (i = 0, k = 0; k < 16; k++) {
		if (uuid_dash_at(i))
			i++;
		b[k] = (uint8_t)(hex_val(kat(buf, n, i)) << 4 | hex_val(kat(buf, n, i + 1)));
		i += 2;
	}
	memcpy(out, b, sizeof(b));
	return 0;
}

static const char hex_lower[] = "0123456789abcdef";

void uuid_format(const uint8_t uuid[16], char out[37])
{
	size_t i = 0, k;

	for (k = 0; k < 16; k++) {
		if (uuid_dash_at(i))
			out[i++] = '-';
		out[i++] = hex_lower[uuid[k] >> 4];
		out[i++] = hex_lower[uuid[k] & 0xf];
	}
	out[i] = '\0';
}

/* ------------------------------------------------------------------------ */
/* AP masks                                                                 */

bool ap_mask_empty(const struct ap_mask *m)
{
	size_t i;

	for (i = 0; i < sizeof(m->b); i++)
		if (m->b[i])
			return false;
	return true;
}

bool ap_mask_equal(const struct ap_mask *a, const struct ap_mask *b)
{
	return memcmp(a->b, b->b, sizeof(a->b)) == 0;
}

void ap_mask_fill(struct ap_mask *m)
{
	memset(m->b, 0xff, sizeof(m->b));
}

unsigned int ap_mask_next(const struct ap_mask *m, unsigned int from)
{
	unsigned int id;

	for (id = from; id < AP_MASK_BITS; id++) {
		/* Skip whole empty bytes; the for_each loop runs on every show. */
		if (id % 8 == 0 && !m->b[id / 8]) {
			id += 7;
			continue;
		}
		if (ap_mask_test(m, id))
			return id;
	}
	return AP_MASK_BITS;
}

/* The apmask/aqmask/ap_config show format: "0x" and 64 lower-case digits. */
void ap_mask_format(const struct ap_mask *m, char out[AP_MASK_STRLEN + 1])
{
	size_t i;

	out[0] = '0';
	out[1] = 'x';
	for (i = 0; i < sizeof(m->b); i++) {
		out[2 + 2 * i] = hex_lower[m->b[i] >> 4];
		out[3 + 2 * i] = hex_lower[m->b[i] & 0xf];
	}
	out[AP_MASK_STRLEN] = '\0';
}

/*
 * ap_hex2bitmap() (drivers/s390/crypto/ap_bus.c) into a zeroed @m:
 *  - the prefix is "0x" or a bare "x" ("x41" is valid): the kernel skips
 *    a '0' that precedes an 'x', then one 'x', so "0xx41" is -EINVAL; the
 *    test is case-sensitive, so "0X41" is -EINVAL too (the '0' is taken
 *    as a digit and the 'X' is garbage);
 *  - hex digits fill the mask from id 0, four ids per digit, so "8",
 *    "0x8" and "0x80" all mean id 0 only;
 *  - the digit loop stops after 64 digits, so a 65th is "garbage";
 *  - then at most one '\n', then the end.  No digits at all is fine and
 *    leaves the mask empty ("", "\n", "0x", "x").
 */
static int hex2bitmap(const char *s, size_t len, struct ap_mask *m)
{
	size_t pos = 0;
	unsigned int id;

	memset(m, 0, sizeof(*m));
	if (kat(s, len, 0) == '0' && kat(s, len, 1) == 'x')
		pos++;
	if (kat(s, len, pos) == 'x')
		pos++;
	for (id = 0; k_isxdigit(kat(s, len, pos)) && id < AP_MASK_BITS; pos++, id += 4)
		m->b[id / 8] |= (uint8_t)(hex_val(kat(s, len, pos)) << (id % 8 ? 0 : 4));
	if (kat(s, len, pos) == '\n')
		pos++;
	if (kat(s, len, pos))
		return -EINVAL;
	return 0;
}

/*
 * modify_bitmap() (ap_bus.c), applied to @m item by item, left to right:
 *  - each item is '+' (set) or '-' (clear), then a number, then optionally
 *    '-' and a second number for an inclusive range;
 *  - numbers go through simple_strtoul(.., 0): "0x"/"0X" hex, leading '0'
 *    octal, no sign, no spaces; they wrap silently modulo 2^64 (6.12 keeps
 *    them in unsigned long since commit d4f9d5a99a3f, mid-2024; before it
 *    an int truncated them), so "+18446744073709551616" is id 0 while
 *    "+4294967296" is -EINVAL;
 *  - each number must be < 256 and the range must not be reversed;
 *  - then any run of ',' and '\n' is skipped.  A separator is not required:
 *    "+1+2" sets 1 and 2, and "+1-2-3" sets 1..2 and then clears 3;
 *  - any other byte where a sign is expected is -EINVAL.
 */
static int modify_bitmap(const char *s, size_t len, struct ap_mask *m)
{
	size_t pos = 0, end;

	while (kat(s, len, pos)) {
		unsigned char sign = kat(s, len, pos++);
		unsigned long long first, last, id;

		if (sign != '+' && sign != '-')
			return -EINVAL;
		first = last = simple_strtoull_at(s, len, pos, 0, &end);
		if (end == pos || first >= AP_MASK_BITS)
			return -EINVAL;
		pos = end;
		if (kat(s, len, pos) == '-') {
			pos++;
			last = simple_strtoull_at(s, len, pos, 0, &end);
			if (end == pos || first > last || last >= AP_MASK_BITS)
				return -EINVAL;
			pos = end;
		}
		for (id = first; id <= last; id++) {
			if (sign == '+')
				ap_mask_set(m, (unsigned int)id);
			else
				ap_mask_clear(m, (unsigned int)id);
		}
		while (kat(s, len, pos) == ',' || kat(s, len, pos) == '\n')
			pos++;
	}
	return 0;
}

/*
 * ap_parse_bitmap_str() (ap_bus.c): relative when the very first byte is
 * '+' or '-', absolute otherwise (so " -3" is an absolute mask and fails).
 * Works on a copy, so -EINVAL leaves both @old and @new untouched here.
 */
int ap_parse_mask(const char *buf, size_t len, const struct ap_mask *old, struct ap_mask *new)
{
	size_t n = kview(buf, len);
	struct ap_mask tmp;
	int rc;

	if (kat(buf, n, 0) == '+' || kat(buf, n, 0) == '-') {
		tmp = *old;
		rc = modify_bitmap(buf, n, &tmp);
	} else {
		rc = hex2bitmap(buf, n, &tmp);
	}
	if (rc)
		return rc;
	*new = tmp;
	return 0;
}

int ap_parse_hex_field(const char *buf, size_t len, struct ap_mask *out)
{
	struct ap_mask tmp;
	int rc;

	rc = hex2bitmap(buf, kview(buf, len), &tmp);
	if (rc)
		return rc;
	*out = tmp;
	return 0;
}

/* "0x" + 64 digits + ',' for each of the three masks (AP_CONFIG_STRLEN). */
#define AP_CONFIG_STRLEN (3 * (AP_MASK_BITS / 4 + 3))

/*
 * One strsep(&rest, ",\n") step.  @rest is the next position, or SIZE_MAX
 * once strsep() would have set the pointer to NULL (the last field had no
 * delimiter after it).  Returns false when there is no field left.
 */
static bool next_field(const char *s, size_t len, size_t *rest, size_t *start, size_t *flen)
{
	size_t pos;

	if (*rest == SIZE_MAX)
		return false;
	*start = *rest;
	for (pos = *rest; pos < len && s[pos] != ',' && s[pos] != '\n'; pos++)
		;
	*flen = pos - *start;
	*rest = pos < len ? pos + 1 : SIZE_MAX;
	return true;
}

/*
 * ap_config_store() (drivers/s390/crypto/vfio_ap_ops.c) parsing:
 *  - kstrndup(buf, 201): at most the first 201 bytes, up to the first NUL.
 *    (The cut cannot change an outcome: three valid fields and their two
 *    commas fit in 200 bytes, and a third field that crosses the cut is
 *    longer than 66 bytes on both sides of it.  It is kept for fidelity.)
 *  - three strsep(",\n") fields, each through ap_hex2bitmap(); a missing
 *    field is -EINVAL, an empty one is an empty mask;
 *  - so "A,B\n" is three fields (the third empty) and is accepted, "A,B"
 *    is two and refused, and anything after the third field is ignored;
 *  - all three masks change, or none.
 */
int ap_parse_config(const char *buf, size_t len, struct ap_mask *apm, struct ap_mask *aqm,
		    struct ap_mask *adm)
{
	size_t n = kview(buf, len < AP_CONFIG_STRLEN ? len : AP_CONFIG_STRLEN);
	struct ap_mask m[3];
	size_t rest = 0, start, flen;
	int i, rc;

	for (i = 0; i < 3; i++) {
		if (!next_field(buf, n, &rest, &start, &flen))
			return -EINVAL;
		rc = ap_parse_hex_field(buf + start, flen, &m[i]);
		if (rc)
			return rc;
	}
	*apm = m[0];
	*aqm = m[1];
	*adm = m[2];
	return 0;
}

/* ------------------------------------------------------------------------ */
/* CCW bus ids                                                              */

/* Exactly @ndigits hex digits of either case at @s, as a number. */
static bool hex_digits(const char *s, size_t ndigits, unsigned int *val)
{
	size_t i;

	*val = 0;
	for (i = 0; i < ndigits; i++) {
		if (!k_isxdigit((unsigned char)s[i]))
			return false;
		*val = *val << 4 | hex_val((unsigned char)s[i]);
	}
	return true;
}

/*
 * "cssid.ssid.devno" as the kernel names ccw and subchannel devices
 * ("%x.%x.%04x"): cssid one or two hex digits without a redundant leading
 * zero (0..ff), ssid one digit 0..3, devno exactly four hex digits.
 * Upper-case digits are accepted for convenience; nothing else is.
 */
int ccw_busid_parse(const char *s, unsigned int *cssid, unsigned int *ssid, unsigned int *devno)
{
	unsigned int c, ss, dev;
	size_t clen;

	if (!s)
		return -EINVAL;
	for (clen = 0; clen < 3 && k_isxdigit((unsigned char)s[clen]); clen++)
		;
	if (clen == 0 || clen > 2 || (clen == 2 && s[0] == '0'))
		return -EINVAL;
	if (!hex_digits(s, clen, &c) || s[clen] != '.')
		return -EINVAL;
	s += clen + 1;
	if (s[0] < '0' || s[0] > '3' || s[1] != '.')
		return -EINVAL;
	ss = (unsigned int)(s[0] - '0');
	s += 2;
	if (!hex_digits(s, 4, &dev) || s[4] != '\0')
		return -EINVAL;
	if (cssid)
		*cssid = c;
	if (ssid)
		*ssid = ss;
	if (devno)
		*devno = dev;
	return 0;
}
