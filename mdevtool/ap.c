// SPDX-License-Identifier: MIT
/*
 * vfio-ap: ap create, ap assign, ap unassign, ap remove.
 *
 * An mdev's matrix is (assigned adapters) x (assigned domains).  An APQN
 * can go to an mdev only when it is not reserved for the host's zcrypt
 * drivers (its adapter set in apmask AND its domain set in aqmask), and no
 * other mdev holds it.  mdevtool frees the reserved APQNs of the wanted
 * matrix the way Documentation/arch/s390/vfio-ap.rst does: the matrix's
 * adapters out of apmask and its domains out of aqmask, with relative
 * writes ("-5,-6") so that no other bit is touched, and only when some
 * APQN of the matrix is actually reserved.
 *
 * Order: masks, create, adapters, domains, control domains, then read the
 * matrix back.  Every change is journaled; any refusal replays the journal,
 * masks included.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include "mdevtool.h"

/* Masks can hold 256 items of up to 6 bytes: "-0xff,". */
#define ITEMS_BUF 2048

struct ap_run {
	struct ctx *c;
	char uuid[UUID_STRLEN + 1];
	struct idset apmask, aqmask;	/* as read before any change */
	int max_adapter, max_domain;
	struct idset apm, aqm, adm;	/* the mdev's matrix as we changed it */
};

static const char *attr_name(enum wop op)
{
	switch (op) {
	case W_ASSIGN_ADAPTER: return "assign_adapter";
	case W_ASSIGN_DOMAIN: return "assign_domain";
	case W_ASSIGN_CONTROL: return "assign_control_domain";
	case W_UNASSIGN_ADAPTER: return "unassign_adapter";
	case W_UNASSIGN_DOMAIN: return "unassign_domain";
	case W_UNASSIGN_CONTROL: return "unassign_control_domain";
	default: return "?";
	}
}

static enum wop inverse(enum wop op)
{
	switch (op) {
	case W_ASSIGN_ADAPTER: return W_UNASSIGN_ADAPTER;
	case W_ASSIGN_DOMAIN: return W_UNASSIGN_DOMAIN;
	case W_ASSIGN_CONTROL: return W_UNASSIGN_CONTROL;
	case W_UNASSIGN_ADAPTER: return W_ASSIGN_ADAPTER;
	case W_UNASSIGN_DOMAIN: return W_ASSIGN_DOMAIN;
	case W_UNASSIGN_CONTROL: return W_ASSIGN_CONTROL;
	default: return W_OTHER;
	}
}

static int mdev_attr(const char *uuid, enum wop op, char *rel, size_t size)
{
	/* The path vfio-ap.rst uses, so the dry-run script reads like the manual. */
	return path_fmt(rel, size, AP_MATRIX "/%s/%s", uuid, attr_name(op));
}

/*
 * Fill in what the sentence for a refused assign needs: the mdev holding
 * the APQN (EADDRINUSE), or the reserved APQN (EADDRNOTAVAIL).
 */
static void why_assign(const struct ap_run *r, enum wop op, unsigned int id, int err, struct why *w,
		       char apqn[APQN_STRLEN], char holder[UUID_STRLEN + 1])
{
	struct idset a = r->apm, d = r->aqm;

	w->id = (int)id;
	w->dev = r->uuid;
	w->max = op == W_ASSIGN_ADAPTER || op == W_UNASSIGN_ADAPTER ? r->max_adapter : r->max_domain;
	if (op == W_ASSIGN_ADAPTER)
		idset_set(&a, id);
	else if (op == W_ASSIGN_DOMAIN)
		idset_set(&d, id);
	else
		return;

	if (err == -EADDRINUSE) {
		struct ap_mdev *v;
		size_t n;

		/* The kernel does not say who holds it; every mdev's matrix does. */
		if (ap_list_mdevs(&r->c->sys, &v, &n) == 0) {
			if (ap_find_holder(v, n, r->uuid, &a, &d, apqn, holder)) {
				w->holder = holder;
				w->apqn = apqn;
			}
			free(v);
		}
	} else if (err == -EADDRNOTAVAIL) {
		struct idset pm, qm;

		if (ap_read_masks(&r->c->sys, &pm, &qm) == 0) {
			idset_and(&a, &pm);
			idset_and(&d, &qm);
			if (!idset_empty(&a) && !idset_empty(&d)) {
				format_apqn(idset_next(&a, 0), idset_next(&d, 0), apqn);
				w->apqn = apqn;
			}
		}
	}
}

/* One assign_* / unassign_* write, journaled with its inverse. */
static int write_id(struct ap_run *r, enum wop op, unsigned int id)
{
	struct ctx *c = r->c;
	char rel[PATH_MAX], val[AP_ID_STRLEN + 1], num[AP_ID_STRLEN], apqn[APQN_STRLEN];
	char holder[UUID_STRLEN + 1];
	struct why w = WHY_INIT(op);
	int ret;

	format_ap_id(id, num);
	snprintf(val, sizeof(val), "%s\n", num);
	ret = mdev_attr(r->uuid, op, rel, sizeof(rel));
	if (ret)
		return ret;
	ret = sysfs_write(&c->sys, rel, val);
	if (ret) {
		why_assign(r, op, id, ret, &w, apqn, holder);
		report_write(c, rel, val, &w, ret);
		return ret;
	}
	switch (op) {
	case W_ASSIGN_ADAPTER: idset_set(&r->apm, id); break;
	case W_ASSIGN_DOMAIN: idset_set(&r->aqm, id); break;
	case W_ASSIGN_CONTROL: idset_set(&r->adm, id); break;
	case W_UNASSIGN_ADAPTER: idset_clear(&r->apm, id); break;
	case W_UNASSIGN_DOMAIN: idset_clear(&r->aqm, id); break;
	case W_UNASSIGN_CONTROL: idset_clear(&r->adm, id); break;
	default: break;
	}
	ret = mdev_attr(r->uuid, inverse(op), rel, sizeof(rel));
	if (!ret)
		ret = undo_push(&c->undo, rel, val, 0);
	return ret;
}

static int write_ids(struct ap_run *r, enum wop op, const struct idset *ids)
{
	unsigned int id;
	int ret;

	idset_for_each(id, ids) {
		ret = write_id(r, op, id);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * One relative mask write ("-5,-6" or "+5,+6"), journaled with the write
 * of the opposite signs.  @holder_hint: when a '+' write is refused with
 * EBUSY, look up which mdev holds the APQNs.
 */
static int write_mask(struct ap_run *r, bool apmask, const struct idset *ids, char sign)
{
	struct ctx *c = r->c;
	const char *rel = apmask ? AP_BUS "/apmask" : AP_BUS "/aqmask";
	char items[ITEMS_BUF], val[ITEMS_BUF + 1], undo[ITEMS_BUF + 1];
	struct why w = WHY_INIT(apmask ? W_APMASK : W_AQMASK);
	char apqn[APQN_STRLEN], holder[UUID_STRLEN + 1];
	int ret;

	if (idset_empty(ids))
		return 0;
	if (format_mask_items(ids, sign, items, sizeof(items)) < 0)
		return -ENOSPC;
	snprintf(val, sizeof(val), "%s\n", items);
	if (format_mask_items(ids, sign == '-' ? '+' : '-', items, sizeof(items)) < 0)
		return -ENOSPC;
	snprintf(undo, sizeof(undo), "%s\n", items);

	sysfs_comment(&c->sys, "%s %s %s the host's zcrypt drivers", sign == '-' ? "take" : "give",
		      apmask ? "adapters" : "domains", sign == '-' ? "from" : "back to");
	ret = sysfs_write(&c->sys, rel, val);
	if (ret) {
		if (ret == -EBUSY && sign == '+') {
			struct idset pm, qm;
			struct ap_mdev *v;
			size_t n;

			if (ap_read_masks(&c->sys, &pm, &qm) == 0 && ap_list_mdevs(&c->sys, &v, &n) == 0) {
				int found = apmask ? ap_find_holder(v, n, NULL, ids, &qm, apqn, holder)
						   : ap_find_holder(v, n, NULL, &pm, ids, apqn, holder);

				if (found) {
					unsigned int a, d;

					w.holder = holder;
					w.apqn = apqn;
					if (sscanf(apqn, "%x.%x", &a, &d) == 2)
						w.id = (int)(apmask ? a : d);
				}
				free(v);
			}
		}
		report_write(c, rel, val, &w, ret);
		return ret;
	}
	return undo_push(&c->undo, rel, undo, 0);
}

/*
 * The masks work per adapter and per domain, so clearing adapter 5 and
 * domain 4 also takes 05.* and *.0004 queues outside the matrix from the
 * host's zcrypt drivers.  Say which, before doing it: the admin should not
 * learn it from a host application that lost its queue.
 */
static void note_collateral(const struct ap_run *r, const struct idset *apm, const struct idset *aqm,
			    const struct idset *ra, const struct idset *rd)
{
	char list[1024] = "", **names;
	size_t n, used = 0, count = 0;

	if (sysfs_list(&r->c->sys, AP_BUS "/devices", &names, &n))
		return;
	for (size_t i = 0; i < n; i++) {
		unsigned int a, d;

		if (strlen(names[i]) != 7 || parse_apqn(names[i], &a, &d))
			continue;
		if (!idset_test(&r->apmask, a) || !idset_test(&r->aqmask, d))
			continue;	/* not the host's now */
		if (!idset_test(ra, a) && !idset_test(rd, d))
			continue;	/* stays the host's */
		if (idset_test(apm, a) && idset_test(aqm, d))
			continue;	/* in the matrix: wanted */
		count++;
		if (used + 9 < sizeof(list))
			used += (size_t)snprintf(list + used, sizeof(list) - used, " %s", names[i]);
	}
	sysfs_free_names(names, n);
	if (count)
		note_msg("apmask and aqmask work per adapter and per domain, so the host's zcrypt "
			 "drivers also give up%s (they go to vfio_ap, free for any mdev)", list);
}

/*
 * Free the reserved APQNs of the matrix @apm x @aqm: those whose adapter is
 * in apmask and whose domain is in aqmask.
 */
static int free_apqns(struct ap_run *r, const struct idset *apm, const struct idset *aqm)
{
	struct idset ra = *apm, rd = *aqm;
	int ret;

	idset_and(&ra, &r->apmask);
	idset_and(&rd, &r->aqmask);
	if (idset_empty(&ra) || idset_empty(&rd))
		return 0;	/* nothing reserved: touch no mask */
	note_collateral(r, apm, aqm, &ra, &rd);
	ret = write_mask(r, true, &ra, '-');
	if (!ret)
		ret = write_mask(r, false, &rd, '-');
	return ret;
}

static int run_init(struct ap_run *r, struct ctx *c)
{
	int ret;

	memset(r, 0, sizeof(*r));
	r->c = c;
	if (!sysfs_exists(&c->sys, AP_BUS)) {
		err_msg("this host has no AP bus (no crypto adapters, or not an s390 machine)");
		return MDEV_EXIT_NOTFOUND;
	}
	if (!sysfs_exists(&c->sys, AP_MATRIX "/mdev_supported_types/" AP_TYPE)) {
		err_msg("the vfio_ap driver is not loaded; load it with `modprobe vfio_ap` and run the "
			"command again");
		return MDEV_EXIT_NOTFOUND;
	}
	ret = ap_read_masks(&c->sys, &r->apmask, &r->aqmask);
	if (ret) {
		err_msg("cannot read the AP masks: %s", strerror(-ret));
		return MDEV_EXIT_NOTFOUND;
	}
	if (ap_read_max(&c->sys, &r->max_adapter, &r->max_domain)) {
		r->max_adapter = -1;
		r->max_domain = -1;
	}
	return 0;
}

/* Read the matrix back and compare with what we meant to build. */
static int verify(struct ap_run *r)
{
	char want[4096], got[4096];
	struct ap_mdev m;
	int ret;

	if (r->c->sys.dry_run)
		return 0;
	ret = ap_read_mdev(&r->c->sys, r->uuid, &m);
	if (ret) {
		err_msg("cannot read back the matrix of mdev %s: %s", r->uuid, strerror(-ret));
		return ret;
	}
	if (idset_equal(&m.apm, &r->apm) && idset_equal(&m.aqm, &r->aqm) && idset_equal(&m.adm, &r->adm))
		return 0;
	ap_format_matrix(&r->apm, &r->aqm, " ", want, sizeof(want));
	ap_format_matrix(&m.apm, &m.aqm, " ", got, sizeof(got));
	err_msg("the kernel reports a different matrix for mdev %s than was assigned (matrix '%s', "
		"expected '%s'); someone else is changing it, so nothing is kept", r->uuid, got, want);
	return -EIO;
}

/* Tell what the guest will not see: APQNs without a queue bound to vfio_ap. */
static void note_guest(const struct ap_run *r)
{
	char miss[4096];
	struct ap_mdev m;
	struct idset ma;

	if (r->c->sys.dry_run || ap_read_mdev(&r->c->sys, r->uuid, &m))
		return;
	if (idset_empty(&m.apm) != idset_empty(&m.aqm)) {
		note_msg("the matrix has %s yet, so the guest gets no APQN; add some with mdevtool ap "
			 "assign %s", idset_empty(&m.apm) ? "no adapter" : "no domain", r->uuid);
		return;
	}
	if (idset_empty(&m.apm))
		return;
	ma = m.apm;
	idset_andnot(&ma, &m.gapm);
	if (idset_empty(&ma) && idset_equal(&m.aqm, &m.gaqm))
		return;
	ap_format_matrix(&m.gapm, &m.gaqm, " ", miss, sizeof(miss));
	note_msg("the guest would see only '%s' of this matrix: the other APQNs have no queue bound "
		 "to vfio_ap on this host (yet); mdevtool ap show has the details", miss);
}

static void print_result(const struct ap_run *r)
{
	char buf[8192];
	struct mdev_info m;

	ap_format_matrix(&r->apm, &r->aqm, " ", buf, sizeof(buf));
	fprintf(stderr, "mdevtool: mdev %s matrix: %s\n", r->uuid, buf[0] ? buf : "(empty)");
	if (!idset_empty(&r->adm)) {
		ap_format_domains(&r->adm, " ", buf, sizeof(buf));
		fprintf(stderr, "mdevtool: control domains: %s\n", buf);
	}
	note_guest(r);
	if (!r->c->opt->quiet && mdev_lookup(&r->c->sys, r->uuid, &m) == 0)
		print_snippets(r->c, &m, true, true);
}

static int fail(struct ap_run *r, int ret)
{
	if (ret == -ENOMEM || ret == -ENAMETOOLONG || ret == -ENOSPC)
		err_msg("%s", strerror(-ret));
	return undo_and_exit(r->c);
}

int cmd_ap_create(struct ctx *c)
{
	const struct opts *o = c->opt;
	char rel[PATH_MAX], val[UUID_STRLEN + 2], sentence[512];
	struct why w = WHY_INIT(W_CREATE);
	unsigned int avail;
	struct ap_run r;
	int ret;

	ret = run_init(&r, c);
	if (ret)
		return ret;
	if (o->uuid) {
		if (parse_uuid(o->uuid, r.uuid)) {
			err_msg("'%s' is not a UUID (expected 8-4-4-4-12 hex digits)", o->uuid);
			return MDEV_EXIT_USAGE;
		}
	} else {
		uuid_t u;

		uuid_generate_random(u);
		uuid_unparse_lower(u, r.uuid);
	}
	w.dev = r.uuid;
	w.parent = "the vfio_ap matrix device";
	ret = path_fmt(rel, sizeof(rel), MDEV_DEV "/%s", r.uuid);
	if (!ret && sysfs_exists(&c->sys, rel)) {
		explain(&w, EEXIST, sentence, sizeof(sentence));
		err_msg("%s", sentence);
		return MDEV_EXIT_REFUSED;
	}
	if (sysfs_read_uint(&c->sys, AP_MATRIX "/mdev_supported_types/" AP_TYPE "/available_instances",
			    &avail) == 0 && avail == 0) {
		explain(&w, EUSERS, sentence, sizeof(sentence));
		err_msg("%s", sentence);
		return MDEV_EXIT_REFUSED;
	}
	if (o->napqn > 1) {
		/* The matrix is a product: say so when it holds APQNs nobody named. */
		unsigned int na = idset_count(&o->adapters), nd = idset_count(&o->domains);

		if (na * nd > (unsigned int)o->napqn)
			note_msg("an mdev's matrix is adapters x domains, so it holds all %u combinations "
				 "of the %u adapters and %u domains given", na * nd, na, nd);
	}

	sysfs_comment(&c->sys, "mdevtool ap create: mdev %s", r.uuid);
	ret = free_apqns(&r, &o->adapters, &o->domains);
	if (ret)
		return fail(&r, ret);

	ret = path_fmt(rel, sizeof(rel), AP_MATRIX "/mdev_supported_types/" AP_TYPE "/create");
	snprintf(val, sizeof(val), "%s\n", r.uuid);
	sysfs_comment(&c->sys, "create the mdev");
	if (!ret)
		ret = sysfs_write(&c->sys, rel, val);
	if (ret) {
		report_write(c, rel, val, &w, ret);
		return fail(&r, ret);
	}
	ret = path_fmt(rel, sizeof(rel), AP_MATRIX "/%s/remove", r.uuid);
	if (!ret)
		ret = undo_push(&c->undo, rel, "1\n", 0);
	if (ret)
		return fail(&r, ret);

	if (!idset_empty(&o->adapters) || !idset_empty(&o->domains) || !idset_empty(&o->cdoms))
		sysfs_comment(&c->sys, "assign adapters, then domains, then control domains");
	ret = write_ids(&r, W_ASSIGN_ADAPTER, &o->adapters);
	if (!ret)
		ret = write_ids(&r, W_ASSIGN_DOMAIN, &o->domains);
	if (!ret)
		ret = write_ids(&r, W_ASSIGN_CONTROL, &o->cdoms);
	if (!ret)
		ret = verify(&r);
	if (ret)
		return fail(&r, ret);

	undo_clear(&c->undo);
	if (c->sys.dry_run) {
		fprintf(stderr, "mdevtool: dry run: nothing was changed; the commands above would "
			"create mdev %s\n", r.uuid);
		return MDEV_EXIT_OK;
	}
	printf("%s\n", r.uuid);
	print_result(&r);
	return MDEV_EXIT_OK;
}

static int load_mdev(struct ap_run *r, const char *arg)
{
	struct mdev_info m;
	struct ap_mdev am;
	int ret;

	ret = mdev_lookup(&r->c->sys, arg, &m);
	if (ret == -EINVAL) {
		err_msg("'%s' is not a UUID (expected 8-4-4-4-12 hex digits)", arg);
		return MDEV_EXIT_USAGE;
	}
	if (ret) {
		err_msg("there is no mdev %s on this host; mdevtool list shows the existing ones", arg);
		return MDEV_EXIT_NOTFOUND;
	}
	if (strcmp(m.type, AP_TYPE)) {
		err_msg("mdev %s is a %s device, not vfio-ap", m.uuid, m.type);
		return MDEV_EXIT_NOTFOUND;
	}
	ret = ap_read_mdev(&r->c->sys, m.uuid, &am);
	if (ret) {
		err_msg("cannot read the matrix of mdev %s: %s", m.uuid, strerror(-ret));
		return MDEV_EXIT_NOTFOUND;
	}
	memcpy(r->uuid, m.uuid, sizeof(r->uuid));
	r->apm = am.apm;
	r->aqm = am.aqm;
	r->adm = am.adm;
	return 0;
}

int cmd_ap_assign(struct ctx *c, bool unassign)
{
	const struct opts *o = c->opt;
	struct idset a = o->adapters, d = o->domains, cd = o->cdoms, skip;
	struct ap_run r;
	int ret;

	ret = run_init(&r, c);
	if (!ret)
		ret = load_mdev(&r, o->arg);
	if (ret)
		return ret;
	if (idset_empty(&a) && idset_empty(&d) && idset_empty(&cd)) {
		err_msg("nothing to %s: give --apqn, --adapter, --domain or --control-domain",
			unassign ? "unassign" : "assign");
		return MDEV_EXIT_USAGE;
	}

	/* Write only what changes something, so that the undo takes back only that. */
	if (unassign) {
		idset_and(&a, &r.apm);
		idset_and(&d, &r.aqm);
		idset_and(&cd, &r.adm);
		if (o->napqn)
			note_msg("--apqn A.D unassigns adapter A and domain D, and with them every APQN "
				 "A.* and *.D of the matrix");
	} else {
		idset_andnot(&a, &r.apm);
		idset_andnot(&d, &r.aqm);
		idset_andnot(&cd, &r.adm);
	}
	skip = o->adapters;
	idset_andnot(&skip, &a);
	if (!idset_empty(&skip))
		note_msg("some adapters are %s assigned; left as they are", unassign ? "not" : "already");
	skip = o->domains;
	idset_andnot(&skip, &d);
	if (!idset_empty(&skip))
		note_msg("some domains are %s assigned; left as they are", unassign ? "not" : "already");

	sysfs_comment(&c->sys, "mdevtool ap %s %s", unassign ? "unassign" : "assign", r.uuid);
	if (unassign) {
		ret = write_ids(&r, W_UNASSIGN_ADAPTER, &a);
		if (!ret)
			ret = write_ids(&r, W_UNASSIGN_DOMAIN, &d);
		if (!ret)
			ret = write_ids(&r, W_UNASSIGN_CONTROL, &cd);
	} else {
		struct idset all_a = r.apm, all_d = r.aqm;

		idset_or(&all_a, &a);
		idset_or(&all_d, &d);
		ret = free_apqns(&r, &all_a, &all_d);
		if (!ret)
			ret = write_ids(&r, W_ASSIGN_ADAPTER, &a);
		if (!ret)
			ret = write_ids(&r, W_ASSIGN_DOMAIN, &d);
		if (!ret)
			ret = write_ids(&r, W_ASSIGN_CONTROL, &cd);
	}
	if (!ret)
		ret = verify(&r);
	if (ret)
		return fail(&r, ret);
	undo_clear(&c->undo);
	if (c->sys.dry_run) {
		fprintf(stderr, "mdevtool: dry run: nothing was changed\n");
		return MDEV_EXIT_OK;
	}
	print_result(&r);
	return MDEV_EXIT_OK;
}

/* Queue, for undo, one write of each id of @set to the mdev's @attr (assign_adapter, ...). */
static int undo_push_assign(struct ctx *c, const char *uuid, const char *attr, const struct idset *set)
{
	char rel[PATH_MAX];
	int ret = path_fmt(rel, sizeof(rel), AP_MATRIX "/%s/%s", uuid, attr);

	for (unsigned int id = idset_next(set, 0); !ret && id < AP_IDS; id = idset_next(set, id + 1)) {
		char num[AP_ID_STRLEN], line[AP_ID_STRLEN + 1];

		format_ap_id(id, num);
		snprintf(line, sizeof(line), "%s\n", num);
		ret = undo_push(&c->undo, rel, line, 0);
	}
	return ret;
}

/*
 * ap remove [--restore-masks]: remove the mdev; with --restore-masks give
 * its adapters and domains back to the host, except those another mdev
 * still uses (the kernel would refuse those with EBUSY, and taking them
 * from the other mdev's guest is not ours to do).
 */
int cmd_ap_remove(struct ctx *c)
{
	const struct opts *o = c->opt;
	char rel[PATH_MAX], val[UUID_STRLEN + 2];
	struct why w = WHY_INIT(W_REMOVE);
	struct idset kept_a = { { 0 } }, kept_d = { { 0 } };
	struct idset give_a, give_d;
	struct ap_run r;
	struct ap_mdev *v = NULL;
	size_t n = 0;
	int ret;

	ret = run_init(&r, c);
	if (!ret)
		ret = load_mdev(&r, o->arg);
	if (ret)
		return ret;

	sysfs_comment(&c->sys, "mdevtool ap remove %s%s", r.uuid, o->restore ? " --restore-masks" : "");
	/* The undo of a remove is the same mdev again: create, then its ids. */
	ret = undo_push_assign(c, r.uuid, "assign_control_domain", &r.adm);
	if (!ret)
		ret = undo_push_assign(c, r.uuid, "assign_domain", &r.aqm);
	if (!ret)
		ret = undo_push_assign(c, r.uuid, "assign_adapter", &r.apm);
	if (ret)
		return fail(&r, ret);

	w.dev = r.uuid;
	ret = path_fmt(rel, sizeof(rel), AP_MATRIX "/%s/remove", r.uuid);
	if (!ret)
		ret = sysfs_write(&c->sys, rel, "1\n");
	if (ret) {
		/* Nothing happened: the journal only holds the re-create steps. */
		report_write(c, rel, "1\n", &w, ret);
		undo_clear(&c->undo);
		return MDEV_EXIT_REFUSED;
	}
	snprintf(val, sizeof(val), "%s\n", r.uuid);
	ret = undo_push(&c->undo, AP_MATRIX "/mdev_supported_types/" AP_TYPE "/create", val, 0);
	if (ret)
		return fail(&r, ret);

	if (o->restore) {
		ret = ap_list_mdevs(&c->sys, &v, &n);
		if (ret) {
			err_msg("cannot read the other mdevs: %s", strerror(-ret));
			return fail(&r, ret);
		}
		for (size_t i = 0; i < n; i++) {
			if (!strcmp(v[i].uuid, r.uuid))
				continue;	/* still listed in a dry run */
			idset_or(&kept_a, &v[i].apm);
			idset_or(&kept_d, &v[i].aqm);
		}
		free(v);
		give_a = r.apm;
		idset_andnot(&give_a, &r.apmask);	/* only bits that are clear now */
		give_d = r.aqm;
		idset_andnot(&give_d, &r.aqmask);
		idset_and(&kept_a, &give_a);
		idset_and(&kept_d, &give_d);
		idset_andnot(&give_a, &kept_a);
		idset_andnot(&give_d, &kept_d);
		if (!idset_empty(&kept_a) || !idset_empty(&kept_d)) {
			char ka[ITEMS_BUF] = "", kd[ITEMS_BUF] = "";
			unsigned int id;
			size_t la = 0, ld = 0;

			idset_for_each(id, &kept_a)
				la += (size_t)snprintf(ka + la, sizeof(ka) - la, " %02x", id);
			idset_for_each(id, &kept_d)
				ld += (size_t)snprintf(kd + ld, sizeof(kd) - ld, " %04x", id);
			note_msg("left out of the masks because another mdev still uses them: adapters%s, "
				 "domains%s", la ? ka : " none", ld ? kd : " none");
		}
		ret = write_mask(&r, true, &give_a, '+');
		if (!ret)
			ret = write_mask(&r, false, &give_d, '+');
		if (ret)
			return fail(&r, ret);
	}
	undo_clear(&c->undo);
	if (c->sys.dry_run) {
		fprintf(stderr, "mdevtool: dry run: nothing was changed\n");
		return MDEV_EXIT_OK;
	}
	fprintf(stderr, "mdevtool: removed mdev %s\n", r.uuid);
	return MDEV_EXIT_OK;
}
