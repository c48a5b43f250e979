// SPDX-License-Identifier: MIT
/*
 * simfs run / simfs shell: namespace orchestration, nothing else.
 *
 *   orchestrator (this process, stays in the host's mount namespace)
 *     1. makes a private temporary directory T (mode 0700) with T/mnt, and
 *        the private /etc directories (T/etc, or --etc DIR);
 *     2. starts the simfs daemon on T/mnt (this very binary, in the
 *        foreground, in its own session so a terminal's Ctrl-C does not
 *        reach it) and waits until its control socket answers;
 *     3. forks the command's process, which unshares its mount namespace
 *        (a user namespace too when not privileged), makes / a slave so
 *        nothing propagates back to the host, binds T/mnt over /sys and
 *        the private directories over /etc/mdevctl.d and /etc/driverctl.d
 *        (covering /etc with a tmpfs first when they do not exist, so
 *        nothing is ever created in the host's /etc), and execs the command;
 *     4. forwards SIGINT, SIGTERM, SIGHUP and SIGQUIT to the command (unless
 *        the terminal already delivered them to it), waits for it, then
 *        ends whatever it left running in its namespace, stops the daemon
 *        (which unmounts T/mnt), and removes T.
 *
 * All signals the orchestrator cares about stay blocked and are taken with
 * sigwaitinfo(), so there is no handler and no race with SIGCHLD.  It is a
 * child subreaper: processes the command orphans are reaped here.
 */
#include "run.h"

#include "ctl.h"
#include "topology.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXIT_SETUP 125		/* like env(1) and timeout(1): our own failure */
#define DAEMON_START_TIMEOUT_MS 30000	/* generous: sanitizer builds start slowly */
#define DAEMON_STOP_TIMEOUT_MS 5000
#define LEFTOVER_GRACE_MS 2000

struct run_opts {
	const char *name;	/* "run" or "shell", for messages */
	const char *topology;
	const char *kernel_version;
	const char *etc;
	bool keep_etc;
	char **cmd;
};

/* What the command's process tells the orchestrator once its namespace is set up. */
struct ns_id {
	dev_t dev;
	ino_t ino;
};

static const char *prog = "simfs run";

static void msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void msg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int path_join(char *buf, size_t size, const char *a, const char *b)
{
	int n = snprintf(buf, size, "%s/%s", a, b);

	if (n < 0 || (size_t)n >= size) {
		msg("path too long: %s/%s", a, b);
		return -1;
	}
	return 0;
}

/* ---- options --------------------------------------------------------------- */

static void usage(FILE *out, bool shell)
{
	if (shell)
		fprintf(out, "Usage: simfs shell [OPTIONS]\n"
			     "An interactive shell ($SHELL, else /bin/sh) where /sys is a simulated s390x sysfs.\n");
	else
		fprintf(out, "Usage: simfs run [OPTIONS] [--] COMMAND [ARGS...]\n"
			     "Run COMMAND where /sys is a simulated s390x sysfs.\n");
	fprintf(out,
		"\n"
		"The command runs in a private mount namespace: a new simfs is mounted over\n"
		"the whole /sys, and /etc/mdevctl.d (with scripts.d/callouts and\n"
		"scripts.d/notifiers) and /etc/driverctl.d are private writable directories,\n"
		"so nothing on the host changes. `simfs ctl /sys COMMAND` works inside.\n"
		"Everything is unmounted and stopped when the command ends, also on Ctrl-C.\n"
		"Without root a user namespace is used where the kernel allows it.\n"
		"\n"
		"  -t, --topology FILE       the hardware to simulate (default: built-in topology);\n"
		"                            a NAME is an installed fixture, as for simfs\n"
		"  -k, --kernel-version V    behave as Linux V (e.g. 6.1)\n"
		"  -e, --etc DIR             keep the private /etc directories in DIR\n"
		"                            (DIR/mdevctl.d, DIR/driverctl.d; created, never removed)\n"
		"      --keep-etc            keep the temporary private /etc directories and say where\n"
		"  -h, --help                this text\n"
		"\n"
		"Exit status: the command's (128+N when signal N killed it); 125 when the\n"
		"simulated host could not be set up; 126/127 when COMMAND cannot be run.\n");
}

static int parse_options(int argc, char **argv, struct run_opts *o, bool shell)
{
	static const struct option longopts[] = {
		{ "topology", required_argument, NULL, 't' },
		{ "kernel-version", required_argument, NULL, 'k' },
		{ "etc", required_argument, NULL, 'e' },
		{ "keep-etc", no_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	/* '+': the first non-option is the command; its own options are its own. */
	while ((c = getopt_long(argc, argv, "+t:k:e:h", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			o->topology = optarg;
			break;
		case 'k':
			o->kernel_version = optarg;
			break;
		case 'e':
			o->etc = optarg;
			break;
		case 'K':
			o->keep_etc = true;
			break;
		case 'h':
			usage(stdout, shell);
			return 1;
		default:
			usage(stderr, shell);
			return 2;
		}
	}
	if (shell) {
		if (optind != argc) {
			msg("takes no command (use simfs run -- COMMAND)");
			return 2;
		}
		return 0;
	}
	if (optind >= argc) {
		msg("missing COMMAND");
		usage(stderr, shell);
		return 2;
	}
	o->cmd = argv + optind;
	return 0;
}

/* ---- files and directories ------------------------------------------------- */

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return -1;
	return 0;
}

/* The private /etc directories under @root, as mdevctl and driverctl need them. */
static int make_etc_dirs(const char *root)
{
	static const char *const dirs[] = {
		"mdevctl.d/scripts.d/callouts",
		"mdevctl.d/scripts.d/notifiers",
		"driverctl.d",
	};
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (path_join(path, sizeof(path), root, dirs[i]))
			return -1;
		if (mkdir_p(path, 0755)) {
			msg("%s: %s", path, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	if (type == FTW_DP ? rmdir(path) : unlink(path))
		msg("cannot remove %s: %s", path, strerror(errno));
	return 0;
}

/* rm -rf that neither follows symlinks nor crosses into a mount left behind. */
static void remove_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/* ---- the daemon ------------------------------------------------------------ */

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
}

/* Is a simfs mounted at @path (a realpath) in our namespace?  Its device then. */
static bool find_mount(const char *path, dev_t *dev)
{
	char line[8192], mp[PATH_MAX];
	bool found = false;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		unsigned int maj, min;
		char *dash;

		if (sscanf(line, "%*u %*u %u:%u %*s %4095s", &maj, &min, mp) != 3)
			continue;
		dash = strstr(line, " - ");
		if (!dash || strncmp(dash + 3, "fuse.simfs ", 11))
			continue;
		unescape(mp);
		if (strcmp(mp, path))
			continue;
		*dev = makedev(maj, min);
		found = true;
	}
	fclose(f);
	return found;
}

/* Does the daemon's control socket answer?  Then the tree serves. */
static bool ctl_ping(dev_t dev)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t nl = simfs_ctl_sockname(dev, sun.sun_path, sizeof(sun.sun_path));
	char buf[4096];
	size_t len = 0;
	ssize_t n;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok = false;

	if (fd < 0)
		return false;
	if (connect(fd, (struct sockaddr *)&sun, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + nl)) ||
	    write(fd, "stats\n", 6) != 6)
		goto out;
	while (len < sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	ok = len >= 3 && !strcmp(buf + len - 3, "OK\n");
out:
	close(fd);
	return ok;
}

/* Reset what the orchestrator changed before a child execs. */
static void child_common(const sigset_t *orig_mask)
{
	pid_t parent = getppid();

	/* If the orchestrator is killed outright, do not outlive it. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(EXIT_SETUP);
	sigprocmask(SIG_SETMASK, orig_mask, NULL);
}

static pid_t start_daemon(const struct run_opts *o, const char *self, const char *mnt,
			  const char *topology, const sigset_t *orig_mask)
{
	const char *argv[12];
	int n = 0;
	pid_t pid;

	argv[n++] = self;	/* the real path, so ps and pgrep show "simfs" */
	if (topology) {
		argv[n++] = "--topology";
		argv[n++] = topology;
	}
	if (o->kernel_version) {
		argv[n++] = "--kernel-version";
		argv[n++] = o->kernel_version;
	}
	argv[n++] = "-f";
	/*
	 * As root, let any user in: the command may drop privileges.  (The
	 * mount point sits in a 0700 directory, so nobody else reaches it from
	 * the host.)  Without root the command runs as the same user, mapped to
	 * root of a user namespace, which FUSE lets in as it is.
	 */
	if (geteuid() == 0) {
		argv[n++] = "-o";
		argv[n++] = "allow_other";
	}
	argv[n++] = mnt;
	argv[n] = NULL;

	pid = fork();
	if (pid < 0) {
		msg("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

		child_common(orig_mask);
		/* Its own session: a terminal's Ctrl-C is for the command, not for /sys. */
		setsid();
		/* Not the command's stdout: whoever reads it must see EOF when the command ends. */
		if (fd >= 0) {
			dup2(fd, STDIN_FILENO);
			dup2(fd, STDOUT_FILENO);
		}
		execv(self, (char **)argv);
		fprintf(stderr, "simfs run: %s: %s\n", self, strerror(errno));
		_exit(127);
	}
	return pid;
}

static int wait_daemon_ready(pid_t daemon, const char *mnt, dev_t *dev)
{
	long long start = now_ms(), mounted_at = 0;

	for (;;) {
		int st;
		pid_t r = waitpid(daemon, &st, WNOHANG);

		if (r == daemon) {
			if (WIFEXITED(st))
				msg("the simulated sysfs could not be mounted (simfs exited with status %d)",
				    WEXITSTATUS(st));
			else
				msg("the simulated sysfs could not be mounted (simfs was killed by signal %d)",
				    WTERMSIG(st));
			return -1;
		}
		if (!mounted_at && find_mount(mnt, dev))
			mounted_at = now_ms();
		if (mounted_at) {
			if (ctl_ping(*dev))
				return 0;
			if (now_ms() - mounted_at > 3000) {
				msg("warning: simfs is mounted but its control socket does not answer; simfs ctl will not work");
				return 0;
			}
		}
		if (now_ms() - start > DAEMON_START_TIMEOUT_MS) {
			msg("simfs did not mount %s within %d s", mnt, DAEMON_START_TIMEOUT_MS / 1000);
			return -1;
		}
		sleep_ms(5);
	}
}

/* Stop the daemon (it unmounts on SIGTERM); make sure the mount is gone. */
static void stop_daemon(pid_t daemon, bool reaped, const char *mnt)
{
	dev_t dev;

	if (daemon > 0 && !reaped) {
		long long start = now_ms();
		int st;

		kill(daemon, SIGTERM);
		while (waitpid(daemon, &st, WNOHANG) == 0) {
			if (now_ms() - start > DAEMON_STOP_TIMEOUT_MS) {
				msg("simfs did not stop on SIGTERM; killing it");
				kill(daemon, SIGKILL);
				waitpid(daemon, &st, 0);
				break;
			}
			sleep_ms(5);
		}
	}
	if (!find_mount(mnt, &dev))
		return;
	if (geteuid() == 0) {
		if (umount2(mnt, MNT_DETACH))
			msg("cannot unmount %s: %s", mnt, strerror(errno));
		return;
	}
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);

		if (fd >= 0)
			dup2(fd, STDOUT_FILENO);
		execlp("fusermount3", "fusermount3", "-u", "-z", mnt, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
	if (find_mount(mnt, &dev))
		msg("cannot unmount %s; unmount it with fusermount3 -u -z %s", mnt, mnt);
}

/* ---- the command's namespace ----------------------------------------------- */

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t len = (ssize_t)strlen(text);
	int ret = 0;

	if (fd < 0)
		return -1;
	if (write(fd, text, (size_t)len) != len)
		ret = -1;
	close(fd);
	return ret;
}

/*
 * A private mount namespace: directly with the privilege for it, else
 * inside a new user namespace where this user is root (uid and gid mapped
 * to themselves outside), when the kernel allows that.
 */
static int enter_namespace(void)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char map[64];
	int e;

	if (!unshare(CLONE_NEWNS))
		return 0;
	e = errno;
	if (e != EPERM) {
		msg("cannot make a private mount namespace: unshare(CLONE_NEWNS): %s", strerror(e));
		return -1;
	}
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS)) {
		e = errno;
		msg("cannot make a private mount namespace: that needs root (CAP_SYS_ADMIN), and this kernel "
		    "does not allow an unprivileged user namespace either: unshare(CLONE_NEWUSER): %s%s",
		    strerror(e),
		    e == EPERM ? " (user namespaces are restricted here, e.g. by the sysctl "
				 "kernel.unprivileged_userns_clone=0 or an AppArmor/SELinux policy); run as root" :
		    e == ENOSPC ? " (the sysctl user.max_user_namespaces is 0 or used up); run as root" :
		    e == EINVAL ? " (a kernel without user namespaces); run as root" : "");
		return -1;
	}
	if (write_file("/proc/self/setgroups", "deny") && errno != ENOENT) {
		msg("user namespace: /proc/self/setgroups: %s", strerror(errno));
		return -1;
	}
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned int)uid);
	if (write_file("/proc/self/uid_map", map)) {
		msg("user namespace: uid_map: %s", strerror(errno));
		return -1;
	}
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned int)gid);
	if (write_file("/proc/self/gid_map", map)) {
		msg("user namespace: gid_map: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int bind_mount(const char *src, const char *dst, unsigned long flags)
{
	if (mount(src, dst, NULL, MS_BIND | flags, NULL)) {
		msg("cannot bind %s over %s: %s", src, dst, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * /etc lacks mdevctl.d or driverctl.d, and the host's /etc must not gain
 * them.  Cover /etc with a tmpfs holding the same entries (each bound from
 * the original, symlinks copied) plus the two empty mount points.  Files
 * created in /etc inside the namespace land in the tmpfs and vanish.
 */
static int cover_etc(const char *stage)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int ret = -1;

	if (bind_mount("/etc", stage, MS_REC))
		return -1;
	if (stat("/etc", &st))
		st.st_mode = 0755;
	{
		char opts[32];

		snprintf(opts, sizeof(opts), "mode=%o", (unsigned int)(st.st_mode & 07777));
		if (mount("simfs-etc", "/etc", "tmpfs", MS_NOSUID | MS_NODEV, opts)) {
			msg("cannot mount a tmpfs over /etc: %s", strerror(errno));
			return -1;
		}
	}
	d = opendir(stage);
	if (!d) {
		msg("%s: %s", stage, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		char src[PATH_MAX], dst[PATH_MAX];
		const char *n = de->d_name;

		if (!strcmp(n, ".") || !strcmp(n, "..") || !strcmp(n, "mdevctl.d") || !strcmp(n, "driverctl.d"))
			continue;
		if (path_join(src, sizeof(src), stage, n) || path_join(dst, sizeof(dst), "/etc", n))
			goto out;
		if (lstat(src, &st)) {
			msg("%s: %s", src, strerror(errno));
			goto out;
		}
		if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t len = readlink(src, target, sizeof(target) - 1);

			if (len < 0) {
				msg("%s: %s", src, strerror(errno));
				goto out;
			}
			target[len] = '\0';
			if (symlink(target, dst)) {
				msg("%s: %s", dst, strerror(errno));
				goto out;
			}
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			if (mkdir(dst, st.st_mode & 07777)) {
				msg("%s: %s", dst, strerror(errno));
				goto out;
			}
		} else {
			int fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 0777);

			if (fd < 0) {
				msg("%s: %s", dst, strerror(errno));
				goto out;
			}
			close(fd);
		}
		if (bind_mount(src, dst, MS_REC))
			goto out;
	}
	if (mkdir("/etc/mdevctl.d", 0755) || mkdir("/etc/driverctl.d", 0755)) {
		msg("/etc: %s", strerror(errno));
		goto out;
	}
	ret = 0;
out:
	closedir(d);
	umount2(stage, MNT_DETACH);	/* the binds keep what they need */
	return ret;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

static int setup_etc(const char *etc_root, const char *stage)
{
	char md[PATH_MAX], dd[PATH_MAX];

	if (path_join(md, sizeof(md), etc_root, "mdevctl.d") || path_join(dd, sizeof(dd), etc_root, "driverctl.d"))
		return -1;
	if ((!is_dir("/etc/mdevctl.d") || !is_dir("/etc/driverctl.d")) && cover_etc(stage))
		return -1;
	return bind_mount(md, "/etc/mdevctl.d", 0) || bind_mount(dd, "/etc/driverctl.d", 0) ? -1 : 0;
}

/* In the command's process: set up the namespace, report it, exec.  Never returns. */
static void run_command(char **cmd, const char *mnt, const char *etc_root, const char *stage,
			int sync_fd, const sigset_t *orig_mask)
{
	char cwd[PATH_MAX];
	bool have_cwd = getcwd(cwd, sizeof(cwd)) != NULL;
	struct ns_id id;
	struct stat st;
	int err;

	child_common(orig_mask);
	if (enter_namespace())
		_exit(EXIT_SETUP);
	/* Nothing mounted from here on may reach the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL)) {
		msg("cannot make / a slave mount: %s", strerror(errno));
		_exit(EXIT_SETUP);
	}
	/* The whole /sys: on x86 /sys/bus/css cannot be made, sysfs refuses mkdir. */
	if (bind_mount(mnt, "/sys", 0) || setup_etc(etc_root, stage))
		_exit(EXIT_SETUP);
	/* A working directory under /sys or /etc now means the new one. */
	if (have_cwd && chdir(cwd))
		msg("warning: cannot return to %s: %s", cwd, strerror(errno));

	if (stat("/proc/self/ns/mnt", &st)) {
		msg("/proc/self/ns/mnt: %s", strerror(errno));
		_exit(EXIT_SETUP);
	}
	id.dev = st.st_dev;
	id.ino = st.st_ino;
	if (write(sync_fd, &id, sizeof(id)) != (ssize_t)sizeof(id))
		_exit(EXIT_SETUP);
	close(sync_fd);

	execvp(cmd[0], cmd);
	err = errno;
	msg("%s: %s", cmd[0], strerror(err));
	_exit(err == ENOENT ? 127 : 126);
}

/* ---- after the command ----------------------------------------------------- */

/* Signal every process still in the command's mount namespace; how many there were. */
static int signal_namespace(const struct ns_id *ns, int sig)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int count = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char path[64];
		struct stat st;
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end || pid <= 0 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/ns/mnt", pid);
		if (stat(path, &st) || st.st_dev != ns->dev || st.st_ino != ns->ino)
			continue;
		if (!kill((pid_t)pid, sig))
			count++;
	}
	closedir(d);
	return count;
}

static void reap_orphans(pid_t daemon, bool *daemon_reaped)
{
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		if (pid == daemon)
			*daemon_reaped = true;
}

/* The namespace ends with its last process: end what the command left running. */
static void end_leftovers(const struct ns_id *ns, pid_t daemon, bool *daemon_reaped)
{
	int n = signal_namespace(ns, 0);
	long long start;
	bool killed = false;

	if (!n)
		return;
	msg("ending %d process%s the command left running", n, n == 1 ? "" : "es");
	signal_namespace(ns, SIGTERM);
	start = now_ms();
	while ((n = signal_namespace(ns, 0))) {
		reap_orphans(daemon, daemon_reaped);
		if (!killed && now_ms() - start > LEFTOVER_GRACE_MS) {
			signal_namespace(ns, SIGKILL);
			killed = true;
		} else if (killed && now_ms() - start > 5 * LEFTOVER_GRACE_MS) {
			/* Unkillable (stuck in the kernel): the namespace outlives us. */
			msg("warning: %d process%s of the command cannot be ended", n, n == 1 ? "" : "es");
			break;
		}
		sleep_ms(10);
	}
	reap_orphans(daemon, daemon_reaped);
}

/* ---- the orchestrator ------------------------------------------------------ */

int simfs_run_main(int argc, char **argv)
{
	static const int fwd_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct run_opts o = { .name = argv[0] };
	bool shell = !strcmp(argv[0], "shell");
	char self[PATH_MAX], tmp[PATH_MAX], mnt[PATH_MAX], stage[PATH_MAX], etc_root[PATH_MAX];
	char topology[PATH_MAX], found[PATH_MAX], *shell_cmd[2];
	sigset_t set, orig_mask;
	struct ns_id ns = { 0 };
	bool have_ns = false, daemon_reaped = false, cmd_done = false;
	pid_t daemon = -1, child = -1;
	int sync_fds[2], status = 0, ret = EXIT_SETUP;
	dev_t dev = 0;
	ssize_t n;

	prog = shell ? "simfs shell" : "simfs run";
	n = parse_options(argc, argv, &o, shell);
	if (n)
		return n == 1 ? 0 : 2;
	if (shell) {
		const char *sh = getenv("SHELL");

		shell_cmd[0] = (char *)(sh && *sh ? sh : "/bin/sh");
		shell_cmd[1] = NULL;
		o.cmd = shell_cmd;
	}
	if (access("/dev/fuse", F_OK)) {
		msg("/dev/fuse does not exist: FUSE is not available on this machine");
		return EXIT_SETUP;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0) {
		msg("/proc/self/exe: %s", strerror(errno));
		return EXIT_SETUP;
	}
	self[n] = '\0';
	if (o.topology && !(o.topology = topology_find(o.topology, found, sizeof(found), tmp, sizeof(tmp)))) {
		msg("%s", tmp);	/* names what was tried */
		return EXIT_SETUP;
	}
	if (o.topology && !realpath(o.topology, topology)) {
		msg("%s: %s", o.topology, strerror(errno));
		return EXIT_SETUP;
	}

	/* From here on every signal we care about is taken synchronously. */
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(fwd_signals) / sizeof(fwd_signals[0]); i++)
		sigaddset(&set, fwd_signals[i]);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &orig_mask);
	prctl(PR_SET_CHILD_SUBREAPER, 1);

	{
		const char *t = getenv("TMPDIR");
		char base[PATH_MAX];

		if (!t || !*t || !realpath(t, base))
			strcpy(base, "/tmp");
		if (snprintf(tmp, sizeof(tmp), "%s/simfs-run.XXXXXX", base) >= (int)sizeof(tmp) || !mkdtemp(tmp)) {
			msg("cannot make a temporary directory in %s: %s", base, strerror(errno));
			goto out_mask;
		}
	}
	if (path_join(mnt, sizeof(mnt), tmp, "mnt") || path_join(stage, sizeof(stage), tmp, "etc-host"))
		goto out_tmp;
	if (mkdir(mnt, 0755) || mkdir(stage, 0755)) {
		msg("%s: %s", tmp, strerror(errno));
		goto out_tmp;
	}
	if (o.etc) {
		if (mkdir_p(o.etc, 0755) || !realpath(o.etc, etc_root)) {
			msg("--etc %s: %s", o.etc, strerror(errno));
			goto out_tmp;
		}
	} else if (path_join(etc_root, sizeof(etc_root), tmp, "etc")) {
		goto out_tmp;
	}
	if (make_etc_dirs(etc_root))
		goto out_tmp;

	daemon = start_daemon(&o, self, mnt, o.topology ? topology : NULL, &orig_mask);
	if (daemon < 0)
		goto out_tmp;
	if (wait_daemon_ready(daemon, mnt, &dev)) {
		daemon_reaped = true;	/* wait_daemon_ready reaped it, or it is being killed below */
		if (waitpid(daemon, NULL, WNOHANG) == 0) {
			kill(daemon, SIGKILL);
			waitpid(daemon, NULL, 0);
		}
		goto out_daemon;
	}

	/* A Ctrl-C while we were setting up: stop here. */
	{
		sigset_t pend;

		sigpending(&pend);
		for (size_t i = 0; i < sizeof(fwd_signals) / sizeof(fwd_signals[0]); i++)
			if (sigismember(&pend, fwd_signals[i])) {
				ret = 128 + fwd_signals[i];
				goto out_daemon;
			}
	}

	if (pipe2(sync_fds, O_CLOEXEC)) {
		msg("pipe: %s", strerror(errno));
		goto out_daemon;
	}
	child = fork();
	if (child < 0) {
		msg("fork: %s", strerror(errno));
		close(sync_fds[0]);
		close(sync_fds[1]);
		goto out_daemon;
	}
	if (child == 0) {
		close(sync_fds[0]);
		run_command(o.cmd, mnt, etc_root, stage, sync_fds[1], &orig_mask);
	}
	close(sync_fds[1]);
	do
		n = read(sync_fds[0], &ns, sizeof(ns));
	while (n < 0 && errno == EINTR);
	close(sync_fds[0]);
	have_ns = n == (ssize_t)sizeof(ns);
	if (have_ns && shell)
		msg("/sys is a simulated s390x sysfs, /etc/mdevctl.d and /etc/driverctl.d are private (%s); "
		    "exit the shell to tear it down", etc_root);

	while (!cmd_done) {
		siginfo_t si;
		int sig = sigwaitinfo(&set, &si);

		if (sig < 0)
			continue;
		if (sig == SIGCHLD) {
			pid_t pid;
			int st;

			while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
				if (pid == child) {
					status = st;
					cmd_done = true;
				} else if (pid == daemon) {
					daemon_reaped = true;
					msg("warning: the simfs daemon ended while the command was running; "
					    "/sys no longer answers");
				}
			}
			continue;
		}
		/*
		 * A terminal's signal (SI_KERNEL) went to the whole foreground
		 * process group, the command included: passing it on would
		 * deliver it twice.  One sent with kill() is for us to pass on.
		 */
		if (si.si_code != SI_KERNEL)
			kill(child, sig);
	}
	ret = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);

	if (have_ns)
		end_leftovers(&ns, daemon, &daemon_reaped);
out_daemon:
	stop_daemon(daemon, daemon_reaped, mnt);
out_tmp:
	rmdir(mnt);
	rmdir(stage);
	if (!o.etc) {
		char etc_dir[PATH_MAX];

		if (o.keep_etc)
			msg("the private /etc directories are kept in %s", etc_root);
		else if (!path_join(etc_dir, sizeof(etc_dir), tmp, "etc") && !access(etc_dir, F_OK))
			remove_tree(etc_dir);
	}
	if (!(o.keep_etc && !o.etc))
		rmdir(tmp);
out_mask:
	sigprocmask(SIG_SETMASK, &orig_mask, NULL);
	return ret;
}
