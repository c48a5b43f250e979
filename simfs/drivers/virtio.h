/* SPDX-License-Identifier: MIT */
/*
 * The virtio devices behind virtio-ccw devices (drivers/virtio/virtio.c,
 * drivers/s390/virtio/virtio_ccw.c): virtio_ccw makes each ccw device it
 * drives the parent of a "virtioN" device on the virtio bus, whose device
 * id is the control unit model and whose vendor is the control unit type.
 */
#ifndef SIMFS_VIRTIO_H
#define SIMFS_VIRTIO_H

struct sim;
struct ccw_device;
struct topology;

/* Create the virtio bus and register the topology's virtio drivers (built in). */
int virtio_bus_init(struct sim *sim, const struct topology *topo);
void virtio_bus_exit(struct sim *sim);

/* virtio_ccw's online: register the virtio device below @cdev (and let its driver bind). */
int virtio_ccw_add(struct sim *sim, struct ccw_device *cdev);
void virtio_ccw_del(struct sim *sim, struct ccw_device *cdev);

#endif /* SIMFS_VIRTIO_H */
