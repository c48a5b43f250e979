"""Scenarios that fail against simfs because simfs is wrong (not the scenario).

Each entry maps a scenario's node id (relative to conformance/) to a one-line reason with a
reproduction (M is a simfs mount point).  conftest.py marks them
``xfail(strict=True, reason="simfs: ...")`` for ``--target sim`` only, so a fixed simfs turns
them into XPASS failures: then delete the entry.
"""

KNOWN_GAPS = {
    "test_oracle_css.py::test_p1_virtio_children":
        "virtio ccw devices have no virtioN child device (oracle part 1: 0.0.0001/virtio0/); "
        "repro: simfs --topology fixtures/oracle-css.json M && ls M/devices/css0/0.0.0000/0.0.0001",
}
