/* SPDX-License-Identifier: MIT */
/*
 * Guests: what QEMU starting a KVM guest with an mdev does to the host --
 * it opens the mdev's VFIO device, and the vendor driver learns of the
 * guest (vfio_ap: the guest's KVM; its queues then read "in use").  While
 * a guest has it, removing the mdev (its remove file, the forced removal
 * when its parent is unbound, an unbind of the mdev itself) waits until the
 * guest lets go; before ~5.15 vfio_ap's remove refused with EBUSY instead.
 *
 * Everything here runs under the model lock.
 */
#ifndef SIMFS_GUEST_H
#define SIMFS_GUEST_H

#include <stdbool.h>
#include <stdint.h>

struct sim;
struct device;
struct mdev_device;

/*
 * -ENODEV: no such mdev, or it is being removed, or has no driver;
 * -EBUSY: a guest has it already.
 */
int guest_attach(struct sim *sim, const uint8_t uuid[16]);
/* -ENODEV: no such mdev; -ENOENT: no guest has it.  A waiting removal then goes on. */
int guest_detach(struct sim *sim, const uint8_t uuid[16]);

/* Does a guest have an mdev of parent @parent (NULL: any) whose mdev driver is @drv_name (NULL: any)? */
bool guest_holds(struct sim *sim, const struct device *parent, const char *drv_name);

/* Every mdev a guest has, in creation order. */
void guest_for_each(struct sim *sim, void (*fn)(struct mdev_device *mdev, void *arg), void *arg);

#endif /* SIMFS_GUEST_H */
