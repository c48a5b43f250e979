// SPDX-License-Identifier: MIT
/*
 * The control socket: one command per connection, one text answer ending in
 * a status line ("OK" or "ERR <reason>").
 */
#include "ctl.h"

#include "drivers/ap.h"
#include "drivers/css.h"
#include "drivers/mdev.h"
#include "drivers/vfio.h"
#include "drivers/vfio_ccw.h"
#include "fuse_ops.h"
#include "guest.h"
#include "hooks.h"
#include "parse.h"
#include "sim.h"
#include "topology.h"
#include "uevent_netlink.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <fcntl.h>
#include <sys/un.h>
#include <unistd.h>

#define CTL_MAX_CMD 4096

struct out {
	char *buf;
	size_t len, cap;
};

static void out_printf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = o->cap - o->len;

		va_start(ap, fmt);
		n = vsnprintf(o->buf ? o->buf + o->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < room) {
			o->len += (size_t)n;
			return;
		}
		size_t cap = (o->cap + (size_t)n + 1) * 2;
		char *nb = realloc(o->buf, cap);

		if (!nb)
			return;
		o->buf = nb;
		o->cap = cap;
	}
}

size_t simfs_ctl_sockname(dev_t dev, char *buf, size_t size)
{
	int n = snprintf(buf + 1, size - 1, "simfs-ctl-%u:%u", major(dev), minor(dev));

	buf[0] = '\0';
	return (size_t)n + 1;
}

/* ---- commands ------------------------------------------------------------- */

/*
 * Every command runs under the model lock (but "stats"), and answers some
 * lines, then the status: 0 is OK, 1 an ERR line already written, -errno
 * "ERR <command>: <strerror>".
 */

static int parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 0);
	return *s && *s != '-' && !*end && !errno && *out <= max ? 0 : -EINVAL;
}

static int parse_uuid(const char *s, uint8_t uuid[16])
{
	return strlen(s) == 36 ? uuid_parse_36(s, 36, uuid) : -EINVAL;
}

/*
 * insmod/rmmod of the modules the transcripts load by hand.  Dependencies
 * are checked as the kernel would: vfio_ccw and vfio_ap need vfio and mdev
 * (insmod fails ENOENT, "Unknown symbol"); a module in use cannot go
 * (EBUSY): one another module needs, or one a guest holds a device of.
 */
static int cmd_modules(struct simfs_fs *fs, bool load, const char *name, struct out *o)
{
	struct sim *sim = fs->sim;
	struct module *mod = module_find(sim, name);
	bool loaded;

	if (!strcmp(name, "vfio"))
		loaded = sim->vfio;
	else if (!strcmp(name, "vfio_iommu_type1"))
		loaded = mod;
	else if (!strcmp(name, "mdev"))
		loaded = sim->mdev;
	else if (!strcmp(name, "vfio_ccw"))
		loaded = sim->vfio_ccw;
	else if (!strcmp(name, "vfio_ap"))
		loaded = sim->vfio_ap;
	else {
		out_printf(o, "ERR %s: only vfio, vfio_iommu_type1, mdev, vfio_ccw and vfio_ap can be loaded and unloaded\n",
			   name);
		return 1;
	}
	if (load == loaded) {
		out_printf(o, "ERR %s is %s\n", name, load ? "already loaded" : "not loaded");
		return 1;
	}
	if (load) {
		if (!strcmp(name, "vfio"))
			return vfio_core_init(sim);
		if (!strcmp(name, "vfio_iommu_type1"))
			return sim->vfio ? (module_load(sim, name, 36864) ? 0 : -ENOMEM) : -ENOENT;
		if (!strcmp(name, "mdev"))
			return mdev_core_init(sim);
		if (!sim->vfio || !sim->mdev)
			return -ENOENT;
		if (!strcmp(name, "vfio_ccw"))
			return vfio_ccw_init(sim);
		return sim->ap ? vfio_ap_init(sim) : -ENODEV;
	}
	if (mod && mod->refcnt) {
		out_printf(o, "ERR rmmod %s: the module is in use (refcnt %u: a guest has one of its devices)\n",
			   name, mod->refcnt);
		return 1;
	}
	if (!strcmp(name, "vfio_ccw")) {
		vfio_ccw_exit(sim);
		return 0;
	}
	if (!strcmp(name, "vfio_ap")) {
		vfio_ap_exit(sim);
		return 0;
	}
	if (sim->vfio_ccw || sim->vfio_ap || (!strcmp(name, "vfio") && (sim->mdev || module_find(sim, "vfio_iommu_type1"))))
		return -EBUSY;
	if (!strcmp(name, "vfio"))
		vfio_core_exit(sim);
	else if (!strcmp(name, "mdev"))
		mdev_core_exit(sim);
	else
		module_unload(mod);
	return 0;
}

static int cmd_insmod(struct simfs_fs *fs, int argc, char **argv, struct out *o)
{
	return cmd_modules(fs, true, argv[1], o);
}

static int cmd_rmmod(struct simfs_fs *fs, int argc, char **argv, struct out *o)
{
	return cmd_modules(fs, false, argv[1], o);
}

static int cmd_flush(struct simfs_fs *fs, int argc, char **argv, struct out *o)
{
	sim_flush_work(fs->sim);
	return 0;
}

/* A value as one line: backslash, newline and the other control bytes escaped C-style. */
static void out_escaped(struct out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n')
			out_printf(o, "\\n");
		else if (c == '\\')
			out_printf(o, "\\\\");
		else if (c < 0x20 || c == 0x7f)
			out_printf(o, "\\x%02x", c);
		else
			out_printf(o, "%c", c);
	}
}

/*
 * "SEQ ACTION DEVPATH", then one indented line per variable as the kernel
 * sends them (SUBSYSTEM first; ACTION, DEVPATH and SEQNUM are in the
 * first line), values escaped.
 */
static int cmd_uevents(struct simfs_fs *fs, int argc, char **argv, struct out *o)
{
	struct sim *sim = fs->sim;
	uint64_t first = sim->uevent_seqnum > UEVENT_LOG_SIZE ? sim->uevent_seqnum - UEVENT_LOG_SIZE + 1 : 1;
	unsigned long long since = 0;
	char *end = NULL;

	if (argc == 2) {
		since = strtoull(argv[1], &end, 10);
		if (!*argv[1] || *end || *argv[1] == '-') {
			out_printf(o, "ERR uevents: \"%s\" is not a sequence number\n", argv[1]);
			return 1;
		}
	}
	for (uint64_t seq = first > since + 1 ? first : since + 1; seq <= sim->uevent_seqnum; seq++) {
		const struct uevent_record *r = &sim->ulog[(seq - 1) % UEVENT_LOG_SIZE];

		/* A boot uevent that was only counted (sim_uevent_unseen()) left its slot as it was. */
		if (r->seqnum != seq)
			continue;
		out_printf(o, "%llu %s %s\n", (unsigned long long)r->seqnum, r->action, r->devpath);
		if (r->subsystem[0])
			out_printf(o, "  SUBSYSTEM=%s\n", r->subsystem);
		for (size_t off = 0; off < r->env_len;) {
			size_t n = strnlen(r->env + off, r->env_len - off);

			out_printf(o, "  ");
			out_escaped(o, r->env + off, n);
			out_printf(o, "\n");
			off += n + 1;
		}
	}
	return 0;
}

static int cmd_stats(struct simfs_fs *fs, int argc, char **argv, struct out *o)
{
	static const char *const names[STAT_MAX] = {
		"lookup", "forget", "getattr", "readlink", "open", "read", "write",
		"release", "opendir", "readdir", "readdirplus", "notify",
	};

	size_t nodes, zombies = 0;

	for (int i = 0; i < STAT_MAX; i++)
		out_printf(o, "%s %llu\n", names[i], (unsigned long long)atomic_load(&fs->stats[i]));
	/*
	 * Nodes in the tree (files are materialised on demand, so this grows
	 * with use), and removed nodes the kernel still refers to: these go
	 * when it forgets them, so a count that stays up is a leak.
	 */
	sim_lock(fs->sim);
	nodes = fs->sim->kfs.nr_nodes;
	for (const struct kn *kn = fs->sim->kfs.zombies; kn; kn = kn->next)
		zombies++;
	sim_unlock(fs->sim);
	out_printf(o, "nodes %zu\nzombies %zu\n", nodes, zombies);
	return 0;
}

/* ---- fault injection ------------------------------------------------------ */

/*
 * A path without glob characters that exists names its attribute by the
 * canonical path (links followed: bus/ap/devices/05.0004/x is
 * devices/ap/card05/05.0004/x), which is what the FUSE layer matches.
 */
static void canonical_path(struct sim *sim, const char *in, char *out, size_t size)
{
	struct kn *kn = sim->kfs.root;
	char buf[1024], *save = NULL;

	snprintf(out, size, "%s", in);
	if (strpbrk(in, "*?[\\") || strlen(in) >= sizeof(buf))
		return;
	snprintf(buf, sizeof(buf), "%s", in);
	for (char *c = strtok_r(buf, "/", &save); c && kn; c = strtok_r(NULL, "/", &save)) {
		kn = kn->type == KN_DIR ? kernfs_find(&sim->kfs, kn, c) : NULL;
		for (int depth = 0; kn && kn->type == KN_LINK && depth < 8; depth++)
			kn = kn->target;
	}
	if (kn && kn->type == KN_ATTR)
		kernfs_path(kn, out, size);
}

/* inject PATH read|write ERRNO [COUNT] / inject PATH read|write delay MS [COUNT] */
static int cmd_inject(struct simfs_fs *fs, int argc, char **argv, struct out *o)
{
	bool delay = !strcmp(argv[3], "delay");
	const char *count_arg = argc > (delay ? 5 : 4) ? argv[delay ? 5 : 4] : NULL;
	char path[1024];
	enum hook_op op;
	unsigned long ms = 0, count = 1;
	unsigned int id;
	int err = 0;

	if (!strcmp(argv[2], "read"))
		op = HOOK_READ;
	else if (!strcmp(argv[2], "write"))
		op = HOOK_WRITE;
	else {
		out_printf(o, "ERR inject: \"%s\" is neither read nor write\n", argv[2]);
		return 1;
	}
	if (delay) {
		if (argc < 5 || parse_ulong(argv[4], 3600000, &ms)) {
			out_printf(o, "ERR inject: delay wants milliseconds (0 to 3600000)\n");
			return 1;
		}
	} else if (argc > 5 || (err = hooks_parse_errno(argv[3])) < 0) {
		out_printf(o, "ERR inject: \"%s\" is not an errno (EBUSY, ebusy or 16)\n", argv[3]);
		return 1;
	}
	if (count_arg && (!strcmp(count_arg, "always") || !strcmp(count_arg, "forever")))
		count = (unsigned long)HOOK_FOREVER;
	else if (count_arg && (parse_ulong(count_arg, 1000000000, &count) || !count)) {
		out_printf(o, "ERR inject: the count is a number of operations from 1, or always\n");
		return 1;
	}
	canonical_path(fs->sim, argv[1][0] == '/' ? argv[1] + 1 : argv[1], path, sizeof(path));
	err = hooks_add(&fs->hooks, path, op, err, (unsigned int)ms,
			count == (unsigned long)HOOK_FOREVER ? HOOK_FOREVER : (long)count, &id);
	if (err)
		return err;
	out_printf(o, "%u\n", id);
	return 0;
}

/* ID OP PATTERN errno=NAME|delay=MSms remaining=N|always hits=N */
static int cmd_injections(struct simfs_fs *fs, int argc, char **argv, struct out *o)
{
	for (const struct hook *k = fs->hooks.head; k; k = k->next) {
		char num[16];

		out_printf(o, "%u %s %s ", k->id, k->op == HOOK_READ ? "read" : "write", k->pattern);
		if (k->err)
			out_printf(o, "%s", hooks_errno_name(k->err, num, sizeof(num)));
		else
			out_printf(o, "delay %u", k->delay_ms);
		if (k->remaining == HOOK_FOREVER)
			out_printf(o, " always");
		else
			out_printf(o, " %ld", k->remaining);
		out_printf(o, " hits %lu\n", k->hits);
	}
	return 0;
}

/* clear [ID|all] */
static int cmd_clear(struct simfs_fs *fs, int argc, char **argv, struct out *o)
{
	unsigned long id;

	if (argc == 1 || !strcmp(argv[1], "all")) {
		hooks_clear_all(&fs->hooks);
		return 0;
	}
	if (parse_ulong(argv[1], UINT32_MAX, &id)) {
		out_printf(o, "ERR clear: \"%s\" is neither an injection id nor all\n", argv[1]);
		return 1;
	}
	if (hooks_clear(&fs->hooks, (unsigned int)id)) {
		out_printf(o, "ERR clear: there is no injection %lu\n", id);
		return 1;
	}
	return 0;
}

/* ---- guests --------------------------------------------------------------- */

static void print_guest(struct mdev_device *mdev, void *arg)
{
	char uuid[37];

	uuid_format(mdev->uuid, uuid);
	out_printf(arg, "%s %s %s\n", uuid, mdev->dev.parent->name, mdev->type->full_name);
}

/* guest attach|detach UUID, guest list */
static int cmd_guest(struct simfs_fs *fs, int argc, char **argv, struct out *o)
{
	uint8_t uuid[16];
	int err;

	if (argc == 2 && !strcmp(argv[1], "list")) {
		guest_for_each(fs->sim, print_guest, o);
		return 0;
	}
	if (argc != 3 || (strcmp(argv[1], "attach") && strcmp(argv[1], "detach"))) {
		out_printf(o, "ERR guest attach UUID, guest detach UUID or guest list\n");
		return 1;
	}
	if (parse_uuid(argv[2], uuid)) {
		out_printf(o, "ERR guest: \"%s\" is not a UUID\n", argv[2]);
		return 1;
	}
	err = argv[1][0] == 'a' ? guest_attach(fs->sim, uuid) : guest_detach(fs->sim, uuid);
	if (err == -ENODEV)
		out_printf(o, "ERR guest %s: there is no mdev %s%s\n", argv[1], argv[2],
			   argv[1][0] == 'a' ? " with a driver, or it is being removed" : "");
	else if (err == -EBUSY)
		out_printf(o, "ERR guest attach: a guest has %s already\n", argv[2]);
	else if (err == -ENOENT)
		out_printf(o, "ERR guest detach: no guest has %s\n", argv[2]);
	else if (err)
		return err;
	return err ? 1 : 0;
}

/* ---- the machine: AP --------------------------------------------------------- */

/* card config|deconfig ID, card add ID TYPE, card remove ID */
static int cmd_card(struct simfs_fs *fs, int argc, char **argv, struct out *o)
{
	bool add = !strcmp(argv[1], "add");
	unsigned long id;
	int err;

	if ((strcmp(argv[1], "config") && strcmp(argv[1], "deconfig") && !add &&
	     strcmp(argv[1], "remove")) || argc != (add ? 4 : 3)) {
		out_printf(o, "ERR card config|deconfig|remove ID, or card add ID TYPE\n");
		return 1;
	}
	if (!fs->sim->ap) {
		out_printf(o, "ERR card: this machine has no AP bus\n");
		return 1;
	}
	if (parse_ulong(argv[2], AP_MASK_BITS - 1, &id)) {
		out_printf(o, "ERR card: \"%s\" is not an adapter id (0 to 255; 0x for hex)\n", argv[2]);
		return 1;
	}
	if (add) {
		struct topo_card t;

		if (ap_card_type_parse(argv[3], &t)) {
			out_printf(o, "ERR card add: \"%s\" is not a card type like CEX7C (CEX4..CEX8, then A, C or P)\n",
				   argv[3]);
			return 1;
		}
		t.id = (unsigned int)id;
		err = ap_card_plug(fs->sim, &t);
	} else if (!strcmp(argv[1], "remove")) {
		err = ap_card_unplug(fs->sim, (unsigned int)id);
	} else {
		err = ap_card_set_config(fs->sim, (unsigned int)id, argv[1][0] == 'c');
	}
	if (err == -ENODEV)
		out_printf(o, "ERR card %s: there is no card%02lx\n", argv[1], id);
	else if (err == -EEXIST)
		out_printf(o, "ERR card add: card%02lx is there already\n", id);
	else if (err == -EINVAL)
		out_printf(o, "ERR card add: %lu is above ap_max_adapter_id\n", id);
	else
		return err;
	return 1;
}

/* domain config|deconfig ID */
static int cmd_domain(struct simfs_fs *fs, int argc, char **argv, struct out *o)
{
	unsigned long id;
	int err;

	if (strcmp(argv[1], "config") && strcmp(argv[1], "deconfig")) {
		out_printf(o, "ERR domain config ID or domain deconfig ID\n");
		return 1;
	}
	if (!fs->sim->ap) {
		out_printf(o, "ERR domain: this machine has no AP bus\n");
		return 1;
	}
	if (parse_ulong(argv[2], AP_MASK_BITS - 1, &id)) {
		out_printf(o, "ERR domain: \"%s\" is not a domain id (0 to 255; 0x for hex)\n", argv[2]);
		return 1;
	}
	err = ap_domain_set_config(fs->sim, (unsigned int)id, argv[1][0] == 'c');
	if (err == -EINVAL) {
		out_printf(o, "ERR domain: %lu is above ap_max_domain_id\n", id);
		return 1;
	}
	return err;
}

/* ---- the machine: channel subsystem ------------------------------------------ */

/* 1 to @digits hex digits, nothing else. */
static int parse_hex(const char *s, size_t digits, unsigned long *out)
{
	size_t n = strspn(s, "0123456789abcdefABCDEF");

	if (!n || n > digits || s[n])
		return -EINVAL;
	*out = strtoul(s, NULL, 16);
	return 0;
}

/* "0.0.0313", or "0313" (subchannel set 0). */
static int parse_schid(struct sim *sim, const char *s, unsigned int *ssid, unsigned int *num)
{
	unsigned int cssid;
	unsigned long v;

	if (!ccw_busid_parse(s, &cssid, ssid, num))
		return cssid == sim->css->cssid ? 0 : -EINVAL;
	if (strlen(s) != 4 || parse_hex(s, 4, &v))
		return -EINVAL;
	*ssid = 0;
	*num = (unsigned int)v;
	return 0;
}

/* "3390/0c" */
static int parse_type_model(const char *s, uint16_t *type, uint8_t *model)
{
	char *end;
	unsigned long t, m;

	if (strlen(s) != 7 || s[4] != '/')
		return -EINVAL;
	t = strtoul(s, &end, 16);
	if (end != s + 4)
		return -EINVAL;
	m = strtoul(s + 5, &end, 16);
	if (*end || !isxdigit((unsigned char)s[5]))
		return -EINVAL;
	*type = (uint16_t)t;
	*model = (uint8_t)m;
	return 0;
}

/* The ccw driver a device's type brings (its id table): DASDs, virtio, OSA. */
static void ccw_driver_for(struct ccw_device_id_info *id)
{
	const char *drv = "none";

	if (id->dev_type == 0x3390 || id->dev_type == 0x3380 || id->dev_type == 0x9345)
		drv = "dasd-eckd";
	else if (id->dev_type == 0x9336 || id->dev_type == 0x3370)
		drv = "dasd-fba";
	else if (id->cu_type == 0x3832)
		drv = "virtio_ccw";
	else if (id->cu_type == 0x1731)
		drv = "qeth";
	else if (id->cu_type == 0x3088)
		drv = "ctcm";
	snprintf(id->driver, sizeof(id->driver), "%s", drv);
	id->auto_online = id->cu_type == 0x3832;
}

/* subchannel add SCHID [DEVNO CUTYPE DEVTYPE [CHPID,...]], subchannel remove SCHID */
static int cmd_subchannel(struct simfs_fs *fs, int argc, char **argv, struct out *o)
{
	struct css *css = fs->sim->css;
	unsigned int ssid, num, cssid, dssid;
	struct ccw_device_id_info id = { 0 };
	uint8_t chpids[8];
	unsigned int n = 0;
	struct subchannel *sch;
	int err;

	if (!css || parse_schid(fs->sim, argv[2], &ssid, &num)) {
		out_printf(o, "ERR subchannel: \"%s\" is not a subchannel id like %x.0.0313\n", argv[2],
			   css ? css->cssid : 0);
		return 1;
	}
	if (!strcmp(argv[1], "remove") && argc == 3) {
		sch = css_find_subchannel(css, ssid, num);
		if (!sch) {
			out_printf(o, "ERR subchannel remove: there is no subchannel %s\n", argv[2]);
			return 1;
		}
		/* The kernel would wait, in its CRW handling, for the guest to let go. */
		if (guest_holds(fs->sim, &sch->dev, NULL)) {
			out_printf(o, "ERR subchannel remove: a guest has an mdev of %s; detach it first (the kernel would wait for it)\n",
				   argv[2]);
			return 1;
		}
		css_sch_device_unregister(sch);
		return 0;
	}
	if (strcmp(argv[1], "add") || (argc != 3 && argc != 6 && argc != 7)) {
		out_printf(o, "ERR subchannel add SCHID [DEVNO CUTYPE DEVTYPE [CHPID,...]] or subchannel remove SCHID\n");
		return 1;
	}
	if (argc >= 6) {
		unsigned long devno;

		id.present = true;
		id.availability = CCW_AVAIL_GOOD;
		if (!ccw_busid_parse(argv[3], &cssid, &dssid, &id.devno)) {
			if (cssid != css->cssid || dssid != ssid) {
				out_printf(o, "ERR subchannel add: device %s is not in subchannel set %x.%x\n",
					   argv[3], css->cssid, ssid);
				return 1;
			}
		} else if (strlen(argv[3]) == 4 && !parse_hex(argv[3], 4, &devno)) {
			id.devno = (unsigned int)devno;
		} else {
			out_printf(o, "ERR subchannel add: \"%s\" is not a device number like %x.%x.2b09\n",
				   argv[3], css->cssid, ssid);
			return 1;
		}
		if (parse_type_model(argv[4], &id.cu_type, &id.cu_model) ||
		    parse_type_model(argv[5], &id.dev_type, &id.dev_model)) {
			out_printf(o, "ERR subchannel add: control unit and device types look like 3990/e9 and 3390/0c\n");
			return 1;
		}
		ccw_driver_for(&id);
	}
	if (argc == 7) {
		char buf[64], *save = NULL;

		snprintf(buf, sizeof(buf), "%s", argv[6]);
		for (char *c = strtok_r(buf, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
			unsigned long v;

			if (n == 8 || parse_hex(c, 2, &v)) {
				out_printf(o, "ERR subchannel add: the channel paths are up to 8 hex ids like 40,41\n");
				return 1;
			}
			chpids[n++] = (uint8_t)v;
		}
	} else {
		/* The lowest channel path the machine has. */
		for (unsigned int c = 0; c < 256 && !n; c++)
			if (css->chp[c])
				chpids[n++] = (uint8_t)c;
	}
	err = css_sch_hotplug(css, ssid, num, id.present ? &id : NULL, chpids, n);
	if (err == -EEXIST)
		out_printf(o, "ERR subchannel add: subchannel %s or device %s exists already\n", argv[2],
			   argc >= 6 ? argv[3] : "-");
	else if (err == -ENOENT)
		out_printf(o, "ERR subchannel add: a channel path of %s does not exist\n", argc == 7 ? argv[6] : "");
	else
		return err;
	return 1;
}

/* chp offline|online CHPID */
static int cmd_chp(struct simfs_fs *fs, int argc, char **argv, struct out *o)
{
	unsigned long id;
	const char *s = argv[2];

	if (strcmp(argv[1], "offline") && strcmp(argv[1], "online")) {
		out_printf(o, "ERR chp offline CHPID or chp online CHPID\n");
		return 1;
	}
	/* "40", "0.40" or "chp0.40" */
	if (!strncmp(s, "chp", 3))
		s += 3;
	if (strchr(s, '.'))
		s = strchr(s, '.') + 1;
	if (!fs->sim->css || parse_hex(s, 2, &id)) {
		out_printf(o, "ERR chp: \"%s\" is not a channel path id like 40\n", argv[2]);
		return 1;
	}
	if (chsc_chp_set_available(fs->sim->css, (uint8_t)id, argv[1][1] == 'n')) {
		out_printf(o, "ERR chp: there is no channel path %02lx\n", id);
		return 1;
	}
	return 0;
}

/* ---- uevents on netlink ------------------------------------------------------- */

/* netlink [on [force] | off] */
static int cmd_netlink(struct simfs_fs *fs, int argc, char **argv, struct out *o)
{
	char why[256];
	int err;

	if (argc == 1) {
		if (fs->netlink)
			out_printf(o, "on sent %llu failed %llu%s%s\n", fs->netlink->sent, fs->netlink->failed,
				   fs->netlink->failed ? " last error " : "",
				   fs->netlink->failed ? strerror(fs->netlink->last_err) : "");
		else
			out_printf(o, "off\n");
		return 0;
	}
	if (!strcmp(argv[1], "off") && argc == 2) {
		uevent_netlink_stop(&fs->netlink, fs->sim);
		return 0;
	}
	if (strcmp(argv[1], "on") || (argc == 3 && strcmp(argv[2], "force"))) {
		out_printf(o, "ERR netlink on [force], netlink off, or netlink (the state)\n");
		return 1;
	}
	err = uevent_netlink_start(&fs->netlink, fs->sim, argc == 3, why, sizeof(why));
	if (err) {
		out_printf(o, "ERR netlink on: %s\n", why);
		return 1;
	}
	return 0;
}

static int cmd_help(struct simfs_fs *fs, int argc, char **argv, struct out *o);

struct ctl_cmd {
	const char *name;
	int min_args, max_args;		/* words after the name */
	bool unlocked;			/* runs without the model lock */
	int (*fn)(struct simfs_fs *fs, int argc, char **argv, struct out *o);
	const char *usage;
};

static const struct ctl_cmd ctl_cmds[] = {
	{ "insmod", 1, 1, false, cmd_insmod, "insmod MODULE" },
	{ "rmmod", 1, 1, false, cmd_rmmod, "rmmod MODULE" },
	{ "flush", 0, 0, false, cmd_flush, "flush" },
	{ "uevents", 0, 1, false, cmd_uevents, "uevents [SEQ]" },
	{ "stats", 0, 0, true, cmd_stats, "stats" },
	{ "inject", 3, 5, false, cmd_inject,
	  "inject PATH read|write ERRNO [COUNT|always], inject PATH read|write delay MS [COUNT|always]" },
	{ "injections", 0, 0, false, cmd_injections, "injections" },
	{ "clear", 0, 1, false, cmd_clear, "clear [ID|all]" },
	{ "guest", 1, 2, false, cmd_guest, "guest attach|detach UUID, guest list" },
	{ "card", 2, 3, false, cmd_card, "card config|deconfig|remove ID, card add ID TYPE" },
	{ "domain", 2, 2, false, cmd_domain, "domain config|deconfig ID" },
	{ "subchannel", 2, 6, false, cmd_subchannel,
	  "subchannel add SCHID [DEVNO CUTYPE DEVTYPE [CHPID,...]], subchannel remove SCHID" },
	{ "chp", 2, 2, false, cmd_chp, "chp offline|online CHPID" },
	{ "netlink", 0, 2, false, cmd_netlink, "netlink [on [force]|off]" },
	{ "help", 0, 0, true, cmd_help, "help" },
};

static int cmd_help(struct simfs_fs *fs, int argc, char **argv, struct out *o)
{
	for (size_t i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++)
		out_printf(o, "%s\n", ctl_cmds[i].usage);
	return 0;
}

static void ctl_execute(struct simfs_fs *fs, char *line, struct out *o)
{
	const struct ctl_cmd *cmd = NULL;
	char *argv[8];
	int argc = 0, err;
	char *save = NULL;

	for (char *t = strtok_r(line, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
		if (argc == 8) {
			out_printf(o, "ERR too many words\n");
			return;
		}
		argv[argc++] = t;
	}
	if (!argc) {
		out_printf(o, "ERR empty command\n");
		return;
	}
	for (size_t i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++)
		if (!strcmp(ctl_cmds[i].name, argv[0]))
			cmd = &ctl_cmds[i];
	if (!cmd) {
		out_printf(o, "ERR unknown command \"%s\" (try: help)\n", argv[0]);
		return;
	}
	if (argc - 1 < cmd->min_args || argc - 1 > cmd->max_args) {
		out_printf(o, "ERR usage: %s\n", cmd->usage);
		return;
	}
	if (cmd->unlocked) {
		err = cmd->fn(fs, argc, argv, o);
	} else {
		struct kn_notify *n;

		sim_lock(fs->sim);
		err = cmd->fn(fs, argc, argv, o);
		n = kernfs_take_notifications(&fs->sim->kfs);
		sim_unlock(fs->sim);
		simfs_send_notifications(fs, n);
		/* Work the command queued (a new subchannel's recognition) is due soon. */
		if (fs->worker_started) {
			pthread_mutex_lock(&fs->worker_lock);
			pthread_cond_signal(&fs->worker_cond);
			pthread_mutex_unlock(&fs->worker_lock);
		}
	}
	if (err < 0)
		out_printf(o, "ERR %s: %s\n", argv[0], strerror(-err));
	else if (!err)
		out_printf(o, "OK\n");
}

/* ---- server --------------------------------------------------------------- */

static bool peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		return false;
	return cred.uid == 0 || cred.uid == getuid();
}

static void ctl_serve(struct simfs_fs *fs, int fd)
{
	char line[CTL_MAX_CMD + 1];
	struct out o = { 0 };
	size_t len = 0;

	if (!peer_allowed(fd)) {
		out_printf(&o, "ERR permission denied\n");
	} else {
		while (len < CTL_MAX_CMD) {
			ssize_t n = read(fd, line + len, CTL_MAX_CMD - len);

			if (n <= 0)
				break;
			len += (size_t)n;
			if (memchr(line, '\n', len))
				break;
		}
		line[len] = '\0';
		ctl_execute(fs, line, &o);
	}
	for (size_t off = 0; o.buf && off < o.len;) {
		ssize_t n = write(fd, o.buf + off, o.len - off);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	free(o.buf);
}

static void *ctl_thread(void *arg)
{
	struct simfs_fs *fs = arg;
	struct pollfd p[2] = {
		{ .fd = fs->ctl_fd, .events = POLLIN },
		{ .fd = fs->ctl_stop[0], .events = POLLIN },
	};

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		if (p[0].revents & POLLIN) {
			int c = accept4(fs->ctl_fd, NULL, NULL, SOCK_CLOEXEC);

			if (c >= 0) {
				ctl_serve(fs, c);
				close(c);
			}
		}
	}
	return NULL;
}

/* Our mount's device number, from /proc/self/mountinfo (stat would ask ourselves). */
static int mount_dev(const char *mountpoint, dev_t *dev)
{
	char real[4096], line[8192];
	FILE *f;
	int ret = -ENOENT;

	if (!realpath(mountpoint, real))
		return -errno;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned int maj, min;
		char mp[4096], *dash;

		if (sscanf(line, "%*u %*u %u:%u %*s %4095s", &maj, &min, mp) != 3)
			continue;
		dash = strstr(line, " - ");
		if (!dash || strncmp(dash + 3, "fuse.simfs ", 11) || strcmp(mp, real))
			continue;
		*dev = makedev(maj, min);
		ret = 0;	/* keep going: the last (topmost) mount wins */
	}
	fclose(f);
	return ret;
}

int simfs_ctl_start(struct simfs_fs *fs, const char *mountpoint)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t len;
	dev_t dev;
	int err = mount_dev(mountpoint, &dev);

	fs->ctl_fd = -1;
	if (err)
		return err;
	len = simfs_ctl_sockname(dev, sun.sun_path, sizeof(sun.sun_path));
	if (pipe2(fs->ctl_stop, O_CLOEXEC))
		return -errno;
	fs->ctl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fs->ctl_fd < 0 ||
	    bind(fs->ctl_fd, (struct sockaddr *)&sun, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) ||
	    listen(fs->ctl_fd, 16)) {
		err = -errno;
		goto fail;
	}
	err = -pthread_create(&fs->ctl_thread, NULL, ctl_thread, fs);
	if (err)
		goto fail;
	fs->ctl_started = true;
	return 0;
fail:
	if (fs->ctl_fd >= 0)
		close(fs->ctl_fd);
	close(fs->ctl_stop[0]);
	close(fs->ctl_stop[1]);
	fs->ctl_fd = -1;
	return err;
}

void simfs_ctl_stop(struct simfs_fs *fs)
{
	if (!fs->ctl_started)
		return;
	/* A failed write leaves nothing to wake; the thread then ends with the process. */
	if (write(fs->ctl_stop[1], "x", 1) == 1)
		pthread_join(fs->ctl_thread, NULL);
	close(fs->ctl_fd);
	close(fs->ctl_stop[0]);
	close(fs->ctl_stop[1]);
	fs->ctl_started = false;
	/* What the control surface set up goes with it. */
	sim_lock(fs->sim);
	hooks_clear_all(&fs->hooks);
	uevent_netlink_stop(&fs->netlink, fs->sim);
	sim_unlock(fs->sim);
}

/* ---- client --------------------------------------------------------------- */

int simfs_ctl_main(int argc, char **argv)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char cmd[CTL_MAX_CMD], buf[65536], *status = NULL;
	struct out o = { 0 };
	size_t len = 0, nl;
	struct stat st;
	int fd, ret = 1;

	if (argc < 3) {
		fprintf(stderr, "Usage: simfs ctl MOUNTPOINT COMMAND [ARGS...]\n"
				"Commands (simfs ctl MOUNTPOINT help lists them with their arguments):\n"
				"  insmod, rmmod, flush, uevents, stats; inject, injections, clear;\n"
				"  guest; card, domain, subchannel, chp; netlink\n");
		return 2;
	}
	if (stat(argv[1], &st)) {
		fprintf(stderr, "simfs ctl: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	for (int i = 2; i < argc; i++) {
		const char *word = argv[i];
		int n;

		/* inject's path may be given as a path of the mount: the daemon wants it relative. */
		if (i == 3 && !strcmp(argv[2], "inject") && word[0] == '/') {
			char root[PATH_MAX];
			size_t rl;

			if (realpath(argv[1], root) && (rl = strlen(root)) && !strncmp(word, root, rl) &&
			    word[rl] == '/')
				word += rl + 1;
		}
		n = snprintf(cmd + len, sizeof(cmd) - len, "%s%s", word, i + 1 < argc ? " " : "\n");

		if (n < 0 || (size_t)n >= sizeof(cmd) - len) {
			fprintf(stderr, "simfs ctl: command too long\n");
			return 2;
		}
		len += (size_t)n;
	}
	nl = simfs_ctl_sockname(st.st_dev, sun.sun_path, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + nl))) {
		fprintf(stderr, "simfs ctl: %s is not a simfs mount (or its daemon is gone): %s\n", argv[1],
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	if (write(fd, cmd, len) != (ssize_t)len) {
		fprintf(stderr, "simfs ctl: %s\n", strerror(errno));
		close(fd);
		return 1;
	}
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n <= 0)
			break;
		out_printf(&o, "%.*s", (int)n, buf);
	}
	close(fd);
	if (o.buf) {
		/* The last line is the status. */
		o.buf[o.len - (o.len && o.buf[o.len - 1] == '\n')] = '\0';
		status = strrchr(o.buf, '\n');
		status = status ? status + 1 : o.buf;
		fwrite(o.buf, 1, (size_t)(status - o.buf), stdout);
		if (!strcmp(status, "OK"))
			ret = 0;
		else
			fprintf(stderr, "simfs ctl: %s\n", strncmp(status, "ERR ", 4) ? status : status + 4);
	}
	free(o.buf);
	return ret;
}
