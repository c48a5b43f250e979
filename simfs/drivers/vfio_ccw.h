/* SPDX-License-Identifier: MIT */
#ifndef SIMFS_VFIO_CCW_H
#define SIMFS_VFIO_CCW_H

struct sim;

/* insmod vfio_ccw: register the css and mdev drivers (binds driverless subchannels). */
int vfio_ccw_init(struct sim *sim);
/* rmmod vfio_ccw. */
void vfio_ccw_exit(struct sim *sim);

#endif /* SIMFS_VFIO_CCW_H */
