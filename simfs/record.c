// SPDX-License-Identifier: MIT
/*
 * simfs record: a sysfs tree in, a fixture out.
 *
 * A fixture names hardware and boot state, not files, so recording is
 * sim_create() run backwards: every fact simfs derives files from is read
 * back from the files that show it.  What a tree shows but a fixture cannot
 * hold (a queue set offline on its own, an iommu group hole, an attribute
 * simfs does not model) is reported on stderr, one line each, so that "the
 * record replays to the same tree" is a claim the user can check.
 *
 * The walk goes through devices/ and reads the bus and module directories
 * only to learn which drivers exist.  Links are read, never followed, and
 * the tree is opened read-only, so a plain copy of a host's sysfs (cp -a of
 * devices/{css0,ap,vfio_ap} and bus/{css,ccw,ap}) records like the host.
 */
#include "record.h"

#include "parse.h"
#include "sim.h"
#include "topology.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#define SYSFS_MAGIC 0x62656572
#define ATTR_MAX 4097			/* a sysfs attribute is at most a page, plus the NUL */
#define AGG_SHOWN 8

/* Many objects with the same loss: one stderr line naming the first few. */
struct agg {
	char ids[256];
	unsigned int count;
};

struct names {
	char **v;
	size_t n;
};

struct rec_mdev {
	char uuid[37];
	int group;			/* iommu group, -1 without a driver */
	json_object *o;
};

struct rec {
	int root;			/* O_PATH: nothing is ever opened for writing */
	bool keep_ids;
	int err;			/* sticky -ENOMEM from json-c */
	char css[32];			/* "devices/css0", "" without a channel subsystem */
	unsigned int cssid;
	bool chp_seen[256];
	bool vfio_ccw, vfio_ap, zcrypt;
	struct ap_mask apmask, aqmask;
	json_object *doc, *chps, *schs;
	struct names ccw_used;		/* ccw drivers that recorded devices name */
	struct agg qdio_inferred, qdio_unknown, mkvps, serialnr, released;
	struct agg unknown[5];		/* attribute names simfs does not model, per kind */
	struct rec_mdev *mdevs;
	size_t nr_mdevs;
};

enum kind { K_SCH, K_CCWDEV, K_CHP, K_CARD, K_QUEUE };

static const char *const kind_name[] = {
	[K_SCH] = "subchannel", [K_CCWDEV] = "ccw device", [K_CHP] = "channel path",
	[K_CARD] = "AP card", [K_QUEUE] = "AP queue",
};

/* The regular files simfs serves for each kind of object. */
static const char *const known_attrs[][24] = {
	[K_SCH] = { "type", "modalias", "driver_override", "uevent", "chpids", "pimpampom",
		    "dev_busid", "vpm", "logging", NULL },
	[K_CCWDEV] = { "devtype", "cutype", "modalias", "online", "availability", "cmb_enable",
		       "uevent", NULL },
	[K_CHP] = { "chid", "chid_external", "cmg", "configure", "esc", "shared", "speed_bps",
		    "status", "type", "uevent", "util_string", NULL },
	[K_CARD] = { "hwtype", "raw_hwtype", "depth", "ap_functions", "request_count",
		     "requestq_count", "pendingq_count", "modalias", "config", "chkstop",
		     "max_msg_size", "type", "online", "load", "uevent", "serialnr",
		     "API_ordinalnr", "FW_version", "op_modes", NULL },
	[K_QUEUE] = { "request_count", "requestq_count", "pendingq_count", "reset", "interrupt",
		      "config", "chkstop", "ap_functions", "online", "load", "status", "uevent",
		      "mkvps", "op_modes", NULL },
};

/* ---- reporting -------------------------------------------------------------- */

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void note(const char *fmt, ...)
{
	va_list ap;

	fputs("simfs record: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void agg_add(struct agg *a, const char *id)
{
	size_t len = strlen(a->ids);

	if (a->count++ < AGG_SHOWN)
		snprintf(a->ids + len, sizeof(a->ids) - len, "%s%s", len ? " " : "", id);
}

/* Add @name once: for sets of attribute names rather than lists of objects. */
static void agg_add_once(struct agg *a, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = a->ids; (p = strstr(p, name)); p += n)
		if ((p == a->ids || p[-1] == ' ') && (!p[n] || p[n] == ' '))
			return;
	agg_add(a, name);
}

static void agg_flush(const struct agg *a, const char *what)
{
	if (a->count)
		note("%s (%u: %s%s)", what, a->count, a->ids, a->count > AGG_SHOWN ? " ..." : "");
}

/* ---- reading the tree ------------------------------------------------------- */

static int vpath(char *out, size_t size, const char *fmt, va_list ap)
{
	int n = vsnprintf(out, size, fmt, ap);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int read_attr(struct rec *r, char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * One attribute, whole, without its trailing newline: the length, or the
 * -errno of open or read.  A refused read (EINVAL, EOPNOTSUPP) is a fact
 * too: simfs refuses the same read when the fixture leaves the value out.
 */
static int read_attr(struct rec *r, char *buf, size_t size, const char *fmt, ...)
{
	char path[PATH_MAX];
	size_t len = 0;
	va_list ap;
	int fd, ret;

	va_start(ap, fmt);
	ret = vpath(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (ret)
		return ret;
	fd = openat(r->root, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	while (len < size - 1) {
		ssize_t n = read(fd, buf + len, size - 1 - len);

		if (n < 0) {
			ret = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	ret = (int)len;
out:
	close(fd);
	return ret;
}

static int link_base(struct rec *r, char *out, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The last component of a link's target: "io_subchannel" of ../../../bus/css/drivers/io_subchannel. */
static int link_base(struct rec *r, char *out, size_t size, const char *fmt, ...)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	va_list ap;
	ssize_t n;
	int ret;

	va_start(ap, fmt);
	ret = vpath(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (ret)
		return ret;
	n = readlinkat(r->root, path, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if ((size_t)snprintf(out, size, "%s", base) >= size)
		return -ENAMETOOLONG;
	return 0;
}

static unsigned int kind_of(struct rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* S_IFDIR, S_IFREG, S_IFLNK...; 0 when absent. */
static unsigned int kind_of(struct rec *r, const char *fmt, ...)
{
	char path[PATH_MAX];
	struct stat st;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vpath(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (ret || fstatat(r->root, path, &st, AT_SYMLINK_NOFOLLOW))
		return 0;
	return st.st_mode & S_IFMT;
}

static void names_free(struct names *nm)
{
	for (size_t i = 0; i < nm->n; i++)
		free(nm->v[i]);
	free(nm->v);
	memset(nm, 0, sizeof(*nm));
}

static int names_add(struct names *nm, const char *name)
{
	char **v = realloc(nm->v, (nm->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	nm->v = v;
	v[nm->n] = strdup(name);
	if (!v[nm->n])
		return -ENOMEM;
	nm->n++;
	return 0;
}

static bool names_has(const struct names *nm, const char *name)
{
	for (size_t i = 0; i < nm->n; i++)
		if (!strcmp(nm->v[i], name))
			return true;
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_dir(struct rec *r, struct names *nm, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A directory's entries, sorted, so records come out in a stable order. */
static int list_dir(struct rec *r, struct names *nm, const char *fmt, ...)
{
	char path[PATH_MAX];
	struct dirent *de;
	va_list ap;
	DIR *d;
	int fd, ret;

	memset(nm, 0, sizeof(*nm));
	va_start(ap, fmt);
	ret = vpath(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (ret)
		return ret;
	fd = openat(r->root, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		ret = -errno;
		close(fd);
		return ret;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		ret = names_add(nm, de->d_name);
		if (ret)
			goto out;
	}
	if (nm->n)
		qsort(nm->v, nm->n, sizeof(*nm->v), cmp_str);
out:
	closedir(d);
	if (ret)
		names_free(nm);
	return ret;
}

/* Attributes simfs does not serve for this kind of object: named once, never recorded. */
static void check_attrs(struct rec *r, enum kind k, const char *dir, const struct names *nm)
{
	for (size_t i = 0; i < nm->n; i++) {
		const char *const *a;

		for (a = known_attrs[k]; *a && strcmp(*a, nm->v[i]); a++)
			;
		if (!*a && kind_of(r, "%s/%s", dir, nm->v[i]) == S_IFREG)
			agg_add_once(&r->unknown[k], nm->v[i]);
	}
}

/* Whole-string number parsing; false on anything else. */
static bool parse_ul(const char *s, int base, unsigned long max, unsigned long *out)
{
	char *end;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	*out = strtoul(s, &end, base);
	return !errno && !*end && *out <= max;
}

static bool parse_bool01(const char *s, bool *out)
{
	if (strcmp(s, "0") && strcmp(s, "1"))
		return false;
	*out = *s == '1';
	return true;
}

/* ---- building the JSON -------------------------------------------------------- */

static json_object *jnew(struct rec *r, json_object *o)
{
	if (!o)
		r->err = -ENOMEM;
	return o;
}

/* json-c returns NULL when out of memory: remember it, carry on, fail at the end. */
static void jset(struct rec *r, json_object *obj, const char *key, json_object *val)
{
	if (!val || !obj || json_object_object_add(obj, key, val)) {
		json_object_put(val);
		r->err = -ENOMEM;
	}
}

static void jset_str(struct rec *r, json_object *obj, const char *key, const char *s)
{
	jset(r, obj, key, json_object_new_string(s));
}

static void jset_bool(struct rec *r, json_object *obj, const char *key, bool v)
{
	jset(r, obj, key, json_object_new_boolean(v));
}

static void jset_int(struct rec *r, json_object *obj, const char *key, int v)
{
	jset(r, obj, key, json_object_new_int(v));
}

static void jpush(struct rec *r, json_object *arr, json_object *val)
{
	if (!val || !arr || json_object_array_add(arr, val)) {
		json_object_put(val);
		r->err = -ENOMEM;
	}
}

static json_object *id_list(struct rec *r, const struct ap_mask *m)
{
	json_object *arr = jnew(r, json_object_new_array());
	unsigned int id;

	ap_mask_for_each(id, m)
		jpush(r, arr, json_object_new_int((int)id));
	return arr;
}

/* ---- kernel and modules ----------------------------------------------------- */

/*
 * A sysfs tree does not say which kernel made it.  The running kernel's
 * release is right only for the live /sys (a sysfs mount, not a copy or a
 * simfs), and only its numeric part means anything to simfs.
 */
static void record_kernel(struct rec *r, const char *root, const char *given)
{
	struct utsname u;
	struct statfs sfs;
	unsigned int a, b, c;
	char v[32];
	int n = 0;

	if (given) {
		jset_str(r, r->doc, "kernel", given);
		return;
	}
	if (statfs(root, &sfs) || sfs.f_type != SYSFS_MAGIC) {
		note("kernel: a copied or simulated tree does not say which kernel it comes from; left out (simfs assumes 6.12; --kernel-version V records it)");
		return;
	}
	if (uname(&u) || sscanf(u.release, "%u.%u%n", &a, &b, &n) != 2) {
		note("kernel: cannot read the running kernel's release; left out");
		return;
	}
	if (sscanf(u.release + n, ".%u", &c) == 1)
		snprintf(v, sizeof(v), "%u.%u.%u", a, b, c);
	else
		snprintf(v, sizeof(v), "%u.%u", a, b);
	if (!topology_parse_kernel_version(v)) {
		note("kernel: %s is outside what simfs simulates; left out", u.release);
		return;
	}
	jset_str(r, r->doc, "kernel", v);
}

/* Loaded modules, from /sys/module or, in a copy without it, from their driver directories. */
static void record_modules(struct rec *r)
{
	json_object *m = jnew(r, json_object_new_object());

	r->vfio_ccw = kind_of(r, "module/vfio_ccw") || kind_of(r, "bus/css/drivers/vfio_ccw");
	r->vfio_ap = kind_of(r, "module/vfio_ap") || kind_of(r, "bus/ap/drivers/vfio_ap") ||
		     kind_of(r, "devices/vfio_ap");
	r->zcrypt = kind_of(r, "bus/ap/drivers/cex4card") || kind_of(r, "bus/ap/drivers/cex4queue") ||
		    kind_of(r, "module/zcrypt_cex4");
	jset_bool(r, m, "vfio_ccw", r->vfio_ccw);
	jset_bool(r, m, "vfio_ap", r->vfio_ap);
	jset(r, r->doc, "modules", m);
	if (!r->vfio_ccw && !r->vfio_ap && (kind_of(r, "module/vfio") || kind_of(r, "module/mdev")))
		note("modules: vfio or mdev is loaded without vfio_ccw or vfio_ap; the format cannot say so (the replay loads neither)");
}

/* ---- channel paths ------------------------------------------------------------ */

/* Files every simfs channel path shows with one fixed value; another value is lost. */
static const struct {
	const char *attr, *simfs;
} chp_fixed[] = {
	{ "chid", "" }, { "chid_external", "" }, { "cmg", "unknown" }, { "shared", "unknown" },
	{ "esc", "0" }, { "speed_bps", "0" }, { "util_string", "" },
};

#define NR_CHP_FIXED (sizeof(chp_fixed) / sizeof(chp_fixed[0]))

static json_object *chp_object(struct rec *r, unsigned int id)
{
	json_object *o = jnew(r, json_object_new_object());
	char hex[4];

	snprintf(hex, sizeof(hex), "%02x", id);
	jset_str(r, o, "id", hex);
	return o;
}

static void record_chp(struct rec *r, const char *name, unsigned int id, struct agg *fixed)
{
	json_object *o = chp_object(r, id);
	char buf[ATTR_MAX], hex[4], dir[64];
	struct names nm;
	unsigned long v;
	bool on;

	if (read_attr(r, buf, sizeof(buf), "%s/%s/type", r->css, name) >= 0 && parse_ul(buf, 16, 255, &v)) {
		snprintf(hex, sizeof(hex), "%02lx", v);
		jset_str(r, o, "type", hex);
	} else {
		note("%s: type unreadable; recorded as the default 32", name);
	}
	if (read_attr(r, buf, sizeof(buf), "%s/%s/status", r->css, name) >= 0 &&
	    (!strcmp(buf, "online") || !strcmp(buf, "offline")))
		jset_bool(r, o, "online", !strcmp(buf, "online"));
	else
		note("%s: status unreadable; recorded online", name);
	/*
	 * Left out when the read fails (no SCLP information): simfs then fails
	 * it the same way.  Empty is a failed read that cp -a copied.
	 */
	if (read_attr(r, buf, sizeof(buf), "%s/%s/configure", r->css, name) > 0) {
		if (parse_bool01(buf, &on))
			jset_int(r, o, "configure", on);
		else
			note("%s: configure reads %s (standby/reserved?); simfs knows only 0 and 1, left out", name, buf);
	}
	for (size_t i = 0; i < NR_CHP_FIXED; i++)
		if (read_attr(r, buf, sizeof(buf), "%s/%s/%s", r->css, name, chp_fixed[i].attr) >= 0 &&
		    strcmp(buf, chp_fixed[i].simfs))
			agg_add(&fixed[i], name);
	snprintf(dir, sizeof(dir), "%s/%s", r->css, name);
	if (!list_dir(r, &nm, "%s", dir)) {
		check_attrs(r, K_CHP, dir, &nm);
		names_free(&nm);
	}
	jpush(r, r->chps, o);
	r->chp_seen[id] = true;
}

/* ---- subchannels and ccw devices ---------------------------------------------- */

/* What the subchannel's files say, gathered before the JSON is written in fixture order. */
struct sch_facts {
	const char *name;
	char dir[64];
	unsigned int ssid, type;
	char driver[64];		/* css driver: io_subchannel, vfio_ccw, "" */
	char override[ATTR_MAX];	/* driver_override, "" for (null) */
	char busid[32];			/* dev_busid, "" for none or unknown */
	char ccw_driver[64];		/* of the device, "" when there is none */
	char cutype[16];
	bool qdio;
};

/* chpids and pimpampom: the path slots, as sim_create() fills them back. */
static void record_paths(struct rec *r, json_object *o, const struct sch_facts *f)
{
	unsigned int c[8], pim, pam, pom;
	char buf[ATTR_MAX], hex[4];
	json_object *arr;
	int last = -1;

	if (read_attr(r, buf, sizeof(buf), "%s/chpids", f->dir) < 0 ||
	    sscanf(buf, "%x %x %x %x %x %x %x %x", &c[0], &c[1], &c[2], &c[3], &c[4], &c[5], &c[6],
		   &c[7]) != 8 ||
	    read_attr(r, buf, sizeof(buf), "%s/pimpampom", f->dir) < 0 ||
	    sscanf(buf, "%x %x %x", &pim, &pam, &pom) != 3 || pim > 0xff || pam > 0xff || pom > 0xff) {
		note("%s: chpids or pimpampom unreadable; no channel paths recorded", f->name);
		return;
	}
	for (int i = 0; i < 8; i++)
		if (pim & (0x80u >> i))
			last = i;
	arr = jnew(r, json_object_new_array());
	for (int i = 0; i <= last; i++) {
		bool used = pim & (0x80u >> i);

		snprintf(hex, sizeof(hex), "%02x", used ? c[i] & 0xff : 0);
		jpush(r, arr, json_object_new_string(hex));
		if (used && !r->chp_seen[c[i] & 0xff]) {
			note("%s: uses chpid %s, which has no chp directory; recorded with the default type",
			     f->name, hex);
			jpush(r, r->chps, chp_object(r, c[i] & 0xff));
			r->chp_seen[c[i] & 0xff] = true;
		}
	}
	jset(r, o, "chpids", arr);
	snprintf(hex, sizeof(hex), "%02x", pim);
	jset_str(r, o, "pim", hex);
	snprintf(hex, sizeof(hex), "%02x", pam);
	jset_str(r, o, "pam", hex);
	snprintf(hex, sizeof(hex), "%02x", pom);
	jset_str(r, o, "pom", hex);
}

/* "3990/e9", "n/a": what get_type_model() in topology.c reads back. */
static bool is_type_model(const char *s, bool na_ok)
{
	unsigned int t, m;
	int n = 0;

	if (na_ok && !strcmp(s, "n/a"))
		return true;
	return strlen(s) == 7 && s[4] == '/' && sscanf(s, "%4x/%2x%n", &t, &m, &n) == 2 && n == 7;
}

static int record_ccw_driver_use(struct rec *r, const char *drv)
{
	return *drv && !names_has(&r->ccw_used, drv) ? names_add(&r->ccw_used, drv) : 0;
}

/* The virtio device virtio_ccw made below a ccw device: its driver and negotiated features. */
static void record_virtio(struct rec *r, json_object *d, const char *devname, const char *dir,
			  const char *child)
{
	json_object *v = jnew(r, json_object_new_object());
	char drv[64], features[ATTR_MAX];

	if (!v)
		return;
	if (!link_base(r, drv, sizeof(drv), "%s/%s/driver", dir, child)) {
		jset_str(r, v, "driver", drv);
		if (read_attr(r, features, sizeof(features), "%s/%s/features", dir, child) >= 0 &&
		    strlen(features) == 64 && strspn(features, "01") == 64)
			jset_str(r, v, "features", features);
		else
			note("%s: %s/features unreadable; the replay shows none negotiated", devname, child);
	}
	json_object_object_add(d, "virtio", v);
}

/* The ccw device under a subchannel that io_subchannel drives. */
static json_object *record_device(struct rec *r, struct sch_facts *f, const char *devname)
{
	static const char *const avail[] = { "good", "boxed", "no path", "no device" };
	json_object *d = jnew(r, json_object_new_object());
	char dir[96], buf[ATTR_MAX];
	struct names nm;
	bool online = false, auto_online;
	size_t i;

	snprintf(dir, sizeof(dir), "%s/%s", f->dir, devname);
	jset_str(r, d, "devno", devname);
	if (read_attr(r, f->cutype, sizeof(f->cutype), "%s/cutype", dir) < 0 ||
	    !is_type_model(f->cutype, false)) {
		note("%s: cutype unreadable; recorded as 0000/00", devname);
		snprintf(f->cutype, sizeof(f->cutype), "0000/00");
	}
	jset_str(r, d, "cutype", f->cutype);
	if (read_attr(r, buf, sizeof(buf), "%s/devtype", dir) < 0 || !is_type_model(buf, true)) {
		note("%s: devtype unreadable; recorded as n/a", devname);
		snprintf(buf, sizeof(buf), "n/a");
	}
	jset_str(r, d, "devtype", buf);
	if (link_base(r, f->ccw_driver, sizeof(f->ccw_driver), "%s/driver", dir))
		f->ccw_driver[0] = '\0';
	jset_str(r, d, "driver", *f->ccw_driver ? f->ccw_driver : "none");
	if (record_ccw_driver_use(r, f->ccw_driver))
		r->err = -ENOMEM;
	if (read_attr(r, buf, sizeof(buf), "%s/online", dir) >= 0 && !parse_bool01(buf, &online))
		note("%s: online reads \"%s\"; recorded offline", devname, buf);
	/* virtio_ccw sets its devices online by itself (the transcripts); no other driver does. */
	auto_online = !strcmp(f->ccw_driver, "virtio_ccw");
	if (*f->ccw_driver) {
		jset_bool(r, d, "online", online);
		if (auto_online)
			jset_bool(r, d, "auto_online", true);
	}
	if (read_attr(r, buf, sizeof(buf), "%s/availability", dir) >= 0) {
		for (i = 0; i < 4 && strcmp(buf, avail[i]); i++)
			;
		if (i < 4)
			jset_str(r, d, "availability", buf);
		else
			note("%s: availability \"%s\" is unknown to simfs; recorded as good", devname, buf);
		if (auto_online && !online && i == 0)
			note("%s: offline, but virtio_ccw sets its devices online itself: the replay shows it online",
			     devname);
	}
	if (read_attr(r, buf, sizeof(buf), "%s/cmb_enable", dir) >= 0 && strcmp(buf, "0"))
		note("%s: cmb_enable is %s; the format has no field (the replay shows 0)", devname, buf);
	if (!list_dir(r, &nm, "%s", dir)) {
		check_attrs(r, K_CCWDEV, dir, &nm);
		for (i = 0; auto_online && i < nm.n; i++)
			if (!strncmp(nm.v[i], "virtio", 6))
				record_virtio(r, d, devname, dir, nm.v[i]);
		names_free(&nm);
	}
	return d;
}

/*
 * A device the tree does not show: dev_busid names it, but no ccw device
 * exists while vfio_ccw (or no driver) has the subchannel.  Its types and
 * driver are unknowable; "none" keeps the replay from inventing a driver.
 */
static json_object *record_hidden_device(struct rec *r, const struct sch_facts *f)
{
	json_object *d = jnew(r, json_object_new_object());

	note("%s: device %s is not in the tree (subchannel driver: %s): its cutype, devtype and ccw driver are unknown, recorded as 0000/00, n/a and none",
	     f->name, f->busid, *f->driver ? f->driver : "none");
	jset_str(r, d, "devno", f->busid);
	jset_str(r, d, "cutype", "0000/00");
	jset_str(r, d, "devtype", "n/a");
	jset_str(r, d, "driver", "none");
	return d;
}

/*
 * QDIO is the qf bit of the subchannel's PMCW, which sysfs does not show.
 * What is known: vfio_ccw never drives a QDIO subchannel (it refuses them);
 * qeth and zfcp drive only QDIO devices; control unit type 1731 is the
 * OSA-Express/HiperSockets/FCP QDIO family.  Both guesses, QDIO and not,
 * are listed on stderr.
 */
static void decide_qdio(struct rec *r, struct sch_facts *f)
{
	f->qdio = !strcmp(f->ccw_driver, "qeth") || !strcmp(f->ccw_driver, "zfcp") ||
		  !strncmp(f->cutype, "1731/", 5);
	if (f->qdio)
		agg_add(&r->qdio_inferred, f->name);
	else if (f->type == 0 && strcmp(f->driver, "vfio_ccw"))
		agg_add(&r->qdio_unknown, f->name);
}

static bool is_uuid(const char *name)
{
	uint8_t u[16];

	return strlen(name) == 36 && !uuid_parse_36(name, 36, u);
}

/* An mdev directory: its uuid, its iommu group (the order to create it in), its object. */
static int add_mdev(struct rec *r, const char *dir, const char *uuid, const char *parent,
		    json_object *o)
{
	struct rec_mdev *m = realloc(r->mdevs, (r->nr_mdevs + 1) * sizeof(*m));
	char grp[32];
	unsigned long g;
	uint8_t u[16];

	if (!m) {
		json_object_put(o);
		return -ENOMEM;
	}
	r->mdevs = m;
	m += r->nr_mdevs++;
	uuid_parse_36(uuid, 36, u);
	uuid_format(u, m->uuid);
	m->o = o;
	m->group = -1;
	if (!link_base(r, grp, sizeof(grp), "%s/%s/iommu_group", dir, uuid) &&
	    parse_ul(grp, 10, INT_MAX, &g))
		m->group = (int)g;
	else
		note("mdev %s: no driver (unbound from its mdev driver); the replay binds it", m->uuid);
	jset_str(r, o, "uuid", m->uuid);
	jset_str(r, o, "parent", parent);
	return 0;
}

/* The css driver and override: io_subchannel, vfio_ccw or none, as a fixture can say. */
static int read_sch_driver(struct rec *r, struct sch_facts *f)
{
	int ret = link_base(r, f->driver, sizeof(f->driver), "%s/driver", f->dir);

	if (ret && ret != -ENOENT)
		return ret;
	if (ret)
		f->driver[0] = '\0';
	if (*f->driver && strcmp(f->driver, "io_subchannel") && strcmp(f->driver, "vfio_ccw")) {
		note("%s: bound to %s, which simfs does not model; recorded without a driver",
		     f->name, f->driver);
		f->driver[0] = '\0';
	}
	if (read_attr(r, f->override, sizeof(f->override), "%s/driver_override", f->dir) < 0 ||
	    !strcmp(f->override, "(null)"))
		f->override[0] = '\0';
	return 0;
}

/* The ccw device child (0.0.2b09) while io_subchannel drives the subchannel. */
static json_object *find_device(struct rec *r, struct sch_facts *f, const struct names *nm)
{
	for (size_t i = 0; i < nm->n; i++) {
		unsigned int c, s, d;

		if (!ccw_busid_parse(nm->v[i], &c, &s, &d) && c == r->cssid && s == f->ssid &&
		    kind_of(r, "%s/%s", f->dir, nm->v[i]) == S_IFDIR)
			return record_device(r, f, nm->v[i]);
	}
	if (*f->busid)
		return record_hidden_device(r, f);
	if (f->type == 0 && *f->driver && strcmp(f->driver, "io_subchannel") &&
	    kind_of(r, "%s/dev_busid", f->dir) != S_IFREG)
		note("%s: bound to %s and no dev_busid (kernel before 5.13?): a device behind it is unknown",
		     f->name, f->driver);
	return NULL;
}

/* Fixture order: schid, type, qdio, paths, driver, override, device. */
static void emit_subchannel(struct rec *r, const struct sch_facts *f, json_object *dev)
{
	json_object *o = jnew(r, json_object_new_object());

	jset_str(r, o, "schid", f->name);
	jset_int(r, o, "type", (int)f->type);
	if (f->qdio)
		jset_bool(r, o, "qdio", true);
	if (f->type == 0)
		record_paths(r, o, f);
	jset_str(r, o, "driver", *f->driver ? f->driver : "none");
	if (*f->override)
		jset_str(r, o, "driver_override", f->override);
	if (dev)
		jset(r, o, "device", dev);
	jpush(r, r->schs, o);
}

/* One subchannel directory: its facts, its device, and its vfio_ccw mdevs. */
static int record_subchannel(struct rec *r, const char *name, unsigned int ssid)
{
	struct sch_facts f = { .name = name, .ssid = ssid };
	char buf[ATTR_MAX];
	unsigned int c, s, d;
	json_object *dev;
	struct names nm;
	unsigned long v;
	int ret;

	snprintf(f.dir, sizeof(f.dir), "%s/%s", r->css, name);
	if (read_attr(r, buf, sizeof(buf), "%s/type", f.dir) >= 0 && parse_ul(buf, 16, 3, &v))
		f.type = (unsigned int)v;
	else
		note("%s: type unreadable; recorded as I/O (0)", name);
	if (read_attr(r, f.busid, sizeof(f.busid), "%s/dev_busid", f.dir) < 0 ||
	    ccw_busid_parse(f.busid, &c, &s, &d))
		f.busid[0] = '\0';
	ret = read_sch_driver(r, &f);
	if (ret)
		return ret;
	ret = list_dir(r, &nm, "%s", f.dir);
	if (ret)
		return ret;
	check_attrs(r, K_SCH, f.dir, &nm);
	dev = find_device(r, &f, &nm);
	decide_qdio(r, &f);
	emit_subchannel(r, &f, dev);
	for (size_t i = 0; !ret && i < nm.n; i++)
		if (is_uuid(nm.v[i]) && kind_of(r, "%s/%s", f.dir, nm.v[i]) == S_IFDIR)
			ret = add_mdev(r, f.dir, nm.v[i], name, jnew(r, json_object_new_object()));
	names_free(&nm);
	return ret;
}

/* The ccw drivers no recorded device names (dasd-fba on most hosts): css.ccw_drivers. */
static int record_ccw_drivers(struct rec *r, json_object *css)
{
	json_object *arr = NULL;
	struct names nm;
	int ret = list_dir(r, &nm, "bus/ccw/drivers");

	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	for (size_t i = 0; i < nm.n; i++) {
		if (names_has(&r->ccw_used, nm.v[i]) || !strcmp(nm.v[i], "none") ||
		    kind_of(r, "bus/ccw/drivers/%s", nm.v[i]) != S_IFDIR)
			continue;
		if (!arr)
			arr = jnew(r, json_object_new_array());
		jpush(r, arr, json_object_new_string(nm.v[i]));
	}
	if (arr)
		jset(r, css, "ccw_drivers", arr);
	names_free(&nm);
	return 0;
}

/* Every driver on the virtio bus, if there is one: css.virtio_drivers. */
static int record_virtio_drivers(struct rec *r, json_object *css)
{
	json_object *arr = NULL;
	struct names nm;
	int ret = list_dir(r, &nm, "bus/virtio/drivers");

	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	for (size_t i = 0; i < nm.n; i++) {
		if (kind_of(r, "bus/virtio/drivers/%s", nm.v[i]) != S_IFDIR)
			continue;
		if (!arr)
			arr = jnew(r, json_object_new_array());
		jpush(r, arr, json_object_new_string(nm.v[i]));
	}
	if (arr)
		jset(r, css, "virtio_drivers", arr);
	names_free(&nm);
	return 0;
}

/* css drivers simfs has no model of (chsc_subchannel, eadm_subchannel). */
static void check_css_drivers(struct rec *r)
{
	struct names nm;

	if (list_dir(r, &nm, "bus/css/drivers"))
		return;
	for (size_t i = 0; i < nm.n; i++)
		if (strcmp(nm.v[i], "io_subchannel") && strcmp(nm.v[i], "vfio_ccw"))
			note("css driver %s: not modelled by simfs; not recorded", nm.v[i]);
	names_free(&nm);
}

static void check_css0(struct rec *r, const struct names *nm)
{
	struct names def;

	if (names_has(nm, "cm_enable"))
		note("%s/cm_enable: channel-path measurement is not modelled by simfs; not recorded", r->css);
	if (list_dir(r, &def, "%s/defunct", r->css))
		return;
	for (size_t i = 0; i < def.n; i++)
		if (kind_of(r, "%s/defunct/%s", r->css, def.v[i]) == S_IFDIR)
			note("%s/defunct/%s: an orphaned device; the format has no field", r->css, def.v[i]);
	names_free(&def);
}

/* devices/css<N>: the channel subsystem (every s390 has one; a copy may not). */
static int find_css(struct rec *r)
{
	struct names nm;
	int ret = list_dir(r, &nm, "devices");

	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	for (size_t i = 0; i < nm.n && !r->css[0]; i++) {
		unsigned int id;
		char again[16];

		if (sscanf(nm.v[i], "css%x", &id) != 1 || id > 0xfe)
			continue;
		snprintf(again, sizeof(again), "css%x", id);
		if (!strcmp(again, nm.v[i])) {
			r->cssid = id;
			snprintf(r->css, sizeof(r->css), "devices/%s", nm.v[i]);
		}
	}
	names_free(&nm);
	return 0;
}

static int record_css_entries(struct rec *r, const struct names *nm)
{
	struct agg fixed[NR_CHP_FIXED] = { 0 };
	int ret = 0;

	for (size_t i = 0; i < nm->n; i++) {
		unsigned int c, id;
		char again[16];

		if (sscanf(nm->v[i], "chp%x.%x", &c, &id) != 2 || c != r->cssid || id > 0xff)
			continue;
		snprintf(again, sizeof(again), "chp%x.%02x", c, id);
		if (!strcmp(again, nm->v[i]))
			record_chp(r, nm->v[i], id, fixed);
	}
	for (size_t i = 0; i < NR_CHP_FIXED; i++) {
		char what[96];

		snprintf(what, sizeof(what), "channel paths: %s differs from simfs's \"%s\"; the format has no field",
			 chp_fixed[i].attr, chp_fixed[i].simfs);
		agg_flush(&fixed[i], what);
	}
	for (size_t i = 0; !ret && i < nm->n; i++) {
		unsigned int c, s, no;

		if (!ccw_busid_parse(nm->v[i], &c, &s, &no) && c == r->cssid &&
		    kind_of(r, "%s/%s", r->css, nm->v[i]) == S_IFDIR)
			ret = record_subchannel(r, nm->v[i], s);
	}
	return ret;
}

static int record_css(struct rec *r)
{
	json_object *css = jnew(r, json_object_new_object());
	char buf[ATTR_MAX];
	struct names nm;
	unsigned long v;
	int ret;

	jset(r, r->doc, "css", css);
	jset_int(r, css, "cssid", (int)r->cssid);
	/* Left out when the read fails (EINVAL under QEMU): simfs then fails it the same way. */
	if (read_attr(r, buf, sizeof(buf), "%s/real_cssid", r->css) >= 0 && parse_ul(buf, 16, 0xfe, &v))
		jset_int(r, css, "real_cssid", (int)v);
	r->chps = jnew(r, json_object_new_array());
	r->schs = jnew(r, json_object_new_array());
	jset(r, css, "chpids", r->chps);
	jset(r, css, "subchannels", r->schs);
	ret = list_dir(r, &nm, "%s", r->css);
	if (ret)
		return ret;
	check_css0(r, &nm);
	ret = record_css_entries(r, &nm);
	names_free(&nm);
	if (!ret)
		ret = record_ccw_drivers(r, css);
	if (!ret)
		ret = record_virtio_drivers(r, css);
	check_css_drivers(r);
	note("css: subchannel logging is write-only, whether the machine supports it cannot be read; left at unsupported");
	agg_flush(&r->qdio_inferred, "qdio: sysfs does not show the QDIO facility; inferred from a qeth or zfcp device or control unit type 1731");
	agg_flush(&r->qdio_unknown, "qdio: sysfs does not show the QDIO facility; recorded as non-QDIO with no qeth/zfcp device to tell");
	return ret;
}

/* ---- AP ---------------------------------------------------------------------- */

struct ap_facts {
	unsigned long max_adapter, max_domain;
	struct ap_mask adapters, usage, control;
	bool qci;			/* the masks are readable: the machine has QCI */
};

static int read_mask(struct rec *r, struct ap_mask *m, const char *file)
{
	char buf[ATTR_MAX];
	int n = read_attr(r, buf, sizeof(buf), "bus/ap/%s", file);

	if (n < 0)
		return n;
	if (strncmp(buf, "0x", 2) || ap_parse_hex_field(buf, (size_t)n, m))
		return -EINVAL;
	return 0;
}

static unsigned long read_max(struct rec *r, const char *file)
{
	char buf[ATTR_MAX];
	unsigned long v;

	if (read_attr(r, buf, sizeof(buf), "bus/ap/%s", file) >= 0 && parse_ul(buf, 10, 255, &v))
		return v;
	note("bus/ap/%s: unreadable or above 255; recorded as 255", file);
	return 255;
}

/* Ids above the maximum cannot be in a fixture (nor, really, in a configuration). */
static void clip_mask(struct ap_mask *m, unsigned long max, const char *what)
{
	unsigned int id;

	ap_mask_for_each(id, m)
		if (id > max) {
			note("%s: id %u is above the maximum %lu; left out", what, id, max);
			ap_mask_clear(m, id);
		}
}

/* Without QCI the usage domains are those the queues show. */
static void domains_from_queues(struct rec *r, struct ap_facts *f)
{
	struct names cards, q;

	if (list_dir(r, &cards, "devices/ap"))
		return;
	for (size_t i = 0; i < cards.n; i++) {
		if (strncmp(cards.v[i], "card", 4) || list_dir(r, &q, "devices/ap/%s", cards.v[i]))
			continue;
		for (size_t k = 0; k < q.n; k++) {
			unsigned int a, d;

			if (sscanf(q.v[k], "%2x.%4x", &a, &d) == 2 && d <= f->max_domain)
				ap_mask_set(&f->usage, d);
		}
		names_free(&q);
	}
	names_free(&cards);
	f->control = f->usage;
}

static void record_ap_config(struct rec *r, json_object *ap, struct ap_facts *f)
{
	char buf[ATTR_MAX];
	long d;
	char *end;

	f->max_adapter = read_max(r, "ap_max_adapter_id");
	f->max_domain = read_max(r, "ap_max_domain_id");
	jset_int(r, ap, "max_adapter_id", (int)f->max_adapter);
	jset_int(r, ap, "max_domain_id", (int)f->max_domain);
	f->qci = !read_mask(r, &f->adapters, "ap_adapter_mask") &&
		 !read_mask(r, &f->usage, "ap_usage_domain_mask") &&
		 !read_mask(r, &f->control, "ap_control_domain_mask");
	if (!f->qci) {
		note("bus/ap: no configuration masks (no QCI?); usage and control domains taken from the queues");
		memset(&f->adapters, 0, sizeof(f->adapters));
		domains_from_queues(r, f);
	}
	clip_mask(&f->usage, f->max_domain, "ap_usage_domain_mask");
	clip_mask(&f->control, f->max_domain, "ap_control_domain_mask");
	clip_mask(&f->adapters, f->max_adapter, "ap_adapter_mask");
	if (read_attr(r, buf, sizeof(buf), "bus/ap/ap_domain") < 0)
		return;
	d = strtol(buf, &end, 10);
	if (*end || d < 0) {
		if (!ap_mask_empty(&f->usage))
			note("bus/ap/ap_domain: %s; the replay picks the first usage domain", buf);
	} else if (!ap_mask_test(&f->usage, (unsigned int)d)) {
		note("bus/ap/ap_domain: %ld is not a usage domain, which a fixture cannot say; the replay picks the first usage domain", d);
	} else {
		jset_int(r, ap, "domain", (int)d);
	}
}

static void record_ap_mask(struct rec *r, json_object *ap, const char *file, struct ap_mask *m)
{
	char buf[ATTR_MAX];
	int n = read_attr(r, buf, sizeof(buf), "bus/ap/%s", file);

	ap_mask_fill(m);
	if (n >= 0 && !strncmp(buf, "0x", 2) && !ap_parse_hex_field(buf, (size_t)n, m))
		jset_str(r, ap, file, buf);
	else
		note("bus/ap/%s: unreadable; the replay has all ones", file);
}

/* Tunables with one boot value in simfs: another value is lost. */
static void check_ap_tunables(struct rec *r)
{
	static const struct {
		const char *file, *simfs;
	} t[] = { { "config_time", "30" }, { "poll_thread", "0" }, { "poll_timeout", "250000" } };
	char buf[ATTR_MAX];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (read_attr(r, buf, sizeof(buf), "bus/ap/%s", t[i].file) >= 0 && strcmp(buf, t[i].simfs))
			note("bus/ap/%s: %s; the format has no field (the replay shows %s)", t[i].file, buf,
			     t[i].simfs);
}

struct card_facts {
	char name[16], dir[32];
	unsigned int id;
	bool config, online, has_online;
};

/* Which driver simfs binds the queue to: the masks decide (ap_bus.c). */
static const char *expected_queue_driver(const struct rec *r, unsigned int apid, unsigned int apqi)
{
	if (ap_mask_test(&r->apmask, apid) && ap_mask_test(&r->aqmask, apqi))
		return r->zcrypt ? "cex4queue" : "";
	return r->vfio_ap ? "vfio_ap" : "";
}

/* A queue holds no fact of its own: everything it shows follows from its card and the masks. */
static void check_queue(struct rec *r, const struct card_facts *c, const char *name,
			unsigned int apqi, const struct ap_facts *f)
{
	char buf[ATTR_MAX], drv[64] = "", dir[64];
	const char *want = expected_queue_driver(r, c->id, apqi);
	struct names nm;
	bool v;

	if (!ap_mask_test(&f->usage, apqi))
		note("%s: domain %u is not a usage domain; the replay has no such queue", name, apqi);
	link_base(r, drv, sizeof(drv), "%s/%s/driver", c->dir, name);
	if (strcmp(drv, want))
		note("%s: bound to %s; the masks and modules make the replay bind it to %s", name,
		     *drv ? drv : "no driver", *want ? want : "no driver");
	if (read_attr(r, buf, sizeof(buf), "%s/%s/online", c->dir, name) >= 0 &&
	    parse_bool01(buf, &v) && v != (c->online && c->config))
		note("%s: online is %d on its own; the format has one online per card", name, v);
	if (read_attr(r, buf, sizeof(buf), "%s/%s/chkstop", c->dir, name) >= 0 && strcmp(buf, "0"))
		note("%s: check-stopped; the format has no field", name);
	/*
	 * "-" is history, not state: the queue was released by a driver (the
	 * masks moved it).  A replay boots it straight into its driver: "0".
	 */
	if (read_attr(r, buf, sizeof(buf), "%s/%s/request_count", c->dir, name) >= 0 &&
	    !strcmp(buf, "-") && c->config)
		agg_add(&r->released, name);
	if (kind_of(r, "%s/%s/mkvps", c->dir, name))
		agg_add(&r->mkvps, name);
	snprintf(dir, sizeof(dir), "%s/%s", c->dir, name);
	if (!list_dir(r, &nm, "%s", dir)) {
		check_attrs(r, K_QUEUE, dir, &nm);
		names_free(&nm);
	}
}

static void record_queues(struct rec *r, const struct card_facts *c, const struct ap_facts *f)
{
	struct ap_mask seen = { 0 };
	struct names nm;
	unsigned int id;

	if (list_dir(r, &nm, "%s", c->dir))
		return;
	check_attrs(r, K_CARD, c->dir, &nm);
	for (size_t i = 0; i < nm.n; i++) {
		unsigned int a, d;
		char again[16];

		if (sscanf(nm.v[i], "%2x.%4x", &a, &d) != 2 || a != c->id || d > 255)
			continue;
		snprintf(again, sizeof(again), "%02x.%04x", a, d);
		if (strcmp(again, nm.v[i]))
			continue;
		ap_mask_set(&seen, d);
		check_queue(r, c, nm.v[i], d, f);
	}
	ap_mask_for_each(id, &f->usage)
		if (!ap_mask_test(&seen, id))
			note("%s: no queue for usage domain %u; the replay has one", c->name, id);
	names_free(&nm);
}

/* "CEX7C": the zcrypt type file when bound, else from hwtype and the mode bit. */
static bool card_type(struct rec *r, const char *dir, unsigned long hwtype, unsigned long fn,
		      char *out, size_t size)
{
	char buf[ATTR_MAX];
	char mode = fn & 0x10000000u ? 'C' : fn & 0x08000000u ? 'A' : fn & 0x04000000u ? 'P' : 0;

	if (read_attr(r, buf, sizeof(buf), "%s/type", dir) >= 0 && strlen(buf) == 5 &&
	    !strncmp(buf, "CEX", 3) && buf[3] == (char)('0' + hwtype - 6) && strchr("ACP", buf[4])) {
		snprintf(out, size, "%s", buf);
		return true;
	}
	if (!mode)
		return false;
	snprintf(out, size, "CEX%c%c", (char)('0' + hwtype - 6), mode);
	return true;
}

static void record_card_number(struct rec *r, json_object *o, const struct card_facts *c,
			       const char *file, unsigned long max)
{
	char buf[ATTR_MAX];
	unsigned long v;

	if (read_attr(r, buf, sizeof(buf), "%s/%s", c->dir, file) >= 0 && parse_ul(buf, 10, max, &v))
		jset_int(r, o, file, (int)v);
	else
		note("%s/%s: unreadable or out of range; the replay shows simfs's default", c->name, file);
}

/* serialnr identifies the card: read only with --keep-ids (a CCA query on a real host). */
static void record_serialnr(struct rec *r, json_object *o, const struct card_facts *c)
{
	char buf[ATTR_MAX];
	size_t i;

	if (!kind_of(r, "%s/serialnr", c->dir))
		return;
	if (!r->keep_ids) {
		agg_add(&r->serialnr, c->name);
		return;
	}
	if (read_attr(r, buf, sizeof(buf), "%s/serialnr", c->dir) <= 0)
		return;
	for (i = 0; buf[i] > ' ' && buf[i] <= '~'; i++)
		;
	if (buf[i] || i > 16)
		note("%s/serialnr: \"%s\" is not 1 to 16 printable characters; left out", c->name, buf);
	else
		jset_str(r, o, "serialnr", buf);
}

static void record_card(struct rec *r, json_object *cards, const char *name, unsigned int id,
			const struct ap_facts *f)
{
	struct card_facts c = { .id = id };
	char buf[ATTR_MAX], type[8], drv[64] = "";
	unsigned long hwtype, fn;
	json_object *o;

	snprintf(c.name, sizeof(c.name), "%s", name);
	snprintf(c.dir, sizeof(c.dir), "devices/ap/%s", name);
	if (read_attr(r, buf, sizeof(buf), "%s/hwtype", c.dir) < 0 || !parse_ul(buf, 10, 255, &hwtype) ||
	    hwtype < 10 || hwtype > 14) {
		note("%s: hwtype unreadable or not CEX4..CEX8 (10..14), which simfs simulates; card left out",
		     name);
		return;
	}
	if (read_attr(r, buf, sizeof(buf), "%s/ap_functions", c.dir) < 0 ||
	    !parse_ul(buf, 16, 0xffffffffu, &fn) || !card_type(r, c.dir, hwtype, fn, type, sizeof(type))) {
		note("%s: no type and no mode in ap_functions; card left out", name);
		return;
	}
	o = jnew(r, json_object_new_object());
	jset_int(r, o, "id", (int)id);
	jset_str(r, o, "type", type);
	record_card_number(r, o, &c, "raw_hwtype", 255);
	snprintf(buf, sizeof(buf), "0x%08lX", fn);
	jset_str(r, o, "functions", buf);
	record_card_number(r, o, &c, "depth", 255);
	record_card_number(r, o, &c, "max_msg_size", 1u << 24);
	c.config = true;
	if (read_attr(r, buf, sizeof(buf), "%s/config", c.dir) >= 0 && parse_bool01(buf, &c.config))
		jset_bool(r, o, "config", c.config);
	c.online = true;
	c.has_online = read_attr(r, buf, sizeof(buf), "%s/online", c.dir) >= 0 &&
		       parse_bool01(buf, &c.online);
	if (c.has_online)
		jset_bool(r, o, "online", c.online);
	record_serialnr(r, o, &c);
	link_base(r, drv, sizeof(drv), "%s/driver", c.dir);
	if (strcmp(drv, r->zcrypt ? "cex4card" : ""))
		note("%s: bound to %s; the replay binds it to %s", name, *drv ? drv : "no driver",
		     r->zcrypt ? "cex4card" : "no driver");
	if (read_attr(r, buf, sizeof(buf), "%s/chkstop", c.dir) >= 0 && strcmp(buf, "0"))
		note("%s: check-stopped; the format has no field", name);
	jpush(r, cards, o);
	record_queues(r, &c, f);
}

static void record_cards(struct rec *r, json_object *ap, struct ap_facts *f)
{
	json_object *cards = jnew(r, json_object_new_array());
	struct ap_mask seen = { 0 };
	struct names nm;
	unsigned int id;

	jset(r, ap, "cards", cards);
	if (list_dir(r, &nm, "devices/ap"))
		return;
	for (size_t i = 0; i < nm.n; i++) {
		char again[16];

		if (sscanf(nm.v[i], "card%2x", &id) != 1)
			continue;
		snprintf(again, sizeof(again), "card%02x", id);
		if (strcmp(again, nm.v[i]) || kind_of(r, "devices/ap/%s", nm.v[i]) != S_IFDIR)
			continue;
		if (f->qci && !ap_mask_test(&f->adapters, id))
			note("%s: not in ap_adapter_mask; the replay adds it", nm.v[i]);
		ap_mask_set(&seen, id);
		record_card(r, cards, nm.v[i], id, f);
	}
	names_free(&nm);
	ap_mask_for_each(id, &f->adapters)
		if (!ap_mask_test(&seen, id))
			note("ap_adapter_mask: adapter %u has no card directory; a fixture has no adapter without a card", id);
}

static int record_ap(struct rec *r)
{
	json_object *ap;
	struct ap_facts f = { 0 };
	char buf[ATTR_MAX];
	bool irq;

	if (!kind_of(r, "bus/ap") && !kind_of(r, "devices/ap"))
		return 0;
	ap = jnew(r, json_object_new_object());
	jset(r, r->doc, "ap", ap);
	record_ap_config(r, ap, &f);
	jset(r, ap, "usage_domains", id_list(r, &f.usage));
	jset(r, ap, "control_domains", id_list(r, &f.control));
	record_ap_mask(r, ap, "apmask", &r->apmask);
	record_ap_mask(r, ap, "aqmask", &r->aqmask);
	if (read_attr(r, buf, sizeof(buf), "bus/ap/features") >= 0 && strlen(buf) < 64)
		jset_str(r, ap, "features", buf);
	else
		note("bus/ap/features: unreadable; the replay shows APXA QACT RC8A");
	if (read_attr(r, buf, sizeof(buf), "bus/ap/ap_interrupts") >= 0 && parse_bool01(buf, &irq))
		jset_bool(r, ap, "interrupts", irq);
	check_ap_tunables(r);
	if (!r->zcrypt)
		note("zcrypt: not loaded; the replay loads it (cex4card, cex4queue)");
	record_cards(r, ap, &f);
	agg_flush(&r->released, "request_count reads - on queues a driver released (history, not state); the replay shows 0");
	agg_flush(&r->mkvps, "mkvps: master-key verification patterns are never read or recorded");
	agg_flush(&r->serialnr, "serialnr: identifying, not read (--keep-ids records it)");
	return 0;
}

/* ---- mdevs ------------------------------------------------------------------- */

static bool parse_hex_span(const char *s, size_t n, unsigned int *out)
{
	char tmp[8];
	unsigned long v;

	if (!n || n >= sizeof(tmp))
		return false;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (!parse_ul(tmp, 16, 255, &v))
		return false;
	*out = (unsigned int)v;
	return true;
}

/* matrix: "05.0004" per APQN, "05." with adapters only, ".0004" with domains only. */
static int parse_matrix(const char *s, struct ap_mask *apm, struct ap_mask *aqm)
{
	while (*s) {
		const char *nl = strchr(s, '\n'), *end = nl ? nl : s + strlen(s);
		const char *dot = memchr(s, '.', (size_t)(end - s));
		unsigned int id;

		if (!dot)
			return -EINVAL;
		if (dot > s) {
			if (!parse_hex_span(s, (size_t)(dot - s), &id))
				return -EINVAL;
			ap_mask_set(apm, id);
		}
		if (end > dot + 1) {
			if (!parse_hex_span(dot + 1, (size_t)(end - dot - 1), &id))
				return -EINVAL;
			ap_mask_set(aqm, id);
		}
		s = nl ? nl + 1 : end;
	}
	return 0;
}

static int parse_id_lines(const char *s, struct ap_mask *m)
{
	while (*s) {
		const char *nl = strchr(s, '\n'), *end = nl ? nl : s + strlen(s);
		unsigned int id;

		if (!parse_hex_span(s, (size_t)(end - s), &id))
			return -EINVAL;
		ap_mask_set(m, id);
		s = nl ? nl + 1 : end;
	}
	return 0;
}

static int record_ap_mdev(struct rec *r, const char *uuid)
{
	struct ap_mask apm = { 0 }, aqm = { 0 }, adm = { 0 };
	json_object *o = jnew(r, json_object_new_object());
	char buf[ATTR_MAX];
	int ret = add_mdev(r, "devices/vfio_ap/matrix", uuid, "matrix", o);

	if (ret)
		return ret;
	if (read_attr(r, buf, sizeof(buf), "devices/vfio_ap/matrix/%s/matrix", uuid) < 0 ||
	    parse_matrix(buf, &apm, &aqm))
		note("mdev %s: matrix unreadable; recorded without adapters and domains", uuid);
	if (read_attr(r, buf, sizeof(buf), "devices/vfio_ap/matrix/%s/control_domains", uuid) < 0 ||
	    parse_id_lines(buf, &adm))
		note("mdev %s: control_domains unreadable; recorded without control domains", uuid);
	jset(r, o, "adapters", id_list(r, &apm));
	jset(r, o, "domains", id_list(r, &aqm));
	jset(r, o, "control_domains", id_list(r, &adm));
	return 0;
}

static int cmp_mdev(const void *a, const void *b)
{
	const struct rec_mdev *x = a, *y = b;

	if ((x->group < 0) != (y->group < 0))
		return x->group < 0 ? 1 : -1;
	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return strcmp(x->uuid, y->uuid);
}

/*
 * simfs gives each new mdev the lowest free iommu group, as the kernel
 * does; creating them in group order reproduces the numbers unless the
 * tree has holes (an mdev removed before a later one was created).
 */
static int record_mdevs(struct rec *r)
{
	json_object *arr;
	struct names nm;
	int ret = 0, expect = 0;

	if (!list_dir(r, &nm, "devices/vfio_ap/matrix")) {
		for (size_t i = 0; !ret && i < nm.n; i++)
			if (is_uuid(nm.v[i]) && kind_of(r, "devices/vfio_ap/matrix/%s", nm.v[i]) == S_IFDIR)
				ret = record_ap_mdev(r, nm.v[i]);
		names_free(&nm);
	}
	if (ret || !r->nr_mdevs)
		return ret;
	qsort(r->mdevs, r->nr_mdevs, sizeof(*r->mdevs), cmp_mdev);
	arr = jnew(r, json_object_new_array());
	jset(r, r->doc, "mdevs", arr);
	for (size_t i = 0; i < r->nr_mdevs; i++) {
		struct rec_mdev *m = &r->mdevs[i];

		if (m->group >= 0 && m->group != expect)
			note("mdev %s: iommu group %d; the replay numbers groups from 0 in this order (%d)",
			     m->uuid, m->group, expect);
		expect += m->group >= 0;
		jpush(r, arr, m->o);
		m->o = NULL;
	}
	return 0;
}

/* ---- the whole tree ------------------------------------------------------------ */

static int record_tree(struct rec *r, const char *root, const char *kernel)
{
	int ret = find_css(r);

	if (ret)
		return ret;
	if (!r->css[0] && !kind_of(r, "bus/css") && !kind_of(r, "bus/ap") && !kind_of(r, "devices/ap")) {
		fprintf(stderr, "simfs record: %s: not an s390 sysfs tree (no devices/css0, bus/css or bus/ap)\n",
			root);
		return -ENODEV;
	}
	r->doc = jnew(r, json_object_new_object());
	jset_str(r, r->doc, "description", "Recorded by simfs record");
	record_kernel(r, root, kernel);
	record_modules(r);
	if (r->css[0])
		ret = record_css(r);
	else
		note("devices/css0: missing; no channel subsystem recorded");
	if (!ret)
		ret = record_ap(r);
	if (!ret)
		ret = record_mdevs(r);
	for (int k = K_SCH; k <= K_QUEUE; k++) {
		char what[96];

		snprintf(what, sizeof(what), "%s attributes simfs does not model, not recorded", kind_name[k]);
		agg_flush(&r->unknown[k], what);
	}
	return ret ? ret : r->err;
}

/*
 * The record must load and build: the same parser and model simfs uses at
 * mount time, so a record that would not mount is caught here.
 */
static int check_record(const char *json, const char *name)
{
	struct topology topo;
	struct sim *sim;
	char err[1024];
	int ret = topology_parse(json, strlen(json), name, &topo, err, sizeof(err));

	if (ret) {
		fprintf(stderr, "simfs record: the record does not load (a bug in simfs record): %s\n", err);
		topology_free(&topo);
		return ret;
	}
	ret = sim_create(&sim, &topo);
	topology_free(&topo);
	if (ret) {
		fprintf(stderr, "simfs record: simfs cannot build the recorded machine (see above)\n");
		return ret;
	}
	sim_destroy(sim);
	return 0;
}

static int write_output(const char *out, const char *json)
{
	FILE *f = out && strcmp(out, "-") ? fopen(out, "we") : stdout;
	int ret = 0;

	if (!f) {
		fprintf(stderr, "simfs record: %s: %s\n", out, strerror(errno));
		return -errno;
	}
	if (fputs(json, f) == EOF || fputc('\n', f) == EOF)
		ret = errno ? -errno : -EIO;
	if ((f == stdout ? fflush(f) : fclose(f)) == EOF && !ret)
		ret = errno ? -errno : -EIO;
	if (ret)
		fprintf(stderr, "simfs record: %s: %s\n", f == stdout ? "stdout" : out, strerror(-ret));
	return ret;
}

/* ---- the command --------------------------------------------------------------- */

struct record_opts {
	const char *sysfs, *out, *kernel;
	bool keep_ids;
};

static void record_usage(FILE *f)
{
	fprintf(f,
		"Usage: simfs record [--sysfs DIR] [-o FILE] [--keep-ids] [--kernel-version V]\n"
		"Write the fixture of the s390x host whose sysfs is at DIR (default: $SYSFS_ROOT, else /sys).\n"
		"\n"
		"  --sysfs DIR               the tree to read: /sys, a simfs mount or a copy of one\n"
		"  -o, --output FILE         write the fixture to FILE (default: stdout)\n"
		"  --keep-ids                keep identifying values (card serial numbers)\n"
		"  -k, --kernel-version V    the kernel the tree comes from (default: the running\n"
		"                            kernel, only when DIR is the live sysfs)\n"
		"  -h, --help                this text\n"
		"\n"
		"What the fixture cannot hold is reported on stderr, one line each.\n");
}

static int record_options(int argc, char **argv, struct record_opts *o)
{
	static const struct option longopts[] = {
		{ "sysfs", required_argument, NULL, 's' },
		{ "output", required_argument, NULL, 'o' },
		{ "keep-ids", no_argument, NULL, 'K' },
		{ "kernel-version", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+o:k:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->sysfs = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'K':
			o->keep_ids = true;
			break;
		case 'k':
			if (!topology_parse_kernel_version(optarg)) {
				fprintf(stderr, "simfs record: --kernel-version: \"%s\" is not a version like 6.12\n",
					optarg);
				return 2;
			}
			o->kernel = optarg;
			break;
		case 'h':
			record_usage(stdout);
			return 1;
		default:
			record_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "simfs record: unexpected argument \"%s\"\n", argv[optind]);
		record_usage(stderr);
		return 2;
	}
	if (!o->sysfs) {
		o->sysfs = getenv("SYSFS_ROOT");
		if (!o->sysfs || !*o->sysfs)
			o->sysfs = "/sys";
	}
	return 0;
}

static void rec_free(struct rec *r)
{
	for (size_t i = 0; i < r->nr_mdevs; i++)
		json_object_put(r->mdevs[i].o);
	free(r->mdevs);
	names_free(&r->ccw_used);
	json_object_put(r->doc);
	if (r->root >= 0)
		close(r->root);
}

int simfs_record_main(int argc, char **argv)
{
	struct record_opts o = { 0 };
	struct rec r = { .root = -1 };
	const char *json;
	int ret = record_options(argc, argv, &o);

	if (ret)
		return ret == 1 ? 0 : 2;
	r.keep_ids = o.keep_ids;
	r.root = open(o.sysfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (r.root < 0) {
		fprintf(stderr, "simfs record: %s: %s\n", o.sysfs, strerror(errno));
		return 1;
	}
	ret = record_tree(&r, o.sysfs, o.kernel);
	if (ret == -ENOMEM)
		fprintf(stderr, "simfs record: out of memory\n");
	else if (ret && ret != -ENODEV)
		fprintf(stderr, "simfs record: %s: %s\n", o.sysfs, strerror(-ret));
	if (ret)
		goto out;
	json = json_object_to_json_string_ext(r.doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!json) {
		ret = -ENOMEM;
		fprintf(stderr, "simfs record: out of memory\n");
		goto out;
	}
	ret = check_record(json, o.out && strcmp(o.out, "-") ? o.out : "record");
	/* Written even when it does not build, so that it can be read and mended. */
	if (write_output(o.out, json) && !ret)
		ret = -EIO;
out:
	rec_free(&r);
	return ret ? 1 : 0;
}
