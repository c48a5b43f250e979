/* SPDX-License-Identifier: MIT */
/*
 * The driver core: buses, drivers, devices, classes and modules, with the
 * rules of drivers/base/{bus,dd,core}.c that user space can observe:
 * bind/unbind/drivers_probe errors, driver and subsystem links, attribute
 * groups that come with a driver, the uevent file, module directories.
 */
#ifndef SIMFS_DRIVER_CORE_H
#define SIMFS_DRIVER_CORE_H

#include "kernfs.h"
#include "list.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct sim;
struct device;
struct device_driver;

#define KERNEL_VERSION(a, b, c) (((a) << 16) + ((b) << 8) + (c))

/* Environment of one uevent: KEY=value lines, as the uevent file shows them. */
struct uevent_env {
	char buf[2048];
	size_t len;
	bool overflow;
};

int add_uevent_var(struct uevent_env *env, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

struct bus_type {
	const char *name;
	struct sim *sim;
	/* 1 when @drv may drive @dev; the bus's match callback. */
	int (*match)(struct device *dev, struct device_driver *drv);
	/* Bus-level probe (gating); calls drv->probe itself.  Optional. */
	int (*probe)(struct device *dev);
	void (*remove)(struct device *dev);
	int (*uevent)(const struct device *dev, struct uevent_env *env);
	const struct attr_group *const *bus_groups;
	bool drivers_autoprobe;
	struct kn *dir, *devices_dir, *drivers_dir;
	struct list_head devices;	/* in registration order */
	struct list_head drivers;	/* in registration order, as probing tries them */
	struct list_head node;		/* in sim::buses */
	/* The devices by name, for bind/unbind on a bus of a quarter million. */
	struct device **name_hash;
	size_t name_hash_size, nr_devices;
};

struct module {
	char name[64];
	struct sim *sim;
	struct kn *dir, *drivers_dir;
	unsigned int refcnt;
	unsigned int coresize;
	struct list_head node;		/* in sim::modules */
};

struct device_driver {
	const char *name;
	struct bus_type *bus;
	struct module *owner;		/* NULL for built-in drivers: no module link */
	bool suppress_bind_attrs;	/* no bind/unbind files */
	bool no_module_link;		/* registered without its module (matrix bus vfio_ap) */
	int (*probe)(struct device *dev);
	void (*remove)(struct device *dev);
	/* Attributes the device gains while bound to this driver. */
	const struct attr_group *const *dev_groups;
	struct kn *dir;
	bool registered;
	struct list_head node;		/* in bus_type::drivers */
};

struct device_type {
	const char *name;		/* DEVTYPE= in the uevent */
	const struct attr_group *const *groups;
	int (*uevent)(const struct device *dev, struct uevent_env *env);
};

struct class {
	const char *name;
	struct sim *sim;
	struct kn *dir;
	struct list_head node;		/* in sim::classes */
};

struct device {
	char *name;
	struct sim *sim;
	struct device *parent;
	struct bus_type *bus;
	struct device_driver *driver;
	const struct device_type *type;
	const struct attr_group *const *groups;	/* besides the type's */
	struct class *class;		/* subsystem link target when there is no bus */
	struct kn *glue_dir;		/* directory to live in instead of the parent's */
	unsigned int devt_major, devt_minor;	/* MAJOR/MINOR/DEVNAME in the uevent */
	const char *devname;
	char *driver_override;
	void *driver_data;
	void (*release)(struct device *dev);
	struct kn *dir;
	bool registered;
	bool releasing;			/* its driver's remove is running (and may sleep) */
	uint32_t name_hash;		/* in bus_type::name_hash, while on a bus */
	struct list_head bus_node;	/* in bus_type::devices */
	struct device *name_next;	/* chain in bus_type::name_hash */
};

void device_initialize(struct device *dev, struct sim *sim, const char *name);
/* Create the directory, files and links; probe it when the bus autoprobes. */
int device_add(struct device *dev);
/* Release the driver, remove everything device_add made, then release. */
void device_unregister(struct device *dev);

/* really_probe(): links, driver probe, driver groups.  -errno on failure. */
int device_bind_driver(struct device *dev, struct device_driver *drv);
void device_release_driver(struct device *dev);
/* Try every driver of the bus in registration order; 0 even when none took it. */
int device_attach(struct device *dev);
/* A driver-forced reprobe of every device on a bus that has no driver. */
void bus_rescan_devices(struct bus_type *bus);

struct device *bus_find_device_by_name(struct bus_type *bus, const char *buf, size_t len);
/* driver_override and the driver name must agree (css, ap do this). */
bool driver_match_override(const struct device *dev, const struct device_driver *drv);

int bus_register(struct sim *sim, struct bus_type *bus);
void bus_unregister(struct bus_type *bus);
int driver_register(struct device_driver *drv);
void driver_unregister(struct device_driver *drv);

int class_register(struct sim *sim, struct class *cls);
void class_unregister(struct class *cls);
int class_add_link(struct class *cls, const char *name, struct kn *target);
void class_remove_link(struct class *cls, const char *name);

struct module *module_load(struct sim *sim, const char *name, unsigned int coresize);
void module_unload(struct module *mod);
struct module *module_find(struct sim *sim, const char *name);

/*
 * kobject_uevent_env(): record a uevent (add, change, ...) for @dev with the
 * caller's variables @envp (NULL-terminated, or NULL) before dev_uevent()'s.
 * A device on no bus and in no class announces nothing (dev_uevent_filter()).
 */
void device_uevent_envp(struct device *dev, const char *action, const char *const *envp);
/* The same with the caller's variables as "KEY=value" lines in @extra (or NULL). */
void device_uevent(struct device *dev, const char *action, const char *extra);

/* The "uevent" file's show for a device (dev_uevent()). */
int device_uevent_env(const struct device *dev, struct uevent_env *env);

#endif /* SIMFS_DRIVER_CORE_H */
