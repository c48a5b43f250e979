// SPDX-License-Identifier: MIT
/*
 * VFIO for emulated-IOMMU (mdev) devices: the group, its character device
 * and the vfio-dev child, as drivers/vfio/group.c and vfio_main.c create
 * them.  Group numbers and vfioN indexes are the lowest free ones, and are
 * reused after removal (the transcripts show group 0 reused).
 */
#include "vfio.h"

#include "../sim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VFIO_GROUP_MAJOR 254	/* dynamic; the value the transcripts show */

struct vfio_group {
	struct vfio_core *core;
	int id;
	struct kn *dir, *devices_dir;
	struct device dev;		/* /sys/devices/virtual/vfio/N */
	char devname[32];
};

static ssize_t name_show(void *obj, char *buf)
{
	return sprintf(buf, "vfio-noiommu\n");
}

static ssize_t reserved_regions_show(void *obj, char *buf)
{
	return 0;
}

/* iommu_group_show_type(): an emulated group has no default domain. */
static ssize_t type_show(void *obj, char *buf)
{
	return sprintf(buf, "unknown\n");
}

static const struct kn_attr group_attr_name = __ATTR_RO(name);
static const struct kn_attr group_attr_reserved_regions = __ATTR_RO(reserved_regions);
static const struct kn_attr group_attr_type = __ATTR_RO(type);
static const struct kn_attr *const iommu_group_attrs[] = {
	&group_attr_name, &group_attr_reserved_regions, &group_attr_type, NULL,
};
/* Before ~5.16 the mdev core made the group itself, without a name. */
static uint16_t iommu_group_attr_visible(void *obj, const struct kn_attr *attr)
{
	const struct vfio_group *grp = obj;

	if (attr == &group_attr_name && grp->core->sim->kernel_version < KERNEL_VERSION(5, 16, 0))
		return 0;
	return attr->mode;
}

static const struct attr_group iommu_group_group = {
	.attrs = iommu_group_attrs, .is_visible = iommu_group_attr_visible,
};

static ssize_t dev_show(void *obj, char *buf)
{
	struct device *dev = obj;

	return sprintf(buf, "%u:%u\n", dev->devt_major, dev->devt_minor);
}

static const struct kn_attr vfio_group_attr_dev = __ATTR_RO(dev);
static const struct kn_attr *const vfio_group_dev_attrs[] = { &vfio_group_attr_dev, NULL };
static const struct attr_group vfio_group_dev_group = { .attrs = vfio_group_dev_attrs };
static const struct attr_group *const vfio_group_dev_groups[] = { &vfio_group_dev_group, NULL };

static void vfio_group_free(struct vfio_group *grp)
{
	struct vfio_core *core = grp->core;
	struct kernfs_root *kr = &core->sim->kfs;

	core->groups[grp->id] = NULL;
	if (grp->id < core->first_free_group)
		core->first_free_group = grp->id;
	kernfs_remove(kr, grp->dir);
	if (grp->dev.registered || grp->dev.name)
		device_unregister(&grp->dev);
	free(grp);
	/* cleanup_glue_dir(): the class's directory under devices/virtual goes with its last device. */
	if (core->virtual_vfio_dir && !core->virtual_vfio_dir->dir.first) {
		kernfs_remove(kr, core->virtual_vfio_dir);
		core->virtual_vfio_dir = NULL;
	}
}

static struct vfio_group *vfio_group_alloc(struct vfio_core *core)
{
	struct kernfs_root *kr = &core->sim->kfs;
	struct vfio_group *grp;
	char name[16];
	int id;

	for (id = core->first_free_group; id < VFIO_MAX_GROUPS && core->groups[id]; id++)
		;
	core->first_free_group = id + 1;
	if (id == VFIO_MAX_GROUPS)
		return NULL;
	grp = calloc(1, sizeof(*grp));
	if (!grp)
		return NULL;
	grp->core = core;
	grp->id = id;
	core->groups[id] = grp;
	snprintf(name, sizeof(name), "%d", id);
	grp->dir = kernfs_create_dir(kr, core->iommu_groups_dir, name);
	if (!grp->dir || !(grp->devices_dir = kernfs_create_dir(kr, grp->dir, "devices")) ||
	    kernfs_create_group(kr, grp->dir, &iommu_group_group, grp))
		goto fail;

	if (!core->virtual_vfio_dir) {
		core->virtual_vfio_dir = kernfs_create_dir(kr, core->sim->virtual_dir, "vfio");
		if (!core->virtual_vfio_dir)
			goto fail;
	}
	device_initialize(&grp->dev, core->sim, name);
	grp->dev.glue_dir = core->virtual_vfio_dir;
	grp->dev.class = &core->vfio_class;
	grp->dev.groups = vfio_group_dev_groups;
	grp->dev.devt_major = VFIO_GROUP_MAJOR;
	grp->dev.devt_minor = (unsigned int)id;
	snprintf(grp->devname, sizeof(grp->devname), "vfio/%d", id);
	grp->dev.devname = grp->devname;
	if (device_add(&grp->dev))
		goto fail;
	return grp;
fail:
	vfio_group_free(grp);
	return NULL;
}

int vfio_register_emulated_dev(struct sim *sim, struct vfio_device *vdev, struct device *dev)
{
	struct vfio_core *core = sim->vfio;
	struct kernfs_root *kr = &sim->kfs;
	char name[32];
	int err = -ENOMEM;

	if (!core)
		return -ENODEV;
	memset(vdev, 0, sizeof(*vdev));
	vdev->dev = dev;
	vdev->index = -1;
	vdev->group = vfio_group_alloc(core);
	if (!vdev->group)
		return -ENOMEM;
	if (!kernfs_create_link(kr, dev->dir, "iommu_group", vdev->group->dir) ||
	    !kernfs_create_link(kr, vdev->group->devices_dir, dev->name, dev->dir))
		goto fail;

	for (int i = core->first_free_index; i < VFIO_MAX_GROUPS; i++) {
		if (!core->device_index_used[i]) {
			vdev->index = i;
			core->device_index_used[i] = 1;
			core->first_free_index = i + 1;
			break;
		}
	}
	if (vdev->index < 0)
		goto fail;
	/* The vfio_device got its struct device (vfio-dev/vfioN) in 6.1. */
	if (sim->kernel_version < KERNEL_VERSION(6, 1, 0))
		return 0;
	vdev->glue_dir = kernfs_create_dir(kr, dev->dir, "vfio-dev");
	if (!vdev->glue_dir)
		goto fail;
	snprintf(name, sizeof(name), "vfio%d", vdev->index);
	device_initialize(&vdev->vfio_dev, sim, name);
	vdev->vfio_dev.parent = dev;
	vdev->vfio_dev.glue_dir = vdev->glue_dir;
	vdev->vfio_dev.class = &core->vfio_dev_class;
	err = device_add(&vdev->vfio_dev);
	if (err)
		goto fail;
	return 0;
fail:
	vfio_unregister_dev(sim, vdev);
	return err;
}

void vfio_unregister_dev(struct sim *sim, struct vfio_device *vdev)
{
	struct vfio_core *core = sim->vfio;
	struct kernfs_root *kr = &sim->kfs;

	/* vfio_device_del(): no new user can find it through vfio-dev. */
	if (vdev->vfio_dev.name)
		device_unregister(&vdev->vfio_dev);
	kernfs_remove(kr, vdev->glue_dir);
	vdev->glue_dir = NULL;
	if (vdev->index >= 0) {
		core->device_index_used[vdev->index] = 0;
		if (vdev->index < core->first_free_index)
			core->first_free_index = vdev->index;
	}
	vdev->index = -1;
	/*
	 * Wait for the user to let go (the kernel sends it a "request" and
	 * waits; a signal does not end the wait).  Only a dying model ends it
	 * early, as if the user had gone.
	 */
	while (vdev->open_count && !sim_wait(sim))
		;
	vdev->open_count = 0;
	if (vdev->dev->dir)
		kernfs_remove_by_name(kr, vdev->dev->dir, "iommu_group");
	if (vdev->group)
		vfio_group_free(vdev->group);
	vdev->group = NULL;
}

int vfio_device_open(struct sim *sim, struct vfio_device *vdev)
{
	if (!vdev->group || vdev->index < 0)
		return -ENODEV;
	if (vdev->open_count)
		return -EBUSY;
	vdev->open_count = 1;
	return 0;
}

void vfio_device_close(struct sim *sim, struct vfio_device *vdev)
{
	if (!vdev->open_count)
		return;
	vdev->open_count = 0;
	sim_wake(sim);
}

int vfio_core_init(struct sim *sim)
{
	struct vfio_core *core = calloc(1, sizeof(*core));
	int err = -ENOMEM;

	if (!core)
		return -ENOMEM;
	core->sim = sim;
	core->device_index_used = calloc(VFIO_MAX_GROUPS, 1);
	if (!core->device_index_used)
		goto fail;
	core->mod = module_load(sim, "vfio", 32768);
	if (!core->mod)
		goto fail;
	core->vfio_class.name = "vfio";
	core->vfio_dev_class.name = "vfio-dev";
	err = class_register(sim, &core->vfio_class);
	if (!err && sim->kernel_version >= KERNEL_VERSION(6, 1, 0))
		err = class_register(sim, &core->vfio_dev_class);
	if (err)
		goto fail;
	core->iommu_groups_dir = kernfs_find(&sim->kfs, sim->kernel_dir, "iommu_groups");
	sim->vfio = core;
	return 0;
fail:
	class_unregister(&core->vfio_class);
	free(core->device_index_used);
	free(core);
	return err;
}

void vfio_core_exit(struct sim *sim)
{
	struct vfio_core *core = sim->vfio;

	if (!core)
		return;
	for (int i = 0; i < VFIO_MAX_GROUPS; i++)
		if (core->groups[i])
			vfio_group_free(core->groups[i]);
	class_unregister(&core->vfio_dev_class);
	class_unregister(&core->vfio_class);
	module_unload(core->mod);
	free(core->device_index_used);
	free(core);
	sim->vfio = NULL;
}
