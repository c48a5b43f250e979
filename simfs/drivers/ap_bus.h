/* SPDX-License-Identifier: MIT */
/*
 * The AP bus model shared by ap_bus.c (the bus, its attributes and the
 * masks), ap_card.c and ap_queue.c (the devices), zcrypt.c (cex4card,
 * cex4queue) and vfio_ap.c (the non-default queue driver).
 *
 * A mask bit is set when the id is reserved for the default (zcrypt)
 * drivers; an APQN is "owned by the default drivers" when both its
 * adapter bit in apmask and its domain bit in aqmask are set.
 */
#ifndef SIMFS_AP_BUS_H
#define SIMFS_AP_BUS_H

#include "../driver_core.h"
#include "../parse.h"
#include "ap.h"

#include <stdbool.h>
#include <stdint.h>

struct sim;
struct topology;
struct topo_card;
struct zcrypt;

/* The AP facility bits of ap_functions (bit 0 is the MSB). */
#define AP_FUNC_COPRO 0x10000000u	/* CCA coprocessor */
#define AP_FUNC_ACCEL 0x08000000u	/* accelerator */
#define AP_FUNC_EP11 0x04000000u	/* EP11 coprocessor */

/* The two life-cycle states user space can tell apart. */
enum ap_dev_state {
	AP_DEV_UNINITIATED,	/* request counters read "-" */
	AP_DEV_OPERATING,
};

enum ap_sm_state {
	AP_SM_RESET,		/* "Reset in progress." */
	AP_SM_IDLE,		/* "No Reset Timer set." */
};

struct ap_driver {
	struct device_driver driver;
	bool is_default;		/* AP_DRIVER_FLAG_DEFAULT: owns the masked APQNs */
	bool card_driver;		/* matches card devices, else queue devices */
	int (*probe)(struct device *dev);
	void (*remove)(struct device *dev);
	/* Does any of the APQNs apm x aqm belong to this (non-default) driver's users? */
	bool (*in_use)(struct sim *sim, const struct ap_mask *apm, const struct ap_mask *aqm);
};

struct ap_queue;

struct ap_card {
	struct device dev;
	struct ap_bus *ap;
	unsigned int id;
	unsigned int hwtype;		/* compatible type 10..14, the device type */
	unsigned int raw_hwtype;
	unsigned int depth, max_msg_size;
	uint32_t functions;
	bool config, chkstop;
	unsigned long long request_count;
	bool zc_online;			/* zcrypt's online flag (kept after unbind) */
	char serialnr[17];		/* empty: the card query failed (no serial shown) */
	struct ap_queue *queues[AP_MASK_BITS];
};

struct ap_queue {
	struct device dev;
	struct ap_card *card;
	unsigned int domain;
	bool config, chkstop;
	enum ap_dev_state dev_state;
	enum ap_sm_state sm_state;
	bool interrupt;
	unsigned long long request_count;
	bool zq_online;			/* zcrypt's online flag while bound to cex4queue */
};

struct ap_bus {
	struct sim *sim;
	struct bus_type bus;
	struct device root;		/* /sys/devices/ap */
	unsigned int max_adapter_id, max_domain_id;
	struct ap_mask apm_cfg, aqm_cfg, adm_cfg;	/* the QCI configuration */
	struct ap_mask apmask, aqmask;			/* ap_perms */
	int domain;			/* ap_domain, -1 none */
	char features[64];
	bool interrupts;
	bool poll_thread;
	unsigned long poll_timeout;
	int config_time;
	unsigned long long scans;
	unsigned long long bindings_complete_count;
	/*
	 * ap_calc_bound_apqns() counts by walking the bus; a probe asks after
	 * every queue, so the counts are kept instead: queues that exist, and
	 * queues a driver has probed (the "bindings" attribute).
	 */
	unsigned int nr_queues, nr_bound_queues;
	struct ap_card *cards[AP_MASK_BITS];
	struct zcrypt *zcrypt;
};

static inline struct ap_driver *to_ap_drv(struct device_driver *drv)
{
	return drv ? container_of(drv, struct ap_driver, driver) : NULL;
}

static inline struct ap_card *to_ap_card(struct device *dev)
{
	return container_of(dev, struct ap_card, dev);
}

static inline struct ap_queue *to_ap_queue(struct device *dev)
{
	return container_of(dev, struct ap_queue, dev);
}

static inline const char *ap_mode_name(uint32_t functions)
{
	if (functions & AP_FUNC_ACCEL)
		return "accel";
	if (functions & AP_FUNC_COPRO)
		return "cca";
	if (functions & AP_FUNC_EP11)
		return "ep11";
	return NULL;
}

/* ap_card.c / ap_queue.c */
extern const struct device_type ap_card_type;
extern const struct device_type ap_queue_type;
int ap_card_create(struct ap_bus *ap, const struct topo_card *t);
int ap_queue_create(struct ap_card *card, unsigned int domain);
void ap_card_destroy(struct ap_card *card);
/* ap_queue_init_state(): operating, reset started (and finished when polled). */
void ap_queue_init_state(struct ap_queue *q);
/* The state machine runs for a probed, configured queue: a started reset completes. */
void ap_queue_poll(struct ap_queue *q);

static inline bool is_queue_dev(const struct device *dev)
{
	return dev->type == &ap_queue_type;
}

/* ap_bus.c */
struct ap_bus *ap_bus_get(struct sim *sim);
int ap_driver_register(struct ap_bus *ap, struct ap_driver *drv);
void ap_driver_unregister(struct ap_driver *drv);
struct ap_queue *ap_find_queue(struct ap_bus *ap, unsigned int apid, unsigned int apqi);
bool ap_owned_by_def_drv(const struct ap_bus *ap, unsigned int apid, unsigned int apqi);
/*
 * The first APQN of @apm x @aqm still owned by the default drivers, in
 * adapter-major order; false when there is none.
 */
bool ap_apqn_in_matrix_owned_by_def_drv(const struct ap_bus *ap, const struct ap_mask *apm,
					const struct ap_mask *aqm, unsigned int *apid,
					unsigned int *apqi);
void ap_send_online_uevent(struct device *dev, bool online);
void ap_send_config_uevent(struct device *dev, bool config);

#endif /* SIMFS_AP_BUS_H */
