"""Paths, value formats and multi-step flows shared by the scenario modules.

Everything here is expressed in sysfs paths and bytes; nothing knows how a
target produces them.
"""

from __future__ import annotations

from typing import Iterable

from .checks import Checker
from .sysfs import Sysfs, wait_for
from .target import Undo
from .topology import Subchannel, Topology, need

# Fixed UUIDs (as in the oracle transcripts), so reports of two runs line up.
U1 = "11111111-2222-3333-4444-555555555555"
U2 = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
U3 = "33333333-4444-5555-6666-777777777777"
U4 = "44444444-5555-6666-7777-888888888888"
U5 = "55555555-6666-7777-8888-999999999999"
MIXED = "0AB1C2D3-E4F5-4a6b-8c7d-9E0F1A2B3C4D"

# ---------------------------------------------------------------- css / ccw

CSS = "/sys/bus/css"
CCW = "/sys/bus/ccw"
MDEV = "/sys/bus/mdev"


def sch(schid: str) -> str:
    return f"/sys/bus/css/devices/{schid}"


def sch_dev(schid: str) -> str:
    return f"/sys/devices/css0/{schid}"


def ccw_type(schid: str) -> str:
    return f"/sys/bus/css/devices/{schid}/mdev_supported_types/vfio_ccw-io"


def io_sch(topo: Topology, index: int = 0) -> Subchannel:
    subs = topo.io_subchannels()
    need(len(subs) > index,
         f"needs {index + 1} I/O subchannel(s) with a device (on a host: --ccw SUBCHANNEL"
         f"{' twice' if index else ''})")
    return subs[index]


def qdio_sch(topo: Topology) -> Subchannel:
    subs = topo.qdio_subchannels()
    need(subs, "needs a QDIO subchannel (on a host: --ccw-qdio SUBCHANNEL)")
    return subs[0]


def ccw_settle(fs: Sysfs, s: Subchannel, timeout: float = 5.0) -> bool:
    """After io_subchannel (re)binds: wait for the asynchronously registered ccw device."""
    if s.device is None:
        return True
    return wait_for(lambda: fs.exists(f"/sys/bus/ccw/devices/{s.device.busid}"), timeout)


def keep_binding(fs: Sysfs, undo: Undo, s: Subchannel) -> None:
    """Restore the subchannel's binding and override at the end, and the device's online state."""
    def settle():
        if ccw_settle(fs, s) and s.device is not None and s.device.online:
            p = f"/sys/bus/ccw/devices/{s.device.busid}/online"
            wait_for(lambda: fs.read(p) in (b"0\n", b"1\n"), 5)
            if fs.read(p) == b"0\n":
                fs.write(p, b"1\n")
    undo.css_binding(s.schid, settle)


def unbind_sch(chk: Checker, schid: str) -> None:
    """Unbind whatever driver the subchannel has (driverctl's `driver/unbind`)."""
    drv = chk.fs.driver(sch(schid))
    if drv is not None:
        chk.do(f"/sys/bus/css/drivers/{drv}/unbind", schid + "\n")


def to_vfio_ccw(chk: Checker, undo: Undo, s: Subchannel) -> None:
    """Manual flow of vfio-ccw.rst: unbind, bind to vfio_ccw (restored at the end)."""
    keep_binding(chk.fs, undo, s)
    if chk.fs.driver(sch(s.schid)) == "vfio_ccw":
        return
    unbind_sch(chk, s.schid)
    chk.do("/sys/bus/css/drivers/vfio_ccw/bind", s.schid + "\n")


def create_ccw_mdev(chk: Checker, undo: Undo, s: Subchannel, uuid: str) -> None:
    undo.mdev(uuid.lower())
    chk.do(ccw_type(s.schid) + "/create", uuid + "\n")


def fresh_uuids(fs: Sysfs, *uuids: str) -> None:
    """On a host, a UUID the suite uses may already exist: then skip."""
    for u in uuids:
        need(not fs.exists(f"/sys/bus/mdev/devices/{u.lower()}"),
             f"mdev {u} already exists on the target")


# ---------------------------------------------------------------- AP

AP = "/sys/bus/ap"
MATRIX = "/sys/devices/vfio_ap/matrix"
AP_TYPE = MATRIX + "/mdev_supported_types/vfio_ap-passthrough"


def mdev_ap(uuid: str) -> str:
    return f"{MATRIX}/{uuid}"


def mask_hex(ids: Iterable[int]) -> str:
    """The kernel's mask text without newline: 0x + 64 hex, id 0 = leftmost bit."""
    v = 0
    for i in ids:
        v |= 1 << (255 - i)
    return "0x" + f"{v:064x}"


def mask_show(ids: Iterable[int]) -> bytes:
    return (mask_hex(ids) + "\n").encode()


ALL = range(256)


def apqn(a: int, d: int) -> str:
    return f"{a:02x}.{d:04x}"


def queue(a: int, d: int) -> str:
    return f"/sys/bus/ap/devices/{apqn(a, d)}"


def matrix_show(adapters: Iterable[int], domains: Iterable[int]) -> bytes:
    """vfio_ap's matrix/guest_matrix format (vfio_ap_mdev_matrix_show)."""
    a = sorted(set(adapters))
    d = sorted(set(domains))
    if a and d:
        return "".join(f"{x:02x}.{y:04x}\n" for x in a for y in d).encode()
    if a:
        return "".join(f"{x:02x}.\n" for x in a).encode()
    if d:
        return "".join(f".{y:04x}\n" for y in d).encode()
    return b""


def ap_config_show(apm: Iterable[int], aqm: Iterable[int], adm: Iterable[int]) -> bytes:
    return f"{mask_hex(apm)},{mask_hex(aqm)},{mask_hex(adm)}\n".encode()


def need_ap(topo: Topology, adapters: int = 1, domains: int = 1):
    need(topo.ap is not None, "needs an AP bus (on a host: --apqn A.D)")
    need(len(topo.ap.cards) >= adapters,
         f"needs {adapters} AP adapter(s) (on a host: --apqn with {adapters} different adapters)")
    need(len(topo.ap.usage_domains) >= domains,
         f"needs {domains} usage domain(s) (on a host: --apqn with {domains} different domains)")
    return topo.ap


def keep_masks(undo: Undo) -> None:
    """Restore apmask and aqmask at the end (after every later-pushed mdev is gone)."""
    undo.value(AP + "/apmask")
    undo.value(AP + "/aqmask")


def release(chk: Checker, undo: Undo, adapters: Iterable[int] = (), domains: Iterable[int] = ()) -> None:
    """Take adapters/domains from the default drivers (relative mask writes; restored at end)."""
    keep_masks(undo)
    a = ",".join(f"-{x}" for x in adapters)
    d = ",".join(f"-{x}" for x in domains)
    if a:
        chk.do(AP + "/apmask", a + "\n")
    if d:
        chk.do(AP + "/aqmask", d + "\n")


def create_ap_mdev(chk: Checker, undo: Undo, uuid: str) -> str:
    fresh_uuids(chk.fs, uuid)
    undo.mdev(uuid.lower())
    chk.do(AP_TYPE + "/create", uuid + "\n")
    return mdev_ap(uuid.lower())


def need_vfio_ap(fs: Sysfs):
    need(fs.exists(MATRIX), "vfio_ap is not loaded on the target (/sys/devices/vfio_ap/matrix)")


def dec(n: int) -> str:
    return f"{n}\n"
