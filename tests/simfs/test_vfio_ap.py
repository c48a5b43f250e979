"""vfio_ap through a real mount: the matrix device, its type, mdev assignments, guest_matrix,
ap_config, queue status, removal and the topology's mdevs.

The part-2 kernel transcript (shared/oracle/ap-vfio_ap.txt) from "LOAD vfio_ap" on is
replayed step by step on fixtures/oracle-ap.json (which boots with vfio_ap loaded and the
default masks, the state the transcript has at that point); then the scenarios of spec §8.4
run on the built-in default topology.
"""
import os
import subprocess

import pytest

from aphelp import (AP, EACCES, EADDRINUSE, EADDRNOTAVAIL, EBUSY, EINVAL, ENODEV, ENOENT, EOPNOTSUPP, ERANGE,
                    EUSERS, MATRIX, TYPE, U1, U2, create, driver_of, fixture_variant, full, mask,
                    mdev, mode, qdrv, replay)
from conftest import SIMFS, start_simfs, unmount

ZERO = "0x" + "0" * 64
ZERO3 = f"{ZERO},{ZERO},{ZERO}\n".encode()
MDEV_FILES = ["ap_config", "assign_adapter", "assign_control_domain", "assign_domain",
              "control_domains", "driver", "guest_matrix", "iommu_group", "matrix", "mdev_type",
              "remove", "subsystem", "uevent", "unassign_adapter", "unassign_control_domain",
              "unassign_domain", "vfio-dev"]


def cfg(apm, aqm, adm):
    return (b"%s,%s,%s\n" % (mask(apm, False), mask(aqm, False), mask(adm, False)))


@pytest.fixture
def oracle(simfs_factory, fixture_path):
    return simfs_factory("--topology", fixture_path("oracle-ap.json"))


# ---- transcript: "LOAD vfio_ap" ------------------------------------------------------------

def test_oracle_load_vfio_ap_listings(oracle):
    m = oracle
    assert m.ls("devices/vfio_ap") == ["matrix", "module", "uevent"]
    assert m.readlink("devices/vfio_ap/module") == "../../module/vfio_ap"
    assert m.read("devices/vfio_ap/uevent") == b""
    assert not m.exists("devices/vfio_ap/subsystem")
    assert m.ls(MATRIX) == ["driver", "features", "mdev_supported_types", "subsystem", "uevent"]
    replay(m, [
        ("l", MATRIX + "/driver", "../../../bus/matrix/drivers/vfio_ap"),
        ("l", MATRIX + "/subsystem", "../../../bus/matrix"),
        ("r", MATRIX + "/features", b"guest_matrix hotplug ap_config\n"),
        ("r", MATRIX + "/uevent", b"DRIVER=vfio_ap\n"),
        ("r", TYPE + "/available_instances", b"65536\n"),
        ("r", TYPE + "/create", EACCES),
        ("r", TYPE + "/device_api", b"vfio-ap\n"),
        ("r", TYPE + "/name", b"VFIO AP Passthrough Device\n"),
        ("r", "bus/matrix/drivers_autoprobe", b"1\n"),
        ("r", "bus/matrix/drivers_probe", EACCES),
        ("r", "bus/matrix/uevent", EACCES),
        ("l", "bus/matrix/drivers/vfio_ap/matrix", "../../../../devices/vfio_ap/matrix"),
        ("r", "bus/matrix/drivers/vfio_ap/uevent", EACCES),
        ("r", AP + "/drivers/vfio_ap/bind", EACCES),
        ("l", AP + "/drivers/vfio_ap/module", "../../../../module/vfio_ap"),
        ("l", "class/mdev_bus/matrix", "../../devices/vfio_ap/matrix"),
        ("l", "bus/matrix/devices/matrix", "../../../devices/vfio_ap/matrix"),
    ])
    assert mode(m, MATRIX + "/features") == 0o444
    assert m.ls(MATRIX + "/mdev_supported_types") == ["vfio_ap-passthrough"]
    assert m.ls(TYPE) == ["available_instances", "create", "device_api", "devices", "name"]
    assert mode(m, TYPE + "/create") == 0o200
    assert m.ls("bus/matrix") == ["devices", "drivers", "drivers_autoprobe", "drivers_probe", "uevent"]
    assert m.ls("bus/matrix/drivers") == ["vfio_ap"]
    assert m.ls("bus/matrix/drivers/vfio_ap") == ["matrix", "uevent"]
    assert mode(m, "bus/matrix/drivers/vfio_ap/uevent") == 0o200
    assert m.ls(AP + "/drivers/vfio_ap") == ["bind", "module", "uevent", "unbind"]
    assert m.ls(AP + "/drivers") == ["cex4card", "cex4queue", "vfio_ap"]
    assert m.ls("class/mdev_bus") == ["matrix"]
    assert m.ls("bus/mdev/drivers") == ["vfio_ap_mdev"]
    assert m.readlink("bus/mdev/drivers/vfio_ap_mdev/module") == "../../../../module/vfio_ap"
    assert m.ls("module/vfio_ap/drivers") == ["ap:vfio_ap", "mdev:vfio_ap_mdev"]


def release_apqns(m):
    replay(m, [
        ("w", AP + "/apmask", "-3\n", None),
        ("r", AP + "/apmask", b"0xef" + b"f" * 62 + b"\n"),
        ("w", AP + "/aqmask", "-4\n", None),
        ("r", AP + "/aqmask", b"0xf7" + b"f" * 62 + b"\n"),
        ("l", AP + "/devices/03.0004/driver", qdrv("vfio_ap")),
        ("l", AP + "/devices/03.002a/driver", qdrv("vfio_ap")),
        ("l", AP + "/devices/05.0004/driver", qdrv("vfio_ap")),
        ("l", AP + "/devices/05.002a/driver", qdrv("cex4queue")),
    ])


def test_oracle_release_apqns(oracle):
    m = oracle
    release_apqns(m)
    assert m.ls(AP + "/drivers/vfio_ap") == ["03.0004", "03.002a", "05.0004", "bind", "module",
                                              "uevent", "unbind"]
    assert m.readlink(AP + "/drivers/vfio_ap/03.0004") == "../../../../devices/ap/card03/03.0004"
    q = "devices/ap/card03/03.0004"
    assert m.ls(q) == ["ap_functions", "chkstop", "config", "driver", "interrupt", "pendingq_count",
                       "request_count", "requestq_count", "reset", "status", "subsystem", "uevent"]
    assert mode(m, q + "/status") == 0o444
    replay(m, [
        ("r", q + "/ap_functions", b"0x6A000000\n"),
        ("r", q + "/chkstop", b"0\n"),
        ("r", q + "/config", b"1\n"),
        ("l", q + "/driver", "../../../../bus/ap/drivers/vfio_ap"),
        ("r", q + "/interrupt", b"Interrupts disabled.\n"),
        ("r", q + "/pendingq_count", b"0\n"),
        ("r", q + "/request_count", b"-\n"),
        ("r", q + "/requestq_count", b"0\n"),
        ("r", q + "/reset", b"No Reset Timer set.\n"),
        ("r", q + "/status", b"unassigned\n"),
        ("l", q + "/subsystem", "../../../../bus/ap"),
        ("r", q + "/uevent", b"DEVTYPE=ap_queue\nDRIVER=vfio_ap\nMODE=accel\n"),
        ("r", AP + "/bindings", b"4/4 (complete)\n"),
    ])


def test_oracle_full_vfio_ap_sequence(oracle):
    """Every step from "release APQNs" to "remove", in the transcript's order."""
    vfio_ap_steps(oracle)


def vfio_ap_steps(m):
    release_apqns(m)
    u1, u2 = (lambda a: mdev(U1, a)), (lambda a: mdev(U2, a))

    # MDEV create on matrix
    assert create(m, U1) is None
    assert m.read(TYPE + "/available_instances") == b"65535\n"
    assert m.ls(mdev(U1)) == MDEV_FILES
    for f in ("assign_adapter", "assign_control_domain", "assign_domain", "remove",
              "unassign_adapter", "unassign_control_domain", "unassign_domain"):
        assert mode(m, u1(f)) == 0o200, f
        assert m.read(u1(f)) == EACCES, f
    assert mode(m, u1("ap_config")) == 0o644
    for f in ("control_domains", "guest_matrix", "matrix"):
        assert mode(m, u1(f)) == 0o444, f
    replay(m, [
        ("r", u1("ap_config"), ZERO3),
        ("r", u1("control_domains"), b""),
        ("l", u1("driver"), "../../../../bus/mdev/drivers/vfio_ap_mdev"),
        ("r", u1("guest_matrix"), b""),
        ("l", u1("iommu_group"), "../../../../kernel/iommu_groups/0"),
        ("r", u1("matrix"), b""),
        ("l", u1("mdev_type"), "../mdev_supported_types/vfio_ap-passthrough"),
        ("l", u1("subsystem"), "../../../../bus/mdev"),
        ("r", u1("uevent"), b"DRIVER=vfio_ap_mdev\n"),
        ("l", "bus/mdev/devices/" + U1, "../../../devices/vfio_ap/matrix/" + U1),
        ("l", TYPE + "/devices/" + U1, "../../../" + U1),
    ])

    # assignments on U1
    replay(m, [
        ("w", u1("assign_adapter"), "3\n", None),
        ("w", u1("assign_domain"), "4\n", None),
        ("w", u1("assign_control_domain"), "4\n", None),
        ("r", u1("matrix"), b"03.0004\n"),
        ("r", u1("guest_matrix"), b"03.0004\n"),
        ("r", u1("control_domains"), b"0004\n"),
        ("r", u1("ap_config"), cfg({3}, {4}, {4})),
        ("r", u1("status"), ENOENT),
        ("w", u1("assign_adapter"), "256\n", ENODEV),
        ("w", u1("assign_adapter"), "255\n", None),
        ("r", u1("matrix"), b"03.0004\nff.0004\n"),
        ("w", u1("unassign_adapter"), "255\n", None),
        ("w", u1("assign_adapter"), "-1\n", EINVAL),
        ("w", u1("assign_adapter"), "abc\n", EINVAL),
        ("w", u1("assign_adapter"), "3 \n", EINVAL),
        ("w", u1("assign_adapter"), "0x3\n", None),
        ("w", u1("assign_adapter"), "03\n", None),
        ("w", u1("assign_adapter"), "5\n", None),
        ("r", u1("matrix"), b"03.0004\n05.0004\n"),
        ("w", u1("assign_domain"), "42\n", EADDRNOTAVAIL),
        ("r", u1("matrix"), b"03.0004\n05.0004\n"),
        ("w", u1("assign_domain"), "85\n", ENODEV),
        ("w", u1("assign_domain"), "84\n", EADDRNOTAVAIL),
        ("r", u1("matrix"), b"03.0004\n05.0004\n"),
        ("w", u1("unassign_domain"), "84\n", None),
        ("w", u1("assign_domain"), "0x54\n", EADDRNOTAVAIL),
        ("w", u1("unassign_domain"), "0x54\n", None),
        ("w", u1("assign_control_domain"), "80\n", None),
        ("w", u1("assign_control_domain"), "85\n", ENODEV),
        ("w", u1("assign_control_domain"), "255\n", ENODEV),
        ("r", u1("matrix"), b"03.0004\n05.0004\n"),
        ("r", u1("guest_matrix"), b"03.0004\n05.0004\n"),
        ("r", u1("control_domains"), b"0004\n0050\n"),
        ("r", u1("ap_config"), cfg({3, 5}, {4}, {4, 80})),
    ])

    # second mdev conflicts
    assert create(m, U2) is None
    replay(m, [
        ("r", TYPE + "/available_instances", b"65534\n"),
        ("w", u2("assign_adapter"), "3\n", None),
        ("w", u2("assign_domain"), "4\n", EADDRINUSE),
        ("r", u2("matrix"), b"03.\n"),
        ("w", u2("assign_control_domain"), "4\n", None),
        ("r", u2("control_domains"), b"0004\n"),
        ("w", u2("unassign_adapter"), "3\n", None),
        ("w", u2("assign_domain"), "4\n", None),
        ("r", u2("matrix"), b".0004\n"),
        ("w", u2("assign_adapter"), "3\n", EADDRINUSE),
        ("l", "kernel/iommu_groups/1/devices/" + U2, "../../../../devices/vfio_ap/matrix/" + U2),
    ])

    # apmask/aqmask change that would take in-use queues back
    replay(m, [
        ("w", AP + "/apmask", "+3\n", None),
        ("r", AP + "/apmask", full()),
        ("w", AP + "/aqmask", "+4\n", EBUSY),
        ("r", AP + "/aqmask", b"0xf7" + b"f" * 62 + b"\n"),
        ("w", AP + "/apmask", "0x" + "f" * 64 + "\n", None),
        ("r", AP + "/apmask", full()),
        ("l", AP + "/devices/03.0004/driver", qdrv("vfio_ap")),
        ("l", AP + "/devices/03.002a/driver", qdrv("cex4queue")),
    ])

    # unassign on U1
    replay(m, [
        ("w", u1("unassign_adapter"), "7\n", None),
        ("w", u1("unassign_adapter"), "256\n", ENODEV),
        ("w", u1("unassign_domain"), "42\n", None),
        ("w", u1("unassign_control_domain"), "80\n", None),
        ("w", u1("unassign_adapter"), "5\n", None),
        ("r", u1("matrix"), b"03.0004\n"),
        ("r", u1("guest_matrix"), b"03.0004\n"),
        ("r", u1("control_domains"), b"0004\n"),
        ("r", u1("ap_config"), cfg({3}, {4}, {4})),
    ])

    # ap_config writes on U2
    a5 = "0x04" + "0" * 62
    a3 = "0x10" + "0" * 62
    d4 = "0x08" + "0" * 62
    replay(m, [
        ("r", u2("ap_config"), cfg((), {4}, {4})),
        ("w", u2("ap_config"), f"{a5},{d4},{d4}\n", None),
        ("r", u2("ap_config"), cfg({5}, {4}, {4})),
        ("r", u2("matrix"), b"05.0004\n"),
        ("w", u2("ap_config"), f"{a3},{d4},{d4}\n", EADDRINUSE),
        ("r", u2("ap_config"), cfg({5}, {4}, {4})),
        ("w", u2("ap_config"), "0x04,0x08,0x08\n", None),
        ("r", u2("ap_config"), cfg({5}, {4}, {4})),
        ("w", u2("ap_config"), f"{ZERO},{ZERO},{ZERO}\n", None),
        ("r", u2("ap_config"), ZERO3),
        ("w", u2("ap_config"), f"{ZERO},{ZERO}\n", None),
        ("w", u2("ap_config"), "garbage\n", EINVAL),
    ])

    # guest_matrix filtering and queue driver bind/unbind
    replay(m, [
        ("w", u1("assign_adapter"), "7\n", None),
        ("r", u1("matrix"), b"03.0004\n07.0004\n"),
        ("r", u1("guest_matrix"), b"03.0004\n"),
        ("w", u1("unassign_adapter"), "7\n", None),
        ("w", AP + "/drivers/vfio_ap/unbind", "03.0004\n", None),
        ("l", AP + "/devices/03.0004/driver", None),
        ("r", u1("matrix"), b"03.0004\n"),
        ("r", u1("guest_matrix"), b".0004\n"),
        ("w", AP + "/drivers/cex4queue/bind", "03.0004\n", ENODEV),
        ("w", AP + "/drivers/vfio_ap/bind", "05.002a\n", EBUSY),
        ("w", AP + "/drivers/vfio_ap/bind", "03.0004\n", None),
        ("l", AP + "/devices/03.0004/driver", qdrv("vfio_ap")),
        ("r", u1("matrix"), b"03.0004\n"),
        ("r", u1("guest_matrix"), b"03.0004\n"),
        ("r", AP + "/devices/03.0004/status", b"assigned\n"),
        ("r", AP + "/devices/03.002a/status", ENOENT),
        ("r", AP + "/devices/05.0004/status", b"unassigned\n"),
        ("w", AP + "/devices/03.0004/reset", "1\n", None),
        ("r", AP + "/devices/03.0004/reset", b"Reset in progress.\n"),
        ("w", AP + "/devices/03.002a/online", "0\n", None),
        ("r", AP + "/devices/03.002a/online", b"0\n"),
        ("w", AP + "/devices/05.002a/online", "0\n", None),
        ("r", AP + "/devices/05.002a/online", b"0\n"),
        ("w", AP + "/devices/05.002a/online", "1\n", None),
        ("w", "devices/ap/card05/online", "0\n", None),
        ("r", "devices/ap/card05/online", b"0\n"),
        ("w", "devices/ap/card05/online", "1\n", None),
        ("w", "devices/ap/card05/config", "0\n", EOPNOTSUPP),
        ("r", "devices/ap/card05/config", b"1\n"),
        ("r", AP + "/bindings", b"4/4 (complete)\n"),
    ])

    # remove
    replay(m, [
        ("r", TYPE + "/available_instances", b"65534\n"),
        ("w", u1("remove"), "1\n", None),
        ("w", u2("remove"), "1\n", None),
        ("r", TYPE + "/available_instances", b"65536\n"),
    ])
    assert m.ls(MATRIX) == ["driver", "features", "mdev_supported_types", "subsystem", "uevent"]
    replay(m, [
        ("w", AP + "/apmask", "0x" + "f" * 64 + "\n", None),
        ("r", AP + "/apmask", full()),
        ("w", AP + "/aqmask", "0x" + "f" * 64 + "\n", None),
        ("r", AP + "/aqmask", full()),
        ("l", AP + "/devices/03.0004/driver", qdrv("cex4queue")),
        ("l", AP + "/devices/03.002a/driver", qdrv("cex4queue")),
        ("l", AP + "/devices/05.0004/driver", qdrv("cex4queue")),
        ("l", AP + "/devices/05.002a/driver", qdrv("cex4queue")),
        ("w", mdev(U1, "remove"), "1\n", ENOENT),
    ])


def ctl(m, *args):
    cp = subprocess.run([str(SIMFS), "ctl", str(m.path), *args], capture_output=True, text=True,
                        timeout=30)
    assert cp.returncode == 0, f"simfs ctl {' '.join(args)}: {cp.stdout}{cp.stderr}"
    return cp.stdout


def test_oracle_transcript_in_one_run(simfs_factory, tmp_path):
    """The part-2 run as the kernel had it: zcrypt at boot, mask writes with no vfio_ap (queues
    left driverless), insmod vfio vfio_iommu_type1 mdev vfio_ap, every vfio_ap step, then
    "rmmod vfio_ap" with an mdev present."""
    path = fixture_variant(tmp_path, "part2.json", modules={"vfio_ccw": False, "vfio_ap": False})
    m = simfs_factory("--topology", path)
    assert not m.exists("devices/vfio_ap")
    assert not m.exists("class/mdev_bus")
    # apmask/aqmask writes (no vfio_ap loaded): a queue taken from cex4queue has no driver.
    replay(m, [
        ("w", AP + "/apmask", "-5\n", None),
        ("l", AP + "/devices/05.0004/driver", None),
        ("r", AP + "/bindings", b"2/4\n"),
        ("w", AP + "/apmask", "+5\n", None),
        ("l", AP + "/devices/05.0004/driver", qdrv("cex4queue")),
        ("w", AP + "/aqmask", "0x0\n", None),
        ("r", AP + "/bindings", b"0/4\n"),
        ("w", AP + "/aqmask", "0x8\n", None),
        ("w", AP + "/aqmask", "0x" + "f" * 64 + "\n", None),
        ("r", AP + "/bindings", b"4/4 (complete)\n"),
        ("w", AP + "/ap_domain", "42\n", None),
        ("w", AP + "/ap_domain", "4\n", None),
    ])
    # LOAD vfio_ap
    for mod in ("vfio", "vfio_iommu_type1", "mdev", "vfio_ap"):
        ctl(m, "insmod", mod)
    assert m.ls("devices/vfio_ap") == ["matrix", "module", "uevent"]
    assert m.ls("class/mdev_bus") == ["matrix"]
    assert m.ls("bus/mdev/drivers") == ["vfio_ap_mdev"]
    assert m.read(MATRIX + "/uevent") == b"DRIVER=vfio_ap\n"
    assert m.ls(AP + "/drivers/vfio_ap") == ["bind", "module", "uevent", "unbind"]
    vfio_ap_steps(m)
    # rmmod vfio_ap
    replay(m, [
        ("w", AP + "/apmask", "-5\n", None),
        ("w", TYPE + "/create", U1 + "\n", None),
    ])
    ctl(m, "rmmod", "vfio_ap")
    assert not m.exists("devices/vfio_ap")
    assert not m.exists("bus/matrix")
    assert not m.exists("module/vfio_ap")
    assert not m.exists("bus/mdev/devices/" + U1)
    assert m.ls("class/mdev_bus") == []
    replay(m, [
        ("l", AP + "/devices/03.0004/driver", qdrv("cex4queue")),
        ("l", AP + "/devices/03.002a/driver", qdrv("cex4queue")),
        ("l", AP + "/devices/05.0004/driver", None),
        ("l", AP + "/devices/05.002a/driver", None),
        ("r", AP + "/bindings", b"2/4\n"),
    ])
    # FINAL: mdev, vfio_iommu_type1, vfio, zcrypt_cex4, zcrypt, rng_core
    for mod in ("mdev", "vfio_iommu_type1", "vfio", "zcrypt_cex4", "zcrypt", "rng_core"):
        assert m.exists("module/" + mod), mod
    # insmod again: the driverless queues outside the default masks are bound at once.
    ctl(m, "insmod", "vfio_ap")
    assert driver_of(m, "05.0004") == qdrv("vfio_ap")
    assert m.read(TYPE + "/available_instances") == b"65536\n"


def test_mask_uevents(sysfs):
    """A changed mask announces itself on /sys/devices/ap (the value keeps its newline);
    writing the value the mask already has sends nothing (§8.3.7)."""
    m = sysfs
    last = ctl(m, "uevents").strip().splitlines()
    seq = int([l for l in last if not l.startswith(" ")][-1].split()[0])
    assert m.write(AP + "/apmask", "0x" + "f" * 64 + "\n") is None
    assert ctl(m, "uevents", str(seq)).strip() == ""
    assert m.write(AP + "/apmask", "-5\n") is None
    out = ctl(m, "uevents", str(seq))
    # The log escapes the newline the value ends with (docs/control.md).
    assert f"change /devices/ap\n  SUBSYSTEM=ap\n  APMASK={full({5}).decode()[:-1]}\\n\n" in out
    # The queues moved: unbind from cex4queue, bind to vfio_ap, in that order.
    assert out.index("unbind /devices/ap/card05/05.0004") < out.index(
        "bind /devices/ap/card05/05.0004\n  SUBSYSTEM=ap\n  DEVTYPE=ap_queue\n  DRIVER=vfio_ap")
    assert out.index("DRIVER=vfio_ap") < out.index("APMASK=")


def test_oracle_ap_config_range_check(oracle):
    """§8.4.11's ENODEV case on the transcript's machine (ap_max_domain_id 84): the whole
    matrix is validated first, the id ranges last."""
    m = oracle
    assert m.write(AP + "/apmask", "-5\n") is None
    assert create(m, U2) is None
    d200 = mask({200}, False).decode()
    a5 = mask({5}, False).decode()
    assert m.write(mdev(U2, "ap_config"), f"{a5},{d200},{ZERO}\n") == ENODEV
    assert m.read(mdev(U2, "ap_config")) == ZERO3
    # A reserved APQN is reported before the range: adapter 3 x domain 200.
    a3 = mask({3}, False).decode()
    assert m.write(mdev(U2, "ap_config"), f"{a3},{d200},{ZERO}\n") == EADDRNOTAVAIL
    # Control domains above the maximum too.
    assert m.write(mdev(U2, "ap_config"), f"{ZERO},{ZERO},{d200}\n") == ENODEV
    assert m.write(mdev(U2, "ap_config"), f"{ZERO},{ZERO},{mask({80}, False).decode()}\n") is None
    assert m.read(mdev(U2, "control_domains")) == b"0050\n"


# ---- spec §8.4 on the default topology ---------------------------------------------------------

def free_apqns(m):
    assert m.write(AP + "/apmask", "-5,-6\n") is None
    assert m.write(AP + "/aqmask", "-4,-0xab\n") is None


def test_8_4_1_to_4_first_assignments(sysfs):
    m = sysfs
    assert create(m, U1) is None
    replay(m, [
        ("r", mdev(U1, "matrix"), b""),
        ("r", mdev(U1, "guest_matrix"), b""),
        ("r", mdev(U1, "control_domains"), b""),
        ("r", mdev(U1, "ap_config"), ZERO3),
        ("w", mdev(U1, "assign_adapter"), "5\n", None),
        ("r", mdev(U1, "matrix"), b"05.\n"),
        ("r", mdev(U1, "guest_matrix"), b"05.\n"),
        ("w", mdev(U1, "assign_domain"), "4\n", EADDRNOTAVAIL),
        ("r", mdev(U1, "matrix"), b"05.\n"),
    ])
    free_apqns(m)
    replay(m, [
        ("w", mdev(U1, "assign_domain"), "4\n", None),
        ("r", mdev(U1, "matrix"), b"05.0004\n"),
        ("w", mdev(U1, "assign_domain"), "0xab\n", None),
        ("w", mdev(U1, "assign_adapter"), "6\n", None),
        ("r", mdev(U1, "matrix"), b"05.0004\n05.00ab\n06.0004\n06.00ab\n"),
        ("r", mdev(U1, "guest_matrix"), b"05.0004\n05.00ab\n06.0004\n06.00ab\n"),
        ("r", AP + "/devices/05.0004/status", b"assigned\n"),
        ("r", AP + "/devices/05.0047/status", b"unassigned\n"),
    ])


def setup_u1(m):
    assert create(m, U1) is None
    free_apqns(m)
    for f, v in (("assign_adapter", "5"), ("assign_domain", "4"), ("assign_domain", "0xab"),
                 ("assign_adapter", "6")):
        assert m.write(mdev(U1, f), v + "\n") is None


def test_8_4_5_parsing(sysfs):
    m = sysfs
    setup_u1(m)
    replay(m, [
        ("w", mdev(U1, "assign_adapter"), "256\n", ENODEV),
        ("w", mdev(U1, "assign_adapter"), "abc\n", EINVAL),
        ("w", mdev(U1, "assign_adapter"), "-1\n", EINVAL),
        ("w", mdev(U1, "assign_adapter"), "08\n", EINVAL),
        ("w", mdev(U1, "assign_adapter"), " 5\n", EINVAL),
        ("w", mdev(U1, "assign_adapter"), "5\n\n", EINVAL),
        ("w", mdev(U1, "assign_adapter"), "99999999999999999999999\n", ERANGE),
        ("w", mdev(U1, "assign_domain"), "99999999999999999999999\n", ERANGE),
        ("w", mdev(U1, "assign_adapter"), "0x05\n", None),
        ("w", mdev(U1, "assign_adapter"), "5\n", None),
        ("w", mdev(U1, "assign_adapter"), "5", None),
        ("w", mdev(U1, "assign_adapter"), "+5\n", None),
        ("r", mdev(U1, "matrix"), b"05.0004\n05.00ab\n06.0004\n06.00ab\n"),
        ("w", mdev(U1, "assign_adapter"), "010\n", None),        # octal: adapter 8
        ("r", mdev(U1, "matrix"),
         b"05.0004\n05.00ab\n06.0004\n06.00ab\n08.0004\n08.00ab\n"),
        # Adapter 8 is not in the host configuration: not in the guest's view.
        ("r", mdev(U1, "guest_matrix"), b"05.0004\n05.00ab\n06.0004\n06.00ab\n"),
        ("w", mdev(U1, "unassign_adapter"), "abc\n", EINVAL),
        ("w", mdev(U1, "unassign_domain"), "256\n", ENODEV),
        ("w", mdev(U1, "unassign_control_domain"), "256\n", ENODEV),
    ])


def test_8_4_6_to_9_two_mdevs(sysfs):
    m = sysfs
    setup_u1(m)
    assert create(m, U2) is None
    replay(m, [
        ("w", mdev(U2, "assign_adapter"), "5\n", None),
        ("w", mdev(U2, "assign_domain"), "4\n", EADDRINUSE),
        ("r", mdev(U2, "matrix"), b"05.\n"),
        ("w", mdev(U2, "assign_domain"), "0x47\n", None),
        ("r", mdev(U2, "matrix"), b"05.0047\n"),
        ("w", mdev(U2, "assign_adapter"), "7\n", EADDRNOTAVAIL),
        ("r", mdev(U2, "matrix"), b"05.0047\n"),
        ("r", AP + "/devices/05.0047/status", b"assigned\n"),
        ("w", mdev(U1, "unassign_adapter"), "7\n", None),
        ("w", mdev(U1, "unassign_domain"), "300\n", ENODEV),
        ("r", mdev(U1, "matrix"), b"05.0004\n05.00ab\n06.0004\n06.00ab\n"),
        ("w", mdev(U1, "assign_control_domain"), "4\n", None),
        ("r", mdev(U1, "control_domains"), b"0004\n"),
        ("w", mdev(U2, "assign_control_domain"), "4\n", None),
        ("r", mdev(U2, "control_domains"), b"0004\n"),
        ("w", mdev(U1, "assign_control_domain"), "256\n", ENODEV),
        ("w", mdev(U1, "assign_control_domain"), "0xff\n", None),     # any id <= max, held or not
        ("r", mdev(U1, "control_domains"), b"0004\n00ff\n"),
        ("w", mdev(U1, "unassign_control_domain"), "0xff\n", None),
        ("w", mdev(U1, "unassign_control_domain"), "0xff\n", None),
        ("r", mdev(U1, "control_domains"), b"0004\n"),
    ])


def test_8_4_10_guest_matrix_filtering(sysfs):
    m = sysfs
    setup_u1(m)
    full4 = b"05.0004\n05.00ab\n06.0004\n06.00ab\n"
    replay(m, [
        ("w", AP + "/drivers/vfio_ap/unbind", "06.00ab\n", None),
        ("r", mdev(U1, "guest_matrix"), b"05.0004\n05.00ab\n"),
        ("r", mdev(U1, "matrix"), full4),
        ("r", AP + "/devices/06.00ab/status", ENOENT),
        ("w", AP + "/drivers/vfio_ap/bind", "06.00ab\n", None),
        ("r", mdev(U1, "guest_matrix"), full4),
        ("r", AP + "/devices/06.00ab/status", b"assigned\n"),
        ("w", mdev(U1, "assign_adapter"), "0x20\n", None),
        ("r", mdev(U1, "matrix"), full4 + b"20.0004\n20.00ab\n"),
        ("r", mdev(U1, "guest_matrix"), full4),
        # A domain outside the host configuration stays out of the guest's view.
        ("w", AP + "/aqmask", "-0x30\n", None),
        ("w", mdev(U1, "assign_domain"), "0x30\n", None),
        ("r", mdev(U1, "guest_matrix"), full4),
    ])


def test_guest_matrix_is_not_refiltered_by_unassign(sysfs):
    """Unassigning only unplugs the id; an adapter filtered out earlier stays out until the
    next filtering (an assignment or a probe)."""
    m = sysfs
    setup_u1(m)
    replay(m, [
        ("w", AP + "/drivers/vfio_ap/unbind", "06.00ab\n", None),
        ("r", mdev(U1, "guest_matrix"), b"05.0004\n05.00ab\n"),
        ("w", mdev(U1, "unassign_domain"), "0xab\n", None),
        ("r", mdev(U1, "matrix"), b"05.0004\n06.0004\n"),
        ("r", mdev(U1, "guest_matrix"), b"05.0004\n"),
        ("w", mdev(U1, "assign_domain"), "0xab\n", None),      # re-filtered: 6 still short
        ("r", mdev(U1, "guest_matrix"), b"05.0004\n05.00ab\n"),
        ("w", mdev(U1, "unassign_domain"), "0xab\n", None),
        ("w", mdev(U1, "assign_control_domain"), "4\n", None),  # does not filter the APQNs
        ("r", mdev(U1, "guest_matrix"), b"05.0004\n"),
        ("w", mdev(U1, "assign_adapter"), "0x20\n", None),      # filters: 06.0004 is bound
        ("r", mdev(U1, "guest_matrix"), b"05.0004\n06.0004\n"),
    ])


def test_8_4_11_ap_config(sysfs):
    m = sysfs
    setup_u1(m)
    assert create(m, U2) is None
    cur = m.read(mdev(U1, "ap_config"))
    assert cur == cfg({5, 6}, {4, 0xAB}, ())
    assert m.write(mdev(U1, "ap_config"), cur) is None
    assert m.read(mdev(U1, "ap_config")) == cur
    assert m.read(mdev(U1, "matrix")) == b"05.0004\n05.00ab\n06.0004\n06.00ab\n"
    m6 = mask({6}, False).decode()
    m4 = mask({4}, False).decode()
    assert m.write(mdev(U2, "ap_config"), f"{m6},{m4},{ZERO}\n") == EADDRINUSE
    assert m.read(mdev(U2, "ap_config")) == ZERO3
    assert m.write(mdev(U2, "ap_config"), "0x80,0x40,0x0\n") == EADDRNOTAVAIL
    assert m.read(mdev(U2, "ap_config")) == ZERO3
    assert m.write(mdev(U2, "ap_config"), "garbage\n") == EINVAL
    assert m.write(mdev(U2, "ap_config"), "0x0,0x0") == EINVAL          # printf: two fields
    assert m.write(mdev(U2, "ap_config"), "0x0,0x0\n") is None          # echo: third is empty
    assert m.write(mdev(U2, "ap_config"), "0x" + "1" * 65 + ",0x0,0x0\n") == EINVAL
    # A successful write replaces the whole matrix at once and filters the guest view.
    m5 = mask({5}, False).decode()
    m47 = mask({0x47}, False).decode()
    assert m.write(mdev(U2, "ap_config"), f"{m5},{m47},{m4}\n") is None
    assert m.read(mdev(U2, "matrix")) == b"05.0047\n"
    assert m.read(mdev(U2, "guest_matrix")) == b"05.0047\n"
    assert m.read(mdev(U2, "control_domains")) == b"0004\n"
    assert m.read(AP + "/devices/05.0047/status") == b"assigned\n"


def test_8_4_12_remove(sysfs):
    m = sysfs
    setup_u1(m)
    assert create(m, U2) is None
    assert m.write(mdev(U2, "assign_adapter"), "5\n") is None
    assert m.write(mdev(U2, "assign_domain"), "0x47\n") is None
    assert m.read(TYPE + "/available_instances") == b"65534\n"
    assert m.write(mdev(U1, "remove"), "1\n") is None
    assert m.read(TYPE + "/available_instances") == b"65535\n"
    for q in ("05.0004", "05.00ab", "06.0004", "06.00ab"):
        assert m.read(f"{AP}/devices/{q}/status") == b"unassigned\n", q
    assert m.read(AP + "/devices/05.0047/status") == b"assigned\n"
    assert m.write(AP + "/apmask", "+5\n") == EBUSY        # U2's 05.0047 (0x47 is in aqmask)
    assert m.write(mdev(U2, "unassign_domain"), "0x47\n") is None
    assert m.write(AP + "/apmask", "+5\n") is None
    assert driver_of(m, "05.0047") == qdrv("cex4queue")
    assert driver_of(m, "05.0004") == qdrv("vfio_ap")     # domain 4 still out of aqmask
    assert m.write(AP + "/aqmask", "0x" + "f" * 64 + "\n") is None
    for q in ("05.0004", "05.00ab", "05.0047"):
        assert driver_of(m, q) == qdrv("cex4queue")
    assert driver_of(m, "06.0004") == qdrv("vfio_ap")
    assert m.write(mdev(U2, "remove"), "0\n") is None      # 0: nothing happens
    assert m.exists(mdev(U2))
    assert m.write(mdev(U2, "remove"), "1\n") is None
    assert not m.exists(mdev(U2))
    assert m.read(TYPE + "/available_instances") == b"65536\n"


def test_8_4_13_type_and_matrix_files(sysfs):
    m = sysfs
    replay(m, [
        ("r", MATRIX + "/features", b"guest_matrix hotplug ap_config\n"),
        ("r", TYPE + "/name", b"VFIO AP Passthrough Device\n"),
        ("r", TYPE + "/device_api", b"vfio-ap\n"),
        ("l", "class/mdev_bus/matrix", "../../devices/vfio_ap/matrix"),
    ])
    assert not m.exists("bus/matrix/drivers/vfio_ap/bind")
    assert not m.exists("bus/matrix/drivers/vfio_ap/module")


def test_mdev_create_errors_and_mixed_case(sysfs):
    m = sysfs
    assert create(m, U1) is None
    assert create(m, U1.upper()) == 17                     # EEXIST, whatever the case
    assert m.write(TYPE + "/create", "0AB1C2D3-E4F5-4a6b-8c7d-9E0F1A2B3C4D") is None
    assert m.exists(mdev("0ab1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d"))
    assert m.write(TYPE + "/create", "not-a-uuid\n") == EINVAL


def test_status_in_use_needs_a_guest(sysfs):
    """Without a guest an assigned queue reads "assigned"; "in use" needs the guest hook
    (not reachable through sysfs)."""
    m = sysfs
    setup_u1(m)
    assert m.read(AP + "/devices/06.00ab/status") == b"assigned\n"


def test_matrix_show_is_cut_at_a_page(sysfs):
    """256 x 256 APQNs do not fit a page: sysfs returns PAGE_SIZE - 1 bytes."""
    m = sysfs
    assert create(m, U1) is None
    assert m.write(AP + "/apmask", "0x0\n") is None
    assert m.write(mdev(U1, "ap_config"), "0x" + "f" * 64 + ",0x" + "f" * 64 + ",0x0\n") is None
    data = m.read(mdev(U1, "matrix"))
    assert len(data) == 4095
    assert data.startswith(b"00.0000\n00.0001\n")
    assert m.read(mdev(U1, "guest_matrix")) == b"05.0004\n05.0047\n05.00ab\n06.0004\n06.0047\n06.00ab\n"


def test_mdev_unbind_frees_its_apqns(sysfs):
    """An mdev unbound from vfio_ap_mdev loses its vendor state: its APQNs are free again."""
    m = sysfs
    setup_u1(m)
    assert m.write("bus/mdev/drivers/vfio_ap_mdev/unbind", U1 + "\n") is None
    assert m.ls(mdev(U1)) == ["mdev_type", "remove", "subsystem", "uevent"]
    assert m.read(AP + "/devices/05.0004/status") == b"unassigned\n"
    assert m.write(AP + "/apmask", "+5,+6\n") is None
    assert m.write(AP + "/aqmask", "+4,+0xab\n") is None


# ---- kernel-version personality --------------------------------------------------------------

def test_kernel_6_8_has_no_ap_config_nor_features(simfs_factory):
    m = simfs_factory("--kernel-version", "6.8")
    assert not m.exists(MATRIX + "/features")
    assert create(m, U1) is None
    assert not m.exists(mdev(U1, "ap_config"))
    assert m.exists(mdev(U1, "guest_matrix"))


def test_kernel_6_11_has_ap_config_but_no_features(simfs_factory):
    m = simfs_factory("--kernel-version", "6.11")
    assert not m.exists(MATRIX + "/features")
    assert create(m, U1) is None
    assert m.exists(mdev(U1, "ap_config"))


def test_kernel_5_19_pre_dynamic_configuration(simfs_factory):
    """Before 6.0: no guest_matrix, and every APQN an assignment creates must already be
    bound to vfio_ap (EADDRNOTAVAIL otherwise, even with no domains)."""
    m = simfs_factory("--kernel-version", "5.19")
    assert create(m, U1) is None
    assert not m.exists(mdev(U1, "guest_matrix"))
    assert not m.exists(mdev(U1, "ap_config"))
    assert m.write(mdev(U1, "assign_adapter"), "5\n") == EADDRNOTAVAIL
    assert m.write(mdev(U1, "assign_adapter"), "0x20\n") == EADDRNOTAVAIL   # no such adapter
    free_apqns(m)
    replay(m, [
        ("w", mdev(U1, "assign_adapter"), "5\n", None),
        ("w", mdev(U1, "assign_domain"), "4\n", None),
        ("w", mdev(U1, "assign_domain"), "0x30\n", EADDRNOTAVAIL),   # no queue 05.0030
        ("w", mdev(U1, "assign_adapter"), "0x20\n", EADDRNOTAVAIL),  # no queue 20.0004
        ("w", AP + "/drivers/vfio_ap/unbind", "06.0004\n", None),
        ("w", mdev(U1, "assign_adapter"), "6\n", EADDRNOTAVAIL),     # 06.0004 is not vfio_ap's
        ("r", mdev(U1, "matrix"), b"05.0004\n"),
    ])


# ---- topology mdevs ----------------------------------------------------------------------------

def test_topology_mdevs_are_created_with_their_assignments(simfs_factory, tmp_path):
    path = fixture_variant(
        tmp_path, "mdevs.json", base="default.json",
        ap={"apmask": "0xf9" + "f" * 62, "aqmask": "0xf7" + "f" * 62},
        mdevs=[{"uuid": U1, "parent": "matrix", "adapters": [5, 6], "domains": [4],
                "control_domains": [4, 0x47]},
               {"uuid": U2, "parent": "matrix", "adapters": [5], "domains": [0x47]}])
    m = simfs_factory("--topology", path)
    replay(m, [
        ("r", mdev(U1, "matrix"), b"05.0004\n06.0004\n"),
        ("r", mdev(U1, "guest_matrix"), b"05.0004\n06.0004\n"),
        ("r", mdev(U1, "control_domains"), b"0004\n0047\n"),
        ("r", mdev(U2, "matrix"), b"05.0047\n"),
        ("r", TYPE + "/available_instances", b"65534\n"),
        ("r", AP + "/devices/05.0004/status", b"assigned\n"),
        ("l", mdev(U1, "iommu_group"), "../../../../kernel/iommu_groups/0"),
        ("l", mdev(U2, "iommu_group"), "../../../../kernel/iommu_groups/1"),
    ])


def _start_fails(tmp_path, topo):
    mp = tmp_path / f"refused{len(list(tmp_path.glob('refused*')))}"
    mp.mkdir()
    m, cp = start_simfs(mp, "--topology", topo)
    if m is not None:
        unmount(m.path, m.pid)
        pytest.fail("simfs accepted the topology")
    return cp.stderr


def test_topology_mdev_refused_with_a_precise_message(tmp_path):
    path = fixture_variant(tmp_path, "bad.json", base="default.json",
                           mdevs=[{"uuid": U1, "parent": "matrix", "adapters": [5], "domains": [4]}])
    err = _start_fails(tmp_path, path)
    assert f"{path}: mdevs[0].domains: assign_domain of 4 (0x04) to {U1} refused with " \
           "Cannot assign requested address: APQN 05.0004 still belongs to the host" in err


def test_topology_mdev_sharing_refused(tmp_path):
    path = fixture_variant(
        tmp_path, "share.json", base="default.json", ap={"apmask": "0x00", "aqmask": "0x00"},
        mdevs=[{"uuid": U1, "parent": "matrix", "adapters": [5], "domains": [4]},
               {"uuid": U2, "parent": "matrix", "adapters": [5, 6], "domains": [4]}])
    err = _start_fails(tmp_path, path)
    assert f"{path}: mdevs[1].domains: assign_domain of 4 (0x04) to {U2} refused with " \
           f"Address already in use: APQN 05.0004 is already assigned to {U1}" in err


def test_topology_mdev_without_vfio_ap(tmp_path):
    path = fixture_variant(tmp_path, "novfioap.json", base="default.json",
                           modules={"vfio_ccw": True, "vfio_ap": False},
                           mdevs=[{"uuid": U1, "parent": "matrix"}])
    err = _start_fails(tmp_path, path)
    assert f"{path}: mdevs[0].parent: matrix: vfio_ap is not loaded" in err


def test_topology_ccw_mdev(simfs_factory, tmp_path):
    base = fixture_variant(tmp_path, "x.json", base="default.json")
    import json
    data = json.loads(base.read_text())
    data["css"]["subchannels"][1]["driver"] = "vfio_ccw"
    data["mdevs"] = [{"uuid": U1, "parent": "0.0.0313"}]
    path = tmp_path / "ccw.json"
    path.write_text(json.dumps(data))
    m = simfs_factory("--topology", path)
    assert m.readlink(f"devices/css0/0.0.0313/{U1}/mdev_type") == "../mdev_supported_types/vfio_ccw-io"
    assert m.read("devices/css0/0.0.0313/mdev_supported_types/vfio_ccw-io/available_instances") == b"0\n"
    # A subchannel that vfio_ccw does not drive is refused.
    data["css"]["subchannels"][1]["driver"] = "io_subchannel"
    path.write_text(json.dumps(data))
    err = _start_fails(tmp_path, path)
    assert f"{path}: mdevs[0].parent: subchannel 0.0.0313 is not bound to vfio_ccw (driver: io_subchannel)" in err
    data["mdevs"] = [{"uuid": U1, "parent": "0.0.9999"}]
    path.write_text(json.dumps(data))
    err = _start_fails(tmp_path, path)
    assert "mdevs[0].parent: 0.0.9999 is neither \"matrix\" nor a subchannel" in err


# ---- spec §8.1 (the mdev core, on the matrix parent) ---------------------------------------

def test_8_1_mdev_core_on_matrix(sysfs):
    m = sysfs
    U3 = "33333333-4444-5555-6666-777777777777"
    assert create(m, U1) is None
    replay(m, [
        ("l", TYPE + "/devices/" + U1, "../../../" + U1),
        ("l", "bus/mdev/devices/" + U1, "../../../devices/vfio_ap/matrix/" + U1),
        ("l", mdev(U1, "mdev_type"), "../mdev_supported_types/vfio_ap-passthrough"),
        ("l", mdev(U1, "driver"), "../../../../bus/mdev/drivers/vfio_ap_mdev"),
        ("r", TYPE + "/available_instances", b"65535\n"),
    ])
    assert m.exists(mdev(U1, "iommu_group"))
    assert m.write(TYPE + "/create", U2.upper()) is None              # printf, 36 bytes
    assert m.exists(mdev(U2))
    assert m.write(TYPE + "/create", U3[:35]) == EINVAL
    assert m.write(TYPE + "/create", U3 + "\n\n") == EINVAL
    assert m.write(TYPE + "/create", "zzzzzzzz" + U3[8:]) == EINVAL
    assert not m.exists(mdev(U3))
    assert create(m, U1) == 17
    # UUIDs are global: the same one on a vfio_ccw parent is EEXIST too.
    assert m.write("bus/css/drivers/io_subchannel/unbind", "0.0.0313\n") is None
    assert m.write("bus/css/drivers/vfio_ccw/bind", "0.0.0313\n") is None
    assert m.write("devices/css0/0.0.0313/mdev_supported_types/vfio_ccw-io/create", U1 + "\n") == 17
    assert m.read(TYPE + "/create") == EACCES
    assert m.write(TYPE + "/name", "x\n") == EACCES
    replay(m, [
        ("w", mdev(U1, "remove"), "0\n", None),
        ("w", mdev(U1, "remove"), "abc\n", EINVAL),
        ("w", mdev(U1, "remove"), "1\n", None),
        ("r", TYPE + "/available_instances", b"65535\n"),
        ("w", mdev(U1, "remove"), "1\n", ENOENT),
        ("w", "bus/mdev/drivers/vfio_ap_mdev/bind", U2 + "\n", ENODEV),
    ])
    assert not m.exists("bus/mdev/devices/" + U1)
    assert not m.exists(TYPE + "/devices/" + U1)
