// SPDX-License-Identifier: MIT
/*
 * Mediated devices as the mdev core shows them: /sys/bus/mdev/devices/<uuid>
 * links to the mdev directory under its parent; mdev_type links to the type.
 * Parent and type are read from the links, as mdevctl does, so this works
 * for any vendor driver.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mdevtool.h"

int mdev_lookup(const struct sysfs *s, const char *uuid, struct mdev_info *out)
{
	char rel[PATH_MAX], link[PATH_MAX];
	int ret;

	memset(out, 0, sizeof(*out));
	ret = parse_uuid(uuid, out->uuid);
	if (ret)
		return ret;
	ret = path_fmt(rel, sizeof(rel), MDEV_DEV "/%s", out->uuid);
	if (ret)
		return ret;
	if (!sysfs_exists(s, rel))
		return -ENOENT;
	ret = path_fmt(link, sizeof(link), "%s/mdev_type", rel);
	if (!ret)
		ret = sysfs_link_name(s, link, out->type, sizeof(out->type));
	if (ret)
		return ret;
	ret = sysfs_parent_name(s, rel, out->parent, sizeof(out->parent));
	if (ret)
		return ret;
	/* A driverless mdev (unbound by hand) has no driver link; not an error. */
	ret = path_fmt(link, sizeof(link), "%s/driver", rel);
	if (!ret && sysfs_link_name(s, link, out->driver, sizeof(out->driver)))
		out->driver[0] = '\0';
	return ret;
}

int mdev_list(const struct sysfs *s, struct mdev_info **v, size_t *n)
{
	struct mdev_info *out = NULL;
	char **names;
	size_t count, used = 0;
	int ret;

	*v = NULL;
	*n = 0;
	ret = sysfs_list(s, MDEV_DEV, &names, &count);
	if (ret == -ENOENT)
		return 0;	/* no mdev module loaded: no mdevs */
	if (ret)
		return ret;
	if (count) {
		out = calloc(count, sizeof(*out));
		if (!out) {
			ret = -ENOMEM;
			goto done;
		}
	}
	for (size_t i = 0; i < count; i++) {
		/* Skip what is not a UUID, and mdevs that vanish while we look. */
		if (mdev_lookup(s, names[i], &out[used]) == 0)
			used++;
	}
	*v = out;
	*n = used;
	out = NULL;
done:
	free(out);
	sysfs_free_names(names, count);
	return ret;
}

int mdev_sysfsdev(const struct sysfs *s, const struct mdev_info *m, char *buf, size_t size)
{
	char rel[PATH_MAX];
	int ret;

	/* The paths the QEMU documentation uses for each device type. */
	if (!strcmp(m->type, AP_TYPE))
		ret = path_fmt(rel, sizeof(rel), AP_MATRIX "/%s", m->uuid);
	else
		ret = path_fmt(rel, sizeof(rel), MDEV_DEV "/%s", m->uuid);
	if (ret)
		return ret;
	return sysfs_abs(s, rel, buf, size);
}
