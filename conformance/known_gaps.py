"""Scenarios that fail against simfs because simfs is wrong (not the scenario).

Each entry maps a scenario's node id (relative to conformance/) to a one-line reason with a
reproduction (M is a simfs mount point).  conftest.py marks them
``xfail(strict=True, reason="simfs: ...")`` for ``--target sim`` only, so a fixed simfs turns
them into XPASS failures: then delete the entry.
"""

KNOWN_GAPS = {
}
