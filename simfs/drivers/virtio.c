// SPDX-License-Identifier: MIT
/*
 * The virtio bus as a real 6.12 guest shows it: virtioN with device,
 * vendor, status, modalias and features, "DRIVER=" then "MODALIAS=" in the
 * uevent, and the driver links.  A device no driver takes stays at status
 * ACKNOWLEDGE (0x1) with no features; a driven one reaches
 * ACKNOWLEDGE|DRIVER|DRIVER_OK|FEATURES_OK (0xf) with the features the
 * topology says were negotiated.  The block/net devices the drivers would
 * create below (block/vda, ...) are not modelled.
 */
#include "virtio.h"

#include "../driver_core.h"
#include "../sim.h"
#include "css.h"
#include "../topology.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VIRTIO_MAX_DEVICES 4096

struct virtio_device {
	struct device dev;
	struct ccw_device *cdev;
	unsigned int index;
};

struct virtio_bus {
	struct bus_type bus;
	struct device_driver *drivers[8];
	unsigned int nr_drivers;
	struct virtio_device *by_index[VIRTIO_MAX_DEVICES];
};

static struct virtio_device *to_virtio(void *obj)
{
	return container_of((struct device *)obj, struct virtio_device, dev);
}

static const struct ccw_id *vid(void *obj)
{
	return &to_virtio(obj)->cdev->sch->id;
}

static ssize_t device_show(void *obj, char *buf)
{
	return sprintf(buf, "0x%04x\n", vid(obj)->cu_model);
}

static ssize_t vendor_show(void *obj, char *buf)
{
	return sprintf(buf, "0x%04x\n", vid(obj)->cu_type);
}

static ssize_t status_show(void *obj, char *buf)
{
	return sprintf(buf, "0x%08x\n", to_virtio(obj)->dev.driver ? 0xf : 0x1);
}

static ssize_t modalias_show(void *obj, char *buf)
{
	return sprintf(buf, "virtio:d%08Xv%08X\n", vid(obj)->cu_model, vid(obj)->cu_type);
}

/* One character per feature bit, 64 of them: what the driver negotiated. */
static ssize_t features_show(void *obj, char *buf)
{
	const char *f = vid(obj)->virtio ? vid(obj)->virtio->features : "";

	if (!to_virtio(obj)->dev.driver || !*f)
		f = "0000000000000000000000000000000000000000000000000000000000000000";
	return sprintf(buf, "%s\n", f);
}

static const struct kn_attr virtio_attr_device = __ATTR_RO(device);
static const struct kn_attr virtio_attr_vendor = __ATTR_RO(vendor);
static const struct kn_attr virtio_attr_status = __ATTR_RO(status);
static const struct kn_attr virtio_attr_modalias = __ATTR_RO(modalias);
static const struct kn_attr virtio_attr_features = __ATTR_RO(features);
static const struct kn_attr *const virtio_dev_attrs[] = {
	&virtio_attr_device, &virtio_attr_vendor, &virtio_attr_status, &virtio_attr_modalias,
	&virtio_attr_features, NULL,
};
static const struct attr_group virtio_dev_group = { .attrs = virtio_dev_attrs };
static const struct attr_group *const virtio_dev_groups[] = { &virtio_dev_group, NULL };
static const struct device_type virtio_device_type = { .groups = virtio_dev_groups };

static int virtio_uevent(const struct device *dev, struct uevent_env *env)
{
	const struct virtio_device *vd = container_of(dev, struct virtio_device, dev);
	const struct ccw_id *id = &vd->cdev->sch->id;

	return add_uevent_var(env, "MODALIAS=virtio:d%08Xv%08X", id->cu_model, id->cu_type);
}

/* Drivers match by device id; the topology names the driver that takes the device. */
static int virtio_match(struct device *dev, struct device_driver *drv)
{
	const struct ccw_virtio_id *v = to_virtio(dev)->cdev->sch->id.virtio;

	return v && !strcmp(v->driver, drv->name);
}

static struct device_driver *virtio_driver_get(struct virtio_bus *vb, const char *name)
{
	struct device_driver *drv;

	for (unsigned int i = 0; i < vb->nr_drivers; i++)
		if (!strcmp(vb->drivers[i]->name, name))
			return vb->drivers[i];
	if (vb->nr_drivers == sizeof(vb->drivers) / sizeof(vb->drivers[0]))
		return NULL;
	drv = calloc(1, sizeof(*drv));
	if (!drv || !(drv->name = strdup(name))) {
		free(drv);
		return NULL;
	}
	drv->bus = &vb->bus;
	if (driver_register(drv)) {
		free((char *)drv->name);
		free(drv);
		return NULL;
	}
	vb->drivers[vb->nr_drivers++] = drv;
	return drv;
}

int virtio_bus_init(struct sim *sim, const struct topology *topo)
{
	struct virtio_bus *vb;
	int err;

	if (sim->virtio)
		return 0;
	vb = calloc(1, sizeof(*vb));
	if (!vb)
		return -ENOMEM;
	vb->bus.name = "virtio";
	vb->bus.match = virtio_match;
	vb->bus.uevent = virtio_uevent;
	err = bus_register(sim, &vb->bus);
	if (err) {
		free(vb);
		return err;
	}
	sim->virtio = vb;
	/* The drivers the topology's virtio devices use are built in. */
	for (unsigned int i = 0; i < topo->nr_virtio_drivers; i++)
		if (!virtio_driver_get(vb, topo->virtio_drivers[i]))
			return -ENOMEM;
	for (unsigned int i = 0; i < topo->nr_schs; i++) {
		const char *name = topo->schs[i].dev.virtio_driver;

		if (*name && !virtio_driver_get(vb, name))
			return -ENOMEM;
	}
	return 0;
}

void virtio_bus_exit(struct sim *sim)
{
	struct virtio_bus *vb = sim->virtio;

	if (!vb)
		return;
	for (unsigned int i = 0; i < vb->nr_drivers; i++) {
		driver_unregister(vb->drivers[i]);
		free((char *)vb->drivers[i]->name);
		free(vb->drivers[i]);
	}
	bus_unregister(&vb->bus);
	free(vb);
	sim->virtio = NULL;
}

static void virtio_release(struct device *dev)
{
	struct virtio_device *vd = container_of(dev, struct virtio_device, dev);
	struct virtio_bus *vb = dev->sim->virtio;

	if (vb && vb->by_index[vd->index] == vd)
		vb->by_index[vd->index] = NULL;
	vd->cdev->virtio = NULL;
	free(vd);
}

int virtio_ccw_add(struct sim *sim, struct ccw_device *cdev)
{
	struct virtio_bus *vb = sim->virtio;
	struct virtio_device *vd;
	char name[24];
	unsigned int i;
	int err;

	if (!vb || cdev->virtio)
		return vb ? 0 : -ENODEV;
	/* The index comes from an ida: the lowest free number. */
	for (i = 0; i < VIRTIO_MAX_DEVICES && vb->by_index[i]; i++)
		;
	if (i == VIRTIO_MAX_DEVICES)
		return -ENOSPC;
	vd = calloc(1, sizeof(*vd));
	if (!vd)
		return -ENOMEM;
	vd->cdev = cdev;
	vd->index = i;
	vb->by_index[i] = vd;
	cdev->virtio = vd;
	snprintf(name, sizeof(name), "virtio%u", i);
	device_initialize(&vd->dev, sim, name);
	vd->dev.parent = &cdev->dev;
	vd->dev.bus = &vb->bus;
	vd->dev.type = &virtio_device_type;
	vd->dev.release = virtio_release;
	err = device_add(&vd->dev);
	if (err)
		device_unregister(&vd->dev);
	return err;
}

void virtio_ccw_del(struct sim *sim, struct ccw_device *cdev)
{
	if (cdev->virtio)
		device_unregister(&((struct virtio_device *)cdev->virtio)->dev);
}
