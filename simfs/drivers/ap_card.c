// SPDX-License-Identifier: MIT
/*
 * AP card devices (drivers/s390/crypto/ap_card.c): /sys/devices/ap/cardXX
 * and the attributes every card has, whatever driver it is bound to.
 */
#include "ap_bus.h"

#include "../sim.h"
#include "../topology.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static struct ap_card *obj_to_card(void *obj)
{
	return to_ap_card(obj);
}

static ssize_t hwtype_show(void *obj, char *buf)
{
	return sprintf(buf, "%u\n", obj_to_card(obj)->hwtype);
}

static ssize_t raw_hwtype_show(void *obj, char *buf)
{
	return sprintf(buf, "%u\n", obj_to_card(obj)->raw_hwtype);
}

static ssize_t depth_show(void *obj, char *buf)
{
	return sprintf(buf, "%u\n", obj_to_card(obj)->depth);
}

static ssize_t ap_functions_show(void *obj, char *buf)
{
	return sprintf(buf, "0x%08X\n", obj_to_card(obj)->functions);
}

static ssize_t request_count_show(void *obj, char *buf)
{
	return sprintf(buf, "%llu\n", obj_to_card(obj)->request_count);
}

/* Any write resets the card's counter and those of its probed queues. */
static ssize_t request_count_store(void *obj, const char *buf, size_t len)
{
	struct ap_card *card = obj_to_card(obj);

	for (unsigned int d = 0; d < AP_MASK_BITS; d++)
		if (card->queues[d] && card->queues[d]->dev.driver)
			card->queues[d]->request_count = 0;
	card->request_count = 0;
	return (ssize_t)len;
}

/* Summed over the card's queues; nothing is ever queued here. */
static ssize_t requestq_count_show(void *obj, char *buf)
{
	return sprintf(buf, "%d\n", 0);
}

static ssize_t pendingq_count_show(void *obj, char *buf)
{
	return sprintf(buf, "%d\n", 0);
}

static ssize_t modalias_show(void *obj, char *buf)
{
	return sprintf(buf, "ap:t%02X\n", obj_to_card(obj)->hwtype);
}

static ssize_t config_show(void *obj, char *buf)
{
	return sprintf(buf, "%d\n", obj_to_card(obj)->config ? 1 : 0);
}

/*
 * sscanf("%d") 0 or 1, else EINVAL.  A change asks SCLP to configure or
 * deconfigure the adapter and passes its errno through; a machine without
 * SCLP AP configuration support (QEMU, the transcript) answers EOPNOTSUPP.
 * Writing the current value succeeds and announces it again.
 */
static ssize_t config_store(void *obj, const char *buf, size_t len)
{
	struct ap_card *card = obj_to_card(obj);
	int cfg;

	if (scan_int_d(buf, len, &cfg) != 1 || cfg < 0 || cfg > 1)
		return -EINVAL;
	if ((cfg != 0) != card->config)
		return -EOPNOTSUPP;
	ap_send_config_uevent(&card->dev, card->config);
	return (ssize_t)len;
}

static ssize_t chkstop_show(void *obj, char *buf)
{
	return sprintf(buf, "%d\n", obj_to_card(obj)->chkstop ? 1 : 0);
}

static ssize_t max_msg_size_show(void *obj, char *buf)
{
	return sprintf(buf, "%u\n", obj_to_card(obj)->max_msg_size);
}

static const struct kn_attr card_attr_hwtype = __ATTR_RO(hwtype);
static const struct kn_attr card_attr_raw_hwtype = __ATTR_RO(raw_hwtype);
static const struct kn_attr card_attr_depth = __ATTR_RO(depth);
static const struct kn_attr card_attr_ap_functions = __ATTR_RO(ap_functions);
static const struct kn_attr card_attr_request_count = __ATTR_RW(request_count);
static const struct kn_attr card_attr_requestq_count = __ATTR_RO(requestq_count);
static const struct kn_attr card_attr_pendingq_count = __ATTR_RO(pendingq_count);
static const struct kn_attr card_attr_modalias = __ATTR_RO(modalias);
static const struct kn_attr card_attr_config = __ATTR_RW(config);
static const struct kn_attr card_attr_chkstop = __ATTR_RO(chkstop);
static const struct kn_attr card_attr_max_msg_size = __ATTR_RO(max_msg_size);

static const struct kn_attr *const ap_card_attrs[] = {
	&card_attr_hwtype, &card_attr_raw_hwtype, &card_attr_depth, &card_attr_ap_functions,
	&card_attr_request_count, &card_attr_requestq_count, &card_attr_pendingq_count,
	&card_attr_modalias, &card_attr_config, &card_attr_chkstop, &card_attr_max_msg_size, NULL,
};
/* chkstop came with ~5.19, max_msg_size with 6.x (6.0 here). */
static uint16_t ap_card_attr_visible(void *obj, const struct kn_attr *attr)
{
	unsigned int kv = obj_to_card(obj)->dev.sim->kernel_version;

	if (attr == &card_attr_chkstop && kv < KERNEL_VERSION(5, 19, 0))
		return 0;
	if (attr == &card_attr_max_msg_size && kv < KERNEL_VERSION(6, 0, 0))
		return 0;
	return attr->mode;
}

static const struct attr_group ap_card_group = {
	.attrs = ap_card_attrs, .is_visible = ap_card_attr_visible,
};
static const struct attr_group *const ap_card_groups[] = { &ap_card_group, NULL };

const struct device_type ap_card_type = { .name = "ap_card", .groups = ap_card_groups };

static void ap_card_release(struct device *dev)
{
	struct ap_card *card = to_ap_card(dev);

	if (card->ap && card->ap->cards[card->id] == card)
		card->ap->cards[card->id] = NULL;
	free(card);
}

int ap_card_create(struct ap_bus *ap, const struct topo_card *t)
{
	struct ap_card *card = calloc(1, sizeof(*card));
	char name[16];
	int err;

	if (!card)
		return -ENOMEM;
	card->ap = ap;
	card->id = t->id;
	card->hwtype = t->hwtype;
	card->raw_hwtype = t->raw_hwtype;
	snprintf(card->serialnr, sizeof(card->serialnr), "%s", t->serialnr);
	card->depth = t->depth;
	card->max_msg_size = t->max_msg_size;
	card->functions = t->functions;
	card->config = t->config;
	card->zc_online = true;
	snprintf(name, sizeof(name), "card%02x", t->id);
	device_initialize(&card->dev, ap->sim, name);
	card->dev.parent = &ap->root;
	card->dev.bus = &ap->bus;
	card->dev.type = &ap_card_type;
	card->dev.release = ap_card_release;
	ap->cards[t->id] = card;
	err = device_add(&card->dev);
	if (err) {
		device_unregister(&card->dev);
		return err;
	}
	return 0;
}

void ap_card_destroy(struct ap_card *card)
{
	for (unsigned int d = AP_MASK_BITS; d-- > 0;)
		if (card->queues[d])
			device_unregister(&card->queues[d]->dev);
	device_unregister(&card->dev);
}
