// SPDX-License-Identifier: MIT
/*
 * The control socket: one command per connection, one text answer ending in
 * a status line ("OK" or "ERR <reason>").
 */
#include "ctl.h"

#include "drivers/ap.h"
#include "drivers/mdev.h"
#include "drivers/vfio.h"
#include "drivers/vfio_ccw.h"
#include "fuse_ops.h"
#include "sim.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <fcntl.h>
#include <sys/un.h>
#include <unistd.h>

#define CTL_MAX_CMD 4096

struct out {
	char *buf;
	size_t len, cap;
};

static void out_printf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = o->cap - o->len;

		va_start(ap, fmt);
		n = vsnprintf(o->buf ? o->buf + o->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < room) {
			o->len += (size_t)n;
			return;
		}
		size_t cap = (o->cap + (size_t)n + 1) * 2;
		char *nb = realloc(o->buf, cap);

		if (!nb)
			return;
		o->buf = nb;
		o->cap = cap;
	}
}

size_t simfs_ctl_sockname(dev_t dev, char *buf, size_t size)
{
	int n = snprintf(buf + 1, size - 1, "simfs-ctl-%u:%u", major(dev), minor(dev));

	buf[0] = '\0';
	return (size_t)n + 1;
}

/* ---- commands ------------------------------------------------------------- */

/*
 * insmod/rmmod of the modules the transcripts load by hand.  Dependencies
 * are checked as the kernel would: vfio_ccw and vfio_ap need vfio and mdev
 * (insmod fails ENOENT, "Unknown symbol"); a module in use cannot go (EBUSY).
 */
static int cmd_modules(struct simfs_fs *fs, bool load, const char *name, struct out *o)
{
	struct sim *sim = fs->sim;
	bool loaded;

	if (!strcmp(name, "vfio"))
		loaded = sim->vfio;
	else if (!strcmp(name, "vfio_iommu_type1"))
		loaded = module_find(sim, name);
	else if (!strcmp(name, "mdev"))
		loaded = sim->mdev;
	else if (!strcmp(name, "vfio_ccw"))
		loaded = sim->vfio_ccw;
	else if (!strcmp(name, "vfio_ap"))
		loaded = sim->vfio_ap;
	else {
		out_printf(o, "ERR %s: only vfio, vfio_iommu_type1, mdev, vfio_ccw and vfio_ap can be loaded and unloaded\n",
			   name);
		return 1;
	}
	if (load == loaded) {
		out_printf(o, "ERR %s is %s\n", name, load ? "already loaded" : "not loaded");
		return 1;
	}
	if (load) {
		if (!strcmp(name, "vfio"))
			return vfio_core_init(sim);
		if (!strcmp(name, "vfio_iommu_type1"))
			return sim->vfio ? (module_load(sim, name, 36864) ? 0 : -ENOMEM) : -ENOENT;
		if (!strcmp(name, "mdev"))
			return mdev_core_init(sim);
		if (!sim->vfio || !sim->mdev)
			return -ENOENT;
		if (!strcmp(name, "vfio_ccw"))
			return vfio_ccw_init(sim);
		return sim->ap ? vfio_ap_init(sim) : -ENODEV;
	}
	if (!strcmp(name, "vfio_ccw")) {
		vfio_ccw_exit(sim);
		return 0;
	}
	if (!strcmp(name, "vfio_ap")) {
		vfio_ap_exit(sim);
		return 0;
	}
	if (sim->vfio_ccw || sim->vfio_ap || (!strcmp(name, "vfio") && (sim->mdev || module_find(sim, "vfio_iommu_type1"))))
		return -EBUSY;
	if (!strcmp(name, "vfio"))
		vfio_core_exit(sim);
	else if (!strcmp(name, "mdev"))
		mdev_core_exit(sim);
	else
		module_unload(module_find(sim, name));
	return 0;
}

static void cmd_uevents(struct simfs_fs *fs, unsigned long long since, struct out *o)
{
	struct sim *sim = fs->sim;
	uint64_t first = sim->uevent_seqnum > UEVENT_LOG_SIZE ? sim->uevent_seqnum - UEVENT_LOG_SIZE + 1 : 1;

	for (uint64_t seq = first > since + 1 ? first : since + 1; seq <= sim->uevent_seqnum; seq++) {
		const struct uevent_record *r = &sim->ulog[(seq - 1) % UEVENT_LOG_SIZE];

		out_printf(o, "%llu %s %s\n", (unsigned long long)r->seqnum, r->action, r->devpath);
		for (const char *l = r->env; l && *l;) {
			size_t n = strcspn(l, "\n");

			out_printf(o, "  %.*s\n", (int)n, l);
			l += n + (l[n] == '\n');
		}
	}
}

static void cmd_stats(struct simfs_fs *fs, struct out *o)
{
	static const char *const names[STAT_MAX] = {
		"lookup", "forget", "getattr", "readlink", "open", "read", "write",
		"release", "opendir", "readdir", "notify",
	};

	for (int i = 0; i < STAT_MAX; i++)
		out_printf(o, "%s %llu\n", names[i], (unsigned long long)atomic_load(&fs->stats[i]));
}

static void ctl_execute(struct simfs_fs *fs, char *line, struct out *o)
{
	char *argv[8];
	int argc = 0, err = 0;
	char *save = NULL;

	for (char *t = strtok_r(line, " \t\r\n", &save); t && argc < 8; t = strtok_r(NULL, " \t\r\n", &save))
		argv[argc++] = t;
	if (!argc) {
		out_printf(o, "ERR empty command\n");
		return;
	}

	if (!strcmp(argv[0], "stats") && argc == 1) {
		cmd_stats(fs, o);
		out_printf(o, "OK\n");
		return;
	}

	sim_lock(fs->sim);
	if ((!strcmp(argv[0], "insmod") || !strcmp(argv[0], "rmmod")) && argc == 2) {
		err = cmd_modules(fs, argv[0][0] == 'i', argv[1], o);
		if (err < 0)
			out_printf(o, "ERR %s %s: %s\n", argv[0], argv[1], strerror(-err));
	} else if (!strcmp(argv[0], "flush") && argc == 1) {
		sim_flush_work(fs->sim);
	} else if (!strcmp(argv[0], "uevents") && argc <= 2) {
		char *end = NULL;
		unsigned long long since = argc == 2 ? strtoull(argv[1], &end, 10) : 0;

		if (argc == 2 && (!*argv[1] || *end))
			out_printf(o, "ERR uevents: \"%s\" is not a sequence number\n", argv[1]), err = 1;
		else
			cmd_uevents(fs, since, o);
	} else {
		out_printf(o, "ERR unknown command \"%s\" (try: insmod, rmmod, flush, uevents [SEQ], stats)\n",
			   argv[0]);
		err = 1;
	}
	{
		struct kn_notify *n = kernfs_take_notifications(&fs->sim->kfs);

		sim_unlock(fs->sim);
		simfs_send_notifications(fs, n);
	}
	if (!err)
		out_printf(o, "OK\n");
}

/* ---- server --------------------------------------------------------------- */

static bool peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		return false;
	return cred.uid == 0 || cred.uid == getuid();
}

static void ctl_serve(struct simfs_fs *fs, int fd)
{
	char line[CTL_MAX_CMD + 1];
	struct out o = { 0 };
	size_t len = 0;

	if (!peer_allowed(fd)) {
		out_printf(&o, "ERR permission denied\n");
	} else {
		while (len < CTL_MAX_CMD) {
			ssize_t n = read(fd, line + len, CTL_MAX_CMD - len);

			if (n <= 0)
				break;
			len += (size_t)n;
			if (memchr(line, '\n', len))
				break;
		}
		line[len] = '\0';
		ctl_execute(fs, line, &o);
	}
	for (size_t off = 0; o.buf && off < o.len;) {
		ssize_t n = write(fd, o.buf + off, o.len - off);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	free(o.buf);
}

static void *ctl_thread(void *arg)
{
	struct simfs_fs *fs = arg;
	struct pollfd p[2] = {
		{ .fd = fs->ctl_fd, .events = POLLIN },
		{ .fd = fs->ctl_stop[0], .events = POLLIN },
	};

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		if (p[0].revents & POLLIN) {
			int c = accept4(fs->ctl_fd, NULL, NULL, SOCK_CLOEXEC);

			if (c >= 0) {
				ctl_serve(fs, c);
				close(c);
			}
		}
	}
	return NULL;
}

/* Our mount's device number, from /proc/self/mountinfo (stat would ask ourselves). */
static int mount_dev(const char *mountpoint, dev_t *dev)
{
	char real[4096], line[8192];
	FILE *f;
	int ret = -ENOENT;

	if (!realpath(mountpoint, real))
		return -errno;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned int maj, min;
		char mp[4096], *dash;

		if (sscanf(line, "%*u %*u %u:%u %*s %4095s", &maj, &min, mp) != 3)
			continue;
		dash = strstr(line, " - ");
		if (!dash || strncmp(dash + 3, "fuse.simfs ", 11) || strcmp(mp, real))
			continue;
		*dev = makedev(maj, min);
		ret = 0;	/* keep going: the last (topmost) mount wins */
	}
	fclose(f);
	return ret;
}

int simfs_ctl_start(struct simfs_fs *fs, const char *mountpoint)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t len;
	dev_t dev;
	int err = mount_dev(mountpoint, &dev);

	fs->ctl_fd = -1;
	if (err)
		return err;
	len = simfs_ctl_sockname(dev, sun.sun_path, sizeof(sun.sun_path));
	if (pipe2(fs->ctl_stop, O_CLOEXEC))
		return -errno;
	fs->ctl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fs->ctl_fd < 0 ||
	    bind(fs->ctl_fd, (struct sockaddr *)&sun, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) ||
	    listen(fs->ctl_fd, 16)) {
		err = -errno;
		goto fail;
	}
	err = -pthread_create(&fs->ctl_thread, NULL, ctl_thread, fs);
	if (err)
		goto fail;
	fs->ctl_started = true;
	return 0;
fail:
	if (fs->ctl_fd >= 0)
		close(fs->ctl_fd);
	close(fs->ctl_stop[0]);
	close(fs->ctl_stop[1]);
	fs->ctl_fd = -1;
	return err;
}

void simfs_ctl_stop(struct simfs_fs *fs)
{
	if (!fs->ctl_started)
		return;
	/* A failed write leaves nothing to wake; the thread then ends with the process. */
	if (write(fs->ctl_stop[1], "x", 1) == 1)
		pthread_join(fs->ctl_thread, NULL);
	close(fs->ctl_fd);
	close(fs->ctl_stop[0]);
	close(fs->ctl_stop[1]);
	fs->ctl_started = false;
}

/* ---- client --------------------------------------------------------------- */

int simfs_ctl_main(int argc, char **argv)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char cmd[CTL_MAX_CMD], buf[65536], *status = NULL;
	struct out o = { 0 };
	size_t len = 0, nl;
	struct stat st;
	int fd, ret = 1;

	if (argc < 3) {
		fprintf(stderr, "Usage: simfs ctl MOUNTPOINT COMMAND [ARGS...]\n"
				"Commands: insmod MODULE, rmmod MODULE, flush, uevents [SEQ], stats\n");
		return 2;
	}
	if (stat(argv[1], &st)) {
		fprintf(stderr, "simfs ctl: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	for (int i = 2; i < argc; i++) {
		int n = snprintf(cmd + len, sizeof(cmd) - len, "%s%s", argv[i], i + 1 < argc ? " " : "\n");

		if (n < 0 || (size_t)n >= sizeof(cmd) - len) {
			fprintf(stderr, "simfs ctl: command too long\n");
			return 2;
		}
		len += (size_t)n;
	}
	nl = simfs_ctl_sockname(st.st_dev, sun.sun_path, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + nl))) {
		fprintf(stderr, "simfs ctl: %s is not a simfs mount (or its daemon is gone): %s\n", argv[1],
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	if (write(fd, cmd, len) != (ssize_t)len) {
		fprintf(stderr, "simfs ctl: %s\n", strerror(errno));
		close(fd);
		return 1;
	}
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n <= 0)
			break;
		out_printf(&o, "%.*s", (int)n, buf);
	}
	close(fd);
	if (o.buf) {
		/* The last line is the status. */
		o.buf[o.len - (o.len && o.buf[o.len - 1] == '\n')] = '\0';
		status = strrchr(o.buf, '\n');
		status = status ? status + 1 : o.buf;
		fwrite(o.buf, 1, (size_t)(status - o.buf), stdout);
		if (!strcmp(status, "OK"))
			ret = 0;
		else
			fprintf(stderr, "simfs ctl: %s\n", strncmp(status, "ERR ", 4) ? status : status + 4);
	}
	free(o.buf);
	return ret;
}
