/* SPDX-License-Identifier: MIT */
/*
 * Invariants of the simulated host, checked by walking the kernfs tree the
 * way a reader of /sys would (attribute shows, link targets), plus the
 * tree's own structural invariants.  The fuzzers call these after every
 * step; anything else that drives the model in-process may too.
 *
 * The checks read the model only through the tree: they parse show output
 * with their own small parsers, never with simfs/parse.c, so that a slip
 * in a parser is not mirrored in its check.
 *
 * Every function here must be called with the model lock held.
 */
#ifndef SIMFS_TESTS_INVARIANTS_H
#define SIMFS_TESTS_INVARIANTS_H

#include <stdbool.h>
#include <stddef.h>

struct sim;

/* A growing text buffer. */
struct inv_buf {
	char *p;
	size_t len, cap;
};

void inv_buf_free(struct inv_buf *b);

/*
 * Check every invariant; 0 when all hold, else -1 with a one-line
 * description of the first broken one in @why:
 *  - tree: every child points back at its parent, is found under its name,
 *    nr_subdirs and nr_nodes agree with the lists;
 *  - links: every symlink's target is live and reachable from the root,
 *    and the link's relative text resolves to it;
 *  - every show returns 0..PAGE_SIZE bytes or a plain -errno;
 *  - driver core: a device's driver link and the driver's link back agree;
 *  - AP: no APQN is in the matrices of two vfio_ap mdevs; none is in a
 *    matrix while the default drivers own it (apmask and aqmask, from
 *    5.10); matrix agrees with ap_config; a bound queue is bound to the
 *    driver its masks say (default driver iff adapter in apmask and domain
 *    in aqmask; otherwise vfio_ap, or no driver after an unbind);
 *  - mdev: available_instances = max - existing for every type;
 *    bus/mdev/devices is exactly the set of mdev directories; every type's
 *    devices/ lists exactly the mdevs whose mdev_type is that type.
 */
int inv_check(struct sim *sim, char *why, size_t whylen);

/*
 * A full dump of the tree: one line per node in tree order, with every
 * show's output (or its error) and every link's text.  Two dumps are equal
 * iff nothing a reader of the tree can observe differs.
 */
int inv_dump(struct sim *sim, struct inv_buf *out);

/* Describe the first difference of two dumps in @why; false when equal. */
bool inv_dump_diff(const struct inv_buf *a, const struct inv_buf *b, char *why, size_t whylen);

/* Statistics of the last inv_check() (for the fuzzers' own reporting). */
struct inv_stats {
	unsigned int nodes, links, mdevs, queues, queues_unbound;
};
extern struct inv_stats inv_last_stats;

#endif /* SIMFS_TESTS_INVARIANTS_H */
