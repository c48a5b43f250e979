// SPDX-License-Identifier: MIT
/*
 * The invariant checker (see invariants.h).  It reads the model the way a
 * reader of /sys does -- shows and link targets -- and parses what it reads
 * with its own small parsers.
 */
#include "invariants.h"

#include "driver_core.h"
#include "kernfs.h"
#include "sim.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct inv_stats inv_last_stats;

/* Maximum instances per mdev type, by type directory name (the parent's own limit). */
static const struct {
	const char *type;
	unsigned long max;
} type_max[] = {
	{ "vfio_ap-passthrough", 65536 },	/* MAX_ZDEV_ENTRIES_EXT */
	{ "vfio_ccw-io", 1 },			/* one mdev per subchannel */
};

struct ctx {
	struct sim *sim;
	struct kernfs_root *kr;
	char *why;
	size_t whylen;
	bool failed;
	char *page;		/* page_buffer() */
};

static void fail(struct ctx *c, const struct kn *kn, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(struct ctx *c, const struct kn *kn, const char *fmt, ...)
{
	char path[1024] = "";
	size_t n;
	va_list ap;

	if (c->failed)
		return;
	c->failed = true;
	if (kn && kernfs_path(kn, path, sizeof(path)) < 0)
		snprintf(path, sizeof(path), "(path too long)");
	n = (size_t)snprintf(c->why, c->whylen, "%s%s", path, kn ? ": " : "");
	if (n >= c->whylen)
		return;
	va_start(ap, fmt);
	vsnprintf(c->why + n, c->whylen - n, fmt, ap);
	va_end(ap);
}

/* ---- text buffers ---------------------------------------------------------- */

void inv_buf_free(struct inv_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/*
 * Room for element @n of an array @v of @cap elements of @size: @v itself,
 * or moved, its capacity doubled; NULL without memory (@v is then kept).
 */
static void *array_room(void *v, size_t n, size_t *cap, size_t size)
{
	size_t ncap = *cap ? 2 * *cap : 64;

	if (n < *cap)
		return v;
	v = realloc(v, ncap * size);
	if (v)
		*cap = ncap;
	return v;
}

static int buf_reserve(struct inv_buf *b, size_t more)
{
	if (b->len + more + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;
		char *p;

		while (b->len + more + 1 > cap)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	return 0;
}

static int buf_add(struct inv_buf *b, const char *s, size_t len)
{
	if (buf_reserve(b, len))
		return -ENOMEM;
	memcpy(b->p + b->len, s, len);
	b->len += len;
	b->p[b->len] = '\0';
	return 0;
}

static int buf_str(struct inv_buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

/* Printable ASCII as is (but '\\'), everything else as \xHH. */
static int buf_escaped(struct inv_buf *b, const char *s, size_t len)
{
	if (buf_reserve(b, 4 * len))
		return -ENOMEM;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '\\')
			b->p[b->len++] = (char)ch;
		else
			b->len += (size_t)sprintf(b->p + b->len, "\\x%02x", ch);
	}
	b->p[b->len] = '\0';
	return 0;
}

/* ---- reading the tree ---------------------------------------------------- */

/*
 * The page shows render into: exactly one page, so a show writing past it
 * is caught by ASan; allocated once (a fresh one per call costs the
 * fuzzers most of their time in page faults).
 */
static char *page_buffer(void)
{
	static char *page;

	if (!page)
		page = malloc(SYSFS_PAGE_SIZE);
	return page;
}

/* One show into c->page; checks the contract: 0..PAGE_SIZE bytes, or a plain -errno. */
/*
 * @attr's show for @obj into c->page, held to its contract (at most a page,
 * or -errno); a breach fails the check, reported at @where.
 */
static ssize_t show_checked(struct ctx *c, const struct kn_attr *attr, void *obj, const struct kn *where)
{
	ssize_t n = attr->show(obj, c->page);

	if (n > SYSFS_PAGE_SIZE || n < -4095) {
		fail(c, where, "%s: show returned %zd", attr->name, n);
		return -EINVAL;
	}
	return n;
}

static ssize_t do_show(struct ctx *c, struct kn *kn)
{
	return show_checked(c, kn->attr.attr, kn->attr.obj, kn);
}

/* The show of @name under @dir as a C string in c->page, or NULL. */
static const char *show_child(struct ctx *c, struct kn *dir, const char *name, ssize_t *lenp)
{
	struct kn *kn = kernfs_find(c->kr, dir, name);
	ssize_t n;

	if (!kn || kn->type != KN_ATTR || !kn->attr.attr->show)
		return NULL;
	n = do_show(c, kn);
	if (n < 0 || n >= SYSFS_PAGE_SIZE) {
		if (n >= SYSFS_PAGE_SIZE)
			n = SYSFS_PAGE_SIZE - 1;
		else
			return NULL;
	}
	c->page[n] = '\0';
	if (lenp)
		*lenp = n;
	return c->page;
}

static struct kn *materialised_child(struct kn *dir, const char *name)
{
	for (struct kn *kn = dir->dir.first; kn; kn = kn->next)
		if (!strcmp(kn->name, name))
			return kn;
	return NULL;
}

/*
 * The target of the link @name in @dir, node or not yet: the checks must
 * not materialise, or the fuzzer would go on with an eager model.
 */
static struct kn *peek_link(struct kn *dir, const char *name)
{
	struct kn *kn = materialised_child(dir, name);

	if (kn)
		return kn->type == KN_LINK ? kn->target : NULL;
	for (const struct kn_lazy_group *lg = dir->dir.lazy; lg; lg = lg->next) {
		const struct kn_attr *a = lg->grp->attrs ? lg->grp->attrs[0] : NULL;

		if (lg->grp->listing && (kn = lg->grp->listing->lookup(lg->obj, name)))
			return kn;
		if (a && kn_attr_is_link(a) && !strcmp(a->name, name))
			return lg->obj;
	}
	return NULL;
}

/* The links in a directory, with a node or only listed (struct kn_listing). */
struct link_ent {
	const char *name;
	struct kn *target;
};

struct link_ents {
	struct link_ent *v;
	size_t n, cap;
	bool nomem;
};

static int add_link_ent(void *arg, const char *name, struct kn *target)
{
	struct link_ents *e = arg;
	struct link_ent *v = array_room(e->v, e->n, &e->cap, sizeof(*v));

	if (!v) {
		e->nomem = true;
		return -1;
	}
	e->v = v;
	e->v[e->n++] = (struct link_ent){ name, target };
	return 0;
}

static bool dir_links(struct kernfs_root *kr, struct kn *dir, struct link_ents *out)
{
	for (struct kn *kn = dir->dir.first; kn && !out->nomem; kn = kn->next)
		if (kn->type == KN_LINK)
			add_link_ent(out, kn->name, kn->target);
	if (!out->nomem)
		kernfs_for_each_listed(kr, dir, add_link_ent, out);
	return !out->nomem;
}

/* ---- masks ------------------------------------------------------------- */

struct mask {
	uint8_t b[32];	/* bit 0 of the text (id 0) is the MSB of b[0] */
};

static bool mask_test(const struct mask *m, unsigned int id)
{
	return m->b[id / 8] & (0x80u >> (id % 8));
}

static void mask_set(struct mask *m, unsigned int id)
{
	m->b[id / 8] |= (uint8_t)(0x80u >> (id % 8));
}

static bool mask_intersects(const struct mask *a, const struct mask *b)
{
	for (size_t i = 0; i < sizeof(a->b); i++)
		if (a->b[i] & b->b[i])
			return true;
	return false;
}

static bool mask_empty(const struct mask *m)
{
	for (size_t i = 0; i < sizeof(m->b); i++)
		if (m->b[i])
			return false;
	return true;
}

/* "0x" and exactly 64 hex digits, as every mask show writes it; *end after it. */
static int parse_mask64(const char *s, struct mask *m, const char **end)
{
	memset(m, 0, sizeof(*m));
	if (s[0] != '0' || s[1] != 'x')
		return -1;
	s += 2;
	for (unsigned int i = 0; i < 64; i++) {
		int d;

		if (!isxdigit((unsigned char)s[i]))
			return -1;
		d = isdigit((unsigned char)s[i]) ? s[i] - '0' : tolower((unsigned char)s[i]) - 'a' + 10;
		for (unsigned int bit = 0; bit < 4; bit++)
			if (d & (8 >> bit))
				mask_set(m, 4 * i + bit);
	}
	*end = s + 64;
	return 0;
}

static bool hexname(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return true;
}

/* ---- the structural checks ------------------------------------------------ */


/*
 * Names are unique in a directory, as sysfs makes them (a group naming an
 * existing file is refused): no two groups show the same name, and a node
 * of that name can only be the group's own file, materialised.
 */
static void check_lazy_names(struct ctx *c, struct kn *dir)
{
	for (const struct kn_lazy_group *lg = dir->dir.lazy; lg && !c->failed; lg = lg->next) {
		for (const struct kn_attr *const *a = lg->grp->attrs; a && *a && !c->failed; a++) {
			struct kn *kn;

			if (!kn_lazy_mode(lg, *a))
				continue;
			kn = materialised_child(dir, (*a)->name);
			if (kn_attr_is_link(*a)) {
				/* The record holds no pin: its target must still be in the tree. */
				if (((struct kn *)lg->obj)->removed)
					fail(c, dir, "lazy link \"%s\" to a removed node", (*a)->name);
				if (kn && (kn->type != KN_LINK || kn->target != lg->obj))
					fail(c, kn, "is not the lazy link of that name");
			} else if (kn && (kn->type != KN_ATTR || kn->attr.attr != *a)) {
				fail(c, kn, "is also a file of an attribute group");
			}
			for (const struct kn_lazy_group *o = lg->next; o && !c->failed; o = o->next)
				for (const struct kn_attr *const *b = o->grp->attrs; b && *b; b++)
					if (!strcmp((*a)->name, (*b)->name) && kn_lazy_mode(o, *b))
						fail(c, dir, "two attribute groups show \"%s\"", (*a)->name);
		}
	}
}

static void check_tree(struct ctx *c, struct kn *dir, size_t *count, int depth)
{
	uint32_t subdirs = 0;
	struct kn *prev = NULL;

	(*count)++;
	if (depth > 64) {
		fail(c, dir, "tree deeper than 64");
		return;
	}
	/* Only what exists: materialising here would leave the fuzzer an eager model. */
	check_lazy_names(c, dir);
	for (struct kn *kn = dir->dir.first; kn && !c->failed; kn = kn->next) {
		if (kn->parent != dir)
			fail(c, kn, "child does not point back at its parent");
		if (kn->prev != prev)
			fail(c, kn, "sibling list broken");
		if (kn->removed)
			fail(c, kn, "removed node still in the tree");
		if (!kn->name[0] || strchr(kn->name, '/'))
			fail(c, kn, "bad name \"%s\"", kn->name);
		if (kernfs_find(c->kr, dir, kn->name) != kn)
			fail(c, kn, "not found under its own name (hash or duplicate name)");
		switch (kn->type) {
		case KN_DIR:
			subdirs++;
			if ((kn->mode & 0170000) != 040000)
				fail(c, kn, "directory mode %o", kn->mode);
			check_tree(c, kn, count, depth + 1);
			break;
		case KN_ATTR:
			(*count)++;
			if ((kn->mode & 0170000) != 0100000)
				fail(c, kn, "attribute mode %o", kn->mode);
			if (!kn->attr.attr)
				fail(c, kn, "attribute without ops");
			else if (((kn->mode & 0444) && !kn->attr.attr->show) ||
				 ((kn->mode & 0222) && !kn->attr.attr->store))
				fail(c, kn, "mode %o promises an op the file does not have", kn->mode & 0777);
			break;
		case KN_LINK:
			(*count)++;
			break;
		default:
			fail(c, kn, "unknown node type %d", kn->type);
		}
		prev = kn;
	}
	if (!c->failed && dir->dir.last != prev)
		fail(c, dir, "last child pointer wrong");
	if (!c->failed && dir->dir.nr_subdirs != subdirs)
		fail(c, dir, "nr_subdirs %u, counted %u", dir->dir.nr_subdirs, subdirs);
}

/* The link's target is live, reachable from the root, and its text leads there. */
static void check_link(struct ctx *c, struct kn *link)
{
	struct kn *t = link->target, *x, *cur;
	char text[4096], *save = NULL, *comp;
	int n;

	if (!t) {
		fail(c, link, "link without target");
		return;
	}
	for (x = t; x->parent; x = x->parent) {
		if (x->removed || kernfs_find(c->kr, x->parent, x->name) != x) {
			fail(c, link, "target is not in the tree (removed: %d)", x->removed);
			return;
		}
	}
	if (x != c->kr->root) {
		fail(c, link, "target is not below the root");
		return;
	}
	n = kernfs_link_target(link, text, sizeof(text));
	if (n <= 0) {
		fail(c, link, "link text: %d", n);
		return;
	}
	if ((size_t)n != strlen(text)) {
		fail(c, link, "link text length %d for \"%s\"", n, text);
		return;
	}
	cur = link->parent;
	for (comp = strtok_r(text, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
		if (!strcmp(comp, "..")) {
			cur = cur->parent;
			if (!cur) {
				fail(c, link, "link text climbs above the root");
				return;
			}
		} else {
			if (cur->type != KN_DIR) {
				fail(c, link, "link text passes through a non-directory");
				return;
			}
			cur = kernfs_find(c->kr, cur, comp);
			if (!cur) {
				fail(c, link, "link text names a missing \"%s\"", comp);
				return;
			}
		}
	}
	if (cur != t)
		fail(c, link, "link text resolves elsewhere");
}

/* Call @fn for every node below @dir (not @dir itself), in tree order. */
static void for_each_node(struct ctx *c, struct kn *dir, void (*fn)(struct ctx *, struct kn *, void *),
			  void *arg)
{
	for (struct kn *kn = dir->dir.first; kn && !c->failed; kn = kn->next) {
		fn(c, kn, arg);
		if (kn->type == KN_DIR)
			for_each_node(c, kn, fn, arg);
	}
}

static void visit_links(struct ctx *c, struct kn *kn, void *arg)
{
	unsigned int *links = arg;

	if (kn->type == KN_LINK) {
		(*links)++;
		check_link(c, kn);
	}
}

/* ---- driver core ---------------------------------------------------------- */

struct listed_ctx {
	struct ctx *c;
	struct kn *dir;		/* a bus's drivers/, or the driver listing the entry */
};


/* bus/X/devices/NAME -> the device -> its driver, which lists it back. */
static int check_bus_entry(void *arg, const char *name, struct kn *dev)
{
	struct listed_ctx *l = arg;
	struct ctx *c = l->c;
	struct kn *drv, *back;

	if (strcmp(name, dev->name))
		fail(c, dev, "listed in its bus's devices/ as %s", name);
	if (dev->removed)
		fail(c, dev, "removed, and still listed in its bus's devices/");
	drv = peek_link(dev, "driver");
	if (!drv || c->failed)
		return c->failed;
	back = peek_link(drv, dev->name);
	if (back != dev)
		fail(c, dev, "bound to %s, which does not list it", drv->name);
	if (drv->parent != l->dir)
		fail(c, dev, "bound to %s of another bus", drv->name);
	return c->failed;
}

/* bus/X/drivers/Y/NAME -> a device bound to Y. */
static int check_driver_entry(void *arg, const char *name, struct kn *dev)
{
	struct listed_ctx *l = arg;

	if (strcmp(name, dev->name) || peek_link(dev, "driver") != l->dir)
		fail(l->c, dev, "%s lists a device not bound to it", l->dir->name);
	return l->c->failed;
}

/* Both directions, for links with a node and for those only listed. */
static void check_driver_links(struct ctx *c)
{
	struct kn *bus = kernfs_find(c->kr, c->kr->root, "bus");

	for (struct kn *b = bus ? bus->dir.first : NULL; b && !c->failed; b = b->next) {
		struct kn *devs = kernfs_find(c->kr, b, "devices");
		struct listed_ctx l = { c, kernfs_find(c->kr, b, "drivers") };

		for (struct kn *e = devs ? devs->dir.first : NULL; e && !c->failed; e = e->next) {
			if (e->type != KN_LINK)
				fail(c, e, "not a link in a bus's devices/");
			else
				check_bus_entry(&l, e->name, e->target);
		}
		if (devs && !c->failed)
			kernfs_for_each_listed(c->kr, devs, check_bus_entry, &l);
		for (struct kn *d = l.dir ? l.dir->dir.first : NULL; d && !c->failed; d = d->next) {
			struct listed_ctx dl = { c, d };

			for (struct kn *e = d->dir.first; e && !c->failed; e = e->next)
				if (e->type == KN_LINK && strcmp(e->name, "module"))
					check_driver_entry(&dl, e->name, e->target);
			if (!c->failed)
				kernfs_for_each_listed(c->kr, d, check_driver_entry, &dl);
		}
	}
}

/* ---- mdevs ---------------------------------------------------------------- */

struct mdev_list {
	struct kn **v;
	size_t n, cap;
};

static void collect_mdevs(struct ctx *c, struct kn *kn, void *arg)
{
	struct mdev_list *l = arg;
	struct kn *type, **v;

	if (kn->type != KN_DIR)
		return;
	type = kernfs_find(c->kr, kn, "mdev_type");
	if (!type || type->type != KN_LINK)
		return;
	v = array_room(l->v, l->n, &l->cap, sizeof(*v));
	if (!v) {
		fail(c, NULL, "out of memory");
		return;
	}
	l->v = v;
	l->v[l->n++] = kn;
}

static bool in_list(const struct mdev_list *l, const struct kn *kn)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i] == kn)
			return true;
	return false;
}

static void check_type(struct ctx *c, struct kn *type, const struct mdev_list *mdevs)
{
	struct kn *devs = kernfs_find(c->kr, type, "devices");
	unsigned long existing = 0, avail, max = 0;
	const char *s;
	char *end;

	if (!devs || devs->type != KN_DIR) {
		fail(c, type, "type without devices/");
		return;
	}
	for (struct kn *l = devs->dir.first; l && !c->failed; l = l->next) {
		existing++;
		if (l->type != KN_LINK || !in_list(mdevs, l->target))
			fail(c, l, "not a link to an mdev");
		else if (strcmp(l->name, l->target->name))
			fail(c, l, "names mdev %s", l->target->name);
		else if (peek_link(l->target, "mdev_type") != type)
			fail(c, l, "mdev's mdev_type is another type");
	}
	s = show_child(c, type, "available_instances", NULL);
	if (!s) {
		fail(c, type, "available_instances unreadable");
		return;
	}
	errno = 0;
	avail = strtoul(s, &end, 10);
	if (errno || end == s || strcmp(end, "\n")) {
		fail(c, type, "available_instances reads \"%s\"", s);
		return;
	}
	for (size_t i = 0; i < sizeof(type_max) / sizeof(type_max[0]); i++)
		if (!strcmp(type->name, type_max[i].type))
			max = type_max[i].max;
	/* A type this checker does not know: only the listing is checked. */
	if (max && avail + existing != max)
		fail(c, type, "available_instances %lu + %lu existing != %lu", avail, existing, max);
}

static void visit_types(struct ctx *c, struct kn *kn, void *arg)
{
	if (kn->type == KN_DIR && kn->parent && !strcmp(kn->parent->name, "mdev_supported_types"))
		check_type(c, kn, arg);
}

struct busdev_ctx {
	struct ctx *c;
	struct mdev_list *mdevs;
	size_t listed;
};

static int check_mdev_busdev(void *arg, const char *name, struct kn *target)
{
	struct busdev_ctx *b = arg;

	b->listed++;
	if (!in_list(b->mdevs, target))
		fail(b->c, target, "bus/mdev/devices lists something that is not an mdev directory");
	else if (strcmp(name, target->name))
		fail(b->c, target, "listed in bus/mdev/devices as %s", name);
	return b->c->failed;
}

static void check_mdevs(struct ctx *c, struct mdev_list *mdevs)
{
	struct kn *busdevs = kernfs_walk(c->kr, c->kr->root, "bus/mdev/devices");
	struct busdev_ctx b = { c, mdevs, 0 };
	size_t listed = 0;

	for_each_node(c, c->kr->root, collect_mdevs, mdevs);
	if (c->failed)
		return;
	if (!busdevs && mdevs->n) {
		fail(c, mdevs->v[0], "an mdev without bus/mdev/devices");
		return;
	}
	for (struct kn *l = busdevs ? busdevs->dir.first : NULL; l && !c->failed; l = l->next) {
		listed++;
		if (l->type != KN_LINK || !in_list(mdevs, l->target))
			fail(c, l, "bus/mdev/devices lists something that is not an mdev directory");
		else if (strcmp(l->name, l->target->name))
			fail(c, l, "names mdev %s", l->target->name);
	}
	if (busdevs && !c->failed) {
		kernfs_for_each_listed(c->kr, busdevs, check_mdev_busdev, &b);
		listed += b.listed;
	}
	for (size_t i = 0; i < mdevs->n && !c->failed; i++) {
		struct kn *type = peek_link(mdevs->v[i], "mdev_type");
		struct kn *devs = type ? kernfs_find(c->kr, type, "devices") : NULL;

		if (peek_link(busdevs, mdevs->v[i]->name) != mdevs->v[i])
			fail(c, mdevs->v[i], "mdev missing from bus/mdev/devices");
		else if (!devs || peek_link(devs, mdevs->v[i]->name) != mdevs->v[i])
			fail(c, mdevs->v[i], "mdev missing from its type's devices/");
	}
	if (!c->failed && listed != mdevs->n)
		fail(c, busdevs, "%zu links for %zu mdevs", listed, mdevs->n);
	for_each_node(c, c->kr->root, visit_types, mdevs);
}

/* ---- AP ------------------------------------------------------------------ */

struct matrix {
	struct kn *mdev;
	struct mask apm, aqm, adm;
};

/* The expected "matrix" text of apm x aqm, as vfio_ap prints it. */
static size_t matrix_text(const struct matrix *m, char *out, size_t size)
{
	size_t n = 0;
	bool a = !mask_empty(&m->apm), q = !mask_empty(&m->aqm);

	out[0] = '\0';
	for (unsigned int apid = 0; apid < 256 && a; apid++) {
		if (!mask_test(&m->apm, apid))
			continue;
		if (!q) {
			n += (size_t)snprintf(out + n, size - n, "%02x.\n", apid);
			continue;
		}
		for (unsigned int apqi = 0; apqi < 256 && n < size - 16; apqi++)
			if (mask_test(&m->aqm, apqi))
				n += (size_t)snprintf(out + n, size - n, "%02x.%04x\n", apid, apqi);
		if (n >= size - 16)
			break;
	}
	for (unsigned int apqi = 0; apqi < 256 && q && !a; apqi++)
		if (mask_test(&m->aqm, apqi))
			n += (size_t)snprintf(out + n, size - n, ".%04x\n", apqi);
	return n;
}

/* The matrix of a vfio_ap mdev from ap_config (6.9+); 0 when it is not one. */
static int read_matrix(struct ctx *c, struct kn *mdev, struct matrix *m)
{
	const char *s, *p;
	ssize_t len;
	char *want;

	memset(m, 0, sizeof(*m));
	m->mdev = mdev;
	if (!kernfs_find(c->kr, mdev, "assign_adapter"))
		return 0;
	s = show_child(c, mdev, "ap_config", NULL);
	if (s) {
		if (parse_mask64(s, &m->apm, &p) || *p++ != ',' || parse_mask64(p, &m->aqm, &p) ||
		    *p++ != ',' || parse_mask64(p, &m->adm, &p) || strcmp(p, "\n")) {
			fail(c, mdev, "ap_config reads \"%s\"", s);
			return -1;
		}
	} else {
		/* Before 6.9: the matrix lines (both ids) are all there is. */
		s = show_child(c, mdev, "matrix", &len);
		if (!s)
			return 0;
		for (p = s; *p; ) {
			unsigned int apid, apqi;
			int used = 0;

			if (sscanf(p, "%2x.%4x\n%n", &apid, &apqi, &used) == 2 && used == 8) {
				mask_set(&m->apm, apid);
				mask_set(&m->aqm, apqi & 0xff);
			}
			p = strchr(p, '\n');
			if (!p)
				break;
			p++;
		}
		return 1;
	}
	/* matrix shows apm x aqm (cut at PAGE_SIZE - 1 bytes). */
	s = show_child(c, mdev, "matrix", &len);
	if (!s)
		return 1;
	/* Only the first page of the expected text is ever compared. */
	want = malloc(2 * SYSFS_PAGE_SIZE);
	if (!want) {
		fail(c, NULL, "out of memory");
		return -1;
	}
	matrix_text(m, want, 2 * SYSFS_PAGE_SIZE);
	if (strncmp(s, want, (size_t)len) || (len < SYSFS_PAGE_SIZE - 1 && want[len]))
		fail(c, mdev, "matrix does not show ap_config's apm x aqm");
	free(want);
	return 1;
}

static void check_ap(struct ctx *c, const struct mdev_list *mdevs)
{
	struct kn *ap = kernfs_walk(c->kr, c->kr->root, "bus/ap"), *devs;
	struct mask apmask, aqmask;
	struct matrix *mx;
	size_t nmx = 0;
	const char *s, *end;
	struct link_ents links = { 0 };
	bool vfio_ap;

	if (!ap)
		return;
	s = show_child(c, ap, "apmask", NULL);
	if (!s || parse_mask64(s, &apmask, &end) || strcmp(end, "\n")) {
		fail(c, ap, "apmask reads \"%s\"", s ? s : "(error)");
		return;
	}
	s = show_child(c, ap, "aqmask", NULL);
	if (!s || parse_mask64(s, &aqmask, &end) || strcmp(end, "\n")) {
		fail(c, ap, "aqmask reads \"%s\"", s ? s : "(error)");
		return;
	}
	vfio_ap = kernfs_walk(c->kr, ap, "drivers/vfio_ap") != NULL;

	/* Queues: bound to the driver the masks say. */
	devs = kernfs_find(c->kr, ap, "devices");
	if (devs && !dir_links(c->kr, devs, &links)) {
		fail(c, NULL, "out of memory");
		free(links.v);
		return;
	}
	for (size_t i = 0; i < links.n && !c->failed; i++) {
		const struct link_ent *l = &links.v[i];
		unsigned int apid, apqi;
		struct kn *drv;
		bool owned;

		if (strlen(l->name) != 7 || l->name[2] != '.' || !hexname(l->name, 2) ||
		    !hexname(l->name + 3, 4))
			continue;
		inv_last_stats.queues++;
		sscanf(l->name, "%2x.%4x", &apid, &apqi);
		if (apqi > 255) {
			fail(c, l->target, "domain above 255");
			continue;
		}
		owned = mask_test(&apmask, apid) && mask_test(&aqmask, apqi);
		drv = peek_link(l->target, "driver");
		if (!drv) {
			inv_last_stats.queues_unbound++;
			continue;
		}
		if (owned && !strcmp(drv->name, "vfio_ap"))
			fail(c, l->target, "masks give it to the default drivers, bound to vfio_ap");
		else if (!owned && strcmp(drv->name, "vfio_ap"))
			fail(c, l->target, "masks take it from the default drivers, bound to %s%s",
			     drv->name, vfio_ap ? "" : " (vfio_ap not loaded)");
	}
	free(links.v);
	if (c->failed)
		return;

	/* vfio_ap mdevs: disjoint matrices, none holding a default-owned APQN. */
	mx = calloc(mdevs->n + 1, sizeof(*mx));
	if (!mx) {
		fail(c, NULL, "out of memory");
		return;
	}
	for (size_t i = 0; i < mdevs->n && !c->failed; i++) {
		int r = read_matrix(c, mdevs->v[i], &mx[nmx]);

		if (r > 0)
			nmx++;
	}
	for (size_t i = 0; i < nmx && !c->failed; i++) {
		if (c->sim->kernel_version >= KERNEL_VERSION(5, 10, 0) &&
		    mask_intersects(&mx[i].apm, &apmask) && mask_intersects(&mx[i].aqm, &aqmask))
			fail(c, mx[i].mdev, "matrix holds an APQN the default drivers own");
		for (size_t j = i + 1; j < nmx && !c->failed; j++)
			if (mask_intersects(&mx[i].apm, &mx[j].apm) &&
			    mask_intersects(&mx[i].aqm, &mx[j].aqm))
				fail(c, mx[i].mdev, "shares an APQN with %s", mx[j].mdev->name);
	}
	free(mx);
}

/* ---- entry points ----------------------------------------------------------- */

int inv_check(struct sim *sim, char *why, size_t whylen)
{
	struct ctx c = { .sim = sim, .kr = &sim->kfs, .why = why, .whylen = whylen };
	struct mdev_list mdevs = { 0 };
	size_t count = 0;

	why[0] = '\0';
	memset(&inv_last_stats, 0, sizeof(inv_last_stats));
	c.page = page_buffer();
	if (!c.page) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	check_tree(&c, c.kr->root, &count, 0);
	if (!c.failed && count != c.kr->nr_nodes)
		fail(&c, NULL, "nr_nodes %zu, counted %zu", c.kr->nr_nodes, count);
	inv_last_stats.nodes = (unsigned int)count;
	if (!c.failed)
		for_each_node(&c, c.kr->root, visit_links, &inv_last_stats.links);
	if (!c.failed)
		check_driver_links(&c);
	if (!c.failed)
		check_mdevs(&c, &mdevs);
	inv_last_stats.mdevs = (unsigned int)mdevs.n;
	if (!c.failed)
		check_ap(&c, &mdevs);
	free(mdevs.v);
	return c.failed ? -1 : 0;
}

/* What a show gave (@n bytes in c->page, or -errno), as a dump line ends. */
static int dump_shown(struct ctx *c, ssize_t n, struct inv_buf *out)
{
	char line[64];
	int err;

	if (n < 0) {
		snprintf(line, sizeof(line), "!%s", strerror((int)-n));
		return buf_str(out, line);
	}
	err = buf_str(out, "=");
	return err ? err : buf_escaped(out, c->page, (size_t)n);
}

/* One line per node: path, type and mode, then the show's output or the link's text. */
static int dump_node(struct ctx *c, struct kn *kn, const char *path, struct inv_buf *out)
{
	char line[64];
	int err;

	snprintf(line, sizeof(line), "\t%c%o\t", "DAL"[kn->type], kn->mode & 07777);
	err = buf_str(out, path[0] ? path : "/");
	if (!err)
		err = buf_str(out, line);
	if (!err && kn->type == KN_ATTR && kn->attr.attr->show) {
		err = dump_shown(c, do_show(c, kn), out);
	} else if (!err && kn->type == KN_LINK) {
		char text[4096];
		int n = kernfs_link_target(kn, text, sizeof(text));

		err = buf_str(out, "-> ");
		if (!err)
			err = buf_str(out, n < 0 ? "(error)" : text);
	}
	return err ? err : buf_str(out, "\n");
}

/* A directory entry to dump: a node, or a group file or listed link not materialised yet. */
struct dump_ent {
	const char *name;
	struct kn *kn;
	struct kn *dir;		/* of an entry not materialised */
	const struct kn_attr *attr;	/* NULL: a listing's link to @obj */
	uint16_t mode;
	void *obj;
};

struct dump_ents {
	struct dump_ent *v;
	size_t n, cap;
};

static int dump_ents_add(struct dump_ents *e, struct dump_ent ent)
{
	struct dump_ent *v = array_room(e->v, e->n, &e->cap, sizeof(*v));

	if (!v)
		return -ENOMEM;
	e->v = v;
	e->v[e->n++] = ent;
	return 0;
}

struct lazy_ents {
	struct dump_ents *ents;
	struct kn *dir;
};

static int add_lazy_ent(void *arg, const struct kn_attr *attr, uint16_t mode, void *obj)
{
	struct lazy_ents *l = arg;

	return dump_ents_add(l->ents, (struct dump_ent){ .name = attr->name, .dir = l->dir,
							  .attr = attr, .mode = mode, .obj = obj });
}

static int add_listed_ent(void *arg, const char *name, struct kn *target)
{
	struct lazy_ents *l = arg;

	return dump_ents_add(l->ents, (struct dump_ent){ .name = name, .dir = l->dir, .mode = KN_LINK_MODE,
							  .obj = target });
}

static int cmp_ent(const void *a, const void *b)
{
	return strcmp(((const struct dump_ent *)a)->name, ((const struct dump_ent *)b)->name);
}

/* A group file or link never materialised, dumped as dump_node() would dump its node. */
static int dump_lazy(struct ctx *c, const struct dump_ent *e, const char *path, struct inv_buf *out)
{
	bool link = !e->attr || kn_attr_is_link(e->attr);
	char line[64];
	int err;

	snprintf(line, sizeof(line), "\t%c%o\t", link ? 'L' : 'A', e->mode & (link ? 07777 : 0777));
	err = buf_str(out, path);
	if (!err)
		err = buf_str(out, line);
	if (!err && link) {
		char text[4096];
		int n = kernfs_link_text(e->dir, e->obj, text, sizeof(text));

		err = buf_str(out, "-> ");
		if (!err)
			err = buf_str(out, n < 0 ? "(error)" : text);
	} else if (!err && e->attr->show) {
		err = dump_shown(c, show_checked(c, e->attr, e->obj, e->dir), out);
	}
	return err ? err : buf_str(out, "\n");
}

/*
 * @path holds @dir's path (@len bytes) and room to append below it.  The
 * entries go by name, materialised or not, so that a lookup between two
 * dumps changes nothing in them.
 */
static int dump_dir(struct ctx *c, struct kn *dir, char *path, size_t len, size_t size,
		   struct inv_buf *out)
{
	struct dump_ents ents = { 0 };
	int err = dump_node(c, dir, path, out);

	for (struct kn *kn = dir->dir.first; kn && !err; kn = kn->next)
		err = dump_ents_add(&ents, (struct dump_ent){ .name = kn->name, .kn = kn });
	if (!err) {
		struct lazy_ents l = { &ents, dir };

		err = kernfs_for_each_lazy(c->kr, dir, add_lazy_ent, &l);
		if (!err)
			err = kernfs_for_each_listed(c->kr, dir, add_listed_ent, &l);
	}
	if (!err && ents.n)
		qsort(ents.v, ents.n, sizeof(*ents.v), cmp_ent);
	for (size_t i = 0; i < ents.n && !err; i++) {
		struct kn *kn = ents.v[i].kn;
		int n = snprintf(path + len, size - len, "%s%s", len ? "/" : "", ents.v[i].name);

		if (n < 0 || (size_t)n >= size - len) {
			err = -ENAMETOOLONG;
			break;
		}
		if (!kn)
			err = dump_lazy(c, &ents.v[i], path, out);
		else if (kn->type == KN_DIR)
			err = dump_dir(c, kn, path, len + (size_t)n, size, out);
		else
			err = dump_node(c, kn, path, out);
		path[len] = '\0';
	}
	free(ents.v);
	return err;
}

int inv_dump(struct sim *sim, struct inv_buf *out)
{
	char why[16], path[4096] = "";
	struct ctx c = { .sim = sim, .kr = &sim->kfs, .why = why, .whylen = sizeof(why) };
	int err;

	out->len = 0;
	if (buf_reserve(out, 0))
		return -ENOMEM;
	out->p[0] = '\0';
	c.page = page_buffer();
	if (!c.page)
		return -ENOMEM;
	err = dump_dir(&c, c.kr->root, path, 0, sizeof(path), out);
	return err ? err : c.failed ? -EINVAL : 0;
}

bool inv_dump_diff(const struct inv_buf *a, const struct inv_buf *b, char *why, size_t whylen)
{
	size_t i = 0, la, lb;
	const char *pa, *pb;

	if (a->len == b->len && !memcmp(a->p, b->p, a->len))
		return false;
	/* The first differing line of each. */
	while (i < a->len && i < b->len && a->p[i] == b->p[i])
		i++;
	while (i > 0 && a->p[i - 1] != '\n')
		i--;
	pa = a->p + i;
	pb = b->p + i;
	la = i < a->len ? strcspn(pa, "\n") : 0;
	lb = i < b->len ? strcspn(pb, "\n") : 0;
	snprintf(why, whylen, "before: %.*s | after: %.*s", (int)(la > 300 ? 300 : la), pa,
		 (int)(lb > 300 ? 300 : lb), pb);
	return true;
}
