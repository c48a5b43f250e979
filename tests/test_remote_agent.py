"""The sysfs agent of --target qemu / --target ssh (scripts/qemu-kernel/agent/sysfs-agent.c)
and conformance.remote.RemoteSysfs, without QEMU: the agent built for this machine runs on a
simfs mount (--root), and every operation through it must give exactly what the local Sysfs
layer gives on the same mount -- bytes, errno, and the stage (open/read/write) it failed at.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from conformance.remote import Agent, RemoteSysfs  # noqa: E402
from conformance.sysfs import Err, Sysfs  # noqa: E402

AGENT_SRC = REPO / "scripts" / "qemu-kernel" / "agent" / "sysfs-agent.c"


@pytest.fixture(scope="module")
def agent_bin(tmp_path_factory):
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        pytest.skip("no C compiler")
    out = tmp_path_factory.mktemp("agent") / "sysfs-agent"
    subprocess.run([cc, "-O2", "-Wall", "-Werror", "-o", str(out), str(AGENT_SRC)], check=True)
    return out


@pytest.fixture
def pair(simfs_factory, fixture_path, agent_bin):
    """(local Sysfs, RemoteSysfs through the agent) on one fresh mount of the guest's machine."""
    m = simfs_factory("--topology", str(fixture_path("qemu-guest.json")))
    proc = subprocess.Popen([str(agent_bin), "--root", str(m.path)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE)
    agent = Agent(proc, "local agent", timeout=20)
    agent.wait_ready(20)
    remote = RemoteSysfs(agent)
    remote.discover_root()
    yield Sysfs(str(m.path)), remote
    agent.close()


READS = ["/sys/bus/ap/ap_domain", "/sys/bus/ap/apmask", "/sys/bus/css/drivers_probe",
         "/sys/devices/css0/real_cssid", "/sys/devices/css0/chp0.00/configure",
         "/sys/bus/css/devices/0.0.0000/chpids", "/sys/nonexistent", "/sys/bus/ap"]


def test_reads_links_listings_and_stat_match(pair):
    local, remote = pair
    for p in READS:
        assert remote.read(p) == local.read(p), p
        assert remote.read_chunks(p, 1) == local.read_chunks(p, 1), p
    for p in ["/sys/bus/css/devices/0.0.0000", "/sys/bus/ap/devices/03.0004/driver",
              "/sys/bus/ap/ap_domain", "/sys/nope"]:
        assert remote.readlink(p) == local.readlink(p), p
        assert remote.exists(p) == local.exists(p), p
        assert remote.islink(p) == local.islink(p), p
        assert remote.isdir(p) == local.isdir(p), p
        assert remote.mode(p) == local.mode(p), p
        assert remote.size(p) == local.size(p), p
        assert remote.resolve(p) == local.resolve(p), p
    for p in ["/sys/bus/ap/devices", "/sys/devices/vfio_ap/matrix", "/sys/bus/ap/ap_domain",
              "/sys/missing"]:
        assert remote.listdir(p) == local.listdir(p), p
    assert remote.driver("/sys/bus/ap/devices/05.002a") == "cex4queue"


def test_writes_keep_open_and_write_errors_apart(pair):
    local, remote = pair
    # accepted store, read back through the other side
    assert remote.write("/sys/bus/ap/ap_domain", b"42\n") is None
    assert local.read("/sys/bus/ap/ap_domain") == b"42\n"
    # the store's errno (write time) and the open's errno are different things
    assert remote.write("/sys/bus/ap/ap_domain", b"85\n") == Err("write", 22)
    assert remote.write("/sys/bus/ap/ap_max_domain_id", b"1\n") == Err("open", 13)
    assert remote.write("/sys/bus/ap/missing", b"1\n") == Err("open", 2)
    # pwrite at an offset stores the whole value; open+close stores nothing
    assert remote.pwrite("/sys/bus/ap/ap_domain", b"4\n", 100) is None
    assert local.read("/sys/bus/ap/ap_domain") == b"4\n"
    assert remote.open_close("/sys/bus/ap/ap_domain") is None
    assert local.read("/sys/bus/ap/ap_domain") == b"4\n"
    # binary-safe: every byte value travels
    data = bytes(range(256))
    assert remote.write("/sys/bus/ap/ap_domain", data) == local.write("/sys/bus/ap/ap_domain",
                                                                      data)
    # mdev create/remove through the agent
    uuid = "11111111-2222-3333-4444-555555555555"
    t = "/sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create"
    assert remote.write(t, uuid.encode()) is None
    assert local.exists(f"/sys/bus/mdev/devices/{uuid}")
    assert remote.write(t, uuid.encode()) == local.write(t, uuid.encode())
    assert remote.write(f"/sys/bus/mdev/devices/{uuid}/remove", b"1\n") is None
    assert not remote.exists(f"/sys/bus/mdev/devices/{uuid}")


def test_exec_and_paths_outside_sys(pair):
    _, remote = pair
    rc, out = remote.exec("echo hello; exit 3")
    assert (rc, out) == (3, "hello\n")
    with pytest.raises(ValueError):
        remote.read("/etc/passwd")


def test_agent_ignores_noise_and_answers_in_order(agent_bin, tmp_path):
    (tmp_path / "f").write_bytes(b"x\n")
    proc = subprocess.run([str(agent_bin), "--root", str(tmp_path)],
                          input=b"kernel noise\n@@Q 7 READ " + b"/sys/f".hex().encode()
                          + b" 0\ngarbage @@Q 8 BOGUS\n@@Q 9 BYE\n@@Q 10 HELLO\n",
                          stdout=subprocess.PIPE, timeout=20)
    lines = proc.stdout.decode().splitlines()
    assert lines == ["@@A 0 READY", "@@A 7 OK " + b"x\n".hex(), "@@A 8 ERR proto 38",
                     "@@A 9 OK"]
    assert os.path.exists(tmp_path / "f")
