// SPDX-License-Identifier: MIT
/*
 * kernfs: nodes, name lookup, symlink text and removal bookkeeping.
 *
 * Names are looked up through one hash table keyed by (parent, name), so a
 * directory of a quarter million subchannel links costs no more to search
 * than one of ten.  Children also sit on a list in creation order for
 * readdir.
 */
#include "kernfs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint32_t kn_hash(const struct kn *parent, const char *name)
{
	/* FNV-1a over the name, mixed with the parent's address. */
	uint64_t h = 1469598103934665603ull ^ (uint64_t)(uintptr_t)parent;

	for (; *name; name++) {
		h ^= (unsigned char)*name;
		h *= 1099511628211ull;
	}
	return (uint32_t)(h ^ (h >> 29));
}

static int kernfs_rehash(struct kernfs_root *kr, size_t nr)
{
	struct kn **nb = calloc(nr, sizeof(*nb));

	if (!nb)
		return -ENOMEM;
	for (size_t i = 0; i < kr->nr_buckets; i++) {
		struct kn *kn = kr->buckets[i], *next;

		for (; kn; kn = next) {
			size_t b = kn->hash & (nr - 1);

			next = kn->hash_next;
			kn->hash_next = nb[b];
			nb[b] = kn;
		}
	}
	free(kr->buckets);
	kr->buckets = nb;
	kr->nr_buckets = nr;
	return 0;
}

/* Free the records of @dir that @drop picks (all without @drop); true when one went. */
static bool kn_drop_records(struct kn *dir, bool (*drop)(const struct kn_lazy_group *lg, const void *arg),
			    const void *arg)
{
	struct kn_lazy_group **pp = &dir->dir.lazy;
	bool dropped = false;

	while (*pp) {
		struct kn_lazy_group *lg = *pp;

		if (!drop || drop(lg, arg)) {
			*pp = lg->next;
			free(lg);
			dropped = true;
		} else {
			pp = &lg->next;
		}
	}
	return dropped;
}

static void kn_drop_lazy(struct kn *kn)
{
	if (kn->type == KN_DIR)
		kn_drop_records(kn, NULL, NULL);
}

/* The node's own memory: its name, lazy groups and itself. */
static void kn_free_mem(struct kn *kn)
{
	kn_drop_lazy(kn);
	if (!kn->static_name)
		free((char *)kn->name);
	free(kn);
}

static void kn_free(struct kernfs_root *kr, struct kn *kn)
{
	struct kn *parent = kn->parent;

	if (kn->prev)
		kn->prev->next = kn->next;
	else if (kr->zombies == kn)
		kr->zombies = kn->next;
	if (kn->next)
		kn->next->prev = kn->prev;
	if (kn->type == KN_LINK)
		kn_unpin(kr, kn->target);
	kn_free_mem(kn);
	if (parent)
		kn_unpin(kr, parent);
}

/* Free @kn once nothing refers to it any more. */
static void kn_release(struct kernfs_root *kr, struct kn *kn)
{
	if (kn->removed && !kn->pins && !kn->lookups)
		kn_free(kr, kn);
}

void kn_pin(struct kn *kn)
{
	kn->pins++;
}

void kn_unpin(struct kernfs_root *kr, struct kn *kn)
{
	kn->pins--;
	kn_release(kr, kn);
}

void kn_forget(struct kernfs_root *kr, struct kn *kn, uint64_t nlookup)
{
	kn->lookups = nlookup > kn->lookups ? 0 : kn->lookups - nlookup;
	kn_release(kr, kn);
}

static struct kn *kn_find_hashed(struct kernfs_root *kr, const struct kn *parent, const char *name)
{
	uint32_t hash = kn_hash(parent, name);
	struct kn *kn = kr->buckets[hash & (kr->nr_buckets - 1)];

	for (; kn; kn = kn->hash_next)
		if (kn->hash == hash && kn->parent == parent && !strcmp(kn->name, name))
			return kn;
	return NULL;
}

/*
 * Names that nearly every device has: shared, not copied, so a quarter of a
 * million "subsystem" links do not hold a quarter of a million copies.
 */
static const char *common_name(const char *name)
{
	static const char *const names[] = {
		"subsystem", "driver", "device", "module", "iommu_group", "mdev_type",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return names[i];
	return NULL;
}

/* A new node; @static_name: @name outlives the node and is not copied. */
static struct kn *kn_new(struct kernfs_root *kr, struct kn *parent, const char *name,
			 bool static_name, enum kn_type type, uint16_t mode)
{
	struct kn *kn;
	size_t b;

	if (parent && (parent->type != KN_DIR || parent->removed)) {
		errno = ENOENT;
		return NULL;
	}
	if (parent && kn_find_hashed(kr, parent, name)) {
		errno = EEXIST;
		return NULL;
	}
	if (kr->nr_nodes + 1 > kr->nr_buckets && kernfs_rehash(kr, kr->nr_buckets * 2)) {
		errno = ENOMEM;
		return NULL;
	}

	kn = calloc(1, sizeof(*kn));
	if (!kn) {
		errno = ENOMEM;
		return NULL;
	}
	if (!static_name && common_name(name)) {
		name = common_name(name);
		static_name = true;
	}
	kn->static_name = static_name;
	kn->name = static_name ? name : strdup(name);
	if (!kn->name) {
		free(kn);
		errno = ENOMEM;
		return NULL;
	}
	kn->type = type;
	kn->mode = mode;
	kn->generation = ++kr->next_generation;
	kn->parent = parent;
	if (parent) {
		kn->prev = parent->dir.last;
		if (parent->dir.last)
			parent->dir.last->next = kn;
		else
			parent->dir.first = kn;
		parent->dir.last = kn;
		if (type == KN_DIR)
			parent->dir.nr_subdirs++;
		/*
		 * A child pins its parent, as a kernfs_node holds a reference on
		 * its parent: a removed node still in use (an open fd, a link
		 * being read) keeps a valid path up to the root.
		 */
		kn_pin(parent);
	}
	kn->hash = kn_hash(parent, kn->name);
	b = kn->hash & (kr->nr_buckets - 1);
	kn->hash_next = kr->buckets[b];
	kr->buckets[b] = kn;
	kr->nr_nodes++;
	return kn;
}

int kernfs_init(struct kernfs_root *kr)
{
	memset(kr, 0, sizeof(*kr));
	kr->notify_tail = &kr->notify_head;
	kr->nr_buckets = 1024;
	kr->buckets = calloc(kr->nr_buckets, sizeof(*kr->buckets));
	if (!kr->buckets)
		return -ENOMEM;
	kr->root = kn_new(kr, NULL, "", true, KN_DIR, 040755);
	if (!kr->root) {
		free(kr->buckets);
		return -ENOMEM;
	}
	return 0;
}

int kernfs_reserve(struct kernfs_root *kr, size_t nr_nodes)
{
	size_t nr = kr->nr_buckets;

	while (nr < nr_nodes)
		nr *= 2;
	return nr == kr->nr_buckets ? 0 : kernfs_rehash(kr, nr);
}

uint16_t kn_lazy_mode(const struct kn_lazy_group *lg, const struct kn_attr *attr)
{
	return lg->grp->is_visible ? lg->grp->is_visible(lg->obj, attr) : attr->mode;
}

/* The node of a lazy group's file or link. */
static struct kn *kn_lazy_create(struct kernfs_root *kr, struct kn *dir, const struct kn_attr *attr,
				 uint16_t mode, void *obj)
{
	if (kn_attr_is_link(attr))
		return kernfs_create_link(kr, dir, attr->name, obj);
	return kernfs_create_attr(kr, dir, attr, mode, obj);
}

/*
 * The group file or link called @name that a record of @dir shows (visible),
 * with its record and mode; NULL when none does.  Listings are not asked.
 */
static const struct kn_attr *kn_lazy_attr(const struct kn *dir, const char *name,
					  const struct kn_lazy_group **lgp, uint16_t *modep)
{
	for (const struct kn_lazy_group *lg = dir->dir.lazy; lg; lg = lg->next) {
		for (const struct kn_attr *const *a = lg->grp->attrs; a && *a; a++) {
			uint16_t mode;

			if (strcmp((*a)->name, name) || !(mode = kn_lazy_mode(lg, *a)))
				continue;
			*lgp = lg;
			*modep = mode;
			return *a;
		}
	}
	return NULL;
}

/*
 * The group file or link called @name, materialised, and with @listings a
 * listing's link of that name; names are unique in a directory (kernfs.h).
 */
static struct kn *kn_materialise(struct kernfs_root *kr, struct kn *dir, const char *name, bool listings)
{
	const struct kn_lazy_group *lg;
	const struct kn_attr *attr;
	uint16_t mode;

	attr = kn_lazy_attr(dir, name, &lg, &mode);
	if (attr)
		return kn_lazy_create(kr, dir, attr, mode, lg->obj);
	for (lg = dir->dir.lazy; listings && lg; lg = lg->next) {
		struct kn *target = lg->grp->listing ? lg->grp->listing->lookup(lg->obj, name) : NULL;

		if (target)
			return kernfs_create_link(kr, dir, name, target);
	}
	return NULL;
}

struct kn *kernfs_find(struct kernfs_root *kr, struct kn *parent, const char *name)
{
	struct kn *kn = kn_find_hashed(kr, parent, name);

	if (kn || parent->type != KN_DIR || parent->removed || !parent->dir.lazy)
		return kn;
	return kn_materialise(kr, parent, name, true);
}

int kernfs_for_each_lazy(struct kernfs_root *kr, struct kn *dir, kn_lazy_fn fn, void *arg)
{
	if (dir->type != KN_DIR || dir->removed)
		return 0;
	for (const struct kn_lazy_group *lg = dir->dir.lazy; lg; lg = lg->next) {
		for (const struct kn_attr *const *a = lg->grp->attrs; a && *a; a++) {
			uint16_t mode = kn_lazy_mode(lg, *a);
			int err;

			if (!mode || kn_find_hashed(kr, dir, (*a)->name))
				continue;
			err = fn(arg, *a, mode, lg->obj);
			if (err)
				return err;
		}
	}
	return 0;
}

struct listed_arg {
	struct kernfs_root *kr;
	struct kn *dir;
	kn_listing_fn fn;
	void *arg;
};

static int listed_one(void *arg, const char *name, struct kn *target)
{
	struct listed_arg *l = arg;

	return kn_find_hashed(l->kr, l->dir, name) ? 0 : l->fn(l->arg, name, target);
}

int kernfs_for_each_listed(struct kernfs_root *kr, struct kn *dir, kn_listing_fn fn, void *arg)
{
	struct listed_arg l = { kr, dir, fn, arg };

	if (dir->type != KN_DIR || dir->removed)
		return 0;
	for (const struct kn_lazy_group *lg = dir->dir.lazy; lg; lg = lg->next) {
		int err = lg->grp->listing ? lg->grp->listing->for_each(lg->obj, listed_one, &l) : 0;

		if (err)
			return err;
	}
	return 0;
}

struct populate_arg {
	struct kernfs_root *kr;
	struct kn *dir;
};

static int populate_one(void *arg, const struct kn_attr *attr, uint16_t mode, void *obj)
{
	struct populate_arg *p = arg;

	return kn_lazy_create(p->kr, p->dir, attr, mode, obj) ? 0 : -ENOMEM;
}

/* Put @kn last among its siblings. */
static void kn_move_last(struct kn *dir, struct kn *kn)
{
	if (dir->dir.last == kn)
		return;
	if (kn->prev)
		kn->prev->next = kn->next;
	else
		dir->dir.first = kn->next;
	kn->next->prev = kn->prev;
	kn->prev = dir->dir.last;
	kn->next = NULL;
	dir->dir.last->next = kn;
	dir->dir.last = kn;
}

/*
 * Every entry of a listing, in the listing's order after everything else,
 * whichever were looked up before: a listing does not depend on its past.
 */
static int populate_listed(void *arg, const char *name, struct kn *target)
{
	struct populate_arg *p = arg;
	struct kn *kn = kn_find_hashed(p->kr, p->dir, name);

	if (kn) {
		kn_move_last(p->dir, kn);
		return 0;
	}
	return kernfs_create_link(p->kr, p->dir, name, target) ? 0 : -ENOMEM;
}

int kernfs_populate(struct kernfs_root *kr, struct kn *dir)
{
	struct populate_arg p = { kr, dir };
	int err = kernfs_for_each_lazy(kr, dir, populate_one, &p);

	if (err || dir->type != KN_DIR || dir->removed)
		return err;
	for (const struct kn_lazy_group *lg = dir->dir.lazy; lg && !err; lg = lg->next)
		if (lg->grp->listing)
			err = lg->grp->listing->for_each(lg->obj, populate_listed, &p);
	return err;
}

struct kn *kernfs_walk(struct kernfs_root *kr, struct kn *from, const char *path)
{
	char comp[256];
	struct kn *kn = from;

	while (kn && *path) {
		size_t n = strcspn(path, "/");

		if (n == 0) {
			path++;
			continue;
		}
		if (n >= sizeof(comp))
			return NULL;
		memcpy(comp, path, n);
		comp[n] = '\0';
		kn = kernfs_find(kr, kn, comp);
		path += n;
	}
	return kn;
}

struct kn *kernfs_create_dir(struct kernfs_root *kr, struct kn *parent, const char *name)
{
	const struct kn_lazy_group *lg;
	uint16_t mode;

	if (parent && parent->type == KN_DIR && kn_lazy_attr(parent, name, &lg, &mode)) {
		errno = EEXIST;
		return NULL;
	}
	return kn_new(kr, parent, name, false, KN_DIR, 040755);
}

struct kn *kernfs_create_attr(struct kernfs_root *kr, struct kn *parent, const struct kn_attr *attr,
			      uint16_t mode, void *obj)
{
	struct kn *kn = kn_new(kr, parent, attr->name, true, KN_ATTR, 0100000 | (mode & 0777));

	if (kn) {
		kn->attr.attr = attr;
		kn->attr.obj = obj;
	}
	return kn;
}

struct kn *kernfs_create_link(struct kernfs_root *kr, struct kn *parent, const char *name,
			      struct kn *target)
{
	/*
	 * A link named as its target (a bus's or a driver's listing) shares
	 * the target's name: the link pins the target, so the name outlives it.
	 */
	bool shared = !strcmp(name, target->name);
	struct kn *kn = kn_new(kr, parent, shared ? target->name : name, shared, KN_LINK, 0120777);

	if (kn) {
		kn->target = target;
		kn_pin(target);
	}
	return kn;
}

static void kernfs_queue_notify(struct kernfs_root *kr, struct kn *parent, struct kn *child)
{
	const char *name = child ? child->name : "";
	size_t len = strlen(name);
	struct kn_notify *n = malloc(sizeof(*n) + len + 1);

	/*
	 * Without memory the notification is lost; the kernel then keeps a
	 * dentry until its timeout.  There is nothing better to do here.
	 */
	if (!n)
		return;
	n->next = NULL;
	n->parent_ino = kn_ino(parent, kr);
	n->child_ino = child ? kn_ino(child, kr) : 0;
	memcpy(n->name, name, len + 1);
	*kr->notify_tail = n;
	kr->notify_tail = &n->next;
}

static void kn_unhash(struct kernfs_root *kr, struct kn *kn)
{
	struct kn **pp = &kr->buckets[kn->hash & (kr->nr_buckets - 1)];

	for (; *pp; pp = &(*pp)->hash_next) {
		if (*pp == kn) {
			*pp = kn->hash_next;
			break;
		}
	}
	kr->nr_nodes--;
}

/* Detach a subtree; @top is its root, whose dentry the kernel must drop. */
static void kernfs_remove_subtree(struct kernfs_root *kr, struct kn *kn, bool top)
{
	struct kn *parent = kn->parent;

	if (kn->type == KN_DIR) {
		while (kn->dir.first)
			kernfs_remove_subtree(kr, kn->dir.first, false);
		/* The groups' objects may go with the directory: forget them now. */
		kn_drop_lazy(kn);
	}

	/*
	 * Only the top of a removed subtree needs a notification: dropping a
	 * dentry drops everything below it.  A node the kernel never looked
	 * up has no dentry to drop.
	 */
	if (top && kn->lookups)
		kernfs_queue_notify(kr, parent, kn);
	if (top && kn->type == KN_DIR && parent->lookups)
		kernfs_queue_notify(kr, parent, NULL);

	if (kn->prev)
		kn->prev->next = kn->next;
	else
		parent->dir.first = kn->next;
	if (kn->next)
		kn->next->prev = kn->prev;
	else
		parent->dir.last = kn->prev;
	if (kn->type == KN_DIR)
		parent->dir.nr_subdirs--;
	kn_unhash(kr, kn);
	kn->removed = true;
	/* Park it on the zombie list until the kernel forgets it. */
	kn->prev = NULL;
	kn->next = kr->zombies;
	if (kr->zombies)
		kr->zombies->prev = kn;
	kr->zombies = kn;
	kn_release(kr, kn);
}

static void kn_remove(struct kernfs_root *kr, struct kn *kn)
{
	if (!kn || kn->removed || kn == kr->root)
		return;
	kernfs_remove_subtree(kr, kn, true);
}

/*
 * One file of a group goes on its own (sysfs_remove_file_self(), as mdev's
 * "remove" does): the directory stops being lazy, so that the group cannot
 * bring the file back.
 */
/* Listings stay: what they list comes and goes with the model. */
static bool record_is_group(const struct kn_lazy_group *lg, const void *arg)
{
	(void)arg;
	return !lg->grp->listing;
}

static void kn_freeze(struct kernfs_root *kr, struct kn *dir)
{
	struct populate_arg p = { kr, dir };

	/* Without memory for every file, keep the groups: losing files is worse. */
	if (!kernfs_for_each_lazy(kr, dir, populate_one, &p))
		kn_drop_records(dir, record_is_group, NULL);
}

static bool record_is_link_named(const struct kn_lazy_group *lg, const void *name)
{
	const struct kn_attr *a = lg->grp->attrs ? lg->grp->attrs[0] : NULL;

	return a && kn_attr_is_link(a) && !strcmp(a->name, name);
}

/*
 * Forget the lazy links called @name in @dir: one link to a record, so
 * dropping the record is exact (no freeze).  True when there was one.
 */
static bool kn_drop_lazy_link(struct kn *dir, const char *name)
{
	return kn_drop_records(dir, record_is_link_named, name);
}

void kernfs_remove(struct kernfs_root *kr, struct kn *kn)
{
	if (kn && !kn->removed && kn->parent && kn->parent->dir.lazy) {
		if (kn->type == KN_ATTR)
			kn_freeze(kr, kn->parent);
		else if (kn->type == KN_LINK)
			kn_drop_lazy_link(kn->parent, kn->name);
	}
	kn_remove(kr, kn);
}

void kernfs_remove_by_name(struct kernfs_root *kr, struct kn *parent, const char *name)
{
	struct kn *kn;

	if (!parent || parent->type != KN_DIR)
		return;
	kn = kn_find_hashed(kr, parent, name);
	/* A link never looked up goes with its record; a group file needs its node (freeze). */
	if (!kn && parent->dir.lazy && kn_drop_lazy_link(parent, name))
		return;
	if (!kn && parent->dir.lazy && !parent->removed)
		kn = kn_materialise(kr, parent, name, false);
	kernfs_remove(kr, kn);
}

int kernfs_create_group(struct kernfs_root *kr, struct kn *dir, const struct attr_group *grp,
			void *obj)
{
	struct kn *gdir = dir;
	struct kn_lazy_group *lg, **tail;

	if (grp->name) {
		gdir = kn_find_hashed(kr, dir, grp->name);
		if (!gdir)
			gdir = kernfs_create_dir(kr, dir, grp->name);
		if (!gdir)
			return -errno;
	}
	if (gdir->type != KN_DIR || gdir->removed)
		return -ENOENT;
	lg = malloc(sizeof(*lg));
	if (!lg)
		return -ENOMEM;
	*lg = (struct kn_lazy_group){ .grp = grp, .obj = obj };
	for (tail = &gdir->dir.lazy; *tail; tail = &(*tail)->next)
		;
	*tail = lg;
	return 0;
}

static bool record_of_group(const struct kn_lazy_group *lg, const void *grp)
{
	return lg->grp == grp;
}

void kernfs_remove_group(struct kernfs_root *kr, struct kn *dir, const struct attr_group *grp)
{
	if (grp->name) {
		kernfs_remove_by_name(kr, dir, grp->name);
		return;
	}
	/* The materialised files of the group, then the record of it. */
	for (const struct kn_attr *const *a = grp->attrs; a && *a; a++) {
		struct kn *kn = kn_find_hashed(kr, dir, (*a)->name);

		if (kn && ((kn->type == KN_ATTR && kn->attr.attr == *a) ||
			   (kn->type == KN_LINK && kn_attr_is_link(*a))))
			kn_remove(kr, kn);
	}
	kn_drop_records(dir, record_of_group, grp);
}

int kernfs_create_groups(struct kernfs_root *kr, struct kn *dir, const struct attr_group *const *grps,
			 void *obj)
{
	for (; grps && *grps; grps++) {
		int err = kernfs_create_group(kr, dir, *grps, obj);

		if (err)
			return err;
	}
	return 0;
}

void kernfs_remove_groups(struct kernfs_root *kr, struct kn *dir, const struct attr_group *const *grps)
{
	for (; grps && *grps; grps++)
		kernfs_remove_group(kr, dir, *grps);
}

static int kn_depth(const struct kn *kn)
{
	int depth = 0;

	for (; kn->parent; kn = kn->parent)
		depth++;
	return depth;
}

static int append(char *buf, size_t size, size_t *pos, const char *s)
{
	size_t len = strlen(s);

	if (*pos + len + 1 > size)
		return -ENAMETOOLONG;
	memcpy(buf + *pos, s, len + 1);
	*pos += len;
	return 0;
}

/* Write the path from @from (exclusive) down to @to (inclusive). */
static int append_down(char *buf, size_t size, size_t *pos, const struct kn *from, const struct kn *to)
{
	const struct kn *chain[128];
	int n = 0;

	for (; to != from; to = to->parent) {
		if (n == (int)(sizeof(chain) / sizeof(chain[0])))
			return -ENAMETOOLONG;
		chain[n++] = to;
	}
	while (n--) {
		int err = append(buf, size, pos, chain[n]->name);

		if (!err && n)
			err = append(buf, size, pos, "/");
		if (err)
			return err;
	}
	return 0;
}

int kernfs_link_target(const struct kn *link, char *buf, size_t size)
{
	return kernfs_link_text(link->parent, link->target, buf, size);
}

int kernfs_link_text(const struct kn *base, const struct kn *target, char *buf, size_t size)
{
	/*
	 * As kernfs_get_target_path(): climb from the link's directory until it
	 * is an ancestor of the target's parent, so a link to an ancestor
	 * ("device" in vfio-dev/vfio0) names it from one level above.
	 */
	const struct kn *a = base, *b = target->parent ? target->parent : target;
	int da = kn_depth(a), db = kn_depth(b);
	size_t pos = 0;
	int err;

	/* Common ancestor, then one "../" per level from the link's directory up to it. */
	while (da > db) {
		a = a->parent;
		da--;
	}
	while (db > da) {
		b = b->parent;
		db--;
	}
	while (a != b) {
		a = a->parent;
		b = b->parent;
	}
	buf[0] = '\0';
	for (const struct kn *kn = base; kn != a; kn = kn->parent) {
		err = append(buf, size, &pos, "../");
		if (err)
			return err;
	}
	err = append_down(buf, size, &pos, a, target);
	return err ? err : (int)pos;
}

int kernfs_path(const struct kn *kn, char *buf, size_t size)
{
	const struct kn *root = kn;
	size_t pos = 0;
	int err;

	while (root->parent)
		root = root->parent;
	if (!size)
		return -ENAMETOOLONG;
	buf[0] = '\0';
	err = append_down(buf, size, &pos, root, kn);
	return err ? err : (int)pos;
}

struct kn_notify *kernfs_take_notifications(struct kernfs_root *kr)
{
	struct kn_notify *head = kr->notify_head;

	kr->notify_head = NULL;
	kr->notify_tail = &kr->notify_head;
	return head;
}

static void kn_free_tree(struct kn *kn)
{
	while (kn->type == KN_DIR && kn->dir.first) {
		struct kn *child = kn->dir.first;

		kn->dir.first = child->next;
		kn_free_tree(child);
	}
	kn_free_mem(kn);
}

void kernfs_destroy(struct kernfs_root *kr)
{
	struct kn_notify *n = kernfs_take_notifications(kr);

	while (n) {
		struct kn_notify *next = n->next;

		free(n);
		n = next;
	}
	/* At teardown nobody refers to anything: free the tree and the zombies. */
	if (kr->root)
		kn_free_tree(kr->root);
	while (kr->zombies) {
		struct kn *kn = kr->zombies;

		kr->zombies = kn->next;
		kn_free_mem(kn);
	}
	free(kr->buckets);
	memset(kr, 0, sizeof(*kr));
}
