// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the in-process model (no FUSE) over the default
 * topology, driven by random sequences of reads and writes, with the
 * invariants (invariants.h) checked after every step.
 *
 * Built by tests/fuzz/meson.build (meson setup -Dfuzz=true with clang) and
 * run by tests/fuzz/run.  An input is a program:
 *
 *   byte 0         kernel version (index into kernels[], 6.12 for most values)
 *   then steps, at most MAX_STEPS, each an op byte, low 3 bits the kind:
 *     0, 1, 2  store: u16 index into the writable attributes of the live
 *              tree (in tree order, modulo their number), then a payload
 *     3        store: u8 index into named[] (a path; no-op if it does not
 *              exist), then a payload
 *     4        store a token: u8 index into named[], u8 index into tokens[]
 *     5        show: u16 index into the readable attributes
 *     6        readlink: u16 index into the symlinks
 *     7        store a token: u16 index into the writable attributes, u8 token
 *   bit 3 of the op byte appends "\n" to a token.
 *   payload: u8 length (255: a u16 length follows), then that many bytes
 *   (fewer if the input ends).  A payload over a page reaches the store cut
 *   to SYSFS_PAGE_SIZE, as simfs's FUSE write hands it over.
 *
 * A store gets what kernfs gives it: a NUL-terminated heap copy of exactly
 * the written bytes.  After every step, deferred work runs (as the daemon's
 * worker would), then:
 *  - the invariants hold (inv_check);
 *  - a store returned the length written or a plain -errno;
 *  - a refused store, a show and a readlink changed nothing (the full dump
 *    of the tree is byte for byte the same as before the step).
 * Any break prints the steps so far and aborts (libFuzzer saves the input).
 * FUZZ_MODEL_TRACE=1 in the environment prints every step.
 */
#include "invariants.h"

#include "driver_core.h"
#include "kernfs.h"
#include "sim.h"
#include "topology.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_STEPS 32

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned int kernels[] = {
	KERNEL_VERSION(6, 12, 0), KERNEL_VERSION(6, 12, 0), KERNEL_VERSION(6, 12, 0),
	KERNEL_VERSION(6, 12, 0), KERNEL_VERSION(6, 9, 0), KERNEL_VERSION(6, 1, 0),
	KERNEL_VERSION(6, 0, 0), KERNEL_VERSION(5, 15, 0), KERNEL_VERSION(5, 10, 0),
	KERNEL_VERSION(5, 4, 0),
};

#define U1 "11111111-2222-3333-4444-555555555555"
#define U2 "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
#define U3 "33333333-4444-5555-6666-777777777777"
#define APT "devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough"
#define CCWT "bus/css/devices/0.0.0313/mdev_supported_types/vfio_ccw-io"

/* Paths worth reaching quickly; seeds name them by index, so only append. */
static const char *const named[] = {
	APT "/create",					/* 0 */
	"devices/vfio_ap/matrix/" U1 "/assign_adapter",
	"devices/vfio_ap/matrix/" U1 "/unassign_adapter",
	"devices/vfio_ap/matrix/" U1 "/assign_domain",
	"devices/vfio_ap/matrix/" U1 "/unassign_domain",
	"devices/vfio_ap/matrix/" U1 "/assign_control_domain",	/* 5 */
	"devices/vfio_ap/matrix/" U1 "/unassign_control_domain",
	"devices/vfio_ap/matrix/" U1 "/ap_config",
	"devices/vfio_ap/matrix/" U1 "/remove",
	"devices/vfio_ap/matrix/" U2 "/assign_adapter",
	"devices/vfio_ap/matrix/" U2 "/assign_domain",	/* 10 */
	"devices/vfio_ap/matrix/" U2 "/ap_config",
	"devices/vfio_ap/matrix/" U2 "/remove",
	"bus/ap/apmask",
	"bus/ap/aqmask",
	"bus/ap/drivers/vfio_ap/bind",			/* 15 */
	"bus/ap/drivers/vfio_ap/unbind",
	"bus/ap/drivers/cex4queue/bind",
	"bus/ap/drivers/cex4queue/unbind",
	"bus/ap/drivers_probe",
	"bus/ap/ap_domain",				/* 20 */
	"bus/ap/devices/card05/online",
	"bus/ap/devices/05.0004/online",
	"bus/css/devices/0.0.0313/driver_override",
	"bus/css/drivers/io_subchannel/unbind",
	"bus/css/drivers/vfio_ccw/bind",		/* 25 */
	"bus/css/drivers_probe",
	CCWT "/create",
	"bus/css/devices/0.0.0313/" U1 "/remove",
	"bus/ccw/devices/0.0.2b09/online",
	"bus/ap/drivers_autoprobe",			/* 30 */
	"bus/css/drivers_autoprobe",
	"bus/mdev/drivers/vfio_ap_mdev/unbind",
	"bus/mdev/drivers/vfio_ap_mdev/bind",
	"bus/ap/devices/05.0004/uevent",
	"bus/ap/scans",					/* 35 */
	"bus/css/drivers/io_subchannel/bind",
	"bus/ccw/drivers/dasd-eckd/unbind",
	"bus/ccw/drivers/dasd-eckd/bind",
	"bus/css/devices/0.0.0200/driver_override",
	"bus/ap/devices/card06/online",			/* 40 */
	"devices/vfio_ap/matrix/" U3 "/assign_adapter",
	"devices/vfio_ap/matrix/" U3 "/assign_domain",
	"devices/vfio_ap/matrix/" U3 "/ap_config",
	"devices/vfio_ap/matrix/" U2 "/unassign_domain",
	"devices/vfio_ap/matrix/" U3 "/remove",		/* 45 */
};

static const char *const tokens[] = {
	U1, U2, "11111111-2222-3333-4444-55555555555", "0x5", "0x6", "5", "6", "4", "0x47",
	"0xab", "71", "171", "7", "255", "256", "0", "-1", "1", "+5", "-5", "+6", "-6", "-4",
	"+4", "-0x47", "+0x47", "-0xab", "+0xab", "0x0", "0x", "-0-255", "+0-255",
	"0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	"0x0400000000000000000000000000000000000000000000000000000000000000",
	"0x0c00000000000000000000000000000000000000000000000000000000000000,"
	"0x0800000000000000000000000000000000000000000000000000000000000000,"
	"0x0800000000000000000000000000000000000000000000000000000000000000",
	"05.0004", "05.0047", "05.00ab", "06.0004", "06.0047", "06.00ab", "card05", "card06",
	"0.0.0313", "0.0.0314", "0.0.0200", "0.0.2b09", "0.0.2b0a", "0.0.f500", "vfio_ap",
	"cex4queue", "vfio_ccw", "io_subchannel", "none", "", "y", "n", "on", "off", "add",
	"remove", "change", U3,
};

static struct topology topo;
static bool trace_all;

/* What the run did, printed at exit for tests/fuzz/run's summary. */
static struct {
	unsigned long long inputs, steps, stores_ok, stores_refused, shows, readlinks, checks;
	unsigned int max_mdevs, max_nodes;
} stats;

static void print_stats(void)
{
	fprintf(stderr,
		"fuzz_model: stats: inputs=%llu steps=%llu stores_ok=%llu stores_refused=%llu "
		"shows=%llu readlinks=%llu invariant_checks=%llu max_mdevs=%u max_nodes=%u\n",
		stats.inputs, stats.steps, stats.stores_ok, stats.stores_refused, stats.shows,
		stats.readlinks, stats.checks, stats.max_mdevs, stats.max_nodes);
}

struct reader {
	const uint8_t *p;
	size_t left;
};

static bool get8(struct reader *r, unsigned int *v)
{
	if (!r->left)
		return false;
	*v = *r->p++;
	r->left--;
	return true;
}

static bool get16(struct reader *r, unsigned int *v)
{
	unsigned int lo, hi;

	if (!get8(r, &lo) || !get8(r, &hi))
		return false;
	*v = lo | hi << 8;
	return true;
}

/* The trace of this input, printed when something breaks. */
static char trace[64 * 1024];
static size_t trace_len;

static void tracef(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void tracef(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (trace_len >= sizeof(trace) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(trace + trace_len, sizeof(trace) - trace_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		trace_len += (size_t)n < sizeof(trace) - trace_len ? (size_t)n : sizeof(trace) - trace_len - 1;
}

static void trace_bytes(const char *s, size_t len)
{
	size_t shown = len > 80 ? 80 : len;

	tracef("\"");
	for (size_t i = 0; i < shown; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
			tracef("%c", ch);
		else
			tracef("\\x%02x", ch);
	}
	tracef("\"%s (%zu bytes)", len > shown ? "..." : "", len);
}

static void broken(const char *what, const char *why)
{
	fprintf(stderr, "fuzz_model: INVARIANT BROKEN: %s: %s\nsteps:\n%s\n", what, why, trace);
	abort();
}

/*
 * Files of one kind, in tree order: nodes, and group files not materialised
 * yet (@dir and @name; the one picked is looked up, as a path walk would).
 */
enum pick { PICK_WRITABLE, PICK_READABLE, PICK_LINK };

struct cand {
	struct kn *kn;
	struct kn *dir;
	const char *name;
};

struct nodes {
	struct cand *v;
	size_t n, cap;
};

static void add_cand(struct nodes *out, struct cand c)
{
	if (out->n == out->cap) {
		out->cap = out->cap ? 2 * out->cap : 256;
		out->v = realloc(out->v, out->cap * sizeof(*out->v));
		if (!out->v)
			abort();
	}
	out->v[out->n++] = c;
}

static bool wanted(enum pick what, enum kn_type type, uint16_t mode, const struct kn_attr *attr)
{
	if (what == PICK_LINK)
		return type == KN_LINK;
	if (type != KN_ATTR)
		return false;
	if (what == PICK_WRITABLE)
		return (mode & 0222) && attr->store;
	return (mode & 0444) && attr->show;
}

struct lazy_arg {
	struct kn *dir;
	enum pick what;
	struct nodes *out;
};

static int add_lazy(void *arg, const struct kn_attr *attr, uint16_t mode, void *obj)
{
	struct lazy_arg *l = arg;

	(void)obj;
	if (wanted(l->what, kn_attr_is_link(attr) ? KN_LINK : KN_ATTR, mode, attr))
		add_cand(l->out, (struct cand){ NULL, l->dir, attr->name });
	return 0;
}

static int add_listed(void *arg, const char *name, struct kn *target)
{
	struct lazy_arg *l = arg;

	(void)target;
	if (l->what == PICK_LINK)
		add_cand(l->out, (struct cand){ NULL, l->dir, name });
	return 0;
}

static void collect(struct kernfs_root *kr, struct kn *dir, enum pick what, struct nodes *out)
{
	struct lazy_arg l = { dir, what, out };

	for (struct kn *kn = dir->dir.first; kn; kn = kn->next) {
		if (kn->type == KN_DIR)
			collect(kr, kn, what, out);
		else if (wanted(what, kn->type, kn->mode, kn->type == KN_ATTR ? kn->attr.attr : NULL))
			add_cand(out, (struct cand){ kn, NULL, NULL });
	}
	kernfs_for_each_lazy(kr, dir, add_lazy, &l);
	kernfs_for_each_listed(kr, dir, add_listed, &l);
}

static struct kn *pick(struct sim *sim, enum pick what, unsigned int index)
{
	static struct nodes nodes;
	struct cand *c;
	struct kn *kn;

	nodes.n = 0;
	collect(&sim->kfs, sim->kfs.root, what, &nodes);
	if (!nodes.n)
		return NULL;
	c = &nodes.v[index % nodes.n];
	kn = c->kn ? c->kn : kernfs_find(&sim->kfs, c->dir, c->name);
	if (!kn)
		broken("lookup", "a group file listed as there is not found");
	return kn;
}

/* kernfs_walk(), following symlinks on the way (bus/css/devices/0.0.0313/...). */
static struct kn *walk_follow(struct sim *sim, const char *path)
{
	struct kn *kn = sim->kfs.root;
	char comp[256];

	while (kn && *path) {
		size_t n = strcspn(path, "/");

		if (n == 0 || n >= sizeof(comp)) {
			path++;
			continue;
		}
		memcpy(comp, path, n);
		comp[n] = '\0';
		path += n;
		while (kn->type == KN_LINK)
			kn = kn->target;
		kn = kernfs_find(&sim->kfs, kn, comp);
	}
	return kn;
}

static const char *path_of(const struct kn *kn)
{
	static char path[1024];

	if (kernfs_path(kn, path, sizeof(path)) < 0)
		strcpy(path, "(too long)");
	return path;
}

static void drop_notifications(struct sim *sim);

/*
 * The checker must be able to fail: break a fresh model in ways no store
 * can, and expect each break to be named.
 */
static void checker_selftest(void)
{
	static const char *const expect[] = {
		"not an mdev directory", "lists a device not bound to it", "target is not in the tree",
		"which does not list it",
	};
	char why[1024];

	for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
		struct kernfs_root *kr;
		struct sim *sim;
		struct kn *kn;

		if (sim_create(&sim, &topo))
			abort();
		kr = &sim->kfs;
		sim_lock(sim);
		switch (i) {
		case 0:
			kn = kernfs_walk(kr, kr->root, "bus/mdev/devices");
			if (!kn || !kernfs_create_link(kr, kn, "bus", sim->bus_dir))
				abort();
			break;
		case 1:
			/* A bound queue loses its driver link; the driver still lists it. */
			kn = kernfs_walk(kr, kr->root, "devices/ap/card05/05.0004");
			if (!kn || !kernfs_find(kr, kn, "driver"))
				abort();
			kernfs_remove_by_name(kr, kn, "driver");
			break;
		case 2:
			kn = kernfs_create_dir(kr, sim->kernel_dir, "doomed");
			if (!kn || !kernfs_create_link(kr, sim->kernel_dir, "dangling", kn))
				abort();
			kernfs_remove(kr, kn);
			break;
		case 3:
			/* A queue's driver link names a driver other than the one it is bound to. */
			kn = kernfs_walk(kr, kr->root, "devices/ap/card05/05.0004");
			if (!kn)
				abort();
			kernfs_remove_by_name(kr, kn, "driver");
			if (!kernfs_create_link(kr, kn, "driver", kernfs_walk(kr, kr->root, "bus/ap/drivers/cex4card")))
				abort();
			break;
		}
		if (!inv_check(sim, why, sizeof(why)) || !strstr(why, expect[i])) {
			fprintf(stderr, "fuzz_model: checker self-test %zu: expected \"%s\", got \"%s\"\n",
				i, expect[i], why);
			abort();
		}
		drop_notifications(sim);
		sim_unlock(sim);
		sim_destroy(sim);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[512];
	struct sim *sim;
	char why[1024];

	if (topology_load_default(&topo, err, sizeof(err))) {
		fprintf(stderr, "fuzz_model: default topology: %s\n", err);
		abort();
	}
	trace_all = getenv("FUZZ_MODEL_TRACE") != NULL;
	atexit(print_stats);
	/* The model as booted must satisfy the checker, in every kernel version. */
	for (size_t k = 0; k < sizeof(kernels) / sizeof(kernels[0]); k++) {
		topo.kernel_version = kernels[k];
		if (sim_create(&sim, &topo))
			abort();
		sim_lock(sim);
		if (inv_check(sim, why, sizeof(why))) {
			fprintf(stderr, "fuzz_model: the booted model (kernel %#x) breaks: %s\n",
				kernels[k], why);
			abort();
		}
		sim_unlock(sim);
		sim_destroy(sim);
	}
	topo.kernel_version = kernels[0];
	checker_selftest();
	return 0;
}

/* Free what the FUSE layer would have sent to the kernel. */
static void drop_notifications(struct sim *sim)
{
	struct kn_notify *n = kernfs_take_notifications(&sim->kfs);

	while (n) {
		struct kn_notify *next = n->next;

		free(n);
		n = next;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = { data, size };
	struct inv_buf before = { 0 }, after = { 0 };
	char why[2048];
	unsigned int kv = 0, op;
	struct sim *sim;
	int steps = 0;

	trace_len = 0;
	trace[0] = '\0';
	stats.inputs++;
	get8(&r, &kv);
	topo.kernel_version = kernels[kv % (sizeof(kernels) / sizeof(kernels[0]))];
	tracef("kernel %#x\n", topo.kernel_version);
	if (sim_create(&sim, &topo))
		abort();
	sim_lock(sim);
	if (inv_dump(sim, &before))
		broken("dump", "a show broke its contract");

	while (steps++ < MAX_STEPS && get8(&r, &op)) {
		unsigned int kind = op & 7, idx = 0, tok = 0, len = 0;
		const char *payload = NULL;
		struct kn *kn = NULL;
		bool is_store = false, refused = false;
		char *copy = NULL;
		ssize_t ret = 0;

		switch (kind) {
		case 0: case 1: case 2: case 7:
			if (!get16(&r, &idx))
				goto out;
			kn = pick(sim, PICK_WRITABLE, idx);
			is_store = true;
			break;
		case 3: case 4:
			if (!get8(&r, &idx))
				goto out;
			kn = walk_follow(sim, named[idx % (sizeof(named) / sizeof(named[0]))]);
			if (kn && (kn->type != KN_ATTR || !(kn->mode & 0222) || !kn->attr.attr->store))
				kn = NULL;
			is_store = true;
			break;
		case 5:
			if (!get16(&r, &idx))
				goto out;
			kn = pick(sim, PICK_READABLE, idx);
			break;
		case 6:
			if (!get16(&r, &idx))
				goto out;
			kn = pick(sim, PICK_LINK, idx);
			break;
		}
		if (is_store && (kind == 4 || kind == 7)) {
			if (!get8(&r, &tok))
				goto out;
			payload = tokens[tok % (sizeof(tokens) / sizeof(tokens[0]))];
			len = (unsigned int)strlen(payload);
		} else if (is_store) {
			if (!get8(&r, &len))
				goto out;
			if (len == 255 && !get16(&r, &len))
				goto out;
			if (len > r.left)
				len = (unsigned int)r.left;
			payload = (const char *)r.p;
			r.p += len;
			r.left -= len;
		}
		if (!kn)
			continue;

		if (is_store) {
			bool nl = (kind == 4 || kind == 7) && (op & 8);
			size_t n = len + (nl ? 1 : 0);

			/* FUSE hands a store at most one page; a zero-length write never reaches it. */
			if (n > SYSFS_PAGE_SIZE)
				n = SYSFS_PAGE_SIZE;
			if (n == 0)
				continue;
			copy = malloc(n + 1);
			if (!copy)
				abort();
			memcpy(copy, payload, n > len ? len : n);
			if (nl)
				copy[n - 1] = '\n';
			copy[n] = '\0';
			tracef("%2d store %s ", steps, path_of(kn));
			trace_bytes(copy, n);
			ret = kn->attr.attr->store(kn->attr.obj, copy, n);
			free(copy);
			tracef(" -> %zd%s%s\n", ret, ret < 0 ? " " : "", ret < 0 ? strerror((int)-ret) : "");
			if (ret != (ssize_t)n && (ret >= 0 || ret < -4095))
				broken("store return value", "neither the length written nor -errno");
			refused = ret < 0;
			if (refused)
				stats.stores_refused++;
			else
				stats.stores_ok++;
			sim_flush_work(sim);
			drop_notifications(sim);
		} else if (kind == 5) {
			char *page = malloc(SYSFS_PAGE_SIZE);

			if (!page)
				abort();
			ret = kn->attr.attr->show(kn->attr.obj, page);
			free(page);
			stats.shows++;
			tracef("%2d show %s -> %zd\n", steps, path_of(kn), ret);
			if (ret > SYSFS_PAGE_SIZE || ret < -4095)
				broken("show return value", path_of(kn));
		} else {
			char text[4096];

			ret = kernfs_link_target(kn, text, sizeof(text));
			stats.readlinks++;
			tracef("%2d readlink %s -> %s\n", steps, path_of(kn), ret < 0 ? "(error)" : text);
			if (ret <= 0)
				broken("readlink", path_of(kn));
		}
		if (trace_all) {
			fprintf(stderr, "%s", trace);
			trace_len = 0;
			trace[0] = '\0';
		}

		stats.steps++;
		stats.checks++;
		if (inv_check(sim, why, sizeof(why)))
			broken("invariant", why);
		if (inv_last_stats.mdevs > stats.max_mdevs)
			stats.max_mdevs = inv_last_stats.mdevs;
		if (inv_last_stats.nodes > stats.max_nodes)
			stats.max_nodes = inv_last_stats.nodes;
		if (inv_dump(sim, &after))
			broken("dump", "a show broke its contract");
		if ((refused || !is_store) && inv_dump_diff(&before, &after, why, sizeof(why)))
			broken(is_store ? "a refused store changed the tree" : "a read changed the tree",
			       why);
		{
			struct inv_buf t = before;

			before = after;
			after = t;
		}
	}
out:
	sim_unlock(sim);
	sim_destroy(sim);
	inv_buf_free(&before);
	inv_buf_free(&after);
	return 0;
}
