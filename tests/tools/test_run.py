"""`simfs run` and `simfs shell` themselves: the namespace, the private /etc,
exit status, signals, and that nothing is left behind however the command ends.
"""
import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .toolhelp import SIMFS, TOPOLOGY, require_simfs_run

pytestmark = pytest.mark.usefixtures("needs_run")


@pytest.fixture
def needs_run():
    require_simfs_run()


@pytest.fixture
def tmpdir_env(tmp_path):
    """An environment whose TMPDIR is a fresh directory, to see what simfs run leaves there."""
    t = tmp_path / "tmp"
    t.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "SYSFS_ROOT"}
    env["TMPDIR"] = str(t)
    return t, env


def simfs_run(args, env=None, **kw):
    kw.setdefault("timeout", 60)
    return subprocess.run([str(SIMFS), "run", *args], capture_output=True, text=True, env=env, **kw)


def daemons_for(path):
    """simfs processes whose command line names something under @path."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"simfs") and any(str(path).encode() in a for a in argv[1:]):
            out.append(int(pid))
    return out


def assert_clean(tmpdir):
    """No temporary directory, mount or daemon of a `simfs run` is left."""
    assert list(tmpdir.iterdir()) == [], f"left behind in TMPDIR: {list(tmpdir.iterdir())}"
    assert str(tmpdir) not in Path("/proc/self/mountinfo").read_text()
    for _ in range(100):
        if not daemons_for(tmpdir):
            break
        time.sleep(0.02)
    assert daemons_for(tmpdir) == []


def test_exit_status_passes_through(tmpdir_env):
    tmpdir, env = tmpdir_env
    for code in (0, 1, 3, 42):
        cp = simfs_run(["--", "sh", "-c", f"exit {code}"], env=env)
        assert cp.returncode == code, cp.stderr
    assert_clean(tmpdir)


def test_killed_command_is_128_plus_signal(tmpdir_env):
    tmpdir, env = tmpdir_env
    cp = simfs_run(["--", "sh", "-c", "kill -KILL $$"], env=env)
    assert cp.returncode == 128 + signal.SIGKILL
    cp = simfs_run(["--", "sh", "-c", "kill -TERM $$"], env=env)
    assert cp.returncode == 128 + signal.SIGTERM
    assert_clean(tmpdir)


def test_sys_is_simfs_inside_and_untouched_outside(tmpdir_env):
    tmpdir, env = tmpdir_env
    host_sys = sorted(os.listdir("/sys"))
    cp = simfs_run(["--", "sh", "-c",
                    "awk '$5 == \"/sys\"' /proc/self/mountinfo | tail -1 | sed 's/.* - //; s/ .*//'; "
                    "ls /sys/bus/css/devices; readlink /sys/bus/css/devices/0.0.0313"], env=env)
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout.split("\n") == ["fuse.simfs", "0.0.0200", "0.0.0313", "0.0.0314",
                                     "../../../devices/css0/0.0.0313", ""]
    assert sorted(os.listdir("/sys")) == host_sys
    assert_clean(tmpdir)


def test_another_user_inside_reads_but_is_held_to_the_modes(tmpdir_env):
    """As root the mount allows other users (allow_other): a command that drops
    privileges still sees /sys, and simfs holds it to sysfs's modes."""
    tmpdir, env = tmpdir_env
    if shutil.which("setpriv") is None:
        pytest.skip("needs setpriv")
    cp = simfs_run(["--", "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sh", "-c",
                    "cat /sys/bus/css/devices/0.0.0313/type; "
                    "echo 0.0.0313 > /sys/bus/css/drivers_probe || echo refused"], env=env)
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout == "0\nrefused\n"
    assert "Permission denied" in cp.stderr
    assert_clean(tmpdir)


def test_topology_and_kernel_version_reach_the_daemon(tmpdir_env):
    tmpdir, env = tmpdir_env
    cp = simfs_run(["--topology", str(TOPOLOGY), "--kernel-version", "5.15", "--",
                    "sh", "-c", "cat /sys/devices/ap/card05/type; cat /sys/bus/css/devices/0.0.0314/pimpampom; "
                    "test -e /sys/bus/css/devices/0.0.0313/dev_busid && echo busid"], env=env)
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout == "CEX7C\nc0 80 ff\nbusid\n"
    assert_clean(tmpdir)


def test_ctl_works_inside(tmpdir_env):
    tmpdir, env = tmpdir_env
    cp = simfs_run(["--", "sh", "-c", f"{SIMFS} ctl /sys rmmod vfio_ccw && ls /sys/bus/css/drivers"], env=env)
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout == "io_subchannel\n"
    assert_clean(tmpdir)


def test_private_etc_dirs(tmp_path, tmpdir_env):
    tmpdir, env = tmpdir_env
    etc = tmp_path / "etc"
    host = {d: sorted(os.listdir(d)) if os.path.isdir(d) else None for d in ("/etc/mdevctl.d", "/etc/driverctl.d")}
    cp = simfs_run(["--etc", str(etc), "--", "sh", "-c",
                    "find /etc/mdevctl.d /etc/driverctl.d | sort; "
                    "echo vfio_ccw > /etc/driverctl.d/css-0.0.0313 && mkdir /etc/mdevctl.d/matrix"], env=env)
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout.split("\n") == ["/etc/driverctl.d", "/etc/mdevctl.d", "/etc/mdevctl.d/scripts.d",
                                     "/etc/mdevctl.d/scripts.d/callouts",
                                     "/etc/mdevctl.d/scripts.d/notifiers", ""]
    assert (etc / "driverctl.d" / "css-0.0.0313").read_text() == "vfio_ccw\n"
    assert (etc / "mdevctl.d" / "matrix").is_dir()
    assert {d: sorted(os.listdir(d)) if os.path.isdir(d) else None for d in host} == host
    assert_clean(tmpdir)


def test_temporary_etc_is_removed_or_kept(tmpdir_env):
    tmpdir, env = tmpdir_env
    cp = simfs_run(["--", "sh", "-c", "touch /etc/driverctl.d/x"], env=env)
    assert cp.returncode == 0, cp.stderr
    assert_clean(tmpdir)
    cp = simfs_run(["--keep-etc", "--", "sh", "-c", "touch /etc/driverctl.d/x"], env=env)
    assert cp.returncode == 0, cp.stderr
    kept = [d for d in tmpdir.iterdir()]
    assert len(kept) == 1 and (kept[0] / "etc" / "driverctl.d" / "x").exists()
    assert f"kept in {kept[0]}/etc" in cp.stderr
    assert [p.name for p in kept[0].iterdir()] == ["etc"]
    shutil.rmtree(kept[0])


def test_etc_without_mdevctl_dirs_is_covered_not_changed(tmp_path):
    """A host whose /etc has neither mdevctl.d nor driverctl.d (no packages installed):
    simfs run must not create them there.  Played in an outer private namespace
    whose /etc is a copy without them."""
    fake = tmp_path / "fake-etc"
    script = f"""
set -e
mount --make-rprivate /
mount -t tmpfs fake {fake}
for e in /etc/* /etc/.[!.]*; do
    [ -e "$e" ] || [ -L "$e" ] || continue
    n=${{e##*/}}
    case $n in mdevctl.d|driverctl.d) continue;; esac
    if [ -L "$e" ]; then cp -P "$e" {fake}/
    elif [ -d "$e" ]; then mkdir {fake}/$n; mount --rbind "$e" {fake}/$n
    else touch {fake}/$n; mount --bind "$e" {fake}/$n; fi
done
mount --rbind {fake} /etc
before=$(ls -a /etc | md5sum)
{SIMFS} run -- sh -c 'ls -d /etc/mdevctl.d/scripts.d/callouts /etc/mdevctl.d/scripts.d/notifiers /etc/driverctl.d;
    touch /etc/driverctl.d/css-0.0.0313 /etc/new-file; grep -c ^root: /etc/passwd'
echo rc=$?
[ "$before" = "$(ls -a /etc | md5sum)" ] && echo etc-unchanged
"""
    fake.mkdir()
    cp = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=60)
    assert cp.stdout.split("\n") == ["/etc/driverctl.d", "/etc/mdevctl.d/scripts.d/callouts",
                                     "/etc/mdevctl.d/scripts.d/notifiers", "1", "rc=0", "etc-unchanged", ""], cp.stderr


def test_leftover_processes_are_ended(tmpdir_env):
    tmpdir, env = tmpdir_env
    start = time.monotonic()
    cp = simfs_run(["--", "sh", "-c", "sleep 300 & sleep 300 & echo started"], env=env)
    assert cp.returncode == 0
    assert time.monotonic() - start < 30
    assert "ending 2 processes the command left running" in cp.stderr
    assert_clean(tmpdir)


def _start(args, env):
    p = subprocess.Popen([str(SIMFS), "run", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=env)
    # Wait until the command runs: it prints "ready" first.
    line = p.stdout.readline()
    assert line == "ready\n", p.stderr.read()
    return p


TRAP = ("import signal, sys, time\n"
        "got = []\n"
        "signal.signal(signal.SIGINT, lambda s, f: got.append('INT'))\n"
        "signal.signal(signal.SIGTERM, lambda s, f: got.append('TERM'))\n"
        "print('ready', flush=True)\n"
        "end = time.monotonic() + 20\n"
        "while not got and time.monotonic() < end:\n"
        "    time.sleep(0.01)\n"
        "time.sleep(0.3)\n"
        "print(' '.join(got), flush=True)\n"
        "sys.exit(5)\n")


@pytest.mark.parametrize("sig,name", [(signal.SIGINT, "INT"), (signal.SIGTERM, "TERM")])
def test_signals_are_forwarded_once(tmpdir_env, sig, name):
    tmpdir, env = tmpdir_env
    p = _start(["--", sys.executable, "-c", TRAP], env)
    p.send_signal(sig)
    out, err = p.communicate(timeout=30)
    assert out == f"{name}\n", err
    assert p.returncode == 5
    assert_clean(tmpdir)


def test_sigint_kills_command_and_cleans_up(tmpdir_env):
    tmpdir, env = tmpdir_env
    p = _start(["--", "sh", "-c", "echo ready; exec sleep 60"], env)
    p.send_signal(signal.SIGINT)
    p.communicate(timeout=30)
    assert p.returncode == 128 + signal.SIGINT
    assert_clean(tmpdir)


def test_ctrl_c_on_a_terminal_reaches_the_command_once(tmpdir_env):
    """The terminal sends SIGINT to the whole foreground group: the command gets
    it from there, simfs run must not send it a second time, and the daemon (in
    its own session) must not get it at all."""
    tmpdir, env = tmpdir_env
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(str(SIMFS), [str(SIMFS), "run", "--", sys.executable, "-c", TRAP], env)
    buf = b""
    try:
        end = time.monotonic() + 30
        while b"ready" not in buf and time.monotonic() < end:
            if select.select([fd], [], [], 0.1)[0]:
                buf += os.read(fd, 1024)
        assert b"ready" in buf, buf
        os.write(fd, b"\x03")
        while time.monotonic() < end:
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    chunk = os.read(fd, 1024)
                except OSError:
                    break
                if not chunk:
                    break
                buf += chunk
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    lines = [l for l in buf.decode().replace("\r", "").replace("^C", "").split("\n") if l]
    assert lines == ["ready", "INT"], buf
    assert os.waitstatus_to_exitcode(status) == 5
    assert_clean(tmpdir)


def test_command_not_found_and_setup_failures(tmpdir_env, tmp_path):
    tmpdir, env = tmpdir_env
    cp = simfs_run(["--", "no-such-command-here"], env=env)
    assert cp.returncode == 127
    assert "simfs run: no-such-command-here: No such file or directory" in cp.stderr
    bad = tmp_path / "bad.json"
    bad.write_text('{"bogus": 1}')
    cp = simfs_run(["--topology", str(bad), "--", "true"], env=env)
    assert cp.returncode == 125
    assert f"simfs: {bad}: bogus: unknown key" in cp.stderr
    assert "could not be mounted" in cp.stderr
    cp = simfs_run([], env=env)
    assert cp.returncode == 2 and "missing COMMAND" in cp.stderr
    assert_clean(tmpdir)


def test_shell(tmpdir_env):
    tmpdir, env = tmpdir_env
    env = dict(env, SHELL="/bin/sh")
    cp = subprocess.run([str(SIMFS), "shell"], input="ls /sys/bus/css/devices\nexit 7\n",
                        capture_output=True, text=True, env=env, timeout=60)
    assert cp.returncode == 7, cp.stderr
    assert cp.stdout == "0.0.0200\n0.0.0313\n0.0.0314\n"
    assert "simfs shell: /sys is a simulated s390x sysfs" in cp.stderr
    assert subprocess.run([str(SIMFS), "shell", "extra"], capture_output=True).returncode == 2
    assert_clean(tmpdir)


def _userns_allowed():
    cp = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                         "unshare", "-U", "-m", "true"], capture_output=True)
    return cp.returncode == 0


def test_without_root_in_a_user_namespace(tmp_path):
    """As nobody: the daemon mounts through fusermount3, the command runs as root
    of a user namespace, and may configure its own simulated machine."""
    if shutil.which("setpriv") is None or shutil.which("fusermount3") is None:
        pytest.skip("needs setpriv and fusermount3")
    if not _userns_allowed():
        pytest.skip("this kernel does not allow unprivileged user namespaces")
    for p in [SIMFS, *SIMFS.parents]:
        if p == Path("/"):
            break
        if not os.access(p, os.X_OK) or not (p.stat().st_mode & 0o001):
            pytest.skip(f"{p} is not reachable for other users")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    os.chown(tmp, 65534, 65534)
    tmp_path.chmod(0o755)
    env = {"PATH": os.environ["PATH"], "TMPDIR": str(tmp), "HOME": str(tmp)}
    cp = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                         str(SIMFS), "run", "--", "sh", "-c",
                         "id -u; stat -c %U /sys/bus/css/drivers/io_subchannel/unbind; "
                         "echo 0.0.0313 > /sys/bus/css/drivers/io_subchannel/unbind && "
                         "readlink /sys/bus/css/devices/0.0.0313/driver || echo unbound; "
                         "touch /etc/driverctl.d/x && echo etc-ok; "
                         f"{SIMFS} ctl /sys flush && echo ctl-ok"],
                        capture_output=True, text=True, env=env, timeout=60)
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout == "0\nroot\nunbound\netc-ok\nctl-ok\n", cp.stderr
    assert_clean(tmp)
