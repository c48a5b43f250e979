// SPDX-License-Identifier: MIT
/*
 * AP queue devices (drivers/s390/crypto/ap_queue.c): cardXX/XX.YYYY and
 * the attributes every queue has.
 *
 * The queue's state machine is reduced to what its files show: a queue is
 * "operating" from its creation (if configured) until a driver releases
 * it, and "uninitiated" after that until the default driver takes it
 * again; a reset started on an operating queue completes once the queue is
 * polled, which happens only while a driver has it.
 */
#include "ap_bus.h"

#include "../sim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static struct ap_queue *obj_to_queue(void *obj)
{
	return to_ap_queue(obj);
}

void ap_queue_init_state(struct ap_queue *q)
{
	q->dev_state = AP_DEV_OPERATING;
	q->sm_state = AP_SM_RESET;
	if (q->dev.driver)
		ap_queue_poll(q);
}

void ap_queue_poll(struct ap_queue *q)
{
	if (q->dev_state != AP_DEV_OPERATING || !q->config || q->chkstop)
		return;
	if (q->sm_state == AP_SM_RESET) {
		q->sm_state = AP_SM_IDLE;
		q->interrupt = q->card->ap->interrupts;
	}
}

/* "-" while uninitiated. */
static ssize_t request_count_show(void *obj, char *buf)
{
	struct ap_queue *q = obj_to_queue(obj);

	if (q->dev_state == AP_DEV_UNINITIATED)
		return sprintf(buf, "-\n");
	return sprintf(buf, "%llu\n", q->request_count);
}

static ssize_t request_count_store(void *obj, const char *buf, size_t len)
{
	obj_to_queue(obj)->request_count = 0;
	return (ssize_t)len;
}

static ssize_t requestq_count_show(void *obj, char *buf)
{
	return sprintf(buf, "%d\n", 0);
}

static ssize_t pendingq_count_show(void *obj, char *buf)
{
	return sprintf(buf, "%d\n", 0);
}

static ssize_t reset_show(void *obj, char *buf)
{
	if (obj_to_queue(obj)->sm_state == AP_SM_RESET)
		return sprintf(buf, "Reset in progress.\n");
	return sprintf(buf, "No Reset Timer set.\n");
}

/* Any write starts a reset; it finishes at once on a polled, operating queue. */
static ssize_t reset_store(void *obj, const char *buf, size_t len)
{
	struct ap_queue *q = obj_to_queue(obj);

	q->sm_state = AP_SM_RESET;
	if (q->dev.driver)
		ap_queue_poll(q);
	return (ssize_t)len;
}

static ssize_t interrupt_show(void *obj, char *buf)
{
	if (obj_to_queue(obj)->interrupt)
		return sprintf(buf, "Interrupts enabled.\n");
	return sprintf(buf, "Interrupts disabled.\n");
}

static ssize_t config_show(void *obj, char *buf)
{
	return sprintf(buf, "%d\n", obj_to_queue(obj)->config ? 1 : 0);
}

static ssize_t chkstop_show(void *obj, char *buf)
{
	return sprintf(buf, "%d\n", obj_to_queue(obj)->chkstop ? 1 : 0);
}

/* Queried live (TAPQ); a configured or deconfigured queue answers with the card's facilities. */
static ssize_t ap_functions_show(void *obj, char *buf)
{
	return sprintf(buf, "0x%08X\n", obj_to_queue(obj)->card->functions);
}

static const struct kn_attr queue_attr_request_count = __ATTR_RW(request_count);
static const struct kn_attr queue_attr_requestq_count = __ATTR_RO(requestq_count);
static const struct kn_attr queue_attr_pendingq_count = __ATTR_RO(pendingq_count);
static const struct kn_attr queue_attr_reset = __ATTR_RW(reset);
static const struct kn_attr queue_attr_interrupt = __ATTR_RO(interrupt);
static const struct kn_attr queue_attr_config = __ATTR_RO(config);
static const struct kn_attr queue_attr_chkstop = __ATTR_RO(chkstop);
static const struct kn_attr queue_attr_ap_functions = __ATTR_RO(ap_functions);

static const struct kn_attr *const ap_queue_attrs[] = {
	&queue_attr_request_count, &queue_attr_requestq_count, &queue_attr_pendingq_count,
	&queue_attr_reset, &queue_attr_interrupt, &queue_attr_config, &queue_attr_chkstop,
	&queue_attr_ap_functions, NULL,
};
/* chkstop came with ~5.19. */
static uint16_t ap_queue_attr_visible(void *obj, const struct kn_attr *attr)
{
	if (attr == &queue_attr_chkstop &&
	    obj_to_queue(obj)->dev.sim->kernel_version < KERNEL_VERSION(5, 19, 0))
		return 0;
	return attr->mode;
}

static const struct attr_group ap_queue_group = {
	.attrs = ap_queue_attrs, .is_visible = ap_queue_attr_visible,
};
static const struct attr_group *const ap_queue_groups[] = { &ap_queue_group, NULL };

const struct device_type ap_queue_type = { .name = "ap_queue", .groups = ap_queue_groups };

static void ap_queue_release(struct device *dev)
{
	struct ap_queue *q = to_ap_queue(dev);

	if (q->card && q->card->queues[q->domain] == q)
		q->card->queues[q->domain] = NULL;
	q->card->ap->nr_queues--;
	free(q);
}

/*
 * A new queue of a configured adapter starts with a reset (operating); a
 * deconfigured or check-stopped one stays uninitiated.
 */
int ap_queue_create(struct ap_card *card, unsigned int domain)
{
	struct ap_queue *q = calloc(1, sizeof(*q));
	char name[16];
	int err;

	if (!q)
		return -ENOMEM;
	q->card = card;
	q->domain = domain;
	q->config = card->config;
	q->chkstop = card->chkstop;
	q->dev_state = AP_DEV_UNINITIATED;
	q->sm_state = AP_SM_RESET;
	snprintf(name, sizeof(name), "%02x.%04x", card->id, domain);
	device_initialize(&q->dev, card->ap->sim, name);
	q->dev.parent = &card->dev;
	q->dev.bus = &card->ap->bus;
	q->dev.type = &ap_queue_type;
	q->dev.release = ap_queue_release;
	card->queues[domain] = q;
	card->ap->nr_queues++;
	if (q->config && !q->chkstop)
		q->dev_state = AP_DEV_OPERATING;
	err = device_add(&q->dev);
	if (err) {
		device_unregister(&q->dev);
		return err;
	}
	return 0;
}
