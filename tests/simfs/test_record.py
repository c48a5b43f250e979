"""simfs record: round trips through real mounts, plain copies, and refusals.

A round trip mounts a topology, records the mount, mounts the record and
compares the two trees entry by entry: every readable attribute's bytes (or
the errno of an unreadable one), every link target, every mode.  A
difference is allowed only where the recorder said on stderr that the
fixture cannot hold it.
"""
import json
import os
import stat
import subprocess
from pathlib import Path
import sys

import pytest

from conftest import FIXTURES, SIMFS, start_simfs, unmount

U_CCW = "11111111-2222-3333-4444-555555555555"
U_AP = "22222222-3333-4444-5555-666666666666"
AP_CREATE = "devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create"
COPIED = ["bus/css", "bus/ccw", "bus/ap", "devices/css0", "devices/ap", "devices/vfio_ap"]


# ---- helpers --------------------------------------------------------------------

def record(*args, env=None):
    return subprocess.run([str(SIMFS), "record", *map(str, args)], capture_output=True, text=True,
                          timeout=60, env=env)


def record_ok(tree, out, *args):
    cp = record("--sysfs", tree, "-o", out, *args)
    assert cp.returncode == 0, cp.stderr
    return cp


def _read(path):
    """All bytes of a file, or the errno of open or read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as e:
        return e.errno
    try:
        chunks = []
        while True:
            b = os.read(fd, 65536)
            if not b:
                return b"".join(chunks)
            chunks.append(b)
    except OSError as e:
        return e.errno
    finally:
        os.close(fd)


def snapshot(root):
    """{relative path: what it is}, walking with scandir and never following a link."""
    out = {}

    def walk(path, rel):
        with os.scandir(path) as it:
            entries = sorted(it, key=lambda e: e.name)
        for e in entries:
            r = f"{rel}/{e.name}" if rel else e.name
            st = e.stat(follow_symlinks=False)
            mode = stat.S_IMODE(st.st_mode)
            if stat.S_ISLNK(st.st_mode):
                out[r] = ("link", os.readlink(e.path))
            elif stat.S_ISDIR(st.st_mode):
                out[r] = ("dir", mode)
                walk(e.path, r)
            elif not mode & 0o444:
                out[r] = ("write-only", mode)     # reading it is not a fact
            else:
                out[r] = ("file", mode, _read(e.path))

    walk(str(root), "")
    return out


def tree_diff(a, b):
    """The paths whose entries differ between two trees (present in one only, or unequal)."""
    sa, sb = snapshot(a), snapshot(b)
    return {p: (sa.get(p), sb.get(p)) for p in sorted(set(sa) | set(sb)) if sa.get(p) != sb.get(p)}


def copy_tree(src, dst, parts=COPIED):
    """What a user sends in: the readable files and the links of @parts, as plain files."""
    def copy(s, d):
        st = os.lstat(s)
        if stat.S_ISLNK(st.st_mode):
            os.symlink(os.readlink(s), d)
        elif stat.S_ISDIR(st.st_mode):
            os.makedirs(d, exist_ok=True)
            for e in os.scandir(s):
                copy(e.path, os.path.join(d, e.name))
        elif st.st_mode & 0o444:
            data = _read(s)
            if isinstance(data, bytes):
                with open(d, "wb") as f:
                    f.write(data)

    for rel in parts:
        if os.path.lexists(os.path.join(src, rel)):
            copy(os.path.join(src, rel), os.path.join(dst, rel))


def round_trip(simfs_factory, tmp_path, m, *args):
    """Record @m, mount the record; (CompletedProcess, record dict, replay Mount, diff)."""
    out = tmp_path / f"record{len(list(tmp_path.glob('record*.json')))}.json"
    cp = record_ok(m.path, out, *args)
    replay = simfs_factory("--topology", out, name="replay")
    return cp, json.loads(out.read_text()), replay, tree_diff(m.path, replay.path)


def ok(m, rel, data):
    assert m.write(rel, data) is None, f"write {data!r} > {rel}"


def move_to_vfio_ccw(m, sch):
    """driverctl's sequence: override, unbind, drivers_probe."""
    ok(m, f"bus/css/devices/{sch}/driver_override", "vfio_ccw\n")
    ok(m, "bus/css/drivers/io_subchannel/unbind", sch + "\n")
    ok(m, "bus/css/drivers_probe", sch + "\n")
    assert m.readlink(f"bus/css/devices/{sch}/driver").endswith("/vfio_ccw")


def ctl(m, *args):
    cp = subprocess.run([str(SIMFS), "ctl", str(m.path), *args], capture_output=True, text=True)
    assert cp.returncode == 0, cp.stdout + cp.stderr
    return cp.stdout


# ---- round trips ----------------------------------------------------------------

def test_round_trip_default(sysfs, simfs_factory, tmp_path):
    cp, rec, replay, diff = round_trip(simfs_factory, tmp_path, sysfs)
    assert diff == {}
    # A simfs tree does not say its kernel: left out, and said so.
    assert "kernel" not in rec
    assert "kernel: a copied or simulated tree" in cp.stderr
    # QDIO is not in sysfs: inferred from the OSA, and the guesses are named.
    assert [s.get("qdio", False) for s in rec["css"]["subchannels"]] == [True, False, False]
    assert "inferred from a qeth or zfcp device or control unit type 1731 (1: 0.0.0200)" in cp.stderr
    assert "recorded as non-QDIO with no qeth/zfcp device to tell (2: 0.0.0313 0.0.0314)" in cp.stderr


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("*.json")), ids=lambda p: p.name)
def test_round_trip_every_fixture(simfs_factory, tmp_path, fixture):
    """Every fixture, including ones added later (the large generated one)."""
    kernel = json.loads(fixture.read_text()).get("kernel")
    m = simfs_factory("--topology", fixture, name=fixture.stem)
    cp, rec, replay, diff = round_trip(simfs_factory, tmp_path, m, *(["-k", kernel] if kernel else []))
    assert diff == {}
    assert rec.get("kernel") == kernel


def test_round_trip_generated_topology(simfs_factory, tmp_path):
    """The benchmark's generator (tests/bench/gen_topology.py), scaled down: 2 subchannel sets
    of 512 DASDs on 8 channel paths, 6 cards x 20 domains -- every attribute and link survives."""
    gen = Path(__file__).resolve().parents[1] / "bench" / "gen_topology.py"
    fixture = tmp_path / "generated.json"
    subprocess.run([sys.executable, str(gen), "--ssids", "2", "--subchannels", "512", "--cards", "6",
                    "--domains", "20", str(fixture)], check=True)
    m = simfs_factory("--topology", fixture, name="generated")
    assert len(m.ls("bus/css/devices")) == 1024 and len(m.ls("bus/ap/devices")) == 6 + 6 * 20
    cp, rec, replay, diff = round_trip(simfs_factory, tmp_path, m)
    assert diff == {}
    assert len(rec["css"]["subchannels"]) == 1024 and len(rec["ap"]["cards"]) == 6


def test_record_of_a_replay_is_the_same_record(sysfs, tmp_path):
    """Stable output: recording the replay of a record gives the record, byte for byte."""
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    record_ok(sysfs.path, first)
    mp = tmp_path / "replay"
    mp.mkdir()
    m, cp = start_simfs(mp, "--topology", first)
    assert m, cp.stderr
    try:
        record_ok(m.path, second)
    finally:
        unmount(m.path, m.pid)
    assert first.read_text() == second.read_text()


def test_record_format(sysfs, tmp_path):
    """Pretty-printed, keys in the fixture README's order, slashes unescaped (3390/0c)."""
    out = tmp_path / "r.json"
    record_ok(sysfs.path, out, "-k", "6.12")
    text = out.read_text()
    assert text.startswith('{\n  "description": ') and text.endswith("}\n")
    assert '"3390/0c"' in text and "\\/" not in text
    rec = json.loads(text)
    assert list(rec) == ["description", "kernel", "modules", "css", "ap"]
    assert list(rec["css"]) == ["cssid", "chpids", "subchannels"]
    assert list(rec["css"]["subchannels"][1]) == ["schid", "type", "chpids", "pim", "pam", "pom",
                                                  "driver", "device"]


def _busy_host(m):
    """A non-trivial sequence: overrides, a vfio_ccw mdev, mask edits, a vfio_ap mdev."""
    # The vfio_ap mdev first: the record must keep the creation (iommu group) order.
    ok(m, "bus/ap/ap_domain", "0xab\n")
    ok(m, AP_CREATE, U_AP + "\n")
    ok(m, "bus/ap/apmask", "-5\n")
    ok(m, "bus/ap/aqmask", "-71,-171\n")
    mdev = f"devices/vfio_ap/matrix/{U_AP}"
    for f, v in [("assign_adapter", "5"), ("assign_domain", "71"), ("assign_domain", "0xab"),
                 ("assign_control_domain", "4"), ("assign_control_domain", "80")]:
        ok(m, f"{mdev}/{f}", v + "\n")
    move_to_vfio_ccw(m, "0.0.0313")
    ok(m, "bus/css/devices/0.0.0313/mdev_supported_types/vfio_ccw-io/create", U_CCW + "\n")
    ok(m, "bus/css/devices/0.0.0314/driver_override", "io_subchannel\n")
    ok(m, "bus/ccw/devices/0.0.2b0a/online", "0\n")
    ok(m, "bus/ccw/devices/0.0.f500/online", "1\n")
    ok(m, "devices/css0/chp0.41/status", "off\n")
    ok(m, "devices/ap/card06/online", "0\n")
    assert m.read(f"{mdev}/matrix") == b"05.0047\n05.00ab\n"


# The queues the masks took from cex4queue: their request_count reads "-"
# (history, spec 4.6), a replay boots them straight into vfio_ap ("0").
RELEASED = ["05.0004", "05.0047", "05.00ab", "06.0047", "06.00ab"]


def test_round_trip_after_writes(sysfs, simfs_factory, tmp_path):
    _busy_host(sysfs)
    cp, rec, replay, diff = round_trip(simfs_factory, tmp_path, sysfs)
    released = {f"devices/ap/card{q[:2]}/{q}/request_count" for q in RELEASED}
    assert set(diff) == released
    assert all(diff[p] == (("file", 0o644, b"-\n"), ("file", 0o644, b"0\n")) for p in released)
    assert "request_count reads - on queues a driver released" in cp.stderr
    assert " ".join(RELEASED) in cp.stderr

    # The record holds the state as facts ...
    assert [(d["uuid"], d["parent"]) for d in rec["mdevs"]] == [(U_AP, "matrix"), (U_CCW, "0.0.0313")]
    assert rec["mdevs"][0]["domains"] == [71, 171] and rec["mdevs"][0]["control_domains"] == [4, 80]
    sch = {s["schid"]: s for s in rec["css"]["subchannels"]}
    assert sch["0.0.0313"]["driver"] == "vfio_ccw" and sch["0.0.0313"]["driver_override"] == "vfio_ccw"
    assert sch["0.0.0314"]["driver_override"] == "io_subchannel"
    # ... and the replay has the behaviour, not only the files.
    ok(replay, "bus/ap/aqmask", "+71\n")                        # 06.0047 back to cex4queue
    assert replay.write("bus/ap/apmask", "+5\n") == 16          # EBUSY: U_AP holds 05.0047
    assert replay.write("bus/css/drivers/io_subchannel/unbind", "0.0.0200\n") is None
    assert replay.write("bus/css/drivers/vfio_ccw/bind", "0.0.0200\n") == 19     # ENODEV: qdio kept
    assert replay.read("bus/css/devices/0.0.0313/mdev_supported_types/vfio_ccw-io/available_instances") == b"0\n"


def test_unrecordable_state_is_announced(sysfs, simfs_factory, tmp_path):
    """What the format cannot hold differs after the replay, and only where stderr said so."""
    m = sysfs
    ok(m, "bus/ap/config_time", "60\n")
    ok(m, "devices/ap/card05/05.0047/online", "0\n")
    ok(m, "bus/ccw/devices/0.0.2b09/cmb_enable", "1\n")
    u1, u2 = "aaaaaaaa-0000-0000-0000-000000000001", "aaaaaaaa-0000-0000-0000-000000000002"
    ok(m, AP_CREATE, u1 + "\n")
    ok(m, AP_CREATE, u2 + "\n")
    ok(m, f"devices/vfio_ap/matrix/{u1}/remove", "1\n")       # u2 keeps iommu group 1
    cp, rec, replay, diff = round_trip(simfs_factory, tmp_path, m)
    plain = {p for p in diff if not any(k in p for k in ("iommu_group", "vfio-dev", "vfio/"))}
    assert plain == {"bus/ap/config_time", "devices/ap/card05/05.0047/online",
                     "devices/css0/0.0.0313/0.0.2b09/cmb_enable"}
    assert diff[f"devices/vfio_ap/matrix/{u2}/iommu_group"][0] == ("link", "../../../../kernel/iommu_groups/1")
    for line in ["bus/ap/config_time: 60", "05.0047: online is 0 on its own",
                 "0.0.2b09: cmb_enable is 1", f"mdev {u2}: iommu group 1"]:
        assert line in cp.stderr


def test_every_device_hidden_behind_vfio_ccw(simfs_factory, tmp_path):
    """The transcript machine with all three subchannels on vfio_ccw: no ccw device is left,
    yet virtio_ccw stays registered (css.ccw_drivers) and dev_busid names each device."""
    fixture = FIXTURES / "oracle-css.json"
    if not fixture.exists():
        pytest.skip("oracle-css.json is gone")
    m = simfs_factory("--topology", fixture)
    for mod in ["vfio", "vfio_iommu_type1", "mdev", "vfio_ccw"]:
        ctl(m, "insmod", mod)
    for sch in ["0.0.0000", "0.0.0001", "0.0.0002"]:
        move_to_vfio_ccw(m, sch)
    assert m.ls("bus/ccw/devices") == [] and m.exists("bus/ccw/drivers/virtio_ccw")
    cp, rec, replay, diff = round_trip(simfs_factory, tmp_path, m, "-k", "6.12.117")
    assert diff == {}
    assert rec["modules"]["vfio_ccw"] is True
    # every ccw driver of the machine: the transcript kernel's built-in DASD drivers too
    assert rec["css"]["ccw_drivers"] == ["dasd-eckd", "dasd-fba", "virtio_ccw"]
    assert {s["device"]["driver"] for s in rec["css"]["subchannels"]} == {"none"}
    assert cp.stderr.count("is not in the tree (subchannel driver: vfio_ccw)") == 3


def test_override_naming_another_driver(sysfs, simfs_factory, tmp_path):
    """`echo vfio_ccw > driver_override` alone leaves the subchannel on io_subchannel (spec 2.3):
    a reachable state, recorded faithfully; simfs refuses to boot into it."""
    ok(sysfs, "bus/css/devices/0.0.0314/driver_override", "vfio_ccw\n")
    out = tmp_path / "r.json"
    cp = record("--sysfs", sysfs.path, "-o", out)
    rec = json.loads(out.read_text())
    sch = rec["css"]["subchannels"][2]
    assert (sch["driver"], sch["driver_override"]) == ("io_subchannel", "vfio_ccw")
    assert cp.returncode == 0, cp.stderr
    replay = simfs_factory("--topology", out, name="replay")
    assert tree_diff(sysfs.path, replay.path) == {}


# ---- plain copies ---------------------------------------------------------------

def test_record_plain_copy(sysfs, simfs_factory, tmp_path):
    """A copy of the six directories records exactly like the mount it was taken from."""
    _busy_host(sysfs)
    copy = tmp_path / "copy"
    copy_tree(sysfs.path, copy)
    assert not (copy / "module").exists() and not (copy / "devices/css0/0.0.0313/0.0.2b09").exists()
    from_mount, from_copy = tmp_path / "mount.json", tmp_path / "copy.json"
    a = record_ok(sysfs.path, from_mount)
    b = record_ok(copy, from_copy)
    assert from_copy.read_text() == from_mount.read_text()
    assert b.stderr == a.stderr
    replay = simfs_factory("--topology", from_copy, name="replay")
    assert set(tree_diff(sysfs.path, replay.path)) == {
        f"devices/ap/card{q[:2]}/{q}/request_count" for q in RELEASED}


def test_record_cp_a_copy(sysfs, tmp_path):
    """The copy docs/record.md tells people to send: cp -a --parents, errors and all."""
    _busy_host(sysfs)
    copy = tmp_path / "copy"
    copy.mkdir()
    cp = subprocess.run(["cp", "-a", "--parents", *COPIED, str(copy)], cwd=sysfs.path,
                        capture_output=True, text=True)
    assert "real_cssid" in cp.stderr                        # it does complain
    assert (copy / "devices/css0/real_cssid").read_bytes() == b""
    from_mount, from_copy = tmp_path / "mount.json", tmp_path / "copy.json"
    a = record_ok(sysfs.path, from_mount)
    b = record_ok(copy, from_copy)
    assert from_copy.read_text() == from_mount.read_text()
    assert b.stderr == a.stderr


def test_keep_ids(sysfs, simfs_factory, tmp_path):
    """Serial numbers only with --keep-ids; never the master-key verification patterns."""
    copy = tmp_path / "copy"
    copy_tree(sysfs.path, copy)
    (copy / "devices/ap/card05/serialnr").write_text("93AADFK7\n")
    (copy / "devices/css0/chp0.40/chid").write_text("0140\n")
    plain, kept = tmp_path / "plain.json", tmp_path / "kept.json"
    cp = record_ok(copy, plain)
    assert "93AADFK7" not in plain.read_text()
    assert "serialnr: identifying, not read (--keep-ids records it) (1: card05)" in cp.stderr
    assert "channel paths: chid differs" in cp.stderr and "chp0.40" in cp.stderr
    assert "mkvps: master-key verification patterns are never read or recorded" in cp.stderr
    cp = record_ok(copy, kept, "--keep-ids")
    rec = json.loads(kept.read_text())
    assert [c.get("serialnr") for c in rec["ap"]["cards"]] == ["93AADFK7", None]
    assert "serialnr: identifying" not in cp.stderr
    simfs_factory("--topology", kept, name="kept")           # the field is part of the format


def test_older_and_richer_trees(sysfs, simfs_factory, tmp_path):
    """Missing attributes (older kernels) are tolerated; what simfs does not model is named."""
    copy = tmp_path / "copy"
    copy_tree(sysfs.path, copy)
    for sch in ["0.0.0200", "0.0.0313", "0.0.0314"]:
        (copy / f"devices/css0/{sch}/dev_busid").unlink()            # before 5.13
        (copy / f"devices/css0/{sch}/driver_override").unlink()      # before 5.3
    for card in ["card05", "card06"]:
        (copy / f"devices/ap/{card}/max_msg_size").unlink()          # before 6.x
        (copy / f"devices/ap/{card}/chkstop").unlink()
    # What a real LPAR has and simfs does not model.
    (copy / "bus/ccw/drivers/dasd-fba").mkdir()
    (copy / "bus/css/drivers/chsc_subchannel").mkdir()
    (copy / "devices/css0/0.0.0313/0.0.2b09/uid").write_text("IBM.750000000DXP71.c000.09\n")
    chsc = copy / "devices/css0/0.0.ff40"
    chsc.mkdir()
    (chsc / "type").write_text("1\n")
    os.symlink("../../../bus/css/drivers/chsc_subchannel", chsc / "driver")
    out = tmp_path / "r.json"
    cp = record_ok(copy, out)
    rec = json.loads(out.read_text())
    assert rec["css"]["ccw_drivers"] == ["dasd-fba"]
    assert {"schid": "0.0.ff40", "type": 1, "driver": "none"} in rec["css"]["subchannels"]
    assert all("max_msg_size" not in c for c in rec["ap"]["cards"])
    for line in ["card05/max_msg_size: unreadable", "0.0.ff40: bound to chsc_subchannel",
                 "css driver chsc_subchannel: not modelled",
                 "ccw device attributes simfs does not model, not recorded (1: uid)"]:
        assert line in cp.stderr
    assert "IBM.750000000DXP71" not in out.read_text()
    replay = simfs_factory("--topology", out, name="replay")
    assert replay.exists("bus/ccw/drivers/dasd-fba")
    assert replay.read("bus/css/devices/0.0.ff40/type") == b"1\n"


# ---- the command ----------------------------------------------------------------

def test_record_never_writes(sysfs, tmp_path):
    before = ctl(sysfs, "stats")
    record_ok(sysfs.path, tmp_path / "r.json")
    after = ctl(sysfs, "stats")
    line = lambda s: [x for x in s.splitlines() if x.startswith("write ")]
    assert line(before) == line(after) == ["write 0"]


def test_sysfs_root(sysfs, tmp_path):
    env = dict(os.environ, SYSFS_ROOT=str(sysfs.path))
    cp = record(env=env)
    assert cp.returncode == 0, cp.stderr
    assert json.loads(cp.stdout)["css"]["subchannels"][0]["schid"] == "0.0.0200"
    empty = tmp_path / "empty"
    empty.mkdir()
    cp = record("--sysfs", sysfs.path, env=dict(os.environ, SYSFS_ROOT=str(empty)))
    assert cp.returncode == 0, cp.stderr          # --sysfs wins


@pytest.mark.parametrize("what", ["empty dir", "file", "missing", "x86 style"])
def test_not_a_sysfs_tree(tmp_path, what):
    tree = tmp_path / "tree"
    if what == "empty dir":
        tree.mkdir()
    elif what == "file":
        tree.write_text("not a tree\n")
    elif what == "x86 style":
        (tree / "bus/pci/devices").mkdir(parents=True)
        (tree / "devices/system").mkdir(parents=True)
    out = tmp_path / "out.json"
    out.write_text("previous record\n")
    cp = record("--sysfs", tree, "-o", out)
    assert cp.returncode == 1
    assert str(tree) in cp.stderr
    msg = {"empty dir": "not an s390 sysfs tree", "x86 style": "not an s390 sysfs tree",
           "file": "Not a directory", "missing": "No such file or directory"}[what]
    assert msg in cp.stderr
    assert out.read_text() == "previous record\n"     # a failed recording truncates nothing


@pytest.mark.parametrize("dest,msg", [("missing-dir/r.json", "No such file or directory"),
                                      ("/dev/full", "No space left on device"),
                                      (".", "Is a directory")])
def test_unwritable_output(sysfs, tmp_path, dest, msg):
    out = dest if dest.startswith("/") else tmp_path / dest
    cp = record("--sysfs", sysfs.path, "-o", out)
    assert cp.returncode == 1
    assert f"simfs record: {out}: {msg}" in cp.stderr


@pytest.mark.parametrize("args", [["--kernel-version", "six"], ["--frob"], ["extra"]])
def test_usage_errors(args):
    cp = record(*args)
    assert cp.returncode == 2
    assert "Usage: simfs record" in cp.stderr or "is not a version" in cp.stderr


# ---- the format additions (fixtures/README.md) -------------------------------------

def _doc(**css_or_card):
    dev = {"devno": "0.0.2b09", "cutype": "3990/e9", "devtype": "3390/0c"}
    dev.update(css_or_card.pop("device", {}))
    card = {"id": 5, "type": "CEX7C"}
    card.update(css_or_card.pop("card", {}))
    css = {"chpids": [{"id": "40"}], "subchannels": [{"schid": "0.0.0313", "chpids": ["40"], "device": dev}]}
    css.update(css_or_card)
    return {"css": css, "ap": {"usage_domains": [4], "cards": [card]}}


REFUSED = [
    ("ccw_drivers not a list", _doc(ccw_drivers="dasd-fba"), "css.ccw_drivers: expected an array"),
    ("ccw_drivers element", _doc(ccw_drivers=[7]), "css.ccw_drivers: element 0 is not a string"),
    ("ccw_drivers twice", _doc(ccw_drivers=["dasd-fba", "dasd-fba"]), "dasd-fba is listed twice"),
    ("ccw_drivers none", _doc(ccw_drivers=["none"]), "css.ccw_drivers: \"none\" is not a driver name"),
    ("driverless online", _doc(device={"driver": "none", "online": True}),
     "css.subchannels[0].device.online: a device without a driver cannot be online"),
    ("serialnr too long", _doc(card={"serialnr": "0123456789abcdefX"}), "ap.cards[0].serialnr"),
    ("serialnr blank", _doc(card={"serialnr": "93AA DFK7"}), "ap.cards[0].serialnr"),
]


@pytest.mark.parametrize("what,doc,message", REFUSED, ids=[r[0] for r in REFUSED])
def test_format_additions_are_checked(tmp_path, what, doc, message):
    f = tmp_path / "bad.json"
    f.write_text(json.dumps(doc))
    mp = tmp_path / "mnt"
    mp.mkdir()
    m, cp = start_simfs(mp, "--topology", f)
    assert m is None and message in cp.stderr, cp.stderr


def test_format_additions_boot(tmp_path, simfs_factory):
    """ccw_drivers registers drivers without devices; a "none" device is there, driverless."""
    f = tmp_path / "t.json"
    f.write_text(json.dumps(_doc(ccw_drivers=["dasd-fba", "dasd-eckd"], device={"driver": "none"},
                                 card={"serialnr": "93AADFK7"})))
    m = simfs_factory("--topology", f)
    assert m.ls("bus/ccw/drivers") == ["dasd-eckd", "dasd-fba"]
    assert m.ls("bus/ccw/drivers/dasd-eckd") == ["bind", "uevent", "unbind"]
    assert not m.exists("bus/ccw/devices/0.0.2b09/driver")
    assert m.read("bus/ccw/devices/0.0.2b09/online") == b"0\n"
    assert m.write("bus/ccw/devices/0.0.2b09/online", "1\n") == 22      # no driver: EINVAL
