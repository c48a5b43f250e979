"""The AP bus through a real mount: /sys/bus/ap, /sys/devices/ap, cards, queues,
apmask/aqmask and the default drivers.

Two sources:
  * the part-2 kernel transcript (shared/oracle/ap-vfio_ap.txt), replayed on
    fixtures/oracle-ap.json, its hardware;
  * the scenarios of spec §8.3 on the built-in default topology (cards 05 CEX7C
    and 06 CEX8A, domains 0x04, 0x47, 0xab, max ids 255).
Every read is compared as exact bytes, every refusal by errno.
"""
import os

import pytest

from aphelp import (AP, EACCES, EADDRINUSE, EBUSY, EINVAL, ENODEV, ENOENT, EOPNOTSUPP, ERANGE, U1,
                    U2, create, driver_of, fixture_variant, full, mask, mdev, mode, qdrv, replay)

ORACLE_QUEUES = ["03.0004", "03.002a", "05.0004", "05.002a"]
DEFAULT_QUEUES = [f"{a:02x}.{d:04x}" for a in (5, 6) for d in (4, 0x47, 0xAB)]


@pytest.fixture
def oracle_no_vfio_ap(simfs_factory, tmp_path):
    """The transcript's machine before "LOAD vfio_ap": zcrypt loaded, vfio_ap not."""
    path = fixture_variant(tmp_path, "oracle-novfioap.json", modules={"vfio_ccw": False, "vfio_ap": False})
    return simfs_factory("--topology", path)


@pytest.fixture
def oracle(simfs_factory, fixture_path):
    return simfs_factory("--topology", fixture_path("oracle-ap.json"))


# ---- transcript: "LOAD zcrypt (default drivers)" ----------------------------------------------

BUS_FILES = {
    "ap_adapter_mask": (0o444, mask({3, 5})),
    "ap_control_domain_mask": (0o444, mask({4, 42, 80})),
    "ap_domain": (0o644, b"4\n"),
    "ap_interrupts": (0o444, b"0\n"),
    "ap_max_adapter_id": (0o444, b"255\n"),
    "ap_max_domain_id": (0o444, b"84\n"),
    "ap_usage_domain_mask": (0o444, mask({4, 42})),
    "apmask": (0o644, full()),
    "aqmask": (0o644, full()),
    "bindings": (0o444, b"4/4 (complete)\n"),
    "config_time": (0o644, b"30\n"),
    "drivers_autoprobe": (0o644, b"1\n"),
    "drivers_probe": (0o200, EACCES),
    "features": (0o444, b"APXA QACT RC8A\n"),
    "poll_thread": (0o644, b"0\n"),
    "poll_timeout": (0o644, b"250000\n"),
    "scans": (0o644, b"1\n"),
    "uevent": (0o200, EACCES),
}


def test_oracle_bus_after_zcrypt(oracle_no_vfio_ap):
    m = oracle_no_vfio_ap
    assert m.ls(AP) == sorted(list(BUS_FILES) + ["devices", "drivers"])
    for name, (md, value) in BUS_FILES.items():
        assert mode(m, f"{AP}/{name}") == md, name
        assert m.read(f"{AP}/{name}") == value, name
    assert m.ls(AP + "/drivers") == ["cex4card", "cex4queue"]
    assert m.ls(AP + "/devices") == sorted(ORACLE_QUEUES + ["card03", "card05"])
    for q in ORACLE_QUEUES:
        card = "card" + q[:2]
        assert m.readlink(f"{AP}/devices/{q}") == f"../../../devices/ap/{card}/{q}"
        assert m.readlink(f"{AP}/drivers/cex4queue/{q}") == f"../../../../devices/ap/{card}/{q}"
    for c in ("card03", "card05"):
        assert m.readlink(f"{AP}/devices/{c}") == f"../../../devices/ap/{c}"
    for d in ("cex4card", "cex4queue"):
        assert m.readlink(f"{AP}/drivers/{d}/module") == "../../../../module/zcrypt_cex4"
        assert set(m.ls(f"{AP}/drivers/{d}")) >= {"bind", "unbind", "uevent", "module"}
    assert m.readlink("module/zcrypt_cex4/drivers/ap:cex4queue") == "../../../bus/ap/drivers/cex4queue"
    assert m.readlink("module/zcrypt_cex4/drivers/ap:cex4card") == "../../../bus/ap/drivers/cex4card"
    for mod in ("zcrypt", "zcrypt_cex4", "rng_core"):
        assert m.exists(f"module/{mod}")


CARD_FILES = {
    "ap_functions": (0o444, b"0x6A000000\n"), "chkstop": (0o444, b"0\n"), "config": (0o644, b"1\n"),
    "depth": (0o444, b"8\n"), "hwtype": (0o444, b"13\n"), "load": (0o444, b"0\n"),
    "max_msg_size": (0o444, b"12288\n"), "modalias": (0o444, b"ap:t0D\n"), "online": (0o644, b"1\n"),
    "pendingq_count": (0o444, b"0\n"), "raw_hwtype": (0o444, b"13\n"),
    "request_count": (0o644, b"0\n"), "requestq_count": (0o444, b"0\n"), "type": (0o444, b"CEX7A\n"),
    "uevent": (0o644, b"DEVTYPE=ap_card\nDRIVER=cex4card\nDEV_TYPE=000D\nMODALIAS=ap:t0D\nMODE=accel\n"),
}
QUEUE_FILES = {
    "ap_functions": (0o444, b"0x6A000000\n"), "chkstop": (0o444, b"0\n"), "config": (0o444, b"1\n"),
    "interrupt": (0o444, b"Interrupts disabled.\n"), "load": (0o444, b"0\n"), "online": (0o644, b"1\n"),
    "pendingq_count": (0o444, b"0\n"), "request_count": (0o644, b"0\n"),
    "requestq_count": (0o444, b"0\n"), "reset": (0o644, b"No Reset Timer set.\n"),
    "uevent": (0o644, b"DEVTYPE=ap_queue\nDRIVER=cex4queue\nMODE=accel\n"),
}


def test_oracle_devices_after_zcrypt(oracle_no_vfio_ap):
    m = oracle_no_vfio_ap
    assert m.ls("devices/ap") == ["card03", "card05", "uevent"]
    assert m.read("devices/ap/uevent") == b""
    assert mode(m, "devices/ap/uevent") == 0o644
    for card in ("card03", "card05"):
        base = f"devices/ap/{card}"
        queues = [q for q in ORACLE_QUEUES if q.startswith(card[4:])]
        assert m.ls(base) == sorted(list(CARD_FILES) + queues + ["driver", "subsystem"])
        for name, (md, value) in CARD_FILES.items():
            assert mode(m, f"{base}/{name}") == md, name
            assert m.read(f"{base}/{name}") == value, (card, name)
        assert m.readlink(base + "/driver") == "../../../bus/ap/drivers/cex4card"
        assert m.readlink(base + "/subsystem") == "../../../bus/ap"
        for q in queues:
            qb = f"{base}/{q}"
            assert m.ls(qb) == sorted(list(QUEUE_FILES) + ["driver", "subsystem"])
            for name, (md, value) in QUEUE_FILES.items():
                assert mode(m, f"{qb}/{name}") == md, name
                assert m.read(f"{qb}/{name}") == value, (q, name)
            assert m.readlink(qb + "/driver") == "../../../../bus/ap/drivers/cex4queue"
            assert m.readlink(qb + "/subsystem") == "../../../../bus/ap"


# ---- transcript: "apmask writes (no vfio_ap loaded)" -------------------------------------------

def _f(hexstr):
    """A transcript mask value as the read returns it."""
    return hexstr.encode() + b"\n"


APMASK_STEPS = [
    ("-5\n", None, "0xfbffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"),
    ("+5\n", None, "0x" + "f" * 64),
    ("-4,-0xab\n", None, "0xf7ffffffffffffffffffffffffffffffffffffffffefffffffffffffffffffff"),
    ("+4,+0xab\n", None, "0x" + "f" * 64),
    ("-0-15\n", None, "0x0000" + "f" * 60),
    ("+0-15\n", None, "0x" + "f" * 64),
    ("-0x10-0x1f\n", None, "0xffff0000" + "f" * 56),
    ("-3,+3\n", None, "0xffff0000" + "f" * 56),
    ("+3,-3\n", None, "0xefff0000" + "f" * 56),
    ("0x0\n", None, "0x" + "0" * 64),
    ("0x" + "f" * 64 + "\n", None, "0x" + "f" * 64),
    ("0x8\n", None, "0x8" + "0" * 63),
    ("0x80\n", None, "0x8" + "0" * 63),
    ("8\n", None, "0x8" + "0" * 63),
    ("0x0123456789abcdef\n", None, "0x0123456789abcdef" + "0" * 48),
    ("0x" + "f" * 65 + "\n", EINVAL, "0x0123456789abcdef" + "0" * 48),
    ("-255\n", None, "0x0123456789abcdef" + "0" * 48),
    ("+255\n", None, "0x0123456789abcdef" + "0" * 47 + "1"),
    ("-256\n", EINVAL, "0x0123456789abcdef" + "0" * 47 + "1"),
    ("-300\n", EINVAL, "0x0123456789abcdef" + "0" * 47 + "1"),
    ("-0x100\n", EINVAL, "0x0123456789abcdef" + "0" * 47 + "1"),
    ("garbage\n", EINVAL, "0x0123456789abcdef" + "0" * 47 + "1"),
    ("\n", None, "0x" + "0" * 64),
    ("0x\n", None, "0x" + "0" * 64),
    ("-\n", EINVAL, "0x" + "0" * 64),
    ("+3,\n", None, "0x1" + "0" * 63),
    ("-3 \n", EINVAL, "0x1" + "0" * 63),
    (" -3\n", EINVAL, "0x1" + "0" * 63),
    ("-3,,-4\n", None, "0x" + "0" * 64),
    ("-3;-4\n", EINVAL, "0x" + "0" * 64),
    ("-15-3\n", EINVAL, "0x" + "0" * 64),
    ("-0x3g\n", EINVAL, "0x" + "0" * 64),
    ("-7", None, "0x" + "0" * 64),                      # printf: no newline
    ("0x" + "f" * 64 + "\n", None, "0x" + "f" * 64),
]

AQMASK_STEPS = [
    ("-5\n", None, "0xfbffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"),
    ("-4,-0xab\n", None, "0xf3ffffffffffffffffffffffffffffffffffffffffefffffffffffffffffffff"),
    ("+4\n", None, "0xfbffffffffffffffffffffffffffffffffffffffffefffffffffffffffffffff"),
    ("-0-15\n", None, "0x0000ffffffffffffffffffffffffffffffffffffffefffffffffffffffffffff"),
    ("0x0\n", None, "0x" + "0" * 64),
    ("0x8\n", None, "0x8" + "0" * 63),
    ("-255\n", None, "0x8" + "0" * 63),
    ("-256\n", EINVAL, "0x8" + "0" * 63),
    ("garbage\n", EINVAL, "0x8" + "0" * 63),
    ("0x" + "f" * 64 + "\n", None, "0x" + "f" * 64),
]


def test_oracle_apmask_grammar(oracle_no_vfio_ap):
    m = oracle_no_vfio_ap
    for i, (value, err, after) in enumerate(APMASK_STEPS):
        assert m.write(AP + "/apmask", value) == err, (i, value)
        assert m.read(AP + "/apmask") == _f(after), (i, value)
    assert m.read(AP + "/bindings") == b"4/4 (complete)\n"


def test_oracle_aqmask_grammar_and_bus_reads(oracle_no_vfio_ap):
    m = oracle_no_vfio_ap
    for i, (value, err, after) in enumerate(AQMASK_STEPS):
        assert m.write(AP + "/aqmask", value) == err, (i, value)
        assert m.read(AP + "/aqmask") == _f(after), (i, value)
    replay(m, [
        ("r", AP + "/ap_domain", b"4\n"),
        ("r", AP + "/ap_control_domain_mask", mask({4, 42, 80})),
        ("r", AP + "/ap_usage_domain_mask", mask({4, 42})),
        ("r", AP + "/ap_adapter_mask", mask({3, 5})),
        ("r", AP + "/ap_max_domain_id", b"84\n"),
        ("r", AP + "/ap_max_adapter_id", b"255\n"),
        ("r", AP + "/bindings", b"4/4 (complete)\n"),
        ("r", AP + "/scans", b"1\n"),
        ("r", AP + "/features", b"APXA QACT RC8A\n"),
        ("r", AP + "/config_time", b"30\n"),
        ("r", AP + "/poll_thread", b"0\n"),
        ("r", AP + "/ap_interrupts", b"0\n"),
        ("r", AP + "/poll_timeout", b"250000\n"),
        ("w", AP + "/ap_domain", "42\n", None),
        ("r", AP + "/ap_domain", b"42\n"),
        ("w", AP + "/ap_domain", "85\n", EINVAL),
        ("r", AP + "/ap_domain", b"42\n"),
        ("w", AP + "/ap_domain", "4\n", None),
        ("r", AP + "/ap_domain", b"4\n"),
    ])


def test_oracle_masks_without_vfio_ap_leave_queues_driverless(oracle_no_vfio_ap):
    """Correction 18: a queue taken from cex4queue with no vfio_ap loaded has no driver, and
    the all-f write probes the driverless queues again, synchronously."""
    m = oracle_no_vfio_ap
    assert m.write(AP + "/aqmask", "0x0\n") is None
    for q in ORACLE_QUEUES:
        assert driver_of(m, q) is None
        # Left cex4queue: uninitiated, online/load gone, no status (no vfio_ap).
        assert m.read(f"{AP}/devices/{q}/request_count") == b"-\n"
        assert m.read(f"{AP}/devices/{q}/uevent") == b"DEVTYPE=ap_queue\nMODE=accel\n"
        assert m.read(f"{AP}/devices/{q}/online") == ENOENT
    assert m.read(AP + "/bindings") == b"0/4\n"
    assert m.write(AP + "/aqmask", "0x8\n") is None
    assert m.read(AP + "/bindings") == b"0/4\n"
    assert m.write(AP + "/aqmask", "0x" + "f" * 64 + "\n") is None
    for q in ORACLE_QUEUES:
        assert driver_of(m, q) == qdrv("cex4queue")
        assert m.read(f"{AP}/devices/{q}/request_count") == b"0\n"
        assert m.read(f"{AP}/devices/{q}/reset") == b"No Reset Timer set.\n"
    assert m.read(AP + "/bindings") == b"4/4 (complete)\n"


def test_oracle_card_and_queue_writes(oracle):
    """The card/queue writes of "guest_matrix filtering and queue driver bind/unbind"."""
    m = oracle
    replay(m, [
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


# ---- spec §8.3 on the default topology ------------------------------------------------------

def test_8_3_1_default_masks(sysfs):
    assert sysfs.read(AP + "/apmask") == full()
    assert sysfs.read(AP + "/aqmask") == full()
    for q in DEFAULT_QUEUES:
        assert driver_of(sysfs, q) == qdrv("cex4queue")
    assert sysfs.read(AP + "/bindings") == b"6/6 (complete)\n"


def test_default_topology_hardware(sysfs):
    m = sysfs
    replay(m, [
        ("r", AP + "/ap_adapter_mask", mask({5, 6})),
        ("r", AP + "/ap_usage_domain_mask", mask({4, 0x47, 0xAB})),
        ("r", AP + "/ap_control_domain_mask", mask({4, 0x47, 0xAB})),
        ("r", AP + "/ap_max_adapter_id", b"255\n"),
        ("r", AP + "/ap_max_domain_id", b"255\n"),
        ("r", AP + "/ap_domain", b"4\n"),
        ("r", "devices/ap/card05/type", b"CEX7C\n"),
        ("r", "devices/ap/card05/hwtype", b"13\n"),
        ("r", "devices/ap/card05/ap_functions", b"0x72000000\n"),
        ("r", "devices/ap/card05/uevent",
         b"DEVTYPE=ap_card\nDRIVER=cex4card\nDEV_TYPE=000D\nMODALIAS=ap:t0D\nMODE=cca\n"),
        ("r", "devices/ap/card06/type", b"CEX8A\n"),
        ("r", "devices/ap/card06/hwtype", b"14\n"),
        ("r", "devices/ap/card06/modalias", b"ap:t0E\n"),
        ("r", "devices/ap/card06/uevent",
         b"DEVTYPE=ap_card\nDRIVER=cex4card\nDEV_TYPE=000E\nMODALIAS=ap:t0E\nMODE=accel\n"),
        ("r", AP + "/devices/05.0047/uevent", b"DEVTYPE=ap_queue\nDRIVER=cex4queue\nMODE=cca\n"),
        ("r", AP + "/devices/06.00ab/uevent", b"DEVTYPE=ap_queue\nDRIVER=cex4queue\nMODE=accel\n"),
    ])
    # A CCA card has its serial number file (the query fails: empty), its queues mkvps.
    assert m.read("devices/ap/card05/serialnr") == b"\n"
    assert m.read(AP + "/devices/05.0004/mkvps").startswith(b"AES NEW: - -\nAES CUR: - -\n")
    assert not m.exists("devices/ap/card06/serialnr")
    assert not m.exists(AP + "/devices/06.0004/mkvps")


def test_8_3_2_release_adapters_to_vfio_ap(sysfs):
    m = sysfs
    assert m.write(AP + "/apmask", "-5,-6\n") is None
    assert m.read(AP + "/apmask") == full({5, 6})
    assert m.read(AP + "/apmask")[:6] == b"0xf9ff"
    for q in DEFAULT_QUEUES:
        assert driver_of(m, q) == qdrv("vfio_ap")
        assert m.read(f"{AP}/devices/{q}/status") == b"unassigned\n"
        assert m.readlink(f"{AP}/drivers/vfio_ap/{q}") == f"../../../../devices/ap/card{q[:2]}/{q}"
        assert not m.exists(f"{AP}/drivers/cex4queue/{q}")
        assert m.read(f"{AP}/devices/{q}/online") == ENOENT
    assert m.read(AP + "/bindings") == b"6/6 (complete)\n"
    # Cards are not affected.
    assert m.readlink("devices/ap/card05/driver") == "../../../bus/ap/drivers/cex4card"


def test_8_3_3_aqmask_as_in_vfio_ap_rst(sysfs):
    m = sysfs
    assert m.write(AP + "/aqmask", "-4,-0x47,-0xab,-0xff\n") is None
    assert m.read(AP + "/aqmask") == full({4, 0x47, 0xAB, 0xFF})
    assert m.read(AP + "/aqmask").startswith(b"0xf7ff")
    for q in DEFAULT_QUEUES:
        assert driver_of(m, q) == qdrv("vfio_ap")


def test_8_3_4_to_6_grammar(sysfs):
    m = sysfs
    assert m.write(AP + "/apmask", "+5, +6\n") == EINVAL
    assert m.read(AP + "/apmask") == full()
    assert m.write(AP + "/apmask", "+256\n") == EINVAL
    assert m.write(AP + "/apmask", "-0x41,-8\n") is None
    assert m.read(AP + "/apmask") == full({0x41, 8})
    assert m.write(AP + "/apmask", "+0x41\n") is None
    assert m.read(AP + "/apmask") == full({8})
    assert m.write(AP + "/apmask", "+010\n") is None        # octal 8
    assert m.read(AP + "/apmask") == full()
    assert m.write(AP + "/apmask", "+20-10\n") == EINVAL
    assert m.write(AP + "/apmask", "-3,+3\n") is None
    assert m.read(AP + "/apmask") == full()
    assert m.write(AP + "/apmask", "+3,-3\n") is None
    assert m.read(AP + "/apmask") == full({3})
    assert m.write(AP + "/apmask", "0x" + "1" * 65 + "\n") == EINVAL
    assert m.read(AP + "/apmask") == full({3})
    assert m.write(AP + "/apmask", "0x41\n") is None
    assert m.read(AP + "/apmask") == b"0x41" + b"0" * 62 + b"\n"
    assert m.write(AP + "/apmask", "\n") is None
    assert m.read(AP + "/apmask") == mask(())
    for q in DEFAULT_QUEUES:
        assert driver_of(m, q) == qdrv("vfio_ap")
    # A zero-length write never reaches the store.
    assert m.write(AP + "/apmask", "") is None
    assert m.read(AP + "/apmask") == mask(())


def test_8_3_7_same_value_no_rebinding(sysfs):
    """An equal mask is a no-op: a queue unbound by hand stays unbound.  Any real change
    revises every queue, driverless ones included."""
    m = sysfs
    assert m.write(AP + "/drivers/cex4queue/unbind", "05.0004\n") is None
    assert driver_of(m, "05.0004") is None
    assert m.read(AP + "/bindings") == b"5/6\n"
    assert m.write(AP + "/apmask", "0x" + "f" * 64 + "\n") is None
    assert m.write(AP + "/apmask", "+5\n") is None
    assert driver_of(m, "05.0004") is None
    assert m.write(AP + "/apmask", "-7\n") is None
    assert driver_of(m, "05.0004") == qdrv("cex4queue")
    assert m.read(AP + "/bindings") == b"6/6 (complete)\n"


def test_8_3_8_in_use_check(sysfs):
    m = sysfs
    assert m.write(AP + "/apmask", "-5,-6\n") is None
    assert m.write(AP + "/aqmask", "-4,-0xab\n") is None
    assert create(m, U1) is None
    for f, v in (("assign_adapter", "5"), ("assign_domain", "4")):
        assert m.write(mdev(U1, f), v + "\n") is None
    # +4 alone is accepted: adapter 5 is out of apmask, so 05.0004 would not return to the
    # host (only APQNs really handed back count; §8.3.8's text predates correction 17).
    assert m.write(AP + "/aqmask", "+4\n") is None
    assert m.write(AP + "/aqmask", "-4\n") is None
    # +5 is not refused: domain 4 is clear, so 05.0004 stays with vfio_ap.
    assert m.write(AP + "/apmask", "+5\n") is None
    assert m.read(AP + "/apmask") == full({6})
    assert driver_of(m, "05.0004") == qdrv("vfio_ap")
    assert driver_of(m, "05.0047") == qdrv("cex4queue")
    # Now +4 would hand 05.0004 (held by U1) back to the host.
    assert m.write(AP + "/aqmask", "+4\n") == EBUSY
    assert m.read(AP + "/aqmask") == full({4, 0xAB})
    assert driver_of(m, "05.0004") == qdrv("vfio_ap")
    assert m.write(AP + "/aqmask", "+0xab\n") is None        # 05.00ab is nobody's
    assert driver_of(m, "05.00ab") == qdrv("cex4queue")
    # U2 holding 05.0047 (0x47 still set in aqmask) blocks +5 once 5 is out again.
    assert m.write(AP + "/apmask", "-5\n") is None
    assert create(m, U2) is None
    assert m.write(mdev(U2, "assign_adapter"), "5\n") is None
    assert m.write(mdev(U2, "assign_domain"), "0x47\n") is None
    assert m.write(AP + "/apmask", "+5\n") == EBUSY
    assert m.read(AP + "/apmask") == full({5, 6})
    # Clearing bits is never checked.
    assert m.write(AP + "/apmask", "-7\n") is None
    assert m.read(AP + "/apmask") == full({5, 6, 7})
    # An absolute write that sets bits is checked the same way; setting domain 4 while
    # adapters 5 and 6 are out of apmask hands nothing back.
    assert m.write(AP + "/apmask", "0x" + "f" * 64 + "\n") == EBUSY
    assert m.write(AP + "/aqmask", "0x" + "f" * 64 + "\n") is None
    assert driver_of(m, "05.0004") == qdrv("vfio_ap")


def test_8_3_9_probe_gating(sysfs):
    m = sysfs
    # Reserved and bound to cex4queue: the "already bound" check comes first.
    assert m.write(AP + "/drivers/vfio_ap/bind", "05.0004\n") == EBUSY
    assert m.write(AP + "/drivers/cex4queue/bind", "05.0004\n") == EBUSY
    # Reserved and driverless: vfio_ap's probe is refused.
    assert m.write(AP + "/drivers/cex4queue/unbind", "05.0004\n") is None
    assert m.write(AP + "/drivers/vfio_ap/bind", "05.0004\n") == ENODEV
    assert driver_of(m, "05.0004") is None
    assert m.write(AP + "/drivers/cex4queue/bind", "05.0004\n") is None
    assert driver_of(m, "05.0004") == qdrv("cex4queue")
    # Not reserved and driverless: cex4queue's probe is refused.
    assert m.write(AP + "/apmask", "-5\n") is None
    assert m.write(AP + "/drivers/vfio_ap/unbind", "05.0004\n") is None
    assert m.write(AP + "/drivers/cex4queue/bind", "05.0004\n") == ENODEV
    assert m.write(AP + "/drivers/vfio_ap/bind", "05.0004\n") is None
    assert m.write(AP + "/drivers/cex4queue/bind", "05.0004\n") == EBUSY
    # Wrong device kind, unknown names, wrong driver on unbind.
    assert m.write(AP + "/drivers/cex4queue/bind", "card05\n") == ENODEV
    assert m.write(AP + "/drivers/vfio_ap/bind", "card05\n") == ENODEV
    assert m.write(AP + "/drivers/cex4card/bind", "05.0004\n") == ENODEV
    assert m.write(AP + "/drivers/vfio_ap/bind", "07.0004\n") == ENODEV
    assert m.write(AP + "/drivers/cex4queue/unbind", "05.0004\n") == ENODEV


def test_8_3_10_ap_domain_and_config_time(sysfs):
    m = sysfs
    replay(m, [
        ("w", AP + "/ap_domain", "300\n", EINVAL),
        ("w", AP + "/ap_domain", "256\n", EINVAL),
        ("w", AP + "/ap_domain", "-1\n", EINVAL),
        ("w", AP + "/ap_domain", "x\n", EINVAL),
        ("w", AP + "/ap_domain", "0xab\n", None),     # %i takes hex
        ("r", AP + "/ap_domain", b"171\n"),
        ("w", AP + "/ap_domain", "  71 trailing\n", None),   # sscanf: lenient
        ("r", AP + "/ap_domain", b"71\n"),
        ("w", AP + "/aqmask", "-0x47\n", None),
        ("w", AP + "/ap_domain", "0x47\n", EINVAL),   # clear in aqmask
        ("r", AP + "/ap_domain", b"71\n"),
        ("w", AP + "/ap_domain", "4\n", None),
        ("r", AP + "/ap_domain", b"4\n"),
        ("w", AP + "/ap_domain", "200\n", None),      # any domain in aqmask, hardware or not
        ("r", AP + "/ap_domain", b"200\n"),
        ("w", AP + "/config_time", "4\n", EINVAL),
        ("w", AP + "/config_time", "121\n", EINVAL),
        ("w", AP + "/config_time", "5\n", None),
        ("r", AP + "/config_time", b"5\n"),
        ("w", AP + "/config_time", "120 s\n", None),
        ("r", AP + "/config_time", b"120\n"),
    ])


def test_bus_poll_and_scans(sysfs):
    m = sysfs
    replay(m, [
        ("w", AP + "/poll_thread", "maybe\n", EINVAL),
        ("w", AP + "/poll_thread", "y\n", None),
        ("r", AP + "/poll_thread", b"1\n"),
        ("w", AP + "/poll_thread", "off\n", None),
        ("r", AP + "/poll_thread", b"0\n"),
        ("w", AP + "/poll_timeout", "120000000001\n", EINVAL),
        ("w", AP + "/poll_timeout", "120000000000\n", None),
        ("r", AP + "/poll_timeout", b"120000000000\n"),
        ("w", AP + "/poll_timeout", "0x10\n", None),
        ("r", AP + "/poll_timeout", b"16\n"),
        ("w", AP + "/poll_timeout", "99999999999999999999999\n", ERANGE),
        ("w", AP + "/poll_timeout", "1 \n", EINVAL),
        ("r", AP + "/poll_timeout", b"16\n"),
        ("r", AP + "/scans", b"1\n"),
        ("w", AP + "/scans", "whatever\n", None),
        ("r", AP + "/scans", b"2\n"),
        ("w", AP + "/ap_interrupts", "1\n", EACCES),
        ("w", AP + "/bindings", "1\n", EACCES),
        ("r", AP + "/drivers_autoprobe", b"1\n"),
    ])


def test_8_3_11_card_online(sysfs):
    m = sysfs
    queues5 = [q for q in DEFAULT_QUEUES if q.startswith("05.")]
    assert m.write("devices/ap/card05/online", "0\n") is None
    assert m.read("devices/ap/card05/online") == b"0\n"
    for q in queues5:
        assert m.read(f"{AP}/devices/{q}/online") == b"0\n"
    assert m.read(AP + "/devices/06.0004/online") == b"1\n"
    assert m.write(AP + "/devices/05.0004/online", "1\n") == EINVAL
    assert m.write(AP + "/devices/05.0004/online", "2\n") == EINVAL
    assert m.write("devices/ap/card05/online", "2\n") == EINVAL
    assert m.write("devices/ap/card05/online", "1\n") is None
    for q in queues5:
        assert m.read(f"{AP}/devices/{q}/online") == b"1\n"
    assert m.write(AP + "/devices/05.0004/online", "0\n") is None
    assert m.read(AP + "/devices/05.0004/online") == b"0\n"
    assert m.read("devices/ap/card05/online") == b"1\n"
    assert m.write(AP + "/devices/05.0004/online", "1\n") is None
    assert m.write("devices/ap/card05/config", "0\n") == EOPNOTSUPP
    assert m.read("devices/ap/card05/config") == b"1\n"
    assert m.write("devices/ap/card05/config", "1\n") is None     # no change: accepted
    assert m.write("devices/ap/card05/config", "2\n") == EINVAL
    # Queues bound to vfio_ap are not touched by the card's online write (not zcrypt's).
    assert m.write(AP + "/apmask", "-6\n") is None
    assert m.write("devices/ap/card06/online", "0\n") is None
    assert m.read("devices/ap/card06/online") == b"0\n"
    assert m.read(AP + "/devices/06.0004/online") == ENOENT
    assert m.write(AP + "/apmask", "+6\n") is None
    # Back with cex4queue: new zcrypt queues are online, whatever the card says.
    assert m.read(AP + "/devices/06.0004/online") == b"1\n"


def test_8_3_11_deconfigured_card(simfs_factory, tmp_path):
    path = fixture_variant(tmp_path, "decfg.json", base="default.json",
                           ap={"cards": [{"id": 5, "type": "CEX7C", "config": False},
                                         {"id": 6, "type": "CEX8A", "online": False}]})
    m = simfs_factory("--topology", path)
    replay(m, [
        ("r", "devices/ap/card05/config", b"0\n"),
        ("r", "devices/ap/card05/online", b"0\n"),
        ("w", "devices/ap/card05/online", "1\n", ENODEV),
        ("w", "devices/ap/card05/online", "0\n", None),
        ("r", AP + "/devices/05.0004/config", b"0\n"),
        ("r", AP + "/devices/05.0004/online", b"0\n"),
        ("w", AP + "/devices/05.0004/online", "1\n", ENODEV),
        ("r", AP + "/devices/05.0004/reset", b"Reset in progress.\n"),
        ("w", "devices/ap/card05/config", "1\n", EOPNOTSUPP),
        ("r", "devices/ap/card06/online", b"0\n"),
        ("r", AP + "/devices/06.0004/online", b"0\n"),
        ("w", AP + "/devices/06.0004/online", "1\n", EINVAL),
        ("w", "devices/ap/card06/online", "1\n", None),
        ("r", AP + "/devices/06.0004/online", b"1\n"),
    ])


def test_queue_reset_and_request_count(sysfs):
    m = sysfs
    q = AP + "/devices/05.0004"
    replay(m, [
        ("w", q + "/reset", "1\n", None),
        ("r", q + "/reset", b"No Reset Timer set.\n"),    # polled by cex4queue: completes
        ("w", q + "/request_count", "junk\n", None),
        ("r", q + "/request_count", b"0\n"),
        ("w", "devices/ap/card05/request_count", "0\n", None),
        ("r", "devices/ap/card05/request_count", b"0\n"),
        ("w", AP + "/apmask", "-5\n", None),
        ("r", q + "/request_count", b"-\n"),               # left cex4queue
        ("r", q + "/reset", b"No Reset Timer set.\n"),
        ("w", q + "/reset", "1\n", None),
        ("r", q + "/reset", b"Reset in progress.\n"),      # uninitiated: never completes
        ("w", AP + "/apmask", "+5\n", None),
        ("r", q + "/request_count", b"0\n"),
        ("r", q + "/reset", b"No Reset Timer set.\n"),
    ])


def test_card_unbind_and_extras(sysfs):
    m = sysfs
    assert m.write(AP + "/drivers/cex4card/unbind", "card05\n") is None
    for f in ("type", "online", "load", "serialnr", "driver"):
        assert not m.exists("devices/ap/card05/" + f), f
    assert m.read("devices/ap/card05/uevent") == \
        b"DEVTYPE=ap_card\nDEV_TYPE=000D\nMODALIAS=ap:t0D\nMODE=cca\n"
    # Card devices are not gated by the masks.
    assert m.write(AP + "/apmask", "0x0\n") is None
    assert m.write(AP + "/drivers/cex4card/bind", "card05\n") is None
    assert m.read("devices/ap/card05/type") == b"CEX7C\n"
    assert m.write(AP + "/drivers/cex4card/bind", "card05\n") == EBUSY


def test_kernel_5_9_no_in_use_check(simfs_factory):
    """Before ~5.10 a mask write could take queues from an mdev."""
    m = simfs_factory("--kernel-version", "5.9")
    assert m.write(AP + "/apmask", "-5\n") is None
    assert m.write(AP + "/aqmask", "-4\n") is None
    assert create(m, U1) is None
    assert m.write(mdev(U1, "assign_adapter"), "5\n") is None
    assert m.write(mdev(U1, "assign_domain"), "4\n") is None
    assert m.write(AP + "/apmask", "+5\n") is None
    assert m.write(AP + "/aqmask", "+4\n") is None        # 6.12: EBUSY
    assert driver_of(m, "05.0004") == qdrv("cex4queue")
    assert m.read(mdev(U1, "matrix")) == b"05.0004\n"
