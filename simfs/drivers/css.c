// SPDX-License-Identifier: MIT
/*
 * css.c, chp.c and the io_subchannel half of device.c: the css bus, css0,
 * channel paths and subchannels.
 */
#include "css.h"

#include "../parse.h"
#include "../sim.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- css0 ----------------------------------------------------------------- */

static struct css *css0_to_css(void *obj)
{
	return container_of((struct device *)obj, struct css, css0);
}

/* real_cssid: "%x\n", or EINVAL when the machine gave no valid css id (QEMU). */
static ssize_t real_cssid_show(void *obj, char *buf)
{
	struct css *css = css0_to_css(obj);

	if (css->real_cssid < 0)
		return -EINVAL;
	return sprintf(buf, "%x\n", css->real_cssid);
}

static ssize_t pools_show(void *obj, char *buf)
{
	return sprintf(buf, "poolinfo - 0.1\nairq_iv_cache       1   16  256  1\n");
}

/* rescan: any write re-evaluates every subchannel; nothing changes here. */
static ssize_t rescan_store(void *obj, const char *buf, size_t len)
{
	return (ssize_t)len;
}

static const struct kn_attr css0_attr_real_cssid = __ATTR_RO(real_cssid);
static const struct kn_attr css0_attr_pools = __ATTR_RO(pools);
static const struct kn_attr css0_attr_rescan = __ATTR_WO(rescan);
static const struct kn_attr *const css0_attrs[] = {
	&css0_attr_pools, &css0_attr_real_cssid, &css0_attr_rescan, NULL,
};
static const struct attr_group css0_group = { .attrs = css0_attrs };
static const struct attr_group *const css0_groups[] = { &css0_group, NULL };

/* ---- channel paths -------------------------------------------------------- */

static struct channel_path *to_chp(void *obj)
{
	return container_of((struct device *)obj, struct channel_path, dev);
}

static ssize_t status_show(void *obj, char *buf)
{
	return sprintf(buf, "%s\n", to_chp(obj)->online ? "online" : "offline");
}

/*
 * chp_status_write(): sscanf "%5s" -- the kernel's %s converts even an empty
 * word, so a blank store is EINVAL (seen on a real 6.12 kernel, though the
 * code reads as if it meant to ignore it); "on..."/"1" varies the path on,
 * "off..."/"0" off (case-insensitive prefixes), the rest is EINVAL.
 */
static ssize_t status_store(void *obj, const char *buf, size_t len)
{
	struct channel_path *chp = to_chp(obj);
	char cmd[6];
	size_t i = 0, n = 0;

	while (i < len && buf[i] && isspace((unsigned char)buf[i]))
		i++;
	while (i < len && buf[i] && !isspace((unsigned char)buf[i]) && n < 5)
		cmd[n++] = buf[i++];
	cmd[n] = '\0';
	if (!strncasecmp(cmd, "on", 2) || !strcmp(cmd, "1"))
		chsc_chp_vary(chp, true);
	else if (!strncasecmp(cmd, "off", 3) || !strcmp(cmd, "0"))
		chsc_chp_vary(chp, false);
	else
		return -EINVAL;
	return (ssize_t)len;
}

/* configure: EOPNOTSUPP on a machine without SCLP channel-path information. */
static ssize_t configure_show(void *obj, char *buf)
{
	struct channel_path *chp = to_chp(obj);

	if (chp->configure < 0)
		return -EOPNOTSUPP;
	return sprintf(buf, "%d\n", chp->configure);
}

static ssize_t configure_store(void *obj, const char *buf, size_t len)
{
	struct channel_path *chp = to_chp(obj);
	int val;

	if (scan_int_d(buf, len, &val) != 1 || (val != 0 && val != 1))
		return -EINVAL;
	if (chp->configure < 0)
		return -EOPNOTSUPP;
	chp->configure = val;
	return (ssize_t)len;
}

static ssize_t type_show(void *obj, char *buf)
{
	return sprintf(buf, "%x\n", to_chp(obj)->type);
}

static ssize_t cmg_show(void *obj, char *buf)
{
	return sprintf(buf, "%s\n", to_chp(obj)->cmg);
}

static ssize_t shared_show(void *obj, char *buf)
{
	return sprintf(buf, "%s\n", to_chp(obj)->shared);
}

/* chp.c shows nothing at all (0 bytes) while the channel-path description has no valid CHID. */
static ssize_t chid_show(void *obj, char *buf)
{
	const char *chid = to_chp(obj)->chid;

	return *chid ? sprintf(buf, "%s\n", chid) : 0;
}

static ssize_t chid_external_show(void *obj, char *buf)
{
	const char *ext = to_chp(obj)->chid_external;

	return *ext ? sprintf(buf, "%s\n", ext) : 0;
}

static ssize_t esc_show(void *obj, char *buf)
{
	return sprintf(buf, "%u\n", to_chp(obj)->esc);
}

static ssize_t speed_bps_show(void *obj, char *buf)
{
	return sprintf(buf, "%llu\n", to_chp(obj)->speed_bps);
}

/* A binary attribute of 64 bytes; empty without channel-path utilisation data. */
static ssize_t util_string_show(void *obj, char *buf)
{
	return 0;
}

static const struct kn_attr chp_attr_status = __ATTR_RW(status);
static const struct kn_attr chp_attr_configure = __ATTR_RW(configure);
static const struct kn_attr chp_attr_type = __ATTR_RO(type);
static const struct kn_attr chp_attr_cmg = __ATTR_RO(cmg);
static const struct kn_attr chp_attr_shared = __ATTR_RO(shared);
static const struct kn_attr chp_attr_chid = __ATTR_RO(chid);
static const struct kn_attr chp_attr_chid_external = __ATTR_RO(chid_external);
static const struct kn_attr chp_attr_esc = __ATTR_RO(esc);
static const struct kn_attr chp_attr_speed_bps = __ATTR_RO(speed_bps);
static const struct kn_attr chp_attr_util_string = {
	.name = "util_string", .mode = 0444, .size = 64, .show = util_string_show,
};
static const struct kn_attr *const chp_attrs[] = {
	&chp_attr_chid, &chp_attr_chid_external, &chp_attr_cmg, &chp_attr_configure,
	&chp_attr_esc, &chp_attr_shared, &chp_attr_speed_bps, &chp_attr_status,
	&chp_attr_type, &chp_attr_util_string, NULL,
};
static const struct attr_group chp_group = { .attrs = chp_attrs };
static const struct attr_group *const chp_groups[] = { &chp_group, NULL };

static void chp_release(struct device *dev)
{
	free(container_of(dev, struct channel_path, dev));
}

int css_add_chp(struct css *css, uint8_t id, uint8_t type)
{
	struct channel_path *chp;
	char name[16];
	int err;

	if (css->chp[id])
		return -EEXIST;
	chp = calloc(1, sizeof(*chp));
	if (!chp)
		return -ENOMEM;
	chp->css = css;
	chp->id = id;
	chp->type = type;
	chp->online = true;
	chp->configure = -1;
	strcpy(chp->cmg, "unknown");
	strcpy(chp->shared, "unknown");
	snprintf(name, sizeof(name), "chp%x.%02x", css->cssid, id);
	device_initialize(&chp->dev, css->sim, name);
	chp->dev.parent = &css->css0;
	chp->dev.groups = chp_groups;
	chp->dev.release = chp_release;
	err = device_add(&chp->dev);
	if (err) {
		device_unregister(&chp->dev);
		return err;
	}
	css->chp[id] = chp;
	return 0;
}

/* ---- subchannels ---------------------------------------------------------- */

static ssize_t sch_type_show(void *obj, char *buf)
{
	return sprintf(buf, "%01x\n", to_subchannel(obj)->st);
}

static ssize_t modalias_show(void *obj, char *buf)
{
	return sprintf(buf, "css:t%01X\n", to_subchannel(obj)->st);
}

static ssize_t driver_override_show(void *obj, char *buf)
{
	struct device *dev = obj;

	/* The kernel prints a NULL override with %s: "(null)". */
	return sprintf(buf, "%s\n", dev->driver_override ? dev->driver_override : "(null)");
}

/*
 * driver_set_override(): 4095 bytes or more EINVAL; the value ends at the
 * first '\n' (and, the store's buffer being a C string, at the first NUL);
 * a value that starts with '\n' clears.  It never binds or unbinds.
 */
static ssize_t driver_override_store(void *obj, const char *buf, size_t len)
{
	struct device *dev = obj;
	size_t n = strnlen(buf, len);
	const char *nl = memchr(buf, '\n', n);
	char *new = NULL;

	if (len >= SYSFS_PAGE_SIZE - 1)
		return -EINVAL;
	if (nl)
		n = (size_t)(nl - buf);
	if (!nl || nl != buf) {
		new = strndup(buf, n);
		if (!new)
			return -ENOMEM;
	}
	free(dev->driver_override);
	dev->driver_override = new;
	return (ssize_t)len;
}

static ssize_t chpids_show(void *obj, char *buf)
{
	struct subchannel *sch = to_subchannel(obj);
	ssize_t n = 0;

	for (int i = 0; i < 8; i++) {
		uint8_t mask = (uint8_t)(0x80 >> i);

		n += sprintf(buf + n, "%02x ", (sch->pim & mask) ? sch->chpid[i] : 0);
	}
	n += sprintf(buf + n, "\n");
	return n;
}

static ssize_t pimpampom_show(void *obj, char *buf)
{
	struct subchannel *sch = to_subchannel(obj);

	return sprintf(buf, "%02x %02x %02x\n", sch->pim, sch->pam, sch->pom);
}

static ssize_t dev_busid_show(void *obj, char *buf)
{
	struct subchannel *sch = to_subchannel(obj);

	if (!sch->id.present)
		return sprintf(buf, "none\n");
	return sprintf(buf, "0.%x.%04x\n", sch->ssid, sch->id.devno);
}

static ssize_t vpm_show(void *obj, char *buf)
{
	return sprintf(buf, "%02x\n", to_subchannel(obj)->vpm);
}

/* logging: the SIOSL result is passed through; QEMU has none (EOPNOTSUPP). */
static ssize_t logging_store(void *obj, const char *buf, size_t len)
{
	struct subchannel *sch = to_subchannel(obj);

	if (!sch->css->logging_supported)
		return -EOPNOTSUPP;
	return (ssize_t)len;
}

static const struct kn_attr sch_attr_type = { .name = "type", .mode = 0444, .show = sch_type_show };
static const struct kn_attr sch_attr_modalias = __ATTR_RO(modalias);
static const struct kn_attr sch_attr_driver_override = __ATTR_RW(driver_override);
static const struct kn_attr sch_attr_chpids = __ATTR_RO(chpids);
static const struct kn_attr sch_attr_pimpampom = __ATTR_RO(pimpampom);
static const struct kn_attr sch_attr_dev_busid = __ATTR_RO(dev_busid);
static const struct kn_attr sch_attr_vpm = __ATTR_RO(vpm);
static const struct kn_attr sch_attr_logging = __ATTR_WO(logging);

static const struct kn_attr *const subch_attrs[] = {
	&sch_attr_type, &sch_attr_modalias, &sch_attr_driver_override, NULL,
};
static const struct attr_group subch_group = { .attrs = subch_attrs };

/* chpids and pimpampom on I/O subchannels; dev_busid on I/O and message ones. */
static uint16_t io_subchannel_type_visible(void *obj, const struct kn_attr *attr)
{
	struct subchannel *sch = to_subchannel(obj);
	struct sim *sim = sch->dev.sim;

	if (attr == &sch_attr_dev_busid)
		return (sch->st == SUBCHANNEL_TYPE_IO || sch->st == SUBCHANNEL_TYPE_MSG) &&
			sim->kernel_version >= KERNEL_VERSION(5, 13, 0) ? attr->mode : 0;
	return sch->st == SUBCHANNEL_TYPE_IO ? attr->mode : 0;
}

static const struct kn_attr *const io_subchannel_type_attrs[] = {
	&sch_attr_chpids, &sch_attr_pimpampom, &sch_attr_dev_busid, NULL,
};
static const struct attr_group io_subchannel_type_group = {
	.attrs = io_subchannel_type_attrs, .is_visible = io_subchannel_type_visible,
};
static const struct attr_group *const subch_groups[] = {
	&subch_group, &io_subchannel_type_group, NULL,
};
static const struct device_type subch_type = { .groups = subch_groups };

static void subchannel_release(struct device *dev)
{
	struct subchannel *sch = to_subchannel(dev);

	free(sch->id.virtio);
	free(sch);
}

/* Keep what the subchannel needs of @from; -ENOMEM leaves nothing to free. */
static int ccw_id_copy(struct css *css, struct ccw_id *to, const struct ccw_device_id_info *from)
{
	struct ccw_driver *cdrv;

	*to = (struct ccw_id){
		.present = from->present, .availability = from->availability, .devno = from->devno,
		.cu_type = from->cu_type, .dev_type = from->dev_type,
		.cu_model = from->cu_model, .dev_model = from->dev_model, .driver = "none",
	};
	if (!from->present)
		return 0;
	if (strcmp(from->driver, "none")) {
		cdrv = ccw_driver_get(css, from->driver, from->auto_online);
		if (!cdrv)
			return -ENOMEM;
		to->driver = cdrv->drv.name;
	}
	if (*from->virtio_driver || *from->virtio_features) {
		to->virtio = malloc(sizeof(*to->virtio));
		if (!to->virtio)
			return -ENOMEM;
		memcpy(to->virtio->driver, from->virtio_driver, sizeof(to->virtio->driver));
		memcpy(to->virtio->features, from->virtio_features, sizeof(to->virtio->features));
	}
	return 0;
}

/* css_bus_match(): the override first, then the driver's subchannel types. */
static int css_bus_match(struct device *dev, struct device_driver *drv)
{
	struct subchannel *sch = to_subchannel(dev);
	struct css_driver *cdrv = container_of(drv, struct css_driver, drv);

	if (!driver_match_override(dev, drv))
		return 0;
	return !!(cdrv->subchannel_types & (1u << sch->st));
}

static int css_uevent(const struct device *dev, struct uevent_env *env)
{
	const struct subchannel *sch = container_of(dev, struct subchannel, dev);

	add_uevent_var(env, "ST=%01X", sch->st);
	return add_uevent_var(env, "MODALIAS=css:t%01X", sch->st);
}

int css_add_subchannel(struct css *css, unsigned int ssid, unsigned int sch_no, enum sch_type st,
		       bool qdio, const uint8_t chpids[8], uint8_t pim, uint8_t pam, uint8_t pom,
		       const struct ccw_device_id_info *id, const char *driver_override)
{
	struct subchannel *sch = calloc(1, sizeof(*sch)), **arr;
	char name[16];
	int err;

	if (!sch)
		return -ENOMEM;
	/* Grow by doubling: a whole machine has a quarter million subchannels. */
	if (!(css->nr_sch & (css->nr_sch - 1))) {
		arr = realloc(css->sch, (css->nr_sch ? css->nr_sch * 2 : 1) * sizeof(*arr));
		if (!arr) {
			free(sch);
			return -ENOMEM;
		}
		css->sch = arr;
	}
	sch->css = css;
	sch->ssid = ssid;
	sch->sch_no = sch_no;
	sch->st = st;
	sch->qdio = qdio;
	memcpy(sch->chpid, chpids, 8);
	sch->pim = pim;
	sch->pam = pam;
	sch->pom = pom;
	sch->id.driver = "none";
	if (id && (err = ccw_id_copy(css, &sch->id, id))) {
		free(sch);
		return err;
	}
	chsc_sch_verify_paths(sch);
	snprintf(name, sizeof(name), "%x.%x.%04x", css->cssid, ssid, sch_no);
	device_initialize(&sch->dev, css->sim, name);
	if (driver_override && !(sch->dev.driver_override = strdup(driver_override))) {
		free(sch->dev.name);
		free(sch->id.virtio);
		free(sch);
		return -ENOMEM;
	}
	sch->dev.parent = &css->css0;
	sch->dev.bus = &css->css_bus;
	sch->dev.type = &subch_type;
	sch->dev.release = subchannel_release;
	err = device_add(&sch->dev);
	if (err) {
		device_unregister(&sch->dev);
		return err;
	}
	css->sch[css->nr_sch++] = sch;
	return 0;
}

/* css_sch_device_unregister(): the subchannel leaves the css and its array. */
void css_sch_device_unregister(struct subchannel *sch)
{
	struct css *css = sch->css;

	for (unsigned int i = 0; i < css->nr_sch; i++) {
		if (css->sch[i] != sch)
			continue;
		memmove(&css->sch[i], &css->sch[i + 1], (css->nr_sch - i - 1) * sizeof(*css->sch));
		css->nr_sch--;
		break;
	}
	device_unregister(&sch->dev);
}

/* ---- io_subchannel -------------------------------------------------------- */

static const struct kn_attr *const io_subchannel_attrs[] = { &sch_attr_logging, &sch_attr_vpm, NULL };
static const struct attr_group io_subchannel_attr_group = { .attrs = io_subchannel_attrs };
static const struct attr_group *const io_subchannel_groups[] = { &io_subchannel_attr_group, NULL };

/*
 * Device recognition runs asynchronously in the kernel: the ccw device
 * appears a little after the probe returned, never before.
 */
static void io_subchannel_recognize(struct sim *sim, void *arg, uint64_t cookie)
{
	struct subchannel *sch = arg;

	if (sch->recognition != cookie || sch->cdev)
		return;
	sch->recognition = 0;
	ccw_device_register(sch);
}

static int io_subchannel_probe(struct device *dev)
{
	struct subchannel *sch = to_subchannel(dev);
	struct sim *sim = dev->sim;

	if (!sch->id.present)
		return 0;
	sch->recognition = ++sch->css->next_cookie;
	return sim_queue_work(sim, sim->recognition_delay_ms, io_subchannel_recognize, sch,
			      sch->recognition);
}

static void io_subchannel_remove(struct device *dev)
{
	struct subchannel *sch = to_subchannel(dev);

	sch->recognition = 0;
	sim_cancel_work(dev->sim, sch);
	ccw_device_unregister(sch);
}

static int css_probe(struct device *dev)
{
	return dev->driver->probe ? dev->driver->probe(dev) : 0;
}

static void css_remove(struct device *dev)
{
	if (dev->driver->remove)
		dev->driver->remove(dev);
}

int css_register_driver(struct css *css, struct css_driver *cdrv)
{
	cdrv->drv.bus = &css->css_bus;
	return driver_register(&cdrv->drv);
}

/* ---- init ----------------------------------------------------------------- */

int css_init(struct sim *sim, unsigned int cssid)
{
	struct css *css = calloc(1, sizeof(*css));
	char name[16];
	int err;

	if (!css)
		return -ENOMEM;
	sim->css = css;
	css->sim = sim;
	css->cssid = cssid;
	css->real_cssid = -1;
	INIT_LIST_HEAD(&css->ccw_drivers);

	css->css_bus.name = "css";
	css->css_bus.match = css_bus_match;
	css->css_bus.probe = css_probe;
	css->css_bus.remove = css_remove;
	css->css_bus.uevent = css_uevent;
	err = bus_register(sim, &css->css_bus);
	if (err)
		return err;
	err = ccw_bus_init(css);
	if (err)
		return err;

	snprintf(name, sizeof(name), "css%x", cssid);
	device_initialize(&css->css0, sim, name);
	css->css0.groups = css0_groups;
	err = device_add(&css->css0);
	if (err)
		return err;
	device_initialize(&css->defunct, sim, "defunct");
	css->defunct.parent = &css->css0;
	err = device_add(&css->defunct);
	if (err)
		return err;

	css->io_subchannel.drv.name = "io_subchannel";
	css->io_subchannel.drv.probe = io_subchannel_probe;
	css->io_subchannel.drv.remove = io_subchannel_remove;
	css->io_subchannel.drv.dev_groups = io_subchannel_groups;
	css->io_subchannel.subchannel_types = 1u << SUBCHANNEL_TYPE_IO;
	return css_register_driver(css, &css->io_subchannel);
}

void css_exit(struct sim *sim)
{
	struct css *css = sim->css;
	struct ccw_driver *cdrv, *tmp;

	if (!css)
		return;
	for (unsigned int i = css->nr_sch; i-- > 0;)
		device_unregister(&css->sch[i]->dev);
	free(css->sch);
	for (int i = 0; i < 256; i++)
		if (css->chp[i])
			device_unregister(&css->chp[i]->dev);
	if (css->defunct.name)
		device_unregister(&css->defunct);
	if (css->css0.name)
		device_unregister(&css->css0);
	driver_unregister(&css->io_subchannel.drv);
	list_for_each_entry_safe(cdrv, tmp, &css->ccw_drivers, node) {
		driver_unregister(&cdrv->drv);
		free((char *)cdrv->drv.name);
		free(cdrv);
	}
	bus_unregister(&css->ccw_bus);
	bus_unregister(&css->css_bus);
	free(css);
	sim->css = NULL;
}
