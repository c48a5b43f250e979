// SPDX-License-Identifier: MIT
/*
 * errno -> sentence.  The errnos and their meaning per attribute are those of
 * Linux 6.12 (drivers/vfio/mdev, drivers/s390/cio, drivers/s390/crypto),
 * with the older kernels' variants where a sentence can cover them too
 * (EPERM for a full parent before 6.1, EBUSY while a guest runs before 6.0).
 * Each sentence names what is wrong and the next thing to do.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "errors.h"

static void say(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

static const char *str(const char *s, const char *fallback)
{
	return s && *s ? s : fallback;
}

static const char *root(const struct why *w)
{
	return w->root && strcmp(w->root, "/sys") ? w->root : "/sys";
}

static const char *what_id(enum wop op)
{
	switch (op) {
	case W_ASSIGN_ADAPTER:
	case W_UNASSIGN_ADAPTER:
	case W_APMASK:
		return "adapter";
	case W_ASSIGN_CONTROL:
	case W_UNASSIGN_CONTROL:
		return "control domain";
	default:
		return "domain";
	}
}

static const char *max_name(enum wop op)
{
	return op == W_ASSIGN_ADAPTER || op == W_UNASSIGN_ADAPTER ? "ap_max_adapter_id" : "ap_max_domain_id";
}

/* Errors that mean the same whatever the attribute. */
static bool explain_common(const struct why *w, int err, char *buf, size_t size)
{
	switch (err) {
	case EACCES:
	case EPERM:
		say(buf, size, "permission denied: changing sysfs needs root; run mdevtool as root "
		    "(or with sudo)");
		return true;
	case EROFS:
		say(buf, size, "sysfs is mounted read-only here (a container?); run mdevtool on the host "
		    "itself");
		return true;
	case EINTR:
	case ERESTART:
		say(buf, size, "the write was interrupted by a signal before the kernel made the change; "
		    "run the command again");
		return true;
	case ENOMEM:
		say(buf, size, "the kernel is out of memory; free some memory and try again");
		return true;
	default:
		(void)w;
		return false;
	}
}

static void explain_create(const struct why *w, int err, char *buf, size_t size)
{
	const char *parent = str(w->parent, "the parent");

	switch (err) {
	case EEXIST:
		say(buf, size, "an mdev with UUID %s already exists on this host (UUIDs must be unique "
		    "across all parents and types); choose another UUID, or leave out --uuid to get a "
		    "fresh one", str(w->dev, "?"));
		return;
	case EUSERS:
	case EPERM:
		say(buf, size, "%s has no free mdev instance left (available_instances is 0); remove the "
		    "mdev that uses it first (mdevtool list shows it)", parent);
		return;
	case EINVAL:
		say(buf, size, "the kernel did not accept '%s' as a UUID; give one in the "
		    "8-4-4-4-12 hex form", str(w->dev, "?"));
		return;
	case ENODEV:
		say(buf, size, "%s is being unregistered (its vfio driver is going away), so it takes "
		    "no new mdev; bind it to its vfio driver again and retry", parent);
		return;
	case ENOENT:
		say(buf, size, "%s offers no mdev type to create: it is not bound to its vfio driver "
		    "(vfio_ccw or vfio_ap) any more; check with mdevtool types", parent);
		return;
	}
	if (!explain_common(w, err, buf, size))
		say(buf, size, "creating mdev %s on %s failed: %s; the host is unchanged, see the "
		    "kernel log (dmesg) for the vendor driver's reason", str(w->dev, "?"), parent,
		    strerror(err));
}

static void explain_remove(const struct why *w, int err, char *buf, size_t size)
{
	const char *dev = str(w->dev, "?");

	switch (err) {
	case EAGAIN:
		say(buf, size, "mdev %s is still being created or is already being removed; wait a "
		    "moment and try again", dev);
		return;
	case EBUSY:
		say(buf, size, "mdev %s is in use by a guest, and this kernel refuses to remove it then; "
		    "shut the guest down or detach the device (virsh detach-device) first", dev);
		return;
	case ENODEV:
		say(buf, size, "mdev %s is already going away with its parent; mdevtool list shows "
		    "what is left", dev);
		return;
	case ENOENT:
		say(buf, size, "mdev %s does not exist (any more); mdevtool list shows the existing "
		    "ones", dev);
		return;
	case EINVAL:
		say(buf, size, "the kernel did not accept '%s' for remove; write 1", str(w->value, "?"));
		return;
	}
	if (!explain_common(w, err, buf, size))
		say(buf, size, "removing mdev %s failed: %s; see the kernel log (dmesg)", dev,
		    strerror(err));
}

static void explain_assign(const struct why *w, int err, char *buf, size_t size)
{
	const char *what = what_id(w->op);
	bool unassign = w->op == W_UNASSIGN_ADAPTER || w->op == W_UNASSIGN_DOMAIN ||
			w->op == W_UNASSIGN_CONTROL;
	const char *mask = w->op == W_ASSIGN_ADAPTER ? "apmask" : "aqmask";

	switch (err) {
	case ENODEV:
		if (w->max >= 0)
			say(buf, size, "%s %d is above %s (%d) on this host, so it cannot be given to a "
			    "guest; use an id between 0 and %d", what, w->id, max_name(w->op), w->max,
			    w->max);
		else
			say(buf, size, "%s %d is above the highest id this host supports (%s); use a "
			    "smaller id", what, w->id, max_name(w->op));
		return;
	case EADDRNOTAVAIL:
		if (w->apqn)
			say(buf, size, "%s %d is still reserved for the host's zcrypt drivers (%s): APQN %s "
			    "has its adapter set in apmask and its domain set in aqmask; release it with "
			    "`echo -%d > %s/bus/ap/%s` (mdevtool ap create and ap assign do that for you)",
			    what, w->id, mask, w->apqn, w->id, root(w), mask);
		else
			say(buf, size, "%s %d is still reserved for the host's zcrypt drivers (%s); release "
			    "it with `echo -%d > %s/bus/ap/%s` (mdevtool ap create and ap assign do that "
			    "for you)", what, w->id, mask, w->id, root(w), mask);
		return;
	case EADDRINUSE:
		if (w->holder) {
			unsigned int a = 0, d = 0;

			if (!w->apqn || sscanf(w->apqn, "%x.%x", &a, &d) != 2)
				a = d = 0;
			say(buf, size, "APQN %s already belongs to mdev %s, and an APQN can be in one mdev "
			    "only; free it there first (mdevtool ap unassign %s --domain %u, or --adapter "
			    "%u) or choose another %s", str(w->apqn, "?"), w->holder, w->holder, d, a, what);
		}
		else
			say(buf, size, "%s %d would give this mdev an APQN that another mdev already holds; "
			    "mdevtool ap show tells which, unassign it there first", what, w->id);
		return;
	case EINVAL:
	case ERANGE:
		say(buf, size, "the kernel did not accept '%s' as a %s number; use decimal or 0x-hex "
		    "between 0 and 255", str(w->value, "?"), what);
		return;
	case EBUSY:
		say(buf, size, "mdev %s is in use by a running guest, and this kernel (before 6.0) does "
		    "not allow %s changes then; stop the guest first", str(w->dev, "?"),
		    unassign ? "unassign" : "assign");
		return;
	case EAGAIN:
		say(buf, size, "the AP configuration is being changed by someone else at this moment; "
		    "try again");
		return;
	case ENOENT:
		say(buf, size, "mdev %s has no %s attribute: it is not a vfio_ap mdev, or it was "
		    "removed meanwhile; check with mdevtool list", str(w->dev, "?"),
		    unassign ? "unassign" : "assign");
		return;
	}
	if (!explain_common(w, err, buf, size))
		say(buf, size, "%s %s %d on mdev %s failed: %s; see the kernel log (dmesg)",
		    unassign ? "unassigning" : "assigning", what, w->id, str(w->dev, "?"), strerror(err));
}

static void explain_mask(const struct why *w, int err, char *buf, size_t size)
{
	const char *mask = w->op == W_APMASK ? "apmask" : "aqmask";

	switch (err) {
	case EBUSY:
		if (w->holder)
			say(buf, size, "APQN %s is assigned to mdev %s, so %s %d cannot go back to the "
			    "host's zcrypt drivers (%s); unassign it there or remove that mdev first",
			    str(w->apqn, "?"), w->holder, what_id(w->op), w->id, mask);
		else
			say(buf, size, "some APQNs that '%s' would give back to the host's zcrypt drivers "
			    "are still assigned to an mdev; mdevtool ap show tells which, unassign them "
			    "or remove that mdev first", str(w->value, "?"));
		return;
	case EINVAL:
		say(buf, size, "the kernel rejected the %s edit '%s'; ids must be between 0 and 255",
		    mask, str(w->value, "?"));
		return;
	case EAGAIN:
		say(buf, size, "the AP bus is busy with another configuration change; try again in a "
		    "moment");
		return;
	case ENOENT:
		say(buf, size, "%s/bus/ap/%s does not exist: this host has no AP bus, or its kernel "
		    "predates the AP masks (4.20)", root(w), mask);
		return;
	}
	if (!explain_common(w, err, buf, size))
		say(buf, size, "writing '%s' to %s failed: %s; see the kernel log (dmesg)",
		    str(w->value, "?"), mask, strerror(err));
}

static void explain_css(const struct why *w, int err, char *buf, size_t size)
{
	const char *dev = str(w->dev, "?");
	const char *drv = str(w->driver, "its driver");

	switch (w->op) {
	case W_OVERRIDE:
		if (err == ENOENT) {
			say(buf, size, "subchannel %s has no driver_override (kernel before 5.3); bind it "
			    "by hand with `echo %s > %s/bus/css/drivers/vfio_ccw/bind` after unbinding it",
			    dev, dev, root(w));
			return;
		}
		if (err == EINVAL) {
			say(buf, size, "the kernel refused '%s' as driver_override of %s; use a driver "
			    "name such as vfio_ccw", str(w->value, "?"), dev);
			return;
		}
		break;
	case W_UNBIND:
		if (err == ENODEV) {
			say(buf, size, "subchannel %s is no longer bound to %s (something changed it "
			    "meanwhile); look with lscss and run the command again", dev, drv);
			return;
		}
		break;
	case W_PROBE:
		if (err == EINVAL || err == ENODEV) {
			if (w->driver && !strcmp(w->driver, "vfio_ccw"))
				say(buf, size, "vfio_ccw refused subchannel %s: it is most likely a QDIO "
				    "subchannel (OSA, FCP, HiperSockets), which vfio-ccw cannot pass "
				    "through; pick a non-QDIO device such as a DASD", dev);
			else
				say(buf, size, "no driver took subchannel %s when it was probed; check "
				    "driver_override and the kernel log (dmesg)", dev);
			return;
		}
		break;
	case W_ONLINE:
		if (err == EINVAL) {
			say(buf, size, "device %s could not be set %s: it already is, or it has no ccw "
			    "driver; check with lscss", dev, str(w->value, "0")[0] == '0' ? "offline" : "online");
			return;
		}
		if (err == EBUSY) {
			say(buf, size, "device %s is in use on the host (mounted or held open); stop using "
			    "it there, then run the command again", dev);
			return;
		}
		if (err == EAGAIN) {
			say(buf, size, "device %s is in the middle of a state change; try again in a "
			    "moment", dev);
			return;
		}
		if (err == ENODEV) {
			say(buf, size, "device %s is not operational (boxed or gone); check its paths with "
			    "lscss and lschp", dev);
			return;
		}
		break;
	default:
		break;
	}
	if (!explain_common(w, err, buf, size))
		say(buf, size, "the change to %s failed: %s; see the kernel log (dmesg)", dev, strerror(err));
}

void explain(const struct why *w, int err, char *buf, size_t size)
{
	if (err < 0)
		err = -err;
	switch (w->op) {
	case W_CREATE:
		explain_create(w, err, buf, size);
		return;
	case W_REMOVE:
		explain_remove(w, err, buf, size);
		return;
	case W_ASSIGN_ADAPTER:
	case W_ASSIGN_DOMAIN:
	case W_ASSIGN_CONTROL:
	case W_UNASSIGN_ADAPTER:
	case W_UNASSIGN_DOMAIN:
	case W_UNASSIGN_CONTROL:
		explain_assign(w, err, buf, size);
		return;
	case W_APMASK:
	case W_AQMASK:
		explain_mask(w, err, buf, size);
		return;
	case W_OVERRIDE:
	case W_UNBIND:
	case W_PROBE:
	case W_ONLINE:
		explain_css(w, err, buf, size);
		return;
	case W_OTHER:
		break;
	}
	if (!explain_common(w, err, buf, size))
		say(buf, size, "a sysfs write failed: %s", strerror(err));
}
