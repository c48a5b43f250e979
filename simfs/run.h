/* SPDX-License-Identifier: MIT */
/*
 * `simfs run` and `simfs shell`: a command (or an interactive shell) in a
 * private mount namespace where a freshly started simfs is /sys and
 * /etc/mdevctl.d and /etc/driverctl.d are private, writable directories.
 * Nothing on the host changes; everything is torn down when the command
 * ends, however it ends.
 */
#ifndef SIMFS_RUN_H
#define SIMFS_RUN_H

/*
 * @argv[0] is "run" or "shell".  Returns the command's exit status (128 +
 * signal when it was killed), 2 for a usage error, 125 when the namespace
 * could not be set up, 126/127 when the command could not be executed.
 */
int simfs_run_main(int argc, char **argv);

#endif /* SIMFS_RUN_H */
