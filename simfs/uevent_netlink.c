// SPDX-License-Identifier: MIT
/*
 * Uevents on NETLINK_KOBJECT_UEVENT (uevent_netlink.h), formatted as
 * lib/kobject_uevent.c does: alloc_uevent_skb() puts "ACTION@DEVPATH\0"
 * before the environment, which holds ACTION, DEVPATH and SUBSYSTEM, the
 * caller's variables, dev_uevent()'s and SEQNUM, each ended by a NUL.
 */
#include "uevent_netlink.h"

#include "sim.h"

#include <errno.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define UEVENT_MSG_SIZE 4096

static bool put(char *buf, size_t size, size_t *len, const char *s, size_t n)
{
	if (*len + n + 1 > size)
		return false;
	memcpy(buf + *len, s, n);
	buf[*len + n] = '\0';
	*len += n + 1;
	return true;
}

size_t uevent_netlink_format(const struct uevent_record *r, char *buf, size_t size)
{
	char var[1100];
	size_t len = 0;
	int n;

	n = snprintf(var, sizeof(var), "%s@%s", r->action, r->devpath);
	if (n < 0 || (size_t)n >= sizeof(var) || !put(buf, size, &len, var, (size_t)n))
		return 0;
	n = snprintf(var, sizeof(var), "ACTION=%s", r->action);
	if (!put(buf, size, &len, var, (size_t)n))
		return 0;
	n = snprintf(var, sizeof(var), "DEVPATH=%s", r->devpath);
	if (n < 0 || (size_t)n >= sizeof(var) || !put(buf, size, &len, var, (size_t)n))
		return 0;
	if (r->subsystem[0]) {
		n = snprintf(var, sizeof(var), "SUBSYSTEM=%s", r->subsystem);
		if (!put(buf, size, &len, var, (size_t)n))
			return 0;
	}
	for (size_t off = 0; off < r->env_len;) {
		size_t l = strnlen(r->env + off, r->env_len - off);

		if (!put(buf, size, &len, r->env + off, l))
			return 0;
		off += l + 1;
	}
	n = snprintf(var, sizeof(var), "SEQNUM=%llu", (unsigned long long)r->seqnum);
	if (!put(buf, size, &len, var, (size_t)n))
		return 0;
	return len;
}

static void uevent_netlink_send(void *arg, const struct uevent_record *r)
{
	struct uevent_netlink *nl = arg;
	struct sockaddr_nl to = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	char buf[UEVENT_MSG_SIZE];
	size_t len = uevent_netlink_format(r, buf, sizeof(buf));

	if (!len)
		return;
	/* Never block the model: a listener that does not keep up loses messages, as with the kernel. */
	if (sendto(nl->fd, buf, len, MSG_DONTWAIT, (struct sockaddr *)&to, sizeof(to)) < 0) {
		nl->failed++;
		nl->last_err = errno;
	} else {
		nl->sent++;
	}
}

/* A private network namespace has no interface but the loopback one. */
static bool netns_is_private(void)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	bool private = ifs != NULL;

	for (i = ifs; i && i->if_index; i++)
		if (strcmp(i->if_name, "lo"))
			private = false;
	if (ifs)
		if_freenameindex(ifs);
	return private;
}

int uevent_netlink_start(struct uevent_netlink **out, struct sim *sim, bool force, char *why,
			 size_t whylen)
{
	struct sockaddr_nl me = { .nl_family = AF_NETLINK };
	struct uevent_netlink *nl;
	int err;

	if (*out) {
		snprintf(why, whylen, "already sending");
		return 0;
	}
	if (!force && !netns_is_private()) {
		snprintf(why, whylen, "the daemon's network namespace has interfaces besides lo, so it is "
			 "not private: the host's udev would hear of the simulated machine (start simfs "
			 "under unshare -n, or say force)");
		return -EPERM;
	}
	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	nl->fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_KOBJECT_UEVENT);
	if (nl->fd < 0 || bind(nl->fd, (struct sockaddr *)&me, sizeof(me))) {
		err = -errno;
		snprintf(why, whylen, "netlink socket: %s", strerror(-err));
		if (nl->fd >= 0)
			close(nl->fd);
		free(nl);
		return err;
	}
	sim->uevent_sink = uevent_netlink_send;
	sim->uevent_sink_arg = nl;
	*out = nl;
	snprintf(why, whylen, "sending uevents to NETLINK_KOBJECT_UEVENT group 1");
	return 0;
}

void uevent_netlink_stop(struct uevent_netlink **nlp, struct sim *sim)
{
	struct uevent_netlink *nl = *nlp;

	if (!nl)
		return;
	if (sim->uevent_sink_arg == nl) {
		sim->uevent_sink = NULL;
		sim->uevent_sink_arg = NULL;
	}
	close(nl->fd);
	free(nl);
	*nlp = NULL;
}
