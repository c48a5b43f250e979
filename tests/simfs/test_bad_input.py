"""Bad input everywhere: a clear error, the state unchanged, no crash.

Four classes, each with its own tests (the counts are printed with -s or on failure):
  - fixtures: broken JSON, wrong shapes, odd bytes, huge or special files, mdevs the
    kernel would refuse -- refused before mounting with one line naming the file;
  - simfs command lines: options, values, mount points, `simfs ctl` arguments --
    exit status 1 or 2 with a message, no mount and no daemon left behind;
  - mdevtool command lines (its argument handling only): seeded random argument
    vectors against a mount -- exit status 0..3, never a signal; a refusal (1, 2, 3)
    and every --dry-run leave the tree exactly as it was;
  - attribute writes: every writable attribute of a mount, payloads of any length
    and byte content -- the write succeeds or fails with an errno a store returns,
    a refused write changes nothing, the daemon survives, the invariants hold.
"""
import errno
import json
import os
import random
import signal
import subprocess

import pytest

import fsinvariants
from conftest import BUILD, FIXTURES, SIMFS, _daemon_pid, start_simfs, unmount

MDEVTOOL = BUILD / "mdevtool" / "mdevtool"
U1 = "11111111-2222-3333-4444-555555555555"
U2 = "22222222-2222-3333-4444-555555555555"
DEFAULT = json.loads((FIXTURES / "default.json").read_text())


def no_crash(cp):
    """Exited by itself (no signal, no sanitizer abort)."""
    assert cp.returncode >= 0, f"killed by signal {-cp.returncode}"
    assert cp.returncode not in (134, 139), f"exit {cp.returncode}: abort or segfault"


def mounts_under(path):
    path = str(path)
    return [l.split()[1] for l in open("/proc/self/mounts") if l.split()[1].startswith(path)]


# ---- fixtures ---------------------------------------------------------------------------

def with_(path, value):
    doc = json.loads(json.dumps(DEFAULT))
    cur = doc
    for k in path[:-1]:
        cur = cur[k]
    cur[path[-1]] = value
    return json.dumps(doc).encode()


def masks_off(mdevs):
    """Adapters 5, 6 and domain 4 taken from the default drivers, then @mdevs."""
    doc = json.loads(json.dumps(DEFAULT))
    doc["ap"]["apmask"] = "0x03" + "f" * 62
    doc["ap"]["aqmask"] = "0xf7" + "f" * 62
    doc["ap"]["domain"] = 71        # ap_domain must stay a domain of the default drivers
    doc["mdevs"] = mdevs
    return json.dumps(doc).encode()


BAD_FIXTURES = [
    ("empty file", b"", "unexpected end of data"),
    ("whitespace only", b" \n\t\n", "unexpected end of data"),
    ("cut off", json.dumps(DEFAULT).encode()[:200], "not valid JSON"),
    ("JSON null", b"null", "expected an object"),
    ("a number", b"42", "expected an object"),
    ("an array", b"[{}]", "expected an object"),
    ("a string", b'"css"', "expected an object"),
    ("random bytes", bytes(random.Random(8).randrange(256) for _ in range(4000)), "not valid JSON"),
    ("NUL inside", b'{"description": "a\x00b"}', "not valid JSON"),
    ("UTF-8 BOM", b"\xef\xbb\xbf{}", "not valid JSON"),
    ("nested 100000 deep", b"[" * 100000 + b"]" * 100000, "nesting too deep"),
    ("comment", b'{ /* c */ "kernel": "6.12" }', "not valid JSON"),
    ("single quotes", b"{'kernel': '6.12'}", "not valid JSON"),
    ("key with a newline", b'{"ker\\nnel": "6.12"}', "unknown key"),
    ("key with an escape", b'{"\\u001b[2J": 1}', "unknown key"),
    ("id 1e400", with_(["ap", "cards"], [{"id": 1e300, "type": "CEX7C"}]), "ap.cards[0].id"),
    ("id 5.5", with_(["ap", "cards"], [{"id": 5.5, "type": "CEX7C"}]), "expected an integer"),
    ("id as a string", with_(["ap", "cards"], [{"id": "5", "type": "CEX7C"}]), "expected an integer"),
    ("id -1", with_(["ap", "cards"], [{"id": -1, "type": "CEX7C"}]), "out of range"),
    ("id 2^64+1", with_(["ap", "cards"], [{"id": 2 ** 64 + 1, "type": "CEX7C"}]), "ap.cards[0].id"),
    ("max_domain_id 256", with_(["ap", "max_domain_id"], 256), "ap.max_domain_id"),
    ("domain 256", with_(["ap", "domain"], 256), "ap.domain"),
    ("mask too long", with_(["ap", "apmask"], "0x" + "f" * 65), "ap.apmask"),
    ("mask not hex", with_(["ap", "aqmask"], "0xzz"), "ap.aqmask"),
    ("cards not a list", with_(["ap", "cards"], {"id": 5}), "ap.cards"),
    ("css a list", with_(["css"], []), "css"),
    ("ccw driver with a slash", with_(["css", "subchannels", 0, "device", "driver"], "a/b"),
     "device.driver"),
    ("ccw driver ..", with_(["css", "subchannels", 0, "device", "driver"], ".."), "device.driver"),
    ("chpid 100", with_(["css", "chpids"], [{"id": "100"}]), "css.chpids[0].id"),
    ("schid ssid 4", with_(["css", "subchannels", 0, "schid"], "0.4.0200"), "schid"),
    ("kernel 10.0", with_(["kernel"], "10.0"), "kernel"),
    ("kernel empty", with_(["kernel"], ""), "kernel"),
    ("modules not bools", with_(["modules"], {"vfio_ap": 1}), "modules.vfio_ap"),
    ("mdev APQN owned by the host", with_(["mdevs"], [{"uuid": U1, "parent": "matrix",
                                                        "adapters": [5], "domains": [4]}]),
     "still belongs to the host"),
    ("two mdevs, one APQN", masks_off([
        {"uuid": U1, "parent": "matrix", "adapters": [5], "domains": [4]},
        {"uuid": "21111111-2222-3333-4444-555555555555", "parent": "matrix", "adapters": [5],
         "domains": [4]}]), "already assigned"),
    ("mdev listed twice", masks_off([{"uuid": U1, "parent": "matrix"}] * 2), "File exists"),
    ("mdev on an unknown parent", with_(["mdevs"], [{"uuid": U1, "parent": "0.0.9999"}]),
     "mdevs[0].parent"),
    ("ccw mdev, subchannel not on vfio_ccw", with_(["mdevs"], [{"uuid": U1, "parent": "0.0.0313"}]),
     "not bound to vfio_ccw"),
    ("mdev uuid malformed", with_(["mdevs"], [{"uuid": U1[:-1] + "g", "parent": "matrix"}]),
     "mdevs[0].uuid"),
    ("mdev adapter 300", masks_off([{"uuid": U1, "parent": "matrix", "adapters": [300]}]),
     "out of range"),
]


@pytest.mark.parametrize("what,data,message", BAD_FIXTURES, ids=[b[0] for b in BAD_FIXTURES])
def test_bad_fixture_is_refused_with_one_line(tmp_path, what, data, message):
    f = tmp_path / "bad.json"
    f.write_bytes(data)
    mp = tmp_path / "mnt"
    mp.mkdir()
    m, cp = start_simfs(mp, "--topology", f)
    if m:
        unmount(mp, m.pid)
    assert m is None, f"{what}: mounted"
    no_crash(cp)
    assert cp.returncode == 1
    lines = cp.stderr.splitlines()
    assert len(lines) == 1, cp.stderr
    assert lines[0].startswith(f"simfs: {f}"), cp.stderr
    assert message in lines[0], cp.stderr
    assert not mounts_under(tmp_path)


@pytest.mark.parametrize("path,message", [
    ("/dev/zero", "larger than 64 MiB"),
    ("/dev/null", "unexpected end of data"),
    ("/", "Is a directory"),
    ("/nonexistent/x.json", "No such file or directory"),
    ("", "No such file or directory"),
])
def test_special_files_as_fixture(tmp_path, path, message):
    mp = tmp_path / "mnt"
    mp.mkdir()
    m, cp = start_simfs(mp, "--topology", path)
    if m:
        unmount(mp, m.pid)
    assert m is None
    no_crash(cp)
    assert cp.returncode == 1 and message in cp.stderr, cp.stderr
    assert not mounts_under(tmp_path)


def test_a_fixture_that_is_too_large(tmp_path):
    f = tmp_path / "big.json"
    with open(f, "wb") as out:
        out.write(b'{"description": "')
        out.write(b"x" * (65 << 20))
        out.write(b'"}')
    mp = tmp_path / "mnt"
    mp.mkdir()
    m, cp = start_simfs(mp, "--topology", f)
    assert m is None and "larger than 64 MiB" in cp.stderr


# ---- simfs command lines ------------------------------------------------------------------

def simfs(*args, timeout=30):
    return subprocess.run([str(SIMFS), *args], capture_output=True, timeout=timeout)


BAD_ARGS = [
    ["-t"], ["--topology"], ["--topology="], ["-k"], ["-k", "", "{mp}"], ["-k", "6", "{mp}"],
    ["-k", "6.", "{mp}"], ["-k", "6.12.", "{mp}"], ["-k", "6.12.1.1", "{mp}"],
    ["-k", "10.0", "{mp}"], ["-k", "-6.1", "{mp}"], ["-k", "6.12abc", "{mp}"],
    ["-k", "4294967302.1", "{mp}"], ["-k", "0x6.0xc", "{mp}"], ["--kernel-version=banana", "{mp}"],
    ["-o"], ["-o", "no_such_option", "{mp}"], ["-o", "", "{mp}"], ["-o", "max_read=-1", "{mp}"],
    ["-x", "{mp}"], ["--nope", "{mp}"], ["{mp}", "{mp}"], ["-"], ["--"], [""],
    ["{mp}/missing"], ["{file}"], ["x" * 5000], ["/proc/self/fd/0/x"], ["-f", "-d", "-t", "{file}", "{mp}"],
    ["ctl"], ["ctl", "{mp}"], ["ctl", "/", "stats"], ["ctl", "{mp}/missing", "stats"],
    ["ctl", "x" * 5000, "stats"],
]


@pytest.mark.parametrize("args", BAD_ARGS, ids=[" ".join(a)[:40] or "empty" for a in BAD_ARGS])
def test_bad_simfs_arguments(tmp_path, args):
    mp = tmp_path / "mnt"
    mp.mkdir()
    f = tmp_path / "file"
    f.write_text("{")
    argv = [a.replace("{mp}", str(mp)).replace("{file}", str(f)) for a in args]
    try:
        cp = simfs(*argv)
        no_crash(cp)
        assert cp.returncode in (1, 2), (cp.returncode, cp.stderr)
        assert cp.stderr.strip(), "no message"
        assert not mounts_under(tmp_path)
        assert _daemon_pid(mp) is None
    finally:
        for m in mounts_under(tmp_path):
            unmount(m, _daemon_pid(m))


def test_ctl_arguments_cannot_smuggle_commands(sysfs):
    """One command per connection: a newline in an argument is not a second command."""
    root = str(sysfs.path)
    before = fsinvariants.dump(root)
    for args in (["stats\nrmmod vfio_ccw"], ["rmmod", "vfio_ccw\nrmmod vfio_ap"],
                 ["insmod", "x" * 5000], [""], ["insmod", "vfio_ccw", "extra"],
                 ["rmmod", "../../vfio_ap"], ["insmod", "\xff".encode("latin-1").decode("latin-1")]):
        cp = simfs("ctl", root, *args)
        no_crash(cp)
        assert cp.returncode in (1, 2), (args, cp.returncode, cp.stderr)
    assert not fsinvariants.diff(before, fsinvariants.dump(root))


# ---- mdevtool command lines -------------------------------------------------------------

WORDS = ["list", "types", "ccw", "ap", "create", "remove", "assign", "unassign", "show", "qemu",
         "libvirt", "help", "--json", "--uuid", "--force", "--quiet", "--restore", "--apqn",
         "--adapter", "--domain", "--control-domain", "--restore-masks", "--devno", "--sysfs",
         "--dry-run", "-n", "-h", "--help", "--version", "--", "-", ""]
VALUES = ["5", "0x5", "05", "047", "255", "256", "-1", "4", "0x47", "171", "0xab", "05.0004",
          "5.4", "05.0004,06.0047", "ff.ffff", "0.0.0313", "0.0.2b09", "fe.0.1234", "0.0.313",
          U1, U1.upper(), U1[:-1], "x" * 300, "1e3", " 5", "5 ", "\t", "%s%n", "../../..",
          "-5", "+5", "\u00e9", "\U0001f600"]


def mdevtool(args, timeout=60):
    return subprocess.run([str(MDEVTOOL), *args], capture_output=True, timeout=timeout)


COMMANDS = [["list"], ["types"], ["ccw", "create"], ["ccw", "remove"], ["ap", "create"],
            ["ap", "assign"], ["ap", "unassign"], ["ap", "remove"], ["ap", "show"], ["qemu"],
            ["libvirt"]]


def random_args(rnd, root):
    # mostly a real command, so that the arguments reach its own checks
    args = list(rnd.choice(COMMANDS)) if rnd.random() < 0.8 else []
    for _ in range(rnd.randrange(0, 6)):
        r = rnd.random()
        if r < 0.5:
            args.append(rnd.choice(WORDS))
        elif r < 0.9:
            args.append(rnd.choice(VALUES))
        else:
            args.append(os.fsdecode(bytes(rnd.randrange(1, 256) for _ in range(rnd.randrange(1, 12)))))
    if rnd.random() < 0.8:
        args = ["--sysfs", root] + args
    return args


def test_mdevtool_random_arguments(sysfs, capsys):
    """Random argument vectors: exit 0..3, never a signal; 1..3 and --dry-run change nothing."""
    if not MDEVTOOL.exists():
        pytest.fail(f"{MDEVTOOL} is not built")
    root = str(sysfs.path)
    rnd = random.Random(20261126)
    state = fsinvariants.dump(root)
    codes = {}
    n = 250
    for i in range(n):
        args = random_args(rnd, root)
        if "--sysfs" not in args:
            args = ["--sysfs", root] + args      # never the host's /sys
        cp = mdevtool(args)
        no_crash(cp)
        codes[cp.returncode] = codes.get(cp.returncode, 0) + 1
        assert cp.returncode in (0, 1, 2, 3), (args, cp.returncode, cp.stderr)
        if cp.returncode == 2:
            assert cp.stderr.startswith(b"mdevtool: "), (args, cp.stderr)
        after = fsinvariants.dump(root)
        dry = "--dry-run" in args or "-n" in args
        if cp.returncode != 0 or (dry and cp.returncode == 0):
            d = fsinvariants.diff(state, after)
            assert not d, (args, cp.returncode, d)
        state = after
    assert not fsinvariants.check(root)
    with capsys.disabled():
        print(f"\n[bad input] mdevtool: {n} random argument vectors, exit statuses {sorted(codes.items())}")


# ---- attribute writes ---------------------------------------------------------------------

# What a refusing store returns; EACCES/EISDIR from open; ENOENT once a write removed the file.
STORE_ERRNOS = {errno.EINVAL, errno.ENODEV, errno.ENOENT, errno.EEXIST, errno.EBUSY,
                errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EPERM, errno.EACCES, errno.ERANGE,
                errno.EOPNOTSUPP, errno.ENXIO, errno.EUSERS, errno.EAGAIN, errno.EIO, errno.ENOSPC}


def payloads(rnd, big):
    yield b"\x00"
    yield b"\xff\xfe\xfd\n"
    yield b"1\x00garbage"
    yield bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 40)))
    yield bytes(rnd.randrange(32, 127) for _ in range(rnd.randrange(1, 40)))
    yield b"9" * 4095 + b"\n"
    if big:     # over a page: the store sees the first 4096 bytes
        yield bytes(rnd.randrange(256) for _ in range(4097))
        yield b"\x00" * 70000


def test_random_bytes_to_every_writable_attribute(sysfs, capsys):
    root = str(sysfs.path)
    # more to write to: an mdev, a subchannel on vfio_ccw with an mdev
    assert sysfs.write("bus/ap/apmask", "-5\n") is None
    assert sysfs.write("devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create",
                       U1 + "\n") is None
    assert sysfs.write("bus/css/drivers/io_subchannel/unbind", "0.0.0313\n") is None
    assert sysfs.write("bus/css/devices/0.0.0313/driver_override", "vfio_ccw\n") is None
    assert sysfs.write("bus/css/drivers/vfio_ccw/bind", "0.0.0313\n") is None
    assert sysfs.write("bus/css/devices/0.0.0313/mdev_supported_types/vfio_ccw-io/create",
                       U2 + "\n") is None
    targets = sorted(rel for rel, (kind, mode, _) in fsinvariants.dump(root).items()
                     if kind == "A" and mode & 0o222)
    assert len(targets) > 60

    rnd = random.Random(8)
    state = fsinvariants.dump(root)
    tried = accepted = 0
    seen = {}
    for i, rel in enumerate(targets):
        for data in payloads(rnd, i % 4 == 0):
            path = os.path.join(root, rel)
            try:
                fd = os.open(path, os.O_WRONLY)
            except FileNotFoundError:
                break                       # an earlier write removed it
            tried += 1
            try:
                n = os.write(fd, data)
                err = 0
            except OSError as e:
                err = e.errno
            finally:
                os.close(fd)
            seen[err] = seen.get(err, 0) + 1
            after = fsinvariants.dump(root)
            if err:
                assert err in STORE_ERRNOS, f"{rel} <- {data[:40]!r}: {os.strerror(err)}"
                d = fsinvariants.diff(state, after)
                assert not d, f"{rel} <- {data[:40]!r} refused ({os.strerror(err)}) but changed: {d}"
            else:
                accepted += 1
                assert n == min(len(data), 4096), f"{rel}: short write {n} of {len(data)}"
            state = after
    assert os.path.ismount(root) and os.path.exists(f"/proc/{sysfs.pid}"), "the daemon died"
    problems = fsinvariants.check(root)
    assert not problems, problems
    with capsys.disabled():
        names = {e: (errno.errorcode[e] if e else "ok") for e in seen}
        print(f"\n[bad input] {tried} writes of random bytes (1 to 70000 bytes) to {len(targets)} "
              f"writable attributes: {accepted} accepted, refused with "
              + ", ".join(f"{names[e]} x{c}" for e, c in sorted(seen.items()) if e)
              + "; no refused write changed anything")
