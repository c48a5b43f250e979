// SPDX-License-Identifier: MIT
/*
 * The AP bus (drivers/s390/crypto/ap_bus.c) as user space sees it: the
 * bus attributes of /sys/bus/ap, the apmask/aqmask ownership of APQNs by
 * the default drivers, the gating of queue probes by those masks, the
 * synchronous re-binding after a mask change, and the root device
 * /sys/devices/ap with the cards and queues of the topology below it.
 *
 * The AP bus is built into the kernel; the drivers come later (zcrypt.c,
 * vfio_ap.c).  Everything runs under the model lock.
 */
#include "ap.h"
#include "ap_bus.h"

#include "../sim.h"
#include "../topology.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AP_POLL_TIMEOUT_MAX 120000000000UL	/* 120 s in ns */

static struct ap_bus *bus_to_ap(void *obj)
{
	return container_of((struct bus_type *)obj, struct ap_bus, bus);
}

struct ap_bus *ap_bus_get(struct sim *sim)
{
	return sim->ap;
}

/* ---- ownership ------------------------------------------------------------ */

bool ap_owned_by_def_drv(const struct ap_bus *ap, unsigned int apid, unsigned int apqi)
{
	return ap_mask_test(&ap->apmask, apid) && ap_mask_test(&ap->aqmask, apqi);
}

bool ap_apqn_in_matrix_owned_by_def_drv(const struct ap_bus *ap, const struct ap_mask *apm,
					const struct ap_mask *aqm, unsigned int *apid,
					unsigned int *apqi)
{
	unsigned int a, d;

	ap_mask_for_each(a, apm) {
		if (!ap_mask_test(&ap->apmask, a))
			continue;
		ap_mask_for_each(d, aqm) {
			if (ap_mask_test(&ap->aqmask, d)) {
				if (apid)
					*apid = a;
				if (apqi)
					*apqi = d;
				return true;
			}
		}
	}
	return false;
}

struct ap_queue *ap_find_queue(struct ap_bus *ap, unsigned int apid, unsigned int apqi)
{
	struct ap_card *card = apid < AP_MASK_BITS ? ap->cards[apid] : NULL;

	return card && apqi < AP_MASK_BITS ? card->queues[apqi] : NULL;
}

/* ---- uevents -------------------------------------------------------------- */

void ap_send_online_uevent(struct device *dev, bool online)
{
	device_uevent(dev, "change", online ? "ONLINE=1" : "ONLINE=0");
}

void ap_send_config_uevent(struct device *dev, bool config)
{
	device_uevent(dev, "change", config ? "CONFIG=1" : "CONFIG=0");
}

/* The kernel puts the mask, newline included, into the variable's value. */
static void ap_send_mask_changed_uevent(struct ap_bus *ap, const char *key, const struct ap_mask *m)
{
	char hex[AP_MASK_STRLEN + 1], var[AP_MASK_STRLEN + 16];
	const char *envp[] = { var, NULL };

	ap_mask_format(m, hex);
	snprintf(var, sizeof(var), "%s=%s\n", key, hex);
	device_uevent_envp(&ap->root, "change", envp);
}

/* ---- binding bookkeeping -------------------------------------------------- */

/* ap_check_bindings_complete(): after the first scan, every queue has a driver. */
static void ap_check_bindings_complete(struct ap_bus *ap)
{
	char var[48];

	if (ap->scans < 1 || ap->nr_bound_queues != ap->nr_queues)
		return;
	snprintf(var, sizeof(var), "BINDINGS=complete\nCOMPLETECOUNT=%llu",
		 ++ap->bindings_complete_count);
	device_uevent(&ap->root, "change", var);
}

/* ---- the bus -------------------------------------------------------------- */

/* ap_bus_match(): card drivers take card devices, queue drivers queues, CEX4..CEX8. */
static int ap_bus_match(struct device *dev, struct device_driver *drv)
{
	struct ap_driver *ap_drv = to_ap_drv(drv);
	unsigned int type = is_queue_dev(dev) ? to_ap_queue(dev)->card->hwtype :
			    to_ap_card(dev)->hwtype;

	if (ap_drv->card_driver == is_queue_dev(dev))
		return 0;
	return type >= 10 && type <= 14;
}

/*
 * ap_device_probe(): a queue whose ownership (the masks) disagrees with the
 * driver's default flag is refused with ENODEV.  Cards are not gated.
 */
static int ap_bus_probe(struct device *dev)
{
	struct ap_driver *ap_drv = to_ap_drv(dev->driver);
	struct ap_bus *ap = container_of(dev->bus, struct ap_bus, bus);
	int rc;

	if (is_queue_dev(dev)) {
		struct ap_queue *q = to_ap_queue(dev);

		if (ap_owned_by_def_drv(ap, q->card->id, q->domain) != ap_drv->is_default)
			return -ENODEV;
	}
	rc = ap_drv->probe ? ap_drv->probe(dev) : -ENODEV;
	if (rc)
		return rc;
	/* A probed queue is polled: a pending reset completes. */
	if (is_queue_dev(dev)) {
		ap->nr_bound_queues++;
		ap_queue_poll(to_ap_queue(dev));
	}
	ap_check_bindings_complete(ap);
	return 0;
}

/* ap_device_remove(): the driver's remove, then the queue goes back to uninitiated. */
static void ap_bus_remove(struct device *dev)
{
	struct ap_driver *ap_drv = to_ap_drv(dev->driver);

	if (ap_drv->remove)
		ap_drv->remove(dev);
	if (is_queue_dev(dev)) {
		struct ap_queue *q = to_ap_queue(dev);

		q->card->ap->nr_bound_queues--;
		q->dev_state = AP_DEV_UNINITIATED;
		q->interrupt = false;
	}
}

/* ap_uevent(): the card's type and mode, a queue's mode (DEVTYPE and DRIVER come first). */
static int ap_bus_uevent(const struct device *dev, struct uevent_env *env)
{
	const struct ap_card *card;
	const char *mode;

	/* The root device is on the bus too (for its uevents), with nothing to add. */
	if (!dev->type)
		return 0;
	if (dev->type == &ap_queue_type) {
		card = container_of(dev, struct ap_queue, dev)->card;
	} else {
		card = container_of(dev, struct ap_card, dev);
		add_uevent_var(env, "DEV_TYPE=%04X", card->hwtype);
		add_uevent_var(env, "MODALIAS=ap:t%02X", card->hwtype);
	}
	mode = ap_mode_name(card->functions);
	if (mode)
		add_uevent_var(env, "MODE=%s", mode);
	return 0;
}

int ap_driver_register(struct ap_bus *ap, struct ap_driver *drv)
{
	drv->driver.bus = &ap->bus;
	return driver_register(&drv->driver);
}

void ap_driver_unregister(struct ap_driver *drv)
{
	driver_unregister(&drv->driver);
}

/*
 * ap_bus_revise_bindings(): every queue whose driver kind (default or not;
 * no driver counts as not) disagrees with the masks is released and probed
 * again, before the mask write returns.
 */
static void ap_bus_revise_bindings(struct ap_bus *ap)
{
	struct device *dev;

	list_for_each_entry(dev, &ap->bus.devices, bus_node) {
		struct ap_queue *q;
		struct ap_driver *drv;
		bool devres, drvres;

		if (!is_queue_dev(dev))
			continue;
		q = to_ap_queue(dev);
		drv = to_ap_drv(dev->driver);
		devres = ap_owned_by_def_drv(ap, q->card->id, q->domain);
		drvres = drv && drv->is_default;
		if (devres == drvres)
			continue;
		device_release_driver(dev);
		device_attach(dev);
	}
}

/*
 * The in-use check: only bits being *set* hand APQNs back to the default
 * drivers; any non-default driver whose users hold one of them refuses.
 */
static bool ap_reservation_refused(struct ap_bus *ap, const struct ap_mask *apm,
				   const struct ap_mask *aqm)
{
	struct device_driver *drv;

	if (ap->sim->kernel_version < KERNEL_VERSION(5, 10, 0))
		return false;
	list_for_each_entry(drv, &ap->bus.drivers, node) {
		struct ap_driver *ap_drv = to_ap_drv(drv);

		if (ap_drv->in_use && ap_drv->in_use(ap->sim, apm, aqm))
			return true;
	}
	return false;
}

static ssize_t mask_store(struct ap_bus *ap, bool adapters, const char *buf, size_t len)
{
	struct ap_mask *cur = adapters ? &ap->apmask : &ap->aqmask;
	struct ap_mask new, added;
	bool any = false;
	int err = ap_parse_mask(buf, len, cur, &new);

	if (err)
		return err;
	if (ap_mask_equal(cur, &new))
		return (ssize_t)len;
	for (size_t i = 0; i < sizeof(new.b); i++) {
		added.b[i] = (uint8_t)(new.b[i] & ~cur->b[i]);
		any |= added.b[i] != 0;
	}
	if (any && ap_reservation_refused(ap, adapters ? &added : &ap->apmask,
					  adapters ? &ap->aqmask : &added))
		return -EBUSY;
	*cur = new;
	ap_bus_revise_bindings(ap);
	ap_send_mask_changed_uevent(ap, adapters ? "APMASK" : "AQMASK", &new);
	return (ssize_t)len;
}

/* ---- bus attributes ------------------------------------------------------- */

static ssize_t show_mask(const struct ap_mask *m, char *buf)
{
	char hex[AP_MASK_STRLEN + 1];

	ap_mask_format(m, hex);
	return sprintf(buf, "%s\n", hex);
}

static ssize_t apmask_show(void *obj, char *buf)
{
	return show_mask(&bus_to_ap(obj)->apmask, buf);
}

static ssize_t apmask_store(void *obj, const char *buf, size_t len)
{
	return mask_store(bus_to_ap(obj), true, buf, len);
}

static ssize_t aqmask_show(void *obj, char *buf)
{
	return show_mask(&bus_to_ap(obj)->aqmask, buf);
}

static ssize_t aqmask_store(void *obj, const char *buf, size_t len)
{
	return mask_store(bus_to_ap(obj), false, buf, len);
}

static ssize_t ap_domain_show(void *obj, char *buf)
{
	return sprintf(buf, "%d\n", bus_to_ap(obj)->domain);
}

/* sscanf("%i"), 0..max and set in aqmask, else EINVAL. */
static ssize_t ap_domain_store(void *obj, const char *buf, size_t len)
{
	struct ap_bus *ap = bus_to_ap(obj);
	int domain;

	if (scan_int_i(buf, len, &domain) != 1 || domain < 0 ||
	    (unsigned int)domain > ap->max_domain_id || !ap_mask_test(&ap->aqmask, (unsigned int)domain))
		return -EINVAL;
	ap->domain = domain;
	return (ssize_t)len;
}

static ssize_t ap_adapter_mask_show(void *obj, char *buf)
{
	return show_mask(&bus_to_ap(obj)->apm_cfg, buf);
}

static ssize_t ap_usage_domain_mask_show(void *obj, char *buf)
{
	return show_mask(&bus_to_ap(obj)->aqm_cfg, buf);
}

static ssize_t ap_control_domain_mask_show(void *obj, char *buf)
{
	return show_mask(&bus_to_ap(obj)->adm_cfg, buf);
}

static ssize_t ap_max_adapter_id_show(void *obj, char *buf)
{
	return sprintf(buf, "%u\n", bus_to_ap(obj)->max_adapter_id);
}

static ssize_t ap_max_domain_id_show(void *obj, char *buf)
{
	return sprintf(buf, "%u\n", bus_to_ap(obj)->max_domain_id);
}

static ssize_t ap_interrupts_show(void *obj, char *buf)
{
	return sprintf(buf, "%d\n", bus_to_ap(obj)->interrupts ? 1 : 0);
}

static ssize_t config_time_show(void *obj, char *buf)
{
	return sprintf(buf, "%d\n", bus_to_ap(obj)->config_time);
}

static ssize_t config_time_store(void *obj, const char *buf, size_t len)
{
	int t;

	if (scan_int_d(buf, len, &t) != 1 || t < 5 || t > 120)
		return -EINVAL;
	bus_to_ap(obj)->config_time = t;
	return (ssize_t)len;
}

static ssize_t poll_thread_show(void *obj, char *buf)
{
	return sprintf(buf, "%d\n", bus_to_ap(obj)->poll_thread ? 1 : 0);
}

/* kstrtobool; with AP interrupts there is no poll thread to start. */
static ssize_t poll_thread_store(void *obj, const char *buf, size_t len)
{
	struct ap_bus *ap = bus_to_ap(obj);
	bool value;
	int err = kstrtobool(buf, len, &value);

	if (err)
		return err;
	if (!value)
		ap->poll_thread = false;
	else if (!ap->interrupts)
		ap->poll_thread = true;
	return (ssize_t)len;
}

static ssize_t poll_timeout_show(void *obj, char *buf)
{
	return sprintf(buf, "%lu\n", bus_to_ap(obj)->poll_timeout);
}

/* kstrtoul base 0 (its errno passes through), at most 120 s. */
static ssize_t poll_timeout_store(void *obj, const char *buf, size_t len)
{
	unsigned long value;
	int err = kstrtoul(buf, len, 0, &value);

	if (err)
		return err;
	if (value > AP_POLL_TIMEOUT_MAX)
		return -EINVAL;
	bus_to_ap(obj)->poll_timeout = value;
	return (ssize_t)len;
}

static ssize_t scans_show(void *obj, char *buf)
{
	return sprintf(buf, "%llu\n", bus_to_ap(obj)->scans);
}

/* Any write forces a synchronous rescan; the configuration here never changes. */
static ssize_t scans_store(void *obj, const char *buf, size_t len)
{
	struct ap_bus *ap = bus_to_ap(obj);

	if (ap->scans > 0)
		ap->scans++;
	return (ssize_t)len;
}

static ssize_t bindings_show(void *obj, char *buf)
{
	struct ap_bus *ap = bus_to_ap(obj);
	unsigned int apqns = ap->nr_queues, bound = ap->nr_bound_queues;

	if (ap->scans >= 1 && bound == apqns)
		return sprintf(buf, "%u/%u (complete)\n", bound, apqns);
	return sprintf(buf, "%u/%u\n", bound, apqns);
}

/*
 * The facility names then "\n"; the kernel replaces the last blank with the
 * newline, so an empty list reads as 0 bytes.
 */
static ssize_t features_show(void *obj, char *buf)
{
	struct ap_bus *ap = bus_to_ap(obj);

	if (!ap->features[0])
		return 0;
	return sprintf(buf, "%s\n", ap->features);
}

static const struct kn_attr ap_attr_ap_domain = __ATTR_RW(ap_domain);
static const struct kn_attr ap_attr_ap_control_domain_mask = __ATTR_RO(ap_control_domain_mask);
static const struct kn_attr ap_attr_ap_usage_domain_mask = __ATTR_RO(ap_usage_domain_mask);
static const struct kn_attr ap_attr_ap_adapter_mask = __ATTR_RO(ap_adapter_mask);
static const struct kn_attr ap_attr_config_time = __ATTR_RW(config_time);
static const struct kn_attr ap_attr_poll_thread = __ATTR_RW(poll_thread);
static const struct kn_attr ap_attr_ap_interrupts = __ATTR_RO(ap_interrupts);
static const struct kn_attr ap_attr_poll_timeout = __ATTR_RW(poll_timeout);
static const struct kn_attr ap_attr_ap_max_domain_id = __ATTR_RO(ap_max_domain_id);
static const struct kn_attr ap_attr_ap_max_adapter_id = __ATTR_RO(ap_max_adapter_id);
static const struct kn_attr ap_attr_apmask = __ATTR_RW(apmask);
static const struct kn_attr ap_attr_aqmask = __ATTR_RW(aqmask);
static const struct kn_attr ap_attr_scans = __ATTR_RW(scans);
static const struct kn_attr ap_attr_bindings = __ATTR_RO(bindings);
static const struct kn_attr ap_attr_features = __ATTR_RO(features);

static const struct kn_attr *const ap_bus_attrs[] = {
	&ap_attr_ap_domain, &ap_attr_ap_control_domain_mask, &ap_attr_ap_usage_domain_mask,
	&ap_attr_ap_adapter_mask, &ap_attr_config_time, &ap_attr_poll_thread,
	&ap_attr_ap_interrupts, &ap_attr_poll_timeout, &ap_attr_ap_max_domain_id,
	&ap_attr_ap_max_adapter_id, &ap_attr_apmask, &ap_attr_aqmask, &ap_attr_scans,
	&ap_attr_bindings, &ap_attr_features, NULL,
};
static const struct attr_group ap_bus_group = { .attrs = ap_bus_attrs };
static const struct attr_group *const ap_bus_groups[] = { &ap_bus_group, NULL };

/* ---- boot ----------------------------------------------------------------- */

/*
 * The initial bus scan: every adapter of the configuration gets its card,
 * every usage domain a queue on it, in id order.  Drivers come later.
 */
static int ap_scan_bus(struct ap_bus *ap, const struct topo_ap *t)
{
	unsigned int order[AP_MASK_BITS], n = 0;

	for (unsigned int i = 0; i < t->nr_cards; i++)
		order[n++] = i;
	/* Cards register in id order, whatever the fixture's order. */
	for (unsigned int i = 1; i < n; i++)
		for (unsigned int k = i; k > 0 && t->cards[order[k - 1]].id > t->cards[order[k]].id; k--) {
			unsigned int tmp = order[k];

			order[k] = order[k - 1];
			order[k - 1] = tmp;
		}
	for (unsigned int i = 0; i < n; i++) {
		const struct topo_card *tc = &t->cards[order[i]];
		struct ap_card *card;
		unsigned int dom;
		int err = ap_card_create(ap, tc);

		if (err)
			return err;
		card = ap->cards[tc->id];
		ap_mask_for_each(dom, &ap->aqm_cfg) {
			if (dom > ap->max_domain_id)
				break;
			err = ap_queue_create(card, dom);
			if (err)
				return err;
		}
	}
	ap->scans = 1;
	device_uevent(&ap->root, "change", "INITSCAN=done");
	return 0;
}

int ap_bus_init(struct sim *sim, const struct topology *topo)
{
	const struct topo_ap *t = &topo->ap;
	struct ap_bus *ap = calloc(1, sizeof(*ap));
	int err;

	if (!ap)
		return -ENOMEM;
	sim->ap = ap;
	ap->sim = sim;
	ap->max_adapter_id = t->max_adapter_id;
	ap->max_domain_id = t->max_domain_id;
	for (unsigned int i = 0; i < t->nr_cards; i++)
		ap_mask_set(&ap->apm_cfg, t->cards[i].id);
	ap->aqm_cfg = t->usage_domains;
	ap->adm_cfg = t->control_domains;
	ap->apmask = t->apmask;
	ap->aqmask = t->aqmask;
	ap->domain = t->domain;
	snprintf(ap->features, sizeof(ap->features), "%s", t->features);
	ap->interrupts = t->interrupts;
	ap->poll_timeout = 250000;
	ap->config_time = 30;

	ap->bus.name = "ap";
	ap->bus.match = ap_bus_match;
	ap->bus.probe = ap_bus_probe;
	ap->bus.remove = ap_bus_remove;
	ap->bus.uevent = ap_bus_uevent;
	ap->bus.bus_groups = ap_bus_groups;
	err = bus_register(sim, &ap->bus);
	if (err)
		return err;
	/* root_device_register("ap"): no bus, no class, an empty uevent. */
	device_initialize(&ap->root, sim, "ap");
	err = device_add(&ap->root);
	if (err)
		return err;
	/* ap_module_init() puts the root device on the bus after registering it: no subsystem link, but uevents. */
	ap->root.bus = &ap->bus;
	err = ap_scan_bus(ap, t);
	if (!err)
		err = zcrypt_init(sim);
	if (err)
		return err;
	/* Cards the topology wants offline: as if "0" had been written to their online file. */
	for (unsigned int i = 0; i < t->nr_cards; i++) {
		struct ap_card *card = ap->cards[t->cards[i].id];

		if (!card || t->cards[i].online)
			continue;
		card->zc_online = false;
		for (unsigned int d = 0; d < AP_MASK_BITS; d++)
			if (card->queues[d])
				card->queues[d]->zq_online = false;
	}
	return 0;
}

void ap_bus_exit(struct sim *sim)
{
	struct ap_bus *ap = sim->ap;

	if (!ap)
		return;
	zcrypt_exit(sim);
	for (unsigned int id = 0; id < AP_MASK_BITS; id++)
		if (ap->cards[id])
			ap_card_destroy(ap->cards[id]);
	if (ap->root.name)
		device_unregister(&ap->root);
	bus_unregister(&ap->bus);
	free(ap);
	sim->ap = NULL;
}
