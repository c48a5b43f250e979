// SPDX-License-Identifier: MIT
/*
 * ap show: the adapter x domain picture of the host.
 *
 * People would rather look than decode two 64-digit masks and a handful of
 * matrix files, so this draws one cell per APQN: who owns it (the host's
 * zcrypt drivers, nobody, or which mdev) and whether the mdev's guest
 * would really get it (guest_matrix).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdevtool.h"

struct ap_host {
	struct idset cards;		/* adapters with a card device */
	struct idset queues[AP_IDS];	/* per adapter: domains with a queue device */
	struct idset vfio[AP_IDS];	/* per adapter: queues bound to vfio_ap */
	struct idset apmask, aqmask;
	char type[AP_IDS][16];		/* card type, "CEX7C" */
};

static int read_host(const struct sysfs *s, struct ap_host *h)
{
	char **names;
	size_t n;
	int ret;

	ret = ap_read_masks(s, &h->apmask, &h->aqmask);
	if (ret)
		return ret;
	ret = sysfs_list(s, AP_BUS "/devices", &names, &n);
	if (ret)
		return ret;
	for (size_t i = 0; i < n; i++) {
		char rel[PATH_MAX], drv[64];
		unsigned int a, d;

		if (sscanf(names[i], "card%2x", &a) == 1 && strlen(names[i]) == 6) {
			idset_set(&h->cards, a);
			if (path_fmt(rel, sizeof(rel), AP_BUS "/devices/%s/type", names[i]) == 0 &&
			    sysfs_read_line(s, rel, h->type[a], sizeof(h->type[a])))
				h->type[a][0] = '\0';
			continue;
		}
		if (parse_apqn(names[i], &a, &d) || strlen(names[i]) != 7)
			continue;
		idset_set(&h->queues[a], d);
		if (path_fmt(rel, sizeof(rel), AP_BUS "/devices/%s/driver", names[i]) == 0 &&
		    sysfs_link_name(s, rel, drv, sizeof(drv)) == 0 && !strcmp(drv, "vfio_ap"))
			idset_set(&h->vfio[a], d);
	}
	sysfs_free_names(names, n);
	return 0;
}

static char mdev_letter(size_t i)
{
	return i < 26 ? (char)('A' + i) : '*';
}

static void cell(const struct ap_host *h, const struct ap_mdev *v, size_t n, unsigned int a,
		 unsigned int d, char out[4])
{
	for (size_t i = 0; i < n; i++) {
		if (!idset_test(&v[i].apm, a) || !idset_test(&v[i].aqm, d))
			continue;
		out[0] = mdev_letter(i);
		out[1] = idset_test(&v[i].gapm, a) && idset_test(&v[i].gaqm, d) ? ' ' : '!';
		out[2] = '\0';
		return;
	}
	out[1] = ' ';
	out[2] = '\0';
	if (!idset_test(&h->queues[a], d))
		out[0] = '-';
	else if (idset_test(&h->apmask, a) && idset_test(&h->aqmask, d))
		out[0] = 'H';
	else if (idset_test(&h->vfio[a], d))
		out[0] = '.';
	else
		out[0] = '?';
}

static void print_id_list(const char *label, const struct idset *s, const char *fmt)
{
	unsigned int id, count = idset_count(s);

	printf("%s", label);
	if (count == 0) {
		printf(" none\n");
		return;
	}
	if (count > 32) {
		printf(" %u ids\n", count);
		return;
	}
	idset_for_each(id, s) {
		putchar(' ');
		printf(fmt, id);
	}
	putchar('\n');
}

int cmd_ap_show(struct ctx *c)
{
	const struct sysfs *s = &c->sys;
	struct idset rows = { { 0 } }, cols = { { 0 } }, cleared;
	struct ap_host *h;
	struct ap_mdev *v = NULL;
	size_t n = 0;
	unsigned int a, d;
	bool any_q = false, any_bang = false;
	int ret, rc = MDEV_EXIT_OK;

	if (!sysfs_exists(s, AP_BUS)) {
		err_msg("this host has no AP bus (no crypto adapters, or not an s390 machine)");
		return MDEV_EXIT_NOTFOUND;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		err_msg("%s", strerror(ENOMEM));
		return MDEV_EXIT_REFUSED;
	}
	ret = read_host(s, h);
	if (!ret)
		ret = ap_list_mdevs(s, &v, &n);
	if (ret) {
		err_msg("cannot read the AP bus: %s", strerror(-ret));
		rc = MDEV_EXIT_NOTFOUND;
		goto done;
	}

	rows = h->cards;
	for (a = 0; a < AP_IDS; a++) {
		if (!idset_empty(&h->queues[a]))
			idset_set(&rows, a);
		idset_or(&cols, &h->queues[a]);
	}
	for (size_t i = 0; i < n; i++) {
		idset_or(&rows, &v[i].apm);
		idset_or(&cols, &v[i].aqm);
	}
	if (idset_empty(&rows) || idset_empty(&cols)) {
		printf("No AP queues and no vfio_ap mdev with a full matrix on this host.\n");
		goto masks;
	}

	printf("APQNs: rows are adapters, columns are usage domains (hex)\n\n");
	printf("adapter       ");
	idset_for_each(d, &cols)
		printf(" %02x", d);
	putchar('\n');
	idset_for_each(a, &rows) {
		char line[AP_IDS * 3 + 32];
		size_t len;

		len = (size_t)snprintf(line, sizeof(line), "  %02x %-10s", a, h->type[a]);
		idset_for_each(d, &cols) {
			char cl[4];

			cell(h, v, n, a, d, cl);
			any_q |= cl[0] == '?';
			any_bang |= cl[1] == '!';
			len += (size_t)snprintf(line + len, sizeof(line) - len, " %s", cl);
		}
		while (len && line[len - 1] == ' ')
			line[--len] = '\0';
		printf("%s\n", line);
	}
	printf("\n  H  reserved for the host's zcrypt drivers (adapter in apmask and domain in aqmask)\n");
	printf("  .  free: bound to vfio_ap, in no mdev\n");
	printf("  -  no such queue on this host\n");
	if (any_q)
		printf("  ?  not reserved for the host, but not bound to vfio_ap (is vfio_ap loaded?)\n");
	if (any_bang)
		printf("  !  in the mdev's matrix but not in its guest matrix: the guest does not get it\n");
	for (size_t i = 0; i < n; i++) {
		char buf[1024];

		ap_format_domains(&v[i].adm, " ", buf, sizeof(buf));
		printf("  %c  mdev %s%s%s\n", mdev_letter(i), v[i].uuid, buf[0] ? ", control domains " : "",
		       buf);
	}
masks:
	putchar('\n');
	cleared = h->apmask;
	for (size_t i = 0; i < AP_IDS / 64; i++)
		cleared.w[i] = ~cleared.w[i];
	print_id_list("Adapters out of apmask (usable by vfio_ap):", &cleared, "%02x");
	cleared = h->aqmask;
	for (size_t i = 0; i < AP_IDS / 64; i++)
		cleared.w[i] = ~cleared.w[i];
	print_id_list("Domains out of aqmask (usable by vfio_ap):", &cleared, "%04x");
done:
	free(v);
	free(h);
	return rc;
}
