// SPDX-License-Identifier: MIT
/*
 * The AP bus scan after the machine's AP configuration changed
 * (drivers/s390/crypto/ap_bus.c: ap_scan_bus(), ap_scan_adapter(),
 * ap_scan_domains(), and the drivers' on_config_changed/on_scan_complete):
 * what the kernel does when an adapter or a domain is deconfigured or
 * configured (SCLP, the HMC), or a card is plugged or pulled.  The control
 * surface (simfs ctl ... card/domain) plays the machine.
 *
 * The host configuration is what QCI reports, the ap_adapter_mask,
 * ap_usage_domain_mask and ap_control_domain_mask files:
 *  - a deconfigured card keeps its device (config 0, CONFIG=0 uevents on the
 *    card and its queues) but leaves the adapter mask; configured again, its
 *    queues are reset and it comes back;
 *  - a deconfigured domain leaves the usage and control domain masks, and
 *    its queue devices go; configured again, they come back (probed by the
 *    driver the masks choose);
 *  - a plugged card appears with a queue per usage domain, a pulled one goes
 *    with its queues;
 *  - vfio_ap then filters every mdev's shadow (guest_matrix): its matrix
 *    never changes (spec 5.6, 5.8).
 * Each change counts as a bus scan (the "scans" file).
 */
#include "ap_bus.h"
#include "vfio_ap.h"

#include "../sim.h"
#include "../topology.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int ap_card_type_parse(const char *type, struct topo_card *t)
{
	/* As a topology names cards: CEX4..CEX8, then A(ccelerator), C(CA) or P (EP11). */
	if (strlen(type) != 5 || strncmp(type, "CEX", 3) || type[3] < '4' || type[3] > '8' ||
	    !strchr("ACP", type[4]))
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	snprintf(t->type, sizeof(t->type), "%s", type);
	t->hwtype = (unsigned int)(type[3] - '4') + 10;
	t->raw_hwtype = t->hwtype;
	t->mode = type[4];
	t->functions = 0x60000000u | 0x02000000u |
		       (t->mode == 'C' ? AP_FUNC_COPRO : t->mode == 'A' ? AP_FUNC_ACCEL : AP_FUNC_EP11);
	t->depth = 8;
	t->max_msg_size = 12288;
	t->config = true;
	t->online = true;
	return 0;
}

/* ap_select_domain(): the default domain went away; the first usable one replaces it. */
static void ap_reselect_domain(struct ap_bus *ap)
{
	unsigned int dom;

	if (ap->domain >= 0 && ap_mask_test(&ap->aqm_cfg, (unsigned int)ap->domain))
		return;
	ap->domain = -1;
	ap_mask_for_each(dom, &ap->aqm_cfg) {
		if (dom > ap->max_domain_id)
			break;
		if (!ap_mask_test(&ap->aqmask, dom))
			continue;
		for (unsigned int a = 0; a < AP_MASK_BITS; a++) {
			if (ap->cards[a] && ap_mask_test(&ap->apmask, a) && ap->cards[a]->queues[dom]) {
				ap->domain = (int)dom;
				return;
			}
		}
	}
}

static struct ap_bus *ap_of(struct sim *sim)
{
	return sim->ap;
}

/* The card with adapter id @id, or NULL (no AP bus, no such card). */
static struct ap_card *ap_card_of(struct sim *sim, unsigned int id)
{
	struct ap_bus *ap = ap_of(sim);

	return ap && id < AP_MASK_BITS ? ap->cards[id] : NULL;
}

int ap_card_set_config(struct sim *sim, unsigned int id, bool config)
{
	struct ap_bus *ap = ap_of(sim);
	struct ap_card *card = ap_card_of(sim, id);

	if (!card)
		return -ENODEV;
	if (card->config == config)
		return 0;
	ap->scans++;
	if (config)
		ap_mask_set(&ap->apm_cfg, id);
	else
		ap_mask_clear(&ap->apm_cfg, id);
	/* on_config_changed(): the guests lose the adapter before its devices change. */
	if (!config)
		vfio_ap_on_config_changed(sim);
	card->config = config;
	ap_send_config_uevent(&card->dev, config);
	for (unsigned int d = 0; d < AP_MASK_BITS; d++) {
		struct ap_queue *q = card->queues[d];

		if (!q)
			continue;
		q->config = config;
		/* A queue configured again starts over with a reset. */
		if (config && q->dev_state == AP_DEV_OPERATING)
			ap_queue_init_state(q);
		ap_send_config_uevent(&q->dev, config);
	}
	/* on_scan_complete(): configured again, it may return to the guests. */
	if (config)
		vfio_ap_on_config_changed(sim);
	return 0;
}

int ap_domain_set_config(struct sim *sim, unsigned int dom, bool config)
{
	struct ap_bus *ap = ap_of(sim);
	int err = 0;

	if (!ap)
		return -ENODEV;
	if (dom > ap->max_domain_id)
		return -EINVAL;
	if (config == (ap_mask_test(&ap->aqm_cfg, dom) || ap_mask_test(&ap->adm_cfg, dom)))
		return 0;
	ap->scans++;
	if (!config) {
		ap_mask_clear(&ap->aqm_cfg, dom);
		ap_mask_clear(&ap->adm_cfg, dom);
		vfio_ap_on_config_changed(sim);
		/* ap_scan_domains(): "not in config anymore, rm queue dev". */
		for (unsigned int a = 0; a < AP_MASK_BITS; a++)
			if (ap->cards[a] && ap->cards[a]->queues[dom])
				device_unregister(&ap->cards[a]->queues[dom]->dev);
		ap_reselect_domain(ap);
		return 0;
	}
	ap_mask_set(&ap->aqm_cfg, dom);
	ap_mask_set(&ap->adm_cfg, dom);
	for (unsigned int a = 0; a < AP_MASK_BITS && !err; a++)
		if (ap->cards[a] && !ap->cards[a]->queues[dom])
			err = ap_queue_create(ap->cards[a], dom);
	ap_reselect_domain(ap);
	vfio_ap_on_config_changed(sim);
	return err;
}

int ap_card_plug(struct sim *sim, const struct topo_card *t)
{
	struct ap_bus *ap = ap_of(sim);
	struct ap_card *card;
	unsigned int dom;
	int err;

	if (!ap)
		return -ENODEV;
	if (t->id > ap->max_adapter_id)
		return -EINVAL;
	if (ap->cards[t->id])
		return -EEXIST;
	ap->scans++;
	ap_mask_set(&ap->apm_cfg, t->id);
	err = ap_card_create(ap, t);
	if (err) {
		ap_mask_clear(&ap->apm_cfg, t->id);
		return err;
	}
	card = ap->cards[t->id];
	ap_mask_for_each(dom, &ap->aqm_cfg) {
		if (dom > ap->max_domain_id)
			break;
		err = ap_queue_create(card, dom);
		if (err)
			break;
	}
	ap_reselect_domain(ap);
	vfio_ap_on_config_changed(sim);
	return err;
}

int ap_card_unplug(struct sim *sim, unsigned int id)
{
	struct ap_bus *ap = ap_of(sim);
	struct ap_card *card = ap_card_of(sim, id);

	if (!card)
		return -ENODEV;
	ap->scans++;
	ap_mask_clear(&ap->apm_cfg, id);
	vfio_ap_on_config_changed(sim);
	/* ap_scan_rm_card_dev_and_queue_devs(): the queues, then the card. */
	ap_card_destroy(card);
	ap_reselect_domain(ap);
	return 0;
}
