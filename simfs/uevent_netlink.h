/* SPDX-License-Identifier: MIT */
/*
 * Uevents as the kernel sends them: every uevent the model records also
 * goes out as a NETLINK_KOBJECT_UEVENT message to multicast group 1, in the
 * kernel's format ("ACTION@DEVPATH\0ACTION=...\0DEVPATH=...\0SUBSYSTEM=...\0
 * ...SEQNUM=N\0").  Only in a private network namespace (one with no
 * interface but lo, as unshare -n makes), unless forced: the host's own
 * listeners must not hear of a simulated machine.  Sending needs
 * CAP_NET_ADMIN in the namespace's user namespace.
 *
 * Listeners that read the socket themselves see the messages.  systemd's
 * sd-device (udevd, udevadm monitor, libudev) drops kernel-group messages
 * whose sender is not the kernel (port id 0), which no process can be, so
 * udev rules do not run on them.
 */
#ifndef SIMFS_UEVENT_NETLINK_H
#define SIMFS_UEVENT_NETLINK_H

#include <stdbool.h>
#include <stddef.h>

struct sim;
struct uevent_record;

struct uevent_netlink {
	int fd;
	unsigned long long sent, failed;
	int last_err;
};

/*
 * Start sending (the sink is set on @sim; call under the model lock).
 * -EPERM outside a private network namespace unless @force, or the
 * socket's errno; @why gets a sentence.
 */
int uevent_netlink_start(struct uevent_netlink **out, struct sim *sim, bool force, char *why,
			 size_t whylen);
void uevent_netlink_stop(struct uevent_netlink **nl, struct sim *sim);

/* The message for @r, as the kernel builds it; its length (0 if it does not fit). */
size_t uevent_netlink_format(const struct uevent_record *r, char *buf, size_t size);

#endif /* SIMFS_UEVENT_NETLINK_H */
