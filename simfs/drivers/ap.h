/* SPDX-License-Identifier: MIT */
/*
 * The AP bus (drivers/s390/crypto/ap_bus.c, ap_card.c, ap_queue.c), the
 * default zcrypt drivers cex4card/cex4queue, and vfio_ap
 * (vfio_ap_drv.c, vfio_ap_ops.c).
 */
#ifndef SIMFS_AP_H
#define SIMFS_AP_H

#include <stdbool.h>
#include <stddef.h>

struct sim;
struct topology;
struct topo_card;

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

/*
 * The machine changes its AP configuration (ap_scan.c): an adapter or a
 * domain is deconfigured or configured, a card plugged or pulled; the bus
 * scan, the drivers and every vfio_ap mdev's guest_matrix follow.
 * -ENODEV for an unknown card, -EEXIST for a plugged one, -EINVAL for an id
 * above the maximum.
 */
int ap_card_set_config(struct sim *sim, unsigned int id, bool config);
int ap_domain_set_config(struct sim *sim, unsigned int dom, bool config);
int ap_card_plug(struct sim *sim, const struct topo_card *t);
int ap_card_unplug(struct sim *sim, unsigned int id);
/* "CEX7C" -> a card as a topology describes it (id 0); -EINVAL when malformed. */
int ap_card_type_parse(const char *type, struct topo_card *t);

#endif /* SIMFS_AP_H */
