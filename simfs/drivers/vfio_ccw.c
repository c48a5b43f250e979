// SPDX-License-Identifier: MIT
/*
 * vfio_ccw (drivers/s390/cio/vfio_ccw_drv.c, vfio_ccw_ops.c): a css driver
 * for non-QDIO I/O subchannels that makes each one an mdev parent with
 * one instance of type "io", and the vfio_ccw_mdev driver on the mdev bus.
 */
#include "vfio_ccw.h"

#include "../sim.h"
#include "css.h"
#include "mdev.h"

#include <errno.h>
#include <stdlib.h>

struct vfio_ccw_private {
	struct subchannel *sch;
	struct device parent_dev;	/* <sch>/parent (6.3+) */
	struct mdev_parent parent;
	struct mdev_type type;
	struct mdev_type *types[1];
};

struct vfio_ccw {
	struct module *mod;
	struct css_driver css_drv;
	struct mdev_driver mdev_drv;
};

static int vfio_ccw_mdev_probe(struct mdev_device *mdev)
{
	return mdev_vfio_probe(mdev);
}

static void vfio_ccw_mdev_remove(struct mdev_device *mdev)
{
	mdev_vfio_remove(mdev);
}

static void vfio_ccw_free_private(struct vfio_ccw_private *private)
{
	private->sch->vfio_private = NULL;
	free(private);
}

/* vfio_ccw_sch_probe(): QDIO subchannels are refused with ENODEV. */
static int vfio_ccw_sch_probe(struct device *dev)
{
	struct subchannel *sch = to_subchannel(dev);
	struct sim *sim = dev->sim;
	struct vfio_ccw_private *private;
	int err;

	if (sch->qdio)
		return -ENODEV;
	private = calloc(1, sizeof(*private));
	if (!private)
		return -ENOMEM;
	private->sch = sch;
	sch->vfio_private = private;
	if (sim->kernel_version >= KERNEL_VERSION(6, 3, 0)) {
		device_initialize(&private->parent_dev, sim, "parent");
		private->parent_dev.parent = dev;
		err = device_add(&private->parent_dev);
		if (err)
			goto fail;
	}
	private->type.sysfs_name = "io";
	private->type.pretty_name = "I/O subchannel (Non-QDIO)";
	private->type.device_api = "vfio-ccw";
	private->types[0] = &private->type;
	private->parent.available_instances = 1;
	err = mdev_register_parent(sim, &private->parent, dev, &sim->vfio_ccw->mdev_drv,
				   private->types, 1);
	if (err)
		goto fail;
	return 0;
fail:
	if (private->parent_dev.name)
		device_unregister(&private->parent_dev);
	vfio_ccw_free_private(private);
	return err;
}

static void vfio_ccw_sch_remove(struct device *dev)
{
	struct subchannel *sch = to_subchannel(dev);
	struct vfio_ccw_private *private = sch->vfio_private;

	if (!private)
		return;
	mdev_unregister_parent(&private->parent);
	if (private->parent_dev.name)
		device_unregister(&private->parent_dev);
	vfio_ccw_free_private(private);
}

int vfio_ccw_init(struct sim *sim)
{
	struct vfio_ccw *vc;
	int err;

	if (!sim->css || !sim->mdev || !sim->vfio)
		return -ENODEV;
	vc = calloc(1, sizeof(*vc));
	if (!vc)
		return -ENOMEM;
	vc->mod = module_load(sim, "vfio_ccw", 32768);
	if (!vc->mod) {
		free(vc);
		return -ENOMEM;
	}
	sim->vfio_ccw = vc;
	vc->mdev_drv.driver.name = "vfio_ccw_mdev";
	vc->mdev_drv.driver.owner = vc->mod;
	vc->mdev_drv.probe = vfio_ccw_mdev_probe;
	vc->mdev_drv.remove = vfio_ccw_mdev_remove;
	err = mdev_register_driver(sim, &vc->mdev_drv);
	if (err)
		goto fail;
	vc->css_drv.drv.name = "vfio_ccw";
	vc->css_drv.drv.owner = vc->mod;
	vc->css_drv.drv.probe = vfio_ccw_sch_probe;
	vc->css_drv.drv.remove = vfio_ccw_sch_remove;
	vc->css_drv.subchannel_types = 1u << SUBCHANNEL_TYPE_IO;
	err = css_register_driver(sim->css, &vc->css_drv);
	if (err)
		goto fail;
	return 0;
fail:
	vfio_ccw_exit(sim);
	return err;
}

/* rmmod vfio_ccw: every subchannel it drives is released and left driverless. */
void vfio_ccw_exit(struct sim *sim)
{
	struct vfio_ccw *vc = sim->vfio_ccw;

	if (!vc)
		return;
	driver_unregister(&vc->css_drv.drv);
	mdev_unregister_driver(&vc->mdev_drv);
	module_unload(vc->mod);
	free(vc);
	sim->vfio_ccw = NULL;
}
