// SPDX-License-Identifier: MIT
/*
 * vfio-ccw: ccw create / ccw remove.
 *
 * The subchannel is moved to vfio_ccw the way driverctl does it (unbind,
 * driver_override, drivers_probe), not with a plain bind: the override
 * makes the choice survive a re-probe (a path event, a css rescan, a reboot
 * of the device), where a plain bind would hand the subchannel back to
 * io_subchannel behind the guest's back.
 *
 * Every change is journaled with its inverse (undo.h); a failure anywhere
 * replays the journal so the host ends as it started.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include "mdevtool.h"

/* How long the kernel may take to bring a ccw device back (asynchronous). */
#define CCW_SETTLE_MS 10000

struct sch_state {
	char sch[BUSID_STRLEN];		/* "0.0.0313" */
	char busid[BUSID_STRLEN];	/* its device, "" if none */
	char driver[64];		/* "io_subchannel", "vfio_ccw", "" */
	char override[256];		/* "(null)" when unset */
	bool dev_present;		/* the ccw device is registered */
	bool online;
};

static bool is_busid(const char *name)
{
	struct busid b;

	return parse_busid(name, &b) == 0 && strchr(name, '.');
}

/* The subchannel whose dev_busid is @busid, when the ccw device is gone. */
static int find_sch_by_busid(const struct sysfs *s, const char *busid, char *sch, size_t size)
{
	char **names;
	size_t n;
	int ret, found = -ENOENT;

	ret = sysfs_list(s, CSS_DEV, &names, &n);
	if (ret)
		return ret;
	for (size_t i = 0; i < n && found; i++) {
		char rel[PATH_MAX], val[64];

		if (!is_busid(names[i]) || path_fmt(rel, sizeof(rel), CSS_DEV "/%s/dev_busid", names[i]))
			continue;
		if (sysfs_read_line(s, rel, val, sizeof(val)) == 0 && !strcmp(val, busid)) {
			snprintf(sch, size, "%s", names[i]);
			found = 0;
		}
	}
	sysfs_free_names(names, n);
	return found;
}

/*
 * DEVNO|SUBCHANNEL -> subchannel.  A device number is looked up on the ccw
 * bus, and through dev_busid when its subchannel no longer has the ccw
 * device (bound to vfio_ccw or to nothing).  An id that names a device on
 * one subchannel and, itself, another subchannel is refused as ambiguous.
 */
static int resolve_sch(const struct sysfs *s, const char *arg, char sch[BUSID_STRLEN])
{
	char id[BUSID_STRLEN], rel[PATH_MAX], devsch[BUSID_STRLEN] = "";
	struct busid b;
	bool is_sch;

	if (parse_busid(arg, &b)) {
		err_msg("'%s' is not a device number or subchannel id (expected e.g. 0.0.2b09)", arg);
		return MDEV_EXIT_USAGE;
	}
	busid_format(&b, id);
	if (path_fmt(rel, sizeof(rel), CCW_DEV "/%s", id))
		return MDEV_EXIT_USAGE;
	if (sysfs_exists(s, rel)) {
		if (sysfs_parent_name(s, rel, devsch, sizeof(devsch)))
			devsch[0] = '\0';
	} else if (find_sch_by_busid(s, id, devsch, sizeof(devsch))) {
		devsch[0] = '\0';
	}
	if (path_fmt(rel, sizeof(rel), CSS_DEV "/%s", id))
		return MDEV_EXIT_USAGE;
	is_sch = sysfs_exists(s, rel);

	if (devsch[0] && is_sch && strcmp(devsch, id)) {
		err_msg("%s is both a device number (on subchannel %s) and a subchannel; name the "
			"subchannel you mean (%s or %s)", id, devsch, devsch, id);
		return MDEV_EXIT_USAGE;
	}
	if (devsch[0]) {
		snprintf(sch, BUSID_STRLEN, "%s", devsch);
		return 0;
	}
	if (is_sch) {
		snprintf(sch, BUSID_STRLEN, "%s", id);
		return 0;
	}
	err_msg("there is no ccw device or subchannel %s on this host; lscss lists them", id);
	return MDEV_EXIT_NOTFOUND;
}

static int read_sch_state(const struct sysfs *s, const char *sch, struct sch_state *st)
{
	char rel[PATH_MAX], val[64];
	int ret;

	memset(st, 0, sizeof(*st));
	snprintf(st->sch, sizeof(st->sch), "%s", sch);
	ret = path_fmt(rel, sizeof(rel), CSS_DEV "/%s/driver", sch);
	if (ret)
		return ret;
	if (sysfs_link_name(s, rel, st->driver, sizeof(st->driver)))
		st->driver[0] = '\0';
	ret = path_fmt(rel, sizeof(rel), CSS_DEV "/%s/driver_override", sch);
	if (!ret)
		ret = sysfs_read_line(s, rel, st->override, sizeof(st->override));
	if (ret == -ENOENT)
		snprintf(st->override, sizeof(st->override), "(null)");	/* kernel < 5.3 */
	else if (ret)
		return ret;
	ret = path_fmt(rel, sizeof(rel), CSS_DEV "/%s/dev_busid", sch);
	if (ret)
		return ret;
	if (sysfs_read_line(s, rel, val, sizeof(val)) == 0) {
		struct busid b;

		/* "none" when the subchannel has no valid device number */
		if (parse_busid(val, &b) == 0 && strchr(val, '.'))
			busid_format(&b, st->busid);
	}
	if (st->busid[0]) {
		ret = path_fmt(rel, sizeof(rel), CCW_DEV "/%s", st->busid);
		if (ret)
			return ret;
		st->dev_present = sysfs_exists(s, rel);
		ret = path_fmt(rel, sizeof(rel), CCW_DEV "/%s/online", st->busid);
		if (ret)
			return ret;
		if (st->dev_present && sysfs_read_line(s, rel, val, sizeof(val)) == 0)
			st->online = !strcmp(val, "1");
	}
	return 0;
}

/* The UUID of the mdev already on subchannel @sch, if any. */
static void existing_mdev(const struct sysfs *s, const char *sch, char *out, size_t size)
{
	char rel[PATH_MAX], **names;
	size_t n;

	out[0] = '\0';
	if (path_fmt(rel, sizeof(rel), CSS_DEV "/%s/mdev_supported_types/" CCW_TYPE "/devices", sch) ||
	    sysfs_list(s, rel, &names, &n))
		return;
	if (n)
		snprintf(out, size, "%s", names[0]);
	sysfs_free_names(names, n);
}

static int check_sch_type(const struct sysfs *s, const char *sch)
{
	char rel[PATH_MAX], val[16];

	if (path_fmt(rel, sizeof(rel), CSS_DEV "/%s/type", sch) ||
	    sysfs_read_line(s, rel, val, sizeof(val)))
		return 0;	/* no type file: let the kernel decide */
	if (strcmp(val, "0")) {
		err_msg("subchannel %s is not an I/O subchannel (type %s), and vfio-ccw passes through "
			"I/O subchannels only", sch, val);
		return MDEV_EXIT_REFUSED;
	}
	return 0;
}

/*
 * drivers_probe did not bind the driver we wanted.  The write itself
 * usually succeeds (no driver matched is not an error to the driver core),
 * so explain the outcome rather than an errno the kernel did not return.
 */
static int probe_failed(struct ctx *c, const char *val, const struct why *w, int ret)
{
	char sentence[1024];

	if (ret) {
		report_write(c, "bus/css/drivers_probe", val, w, ret);
		return ret;
	}
	explain(w, ENODEV, sentence, sizeof(sentence));
	err_msg("%s", sentence);
	return -ENODEV;
}

/* Write, and on failure explain; the caller then undoes. */
static int ccw_write(struct ctx *c, const char *rel, const char *value, const struct why *w)
{
	int ret = sysfs_write(&c->sys, rel, value);

	if (ret)
		report_write(c, rel, value, w, ret);
	return ret;
}

static int pick_uuid(const struct opts *o, char uuid[UUID_STRLEN + 1])
{
	uuid_t u;

	if (o->uuid) {
		if (parse_uuid(o->uuid, uuid)) {
			err_msg("'%s' is not a UUID (expected 8-4-4-4-12 hex digits)", o->uuid);
			return MDEV_EXIT_USAGE;
		}
		return 0;
	}
	uuid_generate_random(u);
	uuid_unparse_lower(u, uuid);
	return 0;
}

/* Refuse a UUID that is already taken, before anything changes. */
static int check_uuid_free(const struct ctx *c, const char *uuid)
{
	char rel[PATH_MAX], sentence[512];
	struct why w = WHY_INIT(W_CREATE);

	if (path_fmt(rel, sizeof(rel), MDEV_DEV "/%s", uuid) || !sysfs_exists(&c->sys, rel))
		return 0;
	w.dev = uuid;
	explain(&w, EEXIST, sentence, sizeof(sentence));
	err_msg("%s", sentence);
	return MDEV_EXIT_REFUSED;
}

/*
 * Move @st->sch to vfio_ccw: unbind from the current driver, set the
 * override, probe.  Journals each step.  Returns 0 or -errno (reported).
 */
static int move_to_vfio_ccw(struct ctx *c, const struct sch_state *st)
{
	const struct sysfs *s = &c->sys;
	char rel[PATH_MAX], val[300], now[64] = "";
	struct why w = WHY_INIT(W_UNBIND);
	int ret;

	w.dev = st->sch;
	snprintf(val, sizeof(val), "%s\n", st->sch);

	if (st->driver[0] && strcmp(st->driver, "vfio_ccw")) {
		/* The resolved path, so that the dry-run script reads like the manual way. */
		ret = path_fmt(rel, sizeof(rel), CSS_DRV "/%s/unbind", st->driver);
		if (ret)
			return ret;
		w.driver = st->driver;
		sysfs_comment(s, "take subchannel %s from %s", st->sch, st->driver);
		ret = ccw_write(c, rel, val, &w);
		if (ret)
			return ret;
		/* Undo: probe again (after the override is back), then wait for the device. */
		if (st->dev_present) {
			ret = path_fmt(rel, sizeof(rel), CCW_DEV "/%s", st->busid);
			if (!ret)
				ret = undo_push_wait(&c->undo, rel, CCW_SETTLE_MS);
			if (ret)
				return ret;
		}
		ret = undo_push(&c->undo, "bus/css/drivers_probe", val, 0);
		if (ret)
			return ret;
	}

	if (strcmp(st->override, "vfio_ccw")) {
		char old[300];

		ret = path_fmt(rel, sizeof(rel), CSS_DEV "/%s/driver_override", st->sch);
		if (ret)
			return ret;
		w.op = W_OVERRIDE;
		sysfs_comment(s, "pin subchannel %s to vfio_ccw (survives re-probing)", st->sch);
		ret = ccw_write(c, rel, "vfio_ccw\n", &w);
		if (ret)
			return ret;
		/* "\n" clears; an empty write would change nothing (sysfs skips it). */
		snprintf(old, sizeof(old), "%s\n", strcmp(st->override, "(null)") ? st->override : "");
		ret = undo_push(&c->undo, rel, old, 0);
		if (ret)
			return ret;
	}

	if (!strcmp(st->driver, "vfio_ccw"))
		return 0;

	w.op = W_PROBE;
	w.driver = "vfio_ccw";
	sysfs_comment(s, "let vfio_ccw take it");
	ret = sysfs_write(s, "bus/css/drivers_probe", val);
	if (s->dry_run)
		return ret;
	ret = path_fmt(rel, sizeof(rel), CSS_DEV "/%s/driver", st->sch);
	if (!ret && sysfs_link_name(s, rel, now, sizeof(now)))
		now[0] = '\0';
	if (!strcmp(now, "vfio_ccw")) {
		ret = path_fmt(rel, sizeof(rel), CSS_DRV "/vfio_ccw/unbind");
		if (!ret)
			ret = undo_push(&c->undo, rel, val, 0);
		return ret;
	}
	return probe_failed(c, val, &w, ret);
}

int cmd_ccw_create(struct ctx *c)
{
	const struct opts *o = c->opt;
	const struct sysfs *s = &c->sys;
	char sch[BUSID_STRLEN], uuid[UUID_STRLEN + 1], rel[PATH_MAX], val[64], held[64];
	struct why w = WHY_INIT(W_CREATE);
	struct sch_state st;
	struct mdev_info m;
	int ret;

	ret = resolve_sch(s, o->arg, sch);
	if (ret)
		return ret;
	if (!sysfs_exists(s, CSS_DRV "/vfio_ccw")) {
		err_msg("the vfio_ccw driver is not loaded; load it with `modprobe vfio_ccw` and run "
			"the command again");
		return MDEV_EXIT_NOTFOUND;
	}
	ret = pick_uuid(o, uuid);
	if (ret)
		return ret;
	ret = check_uuid_free(c, uuid);
	if (ret)
		return ret;
	ret = check_sch_type(s, sch);
	if (ret)
		return ret;
	ret = read_sch_state(s, sch, &st);
	if (ret) {
		err_msg("cannot read subchannel %s: %s", sch, strerror(-ret));
		return MDEV_EXIT_NOTFOUND;
	}
	if (!strcmp(st.driver, "vfio_ccw")) {
		existing_mdev(s, sch, held, sizeof(held));
		if (held[0]) {
			err_msg("subchannel %s already has mdev %s, and vfio_ccw allows one per subchannel; "
				"use that one, or remove it first (mdevtool ccw remove %s)", sch, held, held);
			return MDEV_EXIT_REFUSED;
		}
	}
	if (st.online && !o->force) {
		err_msg("device %s is online, so the host may be using it; set it offline first "
			"(chccwdev -d %s), or pass --force to let mdevtool do that", st.busid, st.busid);
		return MDEV_EXIT_REFUSED;
	}

	sysfs_comment(s, "mdevtool ccw create %s: mdev %s on subchannel %s", o->arg, uuid, sch);
	if (st.online) {
		w.op = W_ONLINE;
		w.dev = st.busid;
		ret = path_fmt(rel, sizeof(rel), CCW_DEV "/%s/online", st.busid);
		if (ret)
			goto fail;
		sysfs_comment(s, "set device %s offline (--force)", st.busid);
		ret = ccw_write(c, rel, "0\n", &w);
		if (ret)
			goto fail;
		/* Undo runs after the subchannel is back with io_subchannel: wait for it. */
		ret = undo_push(&c->undo, rel, "1\n", CCW_SETTLE_MS);
		if (ret)
			goto fail;
	}

	ret = move_to_vfio_ccw(c, &st);
	if (ret)
		goto fail;

	w = (struct why)WHY_INIT(W_CREATE);
	w.dev = uuid;
	w.parent = sch;
	ret = path_fmt(rel, sizeof(rel), CSS_DEV "/%s/mdev_supported_types/" CCW_TYPE "/create", sch);
	if (ret)
		goto fail;
	snprintf(val, sizeof(val), "%s\n", uuid);
	sysfs_comment(s, "create the mdev");
	ret = ccw_write(c, rel, val, &w);
	if (ret)
		goto fail;
	ret = path_fmt(rel, sizeof(rel), MDEV_DEV "/%s/remove", uuid);
	if (!ret)
		ret = undo_push(&c->undo, rel, "1\n", 0);
	if (ret)
		goto fail;

	if (s->dry_run) {
		undo_clear(&c->undo);
		fprintf(stderr, "mdevtool: dry run: nothing was changed; the commands above would "
			"create mdev %s\n", uuid);
		return MDEV_EXIT_OK;
	}
	ret = mdev_lookup(s, uuid, &m);
	if (ret) {
		err_msg("the kernel accepted the create, but mdev %s did not appear (%s)", uuid,
			strerror(-ret));
		goto fail;
	}
	undo_clear(&c->undo);
	printf("%s\n", uuid);
	if (!o->quiet) {
		fprintf(stderr, "mdevtool: created mdev %s on subchannel %s (device %s)\n", uuid, sch,
			st.busid[0] ? st.busid : "none");
		print_snippets(c, &m, true, true);
	}
	return MDEV_EXIT_OK;
fail:
	if (ret == -ENOMEM || ret == -ENAMETOOLONG)
		err_msg("%s", strerror(-ret));
	return undo_and_exit(c);
}

/*
 * Give the subchannel back to the host, the way driverctl unset-override
 * does: unbind from vfio_ccw, clear the override, probe.  io_subchannel
 * takes it and the ccw device comes back (asynchronously, offline).
 */
static int give_back(struct ctx *c, const struct sch_state *st)
{
	const struct sysfs *s = &c->sys;
	char rel[PATH_MAX], val[300], now[64] = "";
	struct why w = WHY_INIT(W_UNBIND);
	int ret;

	w.dev = st->sch;
	snprintf(val, sizeof(val), "%s\n", st->sch);
	if (st->driver[0]) {
		ret = path_fmt(rel, sizeof(rel), CSS_DRV "/%s/unbind", st->driver);
		if (ret)
			return ret;
		w.driver = st->driver;
		sysfs_comment(s, "take subchannel %s from %s", st->sch, st->driver);
		ret = ccw_write(c, rel, val, &w);
		if (ret)
			return ret;
		ret = undo_push(&c->undo, "bus/css/drivers_probe", val, 0);
		if (ret)
			return ret;
	}
	if (strcmp(st->override, "(null)")) {
		char old[300];

		ret = path_fmt(rel, sizeof(rel), CSS_DEV "/%s/driver_override", st->sch);
		if (ret)
			return ret;
		w.op = W_OVERRIDE;
		sysfs_comment(s, "clear the driver override");
		ret = ccw_write(c, rel, "\n", &w);
		if (ret)
			return ret;
		snprintf(old, sizeof(old), "%s\n", st->override);
		ret = undo_push(&c->undo, rel, old, 0);
		if (ret)
			return ret;
	}
	w.op = W_PROBE;
	w.driver = "io_subchannel";
	sysfs_comment(s, "let io_subchannel take it back");
	ret = sysfs_write(s, "bus/css/drivers_probe", val);
	if (s->dry_run)
		return ret;
	ret = path_fmt(rel, sizeof(rel), CSS_DEV "/%s/driver", st->sch);
	if (!ret && sysfs_link_name(s, rel, now, sizeof(now)))
		now[0] = '\0';
	if (now[0]) {
		ret = path_fmt(rel, sizeof(rel), CSS_DRV "/%s/unbind", now);
		if (!ret)
			ret = undo_push(&c->undo, rel, val, 0);
		return ret;
	}
	return probe_failed(c, val, &w, ret);
}

int cmd_ccw_remove(struct ctx *c)
{
	const struct opts *o = c->opt;
	const struct sysfs *s = &c->sys;
	char rel[PATH_MAX], val[64];
	struct why w = WHY_INIT(W_REMOVE);
	struct sch_state st;
	struct mdev_info m;
	int ret;

	ret = mdev_lookup(s, o->arg, &m);
	if (ret == -EINVAL) {
		err_msg("'%s' is not a UUID (expected 8-4-4-4-12 hex digits)", o->arg);
		return MDEV_EXIT_USAGE;
	}
	if (ret) {
		err_msg("there is no mdev %s on this host; mdevtool list shows the existing ones", o->arg);
		return MDEV_EXIT_NOTFOUND;
	}
	if (strcmp(m.type, CCW_TYPE)) {
		err_msg("mdev %s is a %s device, not vfio-ccw; remove it with mdevtool ap remove %s",
			m.uuid, m.type, m.uuid);
		return MDEV_EXIT_NOTFOUND;
	}
	ret = read_sch_state(s, m.parent, &st);
	if (ret) {
		err_msg("cannot read subchannel %s: %s", m.parent, strerror(-ret));
		return MDEV_EXIT_NOTFOUND;
	}

	sysfs_comment(s, "mdevtool ccw remove %s%s: subchannel %s", m.uuid, o->restore ? " --restore" : "",
		      m.parent);
	w.dev = m.uuid;
	ret = path_fmt(rel, sizeof(rel), MDEV_DEV "/%s/remove", m.uuid);
	if (ret)
		goto fail;
	ret = ccw_write(c, rel, "1\n", &w);
	if (ret)
		goto fail;
	ret = path_fmt(rel, sizeof(rel), CSS_DEV "/%s/mdev_supported_types/" CCW_TYPE "/create", m.parent);
	snprintf(val, sizeof(val), "%s\n", m.uuid);
	if (!ret)
		ret = undo_push(&c->undo, rel, val, 0);
	if (ret)
		goto fail;

	if (o->restore) {
		ret = give_back(c, &st);
		if (ret)
			goto fail;
	}
	undo_clear(&c->undo);
	if (s->dry_run) {
		fprintf(stderr, "mdevtool: dry run: nothing was changed\n");
		return MDEV_EXIT_OK;
	}
	fprintf(stderr, "mdevtool: removed mdev %s from subchannel %s\n", m.uuid, m.parent);
	if (!o->restore) {
		fprintf(stderr, "mdevtool: subchannel %s stays with vfio_ccw; `mdevtool ccw remove "
			"--restore` would give it back to the host\n", m.parent);
		return MDEV_EXIT_OK;
	}
	if (!st.busid[0])
		return MDEV_EXIT_OK;
	ret = path_fmt(rel, sizeof(rel), CCW_DEV "/%s/online", st.busid);
	if (!ret)
		ret = sysfs_wait_exists(s, rel, CCW_SETTLE_MS);
	if (ret) {
		fprintf(stderr, "mdevtool: subchannel %s is back with io_subchannel, but device %s has "
			"not re-appeared yet; check with lscss in a moment\n", m.parent, st.busid);
		return MDEV_EXIT_OK;
	}
	if (sysfs_read_line(s, rel, val, sizeof(val)) == 0 && !strcmp(val, "0"))
		fprintf(stderr, "mdevtool: device %s is back on the host, offline; `chccwdev -e %s` "
			"sets it online\n", st.busid, st.busid);
	else
		fprintf(stderr, "mdevtool: device %s is back on the host\n", st.busid);
	return MDEV_EXIT_OK;
fail:
	if (ret == -ENOMEM || ret == -ENAMETOOLONG)
		err_msg("%s", strerror(-ret));
	return undo_and_exit(c);
}
