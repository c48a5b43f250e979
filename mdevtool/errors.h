/* SPDX-License-Identifier: MIT */
/*
 * errno -> one sentence saying what is wrong and what to do.
 *
 * The same errno means different things on different attributes (ENODEV is
 * "id above the maximum" on assign_domain, "QDIO subchannel" on a vfio_ccw
 * probe, "wrong driver" on unbind), so the sentence is chosen by the
 * attribute written (enum wop) and filled from what the caller knows.
 */
#ifndef MDEVTOOL_ERRORS_H
#define MDEVTOOL_ERRORS_H

#include <stddef.h>

enum wop {
	W_OTHER,
	W_CREATE,		/* mdev_supported_types/<type>/create */
	W_REMOVE,		/* <uuid>/remove */
	W_ASSIGN_ADAPTER,
	W_ASSIGN_DOMAIN,
	W_ASSIGN_CONTROL,
	W_UNASSIGN_ADAPTER,
	W_UNASSIGN_DOMAIN,
	W_UNASSIGN_CONTROL,
	W_APMASK,		/* /sys/bus/ap/apmask */
	W_AQMASK,		/* /sys/bus/ap/aqmask */
	W_OVERRIDE,		/* <subchannel>/driver_override */
	W_UNBIND,		/* bus/css/drivers/<drv>/unbind */
	W_PROBE,		/* bus/css/drivers_probe */
	W_ONLINE,		/* ccw device online */
};

/* What the sentence may mention; unknown fields stay NULL / -1. */
struct why {
	enum wop op;
	const char *dev;	/* the mdev, subchannel or ccw device concerned */
	const char *parent;	/* parent of a create ("0.0.0313", "matrix") */
	const char *driver;	/* driver an unbind/probe was about */
	const char *value;	/* the value written, without its newline */
	const char *root;	/* sysfs root, for commands in the advice */
	int id;			/* adapter/domain id of an assign/unassign */
	int max;		/* ap_max_adapter_id / ap_max_domain_id */
	const char *holder;	/* mdev holding a conflicting APQN */
	const char *apqn;	/* that APQN, "05.0004" */
};

#define WHY_INIT(o) { .op = (o), .id = -1, .max = -1 }

/* Write the sentence for @err (a positive or negative errno) into @buf. */
void explain(const struct why *w, int err, char *buf, size_t size);

#endif /* MDEVTOOL_ERRORS_H */
