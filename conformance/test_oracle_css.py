"""Replay of the part-1 real-kernel transcript (shared/oracle/css-vfio_ccw-mdev.txt).

Linux 6.12.117 under QEMU: subchannels 0.0.0000-0.0.0002 with virtio ccw devices
0.0.0001-0.0.0003 (3832/02, 3832/01, 3832/04), chp0.00 of type 0x32, no AP bus.  Each
scenario is one section of the transcript, in order, starting from the state the previous
one left (so they run only as a module, on a fresh target: simfs with
fixtures/oracle-css.json, or a tree made from it).  Every WRITE/READ/DIR line of a section is
a check; the transcript's `[...]` values lose trailing newlines, so the exact bytes follow the
spec (kernel source).  Steps that are not sysfs operations are done the way the target allows:
INSMOD/RMMOD through the module control (``simfs ctl MNT insmod|rmmod``); the K| kernel log
lines, /dev/vfio listings, lsmod and modules.dep are not observable through sysfs and are not
replayed.  The ccw device that io_subchannel re-recognises asynchronously is polled for.
"""

import pytest

from .checks import EACCES, EBUSY, EEXIST, EINVAL, ENODEV, ENOENT, EOPNOTSUPP, EUSERS
from .helpers import MIXED, U1, U2
from .sysfs import open_err, read_err
from .topology import need

AREA = "oracle replay, part 1 (css / vfio_ccw / mdev)"
TOPOLOGY = "oracle-css.json"

SCH = ["0.0.0000", "0.0.0001", "0.0.0002"]
DEV = ["0.0.0001", "0.0.0002", "0.0.0003"]
CU = ["3832/02", "3832/01", "3832/04"]
CSS = "/sys/bus/css"
T1 = f"{CSS}/devices/0.0.0000/mdev_supported_types/vfio_ccw-io"
SUB_BOUND = ["chpids", "dev_busid", "driver", "driver_override", "logging", "modalias",
             "pimpampom", "subsystem", "type", "uevent", "vpm"]
SUB_UNBOUND = ["chpids", "dev_busid", "driver_override", "modalias", "pimpampom", "subsystem",
               "type", "uevent"]
SUB_VFIO = ["chpids", "dev_busid", "driver", "driver_override", "mdev_supported_types",
            "modalias", "parent", "pimpampom", "subsystem", "type", "uevent"]
OPT = ["power"]


# A transcript of 6.12.117 is ground truth for that kernel; other versions differ (EPERM
# before 6.1, no parent/ before 6.3, no ap_config before ~6.9 ...), see the area modules.
pytestmark = pytest.mark.kernel(min="6.12", why="replays a Linux 6.12.117 transcript")


@pytest.fixture(autouse=True)
def _replay_target(env):
    need(env.kind != "host", "the replay needs the oracle machine (simfs with oracle-css.json "
                             "or a tree made from it); run the area modules on hosts")


def _mod(env, chk, verb, name):
    """INSMOD/RMMOD of the transcript, through the target's module control."""
    need(env.modules is not None and env.modules.available,
         f"{verb} {name}: this target cannot load modules (simfs ctl)")
    err = env.modules.run(verb, name)
    chk.true(err is None, f"{verb} {name}", "rc=0", f"failed: {err}", path=f"<module {name}>")


def _drv_files(chk, d, module=None, devices=()):
    req = ["bind", "uevent", "unbind"] + list(devices) + (["module"] if module else [])
    chk.dir(d, req)
    for f in ("bind", "uevent", "unbind"):
        chk.mode(f"{d}/{f}", 0o200)
        chk.read(f"{d}/{f}", open_err(EACCES))
    if module:
        chk.link(d + "/module", f"../../../../module/{module}")


def _sub_uevent(drv):
    return (f"DRIVER={drv}\n" if drv else "").encode() + b"ST=0\nMODALIAS=css:t0\n"


def _ccw_uevent(i):
    model = CU[i].split("/")[1]
    return (f"DRIVER=virtio_ccw\nCU_TYPE=3832\nCU_MODEL={model}\nDEV_TYPE=0000\nDEV_MODEL=00\n"
            f"MODALIAS=ccw:t3832m{model}dtdm\n").encode()


def _bus_files(chk, bus):
    chk.dir(bus, ["devices", "drivers", "drivers_autoprobe", "drivers_probe", "uevent"])
    chk.mode(bus + "/drivers_autoprobe", 0o644)
    chk.mode(bus + "/drivers_probe", 0o200)
    chk.mode(bus + "/uevent", 0o200)
    chk.read(bus + "/drivers_autoprobe", b"1\n")
    chk.read(bus + "/drivers_probe", open_err(EACCES))
    chk.read(bus + "/uevent", open_err(EACCES))


def test_p1_css_bus_before_vfio(fs, chk):
    """Section "CSS BUS (before vfio modules)": the css bus files and modes, the three
    subchannel links, and io_subchannel (built in: bind, unbind, uevent, device links, no module
    link) as the only css driver.

    Source: drivers/base/bus.c, drivers/s390/cio/css.c; oracle part 1 "CSS BUS (before vfio modules)"; spec §0.2, corrections 3, 9."""
    _bus_files(chk, CSS)
    chk.dir(CSS + "/devices", SCH)
    for s in SCH:
        chk.link(f"{CSS}/devices/{s}", f"../../../devices/css0/{s}")
    chk.dir(CSS + "/drivers", ["io_subchannel"])
    _drv_files(chk, CSS + "/drivers/io_subchannel", devices=SCH)
    for s in SCH:
        chk.link(f"{CSS}/drivers/io_subchannel/{s}", f"../../../../devices/css0/{s}")


def test_p1_css0_root(fs, chk):
    """Section "DIR /sys/devices/css0": the subchannels, chp0.00, defunct (uevent only), pools
    (two lines), real_cssid failing EINVAL at read under QEMU, write-only rescan, empty uevent.

    Source: drivers/s390/cio/css.c (css root attributes, defunct); oracle part 1 "DIR /sys/devices/css0"; spec §2.1, correction 11."""
    c = "/sys/devices/css0"
    chk.dir(c, SCH + ["chp0.00", "defunct", "pools", "real_cssid", "rescan", "uevent"])
    chk.read(c + "/pools", b"poolinfo - 0.1\nairq_iv_cache       1   16  256  1\n")
    chk.read(c + "/real_cssid", read_err(EINVAL))
    chk.read(c + "/rescan", open_err(EACCES))
    chk.read(c + "/uevent", b"")
    chk.mode(c + "/pools", 0o444)
    chk.mode(c + "/real_cssid", 0o444)
    chk.mode(c + "/rescan", 0o200)
    chk.mode(c + "/uevent", 0o644)
    chk.dir(c + "/defunct", ["uevent"], OPT)
    chk.read(c + "/defunct/uevent", b"")


def test_p1_subchannels_at_boot(fs, chk):
    """Sections "DIR /sys/devices/css0/0.0.000N": each subchannel bound to io_subchannel with
    chpids "00 00 00 00 00 00 00 00 \n", dev_busid, driver_override "(null)\n", write-only
    logging, modalias "css:t0\n", pimpampom "80 80 ff\n", type "0\n", the uevent
    DRIVER/ST/MODALIAS and vpm "80\n", with their modes.

    Source: drivers/s390/cio/css.c, device.c; oracle part 1 "DIR /sys/devices/css0/0.0.0000" to "0.0.0002"; spec §2.2."""
    c = "/sys/devices/css0"
    for i, s in enumerate(SCH):
        p = f"{c}/{s}"
        chk.dir(p, SUB_BOUND + [DEV[i]], OPT)
        chk.read(p + "/chpids", b"00 00 00 00 00 00 00 00 \n")
        chk.read(p + "/dev_busid", f"{DEV[i]}\n".encode())
        chk.link(p + "/driver", "../../../bus/css/drivers/io_subchannel")
        chk.read(p + "/driver_override", b"(null)\n")
        chk.read(p + "/logging", open_err(EACCES))
        chk.read(p + "/modalias", b"css:t0\n")
        chk.read(p + "/pimpampom", b"80 80 ff\n")
        chk.link(p + "/subsystem", "../../../bus/css")
        chk.read(p + "/type", b"0\n")
        chk.read(p + "/uevent", _sub_uevent("io_subchannel"))
        chk.read(p + "/vpm", b"80\n")
        for f in ("chpids", "dev_busid", "modalias", "pimpampom", "type", "vpm"):
            chk.mode(f"{p}/{f}", 0o444)
        chk.mode(p + "/driver_override", 0o644)
        chk.mode(p + "/uevent", 0o644)
        chk.mode(p + "/logging", 0o200)


def test_p1_chp0_00(fs, chk):
    """Section "DIR /sys/devices/css0/chp0.00": QEMU's channel path has the eleven files with
    their modes; cmg and shared show "unknown\n", configure failing EOPNOTSUPP at
    read, esc and speed_bps "0\n", status "online\n", type "32\n", an empty uevent and a 64-byte
    binary util_string without text.

    Source: drivers/s390/cio/chp.c (chp_chid_show/chp_chid_external_show return 0 unless desc_fmt1.flags & 0x10, chp_cmg_show, chp_shared_show, chp_configure_show, chp_esc_show, util_string_read); oracle part 1 "DIR /sys/devices/css0/chp0.00"; spec §2.7, correction 14."""
    h = "/sys/devices/css0/chp0.00"
    chk.dir(h, ["chid", "chid_external", "cmg", "configure", "esc", "shared", "speed_bps",
                "status", "type", "uevent", "util_string"], OPT)
    for f in ("chid", "chid_external", "cmg", "esc", "shared", "speed_bps", "type", "util_string"):
        chk.mode(f"{h}/{f}", 0o444)
    for f in ("configure", "status", "uevent"):
        chk.mode(f"{h}/{f}", 0o644)
    chk.read(h + "/cmg", b"unknown\n")
    chk.read(h + "/configure", read_err(EOPNOTSUPP))
    chk.read(h + "/esc", b"0\n")
    chk.read(h + "/shared", b"unknown\n")
    chk.read(h + "/speed_bps", b"0\n")
    chk.read(h + "/status", b"online\n")
    chk.read(h + "/type", b"32\n")
    chk.read(h + "/uevent", b"")
    u = fs.read(h + "/util_string")
    chk.true(isinstance(u, bytes) and u.strip(b"\0") == b"", "util_string reads no text",
             "0 bytes or NULs", repr(u), path=h + "/util_string")
    chk.true(fs.size(h + "/util_string") == 64, "util_string is a 64-byte binary attribute",
             "size 64", str(fs.size(h + "/util_string")), path=h + "/util_string")


def test_p1_chp_chid_empty_without_valid_chid(fs, chk):
    """Section "DIR /sys/devices/css0/chp0.00": without a valid CHID (QEMU), chid and
    chid_external show nothing at all: 0 bytes, not a newline.

    Source: drivers/s390/cio/chp.c (chp_chid_show, chp_chid_external_show: rc = 0 unless desc_fmt1.flags & 0x10); oracle part 1 "chid = []"; spec correction 14."""
    h = "/sys/devices/css0/chp0.00"
    chk.read(h + "/chid", b"")
    chk.read(h + "/chid_external", b"")


def test_p1_ccw_devices_at_boot(fs, chk):
    """Sections "DIR .../0.0.000N/0.0.000M": the virtio ccw devices show availability good,
    cmb_enable 0, cutype 3832/0M, devtype n/a, online 1, modalias ccw:t3832m0Mdtdm, the uevent
    DRIVER/CU_TYPE/CU_MODEL/DEV_TYPE/DEV_MODEL/MODALIAS, relative driver and subsystem links.

    Source: drivers/s390/cio/device.c, cmf.c; oracle part 1 "DIR /sys/devices/css0/0.0.0000/0.0.0001" etc.; spec §2.5, corrections 9, 12."""
    for i, s in enumerate(SCH):
        p = f"/sys/devices/css0/{s}/{DEV[i]}"
        chk.dir(p, ["availability", "cmb_enable", "cutype", "devtype", "driver", "modalias",
                    "online", "subsystem", "uevent"], exact=False)
        chk.read(p + "/availability", b"good\n")
        chk.read(p + "/cmb_enable", b"0\n")
        chk.read(p + "/cutype", f"{CU[i]}\n".encode())
        chk.read(p + "/devtype", b"n/a\n")
        chk.link(p + "/driver", "../../../../bus/ccw/drivers/virtio_ccw")
        chk.read(p + "/modalias", f"ccw:t3832m{CU[i][-2:]}dtdm\n".encode())
        chk.read(p + "/online", b"1\n")
        chk.link(p + "/subsystem", "../../../../bus/ccw")
        chk.read(p + "/uevent", _ccw_uevent(i))
        for f in ("availability", "cutype", "devtype", "modalias"):
            chk.mode(f"{p}/{f}", 0o444)
        for f in ("cmb_enable", "online", "uevent"):
            chk.mode(f"{p}/{f}", 0o644)


def test_p1_virtio_children(fs, chk):
    """Sections "DIR .../0.0.000N/0.0.000M": each virtio ccw device has a virtioN child
    device (virtio0, virtio1, virtio2 in probe order) and nothing else beyond its attributes.

    Source: drivers/s390/virtio/virtio_ccw.c (register_virtio_device), drivers/virtio/virtio.c (dev_set_name "virtio%u"); oracle part 1 "find /sys/devices/css0 -maxdepth 3"."""
    for i, s in enumerate(SCH):
        p = f"/sys/devices/css0/{s}/{DEV[i]}"
        chk.dir(p, ["availability", "cmb_enable", "cutype", "devtype", "driver", "modalias",
                    "online", "subsystem", "uevent", f"virtio{i}"], OPT)
        chk.isdir(f"{p}/virtio{i}")


def test_p1_ccw_bus_and_virtio_ccw(fs, chk):
    """Section "CCW BUS": the ccw bus files, the three device links, and the virtio_ccw driver
    (built in: bind, uevent, unbind and the three device links, no module link).

    Source: drivers/base/bus.c, drivers/s390/block/dasd_eckd.c, dasd_fba.c, drivers/s390/virtio/virtio_ccw.c; oracle part 1 "CCW BUS"; spec §2.1, correction 3."""
    _bus_files(chk, "/sys/bus/ccw")
    chk.dir("/sys/bus/ccw/devices", DEV)
    for i, s in enumerate(SCH):
        chk.link(f"/sys/bus/ccw/devices/{DEV[i]}", f"../../../devices/css0/{s}/{DEV[i]}")
    _drv_files(chk, "/sys/bus/ccw/drivers/virtio_ccw", devices=DEV)
    for i, s in enumerate(SCH):
        chk.link(f"/sys/bus/ccw/drivers/virtio_ccw/{DEV[i]}",
                 f"../../../../devices/css0/{s}/{DEV[i]}")


def test_p1_builtin_dasd_drivers(fs, chk):
    """Section "CCW BUS": the kernel's built-in DASD drivers dasd-eckd and dasd-fba are
    registered on the ccw bus even with no DASD present (bind, uevent, unbind; no devices, no
    module link).

    Source: drivers/s390/block/dasd_eckd.c, dasd_fba.c (ccw_driver_register at init), drivers/base/bus.c; oracle part 1 "CCW BUS" (the transcript kernel builds them in); spec §2.1, correction 3."""
    chk.dir("/sys/bus/ccw/drivers", ["dasd-eckd", "dasd-fba", "virtio_ccw"])
    _drv_files(chk, "/sys/bus/ccw/drivers/dasd-eckd")
    _drv_files(chk, "/sys/bus/ccw/drivers/dasd-fba")


def test_p1_load_vfio_ccw(env, fs, chk):
    """Section "MODULES": after loading vfio, vfio_iommu_type1, mdev and vfio_ccw, the css bus
    has a vfio_ccw driver with a module link, the mdev bus exists with vfio_ccw_mdev, and
    /sys/class/mdev_bus exists, empty; vfio_ccw has no parameters directory.

    Source: drivers/s390/cio/vfio_ccw_drv.c (vfio_ccw_sch_init), drivers/vfio/mdev/mdev_core.c (mdev_init registers the class); oracle part 1 "MODULES"; spec §1.1, corrections 3, 6."""
    for m in ("vfio", "vfio_iommu_type1", "mdev", "vfio_ccw"):
        _mod(env, chk, "insmod", m)
    chk.absent("/sys/module/vfio_ccw/parameters")
    chk.dir(CSS + "/drivers", ["io_subchannel", "vfio_ccw"])
    _drv_files(chk, CSS + "/drivers/vfio_ccw", module="vfio_ccw")
    _bus_files(chk, "/sys/bus/mdev")
    chk.dir("/sys/bus/mdev/drivers", ["vfio_ccw_mdev"])
    _drv_files(chk, "/sys/bus/mdev/drivers/vfio_ccw_mdev", module="vfio_ccw")
    chk.dir("/sys/class/mdev_bus", [])


def test_p1_bind_sch1_unbind_bind(fs, chk):
    """Section "BIND SCH1=0.0.0000 via unbind/bind": EBUSY to bind a bound device, ENODEV to
    unbind from the wrong driver, the unbound layout (no driver, vpm, logging or ccw device), a
    synchronous vfio_ccw bind with mdev_supported_types/vfio_ccw-io, parent/ and the class link,
    EBUSY again for either driver, ENODEV for unknown names.

    Source: drivers/base/bus.c (bind_store, unbind_store), drivers/s390/cio/vfio_ccw_drv.c; oracle part 1 "BIND SCH1"; spec §0.3, §2.4, §3, correction 4."""
    s, p, d = "0.0.0000", f"{CSS}/devices/0.0.0000", CSS + "/drivers"
    chk.read(p + "/driver_override", b"(null)\n")
    chk.link(p + "/driver", "../../../bus/css/drivers/io_subchannel")
    chk.write(d + "/vfio_ccw/bind", s + "\n", EBUSY)
    chk.write(d + "/vfio_ccw/unbind", s + "\n", ENODEV)
    chk.write(d + "/io_subchannel/unbind", s + "\n", None)
    chk.driver(p, None)
    chk.dir(p, SUB_UNBOUND, OPT)
    chk.dir("/sys/bus/ccw/devices", ["0.0.0002", "0.0.0003"])
    chk.write(d + "/io_subchannel/unbind", s + "\n", ENODEV)
    chk.write(d + "/vfio_ccw/bind", s + "\n", None)
    chk.write(d + "/vfio_ccw/bind", s + "\n", EBUSY)
    chk.write(d + "/io_subchannel/bind", s + "\n", EBUSY)
    chk.write(d + "/vfio_ccw/bind", b"0.0.ffff\n", ENODEV)
    chk.write(d + "/vfio_ccw/bind", b"bogus\n", ENODEV)
    chk.link(p + "/driver", "../../../bus/css/drivers/vfio_ccw")
    chk.dir(p, SUB_VFIO, OPT)
    chk.read(p + "/chpids", b"00 00 00 00 00 00 00 00 \n")
    chk.read(p + "/dev_busid", b"0.0.0001\n")
    chk.read(p + "/driver_override", b"(null)\n")
    chk.read(p + "/modalias", b"css:t0\n")
    chk.read(p + "/pimpampom", b"80 80 ff\n")
    chk.read(p + "/type", b"0\n")
    chk.read(p + "/uevent", _sub_uevent("vfio_ccw"))
    chk.dir(p + "/mdev_supported_types", ["vfio_ccw-io"])
    chk.dir(T1, ["available_instances", "create", "device_api", "devices", "name"])
    chk.mode(T1 + "/create", 0o200)
    for f in ("available_instances", "device_api", "name"):
        chk.mode(f"{T1}/{f}", 0o444)
    chk.read(T1 + "/available_instances", b"1\n")
    chk.read(T1 + "/create", open_err(EACCES))
    chk.read(T1 + "/device_api", b"vfio-ccw\n")
    chk.read(T1 + "/name", b"I/O subchannel (Non-QDIO)\n")
    chk.dir(T1 + "/devices", [])
    chk.dir("/sys/class/mdev_bus", ["0.0.0000"])
    chk.link("/sys/class/mdev_bus/0.0.0000", "../../devices/css0/0.0.0000")
    _drv_files(chk, d + "/vfio_ccw", module="vfio_ccw", devices=[s])
    chk.link(d + "/vfio_ccw/0.0.0000", "../../../../devices/css0/0.0.0000")


def test_p1_mdev_create(fs, chk):
    """Section "MDEV CREATE on 0.0.0000": create succeeds and before write returns the mdev has
    driver, iommu_group (group 0), mdev_type, remove, subsystem, uevent DRIVER=vfio_ccw_mdev and
    vfio-dev/vfio0 (device, subsystem, empty uevent); the bus, driver, group and class links
    exist; available_instances is 0; there is no power/.

    Source: drivers/vfio/mdev/mdev_core.c, mdev_sysfs.c, drivers/vfio/group.c, vfio_main.c; oracle part 1 "MDEV CREATE on 0.0.0000"; spec §1.3, corrections 7-9."""
    chk.write(T1 + "/create", U1 + "\n", None)
    chk.read(T1 + "/available_instances", b"0\n")
    chk.dir(T1 + "/devices", [U1])
    chk.link(f"{T1}/devices/{U1}", f"../../../{U1}")
    chk.dir("/sys/bus/mdev/devices", [U1])
    chk.link(f"/sys/bus/mdev/devices/{U1}", f"../../../devices/css0/0.0.0000/{U1}")
    m = f"/sys/bus/mdev/devices/{U1}"
    chk.dir(m, ["driver", "iommu_group", "mdev_type", "remove", "subsystem", "uevent", "vfio-dev"])
    chk.link(m + "/driver", "../../../../bus/mdev/drivers/vfio_ccw_mdev")
    chk.link(m + "/iommu_group", "../../../../kernel/iommu_groups/0")
    chk.link(m + "/mdev_type", "../mdev_supported_types/vfio_ccw-io")
    chk.read(m + "/remove", open_err(EACCES))
    chk.mode(m + "/remove", 0o200)
    chk.link(m + "/subsystem", "../../../../bus/mdev")
    chk.read(m + "/uevent", b"DRIVER=vfio_ccw_mdev\n")
    chk.mode(m + "/uevent", 0o644)
    chk.true(fs.resolve(m) == f"/sys/devices/css0/0.0.0000/{U1}", "realpath of the bus link",
             f"/sys/devices/css0/0.0.0000/{U1}", str(fs.resolve(m)), path=m)
    v = m + "/vfio-dev/vfio0"
    chk.dir(m + "/vfio-dev", ["vfio0"])
    chk.dir(v, ["device", "subsystem", "uevent"])
    chk.link(v + "/device", f"../../../{U1}")
    chk.link(v + "/subsystem", "../../../../../../class/vfio-dev")
    chk.read(v + "/uevent", b"")
    chk.mode(v + "/uevent", 0o644)
    chk.absent(m + "/power")
    md = "/sys/bus/mdev/drivers/vfio_ccw_mdev"
    _drv_files(chk, md, module="vfio_ccw", devices=[U1])
    chk.link(f"{md}/{U1}", f"../../../../devices/css0/0.0.0000/{U1}")
    chk.dir("/sys/kernel/iommu_groups", ["0"])
    chk.link(f"/sys/kernel/iommu_groups/0/devices/{U1}", f"../../../../devices/css0/0.0.0000/{U1}")
    chk.dir("/sys/class/vfio", ["0"])
    chk.link("/sys/class/vfio/0", "../../devices/virtual/vfio/0")
    chk.dir("/sys/class/vfio-dev", ["vfio0"])
    chk.link("/sys/class/vfio-dev/vfio0", f"../../devices/css0/0.0.0000/{U1}/vfio-dev/vfio0")
    chk.dir(f"{CSS}/devices/0.0.0000", SUB_VFIO + [U1], OPT)


def test_p1_mdev_create_errors(fs, chk):
    """Section "MDEV CREATE error cases on 0.0.0000": EEXIST for the existing UUID (echo and
    printf), EUSERS for a second UUID on the full parent, EINVAL for every malformed UUID, EACCES
    at open for reading create and writing name or available_instances.

    Source: drivers/vfio/mdev/mdev_sysfs.c (create_store), mdev_core.c, fs/kernfs/file.c; oracle part 1 "MDEV CREATE error cases"; spec §1.3, §0.1."""
    c = T1 + "/create"
    chk.write(c, U1 + "\n", EEXIST)
    chk.write(c, U1.encode(), EEXIST, note="printf (the transcript shows rc=1 only)")
    chk.write(c, U2 + "\n", EUSERS)
    chk.write(c, U2.encode(), EUSERS, note="printf (the transcript shows rc=1 only)")
    for bad in ("not-a-uuid", U1[:-1], U1 + "5", U1.replace("-", ""), "{" + U1 + "}",
                U1[:-1] + "g", "", U2 + " ", " " + U2):
        chk.write(c, bad + "\n", EINVAL)
    chk.read(c, open_err(EACCES))
    chk.read(T1 + "/name", b"I/O subchannel (Non-QDIO)\n")
    chk.write(T1 + "/name", b"foo\n", open_err(EACCES))
    chk.write(T1 + "/available_instances", b"5\n", open_err(EACCES))


def test_p1_mdev_remove(fs, chk):
    """Section "MDEV REMOVE on 0.0.0000": remove is write-only; 0 keeps the mdev; abc is
    EINVAL; 2 removes it; afterwards the path is gone (ENOENT at open); the counter is back to 1
    and devices/ is empty.

    Source: drivers/vfio/mdev/mdev_sysfs.c (remove_store); oracle part 1 "MDEV REMOVE"; spec §1.4."""
    r = f"/sys/bus/mdev/devices/{U1}/remove"
    chk.read(r, open_err(EACCES))
    chk.write(r, b"0\n", None)
    chk.dir("/sys/bus/mdev/devices", [U1])
    chk.write(r, b"abc\n", EINVAL)
    chk.write(r, b"2\n", None)
    chk.write(r, b"1\n", open_err(ENOENT))
    chk.dir("/sys/bus/mdev/devices", [])
    chk.write(r, b"1\n", open_err(ENOENT))
    chk.read(T1 + "/available_instances", b"1\n")
    chk.dir(T1 + "/devices", [])
    chk.dir("/sys/kernel/iommu_groups", [], note="group 0 removed")


def test_p1_mdev_uppercase_printf(fs, chk):
    """Section "MDEV uppercase uuid, printf without newline": a 36-byte mixed-case UUID creates
    the lower-case mdev (group 0 again), and remove 1 through its lower-case path works.

    Source: drivers/vfio/mdev/mdev_sysfs.c (create_store), lib/uuid.c; oracle part 1 "MDEV uppercase uuid"; spec §1.3, correction 8."""
    low = MIXED.lower()
    chk.write(T1 + "/create", MIXED.encode(), None)
    chk.dir("/sys/bus/mdev/devices", [low])
    chk.link(f"/sys/bus/mdev/devices/{low}", f"../../../devices/css0/0.0.0000/{low}")
    chk.link(f"/sys/bus/mdev/devices/{low}/iommu_group", "../../../../kernel/iommu_groups/0")
    chk.read(T1 + "/available_instances", b"0\n")
    chk.write(f"/sys/bus/mdev/devices/{low}/remove", b"1\n", None)
    chk.dir("/sys/bus/mdev/devices", [])


def test_p1_bind_sch2_override_probe(fs, chk):
    """Section "BIND SCH2=0.0.0001 via driver_override + drivers_probe": the override alone
    changes nothing, drivers_probe of a bound device leaves it; after unbind, drivers_probe binds
    vfio_ccw; UUIDs are global across parents (EEXIST), a second parent takes another UUID; group
    numbers are 0 and 1.

    Source: drivers/s390/cio/css.c (driver_override, css_bus_match), drivers/base/bus.c (drivers_probe_store), mdev_core.c; oracle part 1 "BIND SCH2"; spec §2.3, §1.3."""
    s, p = "0.0.0001", f"{CSS}/devices/0.0.0001"
    chk.read(p + "/driver_override", b"(null)\n")
    chk.write(p + "/driver_override", b"vfio_ccw\n", None)
    chk.read(p + "/driver_override", b"vfio_ccw\n")
    chk.write(CSS + "/drivers_probe", s + "\n", None)
    chk.link(p + "/driver", "../../../bus/css/drivers/io_subchannel")
    chk.write(CSS + "/drivers/io_subchannel/unbind", s + "\n", None)
    chk.write(CSS + "/drivers_probe", s + "\n", None)
    chk.link(p + "/driver", "../../../bus/css/drivers/vfio_ccw")
    t2 = p + "/mdev_supported_types/vfio_ccw-io"
    chk.write(t2 + "/create", U1 + "\n", None)
    chk.write(T1 + "/create", U1 + "\n", EEXIST)
    chk.write(T1 + "/create", U2 + "\n", None)
    chk.dir("/sys/bus/mdev/devices", [U1, U2])
    chk.link(f"/sys/bus/mdev/devices/{U1}", f"../../../devices/css0/0.0.0001/{U1}")
    chk.link(f"/sys/bus/mdev/devices/{U2}", f"../../../devices/css0/0.0.0000/{U2}")
    chk.link(f"/sys/bus/mdev/devices/{U1}/iommu_group", "../../../../kernel/iommu_groups/0")
    chk.link(f"/sys/bus/mdev/devices/{U2}/iommu_group", "../../../../kernel/iommu_groups/1")
    chk.dir("/sys/class/mdev_bus", ["0.0.0000", "0.0.0001"])
    chk.link("/sys/class/mdev_bus/0.0.0001", "../../devices/css0/0.0.0001")
    _drv_files(chk, CSS + "/drivers/vfio_ccw", module="vfio_ccw", devices=["0.0.0000", "0.0.0001"])
    chk.link(CSS + "/drivers/vfio_ccw/0.0.0001", "../../../../devices/css0/0.0.0001")


def test_p1_unbind_sch2_with_mdev(fs, chk):
    """Section "UNBIND vfio_ccw from SCH2 while mdev exists": unbind removes U1 and leaves the
    subchannel without a driver; driver_override: echo '' clears it, a zero-length printf changes
    nothing; io_subchannel/bind binds, and the ccw device 0.0.0002 returns asynchronously, online
    (virtio_ccw sets it online).

    Source: drivers/s390/cio/vfio_ccw_drv.c (vfio_ccw_sch_remove), css.c (driver_override_store), device.c (io_subchannel_probe); oracle part 1 "UNBIND vfio_ccw from SCH2"; spec corrections 1, 13."""
    s, p = "0.0.0001", f"{CSS}/devices/0.0.0001"
    chk.write(CSS + "/drivers/vfio_ccw/unbind", s + "\n", None)
    chk.dir("/sys/bus/mdev/devices", [U2])
    chk.driver(p, None)
    chk.write(p + "/driver_override", b"\n", None)
    chk.read(p + "/driver_override", b"(null)\n")
    chk.write(p + "/driver_override", b"io_subchannel\n", None)
    chk.read(p + "/driver_override", b"io_subchannel\n")
    chk.write(p + "/driver_override", b"", None)
    chk.read(p + "/driver_override", b"io_subchannel\n")
    chk.write(CSS + "/drivers/io_subchannel/bind", s + "\n", None)
    chk.link(p + "/driver", "../../../bus/css/drivers/io_subchannel")
    chk.absent("/sys/bus/ccw/devices/0.0.0001", note="SCH1 is on vfio_ccw")
    chk.exists("/sys/bus/ccw/devices/0.0.0003")
    chk.wait(lambda: fs.exists("/sys/bus/ccw/devices/0.0.0002"), "0.0.0002 is recognised again",
             "/sys/bus/ccw/devices/0.0.0002")
    chk.wait(lambda: fs.read("/sys/bus/ccw/devices/0.0.0002/online") == b"1\n",
             "virtio_ccw sets 0.0.0002 online", "/sys/bus/ccw/devices/0.0.0002/online")


def test_p1_rmmod_vfio_ccw_with_mdev(env, fs, chk):
    """Section "rmmod vfio_ccw while SCH1 bound with mdev": unloading vfio_ccw removes the
    unopened mdev and leaves SCH1 without a driver; loading it again binds SCH1 (driver
    registration probes devices without a driver).

    Source: drivers/s390/cio/vfio_ccw_drv.c (module exit -> css_driver_unregister), drivers/base/dd.c (driver_attach on registration); oracle part 1 "rmmod vfio_ccw"; spec §2.4, correction 5, 25."""
    chk.dir("/sys/bus/mdev/devices", [U2])
    _mod(env, chk, "rmmod", "vfio_ccw")
    chk.dir("/sys/bus/mdev/devices", [])
    chk.driver(f"{CSS}/devices/0.0.0000", None)
    _mod(env, chk, "insmod", "vfio_ccw")
    chk.link(f"{CSS}/devices/0.0.0000/driver", "../../../bus/css/drivers/vfio_ccw")


def test_p1_extra_names_and_overrides(fs, chk):
    """Section "EXTRA css/mdev edge cases" (first part): parent/ holds an empty uevent; unbind
    needs the exact name (0.0.2, 0.0.0002x, a trailing space: ENODEV; printf without newline
    works); an override blocks the other driver (ENODEV); an override naming no driver makes
    drivers_probe succeed without binding; cleared, drivers_probe picks io_subchannel; unknown
    name ENODEV; drivers_autoprobe 0/1.

    Source: drivers/base/bus.c, drivers/s390/cio/css.c, vfio_ccw_drv.c; oracle part 1 "EXTRA css/mdev edge cases"; spec §0.3, §2.3, correction 5."""
    pp = f"{CSS}/devices/0.0.0000/parent"
    chk.dir(pp, ["uevent"], OPT)
    chk.read(pp + "/uevent", b"")
    u = CSS + "/drivers/io_subchannel/unbind"
    chk.write(u, b"0.0.2\n", ENODEV)
    chk.write(u, b"0.0.0002x\n", ENODEV)
    chk.write(u, b"0.0.0002 \n", ENODEV)
    chk.write(u, b"0.0.0002", None)
    p = f"{CSS}/devices/0.0.0002"
    chk.driver(p, None)
    chk.write(p + "/driver_override", b"io_subchannel\n", None)
    chk.write(CSS + "/drivers/vfio_ccw/bind", b"0.0.0002\n", ENODEV)
    chk.write(p + "/driver_override", b"nosuchdriver\n", None)
    chk.write(CSS + "/drivers_probe", b"0.0.0002\n", None)
    chk.write(CSS + "/drivers/io_subchannel/bind", b"0.0.0002\n", ENODEV)
    chk.driver(p, None)
    chk.write(p + "/driver_override", b"\n", None)
    chk.write(CSS + "/drivers_probe", b"0.0.0002\n", None)
    chk.link(p + "/driver", "../../../bus/css/drivers/io_subchannel")
    chk.write(CSS + "/drivers_probe", b"0.0.ffff\n", ENODEV)
    chk.write(CSS + "/drivers_autoprobe", b"0\n", None)
    chk.read(CSS + "/drivers_autoprobe", b"0\n")
    chk.write(CSS + "/drivers_autoprobe", b"1\n", None)
    chk.read(CSS + "/drivers_autoprobe", b"1\n")


def test_p1_extra_mdev_driver_unbind_bind(fs, chk):
    """Section "mdev driver-level unbind/bind": unbinding an mdev from vfio_ccw_mdev leaves
    mdev_type, remove, subsystem and an empty uevent; the instance is not given back; bind is
    ENODEV (twice); drivers_probe succeeds and binds nothing.

    Source: drivers/vfio/mdev/mdev_driver.c (mdev_match never matches), drivers/base/bus.c; oracle part 1 "mdev driver-level unbind/bind"; spec §1.6, correction 10."""
    chk.write(T1 + "/create", U1 + "\n", None)
    md = "/sys/bus/mdev/drivers/vfio_ccw_mdev"
    chk.write(md + "/unbind", U1 + "\n", None)
    m = f"/sys/bus/mdev/devices/{U1}"
    chk.dir(m, ["mdev_type", "remove", "subsystem", "uevent"])
    chk.link(m + "/mdev_type", "../mdev_supported_types/vfio_ccw-io")
    chk.read(m + "/remove", open_err(EACCES))
    chk.link(m + "/subsystem", "../../../../bus/mdev")
    chk.read(m + "/uevent", b"")
    chk.read(T1 + "/available_instances", b"0\n")
    chk.write(md + "/bind", U1 + "\n", ENODEV)
    chk.driver(m, None)
    chk.write(md + "/bind", U1 + "\n", ENODEV)
    chk.write("/sys/bus/mdev/drivers_probe", U1 + "\n", None)
    chk.driver(m, None)


def test_p1_extra_unbind_parent_with_driverless_mdev(fs, chk):
    """Section "unbind subchannel from vfio_ccw while mdev exists": the driverless mdev goes
    with its parent; /sys/bus/mdev/devices and /sys/class/mdev_bus are empty (the class stays);
    the subchannel shows the unbound layout.

    Source: drivers/vfio/mdev/mdev_core.c (mdev_unregister_parent), vfio_ccw_drv.c; oracle part 1 "unbind subchannel from vfio_ccw while mdev exists"; spec §1.1, §1.6, correction 6."""
    chk.write(CSS + "/drivers/vfio_ccw/unbind", b"0.0.0000\n", None)
    chk.dir("/sys/bus/mdev/devices", [])
    chk.dir("/sys/class/mdev_bus", [])
    chk.dir(f"{CSS}/devices/0.0.0000", SUB_UNBOUND, OPT)


def test_p1_extra_css0_level(fs, chk):
    """Section "css0 level": rescan 1 succeeds; logging is passed to the hardware and fails
    EOPNOTSUPP under QEMU; chp configure fails EOPNOTSUPP at read; chp status "foo" is EINVAL.

    Source: drivers/s390/cio/css.c (css_rescan), device.c (logging_store -> chsc_siosl), chp.c; oracle part 1 "css0 level"; spec §2.2, §2.7."""
    chk.write("/sys/devices/css0/rescan", b"1\n", None)
    chk.write("/sys/devices/css0/0.0.0001/logging", b"1\n", EOPNOTSUPP)
    chk.read("/sys/devices/css0/chp0.00/configure", read_err(EOPNOTSUPP))
    chk.write("/sys/devices/css0/chp0.00/status", b"foo\n", EINVAL)


def test_p1_no_ap_bus(env, fs, chk):
    """Section "AP BUS": without AP instructions there is no /sys/bus/ap, /sys/devices/ap,
    apmask or aqmask (ENOENT), loading vfio_ap fails, and /sys/devices/vfio_ap and /sys/bus/matrix
    stay absent.  Section "FINAL": no mdevs are left.

    Source: drivers/s390/crypto/ap_bus.c (ap_module_init: no AP instructions -> -ENODEV), vfio_ap_drv.c; oracle part 1 "AP BUS", "FINAL"."""
    chk.absent("/sys/bus/ap")
    chk.absent("/sys/devices/ap")
    chk.read("/sys/bus/ap/apmask", open_err(ENOENT))
    chk.read("/sys/bus/ap/aqmask", open_err(ENOENT))
    if env.modules is not None and env.modules.available:
        err = env.modules.run("insmod", "vfio_ap")
        chk.true(err is not None, "insmod vfio_ap fails without AP instructions", "failure (ENODEV)",
                 "rc=0", path="<module vfio_ap>")
    chk.absent("/sys/devices/vfio_ap")
    chk.absent("/sys/devices/vfio_ap/matrix")
    chk.absent("/sys/bus/matrix")
    chk.dir("/sys/bus/mdev/devices", [])
