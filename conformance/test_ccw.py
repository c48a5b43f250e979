"""ccw devices: identification attributes, uevent, links, online and cmb_enable.

Spec §2.5 and §8.2.3; kernel drivers/s390/cio/{device.c,cmf.c}.
"""

import pytest

from .checks import EACCES, EINVAL
from .helpers import keep_binding
from .sysfs import open_err
from .topology import need

AREA = "ccw devices"
TOPOLOGY = "spec8.json"


@pytest.fixture(autouse=True)
def _has_ccw_bus(fs):
    need(fs.exists("/sys/bus/ccw"), "the target has no ccw bus (not an s390 system)")


DEV_FILES = ["availability", "cmb_enable", "cutype", "devtype", "driver", "modalias", "online",
             "subsystem", "uevent"]


def _devs(topo):
    return [s for s in topo.io_subchannels() if s.device.driver]


def test_ccw_bus_and_drivers(fs, topo, chk):
    """/sys/bus/ccw has the standard bus files; each ccw driver directory has bind, unbind and
    uevent (0200) and one link per bound device, ../../../../devices/css0/<sch>/<busid>; built-in
    ccw drivers have no module link.

    Source: drivers/base/bus.c, drivers/s390/cio/device.c (ccw_bus_type, ccw_driver_register); spec §0.2, §2.1, correction 3; oracle part 1 "CCW BUS"."""
    b = "/sys/bus/ccw"
    chk.dir(b, ["devices", "drivers", "drivers_autoprobe", "drivers_probe", "uevent"])
    chk.read(b + "/drivers_autoprobe", b"1\n")
    chk.mode(b + "/drivers_probe", 0o200)
    for s in _devs(topo):
        d = f"{b}/drivers/{s.device.driver}"
        chk.dir(d, ["bind", "unbind", "uevent", s.device.busid], exact=False)
        chk.mode(d + "/uevent", 0o200)
        chk.link(f"{d}/{s.device.busid}", f"../../../../devices/css0/{s.schid}/{s.device.busid}")
        chk.read(d + "/unbind", open_err(EACCES))


def test_ccw_device_attributes(fs, topo, chk):
    """A ccw device shows devtype "%04x/%02x\\n" lower case ("n/a\\n" for type 0), cutype, an
    upper-case modalias ccw:t%04Xm%02Xdt%04Xdm%02X (dtdm empty for type 0), availability
    "good\\n", online "0\\n"/"1\\n", cmb_enable "0\\n", a uevent with DRIVER= first, and relative
    driver/subsystem/bus links.

    Source: drivers/s390/cio/device.c (devtype_show, cutype_show, modalias_show, online_show, available_show, ccw_uevent), drivers/s390/cio/cmf.c (cmb_enable_show); spec §2.5, §8.2.3, corrections 9, 12; oracle part 1 "DIR /sys/devices/css0/0.0.0000/0.0.0001"."""
    devs = _devs(topo)
    need(devs, "needs an I/O subchannel with a ccw device bound to a ccw driver")
    for s in devs:
        d = s.device
        p = f"/sys/bus/ccw/devices/{d.busid}"
        chk.link(p, f"../../../devices/css0/{s.schid}/{d.busid}")
        chk.dir(p, DEV_FILES, exact=False, note="drivers add their own files (DASD, virtio)")
        chk.read(p + "/devtype", d.devtype_show())
        chk.read(p + "/cutype", d.cutype_show())
        chk.read(p + "/modalias", (d.modalias() + "\n").encode())
        chk.read(p + "/availability", b"good\n")
        chk.read(p + "/cmb_enable", b"0\n")
        chk.read(p + "/online", b"1\n" if d.online else b"0\n")
        chk.read(p + "/uevent", d.uevent())
        chk.link(p + "/driver", f"../../../../bus/ccw/drivers/{d.driver}")
        chk.link(p + "/subsystem", "../../../../bus/ccw")
        for f in ("devtype", "cutype", "modalias", "availability"):
            chk.mode(f"{p}/{f}", 0o444)
        for f in ("online", "cmb_enable", "uevent"):
            chk.mode(f"{p}/{f}", 0o644)


def test_online_rules(fs, topo, chk, undo):
    """online: "1" sets an offline device online and reads back "1\\n" at once; "1" again is
    EINVAL; "0" sets it offline; "0" again is EINVAL; values other than 0/1 (2, xyz, the hex 10)
    are EINVAL.

    Source: drivers/s390/cio/device.c (online_store: kstrtoul base 16, ccw_device_set_online/offline -> -EINVAL when already in that state); spec §2.5, §8.2.3."""
    devs = [s for s in _devs(topo) if s.device.driver != "virtio_ccw"]
    need(devs, "needs a non-virtio ccw device with a driver (e.g. a DASD)")
    s = devs[0]
    keep_binding(fs, undo, s)
    p = f"/sys/bus/ccw/devices/{s.device.busid}/online"
    start = fs.read(p)
    undo.value(p)
    if start == b"1\n":
        chk.do(p, b"0\n", note="start from offline")
    chk.write(p, b"1\n", None)
    chk.read(p, b"1\n")
    chk.write(p, b"1\n", EINVAL, note="already online")
    chk.write(p, b"0\n", None)
    chk.read(p, b"0\n")
    chk.write(p, b"0\n", EINVAL, note="already offline")
    chk.write(p, b"2\n", EINVAL)
    chk.write(p, b"xyz\n", EINVAL)
    chk.write(p, b"10\n", EINVAL, note="hex 16")
    chk.read(p, b"0\n", note="unchanged")


def test_online_without_driver(fs, topo, chk, undo):
    """A ccw device without a ccw driver cannot be set online: "1" is EINVAL; binding the
    driver again through its bind file works.

    Source: drivers/s390/cio/device.c (online_store -> ccw_device_set_online: !cdev->drv -> -EINVAL); drivers/base/bus.c (unbind_store, bind_store); spec §2.5 rule 4."""
    devs = [s for s in _devs(topo) if s.device.driver != "virtio_ccw" and not s.device.online]
    need(devs, "needs an offline ccw device with a non-virtio driver")
    s = devs[0]
    keep_binding(fs, undo, s)
    d = s.device
    p = f"/sys/bus/ccw/devices/{d.busid}"
    drvdir = f"/sys/bus/ccw/drivers/{d.driver}"

    def rebind():
        if fs.driver(p) is None:
            r = fs.write(drvdir + "/bind", d.busid.encode() + b"\n")
            return None if r is None else f"bind {d.busid} to {d.driver}: {r}"
    undo.push(f"ccw driver of {d.busid}", rebind)
    chk.write(drvdir + "/unbind", d.busid + "\n", None)
    chk.driver(p, None)
    chk.write(p + "/online", b"1\n", EINVAL, note="no ccw driver")
    chk.read(p + "/online", b"0\n")
    chk.write(drvdir + "/bind", d.busid + "\n", None)
    chk.driver(p, d.driver)


def test_cmb_enable_rejects_other_values(fs, topo, chk, undo):
    """cmb_enable is parsed with kstrtoul base 16 and accepts only 0 and 1: 2 and garbage are
    EINVAL, and the value stays "0\\n".

    Source: drivers/s390/cio/cmf.c (cmb_enable_store); spec §2.5."""
    devs = _devs(topo)
    need(devs, "needs a ccw device")
    p = f"/sys/bus/ccw/devices/{devs[0].device.busid}/cmb_enable"
    chk.write(p, b"2\n", EINVAL)
    chk.write(p, b"xyz\n", EINVAL)
    chk.read(p, b"0\n")


def test_online_device_uevent(fs, topo, chk):
    """An online ccw device reads online "1\\n"; its uevent starts with DRIVER=<ccw driver>.

    Source: drivers/s390/cio/device.c (online_show, ccw_uevent), drivers/base/core.c (dev_uevent adds DRIVER first); spec §2.5, correction 12."""
    devs = [s for s in _devs(topo) if s.device.online]
    need(devs, "needs an online ccw device")
    d = devs[0].device
    p = f"/sys/bus/ccw/devices/{d.busid}"
    chk.read(p + "/online", b"1\n")
    chk.read(p + "/uevent", d.uevent())
