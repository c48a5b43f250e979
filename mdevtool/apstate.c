// SPDX-License-Identifier: MIT
/*
 * Reading the AP side: the two masks, the id limits, and each vfio_ap mdev's
 * matrix, control domains and guest matrix.  The matrix files are the
 * source of truth for "who holds which APQN", which is what the kernel's
 * sharing check (EADDRINUSE) and mask check (EBUSY) look at.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdevtool.h"

int ap_read_masks(const struct sysfs *s, struct idset *apmask, struct idset *aqmask)
{
	char buf[256];
	size_t len;
	int ret;

	ret = sysfs_read(s, AP_BUS "/apmask", buf, sizeof(buf), &len);
	if (!ret)
		ret = parse_ap_mask(buf, len, apmask);
	if (ret)
		return ret;
	ret = sysfs_read(s, AP_BUS "/aqmask", buf, sizeof(buf), &len);
	if (!ret)
		ret = parse_ap_mask(buf, len, aqmask);
	return ret;
}

int ap_read_max(const struct sysfs *s, int *max_adapter, int *max_domain)
{
	unsigned int a, d;
	int ret;

	ret = sysfs_read_uint(s, AP_BUS "/ap_max_adapter_id", &a);
	if (!ret)
		ret = sysfs_read_uint(s, AP_BUS "/ap_max_domain_id", &d);
	if (ret)
		return ret;
	*max_adapter = (int)a;
	*max_domain = (int)d;
	return 0;
}

/* matrix can be long: 256 x 256 APQNs of 8 bytes would be 512 KiB. */
#define MATRIX_BUF (AP_IDS * AP_IDS * 8 + 1)

static int read_matrix_file(const struct sysfs *s, const char *uuid, const char *file, char *buf,
			    struct idset *apm, struct idset *aqm)
{
	char rel[PATH_MAX];
	size_t len;
	int ret;

	ret = path_fmt(rel, sizeof(rel), MDEV_DEV "/%s/%s", uuid, file);
	if (!ret)
		ret = sysfs_read(s, rel, buf, MATRIX_BUF, &len);
	if (!ret)
		ret = parse_matrix(buf, len, apm, aqm);
	return ret;
}

int ap_read_mdev(const struct sysfs *s, const char *uuid, struct ap_mdev *m)
{
	char rel[PATH_MAX];
	char *buf;
	size_t len;
	int ret;

	memset(m, 0, sizeof(*m));
	ret = parse_uuid(uuid, m->uuid);
	if (ret)
		return ret;
	buf = malloc(MATRIX_BUF);
	if (!buf)
		return -ENOMEM;
	ret = read_matrix_file(s, m->uuid, "matrix", buf, &m->apm, &m->aqm);
	if (ret)
		goto done;
	ret = path_fmt(rel, sizeof(rel), MDEV_DEV "/%s/control_domains", m->uuid);
	if (!ret)
		ret = sysfs_read(s, rel, buf, MATRIX_BUF, &len);
	if (!ret)
		ret = parse_domain_lines(buf, len, &m->adm);
	if (ret)
		goto done;
	/* guest_matrix exists since 6.0; without it, assume the guest gets it all. */
	ret = read_matrix_file(s, m->uuid, "guest_matrix", buf, &m->gapm, &m->gaqm);
	if (ret == -ENOENT) {
		m->gapm = m->apm;
		m->gaqm = m->aqm;
		ret = 0;
	}
done:
	free(buf);
	return ret;
}

int ap_list_mdevs(const struct sysfs *s, struct ap_mdev **v, size_t *n)
{
	struct mdev_info *all;
	struct ap_mdev *out = NULL;
	size_t count, used = 0;
	int ret;

	*v = NULL;
	*n = 0;
	ret = mdev_list(s, &all, &count);
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
		if (strcmp(all[i].type, AP_TYPE))
			continue;
		ret = ap_read_mdev(s, all[i].uuid, &out[used]);
		if (ret == -ENOENT) {
			ret = 0;	/* removed while we looked */
			continue;
		}
		if (ret)
			goto done;
		used++;
	}
	*v = out;
	*n = used;
	out = NULL;
done:
	free(out);
	free(all);
	return ret;
}

int ap_find_holder(const struct ap_mdev *v, size_t n, const char *self, const struct idset *apm,
		   const struct idset *aqm, char apqn[APQN_STRLEN], char holder[UUID_STRLEN + 1])
{
	for (size_t i = 0; i < n; i++) {
		struct idset a = *apm, d = *aqm;

		if (self && !strcmp(v[i].uuid, self))
			continue;
		idset_and(&a, &v[i].apm);
		idset_and(&d, &v[i].aqm);
		if (idset_empty(&a) || idset_empty(&d))
			continue;
		format_apqn(idset_next(&a, 0), idset_next(&d, 0), apqn);
		memcpy(holder, v[i].uuid, UUID_STRLEN + 1);
		return 1;
	}
	return 0;
}

void ap_format_matrix(const struct idset *apm, const struct idset *aqm, const char *sep, char *buf,
		      size_t size)
{
	size_t used = 0;
	unsigned int a, d;

#define APPEND(...)                                                              \
	do {                                                                     \
		int n_ = snprintf(buf + used, size - used, __VA_ARGS__);         \
		if (n_ < 0 || (size_t)n_ >= size - used)                         \
			return;                                                  \
		used += (size_t)n_;                                              \
	} while (0)

	if (!size)
		return;
	buf[0] = '\0';
	/* The kernel's own three forms: "05.0004", "05." and ".0004". */
	if (idset_empty(aqm)) {
		idset_for_each(a, apm)
			APPEND("%s%02x.", used ? sep : "", a);
		return;
	}
	if (idset_empty(apm)) {
		idset_for_each(d, aqm)
			APPEND("%s.%04x", used ? sep : "", d);
		return;
	}
	idset_for_each(a, apm)
		idset_for_each(d, aqm)
			APPEND("%s%02x.%04x", used ? sep : "", a, d);
#undef APPEND
}

void ap_format_domains(const struct idset *s, const char *sep, char *buf, size_t size)
{
	size_t used = 0;
	unsigned int d;

	if (!size)
		return;
	buf[0] = '\0';
	/* As control_domains shows them: "%04x". */
	idset_for_each(d, s) {
		int n = snprintf(buf + used, size - used, "%s%04x", used ? sep : "", d);

		if (n < 0 || (size_t)n >= size - used)
			return;
		used += (size_t)n;
	}
}
