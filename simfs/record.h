/* SPDX-License-Identifier: MIT */
/*
 * simfs record: read a sysfs tree (the live /sys of an s390x host, a simfs
 * mount, or a plain copy of either) and write the fixture that makes simfs
 * serve the same hardware in the same state.  It only ever reads the tree.
 */
#ifndef SIMFS_RECORD_H
#define SIMFS_RECORD_H

/* `simfs record [--sysfs DIR] [-o FILE] [--keep-ids] [--kernel-version V]`; the exit status. */
int simfs_record_main(int argc, char **argv);

#endif /* SIMFS_RECORD_H */
