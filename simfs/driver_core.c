// SPDX-License-Identifier: MIT
/*
 * The driver core (drivers/base/{core,bus,dd,module}.c): what user space
 * sees of buses, drivers, devices, classes and modules.
 */
#include "driver_core.h"

#include "parse.h"
#include "sim.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int add_uevent_var(struct uevent_env *env, const char *fmt, ...)
{
	size_t room = sizeof(env->buf) - env->len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(env->buf + env->len, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n + 1 >= room) {
		env->overflow = true;
		env->buf[env->len] = '\0';
		return -ENOMEM;
	}
	env->len += (size_t)n;
	env->buf[env->len++] = '\n';
	env->buf[env->len] = '\0';
	return 0;
}

/* dev_uevent(): device number, DEVTYPE, DRIVER, then the bus's and the type's keys. */
int device_uevent_env(const struct device *dev, struct uevent_env *env)
{
	int err = 0;

	env->len = 0;
	env->buf[0] = '\0';
	env->overflow = false;
	if (dev->devt_major) {
		add_uevent_var(env, "MAJOR=%u", dev->devt_major);
		add_uevent_var(env, "MINOR=%u", dev->devt_minor);
		if (dev->devname)
			add_uevent_var(env, "DEVNAME=%s", dev->devname);
	}
	if (dev->type && dev->type->name)
		add_uevent_var(env, "DEVTYPE=%s", dev->type->name);
	if (dev->driver)
		add_uevent_var(env, "DRIVER=%s", dev->driver->name);
	if (dev->bus && dev->bus->uevent)
		err = dev->bus->uevent(dev, env);
	if (!err && dev->type && dev->type->uevent)
		err = dev->type->uevent(dev, env);
	return env->overflow ? -ENOMEM : err;
}

void sim_log_uevent(struct sim *sim, const char *action, const struct kn *kn, const char *subsystem,
		    const char *const *envp)
{
	struct uevent_record *r = &sim->ulog[sim->uevent_seqnum % UEVENT_LOG_SIZE];
	char path[1024];
	size_t len = 0;

	if (sim_uevent_unseen(sim)) {
		sim->uevent_seqnum++;
		return;
	}

	free(r->devpath);
	free(r->env);
	r->seqnum = ++sim->uevent_seqnum;
	snprintf(r->action, sizeof(r->action), "%s", action);
	snprintf(r->subsystem, sizeof(r->subsystem), "%s", subsystem ? subsystem : "");
	path[0] = '/';
	if (kernfs_path(kn, path + 1, sizeof(path) - 1) < 0)
		path[1] = '\0';
	r->devpath = strdup(path);
	for (size_t i = 0; envp && envp[i]; i++)
		len += strlen(envp[i]) + 1;
	r->env = malloc(len ? len : 1);
	r->env_len = r->env ? len : 0;
	len = 0;
	for (size_t i = 0; r->env && envp && envp[i]; i++) {
		size_t n = strlen(envp[i]) + 1;

		memcpy(r->env + len, envp[i], n);
		len += n;
	}
	if (sim->uevent_sink)
		sim->uevent_sink(sim->uevent_sink_arg, r);
}

/* The subsystem a device's uevents name: its bus, else its class. */
static const char *device_subsystem(const struct device *dev)
{
	return dev->bus ? dev->bus->name : dev->class ? dev->class->name : NULL;
}

#define UEVENT_MAX_VARS 64

/*
 * Cut @buf's newline-separated variables in place into @vars from @n on, up
 * to UEVENT_MAX_VARS; returns the new count.  @vars must hold one more.
 */
static size_t uevent_split_vars(char *buf, const char **vars, size_t n)
{
	for (char *l = buf; *l && n < UEVENT_MAX_VARS;) {
		char *nl = strchr(l, '\n');

		vars[n++] = l;
		if (!nl)
			break;
		*nl = '\0';
		l = nl + 1;
	}
	vars[n] = NULL;
	return n;
}

void device_uevent_envp(struct device *dev, const char *action, const char *const *envp)
{
	struct uevent_env env;
	const char *vars[UEVENT_MAX_VARS + 1];
	size_t n = 0;

	/* dev_uevent_filter(): a device on no bus and in no class announces nothing. */
	if (!dev->dir || !device_subsystem(dev))
		return;
	if (sim_uevent_unseen(dev->sim)) {
		dev->sim->uevent_seqnum++;
		return;
	}
	/* The caller's variables come first, then dev_uevent()'s, as kobject_uevent_env() adds them. */
	for (size_t i = 0; envp && envp[i] && n < UEVENT_MAX_VARS; i++)
		vars[n++] = envp[i];
	device_uevent_env(dev, &env);
	uevent_split_vars(env.buf, vars, n);
	sim_log_uevent(dev->sim, action, dev->dir, device_subsystem(dev), vars);
}

void device_uevent(struct device *dev, const char *action, const char *extra)
{
	const char *vars[UEVENT_MAX_VARS + 1];
	char buf[512];

	snprintf(buf, sizeof(buf), "%s", extra ? extra : "");
	uevent_split_vars(buf, vars, 0);
	device_uevent_envp(dev, action, vars);
}

/*
 * The actions kobject_synth_uevent() accepts: a trailing newline is cut, the
 * action word ends at the first space, and anything after it must start
 * with a UUID.
 */
static const char *const kobject_actions[] = {
	"add", "remove", "change", "move", "online", "offline", "bind", "unbind",
};

static int synth_uevent(struct sim *sim, const struct kn *kn, const char *subsystem, const char *buf,
			size_t len, struct device *dev)
{
	char synth[64];
	const char *envp[2] = { NULL, NULL };

	const char *space;
	size_t first;
	uint8_t uuid[16];

	if (len && (buf[len - 1] == '\n' || buf[len - 1] == '\0'))
		len--;
	space = memchr(buf, ' ', len);
	first = space ? (size_t)(space - buf) : len;
	for (size_t i = 0; i < sizeof(kobject_actions) / sizeof(kobject_actions[0]); i++) {
		const char *a = kobject_actions[i];

		if (strlen(a) != first || memcmp(a, buf, first))
			continue;
		if (space) {
			size_t rest = len - first - 1;

			if (rest < 36 || uuid_parse_36(space + 1, rest, uuid))
				return -EINVAL;
			snprintf(synth, sizeof(synth), "SYNTH_UUID=%.36s", space + 1);
			envp[0] = synth;
		}
		if (dev)
			device_uevent_envp(dev, a, envp);
		else
			sim_log_uevent(sim, a, kn, subsystem, envp);
		return 0;
	}
	return -EINVAL;
}

static ssize_t dev_uevent_show(void *obj, char *buf)
{
	struct uevent_env env;
	int err = device_uevent_env(obj, &env);

	if (err)
		return err;
	memcpy(buf, env.buf, env.len);
	return (ssize_t)env.len;
}

static ssize_t dev_uevent_store(void *obj, const char *buf, size_t len)
{
	struct device *dev = obj;
	int err = synth_uevent(dev->sim, dev->dir, NULL, buf, len, dev);

	return err ? err : (ssize_t)len;
}

static const struct kn_attr dev_attr_uevent = {
	.name = "uevent", .mode = 0644, .show = dev_uevent_show, .store = dev_uevent_store,
};
static const struct kn_attr *const dev_uevent_attrs[] = { &dev_attr_uevent, NULL };
static const struct attr_group dev_uevent_group = { .attrs = dev_uevent_attrs };

/* A device's own links, nodes only once looked up (kernfs.h): two fewer nodes a device. */
static const struct kn_attr subsystem_link = KN_LINK_ATTR(subsystem);
static const struct kn_attr *const subsystem_link_attrs[] = { &subsystem_link, NULL };
static const struct attr_group subsystem_link_group = { .attrs = subsystem_link_attrs };
static const struct kn_attr driver_link = KN_LINK_ATTR(driver);
static const struct kn_attr *const driver_link_attrs[] = { &driver_link, NULL };
static const struct attr_group driver_link_group = { .attrs = driver_link_attrs };

/* ---- buses ---------------------------------------------------------------- */

/* FNV-1a of the @len bytes at @s. */
static uint32_t bus_name_hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull;

	while (len--) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ull;
	}
	return (uint32_t)(h ^ (h >> 32));
}

static struct device **bus_name_bucket(struct bus_type *bus, uint32_t hash)
{
	return &bus->name_hash[hash & (bus->name_hash_size - 1)];
}

/*
 * The device whose name is the @len bytes at @name (hashing to @hash).  A
 * chain compares stored hashes first: a device's name is a cache miss of
 * its own, and on a quarter of a million devices most probes miss.
 */
static struct device *bus_name_find(struct bus_type *bus, const char *name, size_t len, uint32_t hash)
{
	struct device *dev;

	if (!bus->name_hash_size)
		return NULL;
	for (dev = *bus_name_bucket(bus, hash); dev; dev = dev->name_next)
		if (dev->name_hash == hash && !strncmp(dev->name, name, len) && !dev->name[len])
			return dev;
	return NULL;
}

/*
 * Index @dev by name; -EEXIST when the bus has a device of that name (the
 * kernel's bus_add_device() fails on the bus's devices/ link), -ENOMEM.
 * On failure the index is as it was.
 */
static int bus_name_add(struct bus_type *bus, struct device *dev)
{
	size_t len = strlen(dev->name);
	uint32_t hash = bus_name_hash(dev->name, len);
	struct device **b;

	if (bus_name_find(bus, dev->name, len, hash))
		return -EEXIST;
	if (bus->nr_devices + 1 > bus->name_hash_size) {
		size_t size = bus->name_hash_size ? bus->name_hash_size * 2 : 64;
		struct device **nh = calloc(size, sizeof(*nh));

		if (!nh)
			return -ENOMEM;
		for (size_t i = 0; i < bus->name_hash_size; i++) {
			struct device *d = bus->name_hash[i], *next;

			for (; d; d = next) {
				next = d->name_next;
				d->name_next = nh[d->name_hash & (size - 1)];
				nh[d->name_hash & (size - 1)] = d;
			}
		}
		free(bus->name_hash);
		bus->name_hash = nh;
		bus->name_hash_size = size;
	}
	dev->name_hash = hash;
	b = bus_name_bucket(bus, hash);
	dev->name_next = *b;
	*b = dev;
	bus->nr_devices++;
	return 0;
}

static void bus_name_del(struct bus_type *bus, struct device *dev)
{
	struct device **pp;

	/* A device put on a bus without device_add() (the AP root) may find no index at all. */
	if (!bus->name_hash_size)
		return;
	for (pp = bus_name_bucket(bus, dev->name_hash); *pp; pp = &(*pp)->name_next) {
		if (*pp == dev) {
			*pp = dev->name_next;
			bus->nr_devices--;
			return;
		}
	}
}

struct device *bus_find_device_by_name(struct bus_type *bus, const char *buf, size_t len)
{
	/* What sysfs_streq() compares: up to a NUL, less one trailing newline. */
	size_t n = strnlen(buf, len);

	if (n && buf[n - 1] == '\n')
		n--;
	return bus_name_find(bus, buf, n, bus_name_hash(buf, n));
}

/* The device called exactly @name (a directory lookup, not a write's text). */
static struct device *bus_find_device_exact(struct bus_type *bus, const char *name)
{
	size_t len = strlen(name);

	return bus_name_find(bus, name, len, bus_name_hash(name, len));
}

/*
 * bus/X/devices and bus/X/drivers/Y list what the bus and the bindings
 * already know: their links are derived (kernfs.h), two nodes fewer a
 * device.  A driver lists a device from driver_sysfs_add() to
 * driver_sysfs_remove(): bound, and not being released.
 */
static struct kn *bus_devices_lookup(void *obj, const char *name)
{
	struct device *dev = bus_find_device_exact(obj, name);

	return dev ? dev->dir : NULL;
}

static int bus_devices_for_each(void *obj, kn_listing_fn fn, void *arg)
{
	struct bus_type *bus = obj;
	struct device *dev;

	list_for_each_entry(dev, &bus->devices, bus_node) {
		int err = fn(arg, dev->name, dev->dir);

		if (err)
			return err;
	}
	return 0;
}

static bool driver_lists(const struct device_driver *drv, const struct device *dev)
{
	return dev->driver == drv && !dev->releasing;
}

static struct kn *driver_devices_lookup(void *obj, const char *name)
{
	struct device_driver *drv = obj;
	struct device *dev = bus_find_device_exact(drv->bus, name);

	return dev && driver_lists(drv, dev) ? dev->dir : NULL;
}

static int driver_devices_for_each(void *obj, kn_listing_fn fn, void *arg)
{
	struct device_driver *drv = obj;
	struct device *dev;

	list_for_each_entry(dev, &drv->bus->devices, bus_node) {
		int err = driver_lists(drv, dev) ? fn(arg, dev->name, dev->dir) : 0;

		if (err)
			return err;
	}
	return 0;
}

static const struct kn_listing bus_devices_listing_ops = { bus_devices_lookup, bus_devices_for_each };
static const struct attr_group bus_devices_listing = { .listing = &bus_devices_listing_ops };
static const struct kn_listing driver_devices_listing_ops = { driver_devices_lookup, driver_devices_for_each };
static const struct attr_group driver_devices_listing = { .listing = &driver_devices_listing_ops };

bool driver_match_override(const struct device *dev, const struct device_driver *drv)
{
	return !dev->driver_override || !strcmp(dev->driver_override, drv->name);
}

static ssize_t drivers_autoprobe_show(void *obj, char *buf)
{
	struct bus_type *bus = obj;

	return sprintf(buf, "%d\n", bus->drivers_autoprobe);
}

/* bus.c: only the first byte counts; '0' turns probing off, anything else on. */
static ssize_t drivers_autoprobe_store(void *obj, const char *buf, size_t len)
{
	struct bus_type *bus = obj;

	bus->drivers_autoprobe = buf[0] != '0';
	return (ssize_t)len;
}

static ssize_t drivers_probe_store(void *obj, const char *buf, size_t len)
{
	struct bus_type *bus = obj;
	struct device *dev = bus_find_device_by_name(bus, buf, len);

	if (!dev)
		return -ENODEV;
	if (!dev->driver && device_attach(dev) < 0)
		return -EINVAL;
	return (ssize_t)len;
}

static ssize_t bus_uevent_store(void *obj, const char *buf, size_t len)
{
	struct bus_type *bus = obj;
	int err = synth_uevent(bus->sim, bus->dir, "bus", buf, len, NULL);

	return err ? err : (ssize_t)len;
}

static const struct kn_attr bus_attr_drivers_autoprobe = __ATTR_RW(drivers_autoprobe);
static const struct kn_attr bus_attr_drivers_probe = __ATTR_WO(drivers_probe);
static const struct kn_attr bus_attr_uevent = { .name = "uevent", .mode = 0200, .store = bus_uevent_store };

static const struct kn_attr *const bus_std_attrs[] = {
	&bus_attr_drivers_autoprobe,
	&bus_attr_drivers_probe,
	&bus_attr_uevent,
	NULL,
};

static const struct attr_group bus_std_group = { .attrs = bus_std_attrs };

int bus_register(struct sim *sim, struct bus_type *bus)
{
	struct kernfs_root *kr = &sim->kfs;
	int err = -ENOMEM;

	bus->sim = sim;
	bus->drivers_autoprobe = true;
	INIT_LIST_HEAD(&bus->devices);
	INIT_LIST_HEAD(&bus->drivers);
	bus->dir = kernfs_create_dir(kr, sim->bus_dir, bus->name);
	if (!bus->dir)
		return -ENOMEM;
	bus->devices_dir = kernfs_create_dir(kr, bus->dir, "devices");
	bus->drivers_dir = kernfs_create_dir(kr, bus->dir, "drivers");
	if (!bus->devices_dir || !bus->drivers_dir)
		goto fail;
	err = kernfs_create_group(kr, bus->dir, &bus_std_group, bus);
	if (!err)
		err = kernfs_create_groups(kr, bus->dir, bus->bus_groups, bus);
	if (!err)
		err = kernfs_create_group(kr, bus->devices_dir, &bus_devices_listing, bus);
	if (err)
		goto fail;
	list_add_tail(&bus->node, &sim->buses);
	return 0;
fail:
	kernfs_remove(kr, bus->dir);
	bus->dir = NULL;
	return err;
}

void bus_unregister(struct bus_type *bus)
{
	if (!bus->dir)
		return;
	list_del_init(&bus->node);
	kernfs_remove(&bus->sim->kfs, bus->dir);
	bus->dir = bus->devices_dir = bus->drivers_dir = NULL;
	free(bus->name_hash);
	bus->name_hash = NULL;
	bus->name_hash_size = bus->nr_devices = 0;
}

/* ---- binding -------------------------------------------------------------- */

static int driver_sysfs_add(struct device *dev, struct device_driver *drv)
{
	struct kernfs_root *kr = &dev->sim->kfs;

	/* The driver's listing shows the device from here on (driver_lists()). */
	return kernfs_create_group(kr, dev->dir, &driver_link_group, drv->dir);
}

static void driver_sysfs_remove(struct device *dev, struct device_driver *drv)
{
	struct kernfs_root *kr = &dev->sim->kfs;

	kernfs_remove_by_name(kr, drv->dir, dev->name);
	kernfs_remove_group(kr, dev->dir, &driver_link_group);
}

int device_bind_driver(struct device *dev, struct device_driver *drv)
{
	struct kernfs_root *kr = &dev->sim->kfs;
	int err;

	while (dev->releasing && sim_wait_other(dev->sim))
		;
	if (dev->driver)
		return -EBUSY;
	dev->driver = drv;
	err = driver_sysfs_add(dev, drv);
	if (err)
		goto fail;
	if (dev->bus->probe)
		err = dev->bus->probe(dev);
	else if (drv->probe)
		err = drv->probe(dev);
	if (err)
		goto fail_links;
	err = kernfs_create_groups(kr, dev->dir, drv->dev_groups, dev);
	if (err)
		goto fail_probe;
	device_uevent(dev, "bind", NULL);
	return 0;

fail_probe:
	kernfs_remove_groups(kr, dev->dir, drv->dev_groups);
	if (dev->bus->remove)
		dev->bus->remove(dev);
	else if (drv->remove)
		drv->remove(dev);
fail_links:
	driver_sysfs_remove(dev, drv);
fail:
	dev->driver = NULL;
	return err;
}

/*
 * __device_release_driver(): the driver links, then the driver's groups,
 * then its remove.  A remove may sleep (a guest still holds an mdev): the
 * device is then "releasing", and whoever else wants to bind or release it
 * waits for that release to finish, as device_lock() makes them.
 */
void device_release_driver(struct device *dev)
{
	struct device_driver *drv;

	while (dev->releasing && sim_wait_other(dev->sim))
		;
	drv = dev->driver;
	if (!drv || dev->releasing)
		return;
	dev->releasing = true;
	driver_sysfs_remove(dev, drv);
	kernfs_remove_groups(&dev->sim->kfs, dev->dir, drv->dev_groups);
	if (dev->bus->remove)
		dev->bus->remove(dev);
	else if (drv->remove)
		drv->remove(dev);
	dev->driver = NULL;
	dev->releasing = false;
	sim_wake(dev->sim);
	device_uevent(dev, "unbind", NULL);
}

/*
 * __device_attach(): drivers in registration order; a failing probe lets
 * the next driver try.  Returns 1 when bound, 0 when no driver took it.
 */
int device_attach(struct device *dev)
{
	struct device_driver *drv;

	if (dev->driver)
		return 1;
	list_for_each_entry(drv, &dev->bus->drivers, node) {
		if (!dev->bus->match(dev, drv))
			continue;
		if (!device_bind_driver(dev, drv))
			return 1;
	}
	return 0;
}

void bus_rescan_devices(struct bus_type *bus)
{
	struct device *dev;

	list_for_each_entry(dev, &bus->devices, bus_node)
		if (!dev->driver)
			device_attach(dev);
}

/* ---- drivers -------------------------------------------------------------- */

static ssize_t bind_store_common(struct device_driver *drv, const char *buf, size_t len)
{
	struct device *dev = bus_find_device_by_name(drv->bus, buf, len);
	int err;

	/* The match comes first, then "already bound", then the probe. */
	if (!dev || !drv->bus->match(dev, drv))
		return -ENODEV;
	/* Before ~5.13 a bound device made bind succeed without doing anything. */
	if (dev->driver && !dev->releasing && dev->sim->kernel_version < KERNEL_VERSION(5, 13, 0))
		return (ssize_t)len;
	err = device_bind_driver(dev, drv);
	return err ? err : (ssize_t)len;
}

static ssize_t bind_store(void *obj, const char *buf, size_t len)
{
	return bind_store_common(obj, buf, len);
}

static ssize_t unbind_store(void *obj, const char *buf, size_t len)
{
	struct device_driver *drv = obj;
	struct device *dev = bus_find_device_by_name(drv->bus, buf, len);

	if (!dev || dev->driver != drv)
		return -ENODEV;
	device_release_driver(dev);
	return (ssize_t)len;
}

static ssize_t drv_uevent_store(void *obj, const char *buf, size_t len)
{
	struct device_driver *drv = obj;
	int err = synth_uevent(drv->bus->sim, drv->dir, "drivers", buf, len, NULL);

	return err ? err : (ssize_t)len;
}

static const struct kn_attr drv_attr_bind = __ATTR_WO(bind);
static const struct kn_attr drv_attr_unbind = __ATTR_WO(unbind);
static const struct kn_attr drv_attr_uevent = { .name = "uevent", .mode = 0200, .store = drv_uevent_store };

static const struct kn_attr *const drv_bind_attrs[] = { &drv_attr_bind, &drv_attr_unbind, NULL };
static const struct attr_group drv_bind_group = { .attrs = drv_bind_attrs };
static const struct kn_attr *const drv_std_attrs[] = { &drv_attr_uevent, NULL };
static const struct attr_group drv_std_group = { .attrs = drv_std_attrs };

int driver_register(struct device_driver *drv)
{
	struct bus_type *bus = drv->bus;
	struct kernfs_root *kr = &bus->sim->kfs;
	char linkname[128];
	int err = -ENOMEM;

	drv->dir = kernfs_create_dir(kr, bus->drivers_dir, drv->name);
	if (!drv->dir)
		return -EEXIST;
	err = kernfs_create_group(kr, drv->dir, &drv_std_group, drv);
	if (!err)
		err = kernfs_create_group(kr, drv->dir, &driver_devices_listing, drv);
	if (!err && !drv->suppress_bind_attrs)
		err = kernfs_create_group(kr, drv->dir, &drv_bind_group, drv);
	if (err)
		goto fail;
	if (drv->owner && !drv->no_module_link) {
		err = -ENOMEM;
		if (!kernfs_create_link(kr, drv->dir, "module", drv->owner->dir))
			goto fail;
		snprintf(linkname, sizeof(linkname), "%s:%s", bus->name, drv->name);
		if (!kernfs_create_link(kr, drv->owner->drivers_dir, linkname, drv->dir))
			goto fail;
	}
	drv->registered = true;
	list_add_tail(&drv->node, &bus->drivers);

	/* driver_attach(): every device without a driver is offered to the newcomer. */
	if (bus->drivers_autoprobe) {
		struct device *dev;

		list_for_each_entry(dev, &bus->devices, bus_node)
			if (!dev->driver && bus->match(dev, drv))
				device_bind_driver(dev, drv);
	}
	/* bus_add_driver() announces the driver last. */
	sim_log_uevent(bus->sim, "add", drv->dir, "drivers", NULL);
	return 0;
fail:
	kernfs_remove(kr, drv->dir);
	drv->dir = NULL;
	return err;
}

void driver_unregister(struct device_driver *drv)
{
	struct bus_type *bus = drv->bus;
	struct kernfs_root *kr = &bus->sim->kfs;
	struct device *dev;
	char linkname[128];

	if (!drv->registered)
		return;
	list_for_each_entry(dev, &bus->devices, bus_node)
		if (dev->driver == drv)
			device_release_driver(dev);
	if (drv->owner && !drv->no_module_link) {
		snprintf(linkname, sizeof(linkname), "%s:%s", bus->name, drv->name);
		kernfs_remove_by_name(kr, drv->owner->drivers_dir, linkname);
	}
	sim_log_uevent(bus->sim, "remove", drv->dir, "drivers", NULL);
	list_del_init(&drv->node);
	kernfs_remove(kr, drv->dir);
	drv->dir = NULL;
	drv->registered = false;
}

/* ---- devices -------------------------------------------------------------- */

void device_initialize(struct device *dev, struct sim *sim, const char *name)
{
	dev->sim = sim;
	dev->name = strdup(name);
	INIT_LIST_HEAD(&dev->bus_node);
}

int device_add(struct device *dev)
{
	struct kernfs_root *kr = &dev->sim->kfs;
	struct kn *parent_dir = dev->glue_dir ? dev->glue_dir :
				dev->parent ? dev->parent->dir : dev->sim->devices_dir;
	struct kn *subsys = dev->bus ? dev->bus->dir : dev->class ? dev->class->dir : NULL;
	int err = -ENOMEM;

	if (!dev->name)
		return -ENOMEM;
	dev->dir = kernfs_create_dir(kr, parent_dir, dev->name);
	if (!dev->dir)
		return -errno;	/* EEXIST, ENOENT (the parent went) or ENOMEM */
	if (kernfs_create_group(kr, dev->dir, &dev_uevent_group, dev))
		goto fail;
	if (subsys && kernfs_create_group(kr, dev->dir, &subsystem_link_group, subsys))
		goto fail;
	/* device_add_class_symlinks(): a class device links back to its parent. */
	if (dev->class && dev->parent && !kernfs_create_link(kr, dev->dir, "device", dev->parent->dir))
		goto fail;
	if (dev->type) {
		err = kernfs_create_groups(kr, dev->dir, dev->type->groups, dev);
		if (err)
			goto fail;
	}
	err = kernfs_create_groups(kr, dev->dir, dev->groups, dev);
	if (err)
		goto fail;
	err = -ENOMEM;
	if (dev->bus) {
		/* Listed in bus/X/devices from here on (bus_devices_lookup()). */
		err = bus_name_add(dev->bus, dev);
		if (err)
			goto fail;
		list_add_tail(&dev->bus_node, &dev->bus->devices);
	} else if (dev->class) {
		if (!kernfs_create_link(kr, dev->class->dir, dev->name, dev->dir))
			goto fail;
	}
	dev->registered = true;
	if (dev->sim->boot_adds_ahead)
		dev->sim->boot_adds_ahead--;	/* this one is no longer ahead */
	device_uevent(dev, "add", NULL);
	if (dev->bus && dev->bus->drivers_autoprobe)
		device_attach(dev);
	return 0;
fail:
	kernfs_remove(kr, dev->dir);
	dev->dir = NULL;
	return err;
}

void device_unregister(struct device *dev)
{
	struct kernfs_root *kr = &dev->sim->kfs;

	if (dev->registered) {
		/* bus_remove_device(): off the bus first, so nobody finds it while its driver goes. */
		if (dev->bus) {
			kernfs_remove_group(kr, dev->dir, &subsystem_link_group);
			kernfs_remove_by_name(kr, dev->bus->devices_dir, dev->name);
			bus_name_del(dev->bus, dev);
			list_del_init(&dev->bus_node);
		}
		device_release_driver(dev);
		device_uevent(dev, "remove", NULL);
		if (!dev->bus && dev->class)
			kernfs_remove_by_name(kr, dev->class->dir, dev->name);
		kernfs_remove(kr, dev->dir);
		dev->dir = NULL;
		dev->registered = false;
	}
	free(dev->name);
	dev->name = NULL;
	free(dev->driver_override);
	dev->driver_override = NULL;
	if (dev->release)
		dev->release(dev);
}

/* ---- classes -------------------------------------------------------------- */

int class_register(struct sim *sim, struct class *cls)
{
	cls->sim = sim;
	cls->dir = kernfs_create_dir(&sim->kfs, sim->class_dir, cls->name);
	if (!cls->dir)
		return -ENOMEM;
	list_add_tail(&cls->node, &sim->classes);
	return 0;
}

void class_unregister(struct class *cls)
{
	if (!cls->dir)
		return;
	list_del_init(&cls->node);
	kernfs_remove(&cls->sim->kfs, cls->dir);
	cls->dir = NULL;
}

int class_add_link(struct class *cls, const char *name, struct kn *target)
{
	return kernfs_create_link(&cls->sim->kfs, cls->dir, name, target) ? 0 : -ENOMEM;
}

void class_remove_link(struct class *cls, const char *name)
{
	if (cls->dir)
		kernfs_remove_by_name(&cls->sim->kfs, cls->dir, name);
}

/* ---- modules -------------------------------------------------------------- */

static ssize_t initstate_show(void *obj, char *buf)
{
	return sprintf(buf, "live\n");
}

static ssize_t refcnt_show(void *obj, char *buf)
{
	struct module *mod = obj;

	return sprintf(buf, "%u\n", mod->refcnt);
}

static ssize_t coresize_show(void *obj, char *buf)
{
	struct module *mod = obj;

	return sprintf(buf, "%u\n", mod->coresize);
}

static ssize_t initsize_show(void *obj, char *buf)
{
	return sprintf(buf, "0\n");
}

static ssize_t taint_show(void *obj, char *buf)
{
	return sprintf(buf, "\n");
}

static ssize_t mod_uevent_store(void *obj, const char *buf, size_t len)
{
	struct module *mod = obj;
	int err = synth_uevent(mod->sim, mod->dir, "module", buf, len, NULL);

	return err ? err : (ssize_t)len;
}

static const struct kn_attr mod_attr_initstate = __ATTR_RO(initstate);
static const struct kn_attr mod_attr_refcnt = __ATTR_RO(refcnt);
static const struct kn_attr mod_attr_coresize = __ATTR_RO(coresize);
static const struct kn_attr mod_attr_initsize = __ATTR_RO(initsize);
static const struct kn_attr mod_attr_taint = __ATTR_RO(taint);
static const struct kn_attr mod_attr_uevent = { .name = "uevent", .mode = 0200, .store = mod_uevent_store };

static const struct kn_attr *const module_attrs[] = {
	&mod_attr_coresize, &mod_attr_initsize, &mod_attr_initstate,
	&mod_attr_refcnt, &mod_attr_taint, &mod_attr_uevent, NULL,
};

static const struct attr_group module_group = { .attrs = module_attrs };

struct module *module_find(struct sim *sim, const char *name)
{
	struct module *mod;

	list_for_each_entry(mod, &sim->modules, node)
		if (!strcmp(mod->name, name))
			return mod;
	return NULL;
}

struct module *module_load(struct sim *sim, const char *name, unsigned int coresize)
{
	struct kernfs_root *kr = &sim->kfs;
	struct module *mod = module_find(sim, name);

	if (mod)
		return mod;
	mod = calloc(1, sizeof(*mod));
	if (!mod)
		return NULL;
	snprintf(mod->name, sizeof(mod->name), "%s", name);
	mod->sim = sim;
	mod->coresize = coresize;
	mod->dir = kernfs_create_dir(kr, sim->module_dir, name);
	if (!mod->dir)
		goto fail;
	mod->drivers_dir = kernfs_create_dir(kr, mod->dir, "drivers");
	if (!mod->drivers_dir || !kernfs_create_dir(kr, mod->dir, "holders") ||
	    kernfs_create_group(kr, mod->dir, &module_group, mod))
		goto fail;
	list_add_tail(&mod->node, &sim->modules);
	sim_log_uevent(sim, "add", mod->dir, "module", NULL);
	return mod;
fail:
	kernfs_remove(kr, mod->dir);
	free(mod);
	return NULL;
}

void module_unload(struct module *mod)
{
	if (!mod)
		return;
	sim_log_uevent(mod->sim, "remove", mod->dir, "module", NULL);
	list_del_init(&mod->node);
	kernfs_remove(&mod->sim->kfs, mod->dir);
	free(mod);
}
