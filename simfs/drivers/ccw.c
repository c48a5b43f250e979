// SPDX-License-Identifier: MIT
/*
 * ccw devices and the ccw bus (drivers/s390/cio/device.c): the child
 * device of an I/O subchannel driven by io_subchannel, its attributes and
 * the online/offline rules.
 */
#include "css.h"
#include "virtio.h"

#include "../parse.h"
#include "../sim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* virtio_ccw's online/offline register and unregister the virtio device below. */
static bool is_virtio_ccw(const struct device_driver *drv)
{
	return drv && !strcmp(drv->name, "virtio_ccw");
}

static struct ccw_device *obj_to_cdev(void *obj)
{
	return to_ccwdev(obj);
}

static int ccw_modalias(const struct ccw_device *cdev, char *buf, size_t size)
{
	const struct ccw_id *id = &cdev->sch->id;

	if (id->dev_type)
		return snprintf(buf, size, "ccw:t%04Xm%02Xdt%04Xdm%02X", id->cu_type, id->cu_model,
				id->dev_type, id->dev_model);
	return snprintf(buf, size, "ccw:t%04Xm%02Xdtdm", id->cu_type, id->cu_model);
}

static ssize_t devtype_show(void *obj, char *buf)
{
	const struct ccw_id *id = &obj_to_cdev(obj)->sch->id;

	if (!id->dev_type)
		return sprintf(buf, "n/a\n");
	return sprintf(buf, "%04x/%02x\n", id->dev_type, id->dev_model);
}

static ssize_t cutype_show(void *obj, char *buf)
{
	const struct ccw_id *id = &obj_to_cdev(obj)->sch->id;

	return sprintf(buf, "%04x/%02x\n", id->cu_type, id->cu_model);
}

static ssize_t modalias_show(void *obj, char *buf)
{
	int n = ccw_modalias(obj_to_cdev(obj), buf, SYSFS_PAGE_SIZE - 1);

	buf[n++] = '\n';
	return n;
}

static ssize_t online_show(void *obj, char *buf)
{
	return sprintf(buf, "%d\n", obj_to_cdev(obj)->online);
}

/*
 * online_store(): the written bytes are compared with "force\n" over their
 * own length (so "f" forces), else kstrtoul base 16; 0 sets offline, 1
 * online, both EINVAL when there is nothing to do or no driver.
 */
static ssize_t online_store(void *obj, const char *buf, size_t len)
{
	struct ccw_device *cdev = obj_to_cdev(obj);
	unsigned long val;
	int err;

	if (!strncmp(buf, "force\n", len)) {
		val = 1;
	} else {
		err = kstrtoul(buf, len, 16, &val);
		if (err)
			return err;
	}
	switch (val) {
	case 0:
		if (!cdev->dev.driver || !cdev->online)
			return -EINVAL;
		virtio_ccw_del(cdev->dev.sim, cdev);
		cdev->online = false;
		break;
	case 1:
		if (!cdev->dev.driver || cdev->online)
			return -EINVAL;
		if (cdev->sch->id.availability != CCW_AVAIL_GOOD)
			return -ENODEV;
		if (is_virtio_ccw(cdev->dev.driver)) {
			err = virtio_ccw_add(cdev->dev.sim, cdev);
			if (err)
				return err;
		}
		cdev->online = true;
		break;
	default:
		return -EINVAL;
	}
	device_uevent(&cdev->dev, val ? "online" : "offline", NULL);
	return (ssize_t)len;
}

static ssize_t availability_show(void *obj, char *buf)
{
	static const char *const text[] = {
		[CCW_AVAIL_GOOD] = "good", [CCW_AVAIL_BOXED] = "boxed",
		[CCW_AVAIL_NO_PATH] = "no path", [CCW_AVAIL_NO_DEVICE] = "no device",
	};

	return sprintf(buf, "%s\n", text[obj_to_cdev(obj)->sch->id.availability]);
}

static ssize_t cmb_enable_show(void *obj, char *buf)
{
	return sprintf(buf, "%d\n", obj_to_cdev(obj)->cmb_enabled);
}

/* cmb_enable_store(): kstrtoul base 16; 0 disables, 1 enables, else EINVAL. */
static ssize_t cmb_enable_store(void *obj, const char *buf, size_t len)
{
	struct ccw_device *cdev = obj_to_cdev(obj);
	unsigned long val;
	int err = kstrtoul(buf, len, 16, &val);

	if (err)
		return err;
	if (val > 1)
		return -EINVAL;
	cdev->cmb_enabled = val;
	return (ssize_t)len;
}

static const struct kn_attr ccw_attr_devtype = __ATTR_RO(devtype);
static const struct kn_attr ccw_attr_cutype = __ATTR_RO(cutype);
static const struct kn_attr ccw_attr_modalias = __ATTR_RO(modalias);
static const struct kn_attr ccw_attr_online = __ATTR_RW(online);
static const struct kn_attr ccw_attr_availability = __ATTR_RO(availability);
static const struct kn_attr ccw_attr_cmb_enable = __ATTR_RW(cmb_enable);

static const struct kn_attr *const ccwdev_attrs[] = {
	&ccw_attr_devtype, &ccw_attr_cutype, &ccw_attr_modalias, NULL,
};
static const struct attr_group ccwdev_attr_group = { .attrs = ccwdev_attrs };
static const struct kn_attr *const ccwdev_io_attrs[] = {
	&ccw_attr_online, &ccw_attr_availability, &ccw_attr_cmb_enable, NULL,
};
static const struct attr_group ccwdev_io_group = { .attrs = ccwdev_io_attrs };
static const struct attr_group *const ccwdev_groups[] = { &ccwdev_attr_group, &ccwdev_io_group, NULL };
static const struct device_type ccw_device_type = { .groups = ccwdev_groups };

static int ccw_uevent(const struct device *dev, struct uevent_env *env)
{
	const struct ccw_device *cdev = container_of(dev, struct ccw_device, dev);
	const struct ccw_id *id = &cdev->sch->id;
	char modalias[64];

	ccw_modalias(cdev, modalias, sizeof(modalias));
	add_uevent_var(env, "CU_TYPE=%04X", id->cu_type);
	add_uevent_var(env, "CU_MODEL=%02X", id->cu_model);
	add_uevent_var(env, "DEV_TYPE=%04X", id->dev_type);
	add_uevent_var(env, "DEV_MODEL=%02X", id->dev_model);
	return add_uevent_var(env, "MODALIAS=%s", modalias);
}

/* ccw drivers match by device id tables; the topology names the driver. */
static int ccw_bus_match(struct device *dev, struct device_driver *drv)
{
	return !strcmp(to_ccwdev(dev)->sch->id.driver, drv->name);
}

static int ccw_bus_probe(struct device *dev)
{
	struct ccw_device *cdev = to_ccwdev(dev);
	struct ccw_driver *cdrv = container_of(dev->driver, struct ccw_driver, drv);

	/* virtio_ccw sets its devices online itself; the DASD drivers do not. */
	if (cdrv->auto_online && cdev->sch->id.availability == CCW_AVAIL_GOOD)
		cdev->online = true;
	if (cdev->online && is_virtio_ccw(dev->driver))
		return virtio_ccw_add(dev->sim, cdev);
	return 0;
}

static void ccw_bus_remove(struct device *dev)
{
	virtio_ccw_del(dev->sim, to_ccwdev(dev));
	to_ccwdev(dev)->online = false;
}

int ccw_bus_init(struct css *css)
{
	css->ccw_bus.name = "ccw";
	css->ccw_bus.match = ccw_bus_match;
	css->ccw_bus.probe = ccw_bus_probe;
	css->ccw_bus.remove = ccw_bus_remove;
	css->ccw_bus.uevent = ccw_uevent;
	return bus_register(css->sim, &css->ccw_bus);
}

struct ccw_driver *ccw_driver_get(struct css *css, const char *name, bool auto_online)
{
	struct ccw_driver *cdrv;

	list_for_each_entry(cdrv, &css->ccw_drivers, node)
		if (!strcmp(cdrv->drv.name, name))
			return cdrv;
	cdrv = calloc(1, sizeof(*cdrv));
	if (!cdrv)
		return NULL;
	cdrv->drv.name = strdup(name);
	cdrv->drv.bus = &css->ccw_bus;
	cdrv->auto_online = auto_online;
	if (!cdrv->drv.name || driver_register(&cdrv->drv)) {
		free((char *)cdrv->drv.name);
		free(cdrv);
		return NULL;
	}
	list_add_tail(&cdrv->node, &css->ccw_drivers);
	return cdrv;
}

static void ccw_device_release(struct device *dev)
{
	free(to_ccwdev(dev));
}

int ccw_device_register(struct subchannel *sch)
{
	struct ccw_device *cdev = calloc(1, sizeof(*cdev));
	char name[16];
	int err;

	if (!cdev)
		return -ENOMEM;
	cdev->sch = sch;
	snprintf(name, sizeof(name), "%x.%x.%04x", sch->css->cssid, sch->ssid, sch->id.devno);
	device_initialize(&cdev->dev, sch->dev.sim, name);
	cdev->dev.parent = &sch->dev;
	cdev->dev.bus = &sch->css->ccw_bus;
	cdev->dev.type = &ccw_device_type;
	cdev->dev.release = ccw_device_release;
	sch->cdev = cdev;
	err = device_add(&cdev->dev);
	if (err) {
		sch->cdev = NULL;
		device_unregister(&cdev->dev);
	}
	return err;
}

void ccw_device_unregister(struct subchannel *sch)
{
	struct ccw_device *cdev = sch->cdev;

	if (!cdev)
		return;
	sch->cdev = NULL;
	device_unregister(&cdev->dev);
}
