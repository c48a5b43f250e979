// SPDX-License-Identifier: MIT
/*
 * simfs: mount a simulated s390x sysfs.
 *
 * The model is built (and the topology checked) before anything is
 * mounted, so a broken fixture fails with a message and no mount.  Without
 * -f the command returns once the mount exists and the daemon runs on in
 * the background; SIGTERM, SIGINT or fusermount3 -u end it cleanly.
 */
#include "config.h"
#include "ctl.h"
#include "fuse_ops.h"
#include "record.h"
#include "run.h"
#include "sim.h"
#include "topology.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct options {
	const char *topology;
	const char *mountpoint;
	const char *fuse_opts;
	unsigned int kernel_version;
	bool foreground;
	bool debug;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: simfs [OPTIONS] MOUNTPOINT\n"
		"       simfs ctl MOUNTPOINT COMMAND [ARGS...]\n"
		"       simfs record [--sysfs DIR] [-o FILE] [--keep-ids] [--kernel-version V]\n"
		"       simfs run [--topology FILE] [--etc DIR] -- COMMAND [ARGS...]\n"
		"       simfs shell [--topology FILE] [--etc DIR]\n"
		"Mount a simulated s390x sysfs (css/vfio_ccw, AP/vfio_ap, mdev) at MOUNTPOINT.\n"
		"\n"
		"  -t, --topology FILE       the hardware to simulate (JSON fixture), or the NAME of an\n"
		"                            installed one (" FIXTURES_DATADIR "/NAME.json);\n"
		"                            default: the built-in topology (fixtures/default.json)\n"
		"  -k, --kernel-version V    behave as Linux V (e.g. 6.1); default from the topology, else 6.12\n"
		"  -f, --foreground          stay in the foreground\n"
		"  -d, --debug               print FUSE requests (implies -f)\n"
		"  -o OPTS                   FUSE mount options (e.g. allow_other)\n"
		"  -h, --help                this text\n"
		"  -V, --version             print the version\n"
		"\n"
		"Unmount with: fusermount3 -u MOUNTPOINT\n");
}

static int parse_options(int argc, char **argv, struct options *opt)
{
	static const struct option longopts[] = {
		{ "topology", required_argument, NULL, 't' },
		{ "kernel-version", required_argument, NULL, 'k' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "t:k:fdo:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			opt->topology = optarg;
			break;
		case 'k':
			opt->kernel_version = topology_parse_kernel_version(optarg);
			if (!opt->kernel_version) {
				fprintf(stderr, "simfs: --kernel-version: \"%s\" is not a version like 6.12\n",
					optarg);
				return 2;
			}
			break;
		case 'f':
			opt->foreground = true;
			break;
		case 'd':
			opt->debug = opt->foreground = true;
			break;
		case 'o':
			opt->fuse_opts = optarg;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case 'V':
			printf("simfs %s\n", PROJECT_VERSION);
			return 1;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "simfs: %s\n", optind >= argc ? "missing MOUNTPOINT" : "too many arguments");
		usage(stderr);
		return 2;
	}
	opt->mountpoint = argv[optind];
	return 0;
}

/* fusermount3 -u -z PATH: detach a mount whatever holds it. */
static int lazy_unmount(const char *path)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		execlp("fusermount3", "fusermount3", "-u", "-z", path, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int check_mountpoint(const char *path)
{
	struct statfs sfs;
	struct stat st;
	int tries = 0;

	/*
	 * A simfs that was killed (SIGKILL) leaves its mount behind, dead: every
	 * request fails with ENOTCONN (ECONNABORTED while the connection is being
	 * torn down).  statfs() asks the daemon every time (stat() may be answered
	 * from the kernel's attribute cache).  Clear it, and say so.
	 */
	while (statfs(path, &sfs) && (errno == ENOTCONN || errno == ECONNABORTED) && tries++ < 8) {
		const char *why = strerror(errno);

		if (lazy_unmount(path)) {
			fprintf(stderr, "simfs: %s: %s (a dead mount), and fusermount3 -u -z could not clear it\n",
				path, why);
			return -1;
		}
		fprintf(stderr, "simfs: %s: %s: cleared the dead mount of a daemon that was killed (fusermount3 -u -z)\n",
			path, why);
	}
	if (stat(path, &st)) {
		fprintf(stderr, "simfs: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "simfs: %s: not a directory\n", path);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct options opt = { 0 };
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct simfs_fs fs = { .timeout = 86400.0 };
	struct topology topo;
	char err[1024], mnt[PATH_MAX];
	char tpath[PATH_MAX];	/* --topology NAME: the installed fixture */
	int ret;

	if (argc > 1 && !strcmp(argv[1], "ctl"))
		return simfs_ctl_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "record"))
		return simfs_record_main(argc - 1, argv + 1);
	if (argc > 1 && (!strcmp(argv[1], "run") || !strcmp(argv[1], "shell")))
		return simfs_run_main(argc - 1, argv + 1);
	clock_gettime(CLOCK_REALTIME, &fs.boot_time);
	ret = parse_options(argc, argv, &opt);
	if (ret)
		return ret == 1 ? 0 : 2;
	if (check_mountpoint(opt.mountpoint))
		return 1;
	/* The daemon runs in /: a relative mount point would lose the control socket. */
	if (!realpath(opt.mountpoint, mnt)) {
		fprintf(stderr, "simfs: %s: %s\n", opt.mountpoint, strerror(errno));
		return 1;
	}
	opt.mountpoint = mnt;

	/* A bare name (lpar-small) not found here is an installed fixture. */
	if (opt.topology && !(opt.topology = topology_find(opt.topology, tpath, sizeof(tpath), err, sizeof(err)))) {
		fprintf(stderr, "simfs: %s\n", err);
		return 1;
	}
	ret = opt.topology ? topology_load_file(opt.topology, &topo, err, sizeof(err))
			   : topology_load_default(&topo, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "simfs: %s\n", err);
		return 1;
	}
	if (opt.kernel_version)
		topo.kernel_version = opt.kernel_version;
	ret = sim_create(&fs.sim, &topo);
	topology_free(&topo);
	if (ret)
		return 1;

	ret = 1;
	if (fuse_opt_add_arg(&args, argv[0]) ||
	    fuse_opt_add_arg(&args, "-o") ||
	    /* The kernel checks the mode bits for everyone, as for sysfs (matters with allow_other). */
	    fuse_opt_add_arg(&args, "fsname=sysfs,subtype=simfs,default_permissions") ||
	    (opt.fuse_opts && (fuse_opt_add_arg(&args, "-o") || fuse_opt_add_arg(&args, opt.fuse_opts))) ||
	    (opt.debug && fuse_opt_add_arg(&args, "-d"))) {
		fprintf(stderr, "simfs: out of memory\n");
		goto out_sim;
	}
	fs.se = fuse_session_new(&args, &simfs_ll_ops, sizeof(simfs_ll_ops), &fs);
	if (!fs.se)
		goto out_args;
	if (fuse_set_signal_handlers(fs.se))
		goto out_session;
	if (fuse_session_mount(fs.se, opt.mountpoint)) {
		fprintf(stderr, "simfs: cannot mount at %s\n", opt.mountpoint);
		goto out_signals;
	}
	/* Fork only now: the parent exits with the mount in place. */
	if (fuse_daemonize(opt.foreground))
		goto out_unmount;
	if (simfs_worker_start(&fs))
		goto out_unmount;
	if (simfs_ctl_start(&fs, opt.mountpoint))
		fprintf(stderr, "simfs: no control socket for %s; simfs ctl will not work\n", opt.mountpoint);
	{
		/*
		 * Many threads: a write may sleep in the model (remove while a guest
		 * holds the mdev), and every other request must still be served.
		 */
		struct fuse_loop_config *loop = fuse_loop_cfg_create();

		if (!loop) {
			fprintf(stderr, "simfs: out of memory\n");
			ret = 1;
		} else {
			fuse_loop_cfg_set_max_threads(loop, 128);
			fuse_loop_cfg_set_idle_threads(loop, 8);
			ret = fuse_session_loop_mt(fs.se, loop) ? 1 : 0;
			fuse_loop_cfg_destroy(loop);
		}
	}
	simfs_ctl_stop(&fs);
	simfs_worker_stop(&fs);
out_unmount:
	fuse_session_unmount(fs.se);
out_signals:
	fuse_remove_signal_handlers(fs.se);
out_session:
	fuse_session_destroy(fs.se);
out_args:
	fuse_opt_free_args(&args);
out_sim:
	sim_destroy(fs.sim);
	return ret;
}
