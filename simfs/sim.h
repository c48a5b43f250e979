/* SPDX-License-Identifier: MIT */
/*
 * The model: one simulated s390x host.  Everything mutable lives here, under
 * one lock, so that every store is atomic against every other store and
 * every show (the kernel's finer locks are observable only as ordering, and
 * one lock gives the same order).
 */
#ifndef SIMFS_SIM_H
#define SIMFS_SIM_H

#include "driver_core.h"
#include "kernfs.h"
#include "list.h"

#include <pthread.h>
#include <stdint.h>

struct topology;
struct css;
struct ap_bus;
struct mdev_core;
struct vfio_core;
struct vfio_ccw;
struct vfio_ap;
struct virtio_bus;

/* Work the kernel does asynchronously (ccw device recognition). */
struct sim_work {
	struct sim_work *next;
	uint64_t due_ms;
	void (*fn)(struct sim *sim, void *arg, uint64_t cookie);
	void *arg;
	uint64_t cookie;
};

#define UEVENT_LOG_SIZE 4096

/* True when the uevent about to be announced would never be seen (struct sim). */
#define sim_uevent_unseen(sim) (!(sim)->uevent_sink && (sim)->boot_adds_ahead > UEVENT_LOG_SIZE)

/*
 * One uevent as the kernel sends it: ACTION, DEVPATH and SUBSYSTEM, then the
 * variables in the kernel's order (the caller's first, then dev_uevent()'s),
 * then SEQNUM.  @env holds the variables, each ended by a NUL, @env_len bytes
 * in all; a value may hold a newline (APMASK=, AQMASK=).
 */
struct uevent_record {
	uint64_t seqnum;
	char action[16];
	char subsystem[32];
	char *devpath;
	char *env;
	size_t env_len;
};

struct sim {
	pthread_mutex_t lock;
	struct kernfs_root kfs;
	struct kn *devices_dir, *bus_dir, *class_dir, *module_dir, *kernel_dir;
	struct kn *virtual_dir;

	unsigned int kernel_version;	/* KERNEL_VERSION(6, 12, 0) unless told */
	unsigned int recognition_delay_ms;	/* ccw device appearance after io_subchannel probe */

	struct list_head buses, classes, modules;

	struct sim_work *work;		/* sorted by due time */
	struct sim_work *work_tail;	/* the last entry: most work is due after all queued work */
	uint64_t now_ms;		/* set by whoever runs the work queue */

	uint64_t uevent_seqnum;
	struct uevent_record ulog[UEVENT_LOG_SIZE];
	/*
	 * While booting: device_add()s still to come, at least (one "add"
	 * uevent each).  A uevent with more than a log's worth of uevents
	 * certain to follow would only be overwritten, so it is counted and
	 * not built: a quarter of a large topology's boot.
	 */
	uint64_t boot_adds_ahead;
	/* Called for every uevent, under the lock (the daemon's netlink sender). */
	void (*uevent_sink)(void *arg, const struct uevent_record *r);
	void *uevent_sink_arg;

	/*
	 * Sleeping in the model (sim_wait()): a store that must wait for
	 * another thread -- a guest letting go of its mdev -- sleeps on
	 * @waitq, which drops the model lock meanwhile; sim_wake() wakes
	 * every sleeper, and each checks again what it waits for.  A sleeper
	 * must leave the model consistent before it sleeps, and must not
	 * trust list iterators across a sleep.  @dying (sim_destroy()) and
	 * @stopping (the daemon, polled every SIM_WAIT_SLICE_MS) end every
	 * sleep; @kick runs before each sleep (the daemon's: have the changes
	 * made so far announced to the kernel's caches by another thread).
	 */
	pthread_cond_t waitq;
	bool dying;
	bool (*stopping)(void *arg);
	void (*kick)(void *arg);
	void *waiter_arg;

	struct css *css;
	struct ap_bus *ap;
	struct mdev_core *mdev;
	struct vfio_core *vfio;
	struct vfio_ccw *vfio_ccw;
	struct vfio_ap *vfio_ap;
	struct virtio_bus *virtio;
};

/* Build the whole host from a parsed topology.  -errno, message on stderr. */
int sim_create(struct sim **out, const struct topology *topo);
void sim_destroy(struct sim *sim);

static inline void sim_lock(struct sim *sim)
{
	pthread_mutex_lock(&sim->lock);
}

static inline void sim_unlock(struct sim *sim)
{
	pthread_mutex_unlock(&sim->lock);
}

/* Queue @fn to run @delay_ms from now (under the lock, by the work runner). */
int sim_queue_work(struct sim *sim, unsigned int delay_ms,
		   void (*fn)(struct sim *sim, void *arg, uint64_t cookie), void *arg, uint64_t cookie);
/* Drop queued work for @arg (an object going away). */
void sim_cancel_work(struct sim *sim, void *arg);
/* Run the work due at @now_ms; returns the next due time or UINT64_MAX. */
uint64_t sim_run_work(struct sim *sim, uint64_t now_ms);
/* Run everything queued, whatever its due time (tests, fuzzing). */
void sim_flush_work(struct sim *sim);

/*
 * Record (and hand to the sink) a uevent for the object at @kn: @subsystem
 * (NULL: none), @envp the variables, NULL-terminated (NULL: none).
 */
void sim_log_uevent(struct sim *sim, const char *action, const struct kn *kn, const char *subsystem,
		    const char *const *envp);

#define SIM_WAIT_SLICE_MS 100

/*
 * Sleep (the model lock dropped) until sim_wake() or at most
 * SIM_WAIT_SLICE_MS.  0, or -EINTR when the daemon is stopping (after the
 * sleep, so others get the lock) or the model is dying (at once: nobody
 * else runs then).  For what may never come (a guest letting go), loop
 *	while (!done && !sim_wait(sim)) ;
 */
int sim_wait(struct sim *sim);
/*
 * For what another thread is doing and will finish (a removal under way),
 * loop while (!done && sim_wait_other(sim)) ; -- false only when dying.
 */
bool sim_wait_other(struct sim *sim);
void sim_wake(struct sim *sim);

/* Monotonic milliseconds. */
uint64_t sim_clock_ms(void);

#endif /* SIMFS_SIM_H */
