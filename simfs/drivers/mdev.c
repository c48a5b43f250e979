// SPDX-License-Identifier: MIT
/*
 * The mdev core as Linux 6.12 has it (mdev_core.c, mdev_sysfs.c,
 * mdev_driver.c).  Since 6.1 the core owns name, device_api and
 * available_instances; the per-parent instance counter, the global UUID
 * check and the order of the create checks all live here.
 */
#include "mdev.h"

#include "../parse.h"
#include "../sim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- type attributes ---------------------------------------------------- */

/*
 * create: 36 or 37 bytes (the 37th is never looked at), a UUID in the
 * 8-4-4-4-12 form, then mdev_device_create()'s checks.
 */
static ssize_t create_store(void *obj, const char *buf, size_t len)
{
	struct mdev_type *type = obj;
	uint8_t uuid[16];
	int err;

	if (len < 36 || len > 37)
		return -EINVAL;
	err = uuid_parse_36(buf, len, uuid);
	if (err)
		return err;
	err = mdev_device_create(type, uuid);
	return err ? err : (ssize_t)len;
}

static ssize_t name_show(void *obj, char *buf)
{
	struct mdev_type *type = obj;

	return sprintf(buf, "%s\n", type->pretty_name ? type->pretty_name : type->sysfs_name);
}

static ssize_t device_api_show(void *obj, char *buf)
{
	struct mdev_type *type = obj;

	return sprintf(buf, "%s\n", type->device_api);
}

static ssize_t available_instances_show(void *obj, char *buf)
{
	struct mdev_type *type = obj;
	struct sim *sim = type->parent->dev->sim;

	/* vfio_ap printed its own counter with %d before the core took it over. */
	if (sim->kernel_version < KERNEL_VERSION(6, 1, 0))
		return sprintf(buf, "%d\n", (int)type->parent->available_instances);
	return sprintf(buf, "%u\n", type->parent->available_instances);
}

static const struct kn_attr type_attr_create = __ATTR_WO(create);
static const struct kn_attr type_attr_name = __ATTR_RO(name);
static const struct kn_attr type_attr_device_api = __ATTR_RO(device_api);
static const struct kn_attr type_attr_available_instances = __ATTR_RO(available_instances);
static const struct kn_attr *const mdev_type_attrs[] = {
	&type_attr_create, &type_attr_name, &type_attr_device_api,
	&type_attr_available_instances, NULL,
};
static const struct attr_group mdev_type_group = { .attrs = mdev_type_attrs };

/* ---- mdev device attributes ---------------------------------------------- */

/*
 * remove: kstrtoul base 0, any failure EINVAL; 0 does nothing; anything
 * else removes the device, the file first (so a second writer finds it
 * gone).
 */
static ssize_t remove_store(void *obj, const char *buf, size_t len)
{
	struct mdev_device *mdev = to_mdev_device(obj);
	unsigned long val;
	int err;

	if (kstrtoul(buf, len, 0, &val) < 0)
		return -EINVAL;
	if (val) {
		err = mdev_device_remove(mdev);
		if (err)
			return err;
	}
	return (ssize_t)len;
}

static const struct kn_attr mdev_attr_remove = __ATTR_WO(remove);
static const struct kn_attr *const mdev_device_attrs[] = { &mdev_attr_remove, NULL };
static const struct attr_group mdev_device_group = { .attrs = mdev_device_attrs };

/* mdev_device_type: no name, so no DEVTYPE; the uevent is only DRIVER=. */
static const struct device_type mdev_device_type = { .name = NULL };

/* ---- the bus -------------------------------------------------------------- */

/*
 * Since ~5.16 (the probe/remove rework; 5.15 here, with remove) the mdev
 * bus never matches: drivers attach only through create.  Before, an mdev
 * matched its parent's mdev driver, so bind and drivers_probe took it back.
 */
static int mdev_match(struct device *dev, struct device_driver *drv)
{
	struct mdev_device *mdev = to_mdev_device(dev);

	if (dev->sim->kernel_version >= KERNEL_VERSION(5, 15, 0))
		return 0;
	return &mdev->type->parent->mdev_driver->driver == drv;
}

static int mdev_probe(struct device *dev)
{
	struct mdev_driver *drv = container_of(dev->driver, struct mdev_driver, driver);

	return drv->probe ? drv->probe(to_mdev_device(dev)) : 0;
}

static void mdev_remove(struct device *dev)
{
	struct mdev_driver *drv = container_of(dev->driver, struct mdev_driver, driver);

	if (drv->remove)
		drv->remove(to_mdev_device(dev));
}

int mdev_vfio_probe(struct mdev_device *mdev)
{
	return vfio_register_emulated_dev(mdev->dev.sim, &mdev->vdev, &mdev->dev);
}

void mdev_vfio_remove(struct mdev_device *mdev)
{
	vfio_unregister_dev(mdev->dev.sim, &mdev->vdev);
}

int mdev_register_driver(struct sim *sim, struct mdev_driver *drv)
{
	if (!sim->mdev)
		return -ENODEV;
	drv->driver.bus = &sim->mdev->bus;
	return driver_register(&drv->driver);
}

void mdev_unregister_driver(struct mdev_driver *drv)
{
	driver_unregister(&drv->driver);
}

/* ---- create / remove ------------------------------------------------------ */

static size_t uuid_bucket(size_t nr_buckets, const uint8_t uuid[16])
{
	uint64_t a, b;

	memcpy(&a, uuid, 8);
	memcpy(&b, uuid + 8, 8);
	a ^= b * 0x9e3779b97f4a7c15ull;
	return (size_t)(a ^ (a >> 29)) & (nr_buckets - 1);
}

static struct mdev_device *mdev_find_uuid(struct mdev_core *core, const uint8_t uuid[16])
{
	struct mdev_device *m = core->by_uuid[uuid_bucket(core->nr_buckets, uuid)];

	while (m && memcmp(m->uuid, uuid, 16))
		m = m->hash_next;
	return m;
}

static int mdev_hash_add(struct mdev_core *core, struct mdev_device *mdev)
{
	if (core->nr_mdevs + 1 > core->nr_buckets) {
		size_t nr = core->nr_buckets * 2;
		struct mdev_device **nb = calloc(nr, sizeof(*nb));

		if (!nb)
			return -ENOMEM;
		for (size_t i = 0; i < core->nr_buckets; i++) {
			while (core->by_uuid[i]) {
				struct mdev_device *m = core->by_uuid[i];
				size_t b;

				core->by_uuid[i] = m->hash_next;
				b = uuid_bucket(nr, m->uuid);
				m->hash_next = nb[b];
				nb[b] = m;
			}
		}
		free(core->by_uuid);
		core->by_uuid = nb;
		core->nr_buckets = nr;
	}
	{
		size_t b = uuid_bucket(core->nr_buckets, mdev->uuid);

		mdev->hash_next = core->by_uuid[b];
		core->by_uuid[b] = mdev;
	}
	core->nr_mdevs++;
	return 0;
}

static void mdev_hash_del(struct mdev_core *core, struct mdev_device *mdev)
{
	struct mdev_device **pp = &core->by_uuid[uuid_bucket(core->nr_buckets, mdev->uuid)];

	for (; *pp; pp = &(*pp)->hash_next) {
		if (*pp == mdev) {
			*pp = mdev->hash_next;
			core->nr_mdevs--;
			return;
		}
	}
}

static void mdev_release(struct device *dev)
{
	struct mdev_device *mdev = to_mdev_device(dev);

	list_del_init(&mdev->node);
	mdev_hash_del(mdev->dev.sim->mdev, mdev);
	free(mdev);
}

int mdev_device_create(struct mdev_type *type, const uint8_t uuid[16])
{
	struct mdev_parent *parent = type->parent;
	struct sim *sim = parent->dev->sim;
	struct kernfs_root *kr = &sim->kfs;
	struct mdev_device *mdev;
	char name[37];
	int err;

	/* The UUID is unique across every parent and type on the host. */
	if (mdev_find_uuid(sim->mdev, uuid))
		return -EEXIST;
	if (!parent->available_instances)
		return sim->kernel_version >= KERNEL_VERSION(6, 1, 0) ? -EUSERS : -EPERM;
	if (parent->unregistering)
		return -ENODEV;

	mdev = calloc(1, sizeof(*mdev));
	if (!mdev)
		return -ENOMEM;
	memcpy(mdev->uuid, uuid, 16);
	mdev->type = type;
	mdev->vdev.index = -1;
	uuid_format(uuid, name);
	device_initialize(&mdev->dev, sim, name);
	mdev->dev.parent = parent->dev;
	mdev->dev.bus = &sim->mdev->bus;
	mdev->dev.type = &mdev_device_type;
	mdev->dev.release = mdev_release;
	list_add_tail(&mdev->node, &sim->mdev->mdevs);
	if (mdev_hash_add(sim->mdev, mdev)) {
		list_del_init(&mdev->node);
		free(mdev->dev.name);
		free(mdev);
		return -ENOMEM;
	}
	parent->available_instances--;

	err = device_add(&mdev->dev);
	if (err)
		goto fail;
	/* Before ~5.15 the bus matched, and device_add() probed it already. */
	if (!mdev->dev.driver)
		err = device_bind_driver(&mdev->dev, &parent->mdev_driver->driver);
	if (err)
		goto fail;
	err = -ENOMEM;
	if (!kernfs_create_link(kr, type->devices_dir, name, mdev->dev.dir) ||
	    !kernfs_create_link(kr, mdev->dev.dir, "mdev_type", type->dir) ||
	    kernfs_create_group(kr, mdev->dev.dir, &mdev_device_group, &mdev->dev))
		goto fail;
	mdev->active = true;
	return 0;
fail:
	kernfs_remove_by_name(kr, type->devices_dir, name);
	parent->available_instances++;
	device_unregister(&mdev->dev);
	return err;
}

struct mdev_device *mdev_find(struct sim *sim, const uint8_t uuid[16])
{
	struct mdev_device *mdev;

	if (!sim->mdev)
		return NULL;
	list_for_each_entry(mdev, &sim->mdev->mdevs, node)
		if (!memcmp(mdev->uuid, uuid, 16))
			return mdev;
	return NULL;
}

/*
 * The files go first, then the device; its driver's remove waits while a
 * user (a guest's QEMU) has it open, and the instance comes back only when
 * the device is gone.  Before ~5.15 the vendor could refuse first.
 */
int mdev_device_remove(struct mdev_device *mdev)
{
	struct mdev_type *type = mdev->type;
	struct mdev_parent *parent = type->parent;
	struct sim *sim = mdev->dev.sim;
	struct kernfs_root *kr = &sim->kfs;
	struct mdev_driver *drv = mdev->dev.driver ?
				  container_of(mdev->dev.driver, struct mdev_driver, driver) : NULL;
	int err;

	if (!mdev->active)
		return -EAGAIN;
	if (parent->unregistering)
		return -ENODEV;
	if (sim->kernel_version < KERNEL_VERSION(5, 15, 0) && drv && drv->may_remove) {
		err = drv->may_remove(mdev);
		if (err)
			return err;
	}
	mdev->active = false;
	parent->nr_removing++;
	kernfs_remove_by_name(kr, mdev->dev.dir, "remove");
	kernfs_remove_by_name(kr, mdev->dev.dir, "mdev_type");
	kernfs_remove_by_name(kr, type->devices_dir, mdev->dev.name);
	device_unregister(&mdev->dev);
	parent->available_instances++;
	parent->nr_removing--;
	sim_wake(sim);
	return 0;
}

/* ---- parents -------------------------------------------------------------- */

int mdev_register_parent(struct sim *sim, struct mdev_parent *parent, struct device *dev,
			 struct mdev_driver *mdev_driver, struct mdev_type **types,
			 unsigned int nr_types)
{
	struct kernfs_root *kr = &sim->kfs;
	const char *drvname = dev->driver ? dev->driver->name : dev->bus->name;
	int err = -ENOMEM;

	if (!sim->mdev)
		return -ENODEV;
	parent->dev = dev;
	parent->mdev_driver = mdev_driver;
	parent->types = types;
	parent->nr_types = nr_types;
	parent->unregistering = false;
	parent->types_dir = kernfs_create_dir(kr, dev->dir, "mdev_supported_types");
	if (!parent->types_dir)
		return -ENOMEM;
	for (unsigned int i = 0; i < nr_types; i++) {
		struct mdev_type *type = types[i];

		type->parent = parent;
		snprintf(type->full_name, sizeof(type->full_name), "%s-%s", drvname, type->sysfs_name);
		type->dir = kernfs_create_dir(kr, parent->types_dir, type->full_name);
		if (!type->dir || kernfs_create_group(kr, type->dir, &mdev_type_group, type) ||
		    !(type->devices_dir = kernfs_create_dir(kr, type->dir, "devices")))
			goto fail;
	}
	/* Before 6.1.y/6.5 the class came with the first parent (and stayed). */
	err = 0;
	if (!sim->mdev->mdev_bus_class.dir)
		err = class_register(sim, &sim->mdev->mdev_bus_class);
	if (!err)
		err = class_add_link(&sim->mdev->mdev_bus_class, dev->name, dev->dir);
	if (err)
		goto fail;
	device_uevent(dev, "change", "MDEV_STATE=registered");
	return 0;
fail:
	kernfs_remove(kr, parent->types_dir);
	parent->types_dir = NULL;
	return err;
}

/*
 * Unregistration: the class link goes, then every child mdev is removed by
 * force (the vendor has no veto), then the types.
 */
void mdev_unregister_parent(struct mdev_parent *parent)
{
	struct device *dev = parent->dev;
	struct sim *sim = dev->sim;
	struct mdev_device *mdev;
	bool again = true;

	parent->unregistering = true;
	class_remove_link(&sim->mdev->mdev_bus_class, dev->name);
	/* down_write(unreg_sem): removals under way finish first (they may wait for a guest). */
	while (parent->nr_removing && sim_wait_other(sim))
		;
	/* Each removal may sleep, and the list may change meanwhile: start over after each. */
	while (again) {
		again = false;
		list_for_each_entry(mdev, &sim->mdev->mdevs, node) {
			if (mdev->dev.parent != dev || !mdev->dev.registered)
				continue;
			/* mdev_remove_sysfs_files(), then device_del(), which may wait for a guest. */
			kernfs_remove_by_name(&sim->kfs, mdev->dev.dir, "remove");
			kernfs_remove_by_name(&sim->kfs, mdev->dev.dir, "mdev_type");
			if (mdev->active) {
				kernfs_remove_by_name(&sim->kfs, mdev->type->devices_dir, mdev->dev.name);
				parent->available_instances++;
			}
			mdev->active = false;
			device_unregister(&mdev->dev);
			again = true;
			break;
		}
	}
	kernfs_remove(&sim->kfs, parent->types_dir);
	parent->types_dir = NULL;
	device_uevent(dev, "change", "MDEV_STATE=unregistered");
}

/* ---- the module ----------------------------------------------------------- */

int mdev_core_init(struct sim *sim)
{
	struct mdev_core *core = calloc(1, sizeof(*core));
	int err;

	if (!core)
		return -ENOMEM;
	core->sim = sim;
	INIT_LIST_HEAD(&core->mdevs);
	core->nr_buckets = 64;
	core->by_uuid = calloc(core->nr_buckets, sizeof(*core->by_uuid));
	if (!core->by_uuid) {
		free(core);
		return -ENOMEM;
	}
	core->mod = module_load(sim, "mdev", 16384);
	if (!core->mod) {
		free(core->by_uuid);
		free(core);
		return -ENOMEM;
	}
	core->bus.name = "mdev";
	core->bus.match = mdev_match;
	core->bus.probe = mdev_probe;
	core->bus.remove = mdev_remove;
	err = bus_register(sim, &core->bus);
	if (err)
		goto fail;
	/* Registered at module load since 6.5 (and 6.1.y): present, empty, before any parent. */
	core->mdev_bus_class.name = "mdev_bus";
	if (sim->kernel_version >= KERNEL_VERSION(6, 1, 0)) {
		err = class_register(sim, &core->mdev_bus_class);
		if (err)
			goto fail;
	}
	sim->mdev = core;
	return 0;
fail:
	bus_unregister(&core->bus);
	free(core->by_uuid);
	free(core);
	return err;
}

void mdev_core_exit(struct sim *sim)
{
	struct mdev_core *core = sim->mdev;

	if (!core)
		return;
	class_unregister(&core->mdev_bus_class);
	bus_unregister(&core->bus);
	module_unload(core->mod);
	free(core->by_uuid);
	free(core);
	sim->mdev = NULL;
}
