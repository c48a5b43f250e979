/* SPDX-License-Identifier: MIT */
/*
 * The channel subsystem (drivers/s390/cio/): css0, channel paths,
 * subchannels on the css bus, their ccw devices on the ccw bus, and the
 * io_subchannel driver that connects the two.
 */
#ifndef SIMFS_CSS_H
#define SIMFS_CSS_H

#include "../driver_core.h"

#include <stdbool.h>
#include <stdint.h>

enum sch_type {
	SUBCHANNEL_TYPE_IO = 0,
	SUBCHANNEL_TYPE_CHSC = 1,
	SUBCHANNEL_TYPE_MSG = 2,
	SUBCHANNEL_TYPE_ADM = 3,
};

enum ccw_availability {
	CCW_AVAIL_GOOD,
	CCW_AVAIL_BOXED,
	CCW_AVAIL_NO_PATH,
	CCW_AVAIL_NO_DEVICE,
};

/* What the topology says of the device behind a subchannel. */
struct ccw_device_id_info {
	bool present;
	unsigned int devno;
	uint16_t cu_type, dev_type;
	uint8_t cu_model, dev_model;
	char driver[32];		/* the ccw driver that takes it */
	bool online;			/* wanted online at boot */
	bool auto_online;		/* the driver sets it online itself (virtio_ccw) */
	char virtio_driver[32];		/* virtio_ccw devices: the virtio driver that takes virtioN */
	char virtio_features[65];	/* ... and the feature bits it negotiated ('0'/'1' x 64) */
	enum ccw_availability availability;
};

/* A virtio_ccw device's virtio side, as the fixture names it. */
struct ccw_virtio_id {
	char driver[32];		/* the virtio driver that takes virtioN */
	char features[65];		/* the bits it negotiated ('0'/'1' x 64), or empty */
};

/*
 * What a subchannel keeps of its ccw_device_id_info: a quarter of a million
 * of them, so the driver name is the registered ccw driver's own and the
 * virtio side exists only for virtio_ccw devices.
 */
struct ccw_id {
	bool present;
	enum ccw_availability availability;
	unsigned int devno;
	uint16_t cu_type, dev_type;
	uint8_t cu_model, dev_model;
	const char *driver;		/* the ccw driver that takes it, or "none" */
	struct ccw_virtio_id *virtio;	/* NULL unless the fixture names a virtio side */
};

struct channel_path {
	struct device dev;
	struct css *css;
	uint8_t id;
	uint8_t type;
	bool online;			/* varied on (logical) */
	bool unavailable;		/* the machine took it away (pam bits clear) */
	int configure;			/* -1: no SCLP information (read EOPNOTSUPP) */
	char cmg[16], shared[16];
	char chid[16], chid_external[16];
	unsigned int esc;
	unsigned long long speed_bps;
};

struct ccw_device {
	struct device dev;
	struct subchannel *sch;
	bool online;
	bool cmb_enabled;
	void *virtio;			/* the virtioN below, while virtio_ccw has it online */
};

struct subchannel {
	struct device dev;
	struct css *css;
	unsigned int ssid, sch_no;
	enum sch_type st;
	bool qdio;			/* vfio_ccw refuses these */
	uint8_t chpid[8];
	uint8_t pim, pam, pom;
	uint8_t vpm;
	struct ccw_id id;
	struct ccw_device *cdev;	/* present while io_subchannel drives it */
	uint64_t recognition;		/* cookie of pending recognition work */
	void *vfio_private;		/* vfio_ccw's state while bound to it */
};

struct css_driver {
	struct device_driver drv;
	uint32_t subchannel_types;	/* bit per enum sch_type */
};

struct ccw_driver {
	struct device_driver drv;
	bool auto_online;
	struct list_head node;
};

struct css {
	struct sim *sim;
	unsigned int cssid;
	int real_cssid;			/* -1: read fails EINVAL (QEMU) */
	bool logging_supported;		/* SIOSL: false under QEMU (EOPNOTSUPP) */
	struct bus_type css_bus, ccw_bus;
	struct device css0, defunct;
	struct css_driver io_subchannel;
	struct list_head ccw_drivers;
	struct channel_path *chp[256];
	struct subchannel **sch;	/* all subchannels, in topology order */
	unsigned int nr_sch;
	uint64_t next_cookie;
};

static inline struct subchannel *to_subchannel(struct device *dev)
{
	return container_of(dev, struct subchannel, dev);
}

static inline struct ccw_device *to_ccwdev(struct device *dev)
{
	return container_of(dev, struct ccw_device, dev);
}

int css_init(struct sim *sim, unsigned int cssid);
void css_exit(struct sim *sim);
int css_add_chp(struct css *css, uint8_t id, uint8_t type);
/* Add a subchannel; @id describes its device (or has present = false). */
int css_add_subchannel(struct css *css, unsigned int ssid, unsigned int sch_no, enum sch_type st,
		       bool qdio, const uint8_t chpids[8], uint8_t pim, uint8_t pam, uint8_t pom,
		       const struct ccw_device_id_info *id, const char *driver_override);
int css_register_driver(struct css *css, struct css_driver *cdrv);
/* The subchannel is gone from the machine: unregister it (with its ccw device, its mdevs). */
void css_sch_device_unregister(struct subchannel *sch);
/* Find or register the built-in ccw driver of that name. */
struct ccw_driver *ccw_driver_get(struct css *css, const char *name, bool auto_online);

/*
 * chsc.c: channel-path events.  Varying a path (its status file) changes
 * the logical path masks; the machine taking a path away or giving it back
 * changes the path-available masks (pimpampom) of every subchannel on it.
 * Either way the verified paths (vpm) and the devices' availability follow.
 */
void chsc_chp_vary(struct channel_path *chp, bool on);
/* vpm and the device's availability from the path masks and the varied-on paths. */
void chsc_sch_verify_paths(struct subchannel *sch);
int chsc_chp_set_available(struct css *css, uint8_t chpid, bool available);
/* A new subchannel (with a device, or @id NULL) appears on the paths @chpids[0..@n). */
int css_sch_hotplug(struct css *css, unsigned int ssid, unsigned int sch_no,
		    const struct ccw_device_id_info *id, const uint8_t *chpids, unsigned int n);
struct subchannel *css_find_subchannel(struct css *css, unsigned int ssid, unsigned int sch_no);

/* Used by ccw.c. */
int ccw_device_register(struct subchannel *sch);
void ccw_device_unregister(struct subchannel *sch);
int ccw_bus_init(struct css *css);

#endif /* SIMFS_CSS_H */
