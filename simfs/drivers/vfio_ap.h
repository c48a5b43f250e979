/* SPDX-License-Identifier: MIT */
/*
 * vfio_ap's mediated devices as the rest of simfs (the topology loader, a
 * control surface, the unit tests) may drive them: the same functions the
 * sysfs stores call once they have parsed their input.
 */
#ifndef SIMFS_VFIO_AP_H
#define SIMFS_VFIO_AP_H

#include "../parse.h"

#include <stdbool.h>
#include <stdint.h>

struct sim;
struct vfio_ap_mdev;

enum vfio_ap_res {
	VFIO_AP_ADAPTER,
	VFIO_AP_DOMAIN,
	VFIO_AP_CONTROL_DOMAIN,
};

/* Why a matrix was refused: the first offending APQN and, for sharing, its holder. */
struct vfio_ap_conflict {
	unsigned int apid, apqi;
	bool has_holder;
	uint8_t holder[16];
};

struct vfio_ap_mdev *vfio_ap_find_mdev(struct sim *sim, const uint8_t uuid[16]);

/*
 * vfio_ap_mdev_validate_masks(): -EADDRNOTAVAIL if an APQN of @apm x @aqm is
 * still owned by the default drivers, -EADDRINUSE if one is in the matrix
 * of an mdev other than @self (NULL: compare with every mdev), else 0.
 * @why (optional) names the first offending APQN.
 */
int vfio_ap_validate_matrix(struct sim *sim, const struct vfio_ap_mdev *self,
			    const struct ap_mask *apm, const struct ap_mask *aqm,
			    struct vfio_ap_conflict *why);

/*
 * The assign_* / unassign_* stores after kstrtoul(): ENODEV above the
 * maximum id, a no-op when nothing would change, then (assign) the
 * validation; all or nothing.  @why as above.
 */
int vfio_ap_mdev_assign(struct vfio_ap_mdev *m, enum vfio_ap_res res, unsigned long id,
			struct vfio_ap_conflict *why);
int vfio_ap_mdev_unassign(struct vfio_ap_mdev *m, enum vfio_ap_res res, unsigned long id);

/* The ap_config store after parsing: validation, then the id range check. */
int vfio_ap_mdev_set_config(struct vfio_ap_mdev *m, const struct ap_mask *apm,
			    const struct ap_mask *aqm, const struct ap_mask *adm,
			    struct vfio_ap_conflict *why);

/*
 * A KVM guest opened the mdev (or let it go).  Queues in the guest's
 * configuration then read "in use"; before 6.0 assignments fail EBUSY.
 */
int vfio_ap_set_guest_attached(struct sim *sim, const uint8_t uuid[16], bool attached);

/* The host's AP configuration (adapters, domains) changed: every shadow follows. */
void vfio_ap_on_config_changed(struct sim *sim);

#endif /* SIMFS_VFIO_AP_H */
