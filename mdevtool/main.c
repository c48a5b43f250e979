// SPDX-License-Identifier: MIT
/*
 * mdevtool: command-line parsing and dispatch.
 *
 *   mdevtool [--sysfs DIR] [--dry-run] COMMAND [SUBCOMMAND] [ARGS] [OPTIONS]
 *
 * Global options may also follow the command.  The parsed options are the
 * only state shared across the program; each command gets them through its
 * context and returns an exit code (enum mdev_exit).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "mdevtool.h"

enum {
	OPT_SYSFS = 256,
	OPT_DRY_RUN,
	OPT_JSON,
	OPT_VERSION,
	OPT_UUID,
	OPT_FORCE,
	OPT_RESTORE,
	OPT_RESTORE_MASKS,
	OPT_APQN,
	OPT_ADAPTER,
	OPT_DOMAIN,
	OPT_CDOM,
	OPT_DEVNO,
	OPT_QUIET,
	OPT_HELP,
};

/* Which options a command takes, as bits (1u << (OPT_x - OPT_SYSFS)). */
#define B(o) (1u << ((o) - OPT_SYSFS))
#define B_ALWAYS (B(OPT_SYSFS) | B(OPT_DRY_RUN) | B(OPT_HELP))
#define B_IDS (B(OPT_APQN) | B(OPT_ADAPTER) | B(OPT_DOMAIN) | B(OPT_CDOM))

static const struct option long_opts[] = {
	{ "sysfs", required_argument, NULL, OPT_SYSFS },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "uuid", required_argument, NULL, OPT_UUID },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "restore", no_argument, NULL, OPT_RESTORE },
	{ "restore-masks", no_argument, NULL, OPT_RESTORE_MASKS },
	{ "apqn", required_argument, NULL, OPT_APQN },
	{ "adapter", required_argument, NULL, OPT_ADAPTER },
	{ "domain", required_argument, NULL, OPT_DOMAIN },
	{ "control-domain", required_argument, NULL, OPT_CDOM },
	{ "devno", required_argument, NULL, OPT_DEVNO },
	{ "quiet", no_argument, NULL, OPT_QUIET },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

/* Short forms: -h help, -n dry run, -j json, -u uuid, -f force, -q quiet, -a/-d/-c ids. */
static const char short_opts[] = "hnju:fqa:d:c:";

static int short_to_long(int ch)
{
	switch (ch) {
	case 'h': return OPT_HELP;
	case 'n': return OPT_DRY_RUN;
	case 'j': return OPT_JSON;
	case 'u': return OPT_UUID;
	case 'f': return OPT_FORCE;
	case 'q': return OPT_QUIET;
	case 'a': return OPT_ADAPTER;
	case 'd': return OPT_DOMAIN;
	case 'c': return OPT_CDOM;
	default: return ch;
	}
}

static const char exit_codes[] =
	"Exit status:\n"
	"  0  success\n"
	"  1  refused, by the kernel or by mdevtool; whatever was changed was undone and the host\n"
	"     is as it was\n"
	"  2  usage error (bad option, id, UUID or device number)\n"
	"  3  the device, mdev, driver or bus named does not exist; nothing was changed\n"
	"  4  failed, and undoing failed too: the host is partly changed; the shell commands that\n"
	"     finish the job by hand were printed\n";

static const char main_help[] =
	"Usage: mdevtool [--sysfs DIR] [--dry-run] COMMAND [ARGS] [OPTIONS]\n"
	"\n"
	"Configure vfio-ccw and vfio-ap mediated devices (mdevs) on s390 through sysfs,\n"
	"the way a careful admin would by hand, and print what to give QEMU or libvirt.\n"
	"\n"
	"Commands:\n"
	"  list [--json]                     every mdev: UUID, type, parent, device or matrix\n"
	"  types [--json]                    mdev parents, their types and free instances\n"
	"  ccw create DEVNO|SUBCHANNEL [--uuid U] [--force] [--quiet]\n"
	"                                    move a ccw device's subchannel to vfio_ccw, create an mdev\n"
	"  ccw remove UUID [--restore]       remove a vfio-ccw mdev (--restore: device back to host)\n"
	"  ap create [--apqn A.D]... [--adapter A] [--domain D] [--control-domain D] [--uuid U]\n"
	"                                    free the APQNs from the host, create a vfio-ap mdev\n"
	"  ap assign UUID [--apqn A.D] [--adapter A] [--domain D] [--control-domain D]\n"
	"  ap unassign UUID [same options]   change the matrix of a vfio-ap mdev\n"
	"  ap remove UUID [--restore-masks]  remove a vfio-ap mdev (--restore-masks: ids back to host)\n"
	"  ap show                           the adapter x domain grid: host, free, which mdev\n"
	"  qemu UUID [--devno fe.0.1234]     the QEMU -device argument for an mdev\n"
	"  libvirt UUID [--devno fe.0.1234]  the libvirt <hostdev> element for an mdev\n"
	"\n"
	"Options (valid with every command):\n"
	"  --sysfs DIR     the sysfs tree to use (default: $SYSFS_ROOT, else /sys)\n"
	"  -n, --dry-run   print the sysfs writes as shell commands (echo V > F) and change nothing\n"
	"  -h, --help      this help; `mdevtool COMMAND --help` for a command's own\n"
	"  --version       print the version\n"
	"\n"
	"Any failure undoes every change the command made, AP masks included.\n"
	"\n";

struct command {
	const char *group;	/* "ccw", "ap" or NULL */
	const char *name;
	int (*run)(struct ctx *c);
	unsigned int allowed;	/* option bits beyond B_ALWAYS */
	bool needs_arg;		/* one positional argument */
	const char *help;
};

static int run_assign(struct ctx *c)
{
	return cmd_ap_assign(c, false);
}

static int run_unassign(struct ctx *c)
{
	return cmd_ap_assign(c, true);
}

static const char ids_help[] =
	"  --apqn A.D            an APQN; adds adapter A and domain D. Written as the kernel\n"
	"                        prints it (05.00ab) it is hex; else each part is decimal or\n"
	"                        0x-hex (5.171, 0x5.0xab). Repeat it, or give a comma list.\n"
	"  -a, --adapter A       an adapter id, decimal or 0x-hex (comma lists allowed)\n"
	"  -d, --domain D        a usage domain id\n"
	"  -c, --control-domain D  a control domain id (not checked against the masks)\n";

static const struct command commands[] = {
	{ NULL, "list", cmd_list, B(OPT_JSON), false,
	  "Usage: mdevtool list [--json]\n\n"
	  "List every mediated device: UUID, type and parent; for vfio-ccw the subchannel and\n"
	  "device number, for vfio-ap the matrix, control domains and guest matrix (the APQNs\n"
	  "the guest really gets).\n\n"
	  "  -j, --json   one JSON array of objects (uuid, type, parent, driver, subchannel,\n"
	  "               devno | matrix, control_domains, guest_matrix)\n" },
	{ NULL, "types", cmd_types, B(OPT_JSON), false,
	  "Usage: mdevtool types [--json]\n\n"
	  "List the mdev parents (/sys/class/mdev_bus), their types, free instances and existing\n"
	  "mdevs. A subchannel is a parent only while it is bound to vfio_ccw.\n\n"
	  "  -j, --json   one JSON array of objects (parent, type, name, device_api,\n"
	  "               available_instances, mdevs)\n" },
	{ "ccw", "create", cmd_ccw_create, B(OPT_UUID) | B(OPT_FORCE) | B(OPT_QUIET) | B(OPT_DEVNO), true,
	  "Usage: mdevtool ccw create DEVNO|SUBCHANNEL [--uuid U] [--force] [--quiet]\n\n"
	  "Give a ccw device to vfio-ccw: find its subchannel (also when the device is no longer\n"
	  "visible, through dev_busid), take the subchannel from io_subchannel, pin it to\n"
	  "vfio_ccw with driver_override and drivers_probe (so the choice survives re-probing),\n"
	  "and create the mdev. Prints the UUID, then the QEMU and libvirt snippets.\n\n"
	  "  DEVNO|SUBCHANNEL  0.0.2b09, or a bare device number 2b09, or a subchannel 0.0.0313\n"
	  "  -u, --uuid U      the mdev's UUID (default: a new random one)\n"
	  "  -f, --force       the device is online: set it offline first (without --force an\n"
	  "                    online device is refused, because the host may be using it)\n"
	  "  -q, --quiet       print only the UUID\n"
	  "  --devno fe.0.1234 the guest device number for the snippets\n" },
	{ "ccw", "remove", cmd_ccw_remove, B(OPT_RESTORE), true,
	  "Usage: mdevtool ccw remove UUID [--restore]\n\n"
	  "Remove a vfio-ccw mdev. The subchannel stays with vfio_ccw, ready for the next one.\n\n"
	  "  --restore   also give the subchannel back to the host: unbind it from vfio_ccw,\n"
	  "              clear driver_override and probe, so io_subchannel takes it and the ccw\n"
	  "              device returns (offline)\n" },
	{ "ap", "create", cmd_ap_create, B_IDS | B(OPT_UUID) | B(OPT_QUIET), false,
	  "Usage: mdevtool ap create [--apqn A.D]... [--adapter A]... [--domain D]...\n"
	  "                          [--control-domain D]... [--uuid U] [--quiet]\n\n"
	  "Create a vfio-ap mdev whose matrix is (all adapters given) x (all domains given).\n"
	  "APQNs of that matrix still reserved for the host's zcrypt drivers are freed first, the\n"
	  "way vfio-ap.rst does it: the adapters out of apmask, the domains out of aqmask, with\n"
	  "relative writes (-5,-0xab) that touch no other bit. Then create, assign adapters,\n"
	  "domains, control domains, and read the matrix back. Any refusal (EADDRINUSE: another\n"
	  "mdev holds an APQN, and which one is named; ENODEV: an id above ap_max_*) undoes\n"
	  "everything, masks included.\n\n"
	  "  -u, --uuid U   the mdev's UUID (default: a new random one)\n"
	  "  -q, --quiet    print only the UUID\n" },
	{ "ap", "assign", run_assign, B_IDS, true,
	  "Usage: mdevtool ap assign UUID [--apqn A.D] [--adapter A] [--domain D]\n"
	  "                               [--control-domain D]\n\n"
	  "Add adapters, domains or control domains to a vfio-ap mdev, freeing from the masks the\n"
	  "APQNs of the new matrix that are still reserved for the host (as ap create does).\n"
	  "Ids already assigned are left alone; a refusal undoes everything.\n\n" },
	{ "ap", "unassign", run_unassign, B_IDS, true,
	  "Usage: mdevtool ap unassign UUID [--apqn A.D] [--adapter A] [--domain D]\n"
	  "                                 [--control-domain D]\n\n"
	  "Take adapters, domains or control domains from a vfio-ap mdev. The matrix is\n"
	  "adapters x domains, so --apqn A.D removes adapter A and domain D, and with them every\n"
	  "APQN A.* and *.D. The masks are not changed (ap remove --restore-masks does that).\n\n" },
	{ "ap", "remove", cmd_ap_remove, B(OPT_RESTORE_MASKS), true,
	  "Usage: mdevtool ap remove UUID [--restore-masks]\n\n"
	  "Remove a vfio-ap mdev.\n\n"
	  "  --restore-masks  then give its adapters back to apmask and its domains back to\n"
	  "                   aqmask (relative writes: +5,+0xab), except ids another mdev still\n"
	  "                   uses; their queues return to the host's zcrypt drivers\n" },
	{ "ap", "show", cmd_ap_show, 0, false,
	  "Usage: mdevtool ap show\n\n"
	  "Draw the host's adapter x domain grid: which APQNs the host's zcrypt drivers own (H),\n"
	  "which are free for vfio_ap (.), which mdev holds which (A, B, ...), and which are\n"
	  "missing from that mdev's guest matrix (!).\n" },
	{ NULL, "qemu", cmd_qemu, B(OPT_DEVNO), true,
	  "Usage: mdevtool qemu UUID [--devno fe.0.1234]\n\n"
	  "Print the QEMU argument for the mdev: -device vfio-ccw,[devno=...,]sysfsdev=... or\n"
	  "-device vfio-ap,sysfsdev=... (the path is under the sysfs root in use).\n\n"
	  "  --devno fe.0.1234  the device number the guest sees (vfio-ccw only)\n" },
	{ NULL, "libvirt", cmd_libvirt, B(OPT_DEVNO), true,
	  "Usage: mdevtool libvirt UUID [--devno fe.0.1234]\n\n"
	  "Print the libvirt <hostdev> element for the mdev, for virsh attach-device or the\n"
	  "domain XML.\n\n"
	  "  --devno fe.0.1234  the guest's ccw address (vfio-ccw only)\n" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void print_help(const struct command *cmd)
{
	if (!cmd) {
		fputs(main_help, stdout);
		fputs(exit_codes, stdout);
		return;
	}
	fputs(cmd->help, stdout);
	if (cmd->allowed & B_IDS)
		fputs(ids_help, stdout);
	printf("\nCommon options: --sysfs DIR, -n/--dry-run, -h/--help.\n\n%s", exit_codes);
}

static const struct command *find_command(const char *group, const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++) {
		const struct command *c = &commands[i];

		if ((c->group == NULL) != (group == NULL))
			continue;
		if (group && strcmp(c->group, group))
			continue;
		if (!strcmp(c->name, name))
			return c;
	}
	return NULL;
}

static int usage_error(const char *fmt, const char *arg, const struct command *cmd)
{
	fputs("mdevtool: ", stderr);
	fprintf(stderr, fmt, arg);
	if (cmd)
		fprintf(stderr, "\nTry 'mdevtool %s%s%s --help'.\n", cmd->group ? cmd->group : "",
			cmd->group ? " " : "", cmd->name);
	else
		fprintf(stderr, "\nTry 'mdevtool --help'.\n");
	return MDEV_EXIT_USAGE;
}

static int count_items(const char *s)
{
	int n = 1;

	for (; *s; s++)
		n += *s == ',';
	return n;
}

/*
 * One option.  @cmd is NULL while reading the options before the command,
 * where only the global ones are allowed.  Returns -1 when handled, else an
 * exit code; *@help is set for --help.
 */
static int take_option(struct opts *o, const struct command *cmd, int opt, const char *arg,
		       const char *spelled, bool *help)
{
	unsigned int allowed = B_ALWAYS | B(OPT_VERSION) | (cmd ? cmd->allowed : 0);
	int ret;

	if (opt < OPT_SYSFS || opt > OPT_HELP)
		return usage_error("unknown option '%s'", spelled, cmd);
	if (!(allowed & B(opt)))
		return usage_error("option '%s' does not apply here", spelled, cmd);
	switch (opt) {
	case OPT_SYSFS: o->sysfs = arg; break;
	case OPT_DRY_RUN: o->dry_run = true; break;
	case OPT_JSON: o->json = true; break;
	case OPT_VERSION:
		printf("mdevtool %s\n", PROJECT_VERSION);
		exit(MDEV_EXIT_OK);
	case OPT_UUID: o->uuid = arg; break;
	case OPT_FORCE: o->force = true; break;
	case OPT_RESTORE:
	case OPT_RESTORE_MASKS: o->restore = true; break;
	case OPT_DEVNO: o->devno = arg; break;
	case OPT_QUIET: o->quiet = true; break;
	case OPT_HELP: *help = true; break;
	case OPT_APQN:
		ret = parse_apqn_list(arg, &o->adapters, &o->domains);
		if (ret)
			return usage_error(ret == -ERANGE ? "APQN '%s' is out of range (ids are 0..255)"
				: "'%s' is not an APQN (expected A.D: 05.00ab as the kernel prints it, or "
				  "5.171, or 0x5.0xab)", arg, cmd);
		o->napqn += count_items(arg);
		break;
	case OPT_ADAPTER:
	case OPT_DOMAIN:
	case OPT_CDOM:
		ret = parse_ap_id_list(arg, opt == OPT_ADAPTER ? &o->adapters
					    : opt == OPT_DOMAIN ? &o->domains : &o->cdoms);
		if (ret)
			return usage_error(ret == -ERANGE ? "id '%s' is out of range (ids are 0..255)"
				: "'%s' is not an id: use decimal (71) or 0x-hex (0x47); a leading 0 "
				  "(047) is ambiguous", arg, cmd);
		break;
	}
	return -1;
}

static int parse_options(struct opts *o, const struct command *cmd, int argc, char **argv,
			 bool stop_at_command, bool *help)
{
	int ch, ret;

	opterr = 0;
	optind = 0;	/* GNU: full re-initialisation for each parse */
	while ((ch = getopt_long(argc, argv, stop_at_command ? "+hn" : short_opts, long_opts, NULL)) != -1) {
		const char *spelled = argv[optind - 1];

		if (ch == '?' || ch == ':')
			return usage_error("unknown option, or an option without its value: '%s'",
					   spelled, cmd);
		ret = take_option(o, cmd, short_to_long(ch), optarg, spelled, help);
		if (ret >= 0)
			return ret;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	const struct command *cmd = NULL;
	const char *group = NULL, *env;
	struct ctx c = { 0 };
	bool help = false;
	int first, ret, rest;

	/* Global options before the command. */
	ret = parse_options(&o, NULL, argc, argv, true, &help);
	if (ret >= 0)
		return ret;
	first = optind;
	if (first >= argc || !strcmp(argv[first], "help")) {
		if (first < argc)
			help = true;	/* "mdevtool help [CMD...]": fall through to the command */
		else if (help) {
			print_help(NULL);
			return MDEV_EXIT_OK;
		} else {
			return usage_error("no command given%s", "", NULL);
		}
		first++;
		if (first >= argc) {
			print_help(NULL);
			return MDEV_EXIT_OK;
		}
	}
	if (!strcmp(argv[first], "ccw") || !strcmp(argv[first], "ap")) {
		group = argv[first++];
		if (first >= argc || argv[first][0] == '-') {
			bool any = false;

			if (!help && (first >= argc || (strcmp(argv[first], "--help") && strcmp(argv[first], "-h"))))
				return usage_error("'%s' needs a subcommand", group, NULL);
			for (size_t i = 0; i < NCOMMANDS; i++)
				if (commands[i].group && !strcmp(commands[i].group, group)) {
					fputs(any ? "\n" : "", stdout);
					fputs(commands[i].help, stdout);
					any = true;
				}
			return MDEV_EXIT_OK;
		}
	}
	cmd = find_command(group, argv[first]);
	if (!cmd) {
		char what[128];

		snprintf(what, sizeof(what), "%s%s%s", group ? group : "", group ? " " : "", argv[first]);
		return usage_error("unknown command '%s'", what, NULL);
	}

	/* The command's own options, anywhere after it. */
	rest = argc - first;
	ret = parse_options(&o, cmd, rest, argv + first, false, &help);
	if (ret >= 0)
		return ret;
	if (help) {
		print_help(cmd);
		return MDEV_EXIT_OK;
	}
	if (cmd->needs_arg) {
		if (optind >= rest)
			return usage_error("'%s' needs an argument (see --help)", cmd->name, cmd);
		o.arg = argv[first + optind++];
	}
	if (optind < rest)
		return usage_error("unexpected argument '%s'", argv[first + optind], cmd);

	if (!o.sysfs) {
		env = getenv("SYSFS_ROOT");
		o.sysfs = env && *env ? env : "/sys";
	}
	c.opt = &o;
	ret = sysfs_init(&c.sys, o.sysfs, o.dry_run);
	if (ret) {
		err_msg("cannot use %s as the sysfs root: %s", o.sysfs, strerror(-ret));
		return MDEV_EXIT_NOTFOUND;
	}
	ret = cmd->run(&c);
	undo_clear(&c.undo);
	if (fflush(stdout) && ret == MDEV_EXIT_OK) {
		err_msg("cannot write the output: %s", strerror(errno));
		return MDEV_EXIT_REFUSED;
	}
	return ret;
}
