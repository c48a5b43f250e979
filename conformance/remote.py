"""Remote targets: a real s390x kernel under QEMU (``--target qemu``) and real hosts over
ssh (``--target ssh:USER@HOST[:ROOT]``).

Both talk to ``sysfs-agent`` (``scripts/qemu-kernel/agent/sysfs-agent.c``), a small static
program on the target that performs each operation with the system calls the suite makes
locally (``open``/``read``/``write``/``pwrite``/``close``, ``readlink``, ``getdents64``,
``lstat``, ``realpath``) and answers with the bytes and the errno over a line protocol on
stdin/stdout.  :class:`RemoteSysfs` is a :class:`~conformance.sysfs.Sysfs` whose every
operation is one agent request, so scenarios run unchanged.

``--target qemu``
    For every scenario module, boot a fresh guest (``qemu-system-s390x -M s390-ccw-virtio
    -accel tcg``) whose hardware is the module's topology fixture: the transcripts' three
    virtio-ccw devices (fe.0.0001-0003), and, when the fixture has an ``ap`` section, the
    AP software model (kernel variant ``apmodel``; cards 03 and 05, CEX7A, usage domains 4
    and 42).  The agent runs as the guest's console; the modules the fixture says are
    loaded are loaded by ``/init`` in the transcripts' order.  The guest is powered off
    after the module.  Kernels and initramfs come from ``scripts/qemu-kernel/build``
    (cached; the first build takes 15-30 minutes).
``--target ssh:USER@HOST[:ROOT]``
    A real host, with ``--target host`` semantics (read-only unless ``--allow-changes``,
    only the named resources).  The agent matching the host's ``uname -m`` (s390x from the
    cache, or a native build) is copied to a private temporary directory there, run, and
    removed.  ``ROOT`` (default ``/sys``) maps ``/sys`` onto another directory, e.g. a
    simfs mount on the far side.
"""

from __future__ import annotations

import json
import os
import select
import shlex
import shutil
import subprocess
import tempfile
import time
from typing import Dict, List, Optional, Union

from .sysfs import Err, ReadOnlyTarget, Sysfs
from .target import REPO, ModuleControl

BUILD = os.path.join(REPO, "scripts", "qemu-kernel", "build")
AGENT_SRC = os.path.join(REPO, "scripts", "qemu-kernel", "agent", "sysfs-agent.c")
CACHE = os.environ.get("SIMFS_QEMU_CACHE", "/var/cache/simfs-qemu")

# The transcripts' load order; /init loads the ones a fixture needs in this order.
MODULE_ORDER = ["rng-core", "zcrypt", "zcrypt_cex4", "vfio", "vfio_iommu_type1", "mdev",
                "vfio_ccw", "vfio_ap"]

# What the AP software model (scripts/qemu-kernel/ap-swmodel.patch) has; a fixture with
# other AP hardware cannot be booted.
AP_MODEL = {"cards": [(3, "CEX7A"), (5, "CEX7A")], "usage_domains": [4, 42],
            "control_domains": [4, 42, 80], "max_adapter_id": 255, "max_domain_id": 84}

# The guest's ccw devices: the part-1 transcript's machine.
QEMU_DEVICES = [("virtio-blk-ccw", "fe.0.0001"), ("virtio-net-ccw", "fe.0.0002"),
                ("virtio-rng-ccw", "fe.0.0003")]
GUEST_SUBCHANNELS = [("0.0.0000", "0.0.0001", "3832/02"), ("0.0.0001", "0.0.0002", "3832/01"),
                     ("0.0.0002", "0.0.0003", "3832/04")]


class TransportError(RuntimeError):
    pass


def _hex(b: Union[bytes, str]) -> str:
    if isinstance(b, str):
        b = b.encode()
    return b.hex() if b else "-"


def _unhex(s: str) -> bytes:
    return b"" if s == "-" else bytes.fromhex(s)


class Agent:
    """One running sysfs-agent reached through a process's stdin/stdout."""

    def __init__(self, proc: subprocess.Popen, label: str, timeout: float = 60.0,
                 log_path: Optional[str] = None):
        self.proc = proc
        self.label = label
        self.timeout = timeout
        self.next_id = 1
        self.buf = b""
        self.log = open(log_path, "ab") if log_path else None
        self.requests = 0

    def _readline(self, deadline: float) -> bytes:
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TransportError(f"{self.label}: no answer within {self.timeout:.0f}s")
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                raise TransportError(f"{self.label}: the connection closed "
                                     f"(exit status {self.proc.poll()})")
            if self.log:
                self.log.write(chunk)
                self.log.flush()
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return line.rstrip(b"\r")

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            line = self._readline(deadline)
            if b"@@A 0 READY" in line:
                return

    def call(self, op: str, *args, timeout: Optional[float] = None) -> List[str]:
        rid = self.next_id
        self.next_id += 1
        self.requests += 1
        req = f"@@Q {rid} {op}" + "".join(f" {a}" for a in args) + "\n"
        try:
            self.proc.stdin.write(req.encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as e:
            raise TransportError(f"{self.label}: cannot send ({e})")
        deadline = time.monotonic() + (timeout or self.timeout)
        prefix = f"@@A {rid} ".encode()
        while True:
            line = self._readline(deadline)
            i = line.find(prefix)
            if i < 0:
                continue          # console noise, or an answer to an earlier, timed-out request
            return line[i + len(prefix):].decode().split(" ")

    def close(self, timeout: float = 30.0) -> None:
        try:
            if self.proc.poll() is None:
                try:
                    self.call("BYE", timeout=10)
                except TransportError:
                    pass
                try:
                    self.proc.stdin.close()
                except OSError:
                    pass
                try:
                    self.proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
        finally:
            if self.log:
                self.log.close()
                self.log = None


class RemoteSysfs(Sysfs):
    """:class:`Sysfs` whose operations are performed by a sysfs-agent on the target.

    Paths stay the documented ``/sys/...`` ones; the agent maps them (``--root``)."""

    def __init__(self, agent: Agent, writable: bool = True, label: str = "remote"):
        super().__init__("/sys", writable)
        self.agent = agent
        self.label = label

    @staticmethod
    def _check(path: str) -> str:
        if path != "/sys" and not path.startswith("/sys/"):
            raise ValueError(f"sysfs path outside /sys: {path}")
        return _hex(path)

    @staticmethod
    def _err(r: List[str]) -> Err:
        if r[0] != "ERR" or len(r) < 3:
            raise TransportError(f"unexpected answer {' '.join(r)!r}")
        return Err(r[1], int(r[2]))

    def real(self, path: str) -> str:
        return path

    def _write(self, path: str, data: Optional[bytes], offset: int, trunc: int):
        if not self.writable:
            raise ReadOnlyTarget(path)
        if isinstance(data, str):
            data = data.encode()
        r = self.agent.call("WRITE", self._check(path), "-" if data is None else _hex(data),
                            str(offset), str(trunc))
        if r[0] != "OK":
            return self._err(r)
        n = int(r[1])
        if data is not None and n != len(data):
            return Err("short", n)
        return None

    def write(self, path, data):
        if isinstance(data, str):
            data = data.encode()
        if data == b"":
            # an empty write(2) of 0 bytes; the agent's "-" means "open and close only"
            return self._write_empty(path)
        return self._write(path, data, -1, 0)

    def _write_empty(self, path):
        if not self.writable:
            raise ReadOnlyTarget(path)
        r = self.agent.call("WRITE", self._check(path), "=", "-1", "0")
        if r[0] != "OK":
            return self._err(r)
        return None

    def pwrite(self, path, data, offset):
        return self._write(path, data, int(offset), 0)

    def open_close(self, path, truncate=True):
        return self._write(path, None, -1, 1 if truncate else 0)

    def read(self, path):
        return self.read_chunks(path, 65536)

    def read_chunks(self, path, size):
        r = self.agent.call("READ", self._check(path), str(int(size)))
        return _unhex(r[1]) if r[0] == "OK" else self._err(r)

    def _lstat(self, path, follow=False):
        r = self.agent.call("STAT" if follow else "LSTAT", self._check(path))
        if r[0] != "OK":
            return None
        return int(r[1], 8), int(r[2]), r[3]

    def exists(self, path):
        return self._lstat(path) is not None

    def isdir(self, path):
        s = self._lstat(path)
        return s is not None and s[2] == "d"

    def islink(self, path):
        s = self._lstat(path)
        return s is not None and s[2] == "l"

    def mode(self, path):
        s = self._lstat(path)
        return None if s is None else s[0]

    def size(self, path):
        s = self._lstat(path)
        return None if s is None else s[1]

    def readlink(self, path):
        r = self.agent.call("READLINK", self._check(path))
        return _unhex(r[1]).decode() if r[0] == "OK" else self._err(r)

    def listdir(self, path):
        r = self.agent.call("LISTDIR", self._check(path))
        if r[0] != "OK":
            return self._err(r)
        return sorted(_unhex(x).decode() for x in r[1].split(",") if x != "-") \
            if r[1] != "-" else []

    def resolve(self, path):
        r = self.agent.call("REALPATH", self._check(path))
        if r[0] != "OK":
            return None
        real = _unhex(r[1]).decode()
        root = self.agent_root
        if real == root:
            return "/sys"
        if not real.startswith(root + "/"):
            return None
        return "/sys/" + real[len(root) + 1:]

    agent_root = "/sys"

    def discover_root(self) -> None:
        """Where /sys really is on the target (for resolve())."""
        r = self.agent.call("REALPATH", _hex("/sys"))
        if r[0] == "OK":
            self.agent_root = _unhex(r[1]).decode()

    def exec(self, cmd: str, timeout: float = 120.0):
        """Run a shell command on the target (module loading, dmesg): (status, output)."""
        r = self.agent.call("EXEC", _hex(cmd), timeout=timeout)
        if r[0] != "OK":
            raise TransportError(f"exec {cmd!r}: {' '.join(r)}")
        return int(r[1]), _unhex(r[2]).decode(errors="replace")


class GuestModules(ModuleControl):
    """``insmod``/``rmmod`` inside the guest, as the transcripts do (busybox, by path)."""

    def __init__(self, fs: RemoteSysfs):
        super().__init__()
        self.fs = fs

    @property
    def available(self) -> bool:
        return True

    def run(self, verb: str, module: str) -> Optional[str]:
        if verb == "insmod":
            cmd = f"insmod /lib/modules/{shlex.quote(module)}.ko"
        elif verb == "rmmod":
            cmd = f"rmmod {shlex.quote(module)}"
        else:
            return f"unknown verb {verb}"
        rc, out = self.fs.exec(cmd)
        return None if rc == 0 else (out.strip() or f"rc={rc}")


# ----------------------------------------------------------------------------- QEMU

def build_artifacts(variant: str, allow_build: bool = True) -> Dict[str, str]:
    """Run scripts/qemu-kernel/build (a no-op when cached) and return its KEY=VALUE output."""
    cmd = [BUILD, variant] + ([] if allow_build else ["--print"])
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise TransportError(f"{' '.join(cmd)} failed:\n{p.stderr[-3000:]}")
    out = {}
    for line in p.stdout.splitlines():
        k, _, v = line.partition("=")
        out[k] = v
    return out


def fixture_variant(fixture: dict) -> str:
    """'plain' or 'apmodel' for a topology fixture; ValueError when the guest cannot be it."""
    css = fixture.get("css") or {}
    schs = [(s.get("schid"), (s.get("device") or {}).get("devno"),
             (s.get("device") or {}).get("cutype")) for s in css.get("subchannels", [])]
    if schs != GUEST_SUBCHANNELS:
        raise ValueError("the QEMU guest has the transcripts' three virtio-ccw devices "
                         f"{GUEST_SUBCHANNELS}; this fixture has {schs}")
    ap = fixture.get("ap")
    if ap is None:
        return "plain"
    cards = [(c.get("id"), c.get("type")) for c in ap.get("cards", [])]
    have = {"cards": cards, "usage_domains": ap.get("usage_domains"),
            "control_domains": ap.get("control_domains", ap.get("usage_domains")),
            "max_adapter_id": ap.get("max_adapter_id", 255),
            "max_domain_id": ap.get("max_domain_id", 255)}
    if have != AP_MODEL:
        raise ValueError(f"the guest's AP software model is fixed ({AP_MODEL}); "
                         f"this fixture has {have}")
    return "apmodel"


def fixture_modules(fixture: dict) -> List[str]:
    mods = fixture.get("modules", {})
    want = set()
    if fixture.get("ap") is not None:
        want |= {"rng-core", "zcrypt", "zcrypt_cex4"}
    for m in ("vfio_ccw", "vfio_ap"):
        if mods.get(m, True):
            want |= {"vfio", "vfio_iommu_type1", "mdev", m}
    return [m for m in MODULE_ORDER if m in want]


class QemuGuest:
    """One booted guest: qemu-system-s390x with the agent on its console."""

    def __init__(self, variant: str, modules: List[str], log_dir: Optional[str] = None,
                 allow_build: bool = True, boot_timeout: float = 180.0):
        self.variant = variant
        self.modules = modules
        self.log_dir = log_dir
        self.allow_build = allow_build
        self.boot_timeout = boot_timeout
        self.agent: Optional[Agent] = None
        self.proc = None
        self.tmp = None
        self.boot_seconds = None
        self.release = None

    def start(self) -> "QemuGuest":
        art = build_artifacts(self.variant, self.allow_build)
        qemu = art.get("qemu") or shutil.which("qemu-system-s390x")
        if not qemu:
            raise TransportError("qemu-system-s390x not found (apt-get install qemu-system-misc)")
        self.tmp = tempfile.mkdtemp(prefix="conformance-qemu-")
        disk = os.path.join(self.tmp, "disk.img")
        with open(disk, "wb") as f:
            f.truncate(16 << 20)      # 32768 sectors, as in the transcripts
        append = "console=ttysclp0 loglevel=1 panic=-1"
        if self.modules:
            append += " simfs.modules=" + ",".join(self.modules)
        cmd = [qemu, "-M", "s390-ccw-virtio", "-accel", "tcg", "-cpu", "max", "-smp", "1",
               "-m", "1024", "-nodefaults", "-no-reboot", "-display", "none", "-monitor", "none",
               "-chardev", "stdio,id=con,signal=off", "-device", "sclpconsole,chardev=con",
               "-kernel", art[f"{self.variant}_kernel"], "-initrd", art[f"{self.variant}_initrd"],
               "-append", append,
               "-drive", f"if=none,id=d1,file={disk},format=raw",
               "-device", "virtio-blk-ccw,devno=fe.0.0001,drive=d1",
               "-device", "virtio-net-ccw,devno=fe.0.0002",
               "-device", "virtio-rng-ccw,devno=fe.0.0003"]
        log = os.path.join(self.log_dir or self.tmp, f"qemu-{self.variant}-{os.getpid()}-"
                           f"{int(time.time() * 1000) % 10**8}.log")
        self.log_path = log
        errf = open(log + ".stderr", "wb")
        t0 = time.monotonic()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=errf, cwd=self.tmp)
        errf.close()
        self.agent = Agent(self.proc, f"qemu guest ({self.variant})", log_path=log)
        try:
            self.agent.wait_ready(self.boot_timeout)
        except TransportError as e:
            self.stop()
            raise TransportError(f"{e}; console log {log}")
        self.boot_seconds = time.monotonic() - t0
        r = self.agent.call("HELLO")
        self.release = _unhex(r[1]).decode()
        return self

    def stop(self) -> None:
        if self.agent is not None:
            self.agent.close()
        elif self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None


# ----------------------------------------------------------------------------- ssh

def native_agent() -> str:
    """The agent built for this machine (for ssh to a host of the same architecture)."""
    out = os.path.join(CACHE, f"agent-native-{os.uname().machine}")
    exe = os.path.join(out, "sysfs-agent")
    src_mtime = os.path.getmtime(AGENT_SRC)
    if not os.path.exists(exe) or os.path.getmtime(exe) < src_mtime:
        os.makedirs(out, exist_ok=True)
        cc = shutil.which("cc") or shutil.which("gcc")
        if not cc:
            raise TransportError("no C compiler to build the native agent")
        subprocess.run([cc, "-O2", "-static", "-o", exe + ".tmp", AGENT_SRC], check=True)
        os.replace(exe + ".tmp", exe)
    return exe


def agent_for(machine: str) -> str:
    if machine == os.uname().machine:
        return native_agent()
    if machine == "s390x":
        return build_artifacts("agent")["agent"]
    raise TransportError(f"no sysfs-agent for {machine} (built: {os.uname().machine}, s390x)")


class SshHost:
    """The agent on a real host over ssh (``ssh:USER@HOST[:ROOT]``)."""

    def __init__(self, spec: str, ssh_opts: Optional[List[str]] = None):
        dest, _, root = spec.partition(":")
        self.dest = dest
        self.root = root or "/sys"
        if ssh_opts is None:        # e.g. "-p 2222 -i KEY -o StrictHostKeyChecking=no"
            ssh_opts = shlex.split(os.environ.get("CONFORMANCE_SSH_OPTIONS", ""))
        self.ssh = ["ssh", "-o", "BatchMode=yes", "-T"] + ssh_opts + [dest]
        self.agent: Optional[Agent] = None
        self.release = None
        self.dir = None

    def start(self) -> "SshHost":
        p = subprocess.run(self.ssh + ["uname -m; d=$(mktemp -d) && echo $d"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
        if p.returncode != 0:
            raise TransportError(f"ssh {self.dest}: {p.stderr.strip()}")
        machine, self.dir = p.stdout.split()[:2]
        with open(agent_for(machine), "rb") as f:
            p = subprocess.run(self.ssh + [f"cat > {self.dir}/sysfs-agent && "
                                           f"chmod 700 {self.dir}/sysfs-agent"],
                               stdin=f, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=120)
        if p.returncode != 0:
            raise TransportError(f"ssh {self.dest}: copying the agent: {p.stderr.decode()}")
        remote = (f"{self.dir}/sysfs-agent --root {shlex.quote(self.root)}; "
                  f"rm -rf {self.dir}")
        proc = subprocess.Popen(self.ssh + [remote], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.agent = Agent(proc, f"ssh {self.dest}")
        self.agent.wait_ready(60)
        r = self.agent.call("HELLO")
        self.release = _unhex(r[1]).decode()
        return self

    def stop(self) -> None:
        if self.agent is not None:
            self.agent.close()


def load_json(path: str) -> dict:
    with open(path) as f:
        return json.load(f)


# ----------------------------------------------------------------------------- pytest glue

def remote_env(request, run_config, collector, fixture_name: str, env_cls):
    """The ``env`` fixture's body for ``--target qemu`` and ``--target ssh:...`` (a generator:
    yields the Env, then powers the guest off / ends the ssh session)."""
    import pytest
    from .target import KernelVersion
    from .topology import discover_host, find_fixture, load_fixture

    mod = request.module
    if run_config.kind == "ssh":
        host = SshHost(run_config.root)
        try:
            host.start()
        except (TransportError, OSError, subprocess.TimeoutExpired) as e:
            pytest.fail(f"could not reach {run_config.root}: {e}", pytrace=False)
        try:
            fs = RemoteSysfs(host.agent, writable=run_config.allow_changes,
                             label=f"ssh {run_config.root}")
            fs.discover_root()
            topo = discover_host(fs, run_config.ccw, run_config.ccw_qdio, run_config.apqn)
            kv = KernelVersion(run_config.kernel_override or host.release,
                               "--kernel-version" if run_config.kernel_override
                               else f"uname -r on {host.dest}")
            e = env_cls("host", fs, topo, kv, run_config.allow_changes, run_config.exclusive,
                        f"ssh {run_config.root}", ModuleControl())
            collector.note_env(mod.__name__, e)
            yield e
        finally:
            host.stop()
        return

    # qemu: a fresh guest per module, its hardware the module's fixture
    fpath = find_fixture(fixture_name)
    if fpath is None:
        pytest.skip(f"topology fixture {fixture_name} not found")
    fixture = load_json(fpath)
    try:
        variant = fixture_variant(fixture)
    except ValueError as ex:
        pytest.skip(f"{fixture_name} cannot be booted: {ex} (use --topology=qemu-guest.json)")
    topo = load_fixture(fpath)
    log_dir = request.config.getoption("--report-dir")
    guest = QemuGuest(variant, fixture_modules(fixture), log_dir=log_dir)
    try:
        guest.start()
    except (TransportError, OSError) as ex:
        pytest.fail(f"could not boot the QEMU guest: {ex}", pytrace=False)
    try:
        fs = RemoteSysfs(guest.agent, writable=True, label=f"qemu {variant}")
        kv = KernelVersion(run_config.kernel_override or guest.release,
                           "--kernel-version" if run_config.kernel_override
                           else "uname -r in the guest")
        e = env_cls("qemu", fs, topo, kv, True, True,
                    f"qemu {variant} ({guest.release}, booted in {guest.boot_seconds:.1f}s) "
                    f"as {fixture_name}", GuestModules(fs))
        collector.note_env(mod.__name__, e)
        yield e
    finally:
        guest.stop()
