// SPDX-License-Identifier: MIT
/*
 * Unit tests for vfio_ap's matrix validation and the AP bus around it,
 * in-process: a model is built from a topology (no FUSE), attributes are
 * written through their store functions exactly as the FUSE layer calls
 * them (a NUL-terminated copy of the bytes), and the validation functions
 * are also called directly and compared with a reference of the rules.
 *
 * Also covered here because a mount cannot reach them: rmmod/insmod of
 * vfio_ap and zcrypt, and the guest hook.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/ap.h"
#include "drivers/ap_bus.h"
#include "drivers/vfio_ap.h"
#include "kernfs.h"
#include "parse.h"
#include "sim.h"
#include "topology.h"

#define U1 "11111111-2222-3333-4444-555555555555"
#define U2 "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
#define TYPE "devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough"

struct model {
	struct topology topo;
	struct sim *sim;
};

/* ---- helpers -------------------------------------------------------------- */

static void model_open(struct model *m, const char *json)
{
	char err[512] = "";
	int rc;

	memset(m, 0, sizeof(*m));
	if (json)
		rc = topology_parse(json, strlen(json), "unit", &m->topo, err, sizeof(err));
	else
		rc = topology_load_default(&m->topo, err, sizeof(err));
	if (rc)
		fail_msg("topology: %s", err);
	rc = sim_create(&m->sim, &m->topo);
	assert_int_equal(rc, 0);
}

static void model_close(struct model *m)
{
	sim_destroy(m->sim);
	topology_free(&m->topo);
}

static struct kn *attr_node(struct sim *sim, const char *path)
{
	struct kn *kn = kernfs_walk(&sim->kfs, sim->kfs.root, path);

	if (!kn || kn->type != KN_ATTR)
		fail_msg("no attribute %s", path);
	return kn;
}

static bool exists(struct sim *sim, const char *path)
{
	return kernfs_walk(&sim->kfs, sim->kfs.root, path) != NULL;
}

/* One write(2): 0 on success (the whole length taken), else the positive errno. */
static int wr(struct sim *sim, const char *path, const char *data)
{
	struct kn *kn = attr_node(sim, path);
	size_t len = strlen(data);
	char *buf = malloc(len + 1);
	ssize_t rc;

	assert_non_null(buf);
	memcpy(buf, data, len + 1);
	assert_non_null(kn->attr.attr->store);
	rc = kn->attr.attr->store(kn->attr.obj, buf, len);
	free(buf);
	if (rc < 0)
		return (int)-rc;
	assert_int_equal((size_t)rc, len);
	return 0;
}

/* One read: the show's bytes as a string (shows here never hold NULs). */
static const char *rd(struct sim *sim, const char *path)
{
	static char buf[SYSFS_PAGE_SIZE + 1];
	struct kn *kn = attr_node(sim, path);
	ssize_t n;

	assert_non_null(kn->attr.attr->show);
	n = kn->attr.attr->show(kn->attr.obj, buf);
	assert_true(n >= 0);
	buf[n] = '\0';
	return buf;
}

static const char *mdev_attr(const char *uuid, const char *attr)
{
	static char path[256];

	snprintf(path, sizeof(path), "devices/vfio_ap/matrix/%s/%s", uuid, attr);
	return path;
}

static const char *queue_attr(unsigned int apid, unsigned int apqi, const char *attr)
{
	static char path[256];

	snprintf(path, sizeof(path), "devices/ap/card%02x/%02x.%04x/%s", apid, apid, apqi, attr);
	return path;
}

/* The driver bound to an AP queue, or "" for none. */
static const char *queue_driver(struct sim *sim, unsigned int apid, unsigned int apqi)
{
	struct ap_queue *q = ap_find_queue(sim->ap, apid, apqi);

	assert_non_null(q);
	return q->dev.driver ? q->dev.driver->name : "";
}

static struct vfio_ap_mdev *find(struct sim *sim, const char *uuid)
{
	uint8_t u[16];

	assert_int_equal(uuid_parse_36(uuid, 36, u), 0);
	return vfio_ap_find_mdev(sim, u);
}

static struct ap_mask ids(int n, ...)
{
	struct ap_mask m;
	va_list ap;

	memset(&m, 0, sizeof(m));
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		ap_mask_set(&m, (unsigned int)va_arg(ap, int));
	va_end(ap);
	return m;
}

/* Free adapters 5, 6 and domains 4, 0xab, create U1 holding 05/06 x 04/ab. */
static void setup_u1(struct sim *sim)
{
	assert_int_equal(wr(sim, "bus/ap/apmask", "-5,-6\n"), 0);
	assert_int_equal(wr(sim, "bus/ap/aqmask", "-4,-0xab\n"), 0);
	assert_int_equal(wr(sim, TYPE "/create", U1 "\n"), 0);
	assert_int_equal(wr(sim, mdev_attr(U1, "assign_adapter"), "5\n"), 0);
	assert_int_equal(wr(sim, mdev_attr(U1, "assign_adapter"), "6\n"), 0);
	assert_int_equal(wr(sim, mdev_attr(U1, "assign_domain"), "4\n"), 0);
	assert_int_equal(wr(sim, mdev_attr(U1, "assign_domain"), "0xab\n"), 0);
}

/* ---- validation ----------------------------------------------------------- */

static void test_validate_reserved_then_sharing(void **state)
{
	struct model m;
	struct vfio_ap_conflict why;
	struct ap_mask apm, aqm;
	char holder[37];

	(void)state;
	model_open(&m, NULL);
	apm = ids(1, 5);
	aqm = ids(1, 4);
	assert_int_equal(vfio_ap_validate_matrix(m.sim, NULL, &apm, &aqm, &why), -EADDRNOTAVAIL);
	assert_int_equal(why.apid, 5);
	assert_int_equal(why.apqi, 4);
	assert_false(why.has_holder);

	setup_u1(m.sim);
	/* Self is excluded: U1's own matrix is valid for U1, taken for anyone else. */
	assert_int_equal(vfio_ap_validate_matrix(m.sim, find(m.sim, U1), &apm, &aqm, NULL), 0);
	assert_int_equal(vfio_ap_validate_matrix(m.sim, NULL, &apm, &aqm, &why), -EADDRINUSE);
	assert_int_equal(why.apid, 5);
	assert_int_equal(why.apqi, 4);
	assert_true(why.has_holder);
	uuid_format(why.holder, holder);
	assert_string_equal(holder, U1);

	/* Overlap needs both sets to intersect. */
	apm = ids(1, 5);
	aqm = ids(1, 0x47);
	assert_int_equal(vfio_ap_validate_matrix(m.sim, NULL, &apm, &aqm, NULL), 0);
	/* The reservation check comes first: 07.0047 is the host's, 05.0004 is U1's. */
	apm = ids(2, 5, 7);
	aqm = ids(2, 4, 0x47);
	assert_int_equal(vfio_ap_validate_matrix(m.sim, NULL, &apm, &aqm, &why), -EADDRNOTAVAIL);
	assert_int_equal(why.apid, 7);
	assert_int_equal(why.apqi, 0x47);
	/* Empty sets never conflict, whatever the masks. */
	memset(&aqm, 0, sizeof(aqm));
	apm = ids(3, 0, 5, 255);
	assert_int_equal(vfio_ap_validate_matrix(m.sim, NULL, &apm, &aqm, NULL), 0);
	model_close(&m);
}

/* A small deterministic generator: the same sequence on every run. */
static uint32_t rng_state = 0x12345678u;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* Random ids among 0..7 (a space small enough to collide often). */
static struct ap_mask rnd_mask(void)
{
	struct ap_mask m;
	uint32_t bits = rnd() & 0xff;

	memset(&m, 0, sizeof(m));
	for (unsigned int i = 0; i < 8; i++)
		if (bits & (1u << i))
			ap_mask_set(&m, i);
	return m;
}

static bool ref_reserved(const struct ap_mask *apmask, const struct ap_mask *aqmask,
			 const struct ap_mask *apm, const struct ap_mask *aqm)
{
	for (unsigned int a = 0; a < 8; a++)
		for (unsigned int d = 0; d < 8; d++)
			if (ap_mask_test(apm, a) && ap_mask_test(aqm, d) && ap_mask_test(apmask, a) &&
			    ap_mask_test(aqmask, d))
				return true;
	return false;
}

static bool ref_intersect(const struct ap_mask *x, const struct ap_mask *y)
{
	for (unsigned int i = 0; i < 8; i++)
		if (ap_mask_test(x, i) && ap_mask_test(y, i))
			return true;
	return false;
}

/*
 * The rules against a reference, on random masks and a random other mdev:
 * EADDRNOTAVAIL iff an APQN is reserved, else EADDRINUSE iff the adapter
 * sets and the domain sets both intersect, else 0; and set_config, which
 * applies the same checks to a whole matrix, agrees and is all or nothing.
 */
static void test_validate_against_reference(void **state)
{
	struct model m;
	struct ap_mask none;

	(void)state;
	memset(&none, 0, sizeof(none));
	model_open(&m, NULL);
	assert_int_equal(wr(m.sim, TYPE "/create", U1 "\n"), 0);
	assert_int_equal(wr(m.sim, TYPE "/create", U2 "\n"), 0);
	for (int iter = 0; iter < 3000; iter++) {
		struct vfio_ap_mdev *u1 = find(m.sim, U1), *u2 = find(m.sim, U2);
		struct ap_mask apmask = rnd_mask(), aqmask = rnd_mask();
		struct ap_mask oapm = rnd_mask(), oaqm = rnd_mask();
		struct ap_mask apm = rnd_mask(), aqm = rnd_mask();
		int want, got;
		char before[512];

		/* The other mdev's matrix, installed while nothing is reserved. */
		memset(&m.sim->ap->apmask, 0, sizeof(struct ap_mask));
		memset(&m.sim->ap->aqmask, 0, sizeof(struct ap_mask));
		assert_int_equal(vfio_ap_mdev_set_config(u1, &none, &none, &none, NULL), 0);
		assert_int_equal(vfio_ap_mdev_set_config(u2, &oapm, &oaqm, &none, NULL), 0);
		m.sim->ap->apmask = apmask;
		m.sim->ap->aqmask = aqmask;

		if (ref_reserved(&apmask, &aqmask, &apm, &aqm))
			want = -EADDRNOTAVAIL;
		else if (ref_intersect(&apm, &oapm) && ref_intersect(&aqm, &oaqm))
			want = -EADDRINUSE;
		else
			want = 0;
		got = vfio_ap_validate_matrix(m.sim, u1, &apm, &aqm, NULL);
		if (got != want)
			fail_msg("iteration %d: validate %d, reference %d", iter, got, want);
		snprintf(before, sizeof(before), "%s", rd(m.sim, mdev_attr(U1, "ap_config")));
		got = vfio_ap_mdev_set_config(u1, &apm, &aqm, &none, NULL);
		if (got != want)
			fail_msg("iteration %d: set_config %d, reference %d", iter, got, want);
		if (got)
			assert_string_equal(rd(m.sim, mdev_attr(U1, "ap_config")), before);
	}
	model_close(&m);
}

/* ---- the assign stores ---------------------------------------------------- */

static void test_assign_check_order(void **state)
{
	struct model m;
	struct sim *sim;

	(void)state;
	model_open(&m, NULL);
	sim = m.sim;
	assert_int_equal(wr(sim, TYPE "/create", U1 "\n"), 0);
	/* Parse errors first, then the range, whatever else is wrong. */
	assert_int_equal(wr(sim, mdev_attr(U1, "assign_adapter"), "256 \n"), EINVAL);
	assert_int_equal(wr(sim, mdev_attr(U1, "assign_adapter"), "256\n"), ENODEV);
	assert_int_equal(wr(sim, mdev_attr(U1, "assign_adapter"), "18446744073709551616\n"), ERANGE);
	/* No domains yet: any adapter, reserved or not. */
	assert_int_equal(wr(sim, mdev_attr(U1, "assign_adapter"), "5\n"), 0);
	assert_string_equal(rd(sim, mdev_attr(U1, "matrix")), "05.\n");
	/* The reservation refuses and changes nothing. */
	assert_int_equal(wr(sim, mdev_attr(U1, "assign_domain"), "4\n"), EADDRNOTAVAIL);
	assert_string_equal(rd(sim, mdev_attr(U1, "matrix")), "05.\n");
	assert_string_equal(rd(sim, mdev_attr(U1, "ap_config")),
			    "0x0400000000000000000000000000000000000000000000000000000000000000,"
			    "0x0000000000000000000000000000000000000000000000000000000000000000,"
			    "0x0000000000000000000000000000000000000000000000000000000000000000\n");
	/* Already assigned: success without any check. */
	assert_int_equal(wr(sim, mdev_attr(U1, "assign_adapter"), "0x5\n"), 0);
	/* Domains only, for the other order. */
	assert_int_equal(wr(sim, mdev_attr(U1, "unassign_adapter"), "5\n"), 0);
	assert_int_equal(wr(sim, mdev_attr(U1, "assign_domain"), "4\n"), 0);
	assert_string_equal(rd(sim, mdev_attr(U1, "matrix")), ".0004\n");
	assert_int_equal(wr(sim, mdev_attr(U1, "assign_adapter"), "6\n"), EADDRNOTAVAIL);
	assert_string_equal(rd(sim, mdev_attr(U1, "matrix")), ".0004\n");
	/* Control domains: no mask, no sharing check. */
	assert_int_equal(wr(sim, mdev_attr(U1, "assign_control_domain"), "4\n"), 0);
	assert_int_equal(wr(sim, mdev_attr(U1, "assign_control_domain"), "256\n"), ENODEV);
	assert_string_equal(rd(sim, mdev_attr(U1, "control_domains")), "0004\n");
	model_close(&m);
}

/* ap_config: reservation, then sharing, then the id range (ap_max_domain_id 84). */
static void test_ap_config_check_order(void **state)
{
	static const char topo[] =
		"{ \"kernel\": \"6.12\", \"ap\": { \"max_domain_id\": 84,"
		"  \"usage_domains\": [4, 42], \"control_domains\": [4, 42, 80],"
		"  \"cards\": [ { \"id\": 3, \"type\": \"CEX7A\" }, { \"id\": 5, \"type\": \"CEX7A\" } ] } }";
	struct model m;
	struct sim *sim;
	struct vfio_ap_mdev *u2;
	struct ap_mask apm, aqm, adm;
	const char *before;

	(void)state;
	model_open(&m, topo);
	sim = m.sim;
	assert_int_equal(wr(sim, "bus/ap/apmask", "-5\n"), 0);
	assert_int_equal(wr(sim, "bus/ap/aqmask", "-4\n"), 0);
	assert_int_equal(wr(sim, TYPE "/create", U1 "\n"), 0);
	assert_int_equal(wr(sim, TYPE "/create", U2 "\n"), 0);
	assert_int_equal(wr(sim, mdev_attr(U1, "assign_adapter"), "5\n"), 0);
	assert_int_equal(wr(sim, mdev_attr(U1, "assign_domain"), "4\n"), 0);
	u2 = find(sim, U2);
	memset(&adm, 0, sizeof(adm));
	/* 03.00c8 reserved, 05.0004 shared, 200 > 84: the reservation wins. */
	apm = ids(2, 3, 5);
	aqm = ids(2, 4, 200);
	assert_int_equal(vfio_ap_mdev_set_config(u2, &apm, &aqm, &adm, NULL), -EADDRNOTAVAIL);
	/* 05.0004 shared, 200 > 84: sharing before the range. */
	apm = ids(1, 5);
	assert_int_equal(vfio_ap_mdev_set_config(u2, &apm, &aqm, &adm, NULL), -EADDRINUSE);
	/* Only the range left. */
	aqm = ids(1, 200);
	assert_int_equal(vfio_ap_mdev_set_config(u2, &apm, &aqm, &adm, NULL), -ENODEV);
	adm = ids(1, 85);
	aqm = ids(1, 42);
	assert_int_equal(vfio_ap_mdev_set_config(u2, &apm, &aqm, &adm, NULL), -ENODEV);
	before = "0x0000000000000000000000000000000000000000000000000000000000000000,"
		 "0x0000000000000000000000000000000000000000000000000000000000000000,"
		 "0x0000000000000000000000000000000000000000000000000000000000000000\n";
	assert_string_equal(rd(sim, mdev_attr(U2, "ap_config")), before);
	/* The same through the store, and the field rules of the parser. */
	assert_int_equal(wr(sim, mdev_attr(U2, "ap_config"), "0x04,0x08,0x0\n"), EADDRINUSE);
	assert_int_equal(wr(sim, mdev_attr(U2, "ap_config"), "0x04,0x0000000000008"), EINVAL);
	assert_int_equal(wr(sim, mdev_attr(U2, "ap_config"), "0x04,0x00000000002,0x0\n"), 0);
	assert_string_equal(rd(sim, mdev_attr(U2, "matrix")), "05.002a\n");
	assert_string_equal(rd(sim, mdev_attr(U2, "guest_matrix")), "05.002a\n");
	model_close(&m);
}

/* ---- the AP bus around it ------------------------------------------------- */

static void test_mask_write_refused_when_in_use(void **state)
{
	struct model m;
	struct sim *sim;

	(void)state;
	model_open(&m, NULL);
	sim = m.sim;
	setup_u1(sim);
	/* Setting one half of U1's APQNs returns none of them to the host. */
	assert_int_equal(wr(sim, "bus/ap/apmask", "+5\n"), 0);
	assert_int_equal(wr(sim, "bus/ap/apmask", "-5\n"), 0);
	assert_int_equal(wr(sim, "bus/ap/aqmask", "+4\n"), 0);
	/* Now adapter 5 or 6 back would return 05.0004 or 06.0004. */
	assert_int_equal(wr(sim, "bus/ap/apmask", "+5\n"), EBUSY);
	assert_int_equal(wr(sim, "bus/ap/apmask", "+7,+6\n"), EBUSY);
	assert_int_equal(wr(sim, "bus/ap/apmask", "0xff\n"), EBUSY);
	assert_string_equal(rd(sim, "bus/ap/apmask"),
			    "0xf9ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\n");
	assert_string_equal(queue_driver(sim, 5, 4), "vfio_ap");
	/* Bits that were already set, or cleared, are never checked. */
	assert_int_equal(wr(sim, "bus/ap/apmask", "+7,-8\n"), 0);
	assert_int_equal(wr(sim, "bus/ap/aqmask", "-4\n"), 0);
	assert_int_equal(wr(sim, "bus/ap/apmask", "+5\n"), 0);
	assert_string_equal(queue_driver(sim, 5, 4), "vfio_ap");
	assert_string_equal(queue_driver(sim, 5, 0x47), "cex4queue");
	model_close(&m);
}

static void test_rmmod_and_insmod_vfio_ap(void **state)
{
	struct model m;
	struct sim *sim;

	(void)state;
	model_open(&m, NULL);
	sim = m.sim;
	setup_u1(sim);
	assert_int_equal(wr(sim, "bus/ap/aqmask", "+4\n"), 0);
	assert_int_equal(wr(sim, "bus/ap/apmask", "+6\n"), EBUSY);
	vfio_ap_exit(sim);
	assert_null(sim->vfio_ap);
	assert_false(exists(sim, "devices/vfio_ap"));
	assert_false(exists(sim, "bus/matrix"));
	assert_false(exists(sim, "bus/ap/drivers/vfio_ap"));
	assert_false(exists(sim, "module/vfio_ap"));
	assert_false(exists(sim, "class/mdev_bus/matrix"));
	assert_false(exists(sim, "bus/mdev/drivers/vfio_ap_mdev"));
	/* Queues outside the default masks are left without a driver, the rest keep cex4queue. */
	assert_string_equal(queue_driver(sim, 5, 4), "");
	assert_string_equal(queue_driver(sim, 6, 0x47), "");
	assert_string_equal(queue_driver(sim, 5, 0x47), "");
	assert_string_equal(rd(sim, "bus/ap/bindings"), "0/6\n");
	/* Nobody to ask any more: the mask write passes; the queues it reserves go back. */
	assert_int_equal(wr(sim, "bus/ap/apmask", "+6\n"), 0);
	assert_string_equal(queue_driver(sim, 6, 4), "cex4queue");
	assert_string_equal(queue_driver(sim, 6, 0x47), "cex4queue");
	assert_string_equal(queue_driver(sim, 6, 0xab), "");
	assert_string_equal(queue_driver(sim, 5, 4), "");
	/* insmod vfio_ap: the driverless non-default queues are bound at registration. */
	assert_int_equal(vfio_ap_init(sim), 0);
	assert_string_equal(queue_driver(sim, 5, 4), "vfio_ap");
	assert_string_equal(queue_driver(sim, 5, 0x47), "vfio_ap");
	assert_string_equal(queue_driver(sim, 6, 0xab), "vfio_ap");
	assert_string_equal(queue_driver(sim, 6, 4), "cex4queue");
	assert_string_equal(rd(sim, "bus/ap/bindings"), "6/6 (complete)\n");
	assert_string_equal(rd(sim, TYPE "/available_instances"), "65536\n");
	assert_null(find(sim, U1));
	assert_true(exists(sim, "module/vfio_ap/drivers/ap:vfio_ap"));
	/* A second insmod is refused. */
	assert_int_equal(vfio_ap_init(sim), -EEXIST);
	model_close(&m);
}

static void test_rmmod_and_insmod_zcrypt(void **state)
{
	struct model m;
	struct sim *sim;

	(void)state;
	model_open(&m, NULL);
	sim = m.sim;
	zcrypt_exit(sim);
	assert_false(exists(sim, "bus/ap/drivers/cex4queue"));
	assert_false(exists(sim, "module/zcrypt_cex4"));
	assert_false(exists(sim, "devices/ap/card05/type"));
	assert_string_equal(rd(sim, "bus/ap/bindings"), "0/6\n");
	assert_string_equal(rd(sim, queue_attr(5, 4, "request_count")), "-\n");
	assert_int_equal(zcrypt_init(sim), 0);
	assert_string_equal(rd(sim, "bus/ap/bindings"), "6/6 (complete)\n");
	assert_string_equal(rd(sim, queue_attr(5, 4, "request_count")), "0\n");
	assert_string_equal(rd(sim, "devices/ap/card05/type"), "CEX7C\n");
	assert_int_equal(zcrypt_init(sim), -EEXIST);
	model_close(&m);
}

/* ---- the guest hook ------------------------------------------------------- */

static void test_guest_attached(void **state)
{
	struct model m;
	struct sim *sim;
	uint8_t u1[16], other[16] = { 1 };

	(void)state;
	model_open(&m, NULL);
	sim = m.sim;
	setup_u1(sim);
	assert_int_equal(uuid_parse_36(U1, 36, u1), 0);
	assert_int_equal(vfio_ap_set_guest_attached(sim, other, true), -ENODEV);
	assert_int_equal(vfio_ap_set_guest_attached(sim, u1, true), 0);
	assert_string_equal(rd(sim, queue_attr(5, 4, "status")), "in use\n");
	/* Only what the guest really has: an unbound queue's adapter leaves the shadow. */
	assert_int_equal(wr(sim, "bus/ap/drivers/vfio_ap/unbind", "06.00ab\n"), 0);
	assert_string_equal(rd(sim, queue_attr(6, 4, "status")), "assigned\n");
	assert_string_equal(rd(sim, queue_attr(5, 0xab, "status")), "in use\n");
	/* 6.0+: assignments go on while a guest runs. */
	assert_int_equal(wr(sim, mdev_attr(U1, "unassign_domain"), "0xab\n"), 0);
	assert_int_equal(vfio_ap_set_guest_attached(sim, u1, false), 0);
	assert_string_equal(rd(sim, queue_attr(5, 4, "status")), "assigned\n");
	model_close(&m);
}

static void test_guest_attached_before_6_0(void **state)
{
	struct model m;
	struct sim *sim;
	uint8_t u1[16];

	(void)state;
	model_open(&m, "{ \"kernel\": \"5.19\", \"ap\": { \"usage_domains\": [4],"
		       "  \"cards\": [ { \"id\": 5, \"type\": \"CEX7C\" } ] } }");
	sim = m.sim;
	assert_int_equal(wr(sim, "bus/ap/apmask", "-5\n"), 0);
	assert_int_equal(wr(sim, TYPE "/create", U1 "\n"), 0);
	assert_int_equal(wr(sim, mdev_attr(U1, "assign_adapter"), "5\n"), 0);
	assert_int_equal(uuid_parse_36(U1, 36, u1), 0);
	assert_int_equal(vfio_ap_set_guest_attached(sim, u1, true), 0);
	/* Refused before the input is even parsed. */
	assert_int_equal(wr(sim, mdev_attr(U1, "assign_domain"), "garbage\n"), EBUSY);
	assert_int_equal(wr(sim, mdev_attr(U1, "unassign_adapter"), "5\n"), EBUSY);
	assert_int_equal(wr(sim, mdev_attr(U1, "assign_control_domain"), "4\n"), EBUSY);
	assert_int_equal(vfio_ap_set_guest_attached(sim, u1, false), 0);
	assert_int_equal(wr(sim, mdev_attr(U1, "assign_domain"), "garbage\n"), EINVAL);
	model_close(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate_reserved_then_sharing),
		cmocka_unit_test(test_validate_against_reference),
		cmocka_unit_test(test_assign_check_order),
		cmocka_unit_test(test_ap_config_check_order),
		cmocka_unit_test(test_mask_write_refused_when_in_use),
		cmocka_unit_test(test_rmmod_and_insmod_vfio_ap),
		cmocka_unit_test(test_rmmod_and_insmod_zcrypt),
		cmocka_unit_test(test_guest_attached),
		cmocka_unit_test(test_guest_attached_before_6_0),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
