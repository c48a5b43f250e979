"""After a SIGKILL: the dead mount is noticed, cleared and reported by the next simfs."""
import errno
import os
import signal
import subprocess
import time

import pytest

from conftest import SIMFS, _alive, start_simfs, unmount

# A dead FUSE connection answers ENOTCONN; ECONNABORTED while it is being torn down.
DEAD = (errno.ENOTCONN, errno.ECONNABORTED)


def clear(mp):
    """Whatever a failed test left mounted here, stacked or dead: detach it all."""
    for _ in range(5):
        if str(mp) not in [l.split()[1] for l in open("/proc/self/mounts")]:
            return
        subprocess.run(["fusermount3", "-u", "-z", str(mp)], capture_output=True)


def kill9(m):
    os.kill(m.pid, signal.SIGKILL)
    for _ in range(500):
        if not _alive(m.pid):
            return
        time.sleep(0.01)
    pytest.fail("the daemon survived SIGKILL")


def stat_errno(path):
    try:
        os.stat(path)
        return 0
    except OSError as e:
        return e.errno


def statfs_errno(path):
    """statfs always asks the daemon (stat may be answered from the attribute cache)."""
    try:
        os.statvfs(path)
        return 0
    except OSError as e:
        return e.errno


def test_next_simfs_clears_the_dead_mount_of_a_killed_one(tmp_path):
    mp = tmp_path / "m"
    mp.mkdir()
    m, cp = start_simfs(mp)
    assert m and m.pid, cp.stderr
    m2 = None
    try:
        kill9(m)
        # the mount is still there, and dead
        assert statfs_errno(mp) in DEAD
        assert str(mp) in [l.split()[1] for l in open("/proc/self/mounts")]

        m2, cp = start_simfs(mp)
        assert m2 is not None, cp.stderr
        assert ("Transport endpoint is not connected" in cp.stderr or
                "Software caused connection abort" in cp.stderr), cp.stderr
        assert "cleared the dead mount" in cp.stderr, cp.stderr
        assert m2.read("bus/ap/apmask") == b"0x" + b"f" * 64 + b"\n"
        # exactly one mount at the mount point: the dead one is gone
        mounts = [l.split()[1] for l in open("/proc/self/mounts")]
        assert mounts.count(str(mp)) == 1
    finally:
        unmount(mp, m2.pid if m2 else None)
        clear(mp)
    assert not os.path.ismount(mp)


def test_killed_again_after_a_recovery(tmp_path):
    """Kill, recover, kill again: each next simfs clears exactly the one dead mount."""
    mp = tmp_path / "m"
    mp.mkdir()
    m, _ = start_simfs(mp)
    kill9(m)
    m2 = None
    try:
        m2, cp = start_simfs(mp)
        assert m2 is not None, cp.stderr
        kill9(m2)
        m3, cp = start_simfs(mp)
        assert m3 is not None, cp.stderr
        assert cp.stderr.count("cleared the dead mount") == 1
        unmount(mp, m3.pid)
    finally:
        clear(mp)
    assert not os.path.ismount(mp)


def test_a_healthy_mountpoint_says_nothing(tmp_path):
    mp = tmp_path / "m"
    mp.mkdir()
    m, cp = start_simfs(mp)
    try:
        assert m is not None and cp.stderr == ""
    finally:
        unmount(mp, m.pid if m else None)


def test_dead_mount_with_foreground_daemon(tmp_path):
    """-f: the same, and the daemon in the foreground ends with fusermount3 -u."""
    mp = tmp_path / "m"
    mp.mkdir()
    m, _ = start_simfs(mp)
    kill9(m)
    p = subprocess.Popen([str(SIMFS), "-f", str(mp)], stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(500):
            # statfs: the dead mount's cached dentries would make "bus" look present
            if p.poll() is None and statfs_errno(mp) == 0 and os.path.exists(mp / "bus"):
                break
            time.sleep(0.01)
        assert os.path.exists(mp / "bus")
    finally:
        subprocess.run(["fusermount3", "-u", str(mp)], capture_output=True)
        try:
            err = p.communicate(timeout=10)[1]
        except subprocess.TimeoutExpired:
            p.kill()
            err = p.communicate()[1]
        clear(mp)
    assert p.returncode == 0
    assert "cleared the dead mount" in err
    assert not os.path.ismount(mp)
