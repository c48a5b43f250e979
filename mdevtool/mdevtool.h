/* SPDX-License-Identifier: MIT */
/*
 * mdevtool: configure vfio-ccw and vfio-ap mediated devices through sysfs.
 *
 * What every command gets: the parsed options (the only state that is set
 * once and read everywhere) and a context holding the sysfs root and the
 * undo journal of the command in progress.  Commands return an exit code
 * (enum mdev_exit); helpers return 0 or -errno.
 */
#ifndef MDEVTOOL_H
#define MDEVTOOL_H

#include <stdbool.h>
#include <stddef.h>

#include "errors.h"
#include "ids.h"
#include "sysfs.h"
#include "undo.h"

/* Documented in --help and mdevtool(8); scripts rely on them. */
enum mdev_exit {
	MDEV_EXIT_OK = 0,	/* done */
	MDEV_EXIT_REFUSED = 1,	/* refused by the kernel or by mdevtool; host unchanged */
	MDEV_EXIT_USAGE = 2,	/* bad command line */
	MDEV_EXIT_NOTFOUND = 3,	/* named device, mdev or driver not there; nothing changed */
	MDEV_EXIT_PARTIAL = 4,	/* failed and the undo failed too: host partly changed */
};

struct opts {
	const char *sysfs;	/* --sysfs, else SYSFS_ROOT, else /sys */
	bool dry_run;
	bool json;
	bool force;		/* ccw create: set an online device offline */
	bool restore;		/* ccw remove --restore, ap remove --restore-masks */
	bool quiet;		/* create: print only the UUID */
	const char *uuid;	/* --uuid */
	const char *devno;	/* --devno for the guest (qemu, libvirt) */
	struct idset adapters;	/* --adapter and the adapters of --apqn */
	struct idset domains;	/* --domain and the domains of --apqn */
	struct idset cdoms;	/* --control-domain */
	int napqn;		/* how many --apqn were given */
	const char *arg;	/* the positional argument: device, subchannel or UUID */
};

struct ctx {
	const struct opts *opt;
	struct sysfs sys;
	struct undo undo;
};

/* Where the pieces live: the paths mdevtool reads and writes. */
#define CSS_DEV		"bus/css/devices"
#define CSS_DRV		"bus/css/drivers"
#define CCW_DEV		"bus/ccw/devices"
#define MDEV_DEV	"bus/mdev/devices"
#define MDEV_BUS_CLASS	"class/mdev_bus"
#define AP_BUS		"bus/ap"
#define AP_MATRIX	"devices/vfio_ap/matrix"
#define AP_TYPE		"vfio_ap-passthrough"
#define CCW_TYPE	"vfio_ccw-io"

/* A mediated device as sysfs shows it. */
struct mdev_info {
	char uuid[UUID_STRLEN + 1];
	char type[64];		/* "vfio_ccw-io", "vfio_ap-passthrough" */
	char parent[64];	/* "0.0.0313", "matrix" */
	char driver[64];	/* "vfio_ccw_mdev", "" when driverless */
};

/* mdev.c */
int mdev_lookup(const struct sysfs *s, const char *uuid, struct mdev_info *out);
int mdev_list(const struct sysfs *s, struct mdev_info **v, size_t *n);
/* The sysfsdev path QEMU wants, under the configured root. */
int mdev_sysfsdev(const struct sysfs *s, const struct mdev_info *m, char *buf, size_t size);

/* apstate.c: the AP side as it is now. */
struct ap_mdev {
	char uuid[UUID_STRLEN + 1];
	struct idset apm, aqm, adm;	/* matrix and control_domains */
	struct idset gapm, gaqm;	/* guest_matrix */
};
int ap_read_masks(const struct sysfs *s, struct idset *apmask, struct idset *aqmask);
int ap_read_max(const struct sysfs *s, int *max_adapter, int *max_domain);
int ap_read_mdev(const struct sysfs *s, const char *uuid, struct ap_mdev *m);
int ap_list_mdevs(const struct sysfs *s, struct ap_mdev **v, size_t *n);
/*
 * The first APQN of @apm x @aqm that an mdev other than @self holds:
 * returns 1 and fills @apqn and @holder, 0 when there is none.
 */
int ap_find_holder(const struct ap_mdev *v, size_t n, const char *self, const struct idset *apm,
		   const struct idset *aqm, char apqn[APQN_STRLEN], char holder[UUID_STRLEN + 1]);
/* Print "05.0004 05.00ab" (or "05." / ".0004" forms) of a matrix. */
void ap_format_matrix(const struct idset *apm, const struct idset *aqm, const char *sep, char *buf,
		      size_t size);

/* Print "0004 00ab": a domain list as control_domains shows it. */
void ap_format_domains(const struct idset *s, const char *sep, char *buf, size_t size);

/* errors.c: print "mdevtool: <sentence>" and the failed command. */
void report_write(const struct ctx *c, const char *rel, const char *value, const struct why *w, int err);
/* Run the undo journal after a failure; the exit code to return. */
int undo_and_exit(struct ctx *c);

/* Commands (each returns an enum mdev_exit). */
int cmd_list(struct ctx *c);
int cmd_types(struct ctx *c);
int cmd_ccw_create(struct ctx *c);
int cmd_ccw_remove(struct ctx *c);
int cmd_ap_create(struct ctx *c);
int cmd_ap_assign(struct ctx *c, bool unassign);
int cmd_ap_remove(struct ctx *c);
int cmd_ap_show(struct ctx *c);
int cmd_qemu(struct ctx *c);
int cmd_libvirt(struct ctx *c);

/* snippets.c: print the QEMU and libvirt snippets for an mdev. */
int print_snippets(const struct ctx *c, const struct mdev_info *m, bool qemu, bool libvirt);

/* json.c: a JSON string with the escapes RFC 8259 requires. */
void json_string(const char *s);

/* Print an error line "mdevtool: ..." to stderr. */
void err_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print a note line "mdevtool: note: ..." to stderr. */
void note_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* MDEVTOOL_H */
