/* SPDX-License-Identifier: MIT */
/*
 * kernfs: the object tree that the FUSE layer shows.
 *
 * Like the kernel's fs/kernfs, the tree has three kinds of node: directories,
 * attributes (a show and/or a store bound to an object) and symlinks (to
 * another node; the relative text is computed when read, as kernfs does).
 * The tree knows nothing of FUSE; it records every removal that a cached
 * dentry may still point at in a list of pending notifications, which the
 * FUSE layer sends once the model lock is released.
 *
 * Locking: every function here must be called with the model lock held
 * (struct sim::lock).  Nodes are freed only when neither the tree, the
 * kernel (FUSE lookup count) nor the daemon (pins) refers to them, so a
 * removed node may still be read by an fd the kernel holds open; its
 * attribute ops then fail with ENODEV, as kernfs's kernfs_get_active() does.
 */
#ifndef SIMFS_KERNFS_H
#define SIMFS_KERNFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SYSFS_PAGE_SIZE 4096

enum kn_type {
	KN_DIR,
	KN_ATTR,
	KN_LINK,
};

/*
 * An attribute file.  @show renders into a SYSFS_PAGE_SIZE buffer and
 * returns the byte count or -errno; @store receives exactly the bytes of one
 * write(2) (NUL-terminated copy, @len excludes the NUL) and returns @len or
 * -errno.  @obj is the object the attribute was created for.
 */
struct kn_attr {
	const char *name;
	uint16_t mode;
	uint16_t size; /* st_size; 0 means SYSFS_PAGE_SIZE (binary attributes set theirs) */
	ssize_t (*show)(void *obj, char *buf);
	ssize_t (*store)(void *obj, const char *buf, size_t len);
};

#define __ATTR_RO(_name) { .name = #_name, .mode = 0444, .show = _name##_show }
#define __ATTR_WO(_name) { .name = #_name, .mode = 0200, .store = _name##_store }
#define __ATTR_RW(_name) { .name = #_name, .mode = 0644, .show = _name##_show, .store = _name##_store }

struct kn;
typedef int (*kn_listing_fn)(void *arg, const char *name, struct kn *target);

/*
 * A directory of links the model already lists (a bus's devices, a
 * driver's): @lookup returns the target of the link called @name, or NULL;
 * @for_each calls @fn for every link in listing order and stops at, and
 * returns, a non-zero result.
 */
struct kn_listing {
	struct kn *(*lookup)(void *obj, const char *name);
	int (*for_each)(void *obj, kn_listing_fn fn, void *arg);
};

/*
 * A group of attributes, optionally in a named subdirectory, filtered per
 * object by @is_visible (returns the mode to use, or 0 to hide the file).
 */
struct attr_group {
	const char *name;
	const struct kn_attr *const *attrs;
	uint16_t (*is_visible)(void *obj, const struct kn_attr *attr);
	/* Instead of @attrs: links derived from @obj, nodes once looked up. */
	const struct kn_listing *listing;
};

/*
 * Attribute groups are materialised on demand: creating a group records it
 * on the directory, and an attribute node exists only once a lookup names
 * it or a readdir lists the directory.  A quarter of a million devices then
 * cost their directories, not the dozen files in each.  This is exact only
 * because every is_visible() depends on state fixed for the object's life
 * (the kernel version, a subchannel's type, a card's functions), just as
 * sysfs evaluates it once, when the group is created.
 *
 * Names are unique in a directory: sysfs refuses a group whose file names
 * one that exists (-EEXIST).  Checking that here would cost a lookup per
 * file at every device's creation, so it is the invariant checker of the
 * model fuzzer (tests/fuzz/invariants.c) that holds the drivers to it.
 */
struct kn_lazy_group {
	struct kn_lazy_group *next;
	const struct attr_group *grp;
	void *obj;
};

/*
 * A link can wait for its first lookup too: a group of one attribute with
 * a symlink mode, KN_LINK_ATTR(name), whose object is the target node.  The
 * driver core records every device's "subsystem" and "driver" links so.
 * The record holds no pin on the target: whoever removes a target removes
 * its links first (a device is unbound before its driver goes, and leaves
 * its bus before the bus goes), which the model fuzzer's invariants check.
 */
#define KN_LINK_MODE 0120777
#define KN_LINK_ATTR(_name) { .name = #_name, .mode = KN_LINK_MODE }

static inline bool kn_attr_is_link(const struct kn_attr *attr)
{
	return attr->mode == KN_LINK_MODE;
}

/* The mode @attr of a lazy group shows with (0: hidden). */
uint16_t kn_lazy_mode(const struct kn_lazy_group *lg, const struct kn_attr *attr);

struct kn {
	struct kn *parent;
	struct kn *prev, *next;		/* siblings, in creation order */
	struct kn *hash_next;		/* chain in kernfs_root::buckets */
	const char *name;		/* owned unless static_name */
	uint64_t generation;
	uint64_t lookups;		/* kernel references (FUSE nlookup) */
	uint32_t pins;			/* daemon references (children, open handles, links) */
	uint32_t hash;			/* of (parent, name): rehashing touches no name */
	uint16_t mode;
	uint8_t type;
	bool removed : 1;
	bool static_name : 1;		/* an attribute's name: its kn_attr's, not a copy */
	union {
		struct {
			struct kn *first, *last;	/* children */
			struct kn_lazy_group *lazy;	/* groups not yet materialised */
			uint32_t nr_subdirs;
		} dir;
		struct {
			const struct kn_attr *attr;
			void *obj;
		} attr;
		struct kn *target;	/* KN_LINK, pinned */
	};
};

/* A structural change the kernel's dcache must hear of. */
struct kn_notify {
	struct kn_notify *next;
	uint64_t parent_ino;
	uint64_t child_ino;	/* 0: only the parent's attributes (nlink) changed */
	char name[];
};

struct kernfs_root {
	struct kn *root;
	struct kn **buckets;
	size_t nr_buckets;
	size_t nr_nodes;
	uint64_t next_generation;
	struct kn_notify *notify_head, **notify_tail;
	struct kn *zombies;	/* removed, still referenced; linked by next/prev */
};

int kernfs_init(struct kernfs_root *kr);
/*
 * Size the name hash for @nr_nodes now: a large topology's boot otherwise
 * rehashes every node a dozen times on the way up.
 */
int kernfs_reserve(struct kernfs_root *kr, size_t nr_nodes);
void kernfs_destroy(struct kernfs_root *kr);

/*
 * On failure these return NULL with errno set: EEXIST when @name is taken
 * (for a directory also by a file a lazy group would show), ENOENT when
 * @parent is gone, ENOMEM.
 */
struct kn *kernfs_create_dir(struct kernfs_root *kr, struct kn *parent, const char *name);
struct kn *kernfs_create_attr(struct kernfs_root *kr, struct kn *parent, const struct kn_attr *attr,
			      uint16_t mode, void *obj);
struct kn *kernfs_create_link(struct kernfs_root *kr, struct kn *parent, const char *name,
			      struct kn *target);
/* Remove @kn and everything below it (no-op for NULL). */
void kernfs_remove(struct kernfs_root *kr, struct kn *kn);
/*
 * Remove the child called @name of @parent, if there is one (lazy or not).
 * A listing's link without a node is left alone: the model's list says
 * whether it is there.
 */
void kernfs_remove_by_name(struct kernfs_root *kr, struct kn *parent, const char *name);

int kernfs_create_group(struct kernfs_root *kr, struct kn *dir, const struct attr_group *grp,
			void *obj);
void kernfs_remove_group(struct kernfs_root *kr, struct kn *dir, const struct attr_group *grp);
int kernfs_create_groups(struct kernfs_root *kr, struct kn *dir, const struct attr_group *const *grps,
			 void *obj);
void kernfs_remove_groups(struct kernfs_root *kr, struct kn *dir, const struct attr_group *const *grps);

/* The child @name of @parent, materialising it from a lazy group if need be. */
struct kn *kernfs_find(struct kernfs_root *kr, struct kn *parent, const char *name);
/* Materialise every lazy attribute of @dir (before listing it). */
int kernfs_populate(struct kernfs_root *kr, struct kn *dir);
/*
 * Call @fn for each file a listing of @dir would add now (visible group
 * files not materialised yet), materialising nothing; a non-zero return of
 * @fn stops the walk and is returned.
 */
typedef int (*kn_lazy_fn)(void *arg, const struct kn_attr *attr, uint16_t mode, void *obj);
int kernfs_for_each_lazy(struct kernfs_root *kr, struct kn *dir, kn_lazy_fn fn, void *arg);
/* The same for the links of @dir's listings (struct kn_listing) without a node yet. */
int kernfs_for_each_listed(struct kernfs_root *kr, struct kn *dir, kn_listing_fn fn, void *arg);
/* Resolve a '/'-separated path relative to @from (no "..", no links). */
struct kn *kernfs_walk(struct kernfs_root *kr, struct kn *from, const char *path);

/* The relative text of a symlink, as kernfs_get_target_path() builds it. */
int kernfs_link_target(const struct kn *link, char *buf, size_t size);
/* The same for a link in @dir to @target that need not exist yet. */
int kernfs_link_text(const struct kn *dir, const struct kn *target, char *buf, size_t size);
/* Path of @kn below the root ("bus/css"), for logs and the control surface. */
int kernfs_path(const struct kn *kn, char *buf, size_t size);

void kn_pin(struct kn *kn);
void kn_unpin(struct kernfs_root *kr, struct kn *kn);
void kn_forget(struct kernfs_root *kr, struct kn *kn, uint64_t nlookup);

static inline uint64_t kn_ino(const struct kn *kn, const struct kernfs_root *kr)
{
	return kn == kr->root ? 1 : (uint64_t)(uintptr_t)kn;
}

/* Detach the pending notifications (the caller sends and frees them). */
struct kn_notify *kernfs_take_notifications(struct kernfs_root *kr);

#endif /* SIMFS_KERNFS_H */
