// SPDX-License-Identifier: MIT
/*
 * Fixture JSON -> struct topology, refusing anything it does not
 * understand: unknown keys, wrong types, malformed or duplicate ids, values
 * out of range.  Every message names the source and the field's path.
 */
#include "topology.h"

#include "config.h"
#include "driver_core.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The built-in default topology: fixtures/default.json, compiled in. */
extern const char simfs_default_topology[];
extern const size_t simfs_default_topology_len;

struct ctx {
	const char *source;
	char *err;
	size_t errlen;
	char path[256];
};

static int fail(struct ctx *c, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct ctx *c, const char *field, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "%s: %s%s%s%s%s", c->source, c->path,
		 *c->path && field ? "." : "", field ? field : "", *c->path || field ? ": " : "", msg);
	/* One line, whatever a fixture's keys and strings hold (found by fuzz_topology). */
	for (char *p = c->err; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return -EINVAL;
}

/* Scoped path for messages: push a component, pop it by restoring the length. */
static size_t push(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static size_t push(struct ctx *c, const char *fmt, ...)
{
	size_t old = strlen(c->path);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->path + old, sizeof(c->path) - old, fmt, ap);
	va_end(ap);
	return old;
}

static void pop(struct ctx *c, size_t old)
{
	c->path[old] = '\0';
}

static int check_keys(struct ctx *c, json_object *obj, const char *const *allowed)
{
	if (!json_object_is_type(obj, json_type_object))
		return fail(c, NULL, "expected an object");
	json_object_object_foreach(obj, key, val) {
		const char *const *a;

		(void)val;
		for (a = allowed; *a; a++)
			if (!strcmp(*a, key))
				break;
		if (!*a)
			return fail(c, key, "unknown key");
	}
	return 0;
}

static int get_bool(struct ctx *c, json_object *obj, const char *key, bool *out)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return fail(c, key, "expected true or false");
	*out = json_object_get_boolean(v);
	return 0;
}

static int get_uint(struct ctx *c, json_object *obj, const char *key, unsigned int max,
		    unsigned int *out)
{
	json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(obj, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return fail(c, key, "expected an integer");
	n = json_object_get_int64(v);
	if (n < 0 || n > max)
		return fail(c, key, "%lld is out of range 0..%u", (long long)n, max);
	*out = (unsigned int)n;
	return 0;
}

static int get_string(struct ctx *c, json_object *obj, const char *key, const char **out)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return fail(c, key, "expected a string");
	*out = json_object_get_string(v);
	return 0;
}

/* Exactly @digits hex digits, e.g. "40", "c0", "3390". */
static int parse_hex(const char *s, unsigned int digits, unsigned int *out)
{
	unsigned int v = 0;

	if (strlen(s) != digits)
		return -EINVAL;
	for (; *s; s++) {
		int d = (*s >= '0' && *s <= '9') ? *s - '0' :
			(*s >= 'a' && *s <= 'f') ? *s - 'a' + 10 :
			(*s >= 'A' && *s <= 'F') ? *s - 'A' + 10 : -1;
		if (d < 0)
			return -EINVAL;
		v = v * 16 + (unsigned int)d;
	}
	*out = v;
	return 0;
}

static int get_hex(struct ctx *c, json_object *obj, const char *key, unsigned int digits,
		   unsigned int *out)
{
	const char *s = NULL;
	int err = get_string(c, obj, key, &s);

	if (err || !s)
		return err;
	if (parse_hex(s, digits, out))
		return fail(c, key, "\"%s\" is not %u hex digits", s, digits);
	return 0;
}

/* "3390/0c" */
static int get_type_model(struct ctx *c, json_object *obj, const char *key, uint16_t *type,
			  uint8_t *model)
{
	const char *s = NULL;
	unsigned int t, m;
	char tbuf[5];
	int err = get_string(c, obj, key, &s);

	if (err || !s)
		return err;
	if (!strcmp(s, "n/a")) {
		*type = 0;
		*model = 0;
		return 0;
	}
	if (strlen(s) != 7 || s[4] != '/')
		return fail(c, key, "\"%s\" is not TTTT/MM", s);
	memcpy(tbuf, s, 4);
	tbuf[4] = '\0';
	if (parse_hex(tbuf, 4, &t) || parse_hex(s + 5, 2, &m))
		return fail(c, key, "\"%s\" is not TTTT/MM in hex", s);
	*type = (uint16_t)t;
	*model = (uint8_t)m;
	return 0;
}

static int get_id_list(struct ctx *c, json_object *obj, const char *key, unsigned int max,
		       struct ap_mask *out)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return fail(c, key, "expected an array of ids");
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		json_object *e = json_object_array_get_idx(v, i);
		int64_t n;

		if (!json_object_is_type(e, json_type_int))
			return fail(c, key, "element %zu is not an integer", i);
		n = json_object_get_int64(e);
		if (n < 0 || n > max)
			return fail(c, key, "id %lld is out of range 0..%u", (long long)n, max);
		if (ap_mask_test(out, (unsigned int)n))
			return fail(c, key, "id %lld is listed twice", (long long)n);
		ap_mask_set(out, (unsigned int)n);
	}
	return 0;
}

static int get_mask(struct ctx *c, json_object *obj, const char *key, struct ap_mask *out)
{
	const char *s = NULL;
	int err = get_string(c, obj, key, &s);

	if (err || !s)
		return err;
	if (ap_parse_hex_field(s, strlen(s), out))
		return fail(c, key, "\"%s\" is not a mask (0x and up to 64 hex digits)", s);
	return 0;
}

/* ---- css ------------------------------------------------------------------ */

static int parse_chp(struct ctx *c, json_object *o, struct topo_chp *chp)
{
	static const char *const keys[] = { "id", "type", "online", "configure", NULL };
	unsigned int v;
	int err = check_keys(c, o, keys);

	chp->online = true;
	chp->configure = -1;
	if (err)
		return err;
	if (!json_object_object_get_ex(o, "id", NULL))
		return fail(c, "id", "missing");
	if ((err = get_hex(c, o, "id", 2, &v)))
		return err;
	chp->id = (uint8_t)v;
	v = 0x32;
	if ((err = get_hex(c, o, "type", 2, &v)))
		return err;
	chp->type = (uint8_t)v;
	if ((err = get_bool(c, o, "online", &chp->online)))
		return err;
	v = 2;
	if ((err = get_uint(c, o, "configure", 1, &v)))
		return err;
	if (v != 2)
		chp->configure = (int)v;
	return 0;
}

/* "virtio": {"driver": "virtio_blk", "features": "0010..."} below a virtio_ccw device. */
static int parse_virtio(struct ctx *c, json_object *o, struct ccw_device_id_info *id)
{
	static const char *const keys[] = { "driver", "features", NULL };
	const char *drv = NULL, *f = NULL;
	json_object *v;
	size_t old;
	int err;

	if (!json_object_object_get_ex(o, "virtio", &v))
		return 0;
	if (strcmp(id->driver, "virtio_ccw"))
		return fail(c, "virtio", "only a device driven by virtio_ccw has a virtio device");
	old = push(c, ".virtio");
	err = check_keys(c, v, keys);
	if (!err)
		err = get_string(c, v, "driver", &drv);
	if (!err)
		err = get_string(c, v, "features", &f);
	if (!err && drv && (!*drv || strlen(drv) >= sizeof(id->virtio_driver) || strchr(drv, '/') ||
			    drv[0] == '.'))
		err = fail(c, "driver", "\"%s\" is not a driver name", drv);
	if (!err && f && (strlen(f) != 64 || strspn(f, "01") != 64))
		err = fail(c, "features", "expected 64 characters, each 0 or 1");
	if (!err && f && !drv)
		err = fail(c, "features", "only a device with a driver has negotiated features");
	pop(c, old);
	if (err)
		return err;
	snprintf(id->virtio_driver, sizeof(id->virtio_driver), "%s", drv ? drv : "");
	snprintf(id->virtio_features, sizeof(id->virtio_features), "%s", f ? f : "");
	return 0;
}

static int parse_device(struct ctx *c, json_object *o, struct ccw_device_id_info *id)
{
	static const char *const keys[] = {
		"devno", "cutype", "devtype", "driver", "online", "auto_online", "availability", "virtio",
		NULL,
	};
	static const char *const avail[] = { "good", "boxed", "no path", "no device" };
	const char *s = NULL, *drv = "dasd-eckd";
	unsigned int cssid, ssid, devno;
	int err = check_keys(c, o, keys);

	if (err)
		return err;
	id->present = true;
	if ((err = get_string(c, o, "devno", &s)))
		return err;
	if (!s)
		return fail(c, "devno", "missing");
	if (ccw_busid_parse(s, &cssid, &ssid, &devno))
		return fail(c, "devno", "\"%s\" is not a device bus id like 0.0.2b09", s);
	id->devno = devno;
	if (!json_object_object_get_ex(o, "cutype", NULL))
		return fail(c, "cutype", "missing");
	if ((err = get_type_model(c, o, "cutype", &id->cu_type, &id->cu_model)) ||
	    (err = get_type_model(c, o, "devtype", &id->dev_type, &id->dev_model)) ||
	    (err = get_string(c, o, "driver", &drv)) ||
	    (err = get_bool(c, o, "online", &id->online)) ||
	    (err = get_bool(c, o, "auto_online", &id->auto_online)))
		return err;
	/* It names a directory under bus/ccw/drivers (a '/' broke the tree; found by fuzz_topology). */
	if (!*drv || strlen(drv) >= sizeof(id->driver) || strchr(drv, '/') || !strcmp(drv, ".") ||
	    !strcmp(drv, ".."))
		return fail(c, "driver", "\"%s\" is not a driver name", drv);
	/* "none": no ccw driver takes the device, so nothing can set it online. */
	if (!strcmp(drv, "none") && (id->online || id->auto_online))
		return fail(c, id->online ? "online" : "auto_online", "a device without a driver cannot be online");
	snprintf(id->driver, sizeof(id->driver), "%s", drv);
	err = parse_virtio(c, o, id);
	if (err)
		return err;
	s = NULL;
	if ((err = get_string(c, o, "availability", &s)))
		return err;
	id->availability = CCW_AVAIL_GOOD;
	if (s) {
		size_t i;

		for (i = 0; i < 4 && strcmp(s, avail[i]); i++)
			;
		if (i == 4)
			return fail(c, "availability", "\"%s\" is not good, boxed, no path or no device", s);
		id->availability = (enum ccw_availability)i;
	}
	return 0;
}

static int parse_sch(struct ctx *c, json_object *o, struct topology *topo, struct topo_sch *sch)
{
	static const char *const keys[] = {
		"schid", "count", "type", "qdio", "chpids", "pim", "pam", "pom", "device", "driver",
		"driver_override", NULL,
	};
	const char *s = NULL, *drv = "io_subchannel";
	unsigned int cssid, v, st = 0;
	json_object *chpids, *dev;
	int err = check_keys(c, o, keys);

	if (err)
		return err;
	if ((err = get_string(c, o, "schid", &s)))
		return err;
	if (!s)
		return fail(c, "schid", "missing");
	if (ccw_busid_parse(s, &cssid, &sch->ssid, &sch->sch_no) || cssid != topo->cssid)
		return fail(c, "schid", "\"%s\" is not a subchannel id like %x.0.0313", s, topo->cssid);
	if ((err = get_uint(c, o, "type", 3, &st)) || (err = get_bool(c, o, "qdio", &sch->qdio)))
		return err;
	sch->st = (enum sch_type)st;
	if (json_object_object_get_ex(o, "chpids", &chpids)) {
		size_t n;

		if (!json_object_is_type(chpids, json_type_array) ||
		    (n = json_object_array_length(chpids)) > 8)
			return fail(c, "chpids", "expected an array of at most 8 chpids");
		for (size_t i = 0; i < n; i++) {
			json_object *e = json_object_array_get_idx(chpids, i);

			if (!json_object_is_type(e, json_type_string) ||
			    parse_hex(json_object_get_string(e), 2, &v))
				return fail(c, "chpids", "element %zu is not a 2-digit hex chpid", i);
			sch->chpid[i] = (uint8_t)v;
			sch->pim |= (uint8_t)(0x80 >> i);
		}
	}
	sch->pam = sch->pim;
	sch->pom = 0xff;
	v = sch->pim;
	if ((err = get_hex(c, o, "pim", 2, &v)))
		return err;
	sch->pim = (uint8_t)v;
	v = sch->pam;
	if ((err = get_hex(c, o, "pam", 2, &v)))
		return err;
	sch->pam = (uint8_t)v;
	v = sch->pom;
	if ((err = get_hex(c, o, "pom", 2, &v)))
		return err;
	sch->pom = (uint8_t)v;
	for (int i = 0; i < 8; i++) {
		bool used = false;

		if (!(sch->pim & (0x80 >> i)))
			continue;
		for (unsigned int k = 0; k < topo->nr_chps; k++)
			used |= topo->chps[k].id == sch->chpid[i];
		if (!used)
			return fail(c, "chpids", "chpid %02x is not in css.chpids", sch->chpid[i]);
	}
	if (json_object_object_get_ex(o, "device", &dev)) {
		size_t old = push(c, ".device");

		err = parse_device(c, dev, &sch->dev);
		pop(c, old);
		if (err)
			return err;
		if (sch->st != SUBCHANNEL_TYPE_IO)
			return fail(c, "device", "only I/O subchannels (type 0) have a ccw device");
	}
	if ((err = get_string(c, o, "driver", &drv)))
		return err;
	if (strcmp(drv, "io_subchannel") && strcmp(drv, "vfio_ccw") && strcmp(drv, "none"))
		return fail(c, "driver", "\"%s\" is not io_subchannel, vfio_ccw or none", drv);
	snprintf(sch->driver, sizeof(sch->driver), "%s", strcmp(drv, "none") ? drv : "");
	s = NULL;
	if ((err = get_string(c, o, "driver_override", &s)))
		return err;
	if (s && !(sch->driver_override = strdup(s)))
		return -ENOMEM;
	return 0;
}

/*
 * Drivers that exist without a device naming them: css.ccw_drivers (dasd-fba
 * on most hosts) and css.virtio_drivers.
 */
static int parse_driver_list(struct ctx *c, json_object *arr, const char *key, char (**list)[32],
			     unsigned int *nr)
{
	size_t n;

	if (!json_object_is_type(arr, json_type_array))
		return fail(c, key, "expected an array of driver names");
	n = json_object_array_length(arr);
	*list = calloc(n ? n : 1, sizeof(**list));
	if (!*list)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		const char *s;

		if (!json_object_is_type(e, json_type_string))
			return fail(c, key, "element %zu is not a string", i);
		s = json_object_get_string(e);
		if (!*s || strlen(s) >= sizeof(**list) || !strcmp(s, "none") || strchr(s, '/') || *s == '.')
			return fail(c, key, "\"%s\" is not a driver name", s);
		for (unsigned int k = 0; k < *nr; k++)
			if (!strcmp((*list)[k], s))
				return fail(c, key, "%s is listed twice", s);
		snprintf((*list)[(*nr)++], sizeof(**list), "%s", s);
	}
	return 0;
}

/*
 * "count": N makes one entry stand for N subchannels numbered on from its
 * schid, their devices numbered on from its devno: a whole LPAR in a line.
 */
static int get_count(struct ctx *c, json_object *o, unsigned int cssid, const struct topo_sch *sch,
		     unsigned int *count)
{
	unsigned int n = 1;
	int err = get_uint(c, o, "count", 65536, &n);

	if (err)
		return err;
	if (!n)
		return fail(c, "count", "0 is out of range 1..65536");
	if (sch->sch_no + (n - 1) > 0xffff)
		return fail(c, "count", "%u subchannels from %x.%x.%04x run past %x.%x.ffff", n,
			    cssid, sch->ssid, sch->sch_no, cssid, sch->ssid);
	if (sch->dev.present && sch->dev.devno + (n - 1) > 0xffff)
		return fail(c, "count", "%u devices from %x.%x.%04x run past %x.%x.ffff", n,
			    cssid, sch->ssid, sch->dev.devno, cssid, sch->ssid);
	*count = n;
	return 0;
}

/* The @k-th subchannel of a counted entry: ids moved on by @k, its own override copy. */
static int clone_sch(const struct topo_sch *first, unsigned int k, struct topo_sch *sch)
{
	*sch = *first;
	sch->sch_no += k;
	sch->dev.devno += k;
	sch->driver_override = NULL;
	if (first->driver_override && !(sch->driver_override = strdup(first->driver_override)))
		return -ENOMEM;
	return 0;
}

/*
 * Grow topo->schs to hold @need entries, the new ones zeroed: parse_sch()
 * fills in only what an entry says.  Duplicates never pass the bitmaps, so
 * the array stops near 4 x 65536 however large the counts.
 */
static int reserve_schs(struct topology *topo, size_t *cap, size_t need)
{
	struct topo_sch *schs;
	size_t ncap = *cap;

	if (need <= ncap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	schs = realloc(topo->schs, ncap * sizeof(*schs));
	if (!schs)
		return -ENOMEM;
	memset(schs + *cap, 0, (ncap - *cap) * sizeof(*schs));
	topo->schs = schs;
	*cap = ncap;
	return 0;
}

static int parse_subchannels(struct ctx *c, json_object *arr, struct topology *topo)
{
	/* One bit per (ssid, number): duplicates found in linear time, 4 x 65536 ids. */
	uint8_t *seen_sch, *seen_dev;
	size_t n, cap;
	int err = 0;

	if (!json_object_is_type(arr, json_type_array))
		return fail(c, "subchannels", "expected an array");
	n = json_object_array_length(arr);
	cap = n ? n : 1;
	topo->schs = calloc(cap, sizeof(*topo->schs));
	seen_sch = calloc(2, 4 * 65536 / 8);
	if (!topo->schs || !seen_sch) {
		free(seen_sch);
		return -ENOMEM;
	}
	seen_dev = seen_sch + 4 * 65536 / 8;
	for (size_t i = 0; i < n && !err; i++) {
		json_object *o = json_object_array_get_idx(arr, i);
		size_t old = push(c, ".subchannels[%zu]", i);
		struct topo_sch *first = &topo->schs[topo->nr_schs];
		unsigned int count = 1;

		err = parse_sch(c, o, topo, first);
		topo->nr_schs++;	/* freed with the topology even when refused */
		if (!err)
			err = get_count(c, o, topo->cssid, first, &count);
		/* Room for these and a slot for every entry still to come. */
		if (!err)
			err = reserve_schs(topo, &cap, topo->nr_schs - 1 + count + (n - 1 - i));
		first = &topo->schs[topo->nr_schs - 1];
		for (unsigned int k = 0; !err && k < count; k++) {
			struct topo_sch *sch = k ? &topo->schs[topo->nr_schs++] : first;
			unsigned int sbit, dbit;

			if (k && (err = clone_sch(first, k, sch)))
				break;
			sbit = sch->ssid * 65536 + sch->sch_no;
			dbit = sch->ssid * 65536 + sch->dev.devno;
			if (seen_sch[sbit / 8] & (1u << (sbit % 8)))
				err = fail(c, "schid", "subchannel %x.%x.%04x listed twice", topo->cssid, sch->ssid,
					   sch->sch_no);
			else if (sch->dev.present && (seen_dev[dbit / 8] & (1u << (dbit % 8))))
				err = fail(c, "device.devno", "device number %x.%x.%04x used twice", topo->cssid,
					   sch->ssid, sch->dev.devno);
			else {
				seen_sch[sbit / 8] |= (uint8_t)(1u << (sbit % 8));
				if (sch->dev.present)
					seen_dev[dbit / 8] |= (uint8_t)(1u << (dbit % 8));
			}
		}
		pop(c, old);
	}
	free(seen_sch);
	return err;
}

static int parse_css(struct ctx *c, json_object *o, struct topology *topo)
{
	static const char *const keys[] = {
		"cssid", "real_cssid", "logging", "chpids", "subchannels", "ccw_drivers", "virtio_drivers",
		NULL,
	};
	json_object *arr;
	unsigned int v = 0xffffffff;
	int err = check_keys(c, o, keys);

	if (err || (err = get_uint(c, o, "cssid", 0xfe, &topo->cssid)) ||
	    (err = get_uint(c, o, "real_cssid", 0xfe, &v)) ||
	    (err = get_bool(c, o, "logging", &topo->logging_supported)))
		return err;
	topo->real_cssid = v == 0xffffffff ? -1 : (int)v;
	if (json_object_object_get_ex(o, "virtio_drivers", &arr) &&
	    (err = parse_driver_list(c, arr, "virtio_drivers", &topo->virtio_drivers, &topo->nr_virtio_drivers)))
		return err;
	if (json_object_object_get_ex(o, "ccw_drivers", &arr) &&
	    (err = parse_driver_list(c, arr, "ccw_drivers", &topo->ccw_drivers, &topo->nr_ccw_drivers)))
		return err;

	if (json_object_object_get_ex(o, "chpids", &arr)) {
		size_t n;

		if (!json_object_is_type(arr, json_type_array))
			return fail(c, "chpids", "expected an array");
		n = json_object_array_length(arr);
		topo->chps = calloc(n ? n : 1, sizeof(*topo->chps));
		if (!topo->chps)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++) {
			size_t old = push(c, ".chpids[%zu]", i);

			err = parse_chp(c, json_object_array_get_idx(arr, i), &topo->chps[i]);
			for (unsigned int k = 0; !err && k < topo->nr_chps; k++)
				if (topo->chps[k].id == topo->chps[i].id)
					err = fail(c, "id", "chpid %02x is listed twice", topo->chps[i].id);
			pop(c, old);
			if (err)
				return err;
			topo->nr_chps++;
		}
	}
	if (json_object_object_get_ex(o, "subchannels", &arr))
		return parse_subchannels(c, arr, topo);
	return 0;
}

/* ---- ap ------------------------------------------------------------------- */

/* "CEX7C": generation 4..8 -> hwtype 10..14; A(ccelerator), C(CA), P (EP11). */
static int parse_card(struct ctx *c, json_object *o, const struct topo_ap *ap, struct topo_card *card)
{
	static const char *const keys[] = {
		"id", "type", "functions", "depth", "max_msg_size", "config", "online", "raw_hwtype",
		"serialnr", NULL,
	};
	const char *type = NULL, *fn = NULL, *serial = NULL;
	int err = check_keys(c, o, keys);

	if (err)
		return err;
	if (!json_object_object_get_ex(o, "id", NULL))
		return fail(c, "id", "missing");
	if ((err = get_uint(c, o, "id", ap->max_adapter_id, &card->id)) ||
	    (err = get_string(c, o, "type", &type)))
		return err;
	if (!type)
		return fail(c, "type", "missing");
	if (strlen(type) != 5 || strncmp(type, "CEX", 3) || type[3] < '4' || type[3] > '8' ||
	    !strchr("ACP", type[4]))
		return fail(c, "type", "\"%s\" is not CEX4..CEX8 followed by A, C or P", type);
	snprintf(card->type, sizeof(card->type), "%s", type);
	card->hwtype = (unsigned int)(type[3] - '4') + 10;
	card->raw_hwtype = card->hwtype;
	card->mode = type[4];
	/* MEX4K, CRT4K, then the mode's function bit, then APXA. */
	card->functions = 0x60000000u | 0x02000000u |
		(card->mode == 'C' ? 0x10000000u : card->mode == 'A' ? 0x08000000u : 0x04000000u);
	card->depth = 8;
	card->max_msg_size = 12288;
	card->config = true;
	card->online = true;
	if ((err = get_string(c, o, "functions", &fn)))
		return err;
	if (fn) {
		char *end;
		unsigned long v = strtoul(fn, &end, 16);

		if (strncmp(fn, "0x", 2) || *end || v > 0xffffffffu)
			return fail(c, "functions", "\"%s\" is not 0x followed by 8 hex digits", fn);
		card->functions = (uint32_t)v;
	}
	if ((err = get_uint(c, o, "depth", 255, &card->depth)) ||
	    (err = get_uint(c, o, "max_msg_size", 1u << 24, &card->max_msg_size)) ||
	    (err = get_uint(c, o, "raw_hwtype", 255, &card->raw_hwtype)) ||
	    (err = get_bool(c, o, "config", &card->config)) ||
	    (err = get_bool(c, o, "online", &card->online)) ||
	    (err = get_string(c, o, "serialnr", &serial)))
		return err;
	if (serial) {
		size_t n = 0;

		while (serial[n] > ' ' && serial[n] <= '~')
			n++;
		if (!n || serial[n] || n >= sizeof(card->serialnr))
			return fail(c, "serialnr", "\"%s\" is not 1 to 16 printable characters", serial);
		snprintf(card->serialnr, sizeof(card->serialnr), "%s", serial);
	}
	return 0;
}

static int parse_ap(struct ctx *c, json_object *o, struct topo_ap *ap)
{
	static const char *const keys[] = {
		"max_adapter_id", "max_domain_id", "domain", "usage_domains", "control_domains",
		"apmask", "aqmask", "features", "interrupts", "cards", NULL,
	};
	const char *features = "APXA QACT RC8A";
	unsigned int domain = 0xffffffff;
	json_object *arr;
	int err = check_keys(c, o, keys);

	if (err)
		return err;
	ap->present = true;
	ap->max_adapter_id = 255;
	ap->max_domain_id = 255;
	ap_mask_fill(&ap->apmask);
	ap_mask_fill(&ap->aqmask);
	if ((err = get_uint(c, o, "max_adapter_id", 255, &ap->max_adapter_id)) ||
	    (err = get_uint(c, o, "max_domain_id", 255, &ap->max_domain_id)) ||
	    (err = get_id_list(c, o, "usage_domains", ap->max_domain_id, &ap->usage_domains)) ||
	    (err = get_id_list(c, o, "control_domains", ap->max_domain_id, &ap->control_domains)) ||
	    (err = get_mask(c, o, "apmask", &ap->apmask)) ||
	    (err = get_mask(c, o, "aqmask", &ap->aqmask)) ||
	    (err = get_string(c, o, "features", &features)) ||
	    (err = get_bool(c, o, "interrupts", &ap->interrupts)) ||
	    (err = get_uint(c, o, "domain", ap->max_domain_id, &domain)))
		return err;
	if (!json_object_object_get_ex(o, "control_domains", NULL))
		ap->control_domains = ap->usage_domains;
	if (strlen(features) >= sizeof(ap->features))
		return fail(c, "features", "too long");
	snprintf(ap->features, sizeof(ap->features), "%s", features);
	/*
	 * No check against the masks: ap_domain_store() wants the domain in
	 * aqmask, but aqmask may change afterwards, so any domain up to the
	 * maximum is a state a host can be in.
	 */
	/* The AP bus picks the first usage domain when none is set. */
	ap->domain = domain != 0xffffffff ? (int)domain :
		ap_mask_next(&ap->usage_domains, 0) < AP_MASK_BITS ?
		(int)ap_mask_next(&ap->usage_domains, 0) : -1;

	if (json_object_object_get_ex(o, "cards", &arr)) {
		size_t n;

		if (!json_object_is_type(arr, json_type_array))
			return fail(c, "cards", "expected an array");
		n = json_object_array_length(arr);
		ap->cards = calloc(n ? n : 1, sizeof(*ap->cards));
		if (!ap->cards)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++) {
			size_t old = push(c, ".cards[%zu]", i);

			err = parse_card(c, json_object_array_get_idx(arr, i), ap, &ap->cards[i]);
			for (unsigned int k = 0; !err && k < ap->nr_cards; k++)
				if (ap->cards[k].id == ap->cards[i].id)
					err = fail(c, "id", "card %02x is listed twice", ap->cards[i].id);
			pop(c, old);
			if (err)
				return err;
			ap->nr_cards++;
		}
	}
	return 0;
}

/* ---- mdevs ---------------------------------------------------------------- */

static int parse_mdev(struct ctx *c, json_object *o, const struct topology *topo,
		      struct topo_mdev *m)
{
	static const char *const keys[] = {
		"uuid", "parent", "adapters", "domains", "control_domains", NULL,
	};
	const char *s = NULL;
	int err = check_keys(c, o, keys);

	if (err || (err = get_string(c, o, "uuid", &s)))
		return err;
	if (!s || strlen(s) != 36 || uuid_parse_36(s, 36, m->uuid))
		return fail(c, "uuid", "missing or not a UUID");
	s = NULL;
	if ((err = get_string(c, o, "parent", &s)))
		return err;
	if (!s || strlen(s) >= sizeof(m->parent))
		return fail(c, "parent", "missing or too long");
	snprintf(m->parent, sizeof(m->parent), "%s", s);
	if ((err = get_id_list(c, o, "adapters", topo->ap.max_adapter_id, &m->adapters)) ||
	    (err = get_id_list(c, o, "domains", topo->ap.max_domain_id, &m->domains)) ||
	    (err = get_id_list(c, o, "control_domains", topo->ap.max_domain_id, &m->control_domains)))
		return err;
	return 0;
}

unsigned int topology_parse_kernel_version(const char *s)
{
	unsigned int v[3] = { 0, 0, 0 }, i;

	/*
	 * Digits, a dot, digits, and optionally a dot and digits: nothing else
	 * (sscanf() let "6.12.1.1", "6.12.1abc", " 6.12" and "+6.12" through;
	 * found by tests/simfs/test_bad_input.py).
	 */
	for (i = 0; i < 3; i++) {
		if (*s < '0' || *s > '9')
			return 0;
		while (*s >= '0' && *s <= '9') {
			v[i] = v[i] * 10 + (unsigned int)(*s++ - '0');
			if (v[i] > 255)
				return 0;
		}
		if (!*s && i >= 1)
			break;
		if (*s++ != '.')
			return 0;
	}
	if (i == 3 || v[0] < 4 || v[0] > 9)
		return 0;
	return KERNEL_VERSION(v[0], v[1], v[2]);
}

int topology_parse(const char *json, size_t len, const char *source, struct topology *topo,
		   char *err, size_t errlen)
{
	static const char *const keys[] = {
		"description", "kernel", "modules", "css", "ap", "mdevs", NULL,
	};
	struct ctx c = { .source = source, .err = err, .errlen = errlen };
	enum json_tokener_error jerr;
	json_tokener *tok;
	json_object *root = NULL, *o;
	const char *s = NULL;
	size_t end;
	int ret;

	memset(topo, 0, sizeof(*topo));
	topo->kernel_version = KERNEL_VERSION(6, 12, 0);
	topo->real_cssid = -1;
	topo->vfio_ccw = topo->vfio_ap = true;
	topo->source = strdup(source);
	if (!topo->source)
		return -ENOMEM;

	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, json, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	/*
	 * json-c waits for more after a bare number or literal, or a cut-off
	 * document ("continue"): tell it the input ended (a NUL does).
	 */
	if (!root && jerr == json_tokener_continue) {
		root = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
		end = len;
	}
	if (jerr != json_tokener_success || end < len) {
		size_t off = end;
		int line = 1;

		for (size_t i = 0; i < off && i < len; i++)
			line += json[i] == '\n';
		snprintf(err, errlen, "%s: line %d: not valid JSON: %s", source, line,
			 root && jerr == json_tokener_success ? "trailing data" :
			 json_tokener_error_desc(jerr));
		json_tokener_free(tok);
		json_object_put(root);
		return -EINVAL;
	}
	json_tokener_free(tok);

	ret = check_keys(&c, root, keys);
	if (!ret && (ret = get_string(&c, root, "description", &s)) == 0 &&
	    (ret = get_string(&c, root, "kernel", &s)) == 0 && json_object_object_get_ex(root, "kernel", NULL)) {
		topo->kernel_version = topology_parse_kernel_version(s);
		if (!topo->kernel_version)
			ret = fail(&c, "kernel", "\"%s\" is not a kernel version like 6.12", s);
	}
	if (!ret && json_object_object_get_ex(root, "modules", &o)) {
		static const char *const mkeys[] = { "vfio_ccw", "vfio_ap", NULL };
		size_t old = push(&c, "modules");

		ret = check_keys(&c, o, mkeys);
		if (!ret)
			ret = get_bool(&c, o, "vfio_ccw", &topo->vfio_ccw);
		if (!ret)
			ret = get_bool(&c, o, "vfio_ap", &topo->vfio_ap);
		pop(&c, old);
	}
	if (!ret && json_object_object_get_ex(root, "css", &o)) {
		size_t old = push(&c, "css");

		ret = parse_css(&c, o, topo);
		pop(&c, old);
	}
	if (!ret && json_object_object_get_ex(root, "ap", &o)) {
		size_t old = push(&c, "ap");

		ret = parse_ap(&c, o, &topo->ap);
		pop(&c, old);
	}
	if (!ret && json_object_object_get_ex(root, "mdevs", &o)) {
		size_t n;

		if (!json_object_is_type(o, json_type_array)) {
			ret = fail(&c, "mdevs", "expected an array");
		} else {
			n = json_object_array_length(o);
			topo->mdevs = calloc(n ? n : 1, sizeof(*topo->mdevs));
			if (!topo->mdevs)
				ret = -ENOMEM;
			for (size_t i = 0; !ret && i < n; i++) {
				size_t old = push(&c, "mdevs[%zu]", i);

				ret = parse_mdev(&c, json_object_array_get_idx(o, i), topo, &topo->mdevs[i]);
				pop(&c, old);
				topo->nr_mdevs += !ret;
			}
		}
	}
	json_object_put(root);
	if (ret == -ENOMEM)
		snprintf(err, errlen, "%s: out of memory", source);
	return ret;
}

int topology_load_file(const char *path, struct topology *topo, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int ret;

	memset(topo, 0, sizeof(*topo));
	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	for (;;) {
		size_t n;

		if (len + 4096 > cap) {
			char *nb;

			/* (">" let a file grow to 128 MiB; found by tests/simfs/test_bad_input.py) */
			if (cap >= (64u << 20)) {
				fclose(f);
				free(buf);
				snprintf(err, errlen, "%s: larger than 64 MiB", path);
				return -EFBIG;
			}
			nb = realloc(buf, cap = cap ? cap * 2 : 65536);
			if (!nb) {
				fclose(f);
				free(buf);
				snprintf(err, errlen, "%s: out of memory", path);
				return -ENOMEM;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	ret = ferror(f) ? -(errno ? errno : EIO) : 0;
	fclose(f);
	if (ret)
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
	else
		ret = topology_parse(buf, len, path, topo, err, errlen);
	free(buf);
	if (ret)
		topology_free(topo);
	return ret;
}

int topology_load_default(struct topology *topo, char *err, size_t errlen)
{
	int ret = topology_parse(simfs_default_topology, simfs_default_topology_len, "default",
				 topo, err, errlen);

	if (ret)
		topology_free(topo);
	return ret;
}

void topology_free(struct topology *topo)
{
	for (unsigned int i = 0; i < topo->nr_schs; i++)
		free(topo->schs[i].driver_override);
	free(topo->schs);
	free(topo->ccw_drivers);
	free(topo->virtio_drivers);
	free(topo->chps);
	free(topo->ap.cards);
	free(topo->mdevs);
	free(topo->source);
	memset(topo, 0, sizeof(*topo));
}

const char *topology_find(const char *arg, char *buf, size_t size, char *err, size_t errlen)
{
	size_t len = strlen(arg);
	const char *ext = len > 5 && !strcmp(arg + len - 5, ".json") ? "" : ".json";
	int n;

	if (!len || strchr(arg, '/') || !access(arg, F_OK) || errno != ENOENT)
		return arg;
	n = snprintf(buf, size, "%s/%s%s", FIXTURES_DATADIR, arg, ext);
	if (n > 0 && (size_t)n < size && !access(buf, F_OK))
		return buf;
	snprintf(err, errlen, "%s: no such file, and no installed fixture %s/%s%s", arg,
		 FIXTURES_DATADIR, arg, ext);
	return NULL;
}
