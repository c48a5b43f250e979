"""Scenarios that fail against simfs because simfs is wrong (not the scenario).

Each entry maps a scenario's node id (relative to conformance/) to a one-line reason with a
reproduction (M is a simfs mount point).  conftest.py marks them
``xfail(strict=True, reason="simfs: ...")`` for ``--target sim`` only, so a fixed simfs turns
them into XPASS failures: then delete the entry.
"""

KNOWN_GAPS = {
    "test_oracle_css.py::test_p1_chp_chid_empty_without_valid_chid":
        "chp0.00/chid and chid_external show '\\n' where the kernel shows 0 bytes without a valid "
        "CHID (chp.c: rc = 0 unless desc_fmt1.flags & 0x10); repro: "
        "simfs --topology fixtures/oracle-css.json M && od -c M/devices/css0/chp0.00/chid",
    "test_oracle_css.py::test_p1_virtio_children":
        "virtio ccw devices have no virtioN child device (oracle part 1: 0.0.0001/virtio0/); "
        "repro: simfs --topology fixtures/oracle-css.json M && ls M/devices/css0/0.0.0000/0.0.0001",
    "test_oracle_css.py::test_p1_builtin_dasd_drivers":
        "the built-in ccw drivers dasd-eckd and dasd-fba exist only when the topology has DASDs "
        "(oracle part 1 lists both with no DASD present); repro: "
        "simfs --topology fixtures/oracle-css.json M && ls M/bus/ccw/drivers",
    "test_css_vfio_ccw.py::test_channel_path_status_writes":
        "a blank store to chp status ('\\n') succeeds where Linux 6.12 returns EINVAL (chp.c: "
        "sscanf %5s converts an empty string, which is neither on/off nor 1/0; seen with "
        "--target qemu); repro: simfs M && printf '\\n' > M/devices/css0/chp0.40/status",
}
