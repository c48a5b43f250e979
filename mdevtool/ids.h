/* SPDX-License-Identifier: MIT */
/*
 * Parsers and formatters for the names mdevtool takes on its command line
 * and reads back from sysfs: AP adapter/domain ids, APQNs, ccw bus ids,
 * UUIDs, the AP masks and the vfio_ap matrix listings.
 *
 * Pure functions: no I/O, no allocation, no global state, so that the
 * cmocka tests can drive them directly.  Every parser returns 0 or a
 * negative errno (-EINVAL for bad syntax, -ERANGE for a value out of range).
 */
#ifndef MDEVTOOL_IDS_H
#define MDEVTOOL_IDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The AP id space: 256 adapters x 256 domains (ap_max_* can only lower it). */
#define AP_IDS 256

/* A set of AP ids (adapters or domains).  Bit i is id i. */
struct idset {
	uint64_t w[AP_IDS / 64];
};

static inline bool idset_test(const struct idset *s, unsigned int id)
{
	return id < AP_IDS && (s->w[id / 64] >> (id % 64)) & 1;
}

static inline void idset_set(struct idset *s, unsigned int id)
{
	if (id < AP_IDS)
		s->w[id / 64] |= UINT64_C(1) << (id % 64);
}

static inline void idset_clear(struct idset *s, unsigned int id)
{
	if (id < AP_IDS)
		s->w[id / 64] &= ~(UINT64_C(1) << (id % 64));
}

bool idset_empty(const struct idset *s);
bool idset_equal(const struct idset *a, const struct idset *b);
unsigned int idset_count(const struct idset *s);
/* Lowest id >= @from in @s, or AP_IDS when there is none. */
unsigned int idset_next(const struct idset *s, unsigned int from);
void idset_or(struct idset *dst, const struct idset *src);
void idset_and(struct idset *dst, const struct idset *src);
/* dst = dst \ src */
void idset_andnot(struct idset *dst, const struct idset *src);

#define idset_for_each(id, s) \
	for ((id) = idset_next((s), 0); (id) < AP_IDS; (id) = idset_next((s), (id) + 1))

/*
 * One adapter or domain id as a person types it: decimal ("71") or
 * 0x-hex ("0x47"), 0..255.  A leading zero on a decimal number ("047") is
 * refused: the kernel would read it as octal and a person as decimal or hex,
 * so we ask instead of guessing.
 */
int parse_ap_id(const char *s, unsigned int *id);

/* A comma-separated list of ids ("5,6,0xab"), added to @out. */
int parse_ap_id_list(const char *s, struct idset *out);

/*
 * An APQN "A.D".  Written exactly as the kernel prints it (two hex digits,
 * '.', four hex digits: "05.00ab") both parts are hex, because that is what
 * lszcrypt and the matrix files show.  Otherwise each part is an id as
 * parse_ap_id() reads it ("5.71", "0x5.0x47").
 */
int parse_apqn(const char *s, unsigned int *adapter, unsigned int *domain);

/* A comma-separated list of APQNs, added to the adapter and domain sets. */
int parse_apqn_list(const char *s, struct idset *adapters, struct idset *domains);

/*
 * A ccw bus id "css.ssid.devno" (hex: "0.0.2b09", "fe.0.1234"), or a bare
 * device number "2b09", which means 0.0.2b09 as in chccwdev.  cssid is
 * 0..ff, ssid 0..3, devno 1..4 hex digits.  Case does not matter.
 */
struct busid {
	unsigned int cssid, ssid, devno;
};
int parse_busid(const char *s, struct busid *out);
/* "0.0.2b09": the kernel's own spelling (%x.%x.%04x), NUL-terminated. */
#define BUSID_STRLEN 16
void busid_format(const struct busid *b, char out[BUSID_STRLEN]);

/*
 * A UUID in the 8-4-4-4-12 form, either case.  @out receives the lower-case
 * form the kernel uses for the mdev directory name.
 */
#define UUID_STRLEN 36
int parse_uuid(const char *s, char out[UUID_STRLEN + 1]);

/*
 * An AP mask as the kernel shows it in apmask/aqmask and in each field of
 * ap_config: optional "0x", up to 64 hex digits, the left-most bit is id 0,
 * an optional trailing newline.
 */
int parse_ap_mask(const char *buf, size_t len, struct idset *out);

/*
 * The vfio_ap matrix listings (matrix, guest_matrix): lines "%02x.%04x",
 * or "%02x." (adapters only) or ".%04x" (domains only).  Fills the
 * adapter and the domain set; the matrix is their product.
 */
int parse_matrix(const char *buf, size_t len, struct idset *apm, struct idset *aqm);

/* control_domains: one "%04x" line per domain. */
int parse_domain_lines(const char *buf, size_t len, struct idset *out);

/*
 * An id the way mdevtool writes it to sysfs: decimal below 10, "0x%x"
 * above, so that every value reads the same to the kernel (which takes a
 * leading 0 as octal) and to a person comparing with the hex matrix.
 */
#define AP_ID_STRLEN 8
void format_ap_id(unsigned int id, char out[AP_ID_STRLEN]);

/*
 * The relative mask items for @s with @sign ('+' or '-'): "-5,-6,-0xab".
 * Returns the length written or -ENOSPC.
 */
int format_mask_items(const struct idset *s, char sign, char *buf, size_t size);

/* The APQN as the kernel prints it: "05.00ab". */
#define APQN_STRLEN 8
void format_apqn(unsigned int adapter, unsigned int domain, char out[APQN_STRLEN]);

#endif /* MDEVTOOL_IDS_H */
