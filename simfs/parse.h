/* SPDX-License-Identifier: MIT */
/*
 * The kernel's input parsers, bug-for-bug.
 *
 * Every store in simfs receives the exact bytes of one write(2): a buffer
 * and a length, not a C string (it may hold NUL bytes and has no
 * terminator).  These helpers parse such buffers exactly as the Linux 6.12
 * helpers of the same name do (lib/kstrtox.c, lib/uuid.c,
 * drivers/s390/crypto/ap_bus.c), including their quirks, and return 0 or a
 * negative errno.  They never read past @len and never allocate.
 */
#ifndef SIMFS_PARSE_H
#define SIMFS_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * kstrtoul(): one optional leading '+', then digits in @base (0 = auto:
 * "0x"/"0X" followed by a hex digit is hex, a leading '0' is octal, else
 * decimal; 16 = hex with optional "0x"; 8, 10 likewise), then at most one
 * '\n', then the end of the buffer.  -EINVAL on any other byte, on no
 * digits, on a '-'; -ERANGE on overflow of 64 bits.
 */
int kstrtoull(const char *buf, size_t len, unsigned int base, unsigned long long *res);
int kstrtoul(const char *buf, size_t len, unsigned int base, unsigned long *res);
int kstrtouint(const char *buf, size_t len, unsigned int base, unsigned int *res);
/* kstrtoint(): as above, with an optional leading '-'; -ERANGE outside int. */
int kstrtoint(const char *buf, size_t len, unsigned int base, int *res);

/* kstrtobool(): decides on the first one or two bytes only, as the kernel. */
int kstrtobool(const char *buf, size_t len, bool *res);

/*
 * sscanf(buf, "%d") / sscanf(buf, "%i") as the kernel's vsscanf does them:
 * leading white space skipped, trailing bytes ignored.  Returns 1 when a
 * number was converted, 0 when not (the caller maps that to its errno).
 */
int scan_int_d(const char *buf, size_t len, int *res);
int scan_int_i(const char *buf, size_t len, int *res);

/* sysfs_streq(): equal, except that one trailing '\n' on either is ignored. */
bool sysfs_streq(const char *a, size_t alen, const char *b);

/*
 * UUIDs.  uuid_parse_36() parses exactly the first 36 bytes of @buf as
 * 8-4-4-4-12 hex with '-' at 8, 13, 18, 23 (either case); -EINVAL otherwise.
 * uuid_format() writes the lower-case form and a NUL into @out[37].
 */
int uuid_parse_36(const char *buf, size_t len, uint8_t out[16]);
void uuid_format(const uint8_t uuid[16], char out[37]);

/*
 * AP masks: 256 ids, id 0 is the most significant bit of byte 0, so the
 * bytes print left to right exactly as the kernel shows the mask.
 */
#define AP_MASK_BITS 256
struct ap_mask {
	uint8_t b[AP_MASK_BITS / 8];
};

static inline bool ap_mask_test(const struct ap_mask *m, unsigned int id)
{
	return id < AP_MASK_BITS && (m->b[id / 8] & (0x80u >> (id % 8)));
}

static inline void ap_mask_set(struct ap_mask *m, unsigned int id)
{
	if (id < AP_MASK_BITS)
		m->b[id / 8] |= (uint8_t)(0x80u >> (id % 8));
}

static inline void ap_mask_clear(struct ap_mask *m, unsigned int id)
{
	if (id < AP_MASK_BITS)
		m->b[id / 8] &= (uint8_t)~(0x80u >> (id % 8));
}

bool ap_mask_empty(const struct ap_mask *m);
bool ap_mask_equal(const struct ap_mask *a, const struct ap_mask *b);
void ap_mask_fill(struct ap_mask *m);
/* Lowest set id >= @from, or AP_MASK_BITS when none. */
unsigned int ap_mask_next(const struct ap_mask *m, unsigned int from);
#define ap_mask_for_each(id, m) \
	for ((id) = ap_mask_next((m), 0); (id) < AP_MASK_BITS; (id) = ap_mask_next((m), (id) + 1))

/* "0x" + 64 lower-case hex digits, no newline, NUL-terminated: 67 bytes. */
#define AP_MASK_STRLEN 66
void ap_mask_format(const struct ap_mask *m, char out[AP_MASK_STRLEN + 1]);

/*
 * The apmask/aqmask store syntax (ap_parse_mask_str() in ap_bus.c):
 * absolute ("0x..."/hex digits, left aligned, <= 64 digits, one optional
 * trailing '\n'; empty clears) or relative ("+N", "-N", "+A-B" items
 * separated by runs of ',' and '\n', applied left to right to a copy of
 * @old).  @new receives the result; -EINVAL leaves it unspecified.
 */
int ap_parse_mask(const char *buf, size_t len, const struct ap_mask *old, struct ap_mask *new);

/*
 * One absolute field of an ap_config triple: optional "0x", up to 64 hex
 * digits, missing digits zero (hex2bitmap() in vfio_ap_ops.c).
 */
int ap_parse_hex_field(const char *buf, size_t len, struct ap_mask *out);

/*
 * The vfio_ap ap_config store: "apm,aqm,adm", fields split on ',' and '\n',
 * only the first 201 bytes looked at, fewer than three fields -EINVAL.
 */
int ap_parse_config(const char *buf, size_t len, struct ap_mask *apm, struct ap_mask *aqm,
		    struct ap_mask *adm);

/*
 * Bus ids as fixtures and tools name them: "0.0.0313" (cssid.ssid.devno,
 * NUL-terminated string; cssid 0..255 decimal or hex digits as the kernel
 * prints them, ssid 0..3, devno exactly 4 hex digits).
 */
int ccw_busid_parse(const char *s, unsigned int *cssid, unsigned int *ssid, unsigned int *devno);

#endif /* SIMFS_PARSE_H */
