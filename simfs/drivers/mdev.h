/* SPDX-License-Identifier: MIT */
/*
 * The mediated-device core (drivers/vfio/mdev/): parents and their types,
 * the create and remove files, the mdev bus (whose match is always false)
 * and /sys/class/mdev_bus.
 */
#ifndef SIMFS_MDEV_H
#define SIMFS_MDEV_H

#include "../driver_core.h"
#include "vfio.h"

#include <stdint.h>

struct mdev_parent;
struct mdev_device;

struct mdev_driver {
	struct device_driver driver;	/* on the mdev bus */
	int (*probe)(struct mdev_device *mdev);
	void (*remove)(struct mdev_device *mdev);
	/* Before ~5.15 the vendor's remove came first and could refuse (vfio_ap: EBUSY with a guest). */
	int (*may_remove)(struct mdev_device *mdev);
	/* The vfio_device_ops a user's open/close reach (QEMU starting or ending a guest). */
	int (*open_device)(struct mdev_device *mdev);
	void (*close_device)(struct mdev_device *mdev);
};

struct mdev_type {
	const char *sysfs_name;		/* "io", "passthrough" */
	const char *pretty_name;	/* the "name" file */
	const char *device_api;
	struct mdev_parent *parent;
	char full_name[64];		/* "<driver>-<sysfs_name>" */
	struct kn *dir, *devices_dir;
};

struct mdev_parent {
	struct device *dev;
	struct mdev_driver *mdev_driver;
	struct mdev_type **types;
	unsigned int nr_types;
	unsigned int available_instances;
	bool unregistering;
	unsigned int nr_removing;	/* removals under way (unreg_sem readers); they may sleep */
	struct kn *types_dir;
};

struct mdev_device {
	struct device dev;
	uint8_t uuid[16];
	struct mdev_type *type;
	bool active;
	struct vfio_device vdev;	/* while bound to its mdev driver */
	void *vendor_data;
	struct list_head node;		/* in mdev_core::mdevs */
	struct mdev_device *hash_next;	/* chain in mdev_core::by_uuid */
};

struct mdev_core {
	struct sim *sim;
	struct module *mod;
	struct bus_type bus;
	struct class mdev_bus_class;
	struct list_head mdevs;
	/* Every mdev by UUID: the duplicate check of create is global and runs on every create. */
	struct mdev_device **by_uuid;
	size_t nr_buckets, nr_mdevs;
};

static inline struct mdev_device *to_mdev_device(struct device *dev)
{
	return container_of(dev, struct mdev_device, dev);
}

int mdev_core_init(struct sim *sim);
void mdev_core_exit(struct sim *sim);

int mdev_register_driver(struct sim *sim, struct mdev_driver *drv);
void mdev_unregister_driver(struct mdev_driver *drv);

int mdev_register_parent(struct sim *sim, struct mdev_parent *parent, struct device *dev,
			 struct mdev_driver *mdev_driver, struct mdev_type **types,
			 unsigned int nr_types);
void mdev_unregister_parent(struct mdev_parent *parent);

/* The mdev with this UUID (also one being removed), or NULL. */
struct mdev_device *mdev_find(struct sim *sim, const uint8_t uuid[16]);

/* mdev_device_create(): the checks of the create file after the UUID parse. */
int mdev_device_create(struct mdev_type *type, const uint8_t uuid[16]);
int mdev_device_remove(struct mdev_device *mdev);

/* The vfio registration every s390 mdev driver's probe/remove does. */
int mdev_vfio_probe(struct mdev_device *mdev);
void mdev_vfio_remove(struct mdev_device *mdev);

#endif /* SIMFS_MDEV_H */
