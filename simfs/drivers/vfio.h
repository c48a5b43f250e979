/* SPDX-License-Identifier: MIT */
/*
 * VFIO as sysfs shows it for mediated devices (drivers/vfio/{vfio_main,
 * group}.c, drivers/iommu/iommu.c): one emulated IOMMU group per device,
 * numbered from 0 with the lowest free number, its group character device
 * under /sys/devices/virtual/vfio, and the vfio-dev/vfioN child device.
 */
#ifndef SIMFS_VFIO_H
#define SIMFS_VFIO_H

#include "../driver_core.h"

#define VFIO_MAX_GROUPS 65536

struct vfio_group;

struct vfio_device {
	struct device *dev;		/* the mdev */
	struct vfio_group *group;
	struct device vfio_dev;		/* vfio-dev/vfioN */
	struct kn *glue_dir;		/* <mdev>/vfio-dev */
	int index;
	unsigned int open_count;	/* a user (QEMU) has it open: unregistration waits */
};

struct vfio_core {
	struct sim *sim;
	struct module *mod;
	struct class vfio_class, vfio_dev_class;
	struct kn *iommu_groups_dir;
	struct kn *virtual_vfio_dir;
	struct vfio_group *groups[VFIO_MAX_GROUPS];
	unsigned char *device_index_used;
	/*
	 * Below these every number is taken: the kernel's ida hands out the
	 * lowest free number, and starting the search here keeps that from
	 * costing the number of mdevs on every create.
	 */
	int first_free_group, first_free_index;
};

int vfio_core_init(struct sim *sim);
void vfio_core_exit(struct sim *sim);

/* vfio_register_emulated_iommu_dev(): group, links, vfio-dev/vfioN. */
int vfio_register_emulated_dev(struct sim *sim, struct vfio_device *vdev, struct device *dev);
/*
 * vfio_unregister_group_dev(): vfio-dev/vfioN goes, then, while a user has
 * the device open, it waits (sim_wait(), the model lock dropped) until the
 * user lets go; then the group goes.
 */
void vfio_unregister_dev(struct sim *sim, struct vfio_device *vdev);

/* A user (QEMU, for a guest) opens the device: -EBUSY when one already has it. */
int vfio_device_open(struct sim *sim, struct vfio_device *vdev);
/* ... and closes it: a waiting unregistration goes on. */
void vfio_device_close(struct sim *sim, struct vfio_device *vdev);

#endif /* SIMFS_VFIO_H */
