"""Helpers for the mdevtool tests: a mounted simfs tree (Host), snapshots, constants.

Kept out of conftest.py so that test modules import it by a name no other
directory uses ("from conftest import" would pick whichever conftest pytest
loaded last).  Binaries are found under $SIMFS_BUILD_DIR (default: the
repository's build/).
"""
import json
import os
import signal
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("SIMFS_BUILD_DIR", REPO / "build"))
SIMFS = BUILD / "simfs" / "simfs"
MDEVTOOL = BUILD / "mdevtool" / "mdevtool"
HERE = Path(__file__).resolve().parent

U1 = "11111111-2222-3333-4444-555555555555"
U2 = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
U3 = "0ab1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d"

ALL_F = "0x" + "f" * 64 + "\n"


def _daemon_pid(mountpoint):
    """The pid of the simfs serving @mountpoint (it daemonizes), from /proc."""
    target = str(mountpoint).encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            argv = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"simfs") and target in argv:
            return int(entry)
    return None


def _alive(pid):
    """Running, not merely an unreaped zombie (the daemon's parent has exited)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _unmount(path, pid):
    subprocess.run(["fusermount3", "-u", str(path)], capture_output=True)
    if os.path.ismount(path):
        subprocess.run(["fusermount3", "-u", "-z", str(path)], capture_output=True)
    if not pid:
        return
    for _ in range(200):
        if not _alive(pid):
            return
        time.sleep(0.01)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class Host:
    """One mounted simfs tree, and mdevtool pointed at it."""

    def __init__(self, path, pid):
        self.path = Path(path)
        self.pid = pid

    # -- sysfs access, in bytes and errnos ---------------------------------
    def p(self, rel):
        return self.path / rel

    def read(self, rel):
        """The exact bytes of the attribute, or the errno of open/read."""
        try:
            fd = os.open(self.p(rel), os.O_RDONLY)
        except OSError as e:
            return e.errno
        try:
            out = b""
            while True:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    return out
                out += chunk
        except OSError as e:
            return e.errno
        finally:
            os.close(fd)

    def text(self, rel):
        v = self.read(rel)
        assert isinstance(v, bytes), f"cannot read {rel}: errno {v}"
        return v.decode()

    def write(self, rel, data):
        """One write(2): None on success, else the errno."""
        if isinstance(data, str):
            data = data.encode()
        try:
            fd = os.open(self.p(rel), os.O_WRONLY)
        except OSError as e:
            return e.errno
        try:
            os.write(fd, data)
            return None
        except OSError as e:
            return e.errno
        finally:
            os.close(fd)

    def exists(self, rel):
        return os.path.lexists(self.p(rel))

    def link(self, rel):
        """Basename of a symlink's target, or None when there is no link."""
        try:
            return os.path.basename(os.readlink(self.p(rel)))
        except OSError:
            return None

    def wait_for(self, rel, timeout=10.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.exists(rel):
                return True
            time.sleep(0.01)
        return self.exists(rel)

    def ctl(self, *args):
        """simfs's control surface (insmod/rmmod ...)."""
        return subprocess.run([str(SIMFS), "ctl", str(self.path), *args],
                              capture_output=True, text=True, timeout=30)

    # -- the whole tree ----------------------------------------------------
    def snapshot(self):
        """Every entry: links with their target, files with mode and bytes (or errno)."""
        out = {}

        def walk(d, rel):
            for e in sorted(os.scandir(d), key=lambda e: e.name):
                r = f"{rel}/{e.name}" if rel else e.name
                st = e.stat(follow_symlinks=False)
                if e.is_symlink():
                    out[r] = ("link", os.readlink(e.path))
                elif e.is_dir(follow_symlinks=False):
                    out[r] = ("dir", st.st_mode)
                    walk(e.path, r)
                else:
                    out[r] = ("file", st.st_mode, self.read(r))
        walk(self.path, "")
        return without_glue_dirs(out)

    def settle(self, timeout=10.0):
        """Wait until two snapshots in a row agree (asynchronous ccw recognition)."""
        prev = self.snapshot()
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            time.sleep(0.05)
            cur = self.snapshot()
            if cur == prev:
                return cur
            prev = cur
        return prev

    # -- mdevtool ----------------------------------------------------------
    def run(self, *args, env=None, sysfs=True, input=None):
        cmd = [str(MDEVTOOL)]
        if sysfs:
            cmd += ["--sysfs", str(self.path)]
        cmd += [str(a) for a in args]
        e = dict(os.environ)
        e.pop("SYSFS_ROOT", None)
        if env:
            e.update(env)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=e, input=input)

    def ok(self, *args, **kw):
        cp = self.run(*args, **kw)
        assert cp.returncode == 0, f"mdevtool {args} -> {cp.returncode}\n{cp.stdout}\n{cp.stderr}"
        return cp

    def json(self, *args):
        return json.loads(self.ok(*args).stdout)

    def sh(self, script):
        """Run a dry-run script the way an admin pastes it."""
        cp = subprocess.run(["sh", "-e"], input=script, capture_output=True, text=True, timeout=60)
        assert cp.returncode == 0, f"script failed:\n{script}\n{cp.stderr}"
        return cp


def diff(before, after):
    """A readable difference of two snapshots, for assertion messages."""
    lines = []
    for k in sorted(set(before) | set(after)):
        if before.get(k) != after.get(k):
            lines.append(f"{k}: {before.get(k)!r} -> {after.get(k)!r}")
    return "\n".join(lines[:40])


# Class glue directories that the kernel removes with their last device
# (drivers/base/core.c, cleanup_glue_dir()) but this simfs keeps once an
# iommu group has existed: a difference in simfs, reported, not mdevtool's
# doing.  Snapshots leave such a directory out while it is empty, so a
# refusal that created and removed an mdev still compares equal -- as it
# would on a real kernel.
GLUE_DIRS = ("devices/virtual/vfio",)


def without_glue_dirs(snap):
    return {k: v for k, v in snap.items()
            if not (k in GLUE_DIRS and v[0] == "dir" and not any(x.startswith(k + "/") for x in snap))}


def has_ap(h):
    return h.exists("bus/ap/apmask")
