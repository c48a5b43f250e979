"""Fixtures for the mdevtool tests: a fresh simfs mount per test, and mdevtool run on it.

Every mount is torn down however the test ends: `fusermount3 -u` (lazy if the
mount is busy), then the daemon is killed if it is still alive.  Without
/dev/fuse the tests are skipped, with the reason.
"""
import os
import subprocess

import pytest

from .mdevtool_helpers import BUILD, HERE, MDEVTOOL, SIMFS, Host, _daemon_pid, _unmount


def _require_fuse():
    if not os.path.exists("/dev/fuse"):
        pytest.skip("no /dev/fuse on this machine: simfs cannot mount")
    if not SIMFS.exists() or not MDEVTOOL.exists():
        pytest.fail(f"{SIMFS} or {MDEVTOOL} is not built (meson compile -C {BUILD})")


@pytest.fixture
def mount(tmp_path):
    """mount(*simfs_args, name=...) -> Host; every mount is unmounted afterwards."""
    _require_fuse()
    hosts = []

    def factory(*args, name="sys"):
        mp = tmp_path / f"{name}{len(hosts)}"
        mp.mkdir()
        cp = subprocess.run([str(SIMFS), *map(str, args), str(mp)],
                            capture_output=True, text=True, timeout=30)
        pid = _daemon_pid(mp)
        h = Host(mp, pid)
        hosts.append(h)
        if cp.returncode != 0 or not os.path.ismount(mp):
            pytest.fail(f"simfs did not mount: {cp.stderr}")
        return h

    yield factory
    for h in hosts:
        _unmount(h.path, h.pid)


@pytest.fixture
def host(mount):
    """The built-in default topology, freshly mounted."""
    return mount()


@pytest.fixture
def topology():
    """Path of a test topology in this directory."""
    return lambda name: HERE / name
