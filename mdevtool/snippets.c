// SPDX-License-Identifier: MIT
/*
 * What to give QEMU and libvirt for an mdev.
 *
 * sysfsdev is printed under the sysfs root mdevtool was pointed at: on a
 * real host that is /sys, the path QEMU needs; on a test tree it is the
 * tree's own path, so the snippet never names a file that does not exist.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mdevtool.h"

/* The guest device number (--devno), or NULL when QEMU/libvirt should pick. */
static int guest_devno(const struct opts *o, struct busid *b)
{
	if (!o->devno)
		return 0;
	if (parse_busid(o->devno, b) || !strchr(o->devno, '.')) {
		err_msg("'%s' is not a guest device number (expected e.g. fe.0.1234)", o->devno);
		return -EINVAL;
	}
	return 1;
}

static void print_qemu(const struct ctx *c, const struct mdev_info *m, const char *path, int have,
		       const struct busid *b)
{
	bool ccw = !strcmp(m->type, CCW_TYPE);

	(void)c;
	if (ccw && have)
		printf("-device vfio-ccw,devno=%x.%x.%04x,sysfsdev=%s\n", b->cssid, b->ssid, b->devno, path);
	else
		printf("-device %s,sysfsdev=%s\n", ccw ? "vfio-ccw" : "vfio-ap", path);
}

static void print_libvirt(const struct mdev_info *m, int have, const struct busid *b)
{
	bool ccw = !strcmp(m->type, CCW_TYPE);

	printf("<hostdev mode='subsystem' type='mdev' model='%s'>\n", ccw ? "vfio-ccw" : "vfio-ap");
	printf("  <source>\n");
	printf("    <address uuid='%s'/>\n", m->uuid);
	printf("  </source>\n");
	if (ccw && have)
		printf("  <address type='ccw' cssid='0x%02x' ssid='0x%x' devno='0x%04x'/>\n", b->cssid,
		       b->ssid, b->devno);
	printf("</hostdev>\n");
}

int print_snippets(const struct ctx *c, const struct mdev_info *m, bool qemu, bool libvirt)
{
	char path[PATH_MAX];
	struct busid b = { 0, 0, 0 };
	bool ccw = !strcmp(m->type, CCW_TYPE), ap = !strcmp(m->type, AP_TYPE);
	int have, ret;

	if (!ccw && !ap) {
		err_msg("mdev %s has type %s; mdevtool knows the snippets for vfio-ccw and vfio-ap only",
			m->uuid, m->type);
		return -EOPNOTSUPP;
	}
	have = guest_devno(c->opt, &b);
	if (have < 0)
		return have;
	if (have && ap)
		note_msg("--devno applies to vfio-ccw only; a vfio-ap device has no device number");
	ret = mdev_sysfsdev(&c->sys, m, path, sizeof(path));
	if (ret)
		return ret;
	if (qemu && libvirt) {
		printf("\nQEMU:\n  ");
		print_qemu(c, m, path, have, &b);
		printf("\nlibvirt (virsh attach-device GUEST FILE --config):\n");
		print_libvirt(m, have, &b);
		return 0;
	}
	if (qemu)
		print_qemu(c, m, path, have, &b);
	if (libvirt)
		print_libvirt(m, have, &b);
	return 0;
}

static int snippet_cmd(struct ctx *c, bool qemu)
{
	struct mdev_info m;
	int ret;

	ret = mdev_lookup(&c->sys, c->opt->arg, &m);
	if (ret == -EINVAL) {
		err_msg("'%s' is not a UUID (expected 8-4-4-4-12 hex digits)", c->opt->arg);
		return MDEV_EXIT_USAGE;
	}
	if (ret) {
		err_msg("there is no mdev %s on this host; mdevtool list shows the existing ones",
			c->opt->arg);
		return MDEV_EXIT_NOTFOUND;
	}
	ret = print_snippets(c, &m, qemu, !qemu);
	if (ret == -EINVAL)
		return MDEV_EXIT_USAGE;
	return ret ? MDEV_EXIT_NOTFOUND : MDEV_EXIT_OK;
}

int cmd_qemu(struct ctx *c)
{
	return snippet_cmd(c, true);
}

int cmd_libvirt(struct ctx *c)
{
	return snippet_cmd(c, false);
}
