/* SPDX-License-Identifier: MIT */
/*
 * The control surface: what a test kernel's debugfs knobs would do, kept
 * out of the simulated tree so tools walking sysfs never see it.  The
 * daemon listens on an abstract unix socket named after the mount's device
 * number, so `simfs ctl MOUNTPOINT ...` finds it through any bind mount of
 * the tree (also /sys inside `simfs run`).  Only root or the daemon's own
 * user may talk to it.
 */
#ifndef SIMFS_CTL_H
#define SIMFS_CTL_H

#include <stddef.h>
#include <sys/types.h>

struct simfs_fs;

/* Start listening for the mount at @mountpoint (after it is mounted). */
int simfs_ctl_start(struct simfs_fs *fs, const char *mountpoint);
void simfs_ctl_stop(struct simfs_fs *fs);

/* The client: `simfs ctl MOUNTPOINT COMMAND...`; returns the exit status. */
int simfs_ctl_main(int argc, char **argv);

/* The socket name for a mount whose st_dev is @dev (abstract: leading NUL). */
size_t simfs_ctl_sockname(dev_t dev, char *buf, size_t size);

#endif /* SIMFS_CTL_H */
