// SPDX-License-Identifier: MIT
/*
 * list and types: what exists and what could be created.
 *
 * Both read only what mdevctl reads (bus/mdev/devices, class/mdev_bus and
 * the type directories), plus the vendor details that make a line useful:
 * the device number behind a vfio-ccw mdev, the matrix of a vfio-ap one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdevtool.h"

static void json_apqn_array(const struct idset *apm, const struct idset *aqm)
{
	/* Room for the full 256 x 256 matrix: 8 bytes per APQN. */
	size_t size = (size_t)AP_IDS * AP_IDS * 8 + 1;
	char *buf = malloc(size), *save = NULL, *tok;
	bool first = true;

	putchar('[');
	if (buf) {
		ap_format_matrix(apm, aqm, " ", buf, size);
		for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
			printf("%s", first ? "" : ", ");
			json_string(tok);
			first = false;
		}
		free(buf);
	}
	putchar(']');
}

static void json_domain_array(const struct idset *s)
{
	unsigned int id;
	bool first = true;

	putchar('[');
	idset_for_each(id, s) {
		char buf[8];

		snprintf(buf, sizeof(buf), "%04x", id);
		printf("%s", first ? "" : ", ");
		json_string(buf);
		first = false;
	}
	putchar(']');
}

static void ccw_busid_of(const struct sysfs *s, const char *sch, char *buf, size_t size)
{
	char rel[PATH_MAX];

	buf[0] = '\0';
	if (path_fmt(rel, sizeof(rel), CSS_DEV "/%s/dev_busid", sch) == 0 &&
	    sysfs_read_line(s, rel, buf, size))
		buf[0] = '\0';
}

int cmd_list(struct ctx *c)
{
	const struct sysfs *s = &c->sys;
	bool json = c->opt->json;
	struct mdev_info *v;
	size_t n;
	int ret;

	ret = mdev_list(s, &v, &n);
	if (ret) {
		err_msg("cannot list %s: %s", MDEV_DEV, strerror(-ret));
		return MDEV_EXIT_NOTFOUND;
	}
	if (json)
		printf("[");
	else if (!n)
		fprintf(stderr, "mdevtool: no mediated devices on this host\n");
	for (size_t i = 0; i < n; i++) {
		const struct mdev_info *m = &v[i];
		bool ccw = !strcmp(m->type, CCW_TYPE), ap = !strcmp(m->type, AP_TYPE);
		char busid[64] = "";
		struct ap_mdev am;
		bool have_ap = ap && ap_read_mdev(s, m->uuid, &am) == 0;

		if (ccw)
			ccw_busid_of(s, m->parent, busid, sizeof(busid));
		if (json) {
			printf("%s\n  {\"uuid\": ", i ? "," : "");
			json_string(m->uuid);
			printf(", \"type\": ");
			json_string(m->type);
			printf(", \"parent\": ");
			json_string(m->parent);
			printf(", \"driver\": ");
			json_string(m->driver);
			if (ccw) {
				printf(", \"subchannel\": ");
				json_string(m->parent);
				printf(", \"devno\": ");
				json_string(busid);
			}
			if (have_ap) {
				printf(", \"matrix\": ");
				json_apqn_array(&am.apm, &am.aqm);
				printf(", \"control_domains\": ");
				json_domain_array(&am.adm);
				printf(", \"guest_matrix\": ");
				json_apqn_array(&am.gapm, &am.gaqm);
			}
			printf("}");
			continue;
		}
		printf("%s  %s  parent %s%s\n", m->uuid, m->type, m->parent,
		       m->driver[0] ? "" : "  (no driver)");
		if (ccw)
			printf("    subchannel %s, device %s\n", m->parent, busid[0] ? busid : "none");
		if (have_ap) {
			char buf[8192];

			ap_format_matrix(&am.apm, &am.aqm, " ", buf, sizeof(buf));
			printf("    matrix           %s\n", buf[0] ? buf : "(empty)");
			ap_format_domains(&am.adm, " ", buf, sizeof(buf));
			printf("    control domains  %s\n", buf[0] ? buf : "(none)");
			ap_format_matrix(&am.gapm, &am.gaqm, " ", buf, sizeof(buf));
			printf("    guest matrix     %s\n", buf[0] ? buf : "(empty)");
		}
	}
	if (json)
		printf("%s]\n", n ? "\n" : "");
	free(v);
	return MDEV_EXIT_OK;
}

struct type_info {
	char parent[64], type[64], name[128], api[32];
	unsigned int avail;
	size_t count;		/* existing mdevs of this type on this parent */
};

static int read_type(const struct sysfs *s, const char *parent, const char *type, struct type_info *t)
{
	char rel[PATH_MAX], **names;
	int ret;

	memset(t, 0, sizeof(*t));
	snprintf(t->parent, sizeof(t->parent), "%s", parent);
	snprintf(t->type, sizeof(t->type), "%s", type);
	ret = path_fmt(rel, sizeof(rel), MDEV_BUS_CLASS "/%s/mdev_supported_types/%s/available_instances",
		       parent, type);
	if (!ret)
		ret = sysfs_read_uint(s, rel, &t->avail);
	if (ret)
		return ret;
	/* name and device_api are optional for mdevctl too. */
	if (path_fmt(rel, sizeof(rel), MDEV_BUS_CLASS "/%s/mdev_supported_types/%s/name", parent, type) == 0)
		sysfs_read_line(s, rel, t->name, sizeof(t->name));
	if (path_fmt(rel, sizeof(rel), MDEV_BUS_CLASS "/%s/mdev_supported_types/%s/device_api", parent,
		     type) == 0)
		sysfs_read_line(s, rel, t->api, sizeof(t->api));
	if (path_fmt(rel, sizeof(rel), MDEV_BUS_CLASS "/%s/mdev_supported_types/%s/devices", parent,
		     type) == 0 &&
	    sysfs_list(s, rel, &names, &t->count) == 0)
		sysfs_free_names(names, t->count);
	return 0;
}

int cmd_types(struct ctx *c)
{
	const struct sysfs *s = &c->sys;
	bool json = c->opt->json, first = true, any_ccw = false;
	char **parents;
	size_t np;
	int ret;

	ret = sysfs_list(s, MDEV_BUS_CLASS, &parents, &np);
	if (ret == -ENOENT) {
		np = 0;
		parents = NULL;
	} else if (ret) {
		err_msg("cannot list %s: %s", MDEV_BUS_CLASS, strerror(-ret));
		return MDEV_EXIT_NOTFOUND;
	}
	if (json)
		printf("[");
	else if (np)
		printf("%-10s %-22s %9s %7s  %-10s %s\n", "PARENT", "TYPE", "AVAILABLE", "MDEVS",
		       "API", "NAME");
	for (size_t i = 0; i < np; i++) {
		char rel[PATH_MAX], **types;
		size_t nt;

		if (path_fmt(rel, sizeof(rel), MDEV_BUS_CLASS "/%s/mdev_supported_types", parents[i]) ||
		    sysfs_list(s, rel, &types, &nt))
			continue;
		for (size_t j = 0; j < nt; j++) {
			struct type_info t;

			if (read_type(s, parents[i], types[j], &t))
				continue;
			any_ccw |= !strcmp(t.type, CCW_TYPE);
			if (!json) {
				printf("%-10s %-22s %9u %7zu  %-10s %s\n", t.parent, t.type, t.avail,
				       t.count, t.api, t.name);
				continue;
			}
			printf("%s\n  {\"parent\": ", first ? "" : ",");
			json_string(t.parent);
			printf(", \"type\": ");
			json_string(t.type);
			printf(", \"name\": ");
			json_string(t.name);
			printf(", \"device_api\": ");
			json_string(t.api);
			printf(", \"available_instances\": %u, \"mdevs\": %zu}", t.avail, t.count);
			first = false;
		}
		sysfs_free_names(types, nt);
	}
	if (json)
		printf("%s]\n", first ? "" : "\n");
	else if (!np)
		fprintf(stderr, "mdevtool: no mdev parents on this host (vfio_ccw and vfio_ap not loaded, "
			"or nothing bound to them)\n");
	if (!json && !any_ccw)
		fprintf(stderr, "mdevtool: note: a subchannel becomes a vfio-ccw parent only once it is "
			"bound to vfio_ccw; mdevtool ccw create does that\n");
	sysfs_free_names(parents, np);
	return MDEV_EXIT_OK;
}
