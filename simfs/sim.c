// SPDX-License-Identifier: MIT
/*
 * Boot: the sysfs skeleton, then the subsystems in the order the kernel
 * brings them up (css and io_subchannel built in, then the modules), then
 * the state the topology asks for.
 */
#include "sim.h"

#include "drivers/ap.h"
#include "drivers/css.h"
#include "drivers/mdev.h"
#include "drivers/vfio.h"
#include "drivers/vfio_ccw.h"
#include "drivers/virtio.h"
#include "topology.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t sim_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sim_fix_tail(struct sim *sim)
{
	struct sim_work *w = sim->work;

	while (w && w->next)
		w = w->next;
	sim->work_tail = w;
}

int sim_queue_work(struct sim *sim, unsigned int delay_ms,
		   void (*fn)(struct sim *sim, void *arg, uint64_t cookie), void *arg, uint64_t cookie)
{
	struct sim_work *w = calloc(1, sizeof(*w)), **pp;

	if (!w)
		return -ENOMEM;
	w->due_ms = sim_clock_ms() + delay_ms;
	w->fn = fn;
	w->arg = arg;
	w->cookie = cookie;
	/* Appending is the common case (equal delays); only earlier work walks the list. */
	if (sim->work_tail && sim->work_tail->due_ms <= w->due_ms) {
		sim->work_tail->next = w;
		sim->work_tail = w;
		return 0;
	}
	for (pp = &sim->work; *pp && (*pp)->due_ms <= w->due_ms; pp = &(*pp)->next)
		;
	w->next = *pp;
	*pp = w;
	if (!w->next)
		sim->work_tail = w;
	return 0;
}

void sim_cancel_work(struct sim *sim, void *arg)
{
	struct sim_work **pp = &sim->work;

	while (*pp) {
		struct sim_work *w = *pp;

		if (w->arg == arg) {
			*pp = w->next;
			free(w);
		} else {
			pp = &w->next;
		}
	}
	sim_fix_tail(sim);
}

uint64_t sim_run_work(struct sim *sim, uint64_t now_ms)
{
	while (sim->work && sim->work->due_ms <= now_ms) {
		struct sim_work *w = sim->work;

		sim->work = w->next;
		if (!sim->work)
			sim->work_tail = NULL;
		w->fn(sim, w->arg, w->cookie);
		free(w);
	}
	return sim->work ? sim->work->due_ms : UINT64_MAX;
}

void sim_flush_work(struct sim *sim)
{
	sim_run_work(sim, UINT64_MAX);
}

int sim_wait(struct sim *sim)
{
	struct timespec ts;

	if (sim->dying)
		return -EINTR;
	if (sim->kick)
		sim->kick(sim->waiter_arg);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += SIM_WAIT_SLICE_MS * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&sim->waitq, &sim->lock, &ts);
	return sim->stopping && sim->stopping(sim->waiter_arg) ? -EINTR : 0;
}

bool sim_wait_other(struct sim *sim)
{
	if (sim->dying)
		return false;
	sim_wait(sim);
	return true;
}

void sim_wake(struct sim *sim)
{
	pthread_cond_broadcast(&sim->waitq);
}

static int sim_skeleton(struct sim *sim)
{
	/* The top level of a real /sys; the empty ones are there for tools that look. */
	static const char *const top[] = {
		"block", "bus", "class", "dev", "devices", "firmware", "fs", "hypervisor",
		"kernel", "module", "power", NULL,
	};
	struct kernfs_root *kr = &sim->kfs;

	for (const char *const *t = top; *t; t++)
		if (!kernfs_create_dir(kr, kr->root, *t))
			return -ENOMEM;
	sim->devices_dir = kernfs_find(kr, kr->root, "devices");
	sim->bus_dir = kernfs_find(kr, kr->root, "bus");
	sim->class_dir = kernfs_find(kr, kr->root, "class");
	sim->module_dir = kernfs_find(kr, kr->root, "module");
	sim->kernel_dir = kernfs_find(kr, kr->root, "kernel");
	sim->virtual_dir = kernfs_create_dir(kr, sim->devices_dir, "virtual");
	if (!sim->virtual_dir || !kernfs_create_dir(kr, sim->kernel_dir, "iommu_groups"))
		return -ENOMEM;
	return 0;
}

static int sim_boot_css(struct sim *sim, const struct topology *topo)
{
	struct css *css;
	int err = css_init(sim, topo->cssid);

	if (err)
		return err;
	css = sim->css;
	css->real_cssid = topo->real_cssid;
	css->logging_supported = topo->logging_supported;
	for (unsigned int i = 0; i < topo->nr_chps; i++) {
		const struct topo_chp *t = &topo->chps[i];

		err = css_add_chp(css, t->id, t->type);
		if (err)
			return err;
		css->chp[t->id]->online = t->online;
		css->chp[t->id]->configure = t->configure;
	}
	/*
	 * The ccw drivers are built in: register them before any device shows
	 * up.  A device whose driver is "none" stays without one.
	 */
	for (unsigned int i = 0; i < topo->nr_schs; i++) {
		const struct ccw_device_id_info *id = &topo->schs[i].dev;

		if (id->present && strcmp(id->driver, "none") &&
		    !ccw_driver_get(css, id->driver, id->auto_online))
			return -ENOMEM;
	}
	for (unsigned int i = 0; i < topo->nr_ccw_drivers; i++)
		if (!ccw_driver_get(css, topo->ccw_drivers[i], false))
			return -ENOMEM;
	/* virtio_ccw devices bring the virtio bus and their virtio drivers (built in). */
	for (unsigned int i = 0; i <= topo->nr_schs; i++) {
		if (i == topo->nr_schs ? topo->nr_virtio_drivers > 0 :
		    topo->schs[i].dev.present && !strcmp(topo->schs[i].dev.driver, "virtio_ccw")) {
			err = virtio_bus_init(sim, topo);
			if (err)
				return err;
			break;
		}
	}
	/* Bindings come from the topology, not from autoprobe, while booting. */
	css->css_bus.drivers_autoprobe = false;
	for (unsigned int i = 0; i < topo->nr_schs; i++) {
		const struct topo_sch *t = &topo->schs[i];

		err = css_add_subchannel(css, t->ssid, t->sch_no, t->st, t->qdio, t->chpid, t->pim,
					 t->pam, t->pom, t->dev.present ? &t->dev : NULL,
					 t->driver_override);
		if (err)
			return err;
	}
	return 0;
}

static struct device_driver *css_driver_by_name(struct sim *sim, const char *name)
{
	struct device_driver *drv;

	list_for_each_entry(drv, &sim->css->css_bus.drivers, node)
		if (!strcmp(drv->name, name))
			return &*drv;
	return NULL;
}

static int sim_bind_subchannels(struct sim *sim, const struct topology *topo, char *err, size_t errlen)
{
	struct css *css = sim->css;

	for (unsigned int i = 0; i < topo->nr_schs; i++) {
		const struct topo_sch *t = &topo->schs[i];
		struct subchannel *sch = css->sch[i];
		struct device_driver *drv;
		int ret;

		if (!*t->driver)
			continue;
		drv = css_driver_by_name(sim, t->driver);
		if (!drv) {
			snprintf(err, errlen, "%s: css.subchannels[%u].driver: %s is not loaded",
				 topo->source, i, t->driver);
			return -EINVAL;
		}
		/*
		 * The binding is recorded state, not a probe: it may disagree with
		 * the override (an override written after the bind never rebinds),
		 * but the driver must still handle this kind of subchannel.
		 */
		ret = (container_of(drv, struct css_driver, drv)->subchannel_types & (1u << sch->st)) ?
			device_bind_driver(&sch->dev, drv) : -ENODEV;
		if (ret) {
			snprintf(err, errlen, "%s: css.subchannels[%u].driver: %s refuses %s: %s",
				 topo->source, i, t->driver, sch->dev.name, strerror(-ret));
			return ret;
		}
	}
	css->css_bus.drivers_autoprobe = true;
	/* Device recognition finishes before the mount serves. */
	sim_flush_work(sim);
	for (unsigned int i = 0; i < topo->nr_schs; i++) {
		struct subchannel *sch = css->sch[i];

		if (sch->cdev && topo->schs[i].dev.online && sch->cdev->dev.driver)
			sch->cdev->online = true;
	}
	return 0;
}

static void sim_free(struct sim *sim)
{
	while (sim->work) {
		struct sim_work *w = sim->work;

		sim->work = w->next;
		free(w);
	}
	for (size_t i = 0; i < UEVENT_LOG_SIZE; i++) {
		free(sim->ulog[i].devpath);
		free(sim->ulog[i].env);
	}
	kernfs_destroy(&sim->kfs);
	pthread_cond_destroy(&sim->waitq);
	pthread_mutex_destroy(&sim->lock);
	free(sim);
}

/* The AP cards a boot registers, and a queue on each for every usage domain. */
static size_t sim_boot_ap_devices(const struct topology *topo)
{
	size_t devices = 0;

	if (!topo->ap.present)
		return 0;
	for (unsigned int d = 0; d < AP_MASK_BITS && d <= topo->ap.max_domain_id; d++)
		devices += ap_mask_test(&topo->ap.usage_domains, d) ? topo->ap.nr_cards : 0;
	return devices + topo->ap.nr_cards;
}

/*
 * The nodes a boot makes, about: a device's directory (its files and links,
 * and its entries in the bus's and the driver's listings, wait for their
 * first lookup), plus the skeleton.
 */
static size_t sim_boot_nodes(const struct topology *topo)
{
	return 2 * (size_t)topo->nr_schs + sim_boot_ap_devices(topo) + 4096;
}

/*
 * The devices a boot certainly registers, each with its "add": the
 * subchannels, the ccw devices io_subchannel recognises, the AP cards and
 * their queues.  Never more than that (ctl's log shows a gap, no stale
 * record, should a registration fail after all).
 */
static uint64_t sim_boot_adds(const struct topology *topo)
{
	uint64_t adds = topo->nr_schs + sim_boot_ap_devices(topo);

	for (unsigned int i = 0; i < topo->nr_schs; i++)
		adds += topo->schs[i].dev.present && !strcmp(topo->schs[i].driver, "io_subchannel");
	return adds;
}

int sim_create(struct sim **out, const struct topology *topo)
{
	char msg[512] = "";
	struct sim *sim = calloc(1, sizeof(*sim));
	pthread_condattr_t ca;
	int err;

	*out = NULL;
	if (!sim)
		return -ENOMEM;
	pthread_mutex_init(&sim->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&sim->waitq, &ca);
	pthread_condattr_destroy(&ca);
	INIT_LIST_HEAD(&sim->buses);
	INIT_LIST_HEAD(&sim->classes);
	INIT_LIST_HEAD(&sim->modules);
	sim->kernel_version = topo->kernel_version;
	sim->recognition_delay_ms = 20;
	err = kernfs_init(&sim->kfs);
	if (err) {
		pthread_cond_destroy(&sim->waitq);
		pthread_mutex_destroy(&sim->lock);
		free(sim);
		return err;
	}
	sim->boot_adds_ahead = sim_boot_adds(topo);
	err = kernfs_reserve(&sim->kfs, sim_boot_nodes(topo));
	if (!err)
		err = sim_skeleton(sim);
	if (!err)
		err = sim_boot_css(sim, topo);
	if (!err && topo->ap.present)
		err = ap_bus_init(sim, topo);
	/* vfio, vfio_iommu_type1 and mdev come with the first module that needs them. */
	if (!err && (topo->vfio_ccw || (topo->vfio_ap && topo->ap.present))) {
		err = vfio_core_init(sim);
		if (!err && !module_load(sim, "vfio_iommu_type1", 36864))
			err = -ENOMEM;
		if (!err)
			err = mdev_core_init(sim);
	}
	if (!err && topo->vfio_ccw)
		err = vfio_ccw_init(sim);
	if (!err)
		err = sim_bind_subchannels(sim, topo, msg, sizeof(msg));
	if (!err && topo->vfio_ap && topo->ap.present)
		err = vfio_ap_init(sim);
	if (!err && topo->nr_mdevs)
		err = vfio_ap_create_topology_mdevs(sim, topo, msg, sizeof(msg));
	sim->boot_adds_ahead = 0;	/* from now on every uevent is kept */
	if (err) {
		if (*msg)
			fprintf(stderr, "simfs: %s\n", msg);
		else
			fprintf(stderr, "simfs: %s: cannot build the model: %s\n", topo->source,
				strerror(-err));
		sim_destroy(sim);
		return err;
	}
	*out = sim;
	return 0;
}

void sim_destroy(struct sim *sim)
{
	struct module *mod, *tmp;

	if (!sim)
		return;
	/* Nobody is left to let go of an mdev: nothing waits from here on. */
	sim->dying = true;
	vfio_ap_exit(sim);
	vfio_ccw_exit(sim);
	ap_bus_exit(sim);
	css_exit(sim);
	virtio_bus_exit(sim);
	mdev_core_exit(sim);
	vfio_core_exit(sim);
	list_for_each_entry_safe(mod, tmp, &sim->modules, node)
		module_unload(mod);
	sim_free(sim);
}
