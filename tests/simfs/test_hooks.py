"""The test hooks (simfs ctl, docs/control.md), each on a case a real tool meets:

  * fault injection: mdevctl's rollback when assign_domain fails with EBUSY, a failed write
    that changes nothing, delays that hold no lock, globs and canonical paths;
  * guests: queue status "in use", remove and the parent's forced removal blocking until
    the guest lets go (EBUSY before 5.15), rmmod refused, SIGTERM ending a daemon whose
    writer sleeps;
  * the machine: a card or domain deconfigured under an mdev (guest_matrix follows, matrix
    does not), cards and subchannels plugged and pulled, channel paths lost and varied;
  * uevents: the log after the article's walk-through, in the kernel's order and format, and
    (where a private network namespace can be made) the same on NETLINK_KOBJECT_UEVENT;
  * kernel personalities: the version-dependent files and errors of spec §7, and the
    conformance suite under 5.10, 5.15, 6.0, 6.1 and 6.12.
"""
import errno
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

from aphelp import AP, MATRIX, TYPE, U1, U2, fixture_variant, full, mdev
from conftest import REPO, SIMFS, _alive
from simctl import CtlError, SimCtl

EBUSY, ENODEV, EUSERS, EPERM, ENOENT = errno.EBUSY, errno.ENODEV, errno.EUSERS, errno.EPERM, errno.ENOENT
SCH = "bus/css/devices/0.0.0313"
CCW_TYPE = SCH + "/mdev_supported_types/vfio_ccw-io"
U3 = "33333333-4444-5555-6666-777777777777"
BLOCK = 0.4          # how long a sleeping write must stay asleep to count as blocked
DONE = 10.0          # bound on anything that must finish


def ok(m, path, value):
    err = m.write(path, value)
    assert err is None, f"write {value!r} > {path}: {os.strerror(err)}"


def ap_mdev(m, uuid, adapters=(5,), domains=(4,), control=()):
    """The default topology's vfio_ap mdev: the APQNs released from the host, then assigned."""
    ok(m, AP + "/apmask", ",".join(f"-{a}" for a in adapters) + "\n")
    ok(m, AP + "/aqmask", ",".join(f"-{d}" for d in domains) + "\n")
    ok(m, TYPE + "/create", uuid + "\n")
    for a in adapters:
        ok(m, mdev(uuid, "assign_adapter"), f"{a}\n")
    for d in domains:
        ok(m, mdev(uuid, "assign_domain"), f"{d}\n")
    for d in control:
        ok(m, mdev(uuid, "assign_control_domain"), f"{d}\n")
    return mdev(uuid)


def ccw_mdev(m, uuid):
    """0.0.0313 taken from io_subchannel, bound to vfio_ccw, with an mdev."""
    ok(m, "bus/css/drivers/io_subchannel/unbind", "0.0.0313\n")
    ok(m, "bus/css/drivers/vfio_ccw/bind", "0.0.0313\n")
    ok(m, CCW_TYPE + "/create", uuid + "\n")
    return f"devices/css0/0.0.0313/{uuid}"


class Writer(threading.Thread):
    """One write(2) in a thread: .result is None (success) or the errno, .took the seconds."""

    def __init__(self, m, path, value):
        super().__init__(daemon=True)
        self.m, self.path, self.value = m, path, value
        self.result, self.took = "pending", None

    def run(self):
        t = time.monotonic()
        self.result = self.m.write(self.path, self.value)
        self.took = time.monotonic() - t

    def blocked(self):
        self.join(BLOCK)
        return self.is_alive()

    def finish(self):
        self.join(DONE)
        assert not self.is_alive(), f"write {self.value!r} > {self.path} still blocked after {DONE} s"
        return self.result


def timed(fn):
    t = time.monotonic()
    fn()
    return time.monotonic() - t


# ---- fault injection -----------------------------------------------------------------------------

def test_injected_write_fails_and_changes_nothing(sysfs):
    m, ctl = sysfs, SimCtl(sysfs)
    before, seq = m.read(AP + "/aqmask"), ctl.last_seqnum()
    i = ctl.inject("bus/ap/aqmask", "write", "EBUSY", 2)
    assert [(j.id, j.op, j.pattern, j.what, j.remaining) for j in ctl.injections()] == \
        [(i, "write", "bus/ap/aqmask", "EBUSY", 2)]
    assert m.write(AP + "/aqmask", "-4\n") == EBUSY
    assert m.write(AP + "/aqmask", "-4\n") == EBUSY
    assert m.read(AP + "/aqmask") == before, "a failed write changed the mask"
    assert m.readlink(AP + "/devices/05.0004/driver").endswith("/cex4queue"), "queues moved"
    assert ctl.uevents(seq) == [], "a failed write was announced"
    assert ctl.injections() == [], "a spent injection stays listed"
    assert m.write(AP + "/aqmask", "-4\n") is None
    assert m.readlink(AP + "/devices/05.0004/driver").endswith("/vfio_ap")


def test_injected_read_errno_by_glob_and_through_links(sysfs):
    m, ctl = sysfs, SimCtl(sysfs)
    # A glob over the canonical path: every queue's online of card 05, always.
    ctl.inject("devices/ap/card05/*/online", "read", "EIO", "always")
    # A literal path through bus/ symlinks names the same file.
    ctl.inject("/bus/ap/devices/06.0004/online", "read", "ENXIO")
    assert [j.pattern for j in ctl.injections()] == ["devices/ap/card05/*/online",
                                                     "devices/ap/card06/06.0004/online"]
    for q in ("05.0004", "05.0047", "05.00ab", "05.0004"):
        assert m.read(f"{AP}/devices/{q}/online") == errno.EIO
    assert m.read(AP + "/devices/06.0004/online") == errno.ENXIO
    assert m.read(AP + "/devices/06.0004/online") == b"1\n", "count 1 is one read"
    assert m.read("devices/ap/card05/online") == b"1\n", "* stays inside one component"
    assert m.write(AP + "/devices/05.0004/online", "1\n") is None, "a read injection on a write"
    (always,) = ctl.injections()
    assert always.remaining == "always" and always.hits == 4
    ctl.clear(always.id)
    assert m.read(AP + "/devices/05.0004/online") == b"1\n"


def test_inject_arguments(sysfs):
    ctl = SimCtl(sysfs)
    assert ctl.injections() == []
    ids = [ctl.inject("bus/ap/apmask", "write", e) for e in ("ebusy", "16", "EWOULDBLOCK")]
    assert [j.what for j in ctl.injections()] == ["EBUSY", "EBUSY", "EAGAIN"]
    assert ids == sorted(ids) and len(set(ids)) == 3
    for bad in (["bus/ap/apmask", "write", "EFOO"], ["bus/ap/apmask", "poke", "EBUSY"],
                ["bus/ap/apmask", "write", "EBUSY", "0"], ["bus/ap/apmask", "write", "0"],
                ["bus/ap/apmask", "read", "delay", "x"]):
        with pytest.raises(CtlError):
            ctl.run("inject", *bad)
    with pytest.raises(CtlError, match="no injection 999"):
        ctl.clear(999)
    ctl.clear(ids[1])
    assert [j.id for j in ctl.injections()] == [ids[0], ids[2]]
    ctl.clear()
    assert ctl.injections() == []


def test_injected_delay_holds_no_lock(sysfs):
    """A delayed write sleeps without the model lock: other reads and writes, of other files
    and of the same one, go on at once; then the write succeeds."""
    m, ctl = sysfs, SimCtl(sysfs)
    ctl.delay("bus/ap/apmask", "write", 1500)
    w = Writer(m, AP + "/apmask", "-7\n")
    w.start()
    assert w.blocked()
    assert timed(lambda: m.read(AP + "/apmask")) < 0.5
    assert timed(lambda: ok(m, AP + "/aqmask", "-5\n")) < 0.5
    assert timed(lambda: m.read("bus/css/devices/0.0.0313/pimpampom")) < 0.5
    assert w.finish() is None and w.took >= 1.4
    assert m.read(AP + "/apmask")[:4] == b"0xfe"
    ctl.delay("bus/ap/apmask", "read", 300)
    assert timed(lambda: m.read(AP + "/apmask")) >= 0.29
    assert timed(lambda: m.read(AP + "/apmask")) < 0.2


def test_mdevctl_style_rollback_on_injected_ebusy(sysfs):
    """mdevctl start: write the UUID to create, then each attribute in order; on the first
    refused one write 1 to remove.  An EBUSY injected on assign_domain leaves the host as it
    was, and the next start goes through."""
    m, ctl = sysfs, SimCtl(sysfs)
    ok(m, AP + "/apmask", "-5\n")
    ok(m, AP + "/aqmask", "-4\n")
    avail = m.read(TYPE + "/available_instances")

    def start(uuid):
        ok(m, TYPE + "/create", uuid)                       # mdevctl writes no newline
        for attr, value in (("assign_adapter", "5"), ("assign_domain", "4")):
            err = m.write(f"bus/mdev/devices/{uuid}/{attr}", value)
            if err:
                ok(m, f"bus/mdev/devices/{uuid}/remove", "1")
                return attr, err
        return None

    ctl.inject("devices/vfio_ap/matrix/*/assign_domain", "write", "EBUSY")
    assert start(U1) == ("assign_domain", EBUSY)
    assert not m.exists(mdev(U1)) and not m.exists("bus/mdev/devices/" + U1)
    assert m.read(TYPE + "/available_instances") == avail
    assert m.read(AP + "/devices/05.0004/status") == b"unassigned\n"
    assert start(U1) is None
    assert m.read(mdev(U1, "matrix")) == b"05.0004\n"


# ---- guests -----------------------------------------------------------------------------------

def test_guest_makes_queues_in_use(sysfs):
    m, ctl = sysfs, SimCtl(sysfs)
    ap_mdev(m, U1, adapters=(5,), domains=(4, 0x47))
    ok(m, mdev(U1, "assign_adapter"), "7\n")      # not in the host: not in the guest
    with ctl.guest(U1):
        assert ctl.guests() == [(U1, "matrix", "vfio_ap-passthrough")]
        assert m.read(AP + "/devices/05.0004/status") == b"in use\n"
        assert m.read(AP + "/devices/05.0047/status") == b"in use\n"
        assert m.read("module/vfio_ap/refcnt") == b"1\n"
        with pytest.raises(CtlError, match="already"):
            ctl.guest_attach(U1)
        with pytest.raises(CtlError, match="in use"):
            ctl.rmmod("vfio_ap")
        # 6.0's dynamic configuration: the guest does not stop assignments.
        ok(m, AP + "/apmask", "-6\n")
        ok(m, mdev(U1, "assign_adapter"), "6\n")
        assert m.read(AP + "/devices/06.0004/status") == b"in use\n"
    assert ctl.guests() == []
    assert m.read(AP + "/devices/05.0004/status") == b"assigned\n"
    assert m.read("module/vfio_ap/refcnt") == b"0\n"
    with pytest.raises(CtlError, match="no guest"):
        ctl.guest_detach(U1)
    with pytest.raises(CtlError, match="no mdev"):
        ctl.guest_attach(U2)


def test_remove_blocks_until_the_guest_detaches(sysfs):
    """echo 1 > remove sleeps while QEMU has the mdev (the kernel waits in
    vfio_unregister_group_dev); meanwhile the files above the wait are gone and every other
    request is served; the detach completes the write."""
    m, ctl = sysfs, SimCtl(sysfs)
    d = ap_mdev(m, U1)
    avail = m.read(TYPE + "/available_instances")
    ctl.guest_attach(U1)
    seq = ctl.last_seqnum()
    w = Writer(m, mdev(U1, "remove"), "1\n")
    w.start()
    try:
        assert w.blocked(), f"remove returned {w.result} with a guest attached"
        # What the kernel has done before it waits: remove, mdev_type, the bus link, the
        # driver and its files, vfio-dev; the group and the directory stay.
        assert m.ls(d) == ["iommu_group", "uevent"]
        assert not m.exists("bus/mdev/devices/" + U1)
        assert not m.exists(TYPE + "/devices/" + U1)
        assert m.read(TYPE + "/available_instances") == avail, "the instance is back too early"
        assert m.read(AP + "/devices/05.0004/status") == b"in use\n"
        assert m.write(mdev(U1, "remove"), "1\n") == ENOENT
        # Nothing else waits.
        assert timed(lambda: ok(m, TYPE + "/create", U2 + "\n")) < 0.5
        assert timed(lambda: ok(m, mdev(U2, "remove"), "1\n")) < 0.5
        assert timed(lambda: m.read(AP + "/apmask")) < 0.5
        assert w.is_alive()
    finally:
        ctl.guest_detach(U1)
    assert w.finish() is None and w.took >= BLOCK
    assert not m.exists(d)
    assert int(m.read(TYPE + "/available_instances")) == int(avail) + 1
    assert m.read(AP + "/devices/05.0004/status") == b"unassigned\n"
    gone = [(e.action, e.devpath) for e in ctl.uevents(seq) if U1 in e.devpath]
    assert gone[-2:] == [("unbind", "/" + d), ("remove", "/" + d)]


def test_remove_is_ebusy_before_5_15(simfs_factory):
    m = simfs_factory("--kernel-version", "5.14")
    ctl = SimCtl(m)
    ap_mdev(m, U1)
    ctl.guest_attach(U1)
    assert m.write(mdev(U1, "remove"), "1\n") == EBUSY
    assert m.ls(mdev(U1))[:3] == ["assign_adapter", "assign_control_domain", "assign_domain"]
    assert m.exists(mdev(U1, "remove")), "a refused remove took the file"
    # Before 6.0 nothing changes under a running guest either.
    assert m.write(mdev(U1, "assign_domain"), "0x47\n") == EBUSY
    assert m.write(mdev(U1, "unassign_adapter"), "5\n") == EBUSY
    ctl.guest_detach(U1)
    assert m.write(mdev(U1, "remove"), "1\n") is None
    assert not m.exists(mdev(U1))


def test_vfio_ccw_remove_blocks_even_before_5_15(simfs_factory):
    """vfio_ccw never refused: its mdev's remove waits for the guest on every kernel."""
    m = simfs_factory("--kernel-version", "5.14")
    ctl = SimCtl(m)
    d = ccw_mdev(m, U3)
    ctl.guest_attach(U3)
    w = Writer(m, d + "/remove", "1\n")
    w.start()
    try:
        assert w.blocked()
    finally:
        ctl.guest_detach(U3)
    assert w.finish() is None and not m.exists(d)


def test_parent_unbind_blocks_until_the_guest_detaches(sysfs):
    """Unbinding the subchannel from vfio_ccw removes its mdevs by force; with a guest the
    unbind sleeps (class link, create and the mdev's remove already gone); a bind of the
    subchannel waits for it, as device_lock() makes it, then succeeds; ctl refuses what would
    wait for the guest."""
    m, ctl = sysfs, SimCtl(sysfs)
    d = ccw_mdev(m, U3)
    ctl.guest_attach(U3)
    unbind = Writer(m, "bus/css/drivers/vfio_ccw/unbind", "0.0.0313\n")
    unbind.start()
    try:
        assert unbind.blocked()
        assert not m.exists("class/mdev_bus/0.0.0313")
        assert m.exists(d), "the mdev went before its guest let go"
        assert m.write(d + "/remove", "1\n") == ENOENT
        bind = Writer(m, "bus/css/drivers/io_subchannel/bind", "0.0.0313\n")
        bind.start()
        assert bind.blocked(), "a bind did not wait for the unbind under way"
        with pytest.raises(CtlError, match="in use"):
            ctl.rmmod("vfio_ccw")
        with pytest.raises(CtlError, match="detach it first"):
            ctl.subchannel_remove("0.0.0313")
    finally:
        ctl.guest_detach(U3)
    assert unbind.finish() is None and bind.finish() is None
    assert not m.exists(d) and not m.exists(SCH + "/mdev_supported_types")
    assert m.readlink(SCH + "/driver").endswith("/io_subchannel")
    assert m.wait_for(lambda: m.exists("bus/ccw/devices/0.0.2b09"))


def test_sigterm_ends_a_daemon_whose_writer_sleeps(simfs_factory):
    m = simfs_factory()
    ctl = SimCtl(m)
    ap_mdev(m, U1)
    ctl.guest_attach(U1)
    w = Writer(m, mdev(U1, "remove"), "1\n")
    w.start()
    assert w.blocked()
    os.kill(m.pid, signal.SIGTERM)
    end = time.monotonic() + DONE
    while _alive(m.pid) and time.monotonic() < end:
        time.sleep(0.02)
    assert not _alive(m.pid), "SIGTERM did not end the daemon"
    w.finish()
    assert not os.path.ismount(m.path)


# ---- the machine --------------------------------------------------------------------------------

def test_card_deconfigured_under_an_mdev(sysfs):
    """The adapter leaves the host configuration: guest_matrix loses it, matrix keeps it; the
    card and its queues stay with config 0 and say so in CONFIG=0 uevents."""
    m, ctl = sysfs, SimCtl(sysfs)
    ap_mdev(m, U1, adapters=(5, 6), domains=(4,))
    assert m.read(mdev(U1, "guest_matrix")) == b"05.0004\n06.0004\n"
    seq = ctl.last_seqnum()
    ctl.card_deconfig(5)
    assert m.read(mdev(U1, "guest_matrix")) == b"06.0004\n"
    assert m.read(mdev(U1, "matrix")) == b"05.0004\n06.0004\n"
    assert m.read(AP + "/ap_adapter_mask")[:4] == b"0x02"
    assert m.read("devices/ap/card05/config") == b"0\n"
    assert m.read("devices/ap/card05/online") == b"0\n"
    assert m.read(AP + "/devices/05.0047/config") == b"0\n"
    evs = ctl.uevents(seq)
    assert [(e.action, e.devpath, e.env.get("CONFIG")) for e in evs] == \
        [("change", "/devices/ap/card05", "0")] + \
        [("change", f"/devices/ap/card05/05.{d:04x}", "0") for d in (4, 0x47, 0xab)]
    assert evs[0].order[:2] == ["SUBSYSTEM", "CONFIG"], "the caller's variable comes first"
    ctl.card_config(5)
    assert m.read(mdev(U1, "guest_matrix")) == b"05.0004\n06.0004\n"
    assert m.read("devices/ap/card05/config") == b"1\n"
    assert m.read(AP + "/ap_adapter_mask")[:4] == b"0x06"


def test_domain_deconfigured_under_an_mdev(sysfs):
    m, ctl = sysfs, SimCtl(sysfs)
    ap_mdev(m, U1, adapters=(5,), domains=(4, 0x47), control=(4,))
    ctl.domain_deconfig(4)
    assert not m.exists(AP + "/devices/05.0004") and not m.exists("devices/ap/card06/06.0004")
    assert m.read(mdev(U1, "guest_matrix")) == b"05.0047\n"
    assert m.read(mdev(U1, "matrix")) == b"05.0004\n05.0047\n"
    assert m.read(mdev(U1, "control_domains")) == b"0004\n"
    # The default domain moves on: to the first usage domain left in aqmask (0x47 is not).
    assert m.read(AP + "/ap_domain") == b"171\n"
    usage = int(m.read(AP + "/ap_usage_domain_mask"), 16)
    assert not usage & (1 << (255 - 4)) and usage & (1 << (255 - 0x47))
    ctl.domain_config(4)
    assert m.readlink(AP + "/devices/05.0004/driver").endswith("/vfio_ap")
    assert m.readlink(AP + "/devices/06.0004/driver").endswith("/vfio_ap"), "aqmask has -4"
    assert m.read(mdev(U1, "guest_matrix")) == b"05.0004\n05.0047\n"


def test_card_plugged_and_pulled(sysfs):
    m, ctl = sysfs, SimCtl(sysfs)
    ap_mdev(m, U1, adapters=(5,), domains=(4,))
    ok(m, AP + "/apmask", "-7\n")
    ok(m, mdev(U1, "assign_adapter"), "7\n")            # over-provisioned: not there yet
    assert m.read(mdev(U1, "guest_matrix")) == b"05.0004\n"
    seq = ctl.last_seqnum()
    ctl.card_add(7, "CEX8A")
    assert m.read("devices/ap/card07/type") == b"CEX8A\n"
    assert sorted(q for q in m.ls("devices/ap/card07") if "." in q) == ["07.0004", "07.0047", "07.00ab"]
    assert m.readlink(AP + "/devices/07.0004/driver").endswith("/vfio_ap")
    assert m.read(mdev(U1, "guest_matrix")) == b"05.0004\n07.0004\n"
    added = [(e.action, e.devpath) for e in ctl.uevents(seq) if e.action in ("add", "bind")]
    assert added[:2] == [("add", "/devices/ap/card07"), ("bind", "/devices/ap/card07")]
    with pytest.raises(CtlError, match="there already"):
        ctl.card_add(7, "CEX8A")
    with pytest.raises(CtlError, match="not a card type"):
        ctl.card_add(8, "CEX3A")
    ctl.card_remove(7)
    assert not m.exists("devices/ap/card07") and not m.exists(AP + "/devices/07.0004")
    assert m.read(mdev(U1, "guest_matrix")) == b"05.0004\n"
    assert m.read(mdev(U1, "matrix")) == b"05.0004\n07.0004\n"
    with pytest.raises(CtlError, match="no card07"):
        ctl.card_remove(7)


def test_subchannel_plugged_and_pulled(sysfs):
    m, ctl = sysfs, SimCtl(sysfs)
    ctl.subchannel_add("0.0.0400", "0.0.2c00", "3990/e9", "3390/0c", chpids="40,41")
    assert m.read("bus/css/devices/0.0.0400/chpids") == b"40 41 00 00 00 00 00 00 \n"
    assert m.readlink("bus/css/devices/0.0.0400/driver").endswith("/io_subchannel")
    # The ccw device comes with io_subchannel's asynchronous recognition.
    assert m.wait_for(lambda: m.exists("bus/ccw/devices/0.0.2c00"))
    assert m.readlink("bus/ccw/devices/0.0.2c00/driver").endswith("/dasd-eckd")
    assert m.read("bus/ccw/devices/0.0.2c00/online") == b"0\n"
    assert m.read("bus/ccw/devices/0.0.2c00/devtype") == b"3390/0c\n"
    with pytest.raises(CtlError, match="exists already"):
        ctl.subchannel_add("0.0.0401", "0.0.2b09", "3990/e9", "3390/0c")
    ctl.subchannel_add("0.0.0401")
    assert m.read("bus/css/devices/0.0.0401/dev_busid") == b"none\n"
    seq = ctl.last_seqnum()
    ctl.subchannel_remove("0.0.0400")
    assert not m.exists("bus/css/devices/0.0.0400") and not m.exists("bus/ccw/devices/0.0.2c00")
    assert [(e.action, e.devpath) for e in ctl.uevents(seq)] == [
        ("unbind", "/devices/css0/0.0.0400/0.0.2c00"), ("remove", "/devices/css0/0.0.0400/0.0.2c00"),
        ("unbind", "/devices/css0/0.0.0400"), ("remove", "/devices/css0/0.0.0400")]
    with pytest.raises(CtlError, match="no subchannel"):
        ctl.subchannel_remove("0.0.0400")


def test_channel_path_lost_and_varied(sysfs):
    """The machine takes chpid 40 away: pam loses the path on both DASDs, vpm follows; with 41
    gone too the devices have no path.  Varying a path off through its status file is
    logical: vpm follows, pimpampom does not."""
    m, ctl = sysfs, SimCtl(sysfs)
    p, dev = "bus/css/devices/0.0.0313", "bus/ccw/devices/0.0.2b09"
    assert (m.read(p + "/pimpampom"), m.read(p + "/vpm")) == (b"c0 c0 ff\n", b"c0\n")
    ctl.chp_offline(0x40)
    assert (m.read(p + "/pimpampom"), m.read(p + "/vpm")) == (b"c0 40 ff\n", b"40\n")
    assert m.read("bus/css/devices/0.0.0314/pimpampom") == b"c0 40 ff\n"
    assert m.read("devices/css0/chp0.40/status") == b"online\n", "the logical state stays"
    assert m.read(dev + "/availability") == b"good\n"
    ctl.chp_offline("0.41")
    assert (m.read(p + "/pimpampom"), m.read(p + "/vpm")) == (b"c0 00 ff\n", b"00\n")
    assert m.read(dev + "/availability") == b"no path\n"
    assert m.write(dev + "/online", "1\n") == ENODEV
    ctl.chp_online(0x40)
    ctl.chp_online(0x41)
    assert (m.read(p + "/pimpampom"), m.read(dev + "/availability")) == (b"c0 c0 ff\n", b"good\n")
    ok(m, "devices/css0/chp0.41/status", "off\n")
    assert (m.read(p + "/pimpampom"), m.read(p + "/vpm")) == (b"c0 c0 ff\n", b"80\n")
    ok(m, "devices/css0/chp0.41/status", "on\n")
    assert m.read(p + "/vpm") == b"c0\n"
    with pytest.raises(CtlError, match="no channel path"):
        ctl.chp_offline(0x99)


# ---- uevents --------------------------------------------------------------------------------------

def test_uevent_log_after_the_walkthrough(sysfs):
    """The article's walk-through by hand (vfio-ccw for DASD 0.0.2b09: unbind, override,
    drivers_probe, create; vfio-ap for 05.0004 and 05.00ab: masks, create, assign), then the
    uevents the kernel announces for it, in its order, with its variables."""
    m, ctl = sysfs, SimCtl(sysfs)
    seq = ctl.last_seqnum()
    ok(m, SCH + "/driver/unbind", "0.0.0313\n")
    ok(m, SCH + "/driver_override", "vfio_ccw\n")
    ok(m, "bus/css/drivers_probe", "0.0.0313\n")
    ok(m, CCW_TYPE + "/create", U3 + "\n")
    ok(m, AP + "/apmask", "-5\n")
    ok(m, AP + "/aqmask", "-4,-0xab\n")
    ok(m, TYPE + "/create", U1 + "\n")
    for f, v in (("assign_adapter", "5"), ("assign_domain", "4"), ("assign_domain", "0xab"),
                 ("assign_control_domain", "4")):
        ok(m, mdev(U1, f), v + "\n")
    evs = [e for e in ctl.uevents(seq) if e.env.get("BINDINGS") != "complete"]
    got = [(e.action, e.devpath, e.subsystem) for e in evs]
    sch, ccw_mdev_path, ap_mdev_path = "/devices/css0/0.0.0313", f"/devices/css0/0.0.0313/{U3}", "/" + mdev(U1)
    q = [f"/devices/ap/card05/05.{d:04x}" for d in (4, 0x47, 0xab)] + ["/devices/ap/card06/06.0004",
                                                                        "/devices/ap/card06/06.00ab"]
    assert got == [
        ("unbind", sch + "/0.0.2b09", "ccw"), ("remove", sch + "/0.0.2b09", "ccw"),
        ("unbind", sch, "css"),
        ("change", sch, "css"), ("bind", sch, "css"),
        ("add", ccw_mdev_path, "mdev"), ("add", "/devices/virtual/vfio/0", "vfio"),
        ("add", ccw_mdev_path + "/vfio-dev/vfio0", "vfio-dev"), ("bind", ccw_mdev_path, "mdev"),
        *[(a, q[i], "ap") for i in range(3) for a in ("unbind", "bind")],
        ("change", "/devices/ap", "ap"),
        *[(a, qq, "ap") for qq in (q[3], q[4]) for a in ("unbind", "bind")],
        ("change", "/devices/ap", "ap"),
        ("add", ap_mdev_path, "mdev"), ("add", "/devices/virtual/vfio/1", "vfio"),
        ("add", ap_mdev_path + "/vfio-dev/vfio1", "vfio-dev"), ("bind", ap_mdev_path, "mdev"),
    ], "\n".join(map(str, got))
    by = {(e.action, e.devpath): e for e in evs}
    assert by[("change", sch)].env == {"SUBSYSTEM": "css", "MDEV_STATE": "registered",
                                        "DRIVER": "vfio_ccw", "ST": "0", "MODALIAS": "css:t0"}
    assert by[("change", sch)].order == ["SUBSYSTEM", "MDEV_STATE", "DRIVER", "ST", "MODALIAS"]
    assert by[("bind", ccw_mdev_path)].env == {"SUBSYSTEM": "mdev", "DRIVER": "vfio_ccw_mdev"}
    assert by[("add", "/devices/virtual/vfio/1")].env == {
        "SUBSYSTEM": "vfio", "MAJOR": "254", "MINOR": "1", "DEVNAME": "vfio/1"}
    masks = [e for e in evs if e.devpath == "/devices/ap"]
    assert masks[0].env["APMASK"] == full({5}).decode(), "the value keeps its newline"
    assert masks[1].env["AQMASK"] == full({4, 0xab}).decode()
    assert [e.seqnum for e in evs] == sorted(e.seqnum for e in evs)
    # Nothing for devices on no bus and in no class: css0, chp0.xx, parent, /devices/vfio_ap.
    assert not [e for e in ctl.uevents() if e.devpath.endswith(("/css0", "/parent", "/defunct"))
                or "/chp0." in e.devpath or e.devpath == "/devices/vfio_ap"]


def test_synthetic_uevents(sysfs):
    m, ctl = sysfs, SimCtl(sysfs)
    seq = ctl.last_seqnum()
    ok(m, SCH + "/uevent", f"change {U2}\n")
    ok(m, "devices/css0/uevent", "add\n")                 # no subsystem: nothing is sent
    ok(m, "bus/css/uevent", "add\n")
    ok(m, "module/vfio_ccw/uevent", "change\n")
    evs = ctl.uevents(seq)
    assert [(e.action, e.devpath, e.subsystem) for e in evs] == [
        ("change", "/devices/css0/0.0.0313", "css"), ("add", "/bus/css", "bus"),
        ("change", "/module/vfio_ccw", "module")]
    assert evs[0].env["SYNTH_UUID"] == U2 and evs[0].order[:2] == ["SUBSYSTEM", "SYNTH_UUID"]


def test_module_and_driver_uevents(sysfs):
    ctl = SimCtl(sysfs)
    seq = ctl.last_seqnum()
    ctl.rmmod("vfio_ccw")
    ctl.insmod("vfio_ccw")
    got = [(e.action, e.devpath) for e in ctl.uevents(seq)]
    assert got[:2] == [("remove", "/bus/css/drivers/vfio_ccw"), ("remove", "/bus/mdev/drivers/vfio_ccw_mdev")]
    assert ("remove", "/module/vfio_ccw") in got
    assert got[-3:] == [("add", "/module/vfio_ccw"), ("add", "/bus/mdev/drivers/vfio_ccw_mdev"),
                        ("add", "/bus/css/drivers/vfio_ccw")]


def test_a_large_boot_keeps_its_last_uevents_whole(tmp_path, simfs_factory):
    """A boot announcing more than the log holds (4096) keeps the last 4096 without a gap,
    each as a boot too small to fill the log announces it: uevents certain to be overwritten
    are only counted (they would reach no listener either), never half built."""
    sch = {"schid": "0.0.0000", "chpids": ["40"],
           "device": {"devno": "0.0.1000", "cutype": "3990/e9", "devtype": "3390/0c"}}
    big = {"css": {"chpids": [{"id": "40", "type": "1b"}], "subchannels": [dict(sch, count=3000)]},
           "ap": {"cards": [{"id": i, "type": "CEX7C"} for i in range(16)], "usage_domains": list(range(85))}}
    last = dict(sch, schid="0.0.0bb7", device=dict(sch["device"], devno="0.0.1bb7"))
    small = {"css": {"chpids": big["css"]["chpids"], "subchannels": [last]}}
    logs = {}
    for name, doc in (("big", big), ("small", small)):
        f = tmp_path / f"{name}.json"
        f.write_text(json.dumps(doc))
        logs[name] = SimCtl(simfs_factory("--topology", f, name=name)).uevents()
    evs = logs["big"]
    top = evs[-1].seqnum
    assert top > 3 * 4096, "the boot did not fill the log"
    assert [e.seqnum for e in evs] == list(range(top - 4095, top + 1))
    for action in ("add", "bind"):
        for path in ("/devices/css0/0.0.0bb7/0.0.1bb7", "/devices/ap/card0f/0f.0054"):
            got = [(e.env, e.order) for e in evs if (e.action, e.devpath) == (action, path)]
            if path.startswith("/devices/css0"):
                want = [(e.env, e.order) for e in logs["small"] if (e.action, e.devpath) == (action, path)]
                assert got == want and len(got) == 1, (action, path)
            else:
                assert len(got) <= 1 and all(env["SUBSYSTEM"] == "ap" for env, _ in got)


NETLINK_SCRIPT = r'''
import os, socket, subprocess, sys
simfs, mnt = sys.argv[1], sys.argv[2]
subprocess.run([simfs, mnt], check=True)
try:
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, 15)   # NETLINK_KOBJECT_UEVENT
    s.bind((0, 1))
    s.settimeout(2)
    subprocess.run([simfs, "ctl", mnt, "netlink", "on"], check=True)
    with open(mnt + "/bus/ap/apmask", "w") as f:
        f.write("-5\n")
    got = []
    try:
        while True:
            msg, (port, _groups) = s.recvfrom(8192)
            # The kernel's own uevents (port 0) reach every network namespace:
            # another FUSE mount elsewhere on the machine is not simfs's.
            if port != 0:
                got.append(msg)
    except socket.timeout:
        pass
    print(repr(got))
    print(subprocess.run([simfs, "ctl", mnt, "netlink"], capture_output=True, text=True).stdout)
    print(subprocess.run([simfs, "ctl", mnt, "uevents"], capture_output=True, text=True).stdout)
finally:
    subprocess.run(["fusermount3", "-u", mnt])
'''


def test_uevents_on_netlink_in_a_private_namespace(tmp_path):
    """With root and unshare -n, the daemon sends each uevent as the kernel would: the same
    messages a udev-less listener of NETLINK_KOBJECT_UEVENT reads from the kernel."""
    if os.geteuid() != 0 or not shutil.which("unshare") or not os.path.exists("/dev/fuse"):
        pytest.skip("needs root, unshare and FUSE")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    script = tmp_path / "nl.py"
    script.write_text(NETLINK_SCRIPT)
    cp = subprocess.run(["unshare", "-n", sys.executable, str(script), str(SIMFS), str(mnt)],
                        capture_output=True, text=True, timeout=60)
    if cp.returncode and "unshare" in cp.stderr:
        pytest.skip(f"no private network namespace here: {cp.stderr.strip()}")
    assert cp.returncode == 0, cp.stderr
    msgs = eval(cp.stdout.splitlines()[0])           # noqa: S307 - our own repr
    mask = [x for x in msgs if x.startswith(b"change@/devices/ap\0") and b"APMASK=" in x]
    assert len(mask) == 1
    fields = mask[0].split(b"\0")
    assert fields[:4] == [b"change@/devices/ap", b"ACTION=change", b"DEVPATH=/devices/ap",
                          b"SUBSYSTEM=ap"]
    assert fields[4] == b"APMASK=0xfb" + b"f" * 62 + b"\n"
    assert fields[5].startswith(b"SEQNUM=") and fields[6:] == [b""]
    seqnums = [int(x.split(b"SEQNUM=")[1].split(b"\0")[0]) for x in msgs]
    assert seqnums == sorted(seqnums) and len(msgs) >= 7       # 5 queues moved: unbind+bind each
    assert cp.stdout.splitlines()[1].startswith(f"on sent {len(msgs)} failed 0")


def test_netlink_refused_outside_a_private_namespace(sysfs):
    with pytest.raises(CtlError, match="not private"):
        SimCtl(sysfs).netlink("on")
    assert SimCtl(sysfs).netlink() == "off"


# ---- kernel personalities -------------------------------------------------------------------------

@pytest.mark.parametrize("version", ["5.10", "5.15", "6.0", "6.1", "6.12"])
def test_personality_files_and_errors(simfs_factory, version):
    """spec §7 on one machine: what each version has, and how it answers."""
    m = simfs_factory("--kernel-version", version)
    v = tuple(int(x) for x in version.split("."))
    assert m.exists(MATRIX + "/features") == (v >= (6, 12))
    assert m.exists("devices/ap/card05/chkstop") == (v >= (5, 19))
    assert m.exists("devices/ap/card05/max_msg_size") == (v >= (6, 0))
    assert m.exists(SCH + "/dev_busid") == (v >= (5, 13))
    assert m.exists("class/vfio-dev") == (v >= (6, 1))
    ok(m, TYPE + "/create", U1 + "\n")
    assert m.exists(mdev(U1, "guest_matrix")) == (v >= (6, 0))
    assert m.exists(mdev(U1, "ap_config")) == (v >= (6, 9))
    assert m.exists(mdev(U1, "vfio-dev")) == (v >= (6, 1))
    group = os.path.basename(m.readlink(mdev(U1, "iommu_group")))
    assert m.exists(f"kernel/iommu_groups/{group}/name") == (v >= (5, 16))
    assert m.exists("class/mdev_bus/matrix")
    # bind of a bound device: EBUSY since 5.13, silent success before.
    assert m.write("bus/css/drivers/io_subchannel/bind", "0.0.0313\n") == (EBUSY if v >= (5, 13) else None)
    # The mdev bus matched before the 5.15/5.16 rework.
    ok(m, "bus/mdev/drivers/vfio_ap_mdev/unbind", U1 + "\n")
    assert m.write("bus/mdev/drivers/vfio_ap_mdev/bind", U1 + "\n") == (None if v < (5, 15) else ENODEV)
    # A second vfio_ccw instance: EUSERS since 6.1, EPERM before.
    ccw_mdev(m, U3)
    assert m.write(CCW_TYPE + "/create", U2 + "\n") == (EUSERS if v >= (6, 1) else EPERM)
    assert m.exists(SCH + "/parent") == (v >= (6, 3))
    # Over-provisioning (6.0): an assignment no queue of which is bound to vfio_ap.
    ok(m, mdev(U1, "remove"), "1\n")
    ok(m, TYPE + "/create", U2 + "\n")
    ok(m, AP + "/aqmask", "-4\n")
    assert m.write(mdev(U2, "assign_domain"), "4\n") is None
    assert m.write(mdev(U2, "assign_adapter"), "0x20\n") == (None if v >= (6, 0) else errno.EADDRNOTAVAIL)


@pytest.mark.parametrize("version", ["5.15", "6.1"])
def test_mdev_bus_class_and_the_first_parent(simfs_factory, tmp_path, version):
    """/sys/class/mdev_bus: registered with the mdev module since 6.1.y/6.5, with the first
    parent before; either way it stays after the last parent."""
    m = simfs_factory("--kernel-version", version, "--topology",
                      fixture_variant(tmp_path, "bare.json", base="default.json",
                                      modules={"vfio_ccw": False, "vfio_ap": False}))
    ctl = SimCtl(m)
    for mod in ("vfio", "vfio_iommu_type1", "mdev"):
        ctl.insmod(mod)
    assert m.exists("class/mdev_bus") == (version == "6.1")
    ctl.insmod("vfio_ap")
    assert m.ls("class/mdev_bus") == ["matrix"]
    ctl.rmmod("vfio_ap")
    assert m.ls("class/mdev_bus") == []


@pytest.mark.parametrize("version", ["5.10", "5.15", "6.0", "6.1", "6.12"])
def test_conformance_suite_under_each_personality(version, tmp_path):
    """The version-dependent scenarios of conformance/ (marked or computed from the kernel
    version) pass against simfs in each personality."""
    if not os.path.exists("/dev/fuse"):
        pytest.skip("no /dev/fuse on this machine")
    cp = subprocess.run([sys.executable, "-m", "pytest", "conformance", f"--simfs={SIMFS}",
                         f"--kernel-version={version}", "-q", "-p", "no:cacheprovider",
                         f"--basetemp={tmp_path / 'bt'}"],
                        cwd=REPO, capture_output=True, text=True, timeout=600)
    tail = cp.stdout.strip().splitlines()[-1] if cp.stdout.strip() else cp.stderr
    assert cp.returncode == 0, f"conformance under {version}: {tail}\n{cp.stdout[-4000:]}"
    assert " passed" in tail and not re.search(r"\b\d+ failed", tail)
