"""Replay of the part-2 real-kernel transcript (shared/oracle/ap-vfio_ap.txt).

Linux 6.12.117 with the AP instructions answered by a software model: adapters 03 and 05
(CEX7A), usage domains 4 and 42 (0x2a), control domains 4, 42, 80, max adapter 255, max
domain 84.  Each scenario is one transcript section, in order, each starting from the state
the previous one left (simfs with fixtures/oracle-ap.json, or a tree made from it).  The
transcript boots without vfio_ap and loads it midway; the replay unloads it first and loads it
at the same point, through the module control (``simfs ctl MNT insmod|rmmod``).  Not
replayable through sysfs and left out: the AP bus before zcrypt is loaded (the default drivers
are part of the machine here), the K| kernel log lines and lsmod output.
"""

import pytest

from .checks import (EACCES, EADDRINUSE, EADDRNOTAVAIL, EBUSY, EINVAL, ENODEV, ENOENT,
                     EOPNOTSUPP)
from .helpers import U1, U2
from .sysfs import open_err
from .topology import need

AREA = "oracle replay, part 2 (AP / vfio_ap)"
TOPOLOGY = "oracle-ap.json"

AP = "/sys/bus/ap"
MATRIX = "/sys/devices/vfio_ap/matrix"
TYPE = MATRIX + "/mdev_supported_types/vfio_ap-passthrough"
M1 = f"{MATRIX}/{U1}"
M2 = f"{MATRIX}/{U2}"
QUEUES = ["03.0004", "03.002a", "05.0004", "05.002a"]
CARDS = ["card03", "card05"]
OPT = ["power"]
F64 = "0x" + "f" * 64
Z64 = "0x" + "0" * 64


def M(hexstr: str) -> bytes:
    """A mask show: the transcript's value plus the newline it cannot show."""
    return (hexstr + "\n").encode()


def full(prefix: str) -> str:
    """A transcript mask written short: pad to 64 digits."""
    return "0x" + prefix[2:].ljust(64, "0")


def ones(prefix: str) -> str:
    return "0x" + prefix[2:].ljust(64, "f")


def q(name: str) -> str:
    return f"/sys/devices/ap/card{name[:2]}/{name}"


BUS_FILES = ["ap_adapter_mask", "ap_control_domain_mask", "ap_domain", "ap_interrupts",
             "ap_max_adapter_id", "ap_max_domain_id", "ap_usage_domain_mask", "apmask", "aqmask",
             "bindings", "config_time", "devices", "drivers", "drivers_autoprobe",
             "drivers_probe", "features", "poll_thread", "poll_timeout", "scans", "uevent"]
CARD_FILES = ["ap_functions", "chkstop", "config", "depth", "driver", "hwtype", "load",
              "max_msg_size", "modalias", "online", "pendingq_count", "raw_hwtype",
              "request_count", "requestq_count", "subsystem", "type", "uevent"]
QUEUE_COMMON = ["ap_functions", "chkstop", "config", "driver", "interrupt", "pendingq_count",
                "request_count", "requestq_count", "reset", "subsystem", "uevent"]
MDEV_FILES = ["ap_config", "assign_adapter", "assign_control_domain", "assign_domain",
              "control_domains", "driver", "guest_matrix", "iommu_group", "matrix", "mdev_type",
              "remove", "subsystem", "uevent", "unassign_adapter", "unassign_control_domain",
              "unassign_domain", "vfio-dev"]


# A transcript of 6.12.117 is ground truth for that kernel; other versions differ (EPERM
# before 6.1, no parent/ before 6.3, no ap_config before ~6.9 ...), see the area modules.
pytestmark = pytest.mark.kernel(min="6.12", why="replays a Linux 6.12.117 transcript")


@pytest.fixture(autouse=True)
def _replay_target(env):
    need(env.kind != "host", "the replay needs the oracle machine (simfs with oracle-ap.json "
                             "or a tree made from it); run the area modules on hosts")


def _mod(env, chk, verb, name):
    need(env.modules is not None and env.modules.available,
         f"{verb} {name}: this target cannot load modules (simfs ctl)")
    err = env.modules.run(verb, name)
    chk.true(err is None, f"{verb} {name}", "rc=0", f"failed: {err}", path=f"<module {name}>")


def _w(chk, path, value, expect=None, note=""):
    """WRITE(echo) 'value' > path"""
    chk.write(path, (value + "\n").encode(), expect, note=note)


def _queue_uevent(drv):
    return b"DEVTYPE=ap_queue\n" + (f"DRIVER={drv}\n".encode() if drv else b"") + b"MODE=accel\n"


def test_p2_ap_bus_after_zcrypt(env, fs, chk):
    """Sections "AP BUS" and "LOAD zcrypt" (vfio_ap unloaded, as the transcript boots): the AP
    bus attributes with their modes and values (masks from QCI, all-ones apmask/aqmask,
    bindings "4/4 (complete)", features "APXA QACT RC8A"), the card and queue links, and the
    default drivers cex4card and cex4queue.

    Source: drivers/s390/crypto/ap_bus.c (ap_bus_attrs); oracle part 2 "AP BUS" and "LOAD zcrypt"; spec §4.1, §4.2, corrections 18, 19."""
    for m in ("vfio_ap", "mdev", "vfio_iommu_type1", "vfio"):   # the transcript boots without them
        _mod(env, chk, "rmmod", m)
    chk.dir(AP, BUS_FILES)
    for f in ("ap_domain", "apmask", "aqmask", "config_time", "drivers_autoprobe", "poll_thread",
              "poll_timeout", "scans"):
        chk.mode(f"{AP}/{f}", 0o644)
    for f in ("ap_adapter_mask", "ap_control_domain_mask", "ap_interrupts", "ap_max_adapter_id",
              "ap_max_domain_id", "ap_usage_domain_mask", "bindings", "features"):
        chk.mode(f"{AP}/{f}", 0o444)
    chk.mode(AP + "/drivers_probe", 0o200)
    chk.mode(AP + "/uevent", 0o200)
    chk.read(AP + "/ap_adapter_mask", M(full("0x14")))
    chk.read(AP + "/ap_control_domain_mask", M(full("0x080000000020000000008")))
    chk.read(AP + "/ap_domain", b"4\n")
    chk.read(AP + "/ap_interrupts", b"0\n")
    chk.read(AP + "/ap_max_adapter_id", b"255\n")
    chk.read(AP + "/ap_max_domain_id", b"84\n")
    chk.read(AP + "/ap_usage_domain_mask", M(full("0x08000000002")))
    chk.read(AP + "/apmask", M(F64))
    chk.read(AP + "/aqmask", M(F64))
    chk.read(AP + "/bindings", b"4/4 (complete)\n")
    chk.read(AP + "/config_time", b"30\n")
    chk.read(AP + "/drivers_autoprobe", b"1\n")
    chk.read(AP + "/drivers_probe", open_err(EACCES))
    chk.read(AP + "/features", b"APXA QACT RC8A\n")
    chk.read(AP + "/poll_thread", b"0\n")
    chk.read(AP + "/poll_timeout", b"250000\n")
    chk.read(AP + "/scans", b"1\n")
    chk.read(AP + "/uevent", open_err(EACCES))
    chk.dir(AP + "/drivers", ["cex4card", "cex4queue"])
    chk.dir(AP + "/devices", QUEUES + CARDS)
    for n in QUEUES:
        chk.link(f"{AP}/devices/{n}", f"../../../devices/ap/card{n[:2]}/{n}")
    for c in CARDS:
        chk.link(f"{AP}/devices/{c}", f"../../../devices/ap/{c}")


def test_p2_cards(fs, chk):
    """Sections "DIR /sys/devices/ap" and "DIR .../card03", "card05": the bus-less AP root
    (cards and an empty uevent) and two CEX7A cards: every card file with its mode and value
    (ap_functions 0x6A000000, depth 8, hwtype 13, max_msg_size 12288, modalias ap:t0D, type
    CEX7A, uevent with DEVTYPE before DRIVER and MODE=accel), no accelerator-mode extras.

    Source: drivers/s390/crypto/ap_card.c, zcrypt_card.c, zcrypt_cex4.c, ap_bus.c (ap_uevent); oracle part 2 "DIR /sys/devices/ap/card03"; spec §4.5, corrections 12, 20."""
    chk.dir("/sys/devices/ap", CARDS + ["uevent"], OPT)
    chk.read("/sys/devices/ap/uevent", b"")
    for c in CARDS:
        p = f"/sys/devices/ap/{c}"
        chk.dir(p, CARD_FILES + [n for n in QUEUES if c.endswith(n[:2])], OPT)
        for f in ("config", "online", "request_count", "uevent"):
            chk.mode(f"{p}/{f}", 0o644)
        for f in ("ap_functions", "chkstop", "depth", "hwtype", "load", "max_msg_size",
                  "modalias", "pendingq_count", "raw_hwtype", "requestq_count", "type"):
            chk.mode(f"{p}/{f}", 0o444)
        for f, v in (("ap_functions", b"0x6A000000\n"), ("chkstop", b"0\n"), ("config", b"1\n"),
                     ("depth", b"8\n"), ("hwtype", b"13\n"), ("load", b"0\n"),
                     ("max_msg_size", b"12288\n"), ("modalias", b"ap:t0D\n"), ("online", b"1\n"),
                     ("pendingq_count", b"0\n"), ("raw_hwtype", b"13\n"), ("request_count", b"0\n"),
                     ("requestq_count", b"0\n"), ("type", b"CEX7A\n")):
            chk.read(f"{p}/{f}", v)
        chk.link(p + "/driver", "../../../bus/ap/drivers/cex4card")
        chk.link(p + "/subsystem", "../../../bus/ap")
        chk.read(p + "/uevent", b"DEVTYPE=ap_card\nDRIVER=cex4card\nDEV_TYPE=000D\n"
                                b"MODALIAS=ap:t0D\nMODE=accel\n")


def test_p2_queues_under_cex4queue(fs, chk):
    """Sections "DIR .../03.0004" etc. after zcrypt: each queue bound to cex4queue with online
    (0644) and load, config 1, chkstop 0, ap_functions 0x6A000000, "Interrupts disabled.",
    counters 0, "No Reset Timer set.", and the uevent DEVTYPE/DRIVER/MODE.

    Source: drivers/s390/crypto/ap_queue.c, zcrypt_queue.c; oracle part 2 "DIR /sys/devices/ap/card03/03.0004" (LOAD zcrypt); spec §4.6, corrections 12, 21."""
    for n in QUEUES:
        p = q(n)
        chk.dir(p, QUEUE_COMMON + ["load", "online"], OPT)
        for f in ("online", "request_count", "reset", "uevent"):
            chk.mode(f"{p}/{f}", 0o644)
        for f in ("ap_functions", "chkstop", "config", "interrupt", "load", "pendingq_count",
                  "requestq_count"):
            chk.mode(f"{p}/{f}", 0o444)
        for f, v in (("ap_functions", b"0x6A000000\n"), ("chkstop", b"0\n"), ("config", b"1\n"),
                     ("interrupt", b"Interrupts disabled.\n"), ("load", b"0\n"),
                     ("online", b"1\n"), ("pendingq_count", b"0\n"), ("request_count", b"0\n"),
                     ("requestq_count", b"0\n"), ("reset", b"No Reset Timer set.\n")):
            chk.read(f"{p}/{f}", v)
        chk.link(p + "/driver", "../../../../bus/ap/drivers/cex4queue")
        chk.link(p + "/subsystem", "../../../../bus/ap")
        chk.read(p + "/uevent", _queue_uevent("cex4queue"))


APMASK_STEPS = [
    # (written with echo unless bytes, expected errno, value read back afterwards)
    ("-5", None, ones("0xfb")),
    ("+5", None, F64),
    ("-4,-0xab", None, "0xf7ffffffffffffffffffffffffffffffffffffffffefffffffffffffffffffff"),
    ("+4,+0xab", None, F64),
    ("-0-15", None, ones("0x0000")),
    ("+0-15", None, F64),
    ("-0x10-0x1f", None, ones("0xffff0000")),
    ("-3,+3", None, ones("0xffff0000")),
    ("+3,-3", None, ones("0xefff0000")),
    ("0x0", None, Z64),
    (F64, None, F64),
    ("0x8", None, full("0x8")),
    ("0x80", None, full("0x8")),
    ("8", None, full("0x8")),
    ("0x0123456789abcdef", None, full("0x0123456789abcdef")),
    ("0x" + "f" * 65, EINVAL, full("0x0123456789abcdef")),
    ("-255", None, full("0x0123456789abcdef")),
    ("+255", None, full("0x0123456789abcdef")[:-1] + "1"),
    ("-256", EINVAL, full("0x0123456789abcdef")[:-1] + "1"),
    ("-300", EINVAL, full("0x0123456789abcdef")[:-1] + "1"),
    ("-0x100", EINVAL, full("0x0123456789abcdef")[:-1] + "1"),
    ("garbage", EINVAL, full("0x0123456789abcdef")[:-1] + "1"),
    ("", None, Z64),
    ("0x", None, Z64),
    ("-", EINVAL, Z64),
    ("+3,", None, full("0x1")),
    ("-3 ", EINVAL, full("0x1")),
    (" -3", EINVAL, full("0x1")),
    ("-3,,-4", None, Z64),
    ("-3;-4", EINVAL, Z64),
    ("-15-3", EINVAL, Z64),
    ("-0x3g", EINVAL, Z64),
    (b"-7", None, Z64),
    (F64, None, F64),
]

AQMASK_STEPS = [
    ("-5", None, ones("0xfb")),
    ("-4,-0xab", None, "0xf3ffffffffffffffffffffffffffffffffffffffffefffffffffffffffffffff"),
    ("+4", None, "0xfbffffffffffffffffffffffffffffffffffffffffefffffffffffffffffffff"),
    ("-0-15", None, "0x0000ffffffffffffffffffffffffffffffffffffffefffffffffffffffffffff"),
    ("0x0", None, Z64),
    ("0x8", None, full("0x8")),
    ("-255", None, full("0x8")),
    ("-256", EINVAL, full("0x8")),
    ("garbage", EINVAL, full("0x8")),
    (F64, None, F64),
]


def _steps(chk, path, steps):
    for value, err, after in steps:
        if isinstance(value, bytes):
            chk.write(path, value, err, note="printf")
        else:
            _w(chk, path, value, err)
        chk.read(path, M(after))


def test_p2_apmask_writes(fs, chk):
    """Section "apmask writes (no vfio_ap loaded)": 34 writes and read-backs covering relative
    items, ranges, left-to-right order, absolute values (left aligned, with or without 0x), the
    64-digit limit, ids up to 255, separators, and every refused form (EINVAL, mask unchanged).

    Source: drivers/s390/crypto/ap_bus.c (apmask_store, ap_parse_mask_str); oracle part 2 "apmask writes"; spec §4.3, correction 15."""
    _steps(chk, AP + "/apmask", APMASK_STEPS)


def test_p2_aqmask_writes_and_bus_reads(fs, chk):
    """Section "aqmask writes (no vfio_ap loaded)": the aqmask grammar, the bus attributes read
    afterwards (bindings "4/4 (complete)" once the all-ones mask rebinds every queue), and
    ap_domain: 42 and 4 accepted, 85 (above 84) EINVAL.

    Source: drivers/s390/crypto/ap_bus.c (aqmask_store, ap_domain_store, bindings_show); oracle part 2 "aqmask writes"; spec §4.2, §4.3, corrections 18, 19."""
    _steps(chk, AP + "/aqmask", AQMASK_STEPS)
    chk.read(AP + "/ap_domain", b"4\n")
    chk.read(AP + "/ap_control_domain_mask", M(full("0x080000000020000000008")))
    chk.read(AP + "/ap_usage_domain_mask", M(full("0x08000000002")))
    chk.read(AP + "/ap_adapter_mask", M(full("0x14")))
    chk.read(AP + "/ap_max_domain_id", b"84\n")
    chk.read(AP + "/ap_max_adapter_id", b"255\n")
    chk.read(AP + "/bindings", b"4/4 (complete)\n")
    chk.read(AP + "/scans", b"1\n")
    chk.read(AP + "/features", b"APXA QACT RC8A\n")
    chk.read(AP + "/config_time", b"30\n")
    chk.read(AP + "/poll_thread", b"0\n")
    chk.read(AP + "/ap_interrupts", b"0\n")
    chk.read(AP + "/poll_timeout", b"250000\n")
    _w(chk, AP + "/ap_domain", "42")
    chk.read(AP + "/ap_domain", b"42\n")
    _w(chk, AP + "/ap_domain", "85", EINVAL)
    chk.read(AP + "/ap_domain", b"42\n")
    _w(chk, AP + "/ap_domain", "4")
    chk.read(AP + "/ap_domain", b"4\n")


def test_p2_load_vfio_ap(env, fs, chk):
    """Section "LOAD vfio_ap": the root device /sys/devices/vfio_ap (matrix, module link, empty
    uevent), the matrix device (driver, features, mdev_supported_types, subsystem, uevent
    DRIVER=vfio_ap), the vfio_ap-passthrough type (65536 instances), the matrix bus and its
    bind-less driver, the AP bus's vfio_ap driver, the class link and the vfio_ap_mdev driver.

    Source: drivers/s390/crypto/vfio_ap_drv.c, vfio_ap_ops.c, drivers/vfio/mdev; oracle part 2 "LOAD vfio_ap"; spec §5.1, corrections 3, 24."""
    for m in ("vfio", "vfio_iommu_type1", "mdev", "vfio_ap"):
        _mod(env, chk, "insmod", m)
    r = "/sys/devices/vfio_ap"
    chk.dir(r, ["matrix", "module", "uevent"], OPT)
    chk.link(r + "/module", "../../module/vfio_ap")
    chk.read(r + "/uevent", b"")
    chk.dir(MATRIX, ["driver", "features", "mdev_supported_types", "subsystem", "uevent"], OPT)
    chk.link(MATRIX + "/driver", "../../../bus/matrix/drivers/vfio_ap")
    chk.read(MATRIX + "/features", b"guest_matrix hotplug ap_config\n")
    chk.link(MATRIX + "/subsystem", "../../../bus/matrix")
    chk.read(MATRIX + "/uevent", b"DRIVER=vfio_ap\n")
    chk.dir(MATRIX + "/mdev_supported_types", ["vfio_ap-passthrough"])
    chk.dir(TYPE, ["available_instances", "create", "device_api", "devices", "name"])
    chk.read(TYPE + "/available_instances", b"65536\n")
    chk.read(TYPE + "/create", open_err(EACCES))
    chk.read(TYPE + "/device_api", b"vfio-ap\n")
    chk.read(TYPE + "/name", b"VFIO AP Passthrough Device\n")
    chk.dir(TYPE + "/devices", [])
    chk.dir("/sys/bus/matrix", ["devices", "drivers", "drivers_autoprobe", "drivers_probe", "uevent"])
    chk.read("/sys/bus/matrix/drivers_autoprobe", b"1\n")
    chk.read("/sys/bus/matrix/drivers_probe", open_err(EACCES))
    chk.read("/sys/bus/matrix/uevent", open_err(EACCES))
    chk.dir("/sys/bus/matrix/drivers", ["vfio_ap"])
    chk.dir("/sys/bus/matrix/drivers/vfio_ap", ["matrix", "uevent"])
    chk.link("/sys/bus/matrix/drivers/vfio_ap/matrix", "../../../../devices/vfio_ap/matrix")
    chk.read("/sys/bus/matrix/drivers/vfio_ap/uevent", open_err(EACCES))
    d = AP + "/drivers/vfio_ap"
    chk.dir(d, ["bind", "module", "uevent", "unbind"])
    chk.link(d + "/module", "../../../../module/vfio_ap")
    for f in ("bind", "uevent", "unbind"):
        chk.mode(f"{d}/{f}", 0o200)
        chk.read(f"{d}/{f}", open_err(EACCES))
    chk.dir("/sys/class/mdev_bus", ["matrix"])
    chk.link("/sys/class/mdev_bus/matrix", "../../devices/vfio_ap/matrix")
    chk.dir("/sys/bus/mdev/drivers", ["vfio_ap_mdev"])


def test_p2_release_apqns(fs, chk):
    """Section "release APQNs to vfio_ap: apmask -3, aqmask -4": the masks read back; 03.0004,
    03.002a and 05.0004 move to vfio_ap before the write returns (05.002a stays with
    cex4queue); 03.0004 then has status "unassigned", request_count "-", no online/load, and the
    uevent DRIVER=vfio_ap; bindings stays "4/4 (complete)".

    Source: drivers/s390/crypto/ap_bus.c (ap_bus_revise_bindings), vfio_ap_drv.c (vfio_ap_queue_dev_probe); oracle part 2 "release APQNs to vfio_ap"; spec §4.3, corrections 18, 21."""
    _w(chk, AP + "/apmask", "-3")
    chk.read(AP + "/apmask", M(ones("0xef")))
    _w(chk, AP + "/aqmask", "-4")
    chk.read(AP + "/aqmask", M(ones("0xf7")))
    for n, drv in (("03.0004", "vfio_ap"), ("03.002a", "vfio_ap"), ("05.0004", "vfio_ap"),
                   ("05.002a", "cex4queue")):
        chk.link(q(n) + "/driver", f"../../../../bus/ap/drivers/{drv}")
    d = AP + "/drivers/vfio_ap"
    chk.dir(d, ["03.0004", "03.002a", "05.0004", "bind", "module", "uevent", "unbind"])
    for n in ("03.0004", "03.002a", "05.0004"):
        chk.link(f"{d}/{n}", f"../../../../devices/ap/card{n[:2]}/{n}")
    p = q("03.0004")
    chk.dir(p, QUEUE_COMMON + ["status"], OPT)
    for f, v in (("ap_functions", b"0x6A000000\n"), ("chkstop", b"0\n"), ("config", b"1\n"),
                 ("interrupt", b"Interrupts disabled.\n"), ("pendingq_count", b"0\n"),
                 ("request_count", b"-\n"), ("requestq_count", b"0\n"),
                 ("reset", b"No Reset Timer set.\n"), ("status", b"unassigned\n")):
        chk.read(f"{p}/{f}", v)
    chk.mode(p + "/status", 0o444)
    chk.read(p + "/uevent", _queue_uevent("vfio_ap"))
    chk.read(AP + "/bindings", b"4/4 (complete)\n")


def test_p2_mdev_create_on_matrix(fs, chk):
    """Section "MDEV create on matrix": U1 appears with the vfio_ap attributes (assign/unassign
    0200, control_domains/matrix/guest_matrix 0444 and empty, ap_config 0644 with three zero
    masks), the core files, iommu group 0, uevent DRIVER=vfio_ap_mdev, and the bus link;
    available_instances 65535.

    Source: drivers/s390/crypto/vfio_ap_ops.c (vfio_ap_mdev_attrs), drivers/vfio/mdev; oracle part 2 "MDEV create on matrix"; spec §5.3, §8.4.1."""
    _w(chk, TYPE + "/create", U1)
    chk.read(TYPE + "/available_instances", b"65535\n")
    chk.dir(M1, MDEV_FILES, OPT)
    chk.read(M1 + "/ap_config", f"{Z64},{Z64},{Z64}\n".encode())
    chk.mode(M1 + "/ap_config", 0o644)
    for f in ("assign_adapter", "assign_control_domain", "assign_domain", "remove",
              "unassign_adapter", "unassign_control_domain", "unassign_domain"):
        chk.mode(f"{M1}/{f}", 0o200)
        chk.read(f"{M1}/{f}", open_err(EACCES))
    for f in ("control_domains", "guest_matrix", "matrix"):
        chk.mode(f"{M1}/{f}", 0o444)
        chk.read(f"{M1}/{f}", b"")
    chk.link(M1 + "/driver", "../../../../bus/mdev/drivers/vfio_ap_mdev")
    chk.link(M1 + "/iommu_group", "../../../../kernel/iommu_groups/0")
    chk.link(M1 + "/mdev_type", "../mdev_supported_types/vfio_ap-passthrough")
    chk.link(M1 + "/subsystem", "../../../../bus/mdev")
    chk.read(M1 + "/uevent", b"DRIVER=vfio_ap_mdev\n")
    chk.isdir(M1 + "/vfio-dev")
    chk.link(f"/sys/bus/mdev/devices/{U1}", f"../../../devices/vfio_ap/matrix/{U1}")


def test_p2_assignments_on_u1(fs, chk):
    """Section "assignments on U1": 03.0004 with control domain 4; matrix/guest_matrix
    "03.0004", ap_config; no status on an mdev; then the edge cases: 256 ENODEV, 255 accepted
    (ff.0004), -1/abc/"3 " EINVAL, 0x3 and 03 accepted, 5 accepted, domains 42/84/0x54
    EADDRNOTAVAIL (adapter 5 reserved) and 85 ENODEV, control domain 80 accepted, 85/255 ENODEV.

    Source: drivers/s390/crypto/vfio_ap_ops.c (assign_*_store, unassign_*_store, *_show); oracle part 2 "assignments on 11111111-..."; spec §5.3-§5.5a."""
    _w(chk, M1 + "/assign_adapter", "3")
    _w(chk, M1 + "/assign_domain", "4")
    _w(chk, M1 + "/assign_control_domain", "4")
    chk.read(M1 + "/matrix", b"03.0004\n")
    chk.read(M1 + "/guest_matrix", b"03.0004\n")
    chk.read(M1 + "/control_domains", b"0004\n")
    chk.read(M1 + "/ap_config", f"{full('0x1')},{full('0x08')},{full('0x08')}\n".encode())
    chk.read(M1 + "/status", open_err(ENOENT))
    a, d, c = M1 + "/assign_adapter", M1 + "/assign_domain", M1 + "/assign_control_domain"
    _w(chk, a, "256", ENODEV)
    _w(chk, a, "255")
    chk.read(M1 + "/matrix", b"03.0004\nff.0004\n")
    _w(chk, M1 + "/unassign_adapter", "255")
    _w(chk, a, "-1", EINVAL)
    _w(chk, a, "abc", EINVAL)
    _w(chk, a, "3 ", EINVAL)
    _w(chk, a, "0x3")
    _w(chk, a, "03")
    _w(chk, a, "5")
    chk.read(M1 + "/matrix", b"03.0004\n05.0004\n")
    _w(chk, d, "42", EADDRNOTAVAIL)
    chk.read(M1 + "/matrix", b"03.0004\n05.0004\n")
    _w(chk, d, "85", ENODEV)
    _w(chk, d, "84", EADDRNOTAVAIL)
    chk.read(M1 + "/matrix", b"03.0004\n05.0004\n")
    _w(chk, M1 + "/unassign_domain", "84")
    _w(chk, d, "0x54", EADDRNOTAVAIL)
    _w(chk, M1 + "/unassign_domain", "0x54")
    _w(chk, c, "80")
    _w(chk, c, "85", ENODEV)
    _w(chk, c, "255", ENODEV)
    chk.read(M1 + "/matrix", b"03.0004\n05.0004\n")
    chk.read(M1 + "/guest_matrix", b"03.0004\n05.0004\n")
    chk.read(M1 + "/control_domains", b"0004\n0050\n")
    chk.read(M1 + "/ap_config",
             f"{full('0x14')},{full('0x08')},{full('0x080000000000000000008')}\n".encode())


def test_p2_second_mdev_conflicts(fs, chk):
    """Section "second mdev conflicts": U2 (65534 left) can take adapter 3 while it has no
    domains; domain 4 is then EADDRINUSE (matrix stays "03."); control domain 4 is shared;
    without the adapter, domain 4 is accepted (".0004") and adapter 3 is then EADDRINUSE.

    Source: drivers/s390/crypto/vfio_ap_ops.c (vfio_ap_mdev_verify_no_sharing); oracle part 2 "second mdev conflicts"; spec §5.4, corrections 22."""
    _w(chk, TYPE + "/create", U2)
    chk.read(TYPE + "/available_instances", b"65534\n")
    chk.link(M2 + "/iommu_group", "../../../../kernel/iommu_groups/1")
    _w(chk, M2 + "/assign_adapter", "3")
    _w(chk, M2 + "/assign_domain", "4", EADDRINUSE)
    chk.read(M2 + "/matrix", b"03.\n")
    _w(chk, M2 + "/assign_control_domain", "4")
    chk.read(M2 + "/control_domains", b"0004\n")
    _w(chk, M2 + "/unassign_adapter", "3")
    _w(chk, M2 + "/assign_domain", "4")
    chk.read(M2 + "/matrix", b".0004\n")
    _w(chk, M2 + "/assign_adapter", "3", EADDRINUSE)


def test_p2_mask_change_blocked_by_mdev(fs, chk):
    """Section "apmask/aqmask change that would take in-use queues back": +3 > apmask succeeds
    (domain 4 is still clear, so 03.0004 stays non-default), +4 > aqmask is EBUSY and leaves
    aqmask, and an all-ones apmask is accepted.

    Source: drivers/s390/crypto/ap_bus.c (aqmask_commit -> in_use), vfio_ap_ops.c (vfio_ap_mdev_resource_in_use); oracle part 2 "apmask/aqmask change"; spec §4.3, corrections 16, 17."""
    _w(chk, AP + "/apmask", "+3")
    chk.read(AP + "/apmask", M(F64))
    _w(chk, AP + "/aqmask", "+4", EBUSY)
    chk.read(AP + "/aqmask", M(ones("0xf7")))
    _w(chk, AP + "/apmask", F64)
    chk.read(AP + "/apmask", M(F64))


def test_p2_unassign_on_u1(fs, chk):
    """Section "unassign on U1": unassigning an adapter that is not assigned succeeds, 256 is
    ENODEV, domain 42 and control domain 80 and adapter 5 are unassigned; U1 is back to
    03.0004 with control domain 4.

    Source: drivers/s390/crypto/vfio_ap_ops.c (unassign_*_store); oracle part 2 "unassign on 11111111-..."; spec §5.5, §5.5a."""
    _w(chk, M1 + "/unassign_adapter", "7")
    _w(chk, M1 + "/unassign_adapter", "256", ENODEV)
    _w(chk, M1 + "/unassign_domain", "42")
    _w(chk, M1 + "/unassign_control_domain", "80")
    _w(chk, M1 + "/unassign_adapter", "5")
    chk.read(M1 + "/matrix", b"03.0004\n")
    chk.read(M1 + "/guest_matrix", b"03.0004\n")
    chk.read(M1 + "/control_domains", b"0004\n")
    chk.read(M1 + "/ap_config", f"{full('0x1')},{full('0x08')},{full('0x08')}\n".encode())


def test_p2_ap_config_writes_on_u2(fs, chk):
    """Section "ap_config writes on U2": U2 reads ".0004" with control domain 4; a full
    configuration for 05.0004 is accepted; one for 03.0004 (U1's) is EADDRINUSE and U2 is
    unchanged; short left-aligned values are accepted; all zeros clear U2; an echo of two
    fields is accepted (the newline ends a third, empty field); garbage is EINVAL.

    Source: drivers/s390/crypto/vfio_ap_ops.c (ap_config_store, ap_config_show); oracle part 2 "ap_config writes"; spec §5.7, correction 23."""
    p = M2 + "/ap_config"
    five = f"{full('0x04')},{full('0x08')},{full('0x08')}"
    chk.read(p, f"{Z64},{full('0x08')},{full('0x08')}\n".encode())
    _w(chk, p, five)
    chk.read(p, (five + "\n").encode())
    chk.read(M2 + "/matrix", b"05.0004\n")
    _w(chk, p, f"{full('0x1')},{full('0x08')},{full('0x08')}", EADDRINUSE)
    chk.read(p, (five + "\n").encode())
    _w(chk, p, "0x04,0x08,0x08")
    chk.read(p, (five + "\n").encode())
    _w(chk, p, f"{Z64},{Z64},{Z64}")
    chk.read(p, f"{Z64},{Z64},{Z64}\n".encode())
    _w(chk, p, f"{Z64},{Z64}")
    _w(chk, p, "garbage", EINVAL)
    chk.read(p, f"{Z64},{Z64},{Z64}\n".encode())


def test_p2_guest_matrix_and_queue_binds(fs, chk):
    """Section "guest_matrix filtering and queue driver bind/unbind": adapter 7 (not in the host
    configuration) is in matrix only; unbinding 03.0004 from vfio_ap leaves guest_matrix
    ".0004"; cex4queue/bind of it is ENODEV (not reserved); vfio_ap/bind of 05.002a is EBUSY (held
    by cex4queue); binding 03.0004 back restores guest_matrix; status: 03.0004 "assigned",
    05.0004 "unassigned", and 03.002a (reserved again, on cex4queue) has no status file.

    Source: drivers/s390/crypto/vfio_ap_ops.c (vfio_ap_mdev_filter_matrix, status_show), ap_bus.c (ap_device_probe), drivers/base/bus.c; oracle part 2 "guest_matrix filtering"; spec §4.4, §5.6, correction 4."""
    _w(chk, M1 + "/assign_adapter", "7")
    chk.read(M1 + "/matrix", b"03.0004\n07.0004\n")
    chk.read(M1 + "/guest_matrix", b"03.0004\n")
    _w(chk, M1 + "/unassign_adapter", "7")
    _w(chk, AP + "/drivers/vfio_ap/unbind", "03.0004")
    chk.driver(q("03.0004"), None)
    chk.read(M1 + "/matrix", b"03.0004\n")
    chk.read(M1 + "/guest_matrix", b".0004\n")
    _w(chk, AP + "/drivers/cex4queue/bind", "03.0004", ENODEV)
    _w(chk, AP + "/drivers/vfio_ap/bind", "05.002a", EBUSY)
    _w(chk, AP + "/drivers/vfio_ap/bind", "03.0004")
    chk.link(q("03.0004") + "/driver", "../../../../bus/ap/drivers/vfio_ap")
    chk.read(M1 + "/matrix", b"03.0004\n")
    chk.read(M1 + "/guest_matrix", b"03.0004\n")
    chk.read(AP + "/devices/03.0004/status", b"assigned\n")
    chk.read(AP + "/devices/03.002a/status", open_err(ENOENT))
    chk.read(AP + "/devices/05.0004/status", b"unassigned\n")


def test_p2_queue_and_card_writes(fs, chk):
    """Section "guest_matrix filtering" (second half): reset 1 succeeds and reads "Reset in
    progress."; queue online 0/1 and card online 0/1 are accepted and read back; card config 0
    fails EOPNOTSUPP under QEMU (no SCLP AP configuration) and config stays 1; bindings
    "4/4 (complete)".

    Source: drivers/s390/crypto/ap_queue.c (reset_store), zcrypt_queue.c, zcrypt_card.c (online_store), ap_card.c (config_store -> sclp_ap_deconfigure); oracle part 2 "guest_matrix filtering"; spec §4.5, §4.6, corrections 20, 21."""
    _w(chk, AP + "/devices/03.0004/reset", "1")
    chk.read(AP + "/devices/03.0004/reset", b"Reset in progress.\n")
    _w(chk, AP + "/devices/03.002a/online", "0")
    chk.read(AP + "/devices/03.002a/online", b"0\n")
    _w(chk, AP + "/devices/05.002a/online", "0")
    chk.read(AP + "/devices/05.002a/online", b"0\n")
    _w(chk, AP + "/devices/05.002a/online", "1")
    _w(chk, "/sys/devices/ap/card05/online", "0")
    chk.read("/sys/devices/ap/card05/online", b"0\n")
    _w(chk, "/sys/devices/ap/card05/online", "1")
    _w(chk, "/sys/devices/ap/card05/config", "0", EOPNOTSUPP)
    chk.read("/sys/devices/ap/card05/config", b"1\n")
    chk.read(AP + "/bindings", b"4/4 (complete)\n")


def test_p2_remove(fs, chk):
    """Section "remove": removing both mdevs brings available_instances from 65534 to 65536 and
    leaves the matrix device with driver, features, mdev_supported_types, subsystem and uevent;
    the all-ones masks are then accepted and every queue is back on cex4queue.

    Source: drivers/vfio/mdev/mdev_sysfs.c (remove_store), vfio_ap_ops.c, ap_bus.c; oracle part 2 "remove"; spec §5.9, §4.3."""
    chk.read(TYPE + "/available_instances", b"65534\n")
    _w(chk, M1 + "/remove", "1")
    _w(chk, M2 + "/remove", "1")
    chk.read(TYPE + "/available_instances", b"65536\n")
    chk.dir(MATRIX, ["driver", "features", "mdev_supported_types", "subsystem", "uevent"], OPT)
    _w(chk, AP + "/apmask", F64)
    chk.read(AP + "/apmask", M(F64))
    _w(chk, AP + "/aqmask", F64)
    chk.read(AP + "/aqmask", M(F64))
    for n in QUEUES:
        chk.link(q(n) + "/driver", "../../../../bus/ap/drivers/cex4queue")


def test_p2_rmmod_vfio_ap(env, fs, chk):
    """Section "rmmod vfio_ap": with -5 in apmask and an mdev present, unloading vfio_ap
    succeeds, removes the mdev and /sys/devices/vfio_ap, leaves 05.* (outside the default masks)
    without a driver and 03.* on cex4queue.

    Source: drivers/s390/crypto/vfio_ap_drv.c (vfio_ap_exit), drivers/vfio/mdev/mdev_core.c (mdev_unregister_parent); oracle part 2 "rmmod vfio_ap"; spec §5.9, correction 25."""
    _w(chk, AP + "/apmask", "-5")
    _w(chk, TYPE + "/create", U1)
    _mod(env, chk, "rmmod", "vfio_ap")
    chk.absent("/sys/devices/vfio_ap")
    chk.absent(f"/sys/bus/mdev/devices/{U1}")
    for n, drv in (("03.0004", "cex4queue"), ("03.002a", "cex4queue"), ("05.0004", None),
                   ("05.002a", None)):
        chk.driver(q(n), drv)
