"""mdev core: type directories, create/remove, the mdev bus, iommu groups, class links.

Spec §1 and §8.1; kernel drivers/vfio/mdev/{mdev_core.c,mdev_sysfs.c,mdev_driver.c}
and drivers/vfio/group.c.  The vfio_ap matrix device is the parent where §8.1 uses it;
the vfio_ccw parent serves the cross-parent UUID rule.
"""

import pytest

from .checks import EACCES, EEXIST, EINVAL, ENODEV, ENOENT, EPERM, EUSERS
from .helpers import (AP_TYPE, MATRIX, MIXED, U1, U2, U3, U4, create_ap_mdev, create_ccw_mdev,
                      ccw_type, fresh_uuids, io_sch, need_vfio_ap, to_vfio_ccw)
from .sysfs import open_err
from .topology import need

AREA = "mdev core"
TOPOLOGY = "spec8.json"

MAX_AP = 65536  # MAX_ZDEV_ENTRIES_EXT, arch/s390/include/uapi/asm/zcrypt.h


def _avail(fs) -> int:
    v = fs.read_text(AP_TYPE + "/available_instances")
    need(v is not None and v.isdigit(), "vfio_ap-passthrough/available_instances unreadable")
    return int(v)


def _lowest_free(fs, path: str, prefix: str = "") -> int:
    have = fs.listdir(path)
    used = set()
    if isinstance(have, list):
        for n in have:
            if n.startswith(prefix) and n[len(prefix):].isdigit():
                used.add(int(n[len(prefix):]))
    n = 0
    while n in used:
        n += 1
    return n


def test_type_directory(fs, chk):
    """A parent's type directory holds create (0200), name, device_api and available_instances
    (0444) and devices/, and no description when the vendor gives none; vfio_ap shows
    "VFIO AP Passthrough Device\\n", "vfio-ap\\n" and 65536 minus existing instances.

    Source: drivers/vfio/mdev/mdev_sysfs.c (mdev_type_attrs, since v6.1), drivers/s390/crypto/vfio_ap_ops.c; spec §1.1, §1.2, §8.4.13."""
    need_vfio_ap(fs)
    chk.dir(AP_TYPE, ["create", "name", "device_api", "available_instances", "devices"])
    chk.mode(AP_TYPE + "/create", 0o200)
    chk.mode(AP_TYPE + "/name", 0o444)
    chk.mode(AP_TYPE + "/device_api", 0o444)
    chk.mode(AP_TYPE + "/available_instances", 0o444)
    chk.read(AP_TYPE + "/name", b"VFIO AP Passthrough Device\n")
    chk.read(AP_TYPE + "/device_api", b"vfio-ap\n")
    n = len(fs.listdir(AP_TYPE + "/devices") or [])
    chk.read(AP_TYPE + "/available_instances", f"{MAX_AP - n}\n".encode())
    chk.isdir(AP_TYPE + "/devices")
    chk.dir(MATRIX + "/mdev_supported_types", ["vfio_ap-passthrough"])


def test_create_makes_every_link(fs, kver, chk, undo):
    """Writing a UUID plus newline to create makes, before write returns, <parent>/<uuid>/ with
    remove, mdev_type, driver, subsystem, uevent (exactly DRIVER=<mdevdrv>), iommu_group and
    vfio-dev/vfioN (v6.1 and later), plus the type, bus, driver, iommu-group and class links, all
    relative; the counter drops by one.  The group and vfio device numbers are the lowest free
    ones.

    Source: drivers/vfio/mdev/mdev_core.c (mdev_device_create), mdev_sysfs.c, drivers/vfio/group.c (vfio_emulated group), drivers/vfio/vfio_main.c; spec §1.3, §8.1.1, corrections 7-9."""
    need_vfio_ap(fs)
    fresh_uuids(fs, U1)
    before = _avail(fs)
    grp = _lowest_free(fs, "/sys/kernel/iommu_groups")
    vdev = _lowest_free(fs, "/sys/class/vfio-dev", "vfio")
    m = create_ap_mdev(chk, undo, U1)
    chk.isdir(m)
    vdir = kver.at_least("6.1")
    chk.dir(m, ["remove", "mdev_type", "driver", "subsystem", "uevent", "iommu_group"]
            + (["vfio-dev"] if vdir else []) + ["assign_adapter", "unassign_adapter", "assign_domain", "unassign_domain",
                "assign_control_domain", "unassign_control_domain", "control_domains",
                "matrix"] + (["guest_matrix"] if kver.at_least("6.0") else [])
            + (["ap_config"] if kver.at_least("6.9") else []),
            optional=["power"] + ([] if vdir else ["vfio-dev"]),
            note="vfio_ap's files; vfio-dev required from v6.1 (not asserted before), "
                 "guest_matrix since v6.0, ap_config since ~v6.9")
    chk.link(f"{AP_TYPE}/devices/{U1}", f"../../../{U1}")
    chk.link(f"/sys/bus/mdev/devices/{U1}", f"../../../devices/vfio_ap/matrix/{U1}")
    chk.link(f"{m}/mdev_type", "../mdev_supported_types/vfio_ap-passthrough")
    chk.true(fs.resolve(f"{m}/mdev_type") == AP_TYPE, "mdev_type resolves to the type directory",
             AP_TYPE, str(fs.resolve(f"{m}/mdev_type")), path=f"{m}/mdev_type")
    chk.link(f"{m}/driver", "../../../../bus/mdev/drivers/vfio_ap_mdev")
    chk.link(f"{m}/subsystem", "../../../../bus/mdev")
    chk.link(f"{m}/iommu_group", f"../../../../kernel/iommu_groups/{grp}")
    chk.read(f"{m}/uevent", b"DRIVER=vfio_ap_mdev\n")
    chk.mode(f"{m}/uevent", 0o644)
    chk.mode(f"{m}/remove", 0o200)
    chk.link(f"/sys/bus/mdev/drivers/vfio_ap_mdev/{U1}", f"../../../../devices/vfio_ap/matrix/{U1}")
    chk.link(f"/sys/kernel/iommu_groups/{grp}/devices/{U1}",
             f"../../../../devices/vfio_ap/matrix/{U1}")
    if vdir:
        chk.dir(f"{m}/vfio-dev", [f"vfio{vdev}"])
        chk.dir(f"{m}/vfio-dev/vfio{vdev}", ["device", "subsystem", "uevent"],
                optional=["power", "dev"])
        chk.link(f"{m}/vfio-dev/vfio{vdev}/device", f"../../../{U1}")
        chk.link(f"{m}/vfio-dev/vfio{vdev}/subsystem", "../../../../../../class/vfio-dev")
        chk.mode(f"{m}/vfio-dev/vfio{vdev}/uevent", 0o644)
        chk.link(f"/sys/class/vfio-dev/vfio{vdev}",
                 f"../../devices/vfio_ap/matrix/{U1}/vfio-dev/vfio{vdev}")
    chk.link(f"/sys/class/vfio/{grp}", f"../../devices/virtual/vfio/{grp}")
    chk.read(AP_TYPE + "/available_instances", f"{before - 1}\n".encode())


def test_create_uppercase_without_newline(fs, chk, undo):
    """create takes 36 bytes without a newline and either case; the directory and links use the
    lower-case form.

    Source: drivers/vfio/mdev/mdev_sysfs.c (create_store: uuid_parse), lib/uuid.c; spec §1.3, §8.1.2; oracle part 1 "MDEV uppercase uuid"."""
    need_vfio_ap(fs)
    low = MIXED.lower()
    fresh_uuids(fs, low)
    undo.mdev(low)
    chk.write(AP_TYPE + "/create", MIXED.encode(), None, note="printf, 36 bytes")
    chk.isdir(f"{MATRIX}/{low}")
    chk.link(f"/sys/bus/mdev/devices/{low}", f"../../../devices/vfio_ap/matrix/{low}")
    chk.absent(f"/sys/bus/mdev/devices/{MIXED}")
    chk.absent(f"{MATRIX}/{MIXED}")


BAD_UUIDS = [
    ("35-bytes", U3[:35].encode()),
    ("38-bytes", (U3 + "\n\n").encode()),
    ("36-bytes-not-hex", b"zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"),
    ("not-a-uuid", b"not-a-uuid\n"),
    ("35-chars-newline", (U3[:35] + "\n").encode()),
    ("37-chars-newline", (U3 + "3\n").encode()),
    ("no-dashes", U3.replace("-", "").encode() + b"\n"),
    ("braces", ("{" + U3 + "}\n").encode()),
    ("letter-g", (U3[:35] + "g\n").encode()),
    ("empty-line", b"\n"),
    ("trailing-space", (U3 + " \n").encode()),
    ("leading-space", (" " + U3 + "\n").encode()),
    ("underscore-for-dash", (U3[:8] + "_" + U3[9:] + "\n").encode()),
]


@pytest.mark.parametrize("why,data", BAD_UUIDS, ids=[c[0] for c in BAD_UUIDS])
def test_create_rejects_malformed_uuid(fs, chk, undo, why, data):
    """create fails with EINVAL unless the write is 36 or 37 bytes whose first 36 are the
    8-4-4-4-12 hex form; nothing is created and the counter is unchanged.

    Source: drivers/vfio/mdev/mdev_sysfs.c (create_store length check), lib/uuid.c (uuid_is_valid); spec §1.3, §8.1.3; oracle part 1 "MDEV CREATE error cases"."""
    need_vfio_ap(fs)
    before = fs.listdir("/sys/bus/mdev/devices")
    avail = fs.read(AP_TYPE + "/available_instances")
    chk.write(AP_TYPE + "/create", data, EINVAL, note=why)
    chk.true(fs.listdir("/sys/bus/mdev/devices") == before, "no mdev was created",
             str(before), str(fs.listdir("/sys/bus/mdev/devices")), path="/sys/bus/mdev/devices")
    chk.read(AP_TYPE + "/available_instances", avail)


def test_create_ignores_37th_byte(fs, chk, undo):
    """A 37-byte write is accepted whatever its last byte is: the length check allows 36 or 37
    bytes and only the first 36 are parsed.

    Source: drivers/vfio/mdev/mdev_sysfs.c (create_store: count < UUID_STRING_LEN || count > UUID_STRING_LEN + 1); spec §1.3 step 1."""
    need_vfio_ap(fs)
    fresh_uuids(fs, U3)
    undo.mdev(U3)
    chk.write(AP_TYPE + "/create", (U3 + "x").encode(), None, note="37 bytes, last one 'x'")
    chk.isdir(f"{MATRIX}/{U3}")


def test_zero_length_write_never_reaches_store(fs, chk, undo):
    """A zero-length write(2) returns 0 without calling the store: create makes nothing.

    Source: fs/kernfs/file.c (kernfs_fop_write_iter returns 0 for len 0), fs/sysfs/file.c; spec §0.1, correction 1."""
    need_vfio_ap(fs)
    before = fs.listdir("/sys/bus/mdev/devices")
    avail = fs.read(AP_TYPE + "/available_instances")
    chk.write(AP_TYPE + "/create", b"", None, note="printf ''")
    chk.true(fs.listdir("/sys/bus/mdev/devices") == before, "no mdev was created",
             str(before), str(fs.listdir("/sys/bus/mdev/devices")), path="/sys/bus/mdev/devices")
    chk.read(AP_TYPE + "/available_instances", avail)


def test_duplicate_uuid_is_eexist_everywhere(fs, topo, kver, chk, undo):
    """UUIDs are unique on the whole host: a second create of U1 on the same type, in another
    case, or on another driver's parent gives EEXIST; the duplicate check comes before the
    instance count, so a full parent also answers EEXIST.

    Source: drivers/vfio/mdev/mdev_core.c (mdev_device_create: mdev_list scan under mdev_list_lock before the available_instances check); spec §1.3 step 3, §8.1.4; oracle part 1 "BIND SCH2"."""
    need_vfio_ap(fs)
    s = io_sch(topo)
    fresh_uuids(fs, U1, U4)
    create_ap_mdev(chk, undo, U1)
    chk.write(AP_TYPE + "/create", U1 + "\n", EEXIST)
    chk.write(AP_TYPE + "/create", U1.upper().encode(), EEXIST, note="same UUID, upper case")
    to_vfio_ccw(chk, undo, s)
    chk.write(ccw_type(s.schid) + "/create", U1 + "\n", EEXIST, note="UUID held by the vfio_ap parent")
    create_ccw_mdev(chk, undo, s, U4)
    chk.read(ccw_type(s.schid) + "/available_instances", b"0\n")
    chk.write(ccw_type(s.schid) + "/create", U1 + "\n", EEXIST, note="full parent: EEXIST before EUSERS")
    chk.write(ccw_type(s.schid) + "/create", U2 + "\n", EUSERS if kver.at_least("6.1") else EPERM,
              note="full parent, new UUID (EUSERS since v6.1, EPERM before)")


def test_open_mode_is_enforced(fs, chk, undo):
    """kernfs refuses at open, even for root: reading a write-only attribute (create, remove)
    and writing a read-only one (name, device_api, available_instances) give EACCES.

    Source: fs/kernfs/file.c (kernfs_fop_open: no show/store -> -EACCES); spec §0.1, §8.1.5; oracle part 1 "MDEV CREATE error cases"."""
    need_vfio_ap(fs)
    m = create_ap_mdev(chk, undo, U2)
    chk.read(AP_TYPE + "/create", open_err(EACCES))
    chk.write(AP_TYPE + "/name", b"foo\n", open_err(EACCES))
    chk.write(AP_TYPE + "/device_api", b"foo\n", open_err(EACCES))
    chk.write(AP_TYPE + "/available_instances", b"5\n", open_err(EACCES))
    chk.read(f"{m}/remove", open_err(EACCES))


def test_remove_rules(fs, chk, undo):
    """remove parses kstrtoul base 0: 0 does nothing, a parse error (abc, -1, overflow) is
    EINVAL, any non-zero value removes the device with its links and gives the instance back;
    the path is then gone, so another write fails at open with ENOENT.

    Source: drivers/vfio/mdev/mdev_sysfs.c (remove_store), mdev_core.c (mdev_device_remove); spec §1.4, §8.1.6; oracle part 1 "MDEV REMOVE"."""
    need_vfio_ap(fs)
    before = _avail(fs)
    m = create_ap_mdev(chk, undo, U1)
    rm = f"{m}/remove"
    chk.write(rm, b"0\n", None)
    chk.isdir(m, note="still there after 0")
    chk.write(rm, b"abc\n", EINVAL)
    chk.write(rm, b"-1\n", EINVAL)
    chk.write(rm, b"99999999999999999999999\n", EINVAL, note="ERANGE is reported as EINVAL")
    chk.write(rm, b"", None, note="zero-length write")
    chk.isdir(m, note="still there after the failed writes")
    chk.write(rm, b"2\n", None, note="any non-zero value removes")
    chk.absent(m)
    chk.absent(f"/sys/bus/mdev/devices/{U1}")
    chk.absent(f"{AP_TYPE}/devices/{U1}")
    chk.absent(f"/sys/bus/mdev/drivers/vfio_ap_mdev/{U1}")
    chk.read(AP_TYPE + "/available_instances", f"{before}\n".encode())
    chk.write(rm, b"1\n", open_err(ENOENT))


def test_iommu_groups_lowest_free_and_reused(fs, chk, undo):
    """Each mdev gets a new emulated iommu group numbered with the lowest free number, reused
    after removal; its devices/ link points back at the mdev and removal deletes the group.

    Source: drivers/vfio/group.c (vfio_noiommu/emulated group: iommu_group_alloc -> ida), drivers/iommu/iommu.c; spec §1.3, correction 8; oracle part 1 (groups 0, 1, then 0 again)."""
    need_vfio_ap(fs)
    fresh_uuids(fs, U1, U2, U3)
    g0 = _lowest_free(fs, "/sys/kernel/iommu_groups")
    m1 = create_ap_mdev(chk, undo, U1)
    chk.link(f"{m1}/iommu_group", f"../../../../kernel/iommu_groups/{g0}")
    g1 = _lowest_free(fs, "/sys/kernel/iommu_groups")
    m2 = create_ap_mdev(chk, undo, U2)
    chk.link(f"{m2}/iommu_group", f"../../../../kernel/iommu_groups/{g1}")
    chk.true(g1 != g0, "the second mdev has its own group", f"!= {g0}", str(g1))
    chk.dir(f"/sys/kernel/iommu_groups/{g1}/devices", [U2])
    chk.do(f"{m1}/remove", b"1\n")
    chk.absent(f"/sys/kernel/iommu_groups/{g0}")
    m3 = create_ap_mdev(chk, undo, U3)
    chk.link(f"{m3}/iommu_group", f"../../../../kernel/iommu_groups/{g0}", note="freed number reused")


def test_available_instances_counts(fs, chk, undo):
    """available_instances is the per-parent maximum minus existing mdevs: it goes down by one
    per create and up by one per remove (vfio_ap: 65536 = 256 x 256).

    Source: drivers/vfio/mdev/mdev_core.c (available_instances, mdev_device_release), drivers/s390/crypto/vfio_ap_ops.c (MAX_ZDEV_ENTRIES_EXT); spec §1.2; oracle part 2 (65536, 65535, 65534, 65536)."""
    need_vfio_ap(fs)
    n = _avail(fs)
    m1 = create_ap_mdev(chk, undo, U1)
    chk.read(AP_TYPE + "/available_instances", f"{n - 1}\n".encode())
    create_ap_mdev(chk, undo, U2)
    chk.read(AP_TYPE + "/available_instances", f"{n - 2}\n".encode())
    chk.do(f"{m1}/remove", b"1\n")
    chk.read(AP_TYPE + "/available_instances", f"{n - 1}\n".encode())


@pytest.mark.kernel(min="5.15", why="the mdev bus matched before the ~5.15/5.16 probe/remove rework")
def test_mdev_bus_never_matches(fs, chk, undo):
    """The mdev bus match is always false: bind of an mdev (bound or not) is ENODEV, not EBUSY;
    drivers_probe succeeds and binds nothing; unbind works and leaves a driverless mdev with only
    mdev_type, remove, subsystem and an empty uevent, whose instance is not given back until it
    is removed.

    Source: drivers/vfio/mdev/mdev_driver.c (mdev_match returns 0, since ~v5.16), drivers/base/bus.c (bind_store: match before the bound check); spec §1.6, §8.1.7, correction 10; oracle part 1 "mdev driver-level unbind/bind"."""
    need_vfio_ap(fs)
    n = _avail(fs)
    m = create_ap_mdev(chk, undo, U1)
    drv = "/sys/bus/mdev/drivers/vfio_ap_mdev"
    chk.write(drv + "/bind", U1 + "\n", ENODEV, note="bound mdev")
    chk.write("/sys/bus/mdev/drivers_probe", U1 + "\n", None)
    chk.link(f"{m}/driver", "../../../../bus/mdev/drivers/vfio_ap_mdev")
    chk.write(drv + "/unbind", U1 + "\n", None)
    chk.dir(m, ["mdev_type", "remove", "subsystem", "uevent"], optional=["power"])
    chk.read(f"{m}/uevent", b"")
    chk.absent(f"{m}/driver")
    chk.absent(f"{m}/iommu_group")
    chk.absent(f"{drv}/{U1}")
    chk.read(AP_TYPE + "/available_instances", f"{n - 1}\n".encode(), note="not given back")
    chk.write(drv + "/bind", U1 + "\n", ENODEV, note="driverless mdev")
    chk.write("/sys/bus/mdev/drivers_probe", U1 + "\n", None)
    chk.absent(f"{m}/driver", note="drivers_probe binds nothing")
    chk.write(drv + "/unbind", U1 + "\n", ENODEV, note="not bound to this driver")
    chk.write(f"{m}/remove", b"1\n", None)
    chk.absent(m)
    chk.read(AP_TYPE + "/available_instances", f"{n}\n".encode(), note="given back on removal")


@pytest.mark.kernel(max="5.15", why="since the ~5.15/5.16 rework the mdev bus never matches")
def test_mdev_bus_matched_before_the_rework(fs, chk, undo):
    """Before the mdev probe/remove rework the mdev bus had no match callback, so an mdev
    matched its mdev driver: after an unbind, bind and drivers_probe take it back.

    Source: drivers/vfio/mdev/mdev_driver.c (mdev_bus_type without .match, before ~v5.16), drivers/base/bus.c (bind_store, drivers_probe_store); spec §1.6, §7."""
    need_vfio_ap(fs)
    m = create_ap_mdev(chk, undo, U1)
    drv = "/sys/bus/mdev/drivers/vfio_ap_mdev"
    chk.write(drv + "/unbind", U1 + "\n", None)
    chk.absent(f"{m}/driver")
    chk.write(drv + "/bind", U1 + "\n", None, note="driverless mdev")
    chk.link(f"{m}/driver", "../../../../bus/mdev/drivers/vfio_ap_mdev")
    chk.write(drv + "/unbind", U1 + "\n", None)
    chk.write("/sys/bus/mdev/drivers_probe", U1 + "\n", None)
    chk.link(f"{m}/driver", "../../../../bus/mdev/drivers/vfio_ap_mdev",
             note="drivers_probe binds it again")
    chk.write(f"{m}/remove", b"1\n", None)
    chk.absent(m)


def test_mdev_bus_and_driver_files(fs, chk):
    """/sys/bus/mdev has devices/, drivers/, drivers_autoprobe (0644, "1\\n"), drivers_probe and
    uevent (0200); each mdev driver directory has bind, unbind, uevent (0200) and a module link.

    Source: drivers/base/bus.c (bus_add_driver, bus attrs), drivers/vfio/mdev/mdev_driver.c; spec §0.2, correction 3; oracle parts 1 and 2 "DIR /sys/bus/mdev"."""
    need_vfio_ap(fs)
    b = "/sys/bus/mdev"
    chk.dir(b, ["devices", "drivers", "drivers_autoprobe", "drivers_probe", "uevent"])
    chk.read(b + "/drivers_autoprobe", b"1\n")
    chk.mode(b + "/drivers_autoprobe", 0o644)
    chk.mode(b + "/drivers_probe", 0o200)
    chk.mode(b + "/uevent", 0o200)
    chk.read(b + "/drivers_probe", open_err(EACCES))
    d = b + "/drivers/vfio_ap_mdev"
    chk.dir(d, ["bind", "unbind", "uevent", "module"], exact=False)
    for f in ("bind", "unbind", "uevent"):
        chk.mode(f"{d}/{f}", 0o200)
    chk.link(d + "/module", "../../../../module/vfio_ap")
    if fs.exists(b + "/drivers/vfio_ccw_mdev"):
        chk.link(b + "/drivers/vfio_ccw_mdev/module", "../../../../module/vfio_ccw")


def test_class_mdev_bus(fs, topo, chk, undo):
    """/sys/class/mdev_bus holds one relative link per registered parent (matrix ->
    ../../devices/vfio_ap/matrix, a vfio_ccw subchannel -> ../../devices/css0/<sch>); a parent's
    link goes when it unregisters, and the class directory itself stays.

    Source: drivers/vfio/mdev/mdev_core.c (mdev_register_parent: class_compat_create_link; mdev_init registers the compat class); spec §1.1, correction 6; oracle parts 1 and 2 "DIR /sys/class/mdev_bus"."""
    need_vfio_ap(fs)
    s = io_sch(topo)
    chk.link("/sys/class/mdev_bus/matrix", "../../devices/vfio_ap/matrix")
    to_vfio_ccw(chk, undo, s)
    chk.link(f"/sys/class/mdev_bus/{s.schid}", f"../../devices/css0/{s.schid}")
    chk.do("/sys/bus/css/drivers/vfio_ccw/unbind", s.schid + "\n")
    chk.absent(f"/sys/class/mdev_bus/{s.schid}")
    chk.isdir("/sys/class/mdev_bus")
