/* SPDX-License-Identifier: MIT */
/* The FUSE window onto the model: low-level ops, caching policy, invalidation. */
#ifndef SIMFS_FUSE_OPS_H
#define SIMFS_FUSE_OPS_H

#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>

#include "hooks.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

struct sim;
struct uevent_netlink;
struct attr_handle;
struct dir_handle;

enum simfs_stat {
	STAT_LOOKUP, STAT_FORGET, STAT_GETATTR, STAT_READLINK, STAT_OPEN, STAT_READ,
	STAT_WRITE, STAT_RELEASE, STAT_OPENDIR, STAT_READDIR, STAT_READDIRPLUS, STAT_NOTIFY,
	STAT_MAX,
};

struct simfs_fs {
	struct sim *sim;
	struct fuse_session *se;
	double timeout;			/* entry and attribute timeout, seconds */
	struct timespec boot_time;	/* every node's times, as sysfs shows boot-time nodes */
	/* The deferred-work runner (asynchronous kernel work, e.g. recognition). */
	pthread_t worker;
	pthread_mutex_t worker_lock;
	pthread_cond_t worker_cond;
	bool worker_stop, worker_started;
	atomic_ullong stats[STAT_MAX];
	/* The control socket (ctl.c). */
	int ctl_fd, ctl_stop[2];
	pthread_t ctl_thread;
	bool ctl_started;
	/* Fault injection (hooks.h), under the model lock. */
	struct hooks hooks;
	/* Uevents as kernel netlink messages (uevent_netlink.c), or NULL. */
	struct uevent_netlink *netlink;
	/* Open handles, under the model lock: those the kernel never releases go at destroy. */
	struct attr_handle *open_files;
	struct dir_handle *open_dirs;
};

struct kn_notify;
/* Send (and free) queued cache notifications; the model lock must not be held. */
void simfs_send_notifications(struct simfs_fs *fs, struct kn_notify *n);

extern const struct fuse_lowlevel_ops simfs_ll_ops;

int simfs_worker_start(struct simfs_fs *fs);
void simfs_worker_stop(struct simfs_fs *fs);

#endif /* SIMFS_FUSE_OPS_H */
