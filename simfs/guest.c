// SPDX-License-Identifier: MIT
/*
 * Guests attached to mdevs (guest.h): the VFIO device opened as QEMU opens
 * it, and the vendor driver's open_device/close_device.
 */
#include "guest.h"

#include "drivers/mdev.h"
#include "sim.h"

#include <errno.h>
#include <string.h>

static struct mdev_driver *mdev_driver_of(struct mdev_device *mdev)
{
	return mdev->dev.driver ? container_of(mdev->dev.driver, struct mdev_driver, driver) : NULL;
}

int guest_attach(struct sim *sim, const uint8_t uuid[16])
{
	struct mdev_device *mdev = mdev_find(sim, uuid);
	struct mdev_driver *drv;
	int err;

	if (!mdev || !mdev->active || mdev->type->parent->unregistering || !(drv = mdev_driver_of(mdev)))
		return -ENODEV;
	err = vfio_device_open(sim, &mdev->vdev);
	if (err)
		return err;
	if (drv->open_device) {
		err = drv->open_device(mdev);
		if (err) {
			vfio_device_close(sim, &mdev->vdev);
			return err;
		}
	}
	/* vfio_device_open(): try_module_get() of the vendor driver's module, so rmmod says "in use". */
	if (drv->driver.owner)
		drv->driver.owner->refcnt++;
	return 0;
}

int guest_detach(struct sim *sim, const uint8_t uuid[16])
{
	struct mdev_device *mdev = mdev_find(sim, uuid);
	struct mdev_driver *drv;

	if (!mdev)
		return -ENODEV;
	if (!mdev->vdev.open_count)
		return -ENOENT;
	/* The vendor's state outlives the wait of a removal under way: it goes after it. */
	drv = mdev_driver_of(mdev);
	if (drv && drv->close_device)
		drv->close_device(mdev);
	if (drv && drv->driver.owner && drv->driver.owner->refcnt)
		drv->driver.owner->refcnt--;
	vfio_device_close(sim, &mdev->vdev);
	return 0;
}

bool guest_holds(struct sim *sim, const struct device *parent, const char *drv_name)
{
	struct mdev_device *mdev;

	if (!sim->mdev)
		return false;
	list_for_each_entry(mdev, &sim->mdev->mdevs, node) {
		const struct mdev_driver *drv = mdev_driver_of(mdev);

		if (!mdev->vdev.open_count || (parent && mdev->dev.parent != parent))
			continue;
		if (!drv_name || (drv && !strcmp(drv->driver.name, drv_name)))
			return true;
	}
	return false;
}

void guest_for_each(struct sim *sim, void (*fn)(struct mdev_device *mdev, void *arg), void *arg)
{
	struct mdev_device *mdev;

	if (!sim->mdev)
		return;
	list_for_each_entry(mdev, &sim->mdev->mdevs, node)
		if (mdev->vdev.open_count)
			fn(mdev, arg);
}
