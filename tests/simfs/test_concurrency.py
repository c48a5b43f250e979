"""Several processes writing at once through one mount, then the invariants.

test_concurrent_writers: WORKERS processes do random operations for DURATION seconds
(create, assign/unassign, mask edits, bind/unbind, remove, vfio_ccw, reads).  Refusals
are expected (the operations race on purpose); what must not happen is a crash, a
deadlock (every process must finish within DURATION + GRACE), an errno no store returns
(EIO, ENOTCONN, ...), or a state that breaks an invariant (fsinvariants.check).

test_no_stale_read: one process writes, another reads right after each write
completed (they take turns over pipes) -- the reader must always see the write: a
created mdev listed and its matrix updated, a removed one gone, a mask edit moving a
queue's driver link.
"""
import errno
import multiprocessing as mp
import os
import random
import signal
import time

import pytest

import fsinvariants

WORKERS = 6
DURATION = 10.0
GRACE = 30.0

APT = "devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough"
MATRIX = "devices/vfio_ap/matrix"
UUIDS = [f"{i:08x}-0000-4000-8000-{i:012x}" for i in range(1, 5)]
QUEUES = [f"{a:02x}.{d:04x}" for a in (5, 6) for d in (4, 0x47, 0xAB)]
SCH = "0.0.0313"
CCWT = f"bus/css/devices/{SCH}/mdev_supported_types/vfio_ccw-io"

# What stores return when they refuse; anything else means the daemon broke.
EXPECTED = {errno.EINVAL, errno.ENODEV, errno.ENOENT, errno.EEXIST, errno.EBUSY,
            errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EPERM, errno.EACCES, errno.ERANGE,
            errno.EOPNOTSUPP, errno.ENXIO, errno.EUSERS, errno.EAGAIN}


def _write(root, rel, data):
    fd = os.open(os.path.join(root, rel), os.O_WRONLY)
    try:
        os.write(fd, data.encode())
    finally:
        os.close(fd)


def _read(root, rel):
    with open(os.path.join(root, rel), "rb") as f:
        return f.read()


def _op(root, rnd):
    """One random operation; returns its name (raises OSError when refused)."""
    u = rnd.choice(UUIDS)
    k = rnd.randrange(100)
    if k < 8:
        _write(root, f"{APT}/create", u + "\n")
        return "create"
    if k < 14:
        _write(root, f"{MATRIX}/{u}/remove", "1\n")
        return "remove"
    if k < 40:
        what = rnd.choice(["adapter", "domain", "control_domain"])
        ids = [5, 6, 7] if what == "adapter" else [4, 0x47, 0xAB, 5]
        verb = rnd.choice(["assign", "unassign"])
        _write(root, f"{MATRIX}/{u}/{verb}_{what}", f"{rnd.choice(ids):#x}\n")
        return verb
    if k < 55:
        mask = rnd.choice(["apmask", "aqmask"])
        ids = [5, 6] if mask == "apmask" else [4, 0x47, 0xAB]
        _write(root, f"bus/ap/{mask}", f"{rnd.choice('+-')}{rnd.choice(ids)}\n")
        return "mask"
    if k < 63:
        drv = rnd.choice(["vfio_ap", "cex4queue"])
        _write(root, f"bus/ap/drivers/{drv}/{rnd.choice(['bind', 'unbind'])}",
               rnd.choice(QUEUES) + "\n")
        return "ap bind/unbind"
    if k < 70:
        step = rnd.randrange(6)
        if step == 0:
            _write(root, "bus/css/drivers/io_subchannel/unbind", SCH + "\n")
        elif step == 1:
            _write(root, f"bus/css/devices/{SCH}/driver_override", "vfio_ccw\n")
        elif step == 2:
            _write(root, "bus/css/drivers/vfio_ccw/bind", SCH + "\n")
        elif step == 3:
            _write(root, f"{CCWT}/create", u + "\n")
        elif step == 4:
            _write(root, f"bus/css/devices/{SCH}/{u}/remove", "1\n")
        else:
            _write(root, "bus/css/drivers/vfio_ccw/unbind", SCH + "\n")
        return "vfio_ccw"
    if k < 73:
        _write(root, "bus/ccw/devices/0.0.2b0a/online", rnd.choice(["0\n", "1\n"]))
        return "ccw online"
    # reads
    r = rnd.randrange(6)
    if r == 0:
        _read(root, f"{MATRIX}/{u}/matrix")
    elif r == 1:
        _read(root, f"{APT}/available_instances")
    elif r == 2:
        os.listdir(os.path.join(root, "bus/mdev/devices"))
    elif r == 3:
        os.readlink(os.path.join(root, f"bus/ap/devices/{rnd.choice(QUEUES)}/driver"))
    elif r == 4:
        _read(root, f"{MATRIX}/{u}/ap_config")
    else:
        for _ in os.walk(os.path.join(root, MATRIX)):
            pass
    return "read"


def _worker(root, seed, duration, out):
    rnd = random.Random(seed)
    counts = {"ok": 0, "refused": 0, "gone": 0}
    unexpected = []
    end = time.monotonic() + duration
    while time.monotonic() < end:
        try:
            _op(root, rnd)
            counts["ok"] += 1
        except FileNotFoundError:
            counts["gone"] += 1      # the object another process just removed
        except OSError as e:
            if e.errno in EXPECTED:
                counts["refused"] += 1
            else:
                unexpected.append(f"{e.filename}: {os.strerror(e.errno)}")
                if len(unexpected) > 20:
                    break
    out.put((seed, counts, unexpected))


def _daemon_threads(pid):
    """Where the daemon's threads wait (for a deadlock report)."""
    lines = []
    try:
        for tid in sorted(os.listdir(f"/proc/{pid}/task")):
            try:
                with open(f"/proc/{pid}/task/{tid}/wchan") as f:
                    wchan = f.read()
                with open(f"/proc/{pid}/task/{tid}/stat") as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
                lines.append(f"  thread {tid}: {state} {wchan}")
            except OSError:
                pass
    except OSError:
        lines.append("  (daemon gone)")
    return "\n".join(lines)


def test_concurrent_writers(sysfs, capsys):
    root = str(sysfs.path)
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(root, 1000 + i, DURATION, out)) for i in range(WORKERS)]
    start = time.monotonic()
    for p in procs:
        p.start()
    results = []
    deadline = start + DURATION + GRACE
    while len(results) < WORKERS and time.monotonic() < deadline:
        try:
            results.append(out.get(timeout=1))
        except Exception:
            pass
    stuck = [p for p in procs if p.is_alive() and (p.join(max(0, deadline - time.monotonic())) or p.is_alive())]
    if stuck:
        report = _daemon_threads(sysfs.pid)
        for p in stuck:
            os.kill(p.pid, signal.SIGKILL)
        pytest.fail(f"{len(stuck)} of {WORKERS} processes did not finish within "
                    f"{DURATION + GRACE:.0f} s: deadlock?\n{report}")
    for p in procs:
        p.join()
    assert len(results) == WORKERS, "a worker died without reporting"

    unexpected = [u for _, _, us in results for u in us]
    assert not unexpected, "errnos no store returns:\n" + "\n".join(unexpected[:20])
    assert os.path.ismount(root) and sysfs.pid and os.path.exists(f"/proc/{sysfs.pid}"), \
        "the daemon died"

    problems = fsinvariants.check(root)
    assert not problems, "invariants broken after the concurrent run:\n" + "\n".join(problems)

    total = {k: sum(c[k] for _, c, _ in results) for k in ("ok", "refused", "gone")}
    ops = sum(total.values())
    with capsys.disabled():
        print(f"\n[concurrency] {ops} operations survived by {WORKERS} processes in "
              f"{DURATION:.0f} s ({total['ok']} done, {total['refused']} refused, "
              f"{total['gone']} on objects already removed); invariants hold")
    assert total["ok"] > 0 and total["refused"] > 0


def _reader(root, conn):
    """Answer each check with None (seen) or what was stale."""
    while True:
        msg = conn.recv()
        if msg is None:
            return
        kind, arg = msg
        try:
            if kind == "listed":
                ok = arg in os.listdir(os.path.join(root, "bus/mdev/devices")) and \
                    os.path.isdir(os.path.join(root, MATRIX, arg))
            elif kind == "gone":
                ok = arg not in os.listdir(os.path.join(root, "bus/mdev/devices")) and \
                    not os.path.lexists(os.path.join(root, MATRIX, arg))
            elif kind == "matrix-has":
                u, line = arg
                ok = line.encode() in _read(root, f"{MATRIX}/{u}/matrix").split(b"\n")
            elif kind == "matrix-lacks":
                u, line = arg
                ok = line.encode() not in _read(root, f"{MATRIX}/{u}/matrix").split(b"\n")
            elif kind == "driver":
                q, drv = arg
                ok = os.readlink(os.path.join(root, "bus/ap/devices", q, "driver")).endswith("/" + drv)
            elif kind == "avail":
                ok = int(_read(root, f"{APT}/available_instances")) == arg
            else:
                ok = False
            conn.send(None if ok else f"{kind} {arg}")
        except OSError as e:
            conn.send(f"{kind} {arg}: {os.strerror(e.errno)}")


def test_no_stale_read(sysfs, capsys):
    """Every read in another process sees the write that completed before it."""
    root = str(sysfs.path)
    ctx = mp.get_context("fork")
    mine, theirs = ctx.Pipe()
    reader = ctx.Process(target=_reader, args=(root, theirs))
    reader.start()
    checks = 0
    stale = []

    def expect(kind, arg):
        nonlocal checks
        mine.send((kind, arg))
        if not mine.poll(10):
            pytest.fail(f"the reader did not answer {kind} {arg} within 10 s")
        r = mine.recv()
        checks += 1
        if r:
            stale.append(r)

    try:
        sysfs_w = lambda rel, v: _write(root, rel, v)   # noqa: E731
        sysfs_w("bus/ap/apmask", "-5\n")
        sysfs_w("bus/ap/aqmask", "-4\n")
        base = int(_read(root, f"{APT}/available_instances"))
        end = time.monotonic() + 5
        i = 0
        while time.monotonic() < end and len(stale) < 10:
            u = UUIDS[i % len(UUIDS)]
            i += 1
            sysfs_w(f"{APT}/create", u + "\n")
            expect("listed", u)
            expect("avail", base - 1)
            sysfs_w(f"{MATRIX}/{u}/assign_adapter", "5\n")
            expect("matrix-lacks", (u, "05.0004"))
            sysfs_w(f"{MATRIX}/{u}/assign_domain", "4\n")
            expect("matrix-has", (u, "05.0004"))
            sysfs_w(f"{MATRIX}/{u}/unassign_domain", "4\n")
            expect("matrix-lacks", (u, "05.0004"))
            expect("matrix-has", (u, "05."))
            sysfs_w(f"{MATRIX}/{u}/remove", "1\n")
            expect("gone", u)
            expect("avail", base)
            sysfs_w("bus/ap/apmask", "-6\n")
            expect("driver", ("06.0047", "vfio_ap"))
            sysfs_w("bus/ap/apmask", "+6\n")
            expect("driver", ("06.0047", "cex4queue"))
    finally:
        mine.send(None)
        reader.join(10)
        if reader.is_alive():
            reader.kill()
    assert not stale, f"{len(stale)} stale reads of {checks}: " + "; ".join(stale[:10])
    with capsys.disabled():
        print(f"\n[no stale read] {checks} reads in another process, each right after a "
              f"completed write ({i} rounds): none stale")
