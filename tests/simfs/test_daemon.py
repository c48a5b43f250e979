"""The daemon's command line and lifecycle."""
import os
import signal
import subprocess
import time

from conftest import SIMFS, _alive, _daemon_pid, start_simfs, unmount


def run(*args):
    return subprocess.run([str(SIMFS), *map(str, args)], capture_output=True, text=True, timeout=10)


def test_help_and_version():
    cp = run("--help")
    assert cp.returncode == 0 and "Usage: simfs" in cp.stdout and "--topology" in cp.stdout
    cp = run("--version")
    assert cp.returncode == 0 and cp.stdout.startswith("simfs ")


def test_bad_arguments(tmp_path):
    assert run().returncode == 2
    assert run("--bogus", tmp_path).returncode == 2
    assert run(tmp_path, tmp_path).returncode == 2
    cp = run("--kernel-version", "banana", tmp_path)
    assert cp.returncode == 2 and "banana" in cp.stderr
    cp = run(tmp_path / "absent")
    assert cp.returncode == 1 and "No such file or directory" in cp.stderr
    f = tmp_path / "file"
    f.write_text("")
    cp = run(f)
    assert cp.returncode == 1 and "not a directory" in cp.stderr


def wait_gone(pid, mp):
    for _ in range(500):
        if not _alive(pid) and not os.path.ismount(mp):
            return True
        time.sleep(0.01)
    return False


def test_sigterm_and_sigint_unmount_cleanly(tmp_path):
    for sig in (signal.SIGTERM, signal.SIGINT):
        mp = tmp_path / f"m{int(sig)}"
        mp.mkdir()
        m, cp = start_simfs(mp)
        assert m and m.pid
        try:
            os.kill(m.pid, sig)
            assert wait_gone(m.pid, mp), f"daemon survived signal {sig}"
        finally:
            unmount(mp, m.pid)


def test_fusermount_ends_the_daemon(tmp_path):
    mp = tmp_path / "m"
    mp.mkdir()
    m, cp = start_simfs(mp)
    subprocess.run(["fusermount3", "-u", str(mp)], check=True)
    assert wait_gone(m.pid, mp)


def test_mount_shows_as_sysfs(tmp_path):
    mp = tmp_path / "m"
    mp.mkdir()
    m, cp = start_simfs(mp)
    try:
        lines = [l.split() for l in open("/proc/self/mounts")]
        mine = [l for l in lines if l[1] == str(mp)]
        assert mine and mine[0][0] == "sysfs" and mine[0][2] == "fuse.simfs"
    finally:
        unmount(mp, m.pid)


def test_ctl_commands(sysfs):
    ctl = lambda *a: subprocess.run([str(SIMFS), "ctl", str(sysfs.path), *a], capture_output=True, text=True)
    cp = ctl("stats")
    assert cp.returncode == 0 and "lookup " in cp.stdout
    cp = ctl("rmmod", "vfio_ccw")
    assert cp.returncode == 0
    assert not sysfs.exists("bus/css/drivers/vfio_ccw") and not sysfs.exists("module/vfio_ccw")
    cp = ctl("rmmod", "vfio_ccw")
    assert cp.returncode == 1 and "not loaded" in cp.stderr
    cp = ctl("rmmod", "mdev")
    assert cp.returncode == 1 and "busy" in cp.stderr
    assert ctl("insmod", "vfio_ccw").returncode == 0
    assert sysfs.readlink("bus/css/drivers/vfio_ccw/module") == "../../../../module/vfio_ccw"
    cp = ctl("frobnicate")
    assert cp.returncode == 1 and "unknown command" in cp.stderr
    cp = subprocess.run([str(SIMFS), "ctl", "/tmp", "stats"], capture_output=True, text=True)
    assert cp.returncode == 1 and "not a simfs mount" in cp.stderr


def test_sparse_topologies_end_cleanly(tmp_path):
    """Topologies with a bus and nothing on it mount, serve and end with status 0 at unmount
    (an AP bus without cards once crashed the daemon while tearing its root device down)."""
    import json
    for name, doc in (("nothing", {}), ("ap-without-cards", {"ap": {"usage_domains": [4]}}),
                      ("css-without-subchannels", {"css": {"chpids": [{"id": "40"}]}, "ap": {}})):
        f = tmp_path / f"{name}.json"
        f.write_text(json.dumps(doc))
        mp = tmp_path / name
        mp.mkdir()
        p = subprocess.Popen([str(SIMFS), "-f", "--topology", str(f), str(mp)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            for _ in range(500):
                if os.path.ismount(mp) or p.poll() is not None:
                    break
                time.sleep(0.01)
            assert os.path.ismount(mp), (name, p.poll(), p.stderr.read() if p.poll() is not None else "")
            assert os.listdir(mp / "bus")
        finally:
            subprocess.run(["fusermount3", "-u", str(mp)], capture_output=True)
            try:
                rc = p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                rc = p.wait()
        assert rc == 0, (name, rc, p.stderr.read())
