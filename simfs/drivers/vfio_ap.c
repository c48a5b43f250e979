// SPDX-License-Identifier: MIT
/* Placeholder until vfio_ap lands. */
#include <stddef.h>
#include "ap.h"

int vfio_ap_init(struct sim *sim)
{
	return 0;
}

void vfio_ap_exit(struct sim *sim)
{
}

int vfio_ap_create_topology_mdevs(struct sim *sim, const struct topology *topo, char *err,
				  size_t errlen)
{
	return 0;
}
