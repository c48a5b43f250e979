"""Permissions as on a real host, tested with a real unprivileged user.

- Without -o allow_other the mount is the mounting user's alone (FUSE refuses
  everyone else).
- With -o allow_other a non-root process can list every directory, readlink every
  link, stat everything (root-owned, sysfs modes) and read what the modes let others
  read (0644, 0444; not 0200); every write fails with EACCES (open for writing,
  truncate), and so does every change to the tree (mkdir, create, unlink, rename,
  symlink); chmod, chown and utime fail as for files another user owns.  Nothing
  it tries changes the state.
- Writes larger than a page: sysfs hands a store at most PAGE_SIZE bytes and
  write(2) returns that short count (fs/kernfs/file.c kernfs_fop_write_iter():
  without ops->atomic_write_len, which sysfs's kernfs_ops never set, "len =
  min_t(size_t, len, PAGE_SIZE)"; E2BIG is only for files that set it, e.g.
  cgroup's).  simfs does the same.
"""
import errno
import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile

import pytest

import fsinvariants
from conftest import start_simfs, unmount

USER = "simfs-test"

# Runs as the unprivileged user: every node, every way in; prints JSON.
PROBE = r'''
import errno, json, os, stat, sys
root = sys.argv[1]
def err(f, *a):
    try:
        f(*a)
        return 0
    except OSError as e:
        return e.errno
def try_open(p, flags):
    try:
        fd = os.open(p, flags)
    except OSError as e:
        return e.errno
    os.close(fd)
    return 0
out = {"nodes": {}, "tree": {}}
stack = [""]
while stack:
    rel = stack.pop()
    p = os.path.join(root, rel)
    try:
        names = sorted(os.listdir(p))
    except OSError as e:
        out["nodes"][rel or "."] = {"listdir": e.errno}
        continue
    for n in names:
        r = os.path.join(rel, n)
        q = os.path.join(root, r)
        st = os.lstat(q)
        node = {"uid": st.st_uid, "gid": st.st_gid, "mode": st.st_mode}
        if stat.S_ISDIR(st.st_mode):
            stack.append(r)
        elif stat.S_ISLNK(st.st_mode):
            node["link"] = os.readlink(q)
        else:
            node["rd"] = try_open(q, os.O_RDONLY)
            if node["rd"] == 0:
                try:
                    with open(q, "rb") as f:
                        f.read()
                    node["read"] = 0
                except OSError as e:
                    node["read"] = e.errno
            node["wr"] = try_open(q, os.O_WRONLY)
            node["rdwr"] = try_open(q, os.O_RDWR)
            node["trunc"] = try_open(q, os.O_WRONLY | os.O_TRUNC)
            node["truncate"] = err(os.truncate, q, 0)
            node["access_w"] = os.access(q, os.W_OK)
            node["access_r"] = os.access(q, os.R_OK)
        out["nodes"][r] = node
# Changes to the tree, and to attributes of its nodes, on a few samples.
d = os.path.join(root, "bus/ap")
f = os.path.join(root, "bus/ap/apmask")
out["tree"] = {
    "mkdir": err(os.mkdir, os.path.join(d, "x")),
    "create": try_open(os.path.join(d, "x"), os.O_WRONLY | os.O_CREAT),
    "unlink": err(os.unlink, f),
    "rmdir": err(os.rmdir, os.path.join(root, "bus/ap/drivers")),
    "rename": err(os.rename, f, os.path.join(d, "y")),
    "symlink": err(os.symlink, "apmask", os.path.join(d, "z")),
    "link": err(os.link, f, os.path.join(d, "w")),
    "chmod": err(os.chmod, f, 0o666),
    "chown": err(os.chown, f, os.getuid(), os.getgid()),
    "utime_set": err(os.utime, f, (0, 0)),
    "utime_now": err(os.utime, f, None),
    "mknod": err(os.mknod, os.path.join(d, "n"), 0o600 | stat.S_IFIFO),
}
print(json.dumps(out))
'''


@pytest.fixture(scope="module")
def user():
    if os.geteuid() != 0:
        pytest.skip("needs root (to mount with allow_other and to switch users)")
    if shutil.which("setpriv") is None:
        pytest.skip("needs setpriv (util-linux)")
    try:
        pw = pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--user-group",
                        "--shell", "/usr/sbin/nologin", USER], check=True, capture_output=True)
        pw = pwd.getpwnam(USER)
    assert pw.pw_uid != 0 and pw.pw_gid != 0
    return pw


def as_user(pw, *cmd):
    return subprocess.run(["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}",
                           "--clear-groups", "--", *cmd], capture_output=True, text=True, timeout=120)


@pytest.fixture
def public_mount():
    """A mount point other users can reach (tmp_path is 0700); unmounted afterwards."""
    mounts = []

    def mount(*args):
        mp = tempfile.mkdtemp(prefix="simfs-perm-", dir="/tmp")
        os.chmod(mp, 0o755)
        m, cp = start_simfs(mp, *args)
        if m is None:
            os.rmdir(mp)
            pytest.fail(f"simfs failed: {cp.stderr}")
        mounts.append(m)
        return m

    yield mount
    for m in mounts:
        unmount(m.path, m.pid)
        try:
            os.rmdir(m.path)
        except OSError:
            pass


def test_no_allow_other_unless_asked(user, public_mount):
    m = public_mount()
    opts = [l.split()[3] for l in open("/proc/self/mounts") if l.split()[1] == str(m.path)][0]
    assert "allow_other" not in opts
    cp = as_user(user, sys.executable, "-c",
                 f"import os\ntry:\n os.stat({str(m.path)!r})\nexcept OSError as e:\n print(e.errno)")
    assert cp.stdout.strip() == str(errno.EACCES), cp.stderr
    cp = as_user(user, "cat", str(m.path / "bus/ap/apmask"))
    assert cp.returncode != 0 and "Permission denied" in cp.stderr


def test_other_users_read_what_sysfs_lets_them_and_write_nothing(user, public_mount):
    m = public_mount("-o", "allow_other")
    root = str(m.path)
    # an mdev and a vfio_ccw binding, so that their files are in the walk too
    assert m.write("bus/ap/apmask", "-5\n") is None
    assert m.write("devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create",
                   "11111111-2222-3333-4444-555555555555\n") is None
    before = fsinvariants.dump(root)

    cp = as_user(user, sys.executable, "-c", PROBE, root)
    assert cp.returncode == 0, cp.stderr
    got = json.loads(cp.stdout)
    nodes = got["nodes"]

    assert set(nodes) == set(before), "the user sees another tree"
    problems = []
    files = 0
    for rel, n in nodes.items():
        kind, mode, content = before[rel]
        if "listdir" in n:
            problems.append(f"{rel}: cannot list: {os.strerror(n['listdir'])}")
            continue
        if (n["uid"], n["gid"]) != (0, 0):
            problems.append(f"{rel}: owned by {n['uid']}:{n['gid']}")
        if stat.S_IMODE(n["mode"]) != mode:
            problems.append(f"{rel}: mode {stat.S_IMODE(n['mode']):o}, root sees {mode:o}")
        if kind == "D":
            assert stat.S_ISDIR(n["mode"]) and mode == 0o755, rel
        elif kind == "L":
            if n["link"] != content or mode != 0o777:
                problems.append(f"{rel}: link {n['link']!r}, root reads {content!r}")
        else:
            files += 1
            assert mode in (0o644, 0o444, 0o200), f"{rel}: mode {mode:o} is not a sysfs mode"
            want_rd = 0 if mode & 0o004 else errno.EACCES
            if n["rd"] != want_rd:
                problems.append(f"{rel} ({mode:o}): open for reading: {n['rd']}, want {want_rd}")
            if n["rd"] == 0 and n["read"] != 0 and not isinstance(content, int):
                problems.append(f"{rel}: read fails ({n['read']}) where root reads")
            for how in ("wr", "rdwr", "trunc", "truncate"):
                if n[how] != errno.EACCES:
                    problems.append(f"{rel} ({mode:o}): {how}: {n[how]}, want EACCES")
            if n["access_w"] or n["access_r"] != bool(mode & 0o004):
                problems.append(f"{rel}: access() says w={n['access_w']} r={n['access_r']}")
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:30])
    assert files > 300

    t = got["tree"]
    for op in ("mkdir", "create", "unlink", "rmdir", "rename", "symlink", "link", "utime_now", "mknod"):
        assert t[op] in (errno.EACCES, errno.EPERM), (op, t[op])
    for op in ("chmod", "chown", "utime_set"):
        assert t[op] == errno.EPERM, (op, t[op])

    after = fsinvariants.dump(root)
    assert not fsinvariants.diff(before, after), fsinvariants.diff(before, after)


def test_a_user_runs_the_tools_it_would_run_on_a_host(user, public_mount):
    """ls -lR, find -L, cat and readlink work; echo > a file is refused."""
    m = public_mount("-o", "allow_other")
    cp = as_user(user, "ls", "-lR", str(m.path / "bus"))
    assert cp.returncode == 0 and "apmask" in cp.stdout, cp.stderr
    cp = as_user(user, "readlink", "-f", str(m.path / "bus/ap/devices/05.0004/driver"))
    assert cp.returncode == 0 and cp.stdout.strip().endswith("bus/ap/drivers/cex4queue")
    cp = as_user(user, "sh", "-c", f"echo -5 > {m.path}/bus/ap/apmask")
    assert cp.returncode != 0 and "Permission denied" in cp.stderr
    cp = as_user(user, "sh", "-c", f"cat {m.path}/devices/vfio_ap/matrix/"
                 "mdev_supported_types/vfio_ap-passthrough/create")
    assert cp.returncode != 0 and "Permission denied" in cp.stderr
    assert m.read("bus/ap/apmask") == b"0x" + b"f" * 64 + b"\n"


def test_root_is_held_to_the_kernfs_rules_too(sysfs):
    """default_permissions lets root through (CAP_DAC_OVERRIDE); kernfs's own check stays."""
    assert sysfs.write("bus/ap/ap_max_domain_id", "5\n") == errno.EACCES      # 0444
    assert sysfs.read("bus/ap/drivers/vfio_ap/bind") == errno.EACCES          # 0200
    assert os.access(sysfs.p("bus/ap/apmask"), os.W_OK)


# ---- writes larger than a page ---------------------------------------------------------

def write_once(path, data):
    fd = os.open(path, os.O_WRONLY)
    try:
        return os.write(fd, data)
    except OSError as e:
        return -e.errno
    finally:
        os.close(fd)


@pytest.mark.parametrize("size", [4096, 4097, 8192, 65536, 131072, 200000])
def test_a_write_over_a_page_is_cut_to_a_page(sysfs, size):
    """One write(2) of more than PAGE_SIZE bytes stores the first page and returns 4096."""
    n = write_once(sysfs.p("bus/ap/scans"), b"1" * size)
    assert n == min(size, 4096)


def test_the_store_sees_only_the_first_page(sysfs):
    # 1365 x "-5," then "\n": exactly one page, a valid relative mask edit; then garbage
    page = b"-5," * 1365 + b"\n"
    assert len(page) == 4096
    assert write_once(sysfs.p("bus/ap/apmask"), page + b"garbage that would be EINVAL") == 4096
    assert sysfs.read("bus/ap/apmask") == b"0xfb" + b"f" * 62 + b"\n"
    # the same page, invalid in its last byte: the whole write is refused
    assert write_once(sysfs.p("bus/ap/apmask"), page[:-1] + b"x" + b"\n" * 100) == -errno.EINVAL
    # a buffered writer (echo, fwrite) sends the rest as a second store, which is refused
    with pytest.raises(OSError) as e:
        with open(sysfs.p("bus/ap/apmask"), "wb") as f:
            f.write(page + b"garbage")
    assert e.value.errno == errno.EINVAL
