/* SPDX-License-Identifier: MIT */
/*
 * The AP bus (drivers/s390/crypto/ap_bus.c, ap_card.c, ap_queue.c), the
 * default zcrypt drivers cex4card/cex4queue, and vfio_ap
 * (vfio_ap_drv.c, vfio_ap_ops.c).
 */
#ifndef SIMFS_AP_H
#define SIMFS_AP_H

#include <stddef.h>

struct sim;
struct topology;

/* Boot the AP bus with the topology's cards and queues and load zcrypt. */
int ap_bus_init(struct sim *sim, const struct topology *topo);
void ap_bus_exit(struct sim *sim);

/*
 * insmod rng_core zcrypt zcrypt_cex4 / rmmod them (ap_bus_init() loads
 * them): registers cex4card and cex4queue, which take the cards and the
 * queues the masks give the host; unloading leaves those without a driver.
 */
int zcrypt_init(struct sim *sim);
void zcrypt_exit(struct sim *sim);

/* insmod vfio_ap / rmmod vfio_ap. */
int vfio_ap_init(struct sim *sim);
void vfio_ap_exit(struct sim *sim);

/* Create the topology's vfio_ap mdevs with their assignments. */
int vfio_ap_create_topology_mdevs(struct sim *sim, const struct topology *topo, char *err,
				  size_t errlen);

#endif /* SIMFS_AP_H */
