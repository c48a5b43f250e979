"""css bus, subchannels, channel paths, driver_override, bind rules and vfio_ccw.

Spec §0.2, §0.3, §2.1-§2.4, §2.7, §3 and §8.2; kernel drivers/s390/cio/{css.c,chp.c,
device.c,vfio_ccw_drv.c,vfio_ccw_ops.c}, drivers/base/{bus.c,dd.c,driver.c}.
"""

import pytest

from .checks import EACCES, EBUSY, EINVAL, ENODEV, EPERM, EUSERS
from .helpers import (U4, U5, ccw_type, create_ccw_mdev, fresh_uuids, io_sch,
                      keep_binding, qdio_sch, sch, sch_dev, to_vfio_ccw, unbind_sch)
from .sysfs import open_err, read_err
from .topology import need

AREA = "css / vfio_ccw"
TOPOLOGY = "spec8.json"


@pytest.fixture(autouse=True)
def _has_css_bus(fs):
    need(fs.exists("/sys/bus/css"), "the target has no css bus (not an s390 system)")


IO_SUB_FILES = ["chpids", "dev_busid", "driver", "driver_override", "logging", "modalias",
                "pimpampom", "subsystem", "type", "uevent", "vpm"]
UNBOUND_FILES = ["chpids", "dev_busid", "driver_override", "modalias", "pimpampom", "subsystem",
                 "type", "uevent"]


def _busid(kver, files):
    """dev_busid came with ~v5.13 (also in stable trees): drop it from @files before that."""
    return [f for f in files if f != "dev_busid" or kver.at_least("5.13")]


def _bound_err(kver):
    """bind of a device that has a driver: EBUSY since ~v5.13, silent success before."""
    return EBUSY if kver.at_least("5.13") else None


def _missing_schid(fs) -> str:
    for cand in ("0.0.ffff", "0.0.9999", "0.3.fffe"):
        if not fs.exists(sch(cand)):
            return cand
    pytest.skip("could not find an unused subchannel id")


def _uevent(driver):
    return (f"DRIVER={driver}\n" if driver else "").encode() + b"ST=0\nMODALIAS=css:t0\n"


def test_css_bus_and_drivers(fs, chk):
    """/sys/bus/css has the standard bus files; io_subchannel (built in) has bind, unbind,
    uevent and device links but no module link; vfio_ccw (a module) has a module link; driver
    uevent files are write-only.

    Source: drivers/base/bus.c (bus_register, add_bind_files), drivers/base/module.c (module_add_driver); spec §0.2, correction 3; oracle part 1 "CSS BUS"."""
    b = "/sys/bus/css"
    chk.dir(b, ["devices", "drivers", "drivers_autoprobe", "drivers_probe", "uevent"])
    chk.mode(b + "/drivers_autoprobe", 0o644)
    chk.mode(b + "/drivers_probe", 0o200)
    chk.mode(b + "/uevent", 0o200)
    chk.read(b + "/drivers_autoprobe", b"1\n")
    chk.read(b + "/uevent", open_err(EACCES))
    d = b + "/drivers/io_subchannel"
    for f in ("bind", "unbind", "uevent"):
        chk.mode(f"{d}/{f}", 0o200)
    chk.absent(d + "/module", note="io_subchannel is built in")
    chk.read(d + "/bind", open_err(EACCES))
    if fs.exists(b + "/drivers/vfio_ccw"):
        chk.link(b + "/drivers/vfio_ccw/module", "../../../../module/vfio_ccw")
        chk.mode(b + "/drivers/vfio_ccw/uevent", 0o200)


def test_css0_device(fs, topo, chk, undo):
    """/sys/devices/css0 holds the subchannels, chp0.<xx>/, defunct/ (uevent only), pools
    (0444), real_cssid (0444; "%x\\n" or a read error EINVAL without a valid CSS id), rescan
    (0200, writing 1 succeeds) and an empty uevent, and no subsystem link.

    Source: drivers/s390/cio/css.c (css_root_attrs: real_cssid, rescan, cm_enable; pools), drivers/s390/cio/css.c (defunct pseudo subchannel); spec §2.1, correction 11, 2."""
    c = "/sys/devices/css0"
    req = ["defunct", "pools", "real_cssid", "rescan", "uevent"]
    req += [s.schid for s in topo.subchannels] + [c_.name for c_ in topo.chpids]
    chk.dir(c, req, exact=False)
    chk.absent(c + "/subsystem", note="css0 is on no bus")
    chk.mode(c + "/pools", 0o444)
    chk.mode(c + "/real_cssid", 0o444)
    chk.mode(c + "/rescan", 0o200)
    chk.mode(c + "/uevent", 0o644)
    chk.read(c + "/uevent", b"")
    rc = fs.read(c + "/real_cssid")
    chk.true(rc == read_err(EINVAL) or (isinstance(rc, bytes) and rc[:-1].isalnum()
                                         and rc.endswith(b"\n")),
             "real_cssid is '%x\\n' or fails at read with EINVAL", "hex + \\n or EINVAL at read",
             str(rc), path=c + "/real_cssid")
    chk.read_match(c + "/pools", rb"poolinfo - \d+\.\d+\n([a-z_]+( +\d+){4}\n)*")
    chk.dir(c + "/defunct", ["uevent"], optional=["power"])
    chk.read(c + "/defunct/uevent", b"")
    chk.read(c + "/rescan", open_err(EACCES))
    chk.write(c + "/rescan", b"1\n", None)


def test_subchannel_attributes(fs, topo, kver, chk):
    """An I/O subchannel bound to io_subchannel shows type "0\\n", modalias "css:t0\\n",
    driver_override "(null)\\n", chpids as 8 "%02x " fields then "\\n" (paths outside the PIM
    print 00; note the space before the newline), pimpampom "%02x %02x %02x\\n", dev_busid
    (~v5.13 and later), vpm, a write-only logging, a uevent with DRIVER= first, and relative links.

    Source: drivers/s390/cio/css.c (type_show, modalias_show, driver_override_show, chpids_show, pimpampom_show, dev_busid_show, css_uevent), drivers/s390/cio/device.c (io_subchannel_attrs: logging, vpm); spec §2.2, §8.2.1, §8.2.2, corrections 9, 12."""
    s = io_sch(topo)
    p = sch(s.schid)
    chk.dir(p, _busid(kver, IO_SUB_FILES) + ([s.device.busid] if s.device else []), optional=["power"])
    chk.read(p + "/type", b"0\n")
    chk.read(p + "/modalias", b"css:t0\n")
    chk.read(p + "/driver_override", b"(null)\n")
    if s.chpids_show():
        chk.read(p + "/chpids", s.chpids_show())
        chk.read(p + "/pimpampom", s.pimpampom_show())
        vpm = int(s.pim, 16) & int(s.pam, 16) & int(s.pom, 16)
        chk.read(p + "/vpm", f"{vpm:02x}\n".encode())
    chk.read_match(p + "/chpids", rb"([0-9a-f]{2} ){8}\n")
    if kver.at_least("5.13"):
        chk.read(p + "/dev_busid", f"{s.device.busid}\n".encode())
    else:
        chk.absent(p + "/dev_busid", note="dev_busid came with ~v5.13")
    chk.read(p + "/uevent", _uevent("io_subchannel"))
    for f in _busid(kver, ("type", "modalias", "chpids", "pimpampom", "dev_busid", "vpm")):
        chk.mode(f"{p}/{f}", 0o444)
    chk.mode(p + "/driver_override", 0o644)
    chk.mode(p + "/uevent", 0o644)
    chk.mode(p + "/logging", 0o200)
    chk.read(p + "/logging", open_err(EACCES))
    chk.link(p + "/driver", "../../../bus/css/drivers/io_subchannel")
    chk.link(p + "/subsystem", "../../../bus/css")
    chk.link(p, f"../../../devices/css0/{s.schid}")
    chk.link(f"/sys/bus/css/drivers/io_subchannel/{s.schid}", f"../../../../devices/css0/{s.schid}")


def test_bind_and_unbind_errors(fs, topo, kver, chk, undo):
    """bind/unbind compare whole names (a trailing newline is tolerated): an unknown name is
    ENODEV; bind of a bound device is EBUSY, even to its own driver (~v5.13 and later; silent
    success before); unbind from a driver the device is not bound to is ENODEV.

    Source: drivers/base/bus.c (bind_store, unbind_store: bus_find_device_by_name, device->driver checks), drivers/base/dd.c; spec §0.3, §8.2.4, §8.2.5, correction 4; oracle part 1 "BIND SCH1" and "EXTRA"."""
    s = io_sch(topo)
    keep_binding(fs, undo, s)
    missing = _missing_schid(fs)
    d = "/sys/bus/css/drivers"
    chk.write(f"{d}/vfio_ccw/bind", s.schid + "\n", _bound_err(kver), note="bound to io_subchannel")
    chk.write(f"{d}/io_subchannel/bind", s.schid + "\n", _bound_err(kver),
              note="already bound to this driver")
    chk.write(f"{d}/vfio_ccw/unbind", s.schid + "\n", ENODEV, note="bound to another driver")
    chk.write(f"{d}/vfio_ccw/unbind", missing + "\n", ENODEV, note="no such subchannel")
    chk.write(f"{d}/vfio_ccw/bind", missing + "\n", ENODEV, note="no such subchannel")
    chk.write(f"{d}/vfio_ccw/bind", b"bogus\n", ENODEV)
    head, num = s.schid.rsplit(".", 1)
    short = f"{head}.{num.lstrip('0') or '0'}"
    chk.write(f"{d}/io_subchannel/unbind", short + "\n", ENODEV, note="not the full name")
    chk.write(f"{d}/io_subchannel/unbind", s.schid + "x\n", ENODEV, note="extra character")
    chk.write(f"{d}/io_subchannel/unbind", s.schid + " \n", ENODEV, note="trailing space")
    chk.write(f"{d}/io_subchannel/unbind", s.schid + "\n\n", ENODEV, note="two newlines")
    chk.driver(sch(s.schid), "io_subchannel", note="nothing changed")


def test_manual_unbind_then_bind_vfio_ccw(fs, topo, kver, chk, undo):
    """Unbinding from io_subchannel removes the driver link, vpm, logging and the ccw child
    device at once (the uevent loses DRIVER=); a name written without a newline works; binding to
    vfio_ccw is synchronous and registers the mdev parent; binding again gives EBUSY (~v5.13 and
    later; silent success before).

    Source: drivers/base/bus.c (unbind_store, bind_store), drivers/s390/cio/device.c (io_subchannel_remove), drivers/s390/cio/vfio_ccw_drv.c (vfio_ccw_sch_probe); spec §0.3, §2.4, §2.6; oracle part 1 "BIND SCH1=0.0.0000 via unbind/bind"."""
    s = io_sch(topo)
    keep_binding(fs, undo, s)
    p = sch(s.schid)
    d = "/sys/bus/css/drivers"
    chk.write(f"{d}/io_subchannel/unbind", s.schid.encode(), None, note="printf, no newline")
    chk.driver(p, None)
    chk.dir(p, _busid(kver, UNBOUND_FILES), optional=["power"])
    chk.read(p + "/uevent", _uevent(None))
    chk.absent(f"/sys/bus/ccw/devices/{s.device.busid}")
    chk.absent(f"{d}/io_subchannel/{s.schid}")
    if kver.at_least("5.13"):
        chk.read(p + "/dev_busid", f"{s.device.busid}\n".encode(), note="kept while unbound")
    chk.write(f"{d}/io_subchannel/unbind", s.schid + "\n", ENODEV, note="not bound any more")
    chk.write(f"{d}/vfio_ccw/bind", s.schid + "\n", None)
    chk.link(p + "/driver", "../../../bus/css/drivers/vfio_ccw")
    chk.link(f"{d}/vfio_ccw/{s.schid}", f"../../../../devices/css0/{s.schid}")
    chk.read(p + "/uevent", _uevent("vfio_ccw"))
    chk.isdir(ccw_type(s.schid))
    chk.write(f"{d}/vfio_ccw/bind", s.schid + "\n", _bound_err(kver), note="bound to vfio_ccw already")
    chk.write(f"{d}/io_subchannel/bind", s.schid + "\n", _bound_err(kver), note="bound to vfio_ccw")
    chk.driver(p, "vfio_ccw", note="a bind of a bound device changes nothing")


def test_driverctl_set_override_sequence(fs, topo, kver, chk, undo):
    """driverctl's set-override (unbind through <sch>/driver/unbind, driver_override=vfio_ccw,
    drivers_probe) binds vfio_ccw: the ccw device, vpm and logging go; chpids, pimpampom and
    dev_busid stay; mdev_supported_types/vfio_ccw-io appears with its files (no description),
    name "I/O subchannel (Non-QDIO)\\n", device_api "vfio-ccw\\n", available_instances "1\\n";
    parent/ (v6.3 and later) holds only an empty uevent; the class link appears.

    Source: drivers/s390/cio/vfio_ccw_drv.c (vfio_ccw_sch_probe), vfio_ccw_ops.c (vfio_ccw_mdev_driver), drivers/s390/cio/css.c (driver_override_store, css_bus_match), drivers/base/bus.c (drivers_probe_store); spec §2.3, §2.6, §3, §8.2.6; oracle part 1 "BIND SCH2 via driver_override + drivers_probe"."""
    s = io_sch(topo)
    keep_binding(fs, undo, s)
    p = sch(s.schid)
    chk.write(p + "/driver/unbind", s.schid + "\n", None, note="through the driver link")
    chk.write(p + "/driver_override", b"vfio_ccw\n", None)
    chk.write("/sys/bus/css/drivers_probe", s.schid + "\n", None)
    chk.driver(p, "vfio_ccw")
    chk.read(p + "/driver_override", b"vfio_ccw\n")
    chk.absent(f"{p}/{s.device.busid}")
    chk.absent(f"/sys/bus/ccw/devices/{s.device.busid}")
    chk.absent(p + "/vpm")
    chk.absent(p + "/logging")
    parent = kver.at_least("6.3")
    chk.dir(p, _busid(kver, ["chpids", "dev_busid", "driver", "driver_override", "mdev_supported_types",
                             "modalias", "pimpampom", "subsystem", "type", "uevent"])
            + (["parent"] if parent else []),
            optional=["power"], note="parent/ since v6.3")
    t = ccw_type(s.schid)
    chk.dir(p + "/mdev_supported_types", ["vfio_ccw-io"])
    chk.dir(t, ["create", "name", "device_api", "available_instances", "devices"])
    chk.absent(t + "/description")
    chk.read(t + "/name", b"I/O subchannel (Non-QDIO)\n")
    chk.read(t + "/device_api", b"vfio-ccw\n")
    chk.read(t + "/available_instances", b"1\n")
    chk.dir(t + "/devices", [])
    chk.mode(t + "/create", 0o200)
    if parent:
        chk.dir(p + "/parent", ["uevent"], optional=["power"])
        chk.read(p + "/parent/uevent", b"")
        chk.absent(p + "/parent/subsystem", note="parent/ is on no bus")
    chk.link(f"/sys/class/mdev_bus/{s.schid}", f"../../devices/css0/{s.schid}")


def test_driver_override_does_not_bind(fs, topo, chk, undo):
    """Writing driver_override never binds or unbinds by itself, and drivers_probe leaves a
    bound device alone (success, same driver).

    Source: drivers/s390/cio/css.c (driver_override_store), drivers/base/bus.c (drivers_probe_store -> device_attach on a bound device); spec §2.3, §0.3; oracle part 1 "BIND SCH2" (drivers_probe while bound)."""
    s = io_sch(topo)
    keep_binding(fs, undo, s)
    p = sch(s.schid)
    chk.write(p + "/driver_override", b"vfio_ccw\n", None)
    chk.driver(p, "io_subchannel")
    chk.write("/sys/bus/css/drivers_probe", s.schid + "\n", None)
    chk.driver(p, "io_subchannel", note="drivers_probe while bound")
    chk.exists(f"/sys/bus/ccw/devices/{s.device.busid}")


def test_driver_override_formats(fs, topo, chk, undo):
    """driver_override stores the value up to the first newline with no check that the driver
    exists, reads "<name>\\n" or "(null)\\n" when unset; a value starting with a newline clears
    it; a zero-length write never reaches the store; 4095 bytes or more is EINVAL.

    Source: drivers/base/driver.c (driver_set_override), drivers/s390/cio/css.c (driver_override_store/show), fs/kernfs/file.c; spec §2.3, §8.2.13, correction 1; oracle part 1 "UNBIND vfio_ccw from SCH2"."""
    s = io_sch(topo)
    keep_binding(fs, undo, s)
    o = sch(s.schid) + "/driver_override"
    chk.write(o, b"io_subchannel\n", None)
    chk.read(o, b"io_subchannel\n")
    chk.write(o, b"", None, note="printf ''")
    chk.read(o, b"io_subchannel\n", note="zero-length write changes nothing")
    chk.write(o, b"\n", None, note="echo ''")
    chk.read(o, b"(null)\n")
    chk.write(o, b"nosuchdriver", None, note="no newline, unknown driver")
    chk.read(o, b"nosuchdriver\n")
    chk.write(o, b"vfio_ccw\nxyz", None, note="cut at the first newline")
    chk.read(o, b"vfio_ccw\n")
    chk.write(o, b"a" * 4095, EINVAL, note="4095 bytes")
    chk.read(o, b"vfio_ccw\n", note="unchanged after EINVAL")
    chk.write(o, b"a" * 100 + b"\n", None)
    chk.read(o, b"a" * 100 + b"\n")
    chk.write(o, b"\n", None)
    chk.read(o, b"(null)\n")
    chk.driver(sch(s.schid), "io_subchannel", note="no write bound or unbound anything")


def test_override_blocks_other_drivers(fs, topo, chk, undo):
    """With driver_override set, only the driver of exactly that name matches: a manual bind to
    another driver is ENODEV (both ways round), while a bind to the named driver succeeds.

    Source: drivers/s390/cio/css.c (css_bus_match: driver_override compare), drivers/base/bus.c (bind_store -> driver_match_device); spec §2.3, §8.2.7; oracle part 1 "EXTRA css/mdev edge cases"."""
    s = io_sch(topo)
    keep_binding(fs, undo, s)
    p = sch(s.schid)
    d = "/sys/bus/css/drivers"
    unbind_sch(chk, s.schid)
    chk.write(p + "/driver_override", b"vfio_ccw\n", None)
    chk.write(f"{d}/io_subchannel/bind", s.schid + "\n", ENODEV, note="override is vfio_ccw")
    chk.driver(p, None)
    chk.write(p + "/driver_override", b"io_subchannel\n", None)
    chk.write(f"{d}/vfio_ccw/bind", s.schid + "\n", ENODEV, note="override is io_subchannel")
    chk.driver(p, None)
    chk.write(f"{d}/io_subchannel/bind", s.schid + "\n", None, note="the named driver")
    chk.driver(p, "io_subchannel")


@pytest.mark.parametrize("value", [b"none\n", b"nosuchdriver\n"], ids=["none", "nosuchdriver"])
def test_override_to_no_driver(fs, topo, chk, undo, value):
    """An override naming no loaded driver ("none", "nosuchdriver") pins the device to no
    driver: drivers_probe succeeds and the subchannel stays unbound; io_subchannel/bind is
    ENODEV.

    Source: drivers/s390/cio/css.c (css_bus_match), drivers/base/bus.c (drivers_probe_store ignores 'no driver matched'); spec §2.3, §8.2.12; oracle part 1 "EXTRA css/mdev edge cases"."""
    s = io_sch(topo)
    keep_binding(fs, undo, s)
    p = sch(s.schid)
    unbind_sch(chk, s.schid)
    chk.write(p + "/driver_override", value, None)
    chk.write("/sys/bus/css/drivers_probe", s.schid + "\n", None)
    chk.driver(p, None)
    chk.write("/sys/bus/css/drivers/io_subchannel/bind", s.schid + "\n", ENODEV)
    chk.driver(p, None)


def test_drivers_probe_rules(fs, topo, chk, undo):
    """drivers_probe of an unknown name is ENODEV; with no override an unbound I/O subchannel
    goes to the first registered matching driver, io_subchannel, even with vfio_ccw loaded, and
    its ccw device is registered again asynchronously.

    Source: drivers/base/bus.c (drivers_probe_store), drivers/base/dd.c (device_attach: bus drivers in registration order), drivers/s390/cio/device.c (io_subchannel_probe schedules recognition); spec §0.3, §2.4, correction 5, 13; oracle part 1 "EXTRA" (SCH3 after clearing override)."""
    s = io_sch(topo)
    keep_binding(fs, undo, s)
    p = sch(s.schid)
    chk.write("/sys/bus/css/drivers_probe", _missing_schid(fs) + "\n", ENODEV)
    unbind_sch(chk, s.schid)
    chk.write(p + "/driver_override", b"\n", None)
    chk.write("/sys/bus/css/drivers_probe", s.schid + "\n", None)
    chk.driver(p, "io_subchannel")
    chk.wait(lambda: fs.exists(f"/sys/bus/ccw/devices/{s.device.busid}"),
             f"ccw device {s.device.busid} registered again", f"/sys/bus/ccw/devices/{s.device.busid}")


@pytest.mark.exclusive
def test_drivers_autoprobe_is_read_write(fs, chk, undo):
    """drivers_autoprobe reads "1\\n"; writing 0 makes it read "0\\n", and 1 restores it.

    Source: drivers/base/bus.c (drivers_autoprobe_store/show); spec §0.2; oracle part 1 "EXTRA"."""
    a = "/sys/bus/css/drivers_autoprobe"
    undo.value(a)
    chk.read(a, b"1\n")
    chk.write(a, b"0\n", None)
    chk.read(a, b"0\n")
    chk.write(a, b"1\n", None)
    chk.read(a, b"1\n")


def test_vfio_ccw_single_instance(fs, topo, kver, chk, undo):
    """A vfio_ccw subchannel offers one instance: the first create succeeds (available_instances
    "0\\n"; the mdev is a direct child of the subchannel with no vendor files, uevent
    DRIVER=vfio_ccw_mdev, relative links), the second is EUSERS on v6.1 and later (the mdev core
    counts), EPERM before (vfio_ccw counted); remove gives it back.

    Source: drivers/s390/cio/vfio_ccw_ops.c (max_instances = 1; before v6.1 vfio_ccw_mdev_create -> -EPERM), drivers/vfio/mdev/mdev_core.c (mdev_device_create: -EUSERS); spec §3, §7, §8.2.8; oracle part 1 "MDEV CREATE on 0.0.0000" and "error cases"."""
    full = EUSERS if kver.at_least("6.1") else EPERM
    s = io_sch(topo)
    fresh_uuids(fs, U4, U5)
    to_vfio_ccw(chk, undo, s)
    t = ccw_type(s.schid)
    create_ccw_mdev(chk, undo, s, U4)
    m = f"{sch_dev(s.schid)}/{U4}"
    chk.read(t + "/available_instances", b"0\n")
    chk.isdir(m)
    chk.dir(m, ["driver", "iommu_group", "mdev_type", "remove", "subsystem", "uevent"]
            + (["vfio-dev"] if kver.at_least("6.1") else []), optional=["power"],
            note="vfio-dev/ since v6.1 (the vfio_device's struct device)")
    chk.read(m + "/uevent", b"DRIVER=vfio_ccw_mdev\n")
    chk.link(m + "/mdev_type", "../mdev_supported_types/vfio_ccw-io")
    chk.link(m + "/driver", "../../../../bus/mdev/drivers/vfio_ccw_mdev")
    chk.link(m + "/subsystem", "../../../../bus/mdev")
    chk.link(f"/sys/bus/mdev/devices/{U4}", f"../../../devices/css0/{s.schid}/{U4}")
    chk.link(f"{t}/devices/{U4}", f"../../../{U4}")
    chk.link(f"/sys/bus/mdev/drivers/vfio_ccw_mdev/{U4}", f"../../../../devices/css0/{s.schid}/{U4}")
    chk.write(t + "/create", U5 + "\n", full)
    chk.absent(f"/sys/bus/mdev/devices/{U5}")
    chk.write(t + "/create", U5.encode(), full, note="printf")
    chk.write(m + "/remove", b"1\n", None)
    chk.read(t + "/available_instances", b"1\n")
    chk.dir(t + "/devices", [])


def test_unbind_parent_removes_mdevs(fs, topo, kver, chk, undo):
    """Unbinding a subchannel from vfio_ccw while an (unopened) mdev exists removes the mdev,
    its bus link, mdev_supported_types, parent/ and the class link; the subchannel is left
    unbound with no ccw device until something binds it.

    Source: drivers/s390/cio/vfio_ccw_drv.c (vfio_ccw_sch_remove -> mdev_unregister_parent), drivers/vfio/mdev/mdev_core.c (mdev_unregister_parent removes every child); spec §1.1, §2.4, §3, §8.2.9; oracle part 1 "UNBIND vfio_ccw from SCH2 while mdev exists"."""
    s = io_sch(topo)
    fresh_uuids(fs, U4)
    to_vfio_ccw(chk, undo, s)
    create_ccw_mdev(chk, undo, s, U4)
    p = sch(s.schid)
    chk.write("/sys/bus/css/drivers/vfio_ccw/unbind", s.schid + "\n", None)
    chk.absent(f"{p}/{U4}")
    chk.absent(f"/sys/bus/mdev/devices/{U4}")
    chk.absent(p + "/mdev_supported_types")
    chk.absent(p + "/parent")
    chk.absent(f"/sys/class/mdev_bus/{s.schid}")
    chk.driver(p, None)
    chk.dir(p, _busid(kver, UNBOUND_FILES), optional=["power"])
    chk.absent(f"/sys/bus/ccw/devices/{s.device.busid}")


def test_clear_override_and_reprobe(fs, topo, chk, undo):
    """After vfio_ccw: writing "\\n" to driver_override reads "(null)\\n"; drivers_probe binds
    io_subchannel synchronously and the ccw device comes back asynchronously, offline unless its
    driver sets it online itself (DASD: "0\\n"; virtio_ccw: "1\\n").

    Source: drivers/s390/cio/css.c (driver_override_store), drivers/s390/cio/device.c (io_subchannel_probe, ccw_device_do_unbind_bind), drivers/s390/virtio/virtio_ccw.c (auto online); spec §2.4, §8.2.10, correction 13."""
    s = io_sch(topo)
    keep_binding(fs, undo, s)
    p = sch(s.schid)
    unbind_sch(chk, s.schid)
    chk.do(p + "/driver_override", b"vfio_ccw\n")
    chk.do("/sys/bus/css/drivers_probe", s.schid + "\n")
    chk.driver(p, "vfio_ccw", hard=True)
    chk.do(p + "/driver/unbind", s.schid + "\n")
    chk.write(p + "/driver_override", b"\n", None)
    chk.read(p + "/driver_override", b"(null)\n")
    chk.write("/sys/bus/css/drivers_probe", s.schid + "\n", None)
    chk.driver(p, "io_subchannel")
    dev = f"/sys/bus/ccw/devices/{s.device.busid}"
    chk.wait(lambda: fs.exists(dev), f"ccw device {s.device.busid} is back", dev)
    auto_online = s.device.driver == "virtio_ccw"
    chk.wait(lambda: fs.read(dev + "/online") in (b"0\n", b"1\n"), "online is readable", dev + "/online")
    if auto_online:   # the kernel registers the device offline and virtio_ccw sets it online
        chk.wait(lambda: fs.read(dev + "/online") == b"1\n",   # later (seen under QEMU)
                 "virtio_ccw sets the device online", dev + "/online")
    chk.read(dev + "/online", b"1\n" if auto_online else b"0\n",
             note="virtio_ccw sets its devices online; other drivers do not")
    chk.exists(p + "/vpm")
    chk.exists(p + "/logging")


def test_qdio_subchannel_rejected_by_vfio_ccw(fs, topo, chk, undo):
    """vfio_ccw's probe rejects QDIO subchannels: bind gives ENODEV and the subchannel stays
    unbound.

    Source: drivers/s390/cio/vfio_ccw_drv.c (vfio_ccw_sch_probe: if (schib.pmcw.qf) return -ENODEV); spec §2.4, §3, §8.2.11."""
    q = qdio_sch(topo)
    keep_binding(fs, undo, q)
    unbind_sch(chk, q.schid)
    chk.write("/sys/bus/css/drivers/vfio_ccw/bind", q.schid + "\n", ENODEV)
    chk.driver(sch(q.schid), None)
    chk.absent(sch(q.schid) + "/mdev_supported_types")


def test_channel_paths(fs, topo, chk):
    """Each channel path chp0.<xx> has status (0644, "online\\n"; "foo" is EINVAL, blank input
    is a successful no-op), configure (0644), type ("%x\\n"), cmg and shared (0444), an empty
    uevent (0644) and no subsystem link.

    Source: drivers/s390/cio/chp.c (chp_status_show/write, chp_type_show, chp_configure_*, chp_cmg_show, chp_shared_show); spec §2.7, correction 14; oracle part 1 "DIR chp0.00"."""
    need(topo.chpids, "needs channel paths in the topology")
    for c in topo.chpids:
        p = f"/sys/devices/css0/{c.name}"
        chk.dir(p, ["status", "type", "configure", "cmg", "shared", "uevent"], exact=False)
        chk.mode(p + "/status", 0o644)
        chk.mode(p + "/configure", 0o644)
        chk.mode(p + "/type", 0o444)
        chk.mode(p + "/cmg", 0o444)
        chk.mode(p + "/shared", 0o444)
        chk.read(p + "/type", f"{int(c.type, 16):x}\n".encode())
        chk.read(p + "/status", b"online\n")
        chk.read(p + "/uevent", b"")
        chk.absent(p + "/subsystem")


def test_channel_path_status_writes(fs, topo, chk, undo):
    """chp status rejects anything but on/off/1/0 with EINVAL, blank input ("\n") included:
    the kernel's sscanf("%5s") still converts it (to an empty string, num_args 1), so the
    "no arguments" early return never applies to a store; the status is unchanged after each.

    Source: drivers/s390/cio/chp.c (chp_status_write: sscanf %5s, strncasecmp on/off), lib/vsprintf.c (vsscanf: %s counts an empty conversion); spec §2.7; oracle part 1 "css0 level" ("foo"); Linux 6.12.117 under QEMU (--target qemu): "\n" -> EINVAL."""
    need(topo.chpids, "needs channel paths in the topology")
    p = f"/sys/devices/css0/{topo.chpids[0].name}/status"
    chk.write(p, b"foo\n", EINVAL)
    chk.write(p, b"2\n", EINVAL)
    chk.write(p, b"\n", EINVAL, note="blank input")
    chk.read(p, b"online\n")


def test_sysfs_io_rules(fs, topo, chk, undo):
    """sysfs I/O: a show read in 1-byte pieces gives the same bytes as one read; a store
    ignores the file offset (pwrite at offset 100 stores the whole value); opening for writing
    does not truncate or store anything by itself.

    Source: fs/kernfs/file.c (kernfs_seq_show / seq_file reads, kernfs_fop_write_iter), fs/sysfs/file.c (sysfs_kf_write ignores pos); spec §0.1."""
    s = io_sch(topo)
    keep_binding(fs, undo, s)
    p = sch(s.schid)
    for f in ("chpids", "pimpampom", "uevent", "driver_override"):
        whole = fs.read(f"{p}/{f}")
        got = fs.read_chunks(f"{p}/{f}", 1)
        chk.true(got == whole and isinstance(got, bytes), f"{f} read 1 byte at a time",
                 repr(whole), repr(got), path=f"{p}/{f}")
    r = fs.pwrite(p + "/driver_override", b"vfio_ccw\n", 100)
    chk.true(r is None, "pwrite at offset 100 is one whole store", "success", str(r),
             path=p + "/driver_override")
    chk.read(p + "/driver_override", b"vfio_ccw\n")
    r = fs.open_close(p + "/driver_override")
    chk.true(r is None, "open(O_WRONLY|O_TRUNC) and close without writing", "success", str(r),
             path=p + "/driver_override")
    chk.read(p + "/driver_override", b"vfio_ccw\n", note="O_TRUNC stores nothing")
    chk.write(p + "/driver_override", b"\n", None)
    chk.read(p + "/driver_override", b"(null)\n")


@pytest.mark.exclusive
def test_channel_path_vary_off_and_on(fs, topo, chk, undo):
    """Writing off/on (any case) or 0/1 to a channel path's status varies it logically and
    status reads "offline\\n" / "online\\n" afterwards.

    Source: drivers/s390/cio/chp.c (chp_status_write -> s390_vary_chpid, chp_status_show); spec §2.7."""
    need(topo.chpids, "needs channel paths in the topology")
    p = f"/sys/devices/css0/{topo.chpids[-1].name}/status"
    undo.push(f"status of {p}", lambda: None if fs.read(p) == b"online\n" else
              (None if fs.write(p, b"on\n") is None else "could not vary the path on"))
    chk.write(p, b"off\n", None)
    chk.read(p, b"offline\n")
    chk.write(p, b"ON\n", None, note="case-insensitive")
    chk.read(p, b"online\n")
    chk.write(p, b"0\n", None)
    chk.read(p, b"offline\n")
    chk.write(p, b"1\n", None)
    chk.read(p, b"online\n")
