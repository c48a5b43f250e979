// SPDX-License-Identifier: MIT
/*
 * vfio_ap (drivers/s390/crypto/vfio_ap_drv.c, vfio_ap_ops.c):
 *  - the root device /sys/devices/vfio_ap and, on its own "matrix" bus, the
 *    matrix device bound to the matrix bus's vfio_ap driver;
 *  - the matrix device as mdev parent with the type vfio_ap-passthrough;
 *  - the vfio_ap_mdev driver and the files it gives each mdev: the
 *    assignments, matrix, guest_matrix (the shadow APCB), control_domains
 *    and ap_config;
 *  - the non-default AP queue driver vfio_ap, with the queue's status file
 *    and the in-use answer the AP bus asks before a mask write.
 *
 * Every check runs in the kernel's order; a refused write changes nothing.
 */
#include "ap.h"
#include "ap_bus.h"
#include "css.h"
#include "mdev.h"
#include "vfio_ap.h"

#include "../sim.h"
#include "../topology.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VFIO_AP_MAX_INSTANCES 65536	/* MAX_ZDEV_ENTRIES_EXT: 256 x 256 */

struct vfio_ap_matrix {
	struct ap_mask apm, aqm, adm;
};

/* ap_matrix_mdev */
struct vfio_ap_mdev {
	struct vfio_ap *va;
	struct mdev_device *mdev;
	struct vfio_ap_matrix matrix;
	struct vfio_ap_matrix shadow;	/* what a guest gets (or would get) */
	bool guest_attached;
	uint64_t seq;			/* creation order, for naming the first holder */
	struct list_head node;		/* in vfio_ap::mdevs, creation order */
};

struct vfio_ap {
	struct sim *sim;
	struct ap_bus *ap;
	struct module *mod;
	struct device root;		/* /sys/devices/vfio_ap */
	struct bus_type matrix_bus;
	struct device_driver matrix_drv;
	struct device matrix_dev;
	struct ap_driver queue_drv;
	struct mdev_driver mdev_drv;
	struct mdev_parent parent;
	bool parent_registered;
	struct mdev_type type;
	struct mdev_type *types[1];
	struct list_head mdevs;
	uint64_t next_seq;
	/*
	 * The mdev whose matrix holds each APQN (adapter * 256 + domain).  The
	 * checks keep an APQN in at most one matrix, so one owner suffices, and
	 * the sharing check costs the size of the new matrix, not the number of
	 * mdevs (a host may have thousands).
	 */
	struct vfio_ap_mdev **owner;
};

static bool kv_at_least(const struct sim *sim, unsigned int a, unsigned int b)
{
	return sim->kernel_version >= KERNEL_VERSION(a, b, 0);
}

static struct vfio_ap_mdev *dev_to_mdev_state(void *obj)
{
	return to_mdev_device(obj)->vendor_data;
}

static bool masks_intersect(const struct ap_mask *a, const struct ap_mask *b)
{
	for (size_t i = 0; i < sizeof(a->b); i++)
		if (a->b[i] & b->b[i])
			return true;
	return false;
}

static void mask_and(struct ap_mask *out, const struct ap_mask *a, const struct ap_mask *b)
{
	for (size_t i = 0; i < sizeof(out->b); i++)
		out->b[i] = a->b[i] & b->b[i];
}

/* ---- queues --------------------------------------------------------------- */

static bool queue_bound_to_vfio_ap(struct vfio_ap *va, unsigned int apid, unsigned int apqi)
{
	struct ap_queue *q = ap_find_queue(va->ap, apid, apqi);

	return q && q->dev.driver == &va->queue_drv.driver;
}

/* vfio_ap_mdev_for_queue(): the mdev whose matrix holds the APQN (at most one). */
static struct vfio_ap_mdev *mdev_for_apqn(struct vfio_ap *va, unsigned int apid, unsigned int apqi)
{
	struct vfio_ap_mdev *m;

	list_for_each_entry(m, &va->mdevs, node)
		if (ap_mask_test(&m->matrix.apm, apid) && ap_mask_test(&m->matrix.aqm, apqi))
			return m;
	return NULL;
}

/* ---- the shadow APCB (guest_matrix) --------------------------------------- */

/*
 * vfio_ap_mdev_filter_matrix(): the assigned ids that are in the host's
 * configuration, minus every adapter one of whose queues (over the
 * remaining domains) is not bound to vfio_ap.  Domains never drop out for
 * that reason.
 */
static void vfio_ap_filter_matrix(struct vfio_ap_mdev *m)
{
	struct vfio_ap *va = m->va;
	unsigned int apid, apqi;

	mask_and(&m->shadow.apm, &m->matrix.apm, &va->ap->apm_cfg);
	mask_and(&m->shadow.aqm, &m->matrix.aqm, &va->ap->aqm_cfg);
	ap_mask_for_each(apid, &m->shadow.apm) {
		ap_mask_for_each(apqi, &m->shadow.aqm) {
			if (!queue_bound_to_vfio_ap(va, apid, apqi)) {
				ap_mask_clear(&m->shadow.apm, apid);
				break;
			}
		}
	}
}

/* vfio_ap_mdev_filter_cdoms(): the assigned control domains the host has. */
static void vfio_ap_filter_cdoms(struct vfio_ap_mdev *m)
{
	mask_and(&m->shadow.adm, &m->matrix.adm, &m->va->ap->adm_cfg);
}

/* ---- validation ----------------------------------------------------------- */

/* Record @m as the owner of every APQN of @mx (or forget it: @m NULL, owner @was). */
static void owner_set(struct vfio_ap *va, const struct vfio_ap_matrix *mx, struct vfio_ap_mdev *was,
		      struct vfio_ap_mdev *m)
{
	unsigned int a, d;

	ap_mask_for_each(a, &mx->apm)
		ap_mask_for_each(d, &mx->aqm)
			if (va->owner[a * AP_MASK_BITS + d] == was)
				va->owner[a * AP_MASK_BITS + d] = m;
}

/* The matrix of @m changes from @old to its current value. */
static void owner_update(struct vfio_ap_mdev *m, const struct vfio_ap_matrix *old)
{
	owner_set(m->va, old, m, NULL);
	owner_set(m->va, &m->matrix, NULL, m);
}

/*
 * vfio_ap_mdev_verify_no_sharing(): overlap only when both sets intersect.
 * The kernel walks the mdevs in creation order and stops at the first one
 * that overlaps; the owner table finds the same one.
 */
static int vfio_ap_verify_no_sharing(struct vfio_ap *va, const struct vfio_ap_mdev *self,
				     const struct ap_mask *apm, const struct ap_mask *aqm,
				     struct vfio_ap_conflict *why)
{
	struct vfio_ap_mdev *other = NULL;
	unsigned int a, d;

	ap_mask_for_each(a, apm) {
		ap_mask_for_each(d, aqm) {
			struct vfio_ap_mdev *o = va->owner[a * AP_MASK_BITS + d];

			if (o && o != self && (!other || o->seq < other->seq))
				other = o;
		}
	}
	if (!other)
		return 0;
	if (why) {
		struct ap_mask ca, cq;

		mask_and(&ca, apm, &other->matrix.apm);
		mask_and(&cq, aqm, &other->matrix.aqm);
		why->apid = ap_mask_next(&ca, 0);
		why->apqi = ap_mask_next(&cq, 0);
		why->has_holder = true;
		memcpy(why->holder, other->mdev->uuid, 16);
	}
	return -EADDRINUSE;
}

int vfio_ap_validate_matrix(struct sim *sim, const struct vfio_ap_mdev *self,
			    const struct ap_mask *apm, const struct ap_mask *aqm,
			    struct vfio_ap_conflict *why)
{
	struct vfio_ap *va = sim->vfio_ap;
	unsigned int apid, apqi;

	if (!va)
		return -ENODEV;
	if (ap_apqn_in_matrix_owned_by_def_drv(va->ap, apm, aqm, &apid, &apqi)) {
		if (why) {
			why->apid = apid;
			why->apqi = apqi;
			why->has_holder = false;
		}
		return -EADDRNOTAVAIL;
	}
	return vfio_ap_verify_no_sharing(va, self, apm, aqm, why);
}

/*
 * Before 6.0 every APQN an assignment creates had to be bound to vfio_ap
 * already (with no domains yet: at least one queue of the adapter).
 */
static int vfio_ap_verify_reserved_pre60(struct vfio_ap_mdev *m, enum vfio_ap_res res,
					 unsigned long id, struct vfio_ap_conflict *why)
{
	struct vfio_ap *va = m->va;
	const struct ap_mask *others = res == VFIO_AP_ADAPTER ? &m->matrix.aqm : &m->matrix.apm;
	unsigned int other;

	if (ap_mask_empty(others)) {
		for (other = 0; other < AP_MASK_BITS; other++)
			if (res == VFIO_AP_ADAPTER ? queue_bound_to_vfio_ap(va, (unsigned int)id, other) :
						     queue_bound_to_vfio_ap(va, other, (unsigned int)id))
				return 0;
		if (why) {
			why->apid = res == VFIO_AP_ADAPTER ? (unsigned int)id : AP_MASK_BITS;
			why->apqi = res == VFIO_AP_ADAPTER ? AP_MASK_BITS : (unsigned int)id;
			why->has_holder = false;
		}
		return -EADDRNOTAVAIL;
	}
	ap_mask_for_each(other, others) {
		unsigned int apid = res == VFIO_AP_ADAPTER ? (unsigned int)id : other;
		unsigned int apqi = res == VFIO_AP_ADAPTER ? other : (unsigned int)id;

		if (!queue_bound_to_vfio_ap(va, apid, apqi)) {
			if (why) {
				why->apid = apid;
				why->apqi = apqi;
				why->has_holder = false;
			}
			return -EADDRNOTAVAIL;
		}
	}
	return 0;
}

/* ---- assignments ---------------------------------------------------------- */

static unsigned long res_max(const struct vfio_ap_mdev *m, enum vfio_ap_res res)
{
	return res == VFIO_AP_ADAPTER ? m->va->ap->max_adapter_id : m->va->ap->max_domain_id;
}

static struct ap_mask *res_mask(struct vfio_ap_matrix *mx, enum vfio_ap_res res)
{
	return res == VFIO_AP_ADAPTER ? &mx->apm : res == VFIO_AP_DOMAIN ? &mx->aqm : &mx->adm;
}

int vfio_ap_mdev_assign(struct vfio_ap_mdev *m, enum vfio_ap_res res, unsigned long id,
			struct vfio_ap_conflict *why)
{
	struct sim *sim = m->va->sim;
	struct vfio_ap_matrix new = m->matrix;
	int err;

	if (id > res_max(m, res))
		return -ENODEV;
	if (ap_mask_test(res_mask(&m->matrix, res), (unsigned int)id) && kv_at_least(sim, 6, 0))
		return 0;
	ap_mask_set(res_mask(&new, res), (unsigned int)id);
	if (res == VFIO_AP_CONTROL_DOMAIN) {
		/* No mask and no sharing check: control domains may be shared. */
		m->matrix = new;
		vfio_ap_filter_cdoms(m);
		return 0;
	}
	if (kv_at_least(sim, 6, 0)) {
		err = vfio_ap_validate_matrix(sim, m, &new.apm, &new.aqm, why);
	} else {
		err = vfio_ap_verify_reserved_pre60(m, res, id, why);
		if (!err)
			err = vfio_ap_verify_no_sharing(m->va, m, &new.apm, &new.aqm, why);
	}
	if (err)
		return err;
	{
		struct vfio_ap_matrix was = m->matrix;

		m->matrix = new;
		owner_update(m, &was);
	}
	vfio_ap_filter_matrix(m);
	return 0;
}

/* Unassigning unplugs the id from the guest's configuration; no other check. */
int vfio_ap_mdev_unassign(struct vfio_ap_mdev *m, enum vfio_ap_res res, unsigned long id)
{
	struct vfio_ap_matrix was;

	if (id > res_max(m, res))
		return -ENODEV;
	was = m->matrix;
	if (!ap_mask_test(res_mask(&m->matrix, res), (unsigned int)id))
		return 0;
	ap_mask_clear(res_mask(&m->matrix, res), (unsigned int)id);
	owner_update(m, &was);
	ap_mask_clear(res_mask(&m->shadow, res), (unsigned int)id);
	return 0;
}

static bool mask_above(const struct ap_mask *m, unsigned long max)
{
	return max + 1 < AP_MASK_BITS && ap_mask_next(m, (unsigned int)max + 1) < AP_MASK_BITS;
}

/* ap_config_store(): the new matrix is validated whole, then the id ranges. */
int vfio_ap_mdev_set_config(struct vfio_ap_mdev *m, const struct ap_mask *apm,
			    const struct ap_mask *aqm, const struct ap_mask *adm,
			    struct vfio_ap_conflict *why)
{
	int err = vfio_ap_validate_matrix(m->va->sim, m, apm, aqm, why);

	if (err)
		return err;
	if (mask_above(apm, res_max(m, VFIO_AP_ADAPTER)) ||
	    mask_above(aqm, res_max(m, VFIO_AP_DOMAIN)) ||
	    mask_above(adm, res_max(m, VFIO_AP_CONTROL_DOMAIN)))
		return -ENODEV;
	{
		struct vfio_ap_matrix was = m->matrix;

		m->matrix.apm = *apm;
		m->matrix.aqm = *aqm;
		m->matrix.adm = *adm;
		owner_update(m, &was);
	}
	vfio_ap_filter_matrix(m);
	vfio_ap_filter_cdoms(m);
	return 0;
}

/* ---- mdev attributes ------------------------------------------------------ */

/* Before 6.0 nothing could change under a running guest. */
static ssize_t store_id(void *obj, const char *buf, size_t len, enum vfio_ap_res res, bool assign)
{
	struct vfio_ap_mdev *m = dev_to_mdev_state(obj);
	unsigned long id;
	int err;

	if (m->guest_attached && !kv_at_least(m->va->sim, 6, 0))
		return -EBUSY;
	err = kstrtoul(buf, len, 0, &id);
	if (err)
		return err;
	err = assign ? vfio_ap_mdev_assign(m, res, id, NULL) : vfio_ap_mdev_unassign(m, res, id);
	return err ? err : (ssize_t)len;
}

static ssize_t assign_adapter_store(void *obj, const char *buf, size_t len)
{
	return store_id(obj, buf, len, VFIO_AP_ADAPTER, true);
}

static ssize_t unassign_adapter_store(void *obj, const char *buf, size_t len)
{
	return store_id(obj, buf, len, VFIO_AP_ADAPTER, false);
}

static ssize_t assign_domain_store(void *obj, const char *buf, size_t len)
{
	return store_id(obj, buf, len, VFIO_AP_DOMAIN, true);
}

static ssize_t unassign_domain_store(void *obj, const char *buf, size_t len)
{
	return store_id(obj, buf, len, VFIO_AP_DOMAIN, false);
}

static ssize_t assign_control_domain_store(void *obj, const char *buf, size_t len)
{
	return store_id(obj, buf, len, VFIO_AP_CONTROL_DOMAIN, true);
}

static ssize_t unassign_control_domain_store(void *obj, const char *buf, size_t len)
{
	return store_id(obj, buf, len, VFIO_AP_CONTROL_DOMAIN, false);
}

/*
 * One "%02x.%04x" line per APQN (adapters outer), or "%02x." per adapter,
 * or ".%04x" per domain; nothing at all when both are empty.  The kernel
 * does not bound this; sysfs cuts a page's worth at PAGE_SIZE - 1 bytes.
 */
static ssize_t matrix_show_common(const struct vfio_ap_matrix *mx, char *buf)
{
	char line[16];
	size_t n = 0;
	unsigned int apid, apqi;
	bool has_apm = !ap_mask_empty(&mx->apm), has_aqm = !ap_mask_empty(&mx->aqm);

#define EMIT(...)                                                                     \
	do {                                                                          \
		int l_ = snprintf(line, sizeof(line), __VA_ARGS__);                   \
		if (n + (size_t)l_ > SYSFS_PAGE_SIZE - 1) {                           \
			memcpy(buf + n, line, SYSFS_PAGE_SIZE - 1 - n);               \
			return SYSFS_PAGE_SIZE - 1;                                   \
		}                                                                     \
		memcpy(buf + n, line, (size_t)l_);                                    \
		n += (size_t)l_;                                                      \
	} while (0)

	if (has_apm && has_aqm) {
		ap_mask_for_each(apid, &mx->apm)
			ap_mask_for_each(apqi, &mx->aqm)
				EMIT("%02x.%04x\n", apid, apqi);
	} else if (has_apm) {
		ap_mask_for_each(apid, &mx->apm)
			EMIT("%02x.\n", apid);
	} else if (has_aqm) {
		ap_mask_for_each(apqi, &mx->aqm)
			EMIT(".%04x\n", apqi);
	}
#undef EMIT
	return (ssize_t)n;
}

static ssize_t matrix_show(void *obj, char *buf)
{
	return matrix_show_common(&dev_to_mdev_state(obj)->matrix, buf);
}

static ssize_t guest_matrix_show(void *obj, char *buf)
{
	return matrix_show_common(&dev_to_mdev_state(obj)->shadow, buf);
}

static ssize_t control_domains_show(void *obj, char *buf)
{
	struct vfio_ap_mdev *m = dev_to_mdev_state(obj);
	unsigned int id;
	ssize_t n = 0;

	ap_mask_for_each(id, &m->matrix.adm)
		n += sprintf(buf + n, "%04x\n", id);
	return n;
}

static ssize_t ap_config_show(void *obj, char *buf)
{
	struct vfio_ap_mdev *m = dev_to_mdev_state(obj);
	char apm[AP_MASK_STRLEN + 1], aqm[AP_MASK_STRLEN + 1], adm[AP_MASK_STRLEN + 1];

	ap_mask_format(&m->matrix.apm, apm);
	ap_mask_format(&m->matrix.aqm, aqm);
	ap_mask_format(&m->matrix.adm, adm);
	return sprintf(buf, "%s,%s,%s\n", apm, aqm, adm);
}

static ssize_t ap_config_store(void *obj, const char *buf, size_t len)
{
	struct vfio_ap_mdev *m = dev_to_mdev_state(obj);
	struct ap_mask apm, aqm, adm;
	int err = ap_parse_config(buf, len, &apm, &aqm, &adm);

	if (err)
		return err;
	err = vfio_ap_mdev_set_config(m, &apm, &aqm, &adm, NULL);
	return err ? err : (ssize_t)len;
}

static const struct kn_attr mdev_attr_assign_adapter = __ATTR_WO(assign_adapter);
static const struct kn_attr mdev_attr_unassign_adapter = __ATTR_WO(unassign_adapter);
static const struct kn_attr mdev_attr_assign_domain = __ATTR_WO(assign_domain);
static const struct kn_attr mdev_attr_unassign_domain = __ATTR_WO(unassign_domain);
static const struct kn_attr mdev_attr_assign_control_domain = __ATTR_WO(assign_control_domain);
static const struct kn_attr mdev_attr_unassign_control_domain = __ATTR_WO(unassign_control_domain);
static const struct kn_attr mdev_attr_control_domains = __ATTR_RO(control_domains);
static const struct kn_attr mdev_attr_matrix = __ATTR_RO(matrix);
static const struct kn_attr mdev_attr_guest_matrix = __ATTR_RO(guest_matrix);
static const struct kn_attr mdev_attr_ap_config = __ATTR_RW(ap_config);

static const struct kn_attr *const vfio_ap_mdev_attrs[] = {
	&mdev_attr_assign_adapter, &mdev_attr_unassign_adapter, &mdev_attr_assign_domain,
	&mdev_attr_unassign_domain, &mdev_attr_assign_control_domain,
	&mdev_attr_unassign_control_domain, &mdev_attr_control_domains, &mdev_attr_matrix,
	&mdev_attr_guest_matrix, &mdev_attr_ap_config, NULL,
};

/* guest_matrix came with the dynamic configuration (6.0), ap_config with 6.9. */
static uint16_t vfio_ap_mdev_attr_visible(void *obj, const struct kn_attr *attr)
{
	struct device *dev = obj;

	if (attr == &mdev_attr_guest_matrix && !kv_at_least(dev->sim, 6, 0))
		return 0;
	if (attr == &mdev_attr_ap_config && !kv_at_least(dev->sim, 6, 9))
		return 0;
	return attr->mode;
}

static const struct attr_group vfio_ap_mdev_group = {
	.attrs = vfio_ap_mdev_attrs, .is_visible = vfio_ap_mdev_attr_visible,
};
static const struct attr_group *const vfio_ap_mdev_groups[] = { &vfio_ap_mdev_group, NULL };

/* ---- the mdev driver ------------------------------------------------------ */

static int vfio_ap_mdev_probe(struct mdev_device *mdev)
{
	struct vfio_ap *va = mdev->dev.sim->vfio_ap;
	struct vfio_ap_mdev *m = calloc(1, sizeof(*m));
	int err;

	if (!m)
		return -ENOMEM;
	m->va = va;
	m->mdev = mdev;
	err = mdev_vfio_probe(mdev);
	if (err) {
		free(m);
		return err;
	}
	mdev->vendor_data = m;
	m->seq = ++va->next_seq;
	list_add_tail(&m->node, &va->mdevs);
	return 0;
}

/* Before ~5.15 the vendor's remove came first: refused while a guest runs. */
static int vfio_ap_mdev_may_remove(struct mdev_device *mdev)
{
	struct vfio_ap_mdev *m = mdev->vendor_data;

	return m && m->guest_attached ? -EBUSY : 0;
}

/* vfio_ap_mdev_open_device(): the guest's KVM is set, its queues read "in use". */
static int vfio_ap_mdev_open_device(struct mdev_device *mdev)
{
	struct vfio_ap_mdev *m = mdev->vendor_data;

	if (!m)
		return -ENODEV;
	m->guest_attached = true;
	return 0;
}

static void vfio_ap_mdev_close_device(struct mdev_device *mdev)
{
	struct vfio_ap_mdev *m = mdev->vendor_data;

	if (m)
		m->guest_attached = false;
}

/* The queues it held are unlinked (and reset): they read "unassigned" again. */
static void vfio_ap_mdev_remove(struct mdev_device *mdev)
{
	struct vfio_ap_mdev *m = mdev->vendor_data;

	mdev_vfio_remove(mdev);
	if (!m)
		return;
	owner_set(m->va, &m->matrix, m, NULL);
	list_del_init(&m->node);
	mdev->vendor_data = NULL;
	free(m);
}

/* ---- the queue driver ----------------------------------------------------- */

static struct vfio_ap *queue_to_va(struct device *dev)
{
	return dev->sim->vfio_ap;
}

/* vfio_ap_mdev_probe_queue(): link to the mdev holding the APQN, refresh its guest view. */
static int vfio_ap_queue_probe(struct device *dev)
{
	struct vfio_ap *va = queue_to_va(dev);
	struct ap_queue *q = to_ap_queue(dev);
	struct vfio_ap_mdev *m = mdev_for_apqn(va, q->card->id, q->domain);

	if (m && kv_at_least(va->sim, 6, 0))
		vfio_ap_filter_matrix(m);
	return 0;
}

/* A queue leaving vfio_ap takes its whole adapter out of the guest's view. */
static void vfio_ap_queue_remove(struct device *dev)
{
	struct vfio_ap *va = queue_to_va(dev);
	struct ap_queue *q = to_ap_queue(dev);
	struct vfio_ap_mdev *m = mdev_for_apqn(va, q->card->id, q->domain);

	if (m && ap_mask_test(&m->shadow.apm, q->card->id) && ap_mask_test(&m->shadow.aqm, q->domain))
		ap_mask_clear(&m->shadow.apm, q->card->id);
}

/* vfio_ap_mdev_resource_in_use(): is any APQN of apm x aqm in some mdev's matrix? */
static bool vfio_ap_in_use(struct sim *sim, const struct ap_mask *apm, const struct ap_mask *aqm)
{
	struct vfio_ap *va = sim->vfio_ap;
	struct vfio_ap_mdev *m;

	if (!va)
		return false;
	list_for_each_entry(m, &va->mdevs, node)
		if (masks_intersect(apm, &m->matrix.apm) && masks_intersect(aqm, &m->matrix.aqm))
			return true;
	return false;
}

static ssize_t status_show(void *obj, char *buf)
{
	struct device *dev = obj;
	struct ap_queue *q = to_ap_queue(dev);
	struct vfio_ap_mdev *m = mdev_for_apqn(queue_to_va(dev), q->card->id, q->domain);

	if (!m)
		return sprintf(buf, "unassigned\n");
	if (m->guest_attached && ap_mask_test(&m->shadow.apm, q->card->id) &&
	    ap_mask_test(&m->shadow.aqm, q->domain))
		return sprintf(buf, "in use\n");
	return sprintf(buf, "assigned\n");
}

static const struct kn_attr vfio_queue_attr_status = __ATTR_RO(status);
static const struct kn_attr *const vfio_queue_attrs[] = { &vfio_queue_attr_status, NULL };
static const struct attr_group vfio_queue_group = { .attrs = vfio_queue_attrs };
static const struct attr_group *const vfio_queue_groups[] = { &vfio_queue_group, NULL };

/* ---- the matrix device ---------------------------------------------------- */

static ssize_t features_show(void *obj, char *buf)
{
	return sprintf(buf, "guest_matrix hotplug ap_config\n");
}

static const struct kn_attr matrix_attr_features = __ATTR_RO(features);
static const struct kn_attr *const matrix_attrs[] = { &matrix_attr_features, NULL };

static uint16_t matrix_attr_visible(void *obj, const struct kn_attr *attr)
{
	struct device *dev = obj;

	return kv_at_least(dev->sim, 6, 12) ? attr->mode : 0;
}

static const struct attr_group matrix_group = {
	.attrs = matrix_attrs, .is_visible = matrix_attr_visible,
};
static const struct attr_group *const matrix_groups[] = { &matrix_group, NULL };

/* A bus without a match callback matches every driver. */
static int matrix_bus_match(struct device *dev, struct device_driver *drv)
{
	return 1;
}

/* ---- insmod / rmmod ------------------------------------------------------- */

int vfio_ap_init(struct sim *sim)
{
	struct ap_bus *ap = ap_bus_get(sim);
	struct vfio_ap *va;
	int err;

	/* No AP instructions, nothing to pass through. */
	if (!ap || !sim->mdev || !sim->vfio)
		return -ENODEV;
	if (sim->vfio_ap)
		return -EEXIST;
	va = calloc(1, sizeof(*va));
	if (!va)
		return -ENOMEM;
	va->sim = sim;
	va->ap = ap;
	INIT_LIST_HEAD(&va->mdevs);
	va->owner = calloc(AP_MASK_BITS * AP_MASK_BITS, sizeof(*va->owner));
	va->mod = va->owner ? module_load(sim, "vfio_ap", 36864) : NULL;
	if (!va->mod) {
		free(va->owner);
		free(va);
		return -ENOMEM;
	}
	sim->vfio_ap = va;

	/* root_device_register() from a module links the module. */
	device_initialize(&va->root, sim, "vfio_ap");
	err = device_add(&va->root);
	if (err)
		goto fail;
	err = -ENOMEM;
	if (!kernfs_create_link(&sim->kfs, va->root.dir, "module", va->mod->dir))
		goto fail;

	va->matrix_bus.name = "matrix";
	va->matrix_bus.match = matrix_bus_match;
	err = bus_register(sim, &va->matrix_bus);
	if (err)
		goto fail;
	va->matrix_drv.name = "vfio_ap";
	va->matrix_drv.bus = &va->matrix_bus;
	va->matrix_drv.owner = va->mod;
	va->matrix_drv.no_module_link = true;
	va->matrix_drv.suppress_bind_attrs = true;
	err = driver_register(&va->matrix_drv);
	if (err)
		goto fail;
	device_initialize(&va->matrix_dev, sim, "matrix");
	va->matrix_dev.parent = &va->root;
	va->matrix_dev.bus = &va->matrix_bus;
	va->matrix_dev.groups = matrix_groups;
	err = device_add(&va->matrix_dev);
	if (err)
		goto fail;

	va->queue_drv.driver.name = "vfio_ap";
	va->queue_drv.driver.owner = va->mod;
	va->queue_drv.driver.dev_groups = vfio_queue_groups;
	va->queue_drv.probe = vfio_ap_queue_probe;
	va->queue_drv.remove = vfio_ap_queue_remove;
	va->queue_drv.in_use = vfio_ap_in_use;
	err = ap_driver_register(ap, &va->queue_drv);
	if (err)
		goto fail;

	va->mdev_drv.driver.name = "vfio_ap_mdev";
	va->mdev_drv.driver.owner = va->mod;
	va->mdev_drv.driver.dev_groups = vfio_ap_mdev_groups;
	va->mdev_drv.probe = vfio_ap_mdev_probe;
	va->mdev_drv.remove = vfio_ap_mdev_remove;
	va->mdev_drv.may_remove = vfio_ap_mdev_may_remove;
	va->mdev_drv.open_device = vfio_ap_mdev_open_device;
	va->mdev_drv.close_device = vfio_ap_mdev_close_device;
	err = mdev_register_driver(sim, &va->mdev_drv);
	if (err)
		goto fail;
	va->type.sysfs_name = "passthrough";
	va->type.pretty_name = "VFIO AP Passthrough Device";
	va->type.device_api = "vfio-ap";
	va->types[0] = &va->type;
	va->parent.available_instances = VFIO_AP_MAX_INSTANCES;
	err = mdev_register_parent(sim, &va->parent, &va->matrix_dev, &va->mdev_drv, va->types, 1);
	if (err)
		goto fail;
	va->parent_registered = true;
	return 0;
fail:
	vfio_ap_exit(sim);
	return err;
}

/*
 * rmmod vfio_ap: the mdevs go (the parent unregisters), then the queues it
 * drives are released and stay without a driver, then the matrix device,
 * its bus and the root device.
 */
void vfio_ap_exit(struct sim *sim)
{
	struct vfio_ap *va = sim->vfio_ap;

	if (!va)
		return;
	if (va->parent_registered)
		mdev_unregister_parent(&va->parent);
	va->parent_registered = false;
	mdev_unregister_driver(&va->mdev_drv);
	ap_driver_unregister(&va->queue_drv);
	if (va->matrix_dev.name)
		device_unregister(&va->matrix_dev);
	driver_unregister(&va->matrix_drv);
	bus_unregister(&va->matrix_bus);
	if (va->root.name)
		device_unregister(&va->root);
	module_unload(va->mod);
	sim->vfio_ap = NULL;
	free(va->owner);
	free(va);
}

/* ---- lookups and the guest hook ------------------------------------------- */

struct vfio_ap_mdev *vfio_ap_find_mdev(struct sim *sim, const uint8_t uuid[16])
{
	struct vfio_ap *va = sim->vfio_ap;
	struct vfio_ap_mdev *m;

	if (!va)
		return NULL;
	list_for_each_entry(m, &va->mdevs, node)
		if (!memcmp(m->mdev->uuid, uuid, 16))
			return m;
	return NULL;
}

int vfio_ap_set_guest_attached(struct sim *sim, const uint8_t uuid[16], bool attached)
{
	struct vfio_ap_mdev *m = vfio_ap_find_mdev(sim, uuid);

	if (!m)
		return -ENODEV;
	m->guest_attached = attached;
	return 0;
}

/*
 * vfio_ap_on_cfg_changed() / vfio_ap_on_scan_complete(): adapters and
 * domains that left the host's configuration leave every shadow (the guest
 * loses them), those that came back return where the matrix has them and
 * their queues are bound.  Nothing changes before the dynamic configuration
 * (6.0).
 */
void vfio_ap_on_config_changed(struct sim *sim)
{
	struct vfio_ap *va = sim->vfio_ap;
	struct vfio_ap_mdev *m;

	if (!va || !kv_at_least(sim, 6, 0))
		return;
	list_for_each_entry(m, &va->mdevs, node) {
		vfio_ap_filter_matrix(m);
		vfio_ap_filter_cdoms(m);
	}
}

/* ---- topology mdevs ------------------------------------------------------- */

static const char *const res_field[] = { "adapters", "domains", "control_domains" };
static const char *const res_file[] = { "assign_adapter", "assign_domain", "assign_control_domain" };

static void explain_refusal(char *buf, size_t size, int err, const struct vfio_ap_conflict *why,
			    const struct vfio_ap *va)
{
	char holder[37];

	switch (err) {
	case -ENODEV:
		snprintf(buf, size, "the id is above the maximum (ap_max_adapter_id %u, ap_max_domain_id %u)",
			 va->ap->max_adapter_id, va->ap->max_domain_id);
		break;
	case -EADDRNOTAVAIL:
		if (why->apid >= AP_MASK_BITS || why->apqi >= AP_MASK_BITS)
			snprintf(buf, size, "no queue of it is bound to vfio_ap");
		else if (ap_owned_by_def_drv(va->ap, why->apid, why->apqi))
			snprintf(buf, size, "APQN %02x.%04x still belongs to the host (apmask/aqmask)",
				 why->apid, why->apqi);
		else
			snprintf(buf, size, "queue %02x.%04x is not bound to vfio_ap", why->apid,
				 why->apqi);
		break;
	case -EADDRINUSE:
		uuid_format(why->holder, holder);
		snprintf(buf, size, "APQN %02x.%04x is already assigned to %s", why->apid, why->apqi,
			 holder);
		break;
	default:
		snprintf(buf, size, "%s", strerror(-err));
	}
}

static int create_matrix_mdev(struct sim *sim, const struct topology *topo, unsigned int i,
			      char *err, size_t errlen)
{
	const struct topo_mdev *t = &topo->mdevs[i];
	struct vfio_ap *va = sim->vfio_ap;
	const struct ap_mask *sets[3] = { &t->adapters, &t->domains, &t->control_domains };
	struct vfio_ap_mdev *m;
	char uuid[37];
	int rc;

	uuid_format(t->uuid, uuid);
	if (!va) {
		snprintf(err, errlen, "%s: mdevs[%u].parent: matrix: vfio_ap is not loaded (%s)",
			 topo->source, i, topo->ap.present ? "modules.vfio_ap is false" :
			 "the topology has no ap section");
		return -EINVAL;
	}
	rc = mdev_device_create(&va->type, t->uuid);
	if (rc) {
		snprintf(err, errlen, "%s: mdevs[%u]: cannot create %s on matrix: %s", topo->source, i,
			 uuid, strerror(-rc));
		return rc;
	}
	m = vfio_ap_find_mdev(sim, t->uuid);
	if (!m)
		return -ENODEV;
	for (int r = VFIO_AP_ADAPTER; r <= VFIO_AP_CONTROL_DOMAIN; r++) {
		unsigned int id;

		ap_mask_for_each(id, sets[r]) {
			struct vfio_ap_conflict why = { .apid = AP_MASK_BITS, .apqi = AP_MASK_BITS };
			char reason[160];

			rc = vfio_ap_mdev_assign(m, (enum vfio_ap_res)r, id, &why);
			if (!rc)
				continue;
			explain_refusal(reason, sizeof(reason), rc, &why, va);
			snprintf(err, errlen, "%s: mdevs[%u].%s: %s of %u (0x%02x) to %s refused with %s: %s",
				 topo->source, i, res_field[r], res_file[r], id, id, uuid,
				 strerror(-rc), reason);
			return rc;
		}
	}
	return 0;
}

/* The vfio_ccw type of a subchannel vfio_ccw drives, through its create file. */
static struct mdev_type *ccw_parent_type(struct sim *sim, struct subchannel *sch)
{
	struct kn *types = kernfs_find(&sim->kfs, sch->dev.dir, "mdev_supported_types");
	struct kn *create;

	if (!types || !types->dir.first)
		return NULL;
	create = kernfs_find(&sim->kfs, types->dir.first, "create");
	return create && create->type == KN_ATTR ? create->attr.obj : NULL;
}

static int create_ccw_mdev(struct sim *sim, const struct topology *topo, unsigned int i,
			   char *err, size_t errlen)
{
	const struct topo_mdev *t = &topo->mdevs[i];
	struct subchannel *sch = NULL;
	struct mdev_type *type;
	char uuid[37];
	int rc;

	uuid_format(t->uuid, uuid);
	for (unsigned int k = 0; sim->css && k < sim->css->nr_sch; k++)
		if (!strcmp(sim->css->sch[k]->dev.name, t->parent))
			sch = sim->css->sch[k];
	if (!sch) {
		snprintf(err, errlen, "%s: mdevs[%u].parent: %s is neither \"matrix\" nor a subchannel of the topology",
			 topo->source, i, t->parent);
		return -EINVAL;
	}
	if (!ap_mask_empty(&t->adapters) || !ap_mask_empty(&t->domains) ||
	    !ap_mask_empty(&t->control_domains)) {
		snprintf(err, errlen, "%s: mdevs[%u]: adapters, domains and control_domains belong to vfio_ap mdevs (parent \"matrix\"), not to subchannel %s",
			 topo->source, i, t->parent);
		return -EINVAL;
	}
	if (!sch->dev.driver || strcmp(sch->dev.driver->name, "vfio_ccw") ||
	    !(type = ccw_parent_type(sim, sch))) {
		snprintf(err, errlen, "%s: mdevs[%u].parent: subchannel %s is not bound to vfio_ccw (driver: %s)",
			 topo->source, i, t->parent, sch->dev.driver ? sch->dev.driver->name : "none");
		return -EINVAL;
	}
	rc = mdev_device_create(type, t->uuid);
	if (rc) {
		snprintf(err, errlen, "%s: mdevs[%u]: cannot create %s on %s: %s", topo->source, i, uuid,
			 t->parent, strerror(-rc));
		return rc;
	}
	return 0;
}

int vfio_ap_create_topology_mdevs(struct sim *sim, const struct topology *topo, char *err,
				  size_t errlen)
{
	for (unsigned int i = 0; i < topo->nr_mdevs; i++) {
		int rc = !strcmp(topo->mdevs[i].parent, "matrix") ?
			 create_matrix_mdev(sim, topo, i, err, errlen) :
			 create_ccw_mdev(sim, topo, i, err, errlen);

		if (rc)
			return rc;
	}
	return 0;
}
