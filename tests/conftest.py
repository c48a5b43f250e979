"""Shared fixtures for the behaviour tests: a real simfs mount per test.

Every mount is torn down however the test ends: fusermount3 -u (lazy if
busy), then the daemon is killed if it is still alive.
"""
import errno
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BUILD = Path(os.environ.get("SIMFS_BUILD_DIR", REPO / "build"))
SIMFS = BUILD / "simfs" / "simfs"
FIXTURES = REPO / "fixtures"


def _daemon_pid(mountpoint):
    """The pid of the simfs serving @mountpoint, from /proc (the daemon forks)."""
    target = str(mountpoint)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"simfs") and target.encode() in argv:
            return int(entry)
    return None


class Mount:
    """A mounted simfs: .path, and helpers speaking bytes and errno."""

    def __init__(self, path, pid):
        self.path = Path(path)
        self.pid = pid

    def p(self, rel):
        return self.path / rel

    def read(self, rel):
        """Exact bytes of one read, or the errno (int) of open or read."""
        try:
            fd = os.open(self.p(rel), os.O_RDONLY)
        except OSError as e:
            return e.errno
        try:
            return os.read(fd, 65536)
        except OSError as e:
            return e.errno
        finally:
            os.close(fd)

    def write(self, rel, data):
        """One write(2) of @data: None on success, else the errno (open or write)."""
        if isinstance(data, str):
            data = data.encode()
        try:
            fd = os.open(self.p(rel), os.O_WRONLY)
        except OSError as e:
            return e.errno
        try:
            n = os.write(fd, data)
            assert n == len(data), f"short write {n} of {len(data)}"
            return None
        except OSError as e:
            return e.errno
        finally:
            os.close(fd)

    def readlink(self, rel):
        return os.readlink(self.p(rel))

    def exists(self, rel):
        return os.path.lexists(self.p(rel))

    def ls(self, rel=""):
        return sorted(os.listdir(self.p(rel)))

    def wait_for(self, pred, timeout=5.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if pred():
                return True
            time.sleep(0.005)
        return pred()


def _alive(pid):
    """True while @pid runs; a zombie (exited, not yet reaped by its new parent) is dead."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def unmount(path, pid=None):
    subprocess.run(["fusermount3", "-u", str(path)], capture_output=True)
    if os.path.ismount(path):
        subprocess.run(["fusermount3", "-u", "-z", str(path)], capture_output=True)
    if pid:
        for _ in range(500):
            if not _alive(pid):
                return
            time.sleep(0.01)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def start_simfs(mountpoint, *args):
    """Mount simfs at @mountpoint; returns (Mount, CompletedProcess)."""
    if not SIMFS.exists():
        pytest.fail(f"{SIMFS} is not built (meson compile -C {BUILD})")
    cp = subprocess.run([str(SIMFS), *map(str, args), str(mountpoint)],
                        capture_output=True, text=True, timeout=30)
    if cp.returncode != 0:
        return None, cp
    assert os.path.ismount(mountpoint), "simfs returned before the mount was ready"
    return Mount(mountpoint, _daemon_pid(mountpoint)), cp


def _require_fuse():
    if not os.path.exists("/dev/fuse"):
        pytest.skip("no /dev/fuse on this machine")


@pytest.fixture
def simfs_factory(tmp_path):
    """Mount simfs with the given arguments; everything is unmounted afterwards."""
    _require_fuse()
    mounts = []

    def factory(*args, name="mnt"):
        mp = tmp_path / f"{name}{len(mounts)}"
        mp.mkdir()
        m, cp = start_simfs(mp, *args)
        if m is None:
            pytest.fail(f"simfs failed: {cp.stderr}")
        mounts.append(m)
        return m

    yield factory
    for m in mounts:
        unmount(m.path, m.pid)


@pytest.fixture
def sysfs(simfs_factory):
    """The built-in default topology, freshly mounted."""
    return simfs_factory()


@pytest.fixture
def fixture_path():
    return lambda name: FIXTURES / name
