"""Targets (simfs, an existing tree, the real /sys), kernel versions, and undo.

``--target sim`` (default)
    For every scenario module, start simfs on a fresh temporary mount point with
    the module's topology fixture (``simfs --topology FILE MNT``; it returns once
    the mount serves), and unmount it (``fusermount3 -u``) after the module,
    also when scenarios failed or the run was interrupted.
``--target path:DIR``
    A tree that is already there (a simfs mounted by hand, a copy, ...).  The
    suite writes to it freely.  Modules whose fixture devices are not in the
    tree are skipped with the reason.
``--target host``
    The real ``/sys``.  Read-only unless ``--allow-changes`` is given, and then
    only the resources named by ``--ccw``/``--ccw-qdio``/``--apqn`` are touched.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from typing import Callable, List, Optional, Tuple

from .sysfs import Err, Sysfs

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
DEFAULT_SIMFS = os.path.join(os.environ.get("SIMFS_BUILD_DIR", os.path.join(REPO, "build")),
                             "simfs", "simfs")
DEFAULT_KERNEL = "6.12"


def parse_version(s: str) -> Tuple[int, ...]:
    """'6.12.117-oracle' -> (6, 12, 117); '6.1' -> (6, 1)."""
    m = re.match(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?", s.strip())
    if not m:
        raise ValueError(f"not a kernel version: {s!r}")
    return tuple(int(x) for x in m.groups() if x is not None)


class KernelVersion:
    def __init__(self, text: str, origin: str):
        self.text = text
        self.origin = origin
        self.tuple = parse_version(text)

    def at_least(self, v: str) -> bool:
        want = parse_version(v)
        have = self.tuple + (0,) * (3 - len(self.tuple))
        want = want + (0,) * (3 - len(want))
        return have >= want

    def __str__(self) -> str:
        return f"{self.text} ({self.origin})"


class SimfsError(RuntimeError):
    pass


class SimfsMount:
    """One simfs instance on a private temporary mount point."""

    def __init__(self, binary: str, topology: Optional[str], extra: Optional[List[str]] = None):
        self.binary = binary
        self.topology = topology
        self.extra = extra or []
        self.mnt: Optional[str] = None

    def start(self, timeout: float = 10.0) -> str:
        self.mnt = tempfile.mkdtemp(prefix="conformance-simfs-")
        cmd = [self.binary]
        if self.topology:
            cmd += ["--topology", self.topology]
        cmd += self.extra + [self.mnt]
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=timeout, text=True)
        except subprocess.TimeoutExpired:
            self.stop()
            raise SimfsError(f"{' '.join(cmd)} did not return within {timeout}s")
        if p.returncode != 0:
            self.stop()
            raise SimfsError(f"{' '.join(cmd)} failed (rc={p.returncode}): "
                             f"{(p.stderr or p.stdout).strip()}")
        deadline = time.monotonic() + timeout
        while not (os.path.ismount(self.mnt) and os.path.exists(os.path.join(self.mnt, "bus"))):
            if time.monotonic() > deadline:
                self.stop()
                raise SimfsError(f"simfs returned but {self.mnt} does not serve a tree")
            time.sleep(0.02)
        return self.mnt

    def stop(self) -> None:
        if not self.mnt:
            return
        if os.path.ismount(self.mnt):
            r = subprocess.run(["fusermount3", "-u", self.mnt],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            if r.returncode != 0:      # busy: detach lazily so nothing is left behind
                subprocess.run(["fusermount3", "-u", "-z", self.mnt],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            deadline = time.monotonic() + 5
            while os.path.ismount(self.mnt) and time.monotonic() < deadline:
                time.sleep(0.02)
        try:
            os.rmdir(self.mnt)
        except OSError:
            pass
        self.mnt = None


class ModuleControl:
    """Loading and unloading kernel modules: what ``modprobe``/``rmmod`` do on a host.

    Only the oracle replays need it (their transcripts load vfio_ccw and vfio_ap
    midway).  On simfs it is the documented command line ``simfs ctl MOUNTPOINT
    insmod|rmmod MODULE``; other targets cannot do it and the step is skipped.
    """

    def __init__(self, binary: Optional[str] = None, mnt: Optional[str] = None):
        self.binary = binary
        self.mnt = mnt

    @property
    def available(self) -> bool:
        return self.binary is not None and self.mnt is not None

    def run(self, verb: str, module: str) -> Optional[str]:
        """None on success, else the error text."""
        if not self.available:
            return "module loading is not available on this target"
        p = subprocess.run([self.binary, "ctl", self.mnt, verb, module], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=30)
        if p.returncode != 0:
            return (p.stderr or p.stdout).strip() or f"rc={p.returncode}"
        return None


class Undo:
    """What a scenario changed, restored in reverse order at its end, always.

    Each ``push`` registers a restore action; the conftest runs them during the
    scenario's teardown even when it failed, and reports restore failures as a
    teardown error of that scenario (so a broken restore is never silent).
    """

    def __init__(self, fs: Sysfs):
        self.fs = fs
        self.actions: List[Tuple[str, Callable[[], Optional[str]]]] = []

    def push(self, what: str, fn: Callable[[], Optional[str]]) -> None:
        self.actions.append((what, fn))

    def run(self) -> List[str]:
        errors = []
        while self.actions:
            what, fn = self.actions.pop()
            try:
                msg = fn()
            except Exception as e:  # keep restoring the rest
                msg = f"{type(e).__name__}: {e}"
            if msg:
                errors.append(f"restore {what}: {msg}")
        return errors

    # -- common restores -----------------------------------------------------
    def value(self, path: str) -> None:
        """Write the current value back at the end (masks, ap_domain, config_time, ...)."""
        cur = self.fs.read(path)
        if isinstance(cur, Err):
            return

        def restore():
            now = self.fs.read(path)
            if now == cur:
                return None
            r = self.fs.write(path, cur)
            return None if r is None else f"writing {cur!r} to {path}: {r}"
        self.push(f"value of {path}", restore)

    def mdev(self, uuid: str) -> None:
        """Remove the mdev at the end if it (still) exists."""
        path = f"/sys/bus/mdev/devices/{uuid}/remove"

        def restore():
            if not self.fs.exists(f"/sys/bus/mdev/devices/{uuid}"):
                return None
            r = self.fs.write(path, b"1\n")
            return None if r is None else f"remove {uuid}: {r}"
        self.push(f"mdev {uuid}", restore)

    def css_binding(self, schid: str, settle: Callable[[], None] = lambda: None) -> None:
        """Restore a subchannel's driver and driver_override as they are now."""
        dev = f"/sys/bus/css/devices/{schid}"
        drv = self.fs.driver(dev)
        ovr = self.fs.read(dev + "/driver_override")

        def restore():
            msgs = []
            cur = self.fs.driver(dev)
            want_ovr = ovr if isinstance(ovr, bytes) else b"(null)\n"
            if cur != drv:
                if cur is not None:
                    r = self.fs.write(f"/sys/bus/css/drivers/{cur}/unbind", schid.encode() + b"\n")
                    if r is not None:
                        msgs.append(f"unbind from {cur}: {r}")
            if self.fs.read(dev + "/driver_override") != want_ovr:
                r = self.fs.write(dev + "/driver_override",
                                  b"\n" if want_ovr == b"(null)\n" else want_ovr)
                if r is not None:
                    msgs.append(f"driver_override: {r}")
            if cur != drv and drv is not None:
                r = self.fs.write(f"/sys/bus/css/drivers/{drv}/bind", schid.encode() + b"\n")
                if r is not None:
                    msgs.append(f"bind to {drv}: {r}")
                settle()
            return "; ".join(msgs) or None
        self.push(f"binding of {schid}", restore)

    def ap_queue_binding(self, apqn: str) -> None:
        """Put a queue back on the driver it has now (after masks were restored)."""
        dev = f"/sys/bus/ap/devices/{apqn}"
        drv = self.fs.driver(dev)

        def restore():
            cur = self.fs.driver(dev)
            if cur == drv:
                return None
            msgs = []
            if cur is not None:
                r = self.fs.write(f"/sys/bus/ap/drivers/{cur}/unbind", apqn.encode() + b"\n")
                if r is not None:
                    msgs.append(f"unbind from {cur}: {r}")
            if drv is not None:
                r = self.fs.write(f"/sys/bus/ap/drivers/{drv}/bind", apqn.encode() + b"\n")
                if r is not None:
                    msgs.append(f"bind to {drv}: {r}")
            return "; ".join(msgs) or None
        self.push(f"binding of {apqn}", restore)


def fusermount_available() -> bool:
    return shutil.which("fusermount3") is not None and os.path.exists("/dev/fuse")
