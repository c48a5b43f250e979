// SPDX-License-Identifier: MIT
/* Placeholder until the AP bus lands. */
#include "ap.h"

int ap_bus_init(struct sim *sim, const struct topology *topo)
{
	return 0;
}

void ap_bus_exit(struct sim *sim)
{
}
