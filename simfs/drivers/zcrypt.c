// SPDX-License-Identifier: MIT
/*
 * The default AP drivers (drivers/s390/crypto/zcrypt_card.c,
 * zcrypt_queue.c, zcrypt_cex4.c): cex4card and cex4queue, registered by the
 * zcrypt_cex4 module, and the files they add to the devices they drive.
 *
 * The CCA and EP11 extras query the card with a CPRB; nothing here answers
 * one, so they read as the kernel prints them when the query fails.
 */
#include "ap_bus.h"

#include "../sim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct zcrypt {
	struct module *rng_core, *zcrypt, *cex4;
	struct ap_driver card_drv, queue_drv;
};

static bool card_is_mode(const struct ap_card *card, uint32_t bit)
{
	/* The mode is the first of accelerator, CCA, EP11 the facilities name. */
	if (card->functions & AP_FUNC_ACCEL)
		return bit == AP_FUNC_ACCEL;
	if (card->functions & AP_FUNC_COPRO)
		return bit == AP_FUNC_COPRO;
	return bit == AP_FUNC_EP11 && (card->functions & AP_FUNC_EP11);
}

static char card_mode_letter(const struct ap_card *card)
{
	if (card_is_mode(card, AP_FUNC_ACCEL))
		return 'A';
	if (card_is_mode(card, AP_FUNC_COPRO))
		return 'C';
	return 'P';
}

static bool card_has_zcrypt(const struct ap_card *card)
{
	struct zcrypt *zc = card->ap->zcrypt;

	return zc && card->dev.driver == &zc->card_drv.driver;
}

static bool queue_has_zcrypt(const struct ap_queue *q)
{
	struct zcrypt *zc = q->card->ap->zcrypt;

	return zc && q->dev.driver == &zc->queue_drv.driver;
}

/* ---- cex4card ------------------------------------------------------------- */

static ssize_t card_type_show(void *obj, char *buf)
{
	struct ap_card *card = to_ap_card(obj);

	return sprintf(buf, "CEX%u%c\n", card->hwtype - 6, card_mode_letter(card));
}

static ssize_t card_online_show(void *obj, char *buf)
{
	struct ap_card *card = to_ap_card(obj);

	return sprintf(buf, "%d\n", card->config && card->zc_online ? 1 : 0);
}

/*
 * sscanf("%d") 0 or 1, else EINVAL; 1 on a deconfigured card ENODEV.  The
 * value is forced on every queue of the card that zcrypt drives, each
 * change announced with ONLINE=.
 */
static ssize_t card_online_store(void *obj, const char *buf, size_t len)
{
	struct ap_card *card = to_ap_card(obj);
	int online;

	if (scan_int_d(buf, len, &online) != 1 || online < 0 || online > 1)
		return -EINVAL;
	if (online && !card->config)
		return -ENODEV;
	card->zc_online = online;
	ap_send_online_uevent(&card->dev, online);
	for (unsigned int d = 0; d < AP_MASK_BITS; d++) {
		struct ap_queue *q = card->queues[d];

		if (!q || !queue_has_zcrypt(q) || q->zq_online == (online != 0))
			continue;
		q->zq_online = online;
		ap_send_online_uevent(&q->dev, online);
	}
	return (ssize_t)len;
}

static ssize_t card_load_show(void *obj, char *buf)
{
	return sprintf(buf, "%d\n", 0);
}

/* The card's serial number from its CCA query; empty when the query failed. */
static ssize_t cca_serialnr_show(void *obj, char *buf)
{
	struct ap_card *card = container_of((struct device *)obj, struct ap_card, dev);

	return sprintf(buf, "%s\n", card->serialnr);
}

static ssize_t ep11_empty_show(void *obj, char *buf)
{
	return sprintf(buf, "\n");
}

static const struct kn_attr zcard_attr_type = {
	.name = "type", .mode = 0444, .show = card_type_show,
};
static const struct kn_attr zcard_attr_online = {
	.name = "online", .mode = 0644, .show = card_online_show, .store = card_online_store,
};
static const struct kn_attr zcard_attr_load = {
	.name = "load", .mode = 0444, .show = card_load_show,
};
static const struct kn_attr *const zcrypt_card_attrs[] = {
	&zcard_attr_type, &zcard_attr_online, &zcard_attr_load, NULL,
};
static const struct attr_group zcrypt_card_group = { .attrs = zcrypt_card_attrs };

static const struct kn_attr cca_card_attr_serialnr = {
	.name = "serialnr", .mode = 0444, .show = cca_serialnr_show,
};
static const struct kn_attr *const cca_card_attrs[] = { &cca_card_attr_serialnr, NULL };

static uint16_t cca_card_visible(void *obj, const struct kn_attr *attr)
{
	return card_is_mode(to_ap_card(obj), AP_FUNC_COPRO) ? attr->mode : 0;
}

static const struct attr_group cca_card_group = {
	.attrs = cca_card_attrs, .is_visible = cca_card_visible,
};

static const struct kn_attr ep11_card_attr_api = {
	.name = "API_ordinalnr", .mode = 0444, .show = ep11_empty_show,
};
static const struct kn_attr ep11_card_attr_fw = {
	.name = "FW_version", .mode = 0444, .show = ep11_empty_show,
};
static const struct kn_attr ep11_card_attr_serialnr = {
	.name = "serialnr", .mode = 0444, .show = ep11_empty_show,
};
static const struct kn_attr ep11_card_attr_op_modes = {
	.name = "op_modes", .mode = 0444, .show = ep11_empty_show,
};
static const struct kn_attr *const ep11_card_attrs[] = {
	&ep11_card_attr_api, &ep11_card_attr_fw, &ep11_card_attr_serialnr, &ep11_card_attr_op_modes,
	NULL,
};

static uint16_t ep11_card_visible(void *obj, const struct kn_attr *attr)
{
	return card_is_mode(to_ap_card(obj), AP_FUNC_EP11) ? attr->mode : 0;
}

static const struct attr_group ep11_card_group = {
	.attrs = ep11_card_attrs, .is_visible = ep11_card_visible,
};

static const struct attr_group *const cex4card_groups[] = {
	&zcrypt_card_group, &cca_card_group, &ep11_card_group, NULL,
};

/* A card without one of the three modes is not a CEX4+ card zcrypt knows. */
static int cex4card_probe(struct device *dev)
{
	struct ap_card *card = to_ap_card(dev);

	if (!(card->functions & (AP_FUNC_ACCEL | AP_FUNC_COPRO | AP_FUNC_EP11)))
		return -ENODEV;
	card->zc_online = true;
	return 0;
}

/* ---- cex4queue ------------------------------------------------------------ */

static ssize_t queue_online_show(void *obj, char *buf)
{
	struct ap_queue *q = to_ap_queue(obj);

	return sprintf(buf, "%d\n", q->config && q->zq_online ? 1 : 0);
}

/*
 * sscanf("%d") 0 or 1, else EINVAL; 1 while the queue or its card is
 * deconfigured ENODEV, 1 while the card is offline EINVAL.
 */
static ssize_t queue_online_store(void *obj, const char *buf, size_t len)
{
	struct ap_queue *q = to_ap_queue(obj);
	int online;

	if (scan_int_d(buf, len, &online) != 1 || online < 0 || online > 1)
		return -EINVAL;
	if (online && (!q->config || !q->card->config))
		return -ENODEV;
	if (online && !q->card->zc_online)
		return -EINVAL;
	q->zq_online = online;
	ap_send_online_uevent(&q->dev, online);
	return (ssize_t)len;
}

static ssize_t queue_load_show(void *obj, char *buf)
{
	return sprintf(buf, "%d\n", 0);
}

/* Every master-key register unknown: the failed query's output. */
static ssize_t cca_mkvps_show(void *obj, char *buf)
{
	static const char *const regs[] = { "AES", "APKA", "ASYM" };
	static const char *const slots[] = { "NEW", "CUR", "OLD" };
	int n = 0;

	for (size_t r = 0; r < 3; r++)
		for (size_t s = 0; s < 3; s++)
			n += sprintf(buf + n, "%s %s: - -\n", regs[r], slots[s]);
	return n;
}

static ssize_t ep11_mkvps_show(void *obj, char *buf)
{
	return sprintf(buf, "WK CUR: - -\nWK NEW: - -\n");
}

static const struct kn_attr zqueue_attr_online = {
	.name = "online", .mode = 0644, .show = queue_online_show, .store = queue_online_store,
};
static const struct kn_attr zqueue_attr_load = {
	.name = "load", .mode = 0444, .show = queue_load_show,
};
static const struct kn_attr *const zcrypt_queue_attrs[] = {
	&zqueue_attr_online, &zqueue_attr_load, NULL,
};
static const struct attr_group zcrypt_queue_group = { .attrs = zcrypt_queue_attrs };

static const struct kn_attr cca_queue_attr_mkvps = {
	.name = "mkvps", .mode = 0444, .show = cca_mkvps_show,
};
static const struct kn_attr *const cca_queue_attrs[] = { &cca_queue_attr_mkvps, NULL };

static uint16_t cca_queue_visible(void *obj, const struct kn_attr *attr)
{
	return card_is_mode(to_ap_queue(obj)->card, AP_FUNC_COPRO) ? attr->mode : 0;
}

static const struct attr_group cca_queue_group = {
	.attrs = cca_queue_attrs, .is_visible = cca_queue_visible,
};

static const struct kn_attr ep11_queue_attr_mkvps = {
	.name = "mkvps", .mode = 0444, .show = ep11_mkvps_show,
};
static const struct kn_attr ep11_queue_attr_op_modes = {
	.name = "op_modes", .mode = 0444, .show = ep11_empty_show,
};
static const struct kn_attr *const ep11_queue_attrs[] = {
	&ep11_queue_attr_mkvps, &ep11_queue_attr_op_modes, NULL,
};

static uint16_t ep11_queue_visible(void *obj, const struct kn_attr *attr)
{
	return card_is_mode(to_ap_queue(obj)->card, AP_FUNC_EP11) ? attr->mode : 0;
}

static const struct attr_group ep11_queue_group = {
	.attrs = ep11_queue_attrs, .is_visible = ep11_queue_visible,
};

static const struct attr_group *const cex4queue_groups[] = {
	&zcrypt_queue_group, &cca_queue_group, &ep11_queue_group, NULL,
};

/*
 * New queues are online; the probe restarts the queue (a reset, then the
 * queue is operating again).  zcrypt registers a queue with its card's
 * zcrypt card, so the card must be driven by cex4card.
 */
static int cex4queue_probe(struct device *dev)
{
	struct ap_queue *q = to_ap_queue(dev);

	if (!(q->card->functions & (AP_FUNC_ACCEL | AP_FUNC_COPRO | AP_FUNC_EP11)))
		return -ENODEV;
	if (!card_has_zcrypt(q->card))
		return -ENODEV;
	q->zq_online = true;
	ap_queue_init_state(q);
	return 0;
}

/* ---- the modules ---------------------------------------------------------- */

int zcrypt_init(struct sim *sim)
{
	struct ap_bus *ap = ap_bus_get(sim);
	struct zcrypt *zc;
	int err;

	if (!ap)
		return -ENODEV;
	if (ap->zcrypt)
		return -EEXIST;
	zc = calloc(1, sizeof(*zc));
	if (!zc)
		return -ENOMEM;
	zc->rng_core = module_load(sim, "rng_core", 16384);
	zc->zcrypt = module_load(sim, "zcrypt", 90112);
	zc->cex4 = module_load(sim, "zcrypt_cex4", 16384);
	if (!zc->rng_core || !zc->zcrypt || !zc->cex4) {
		module_unload(zc->cex4);
		module_unload(zc->zcrypt);
		module_unload(zc->rng_core);
		free(zc);
		return -ENOMEM;
	}
	zc->rng_core->refcnt++;		/* used by zcrypt */
	zc->zcrypt->refcnt++;		/* used by zcrypt_cex4 */
	ap->zcrypt = zc;

	zc->card_drv.driver.name = "cex4card";
	zc->card_drv.driver.owner = zc->cex4;
	zc->card_drv.driver.dev_groups = cex4card_groups;
	zc->card_drv.is_default = true;
	zc->card_drv.card_driver = true;
	zc->card_drv.probe = cex4card_probe;
	err = ap_driver_register(ap, &zc->card_drv);
	if (err)
		goto fail;
	zc->queue_drv.driver.name = "cex4queue";
	zc->queue_drv.driver.owner = zc->cex4;
	zc->queue_drv.driver.dev_groups = cex4queue_groups;
	zc->queue_drv.is_default = true;
	zc->queue_drv.probe = cex4queue_probe;
	err = ap_driver_register(ap, &zc->queue_drv);
	if (err)
		goto fail;
	return 0;
fail:
	zcrypt_exit(sim);
	return err;
}

/* rmmod zcrypt_cex4 zcrypt rng_core: the queues, then the cards, lose their driver. */
void zcrypt_exit(struct sim *sim)
{
	struct ap_bus *ap = ap_bus_get(sim);
	struct zcrypt *zc = ap ? ap->zcrypt : NULL;

	if (!zc)
		return;
	ap_driver_unregister(&zc->queue_drv);
	ap_driver_unregister(&zc->card_drv);
	ap->zcrypt = NULL;
	module_unload(zc->cex4);
	module_unload(zc->zcrypt);
	module_unload(zc->rng_core);
	free(zc);
}
