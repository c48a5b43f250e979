// SPDX-License-Identifier: MIT
/*
 * Unit tests for the kernfs tree's node lifetimes: a removed node the
 * kernel still refers to (a FUSE lookup count) or the daemon still uses (an
 * open handle, a link) must stay valid, with a valid path up to the root,
 * until the last reference goes; then it is freed.  Attribute groups are
 * materialised on demand, and so are a device's links; both must look exactly as if they
 * were not.  Run under ASan, a
 * lifetime mistake here is a use-after-free report, not a flaky mount test.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernfs.h"

static int setup(void **state)
{
	struct kernfs_root *kr = calloc(1, sizeof(*kr));

	if (!kr || kernfs_init(kr)) {
		free(kr);
		return -1;
	}
	*state = kr;
	return 0;
}

static void drop_notifications(struct kernfs_root *kr)
{
	struct kn_notify *n = kernfs_take_notifications(kr);

	while (n) {
		struct kn_notify *next = n->next;

		free(n);
		n = next;
	}
}

static int teardown(void **state)
{
	struct kernfs_root *kr = *state;

	drop_notifications(kr);
	kernfs_destroy(kr);
	free(kr);
	return 0;
}

static size_t nr_zombies(const struct kernfs_root *kr)
{
	size_t nr = 0;

	for (const struct kn *kn = kr->zombies; kn; kn = kn->next)
		nr++;
	return nr;
}

/* devices/mdev/vfio-dev/vfio0 and class/vfio-dev/vfio0 -> it, as vfio builds them. */
static struct kn *build_vfio_dev(struct kernfs_root *kr, struct kn **dev)
{
	struct kn *devices = kernfs_create_dir(kr, kr->root, "devices");
	struct kn *class = kernfs_create_dir(kr, kr->root, "class");
	struct kn *cls = kernfs_create_dir(kr, class, "vfio-dev");
	struct kn *mdev = kernfs_create_dir(kr, devices, "mdev");
	struct kn *vdir = kernfs_create_dir(kr, mdev, "vfio-dev");
	struct kn *vfio0 = kernfs_create_dir(kr, vdir, "vfio0");

	assert_non_null(vfio0);
	*dev = mdev;
	return kernfs_create_link(kr, cls, "vfio0", vfio0);
}

static void test_link_text(void **state)
{
	struct kernfs_root *kr = *state;
	struct kn *mdev, *link = build_vfio_dev(kr, &mdev);
	char buf[256];

	assert_int_equal(kernfs_link_target(link, buf, sizeof(buf)),
			 (int)strlen("../../devices/mdev/vfio-dev/vfio0"));
	assert_string_equal(buf, "../../devices/mdev/vfio-dev/vfio0");
	assert_int_equal(kernfs_link_target(link, buf, 8), -ENAMETOOLONG);
}

/*
 * The kernel looked the link up; the device and the link go (mdev remove).
 * A readlink still in flight must see the old path, not freed parents.
 */
static void test_removed_link_outlives_target_parents(void **state)
{
	struct kernfs_root *kr = *state;
	struct kn *mdev, *link = build_vfio_dev(kr, &mdev);
	struct kn *cls = link->parent;
	char buf[256];

	link->lookups = 1;
	kernfs_remove(kr, mdev);
	kernfs_remove(kr, cls);
	drop_notifications(kr);
	assert_true(link->removed);
	assert_int_equal(kernfs_link_target(link, buf, sizeof(buf)),
			 (int)strlen("../../devices/mdev/vfio-dev/vfio0"));
	assert_string_equal(buf, "../../devices/mdev/vfio-dev/vfio0");
	assert_int_equal(kernfs_path(link, buf, sizeof(buf)), (int)strlen("class/vfio-dev/vfio0"));

	/* The kernel forgets the link: it, its target and their removed parents go. */
	assert_true(nr_zombies(kr) > 0);
	kn_forget(kr, link, 1);
	assert_int_equal(nr_zombies(kr), 0);
}

/* An open handle on an attribute keeps its removed directory chain. */
static void test_pinned_node_keeps_its_path(void **state)
{
	struct kernfs_root *kr = *state;
	struct kn *a = kernfs_create_dir(kr, kr->root, "a");
	struct kn *b = kernfs_create_dir(kr, a, "b");
	struct kn *c = kernfs_create_dir(kr, b, "c");
	char buf[64];

	kn_pin(c);
	kernfs_remove(kr, a);
	drop_notifications(kr);
	assert_null(kernfs_find(kr, kr->root, "a"));
	assert_int_equal(nr_zombies(kr), 3);
	assert_int_equal(kernfs_path(c, buf, sizeof(buf)), (int)strlen("a/b/c"));
	assert_string_equal(buf, "a/b/c");
	kn_unpin(kr, c);
	assert_int_equal(nr_zombies(kr), 0);
}

/* Nothing refers to a removed subtree: it is freed at once, nothing parked. */
static void test_unreferenced_subtree_freed(void **state)
{
	struct kernfs_root *kr = *state;
	struct kn *a = kernfs_create_dir(kr, kr->root, "a");
	size_t before = kr->nr_nodes;

	assert_non_null(kernfs_create_dir(kr, kernfs_create_dir(kr, a, "b"), "c"));
	assert_int_equal(kr->nr_nodes, before + 2);
	kernfs_remove(kr, a);
	drop_notifications(kr);
	assert_int_equal(nr_zombies(kr), 0);
	assert_int_equal(kr->nr_nodes, before - 1);
	/* The name is free again. */
	assert_non_null(kernfs_create_dir(kr, kr->root, "a"));
}

/* ---- lazy attribute groups ------------------------------------------------ */

static ssize_t val_show(void *obj, char *buf)
{
	(void)obj;
	buf[0] = '1';
	return 1;
}

static const struct kn_attr attr_a = { .name = "a", .mode = 0444, .show = val_show };
static const struct kn_attr attr_b = { .name = "b", .mode = 0644, .show = val_show };
static const struct kn_attr attr_hidden = { .name = "hidden", .mode = 0444, .show = val_show };
static const struct kn_attr *const grp_attrs[] = { &attr_a, &attr_b, &attr_hidden, NULL };
static int visible_calls;

static uint16_t grp_visible(void *obj, const struct kn_attr *attr)
{
	visible_calls++;
	if (attr == &attr_hidden)
		return 0;
	return attr == &attr_b ? (uint16_t)(uintptr_t)obj : attr->mode;
}

static const struct attr_group grp = { .attrs = grp_attrs, .is_visible = grp_visible };
static const struct kn_attr attr_c = { .name = "c", .mode = 0200, .show = val_show };
static const struct kn_attr *const grp2_attrs[] = { &attr_c, NULL };
static const struct attr_group grp2 = { .attrs = grp2_attrs };

static size_t nr_children(const struct kn *dir)
{
	size_t nr = 0;

	for (const struct kn *kn = dir->dir.first; kn; kn = kn->next)
		nr++;
	return nr;
}

/* A group costs no node until a lookup names a file; hidden files never appear. */
static void test_group_materialised_on_lookup(void **state)
{
	struct kernfs_root *kr = *state;
	struct kn *dir = kernfs_create_dir(kr, kr->root, "dev");
	struct kn *a, *b;

	visible_calls = 0;
	assert_int_equal(kernfs_create_group(kr, dir, &grp, (void *)(uintptr_t)0600), 0);
	assert_int_equal(kernfs_create_group(kr, dir, &grp2, NULL), 0);
	assert_int_equal(nr_children(dir), 0);
	assert_int_equal(visible_calls, 0);

	a = kernfs_find(kr, dir, "a");
	assert_non_null(a);
	assert_ptr_equal(a->attr.attr, &attr_a);
	assert_int_equal(a->mode, 0100444);
	assert_ptr_equal(kernfs_find(kr, dir, "a"), a);	/* materialised once */
	b = kernfs_walk(kr, kr->root, "dev/b");
	assert_non_null(b);
	assert_int_equal(b->mode, 0100600);		/* is_visible's mode */
	assert_null(kernfs_find(kr, dir, "hidden"));
	assert_null(kernfs_find(kr, dir, "nope"));
	assert_int_equal(nr_children(dir), 2);

	assert_int_equal(kernfs_populate(kr, dir), 0);
	assert_int_equal(nr_children(dir), 3);		/* a, b, c; hidden stays hidden */
	assert_ptr_equal(kernfs_find(kr, dir, "c")->attr.attr, &attr_c);
}

static int count_lazy(void *arg, const struct kn_attr *attr, uint16_t mode, void *obj)
{
	(void)attr;
	(void)obj;
	(*(int *)arg)++;
	return mode == 0 ? -EINVAL : 0;
}

/* The files a listing would add, without adding them. */
static void test_for_each_lazy_materialises_nothing(void **state)
{
	struct kernfs_root *kr = *state;
	struct kn *dir = kernfs_create_dir(kr, kr->root, "dev");
	int n = 0;

	assert_int_equal(kernfs_create_group(kr, dir, &grp, (void *)(uintptr_t)0644), 0);
	assert_int_equal(kernfs_create_group(kr, dir, &grp2, NULL), 0);
	assert_int_equal(kernfs_for_each_lazy(kr, dir, count_lazy, &n), 0);
	assert_int_equal(n, 3);				/* a, b, c */
	assert_int_equal(nr_children(dir), 0);
	assert_non_null(kernfs_find(kr, dir, "b"));
	n = 0;
	assert_int_equal(kernfs_for_each_lazy(kr, dir, count_lazy, &n), 0);
	assert_int_equal(n, 2);				/* b is a node now */
}

/* A name is taken by a node or by a file a group would show, not by a hidden one. */
static void test_create_dir_taken_names(void **state)
{
	struct kernfs_root *kr = *state;
	struct kn *dir = kernfs_create_dir(kr, kr->root, "dev");

	assert_int_equal(kernfs_create_group(kr, dir, &grp, (void *)(uintptr_t)0644), 0);
	errno = 0;
	assert_null(kernfs_create_dir(kr, dir, "a"));
	assert_int_equal(errno, EEXIST);
	assert_int_equal(nr_children(dir), 0);		/* found out without a node */
	assert_non_null(kernfs_create_dir(kr, dir, "hidden"));
	errno = 0;
	assert_null(kernfs_create_dir(kr, dir, "hidden"));
	assert_int_equal(errno, EEXIST);
	kn_pin(dir);					/* an open handle, say */
	kernfs_remove(kr, dir);
	drop_notifications(kr);
	errno = 0;
	assert_null(kernfs_create_dir(kr, dir, "new"));
	assert_int_equal(errno, ENOENT);
	kn_unpin(kr, dir);
}

/* A file removed on its own stays removed; the rest of the group stays. */
static void test_single_file_removal_sticks(void **state)
{
	struct kernfs_root *kr = *state;
	struct kn *dir = kernfs_create_dir(kr, kr->root, "dev");

	assert_int_equal(kernfs_create_group(kr, dir, &grp, (void *)(uintptr_t)0644), 0);
	kernfs_remove_by_name(kr, dir, "a");
	drop_notifications(kr);
	assert_null(kernfs_find(kr, dir, "a"));
	assert_non_null(kernfs_find(kr, dir, "b"));
	assert_int_equal(kernfs_populate(kr, dir), 0);
	assert_null(kernfs_find(kr, dir, "a"));
	assert_int_equal(nr_children(dir), 1);
}

/* Removing a group removes its files, materialised or not, and only its own. */
static void test_group_removal(void **state)
{
	struct kernfs_root *kr = *state;
	struct kn *dir = kernfs_create_dir(kr, kr->root, "dev");

	assert_int_equal(kernfs_create_group(kr, dir, &grp, (void *)(uintptr_t)0644), 0);
	assert_int_equal(kernfs_create_group(kr, dir, &grp2, NULL), 0);
	assert_non_null(kernfs_find(kr, dir, "b"));
	kernfs_remove_group(kr, dir, &grp);
	drop_notifications(kr);
	assert_null(kernfs_find(kr, dir, "b"));
	assert_null(kernfs_find(kr, dir, "a"));
	/* The other group's file, never looked up, is still there to be found. */
	assert_non_null(kernfs_find(kr, dir, "c"));
	kernfs_remove_group(kr, dir, &grp2);
	drop_notifications(kr);
	assert_null(kernfs_find(kr, dir, "c"));
	assert_int_equal(nr_children(dir), 0);
}

/* A removed directory materialises nothing more, even from its groups. */
static void test_removed_dir_is_not_populated(void **state)
{
	struct kernfs_root *kr = *state;
	struct kn *dir = kernfs_create_dir(kr, kr->root, "dev");

	assert_int_equal(kernfs_create_group(kr, dir, &grp, (void *)(uintptr_t)0644), 0);
	dir->lookups = 1;
	kernfs_remove(kr, dir);
	drop_notifications(kr);
	assert_null(kernfs_find(kr, dir, "a"));
	assert_int_equal(kernfs_populate(kr, dir), 0);
	assert_int_equal(nr_children(dir), 0);
	kn_forget(kr, dir, 1);
}

static const struct kn_attr link_drv = KN_LINK_ATTR(driver);
static const struct kn_attr *const link_drv_attrs[] = { &link_drv, NULL };
static const struct attr_group link_drv_grp = { .attrs = link_drv_attrs };

static size_t nr_notifications(struct kernfs_root *kr)
{
	struct kn_notify *n = kernfs_take_notifications(kr);
	size_t nr = 0;

	while (n) {
		struct kn_notify *next = n->next;

		free(n);
		n = next;
		nr++;
	}
	return nr;
}

/* A lazy link: a node with the link text once looked up, listed without one. */
static void test_lazy_link_materialised_on_lookup(void **state)
{
	struct kernfs_root *kr = *state;
	struct kn *drvs = kernfs_create_dir(kr, kr->root, "drivers");
	struct kn *drv = kernfs_create_dir(kr, drvs, "io_subchannel");
	struct kn *dev = kernfs_create_dir(kr, kr->root, "dev");
	char text[64];
	struct kn *l;
	int n = 0;

	assert_int_equal(kernfs_create_group(kr, dev, &link_drv_grp, drv), 0);
	assert_int_equal(nr_children(dev), 0);
	assert_int_equal(kernfs_for_each_lazy(kr, dev, count_lazy, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(kernfs_link_text(dev, drv, text, sizeof(text)), (int)strlen("../drivers/io_subchannel"));
	assert_string_equal(text, "../drivers/io_subchannel");
	l = kernfs_find(kr, dev, "driver");
	assert_non_null(l);
	assert_int_equal(l->type, KN_LINK);
	assert_int_equal(l->mode, 0120777);
	assert_ptr_equal(l->target, drv);
	assert_int_equal(kernfs_link_target(l, text, sizeof(text)), (int)strlen("../drivers/io_subchannel"));
	assert_string_equal(text, "../drivers/io_subchannel");
	assert_ptr_equal(kernfs_find(kr, dev, "driver"), l);	/* materialised once */
}

/*
 * Unbinding removes the link whether or not it was ever looked up; only a
 * link the kernel knows needs a notification, and none comes back.
 */
static void test_lazy_link_removal(void **state)
{
	struct kernfs_root *kr = *state;
	struct kn *drv = kernfs_create_dir(kr, kr->root, "drv");
	struct kn *dev = kernfs_create_dir(kr, kr->root, "dev");
	struct kn *l;

	assert_int_equal(kernfs_create_group(kr, dev, &link_drv_grp, drv), 0);
	assert_int_equal(nr_notifications(kr), 0);
	kernfs_remove_group(kr, dev, &link_drv_grp);
	assert_int_equal(nr_notifications(kr), 0);
	assert_null(kernfs_find(kr, dev, "driver"));

	assert_int_equal(kernfs_create_group(kr, dev, &link_drv_grp, drv), 0);
	l = kernfs_find(kr, dev, "driver");
	l->lookups = 1;
	kernfs_remove_group(kr, dev, &link_drv_grp);
	assert_int_equal(nr_notifications(kr), 1);
	assert_true(l->removed);
	kn_forget(kr, l, 1);
	assert_null(kernfs_find(kr, dev, "driver"));
	assert_int_equal(kernfs_populate(kr, dev), 0);
	assert_int_equal(nr_children(dev), 0);

	/* By name, looked up or not: the record goes with it, nothing else does. */
	assert_int_equal(kernfs_create_group(kr, dev, &link_drv_grp, drv), 0);
	assert_int_equal(kernfs_create_group(kr, dev, &grp, (void *)(uintptr_t)0644), 0);
	kernfs_remove_by_name(kr, dev, "driver");
	assert_null(kernfs_find(kr, dev, "driver"));
	assert_int_equal(nr_children(dev), 0);		/* no freeze: the group is still lazy */
	assert_int_equal(kernfs_create_group(kr, dev, &link_drv_grp, drv), 0);
	kernfs_remove(kr, kernfs_find(kr, dev, "driver"));
	drop_notifications(kr);
	assert_null(kernfs_find(kr, dev, "driver"));
	assert_int_equal(kernfs_populate(kr, dev), 0);
	assert_int_equal(nr_children(dev), 2);		/* a and b */
}

/* A listing over a little model: the entries whose target is set. */
struct fake_list {
	const char *names[3];
	struct kn *targets[3];
	int lookups;
};

static struct kn *fake_lookup(void *obj, const char *name)
{
	struct fake_list *l = obj;

	l->lookups++;
	for (int i = 0; i < 3; i++)
		if (l->targets[i] && !strcmp(l->names[i], name))
			return l->targets[i];
	return NULL;
}

static int fake_for_each(void *obj, kn_listing_fn fn, void *arg)
{
	struct fake_list *l = obj;

	for (int i = 0; i < 3; i++) {
		int err = l->targets[i] ? fn(arg, l->names[i], l->targets[i]) : 0;

		if (err)
			return err;
	}
	return 0;
}

static const struct kn_listing fake_listing_ops = { fake_lookup, fake_for_each };
static const struct attr_group fake_listing = { .listing = &fake_listing_ops };

static int count_listed(void *arg, const char *name, struct kn *target)
{
	(void)name;
	(void)target;
	(*(int *)arg)++;
	return 0;
}

/* A listed link is a node once looked up or listed, named as its target; the model decides the rest. */
static void test_listing(void **state)
{
	struct kernfs_root *kr = *state;
	struct kn *devices = kernfs_create_dir(kr, kr->root, "devices");
	struct kn *listing = kernfs_create_dir(kr, kr->root, "listing");
	struct fake_list l = { .names = { "x", "y", "z" } };
	struct kn *y;
	int n = 0;

	for (int i = 0; i < 3; i++)
		l.targets[i] = kernfs_create_dir(kr, devices, l.names[i]);
	l.targets[2] = NULL;			/* z is not listed (yet) */
	assert_int_equal(kernfs_create_group(kr, listing, &fake_listing, &l), 0);
	assert_int_equal(kernfs_create_group(kr, listing, &grp2, NULL), 0);
	assert_int_equal(nr_children(listing), 0);
	assert_int_equal(kernfs_for_each_listed(kr, listing, count_listed, &n), 0);
	assert_int_equal(n, 2);

	y = kernfs_find(kr, listing, "y");
	assert_non_null(y);
	assert_int_equal(y->type, KN_LINK);
	assert_ptr_equal(y->target, l.targets[1]);
	assert_ptr_equal(y->name, l.targets[1]->name);	/* shared, not copied */
	assert_null(kernfs_find(kr, listing, "z"));
	assert_int_equal(nr_children(listing), 1);
	n = 0;
	assert_int_equal(kernfs_for_each_listed(kr, listing, count_listed, &n), 0);
	assert_int_equal(n, 1);				/* x, not y: y is a node */

	/* Removal by name never asks the model: an entry without a node stays listed. */
	l.lookups = 0;
	kernfs_remove_by_name(kr, listing, "x");
	assert_int_equal(l.lookups, 0);
	assert_non_null(kernfs_find(kr, listing, "x"));

	/* A single group file removed on its own freezes the groups, not the listing. */
	kernfs_remove_by_name(kr, listing, "c");
	l.targets[2] = kernfs_find(kr, devices, "z");
	assert_non_null(kernfs_find(kr, listing, "z"));

	/* The model drops y: its node goes by name, and nothing brings it back. */
	l.targets[1] = NULL;
	y->lookups = 1;
	kernfs_remove_by_name(kr, listing, "y");
	assert_true(y->removed);
	kn_forget(kr, y, 1);
	drop_notifications(kr);
	assert_null(kernfs_find(kr, listing, "y"));
	assert_int_equal(kernfs_populate(kr, listing), 0);
	assert_int_equal(nr_children(listing), 2);	/* x and z */
}

/* A listing lists in its own order, whatever was looked up before. */
static void test_listing_order(void **state)
{
	struct kernfs_root *kr = *state;
	struct kn *devices = kernfs_create_dir(kr, kr->root, "devices");
	struct kn *listing = kernfs_create_dir(kr, kr->root, "listing");
	struct fake_list l = { .names = { "x", "y", "z" } };
	const char *order[4] = { "c", "x", "y", "z" };
	size_t i = 0;

	for (int k = 0; k < 3; k++)
		l.targets[k] = kernfs_create_dir(kr, devices, l.names[k]);
	assert_int_equal(kernfs_create_group(kr, listing, &fake_listing, &l), 0);
	assert_int_equal(kernfs_create_group(kr, listing, &grp2, NULL), 0);
	assert_non_null(kernfs_find(kr, listing, "z"));
	assert_non_null(kernfs_find(kr, listing, "y"));
	assert_int_equal(kernfs_populate(kr, listing), 0);
	for (const struct kn *kn = listing->dir.first; kn; kn = kn->next, i++) {
		assert_true(i < 4);
		assert_string_equal(kn->name, order[i]);
		assert_ptr_equal(kn->next ? kn->next->prev : listing->dir.last, kn);
	}
	assert_int_equal(i, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_link_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_removed_link_outlives_target_parents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pinned_node_keeps_its_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreferenced_subtree_freed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_materialised_on_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_for_each_lazy_materialises_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_dir_taken_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_single_file_removal_sticks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_removal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_removed_dir_is_not_populated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lazy_link_materialised_on_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lazy_link_removal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listing_order, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
