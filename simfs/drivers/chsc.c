// SPDX-License-Identifier: MIT
/*
 * What the channel subsystem reports and the kernel does about it
 * (drivers/s390/cio/chsc.c, chp.c, css.c's subchannel evaluation):
 *  - varying a channel path on or off (its status file, s390_vary_chpid()):
 *    the path leaves or rejoins the logical path mask of every subchannel on
 *    it, which path verification turns into the verified paths (vpm);
 *  - the machine taking a channel path away or giving it back (configure
 *    standby, a channel-path CRW): the path-available mask (pam, the middle
 *    of pimpampom) changes on every subchannel on it, and "configure" reads
 *    0 or 1 where the machine tells;
 *  - a device with no path left reads "no path" as its availability (it is
 *    disconnected, online or not), and "good" once a path is back;
 *  - a subchannel appearing (a CRW for a new device): it is registered and
 *    probed, and io_subchannel recognises its device as at boot.
 * A channel path's own status file stays the logical state: the machine
 * taking the path away does not vary it off.
 */
#include "css.h"

#include "../sim.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The paths of @sch whose channel path is varied on (the kernel's opm). */
static uint8_t sch_online_paths(const struct subchannel *sch)
{
	uint8_t mask = 0;

	for (int i = 0; i < 8; i++) {
		const struct channel_path *chp = sch->css->chp[sch->chpid[i]];

		if ((sch->pim & (0x80 >> i)) && chp && chp->online)
			mask |= (uint8_t)(0x80 >> i);
	}
	return mask;
}

/* Path verification: vpm = the installed, available, operational, varied-on paths. */
void chsc_sch_verify_paths(struct subchannel *sch)
{
	sch->vpm = sch->pim & sch->pam & sch->pom & sch_online_paths(sch);
}

/* After a path event: a device left with no path is disconnected ("no path"), and back with one. */
static void sch_paths_changed(struct subchannel *sch)
{
	chsc_sch_verify_paths(sch);
	if (!sch->id.present)
		return;
	if (!sch->vpm && sch->id.availability == CCW_AVAIL_GOOD)
		sch->id.availability = CCW_AVAIL_NO_PATH;
	else if (sch->vpm && sch->id.availability == CCW_AVAIL_NO_PATH)
		sch->id.availability = CCW_AVAIL_GOOD;
}

/* The subchannel's path bit for @chpid, or 0 when it does not use it. */
static uint8_t sch_path_bit(const struct subchannel *sch, uint8_t chpid)
{
	for (int i = 0; i < 8; i++)
		if ((sch->pim & (0x80 >> i)) && sch->chpid[i] == chpid)
			return (uint8_t)(0x80 >> i);
	return 0;
}

void chsc_chp_vary(struct channel_path *chp, bool on)
{
	struct css *css = chp->css;

	/* s390_vary_chpid(): varying off a path that is off does nothing. */
	if (!on && !chp->online)
		return;
	chp->online = on;
	for (unsigned int i = 0; i < css->nr_sch; i++)
		if (css->sch[i]->st == SUBCHANNEL_TYPE_IO && sch_path_bit(css->sch[i], chp->id))
			sch_paths_changed(css->sch[i]);
}

int chsc_chp_set_available(struct css *css, uint8_t chpid, bool available)
{
	struct channel_path *chp = css->chp[chpid];

	if (!chp)
		return -ENODEV;
	chp->unavailable = !available;
	if (chp->configure >= 0)
		chp->configure = available;
	for (unsigned int i = 0; i < css->nr_sch; i++) {
		struct subchannel *sch = css->sch[i];
		uint8_t bit = sch_path_bit(sch, chpid);

		if (!bit)
			continue;
		if (available)
			sch->pam |= bit;
		else
			sch->pam &= (uint8_t)~bit;
		sch_paths_changed(sch);
	}
	return 0;
}

struct subchannel *css_find_subchannel(struct css *css, unsigned int ssid, unsigned int sch_no)
{
	for (unsigned int i = 0; i < css->nr_sch; i++)
		if (css->sch[i]->ssid == ssid && css->sch[i]->sch_no == sch_no)
			return css->sch[i];
	return NULL;
}

int css_sch_hotplug(struct css *css, unsigned int ssid, unsigned int sch_no,
		    const struct ccw_device_id_info *id, const uint8_t *chpids, unsigned int n)
{
	uint8_t chpid[8] = { 0 }, pim = 0, pam = 0;

	if (ssid > 3 || sch_no > 0xffff || n > 8)
		return -EINVAL;
	if (css_find_subchannel(css, ssid, sch_no))
		return -EEXIST;
	for (unsigned int i = 0; id && i < css->nr_sch; i++)
		if (css->sch[i]->id.present && css->sch[i]->ssid == ssid && css->sch[i]->id.devno == id->devno)
			return -EEXIST;
	for (unsigned int i = 0; i < n; i++) {
		const struct channel_path *chp = css->chp[chpids[i]];

		if (!chp)
			return -ENOENT;
		chpid[i] = chpids[i];
		pim |= (uint8_t)(0x80 >> i);
		if (!chp->unavailable)
			pam |= (uint8_t)(0x80 >> i);
	}
	/* The ccw driver the device's id table names is there (loaded on demand by udev). */
	if (id && strcmp(id->driver, "none") && !ccw_driver_get(css, id->driver, id->auto_online))
		return -ENOMEM;
	return css_add_subchannel(css, ssid, sch_no, SUBCHANNEL_TYPE_IO,
				  id && !strcmp(id->driver, "qeth"), chpid, pim, pam, 0xff, id, NULL);
}
