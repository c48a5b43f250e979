// SPDX-License-Identifier: MIT
/*
 * cmocka tests for mdevtool's parsers (mdevtool/ids.c): AP ids, APQNs,
 * ccw bus ids, UUIDs, AP masks and the vfio_ap matrix listings.
 *
 * These are the inputs a person types and the values the kernel shows; a
 * parser that guesses wrong here writes a value the user did not mean.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ids.h"

static void test_ap_id_decimal_and_hex(void **state)
{
	unsigned int id = 999;

	(void)state;
	assert_int_equal(parse_ap_id("0", &id), 0);
	assert_int_equal(id, 0);
	assert_int_equal(parse_ap_id("5", &id), 0);
	assert_int_equal(id, 5);
	assert_int_equal(parse_ap_id("71", &id), 0);
	assert_int_equal(id, 71);
	assert_int_equal(parse_ap_id("0x47", &id), 0);
	assert_int_equal(id, 0x47);
	assert_int_equal(parse_ap_id("0XAB", &id), 0);
	assert_int_equal(id, 0xab);
	assert_int_equal(parse_ap_id("0x05", &id), 0);
	assert_int_equal(id, 5);
	assert_int_equal(parse_ap_id("255", &id), 0);
	assert_int_equal(id, 255);
	assert_int_equal(parse_ap_id("0xff", &id), 0);
	assert_int_equal(id, 255);
}

static void test_ap_id_refusals(void **state)
{
	unsigned int id = 7;

	(void)state;
	assert_int_equal(parse_ap_id("", &id), -EINVAL);
	assert_int_equal(parse_ap_id("0x", &id), -EINVAL);
	assert_int_equal(parse_ap_id("-1", &id), -EINVAL);
	assert_int_equal(parse_ap_id("+5", &id), -EINVAL);
	assert_int_equal(parse_ap_id(" 5", &id), -EINVAL);
	assert_int_equal(parse_ap_id("5 ", &id), -EINVAL);
	assert_int_equal(parse_ap_id("abc", &id), -EINVAL);
	assert_int_equal(parse_ap_id("0x4g", &id), -EINVAL);
	/* The kernel reads 047 as octal; a person means 47 or 0x47. Refuse. */
	assert_int_equal(parse_ap_id("047", &id), -EINVAL);
	assert_int_equal(parse_ap_id("08", &id), -EINVAL);
	assert_int_equal(parse_ap_id("256", &id), -ERANGE);
	assert_int_equal(parse_ap_id("0x100", &id), -ERANGE);
	assert_int_equal(parse_ap_id("99999999999999999999999", &id), -ERANGE);
	assert_int_equal(parse_ap_id("9999x", &id), -EINVAL);
	assert_int_equal(id, 7);	/* untouched on error */
}

static void test_ap_id_list(void **state)
{
	struct idset s = { { 0 } };

	(void)state;
	assert_int_equal(parse_ap_id_list("5,6,0xab", &s), 0);
	assert_true(idset_test(&s, 5));
	assert_true(idset_test(&s, 6));
	assert_true(idset_test(&s, 0xab));
	assert_int_equal(idset_count(&s), 3);
	/* A bad item leaves the set as it was: all or nothing. */
	assert_int_equal(parse_ap_id_list("7,x", &s), -EINVAL);
	assert_false(idset_test(&s, 7));
	assert_int_equal(parse_ap_id_list("7,,8", &s), -EINVAL);
	assert_int_equal(parse_ap_id_list("7,", &s), -EINVAL);
	assert_int_equal(parse_ap_id_list("", &s), -EINVAL);
	assert_int_equal(parse_ap_id_list("7,300", &s), -ERANGE);
	assert_int_equal(idset_count(&s), 3);
}

static void test_apqn_kernel_form_is_hex(void **state)
{
	unsigned int a = 0, d = 0;

	(void)state;
	/* As lszcrypt and matrix print it: both parts hex. */
	assert_int_equal(parse_apqn("05.0004", &a, &d), 0);
	assert_int_equal(a, 5);
	assert_int_equal(d, 4);
	assert_int_equal(parse_apqn("05.0047", &a, &d), 0);
	assert_int_equal(d, 0x47);
	assert_int_equal(parse_apqn("06.00ab", &a, &d), 0);
	assert_int_equal(a, 6);
	assert_int_equal(d, 0xab);
	assert_int_equal(parse_apqn("FF.00FF", &a, &d), 0);
	assert_int_equal(a, 255);
	assert_int_equal(d, 255);
	assert_int_equal(parse_apqn("10.0010", &a, &d), 0);
	assert_int_equal(a, 16);
	assert_int_equal(d, 16);
	assert_int_equal(parse_apqn("05.0100", &a, &d), -ERANGE);
}

static void test_apqn_other_forms(void **state)
{
	unsigned int a = 0, d = 0;

	(void)state;
	assert_int_equal(parse_apqn("5.4", &a, &d), 0);
	assert_int_equal(a, 5);
	assert_int_equal(d, 4);
	assert_int_equal(parse_apqn("5.171", &a, &d), 0);
	assert_int_equal(d, 171);
	assert_int_equal(parse_apqn("0x5.0xab", &a, &d), 0);
	assert_int_equal(a, 5);
	assert_int_equal(d, 0xab);
	assert_int_equal(parse_apqn("5.0x47", &a, &d), 0);
	assert_int_equal(d, 0x47);
	/* Not the kernel form and a leading zero: ambiguous. */
	assert_int_equal(parse_apqn("5.0047", &a, &d), -EINVAL);
	assert_int_equal(parse_apqn("5", &a, &d), -EINVAL);
	assert_int_equal(parse_apqn("5.", &a, &d), -EINVAL);
	assert_int_equal(parse_apqn(".4", &a, &d), -EINVAL);
	assert_int_equal(parse_apqn("5.4.3", &a, &d), -EINVAL);
	assert_int_equal(parse_apqn("5.256", &a, &d), -ERANGE);
	assert_int_equal(parse_apqn("300.4", &a, &d), -ERANGE);
	assert_int_equal(parse_apqn("05.00ag", &a, &d), -EINVAL);
}

static void test_apqn_list(void **state)
{
	struct idset a = { { 0 } }, d = { { 0 } };

	(void)state;
	assert_int_equal(parse_apqn_list("05.0004,06.00ab", &a, &d), 0);
	assert_true(idset_test(&a, 5));
	assert_true(idset_test(&a, 6));
	assert_true(idset_test(&d, 4));
	assert_true(idset_test(&d, 0xab));
	assert_int_equal(parse_apqn_list("07.0001,bad", &a, &d), -EINVAL);
	assert_false(idset_test(&a, 7));
	assert_false(idset_test(&d, 1));
}

static void test_busid(void **state)
{
	struct busid b;
	char out[BUSID_STRLEN];

	(void)state;
	assert_int_equal(parse_busid("0.0.2b09", &b), 0);
	assert_int_equal(b.cssid, 0);
	assert_int_equal(b.ssid, 0);
	assert_int_equal(b.devno, 0x2b09);
	busid_format(&b, out);
	assert_string_equal(out, "0.0.2b09");

	assert_int_equal(parse_busid("0.0.2B09", &b), 0);
	busid_format(&b, out);
	assert_string_equal(out, "0.0.2b09");

	/* A bare device number, as chccwdev takes it. */
	assert_int_equal(parse_busid("2b09", &b), 0);
	busid_format(&b, out);
	assert_string_equal(out, "0.0.2b09");
	assert_int_equal(parse_busid("313", &b), 0);
	busid_format(&b, out);
	assert_string_equal(out, "0.0.0313");

	/* Guest device numbers in the virtual channel subsystem. */
	assert_int_equal(parse_busid("fe.0.1234", &b), 0);
	assert_int_equal(b.cssid, 0xfe);
	assert_int_equal(b.devno, 0x1234);
	busid_format(&b, out);
	assert_string_equal(out, "fe.0.1234");
	assert_int_equal(parse_busid("0.1.0002", &b), 0);
	assert_int_equal(b.ssid, 1);
}

static void test_busid_refusals(void **state)
{
	struct busid b;

	(void)state;
	assert_int_equal(parse_busid("", &b), -EINVAL);
	assert_int_equal(parse_busid("0.0.", &b), -EINVAL);
	assert_int_equal(parse_busid("0.0.12345", &b), -EINVAL);
	assert_int_equal(parse_busid("12345", &b), -EINVAL);
	assert_int_equal(parse_busid("0.0.2b0g", &b), -EINVAL);
	assert_int_equal(parse_busid("0.00.2b09", &b), -EINVAL);
	assert_int_equal(parse_busid("100.0.2b09", &b), -EINVAL);
	assert_int_equal(parse_busid("0.4.2b09", &b), -ERANGE);
	assert_int_equal(parse_busid("0.0.2b09.1", &b), -EINVAL);
	assert_int_equal(parse_busid("0.0.2b09 ", &b), -EINVAL);
	assert_int_equal(parse_busid("none", &b), -EINVAL);
}

static void test_uuid(void **state)
{
	char out[UUID_STRLEN + 1];

	(void)state;
	assert_int_equal(parse_uuid("11111111-2222-3333-4444-555555555555", out), 0);
	assert_string_equal(out, "11111111-2222-3333-4444-555555555555");
	/* The kernel names the directory in lower case; so do we. */
	assert_int_equal(parse_uuid("0AB1C2D3-E4F5-4a6b-8c7d-9E0F1A2B3C4D", out), 0);
	assert_string_equal(out, "0ab1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d");

	assert_int_equal(parse_uuid("11111111-2222-3333-4444-55555555555", out), -EINVAL);
	assert_int_equal(parse_uuid("11111111-2222-3333-4444-5555555555555", out), -EINVAL);
	assert_int_equal(parse_uuid("11111111222233334444555555555555", out), -EINVAL);
	assert_int_equal(parse_uuid("1111111-22222-3333-4444-555555555555", out), -EINVAL);
	assert_int_equal(parse_uuid("zzzzzzzz-2222-3333-4444-555555555555", out), -EINVAL);
	assert_int_equal(parse_uuid("{1111111-2222-3333-4444-55555555555}", out), -EINVAL);
	assert_int_equal(parse_uuid("", out), -EINVAL);
}

static void test_ap_mask(void **state)
{
	char buf[80];
	struct idset m;

	(void)state;
	memset(buf, 'f', sizeof(buf));
	memcpy(buf, "0x", 2);
	buf[66] = '\n';
	assert_int_equal(parse_ap_mask(buf, 67, &m), 0);
	assert_int_equal(idset_count(&m), 256);

	/* 0xf9ff...: adapters 5 and 6 clear (id 0 is the left-most bit). */
	buf[2] = 'f';
	buf[3] = '9';
	assert_int_equal(parse_ap_mask(buf, 67, &m), 0);
	assert_false(idset_test(&m, 5));
	assert_false(idset_test(&m, 6));
	assert_true(idset_test(&m, 4));
	assert_true(idset_test(&m, 7));
	assert_int_equal(idset_count(&m), 254);

	/* Short values are left-aligned, as the kernel shows and takes them. */
	assert_int_equal(parse_ap_mask("0x41", 4, &m), 0);
	assert_true(idset_test(&m, 1));
	assert_true(idset_test(&m, 7));
	assert_int_equal(idset_count(&m), 2);
	assert_int_equal(parse_ap_mask("0x\n", 3, &m), 0);
	assert_true(idset_empty(&m));

	/* 65 digits, or garbage: refused. */
	memset(buf, '0', sizeof(buf));
	memcpy(buf, "0x", 2);
	assert_int_equal(parse_ap_mask(buf, 67, &m), -EINVAL);
	assert_int_equal(parse_ap_mask("garbage", 7, &m), -EINVAL);
}

static void test_matrix(void **state)
{
	const char full[] = "05.0004\n05.00ab\n06.0004\n06.00ab\n";
	struct idset a, d;

	(void)state;
	assert_int_equal(parse_matrix(full, strlen(full), &a, &d), 0);
	assert_int_equal(idset_count(&a), 2);
	assert_true(idset_test(&a, 5) && idset_test(&a, 6));
	assert_int_equal(idset_count(&d), 2);
	assert_true(idset_test(&d, 4) && idset_test(&d, 0xab));

	/* Adapters only, domains only, nothing: the kernel's other forms. */
	assert_int_equal(parse_matrix("05.\n", 4, &a, &d), 0);
	assert_true(idset_test(&a, 5));
	assert_true(idset_empty(&d));
	assert_int_equal(parse_matrix(".0004\n", 6, &a, &d), 0);
	assert_true(idset_empty(&a));
	assert_true(idset_test(&d, 4));
	assert_int_equal(parse_matrix("", 0, &a, &d), 0);
	assert_true(idset_empty(&a) && idset_empty(&d));
	/* No final newline: still read. */
	assert_int_equal(parse_matrix("03.0004\n05.0004", 15, &a, &d), 0);
	assert_true(idset_test(&a, 3) && idset_test(&a, 5));

	assert_int_equal(parse_matrix("junk\n", 5, &a, &d), -EINVAL);
	assert_int_equal(parse_matrix(".\n", 2, &a, &d), -EINVAL);
	assert_int_equal(parse_matrix("05.0100\n", 8, &a, &d), -EINVAL);
}

static void test_domain_lines(void **state)
{
	struct idset s;

	(void)state;
	assert_int_equal(parse_domain_lines("0004\n00ab\n", 10, &s), 0);
	assert_int_equal(idset_count(&s), 2);
	assert_true(idset_test(&s, 4) && idset_test(&s, 0xab));
	assert_int_equal(parse_domain_lines("", 0, &s), 0);
	assert_true(idset_empty(&s));
	assert_int_equal(parse_domain_lines("0x04\n", 5, &s), -EINVAL);
}

static void test_formatters(void **state)
{
	struct idset s = { { 0 } };
	char id[AP_ID_STRLEN], apqn[APQN_STRLEN], items[64];

	(void)state;
	format_ap_id(5, id);
	assert_string_equal(id, "5");
	format_ap_id(9, id);
	assert_string_equal(id, "9");
	/* From 10 on hex, so the value reads the same as the hex matrix. */
	format_ap_id(10, id);
	assert_string_equal(id, "0xa");
	format_ap_id(0xab, id);
	assert_string_equal(id, "0xab");

	format_apqn(5, 0xab, apqn);
	assert_string_equal(apqn, "05.00ab");

	idset_set(&s, 5);
	idset_set(&s, 6);
	idset_set(&s, 0xab);
	assert_int_equal(format_mask_items(&s, '-', items, sizeof(items)), 11);
	assert_string_equal(items, "-5,-6,-0xab");
	assert_int_equal(format_mask_items(&s, '+', items, sizeof(items)), 11);
	assert_string_equal(items, "+5,+6,+0xab");
	assert_int_equal(format_mask_items(&s, '+', items, 8), -ENOSPC);
}

static void test_idset_ops(void **state)
{
	struct idset a = { { 0 } }, b = { { 0 } }, c;

	(void)state;
	idset_set(&a, 0);
	idset_set(&a, 64);
	idset_set(&a, 255);
	idset_set(&b, 64);
	assert_int_equal(idset_next(&a, 0), 0);
	assert_int_equal(idset_next(&a, 1), 64);
	assert_int_equal(idset_next(&a, 65), 255);
	assert_int_equal(idset_next(&a, 256), AP_IDS);
	c = a;
	idset_and(&c, &b);
	assert_true(idset_equal(&c, &b));
	c = a;
	idset_andnot(&c, &b);
	assert_int_equal(idset_count(&c), 2);
	assert_false(idset_test(&c, 64));
	idset_or(&c, &b);
	assert_true(idset_equal(&c, &a));
	idset_clear(&c, 0);
	assert_false(idset_test(&c, 0));
	idset_set(&c, 300);	/* out of range: ignored */
	assert_false(idset_test(&c, 300));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ap_id_decimal_and_hex),
		cmocka_unit_test(test_ap_id_refusals),
		cmocka_unit_test(test_ap_id_list),
		cmocka_unit_test(test_apqn_kernel_form_is_hex),
		cmocka_unit_test(test_apqn_other_forms),
		cmocka_unit_test(test_apqn_list),
		cmocka_unit_test(test_busid),
		cmocka_unit_test(test_busid_refusals),
		cmocka_unit_test(test_uuid),
		cmocka_unit_test(test_ap_mask),
		cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_domain_lines),
		cmocka_unit_test(test_formatters),
		cmocka_unit_test(test_idset_ops),
	};

	return cmocka_run_group_tests_name("mdevtool_parse", tests, NULL, NULL);
}
