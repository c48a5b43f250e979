"""mdevtool ccw create / ccw remove against the default simfs topology.

Default topology: subchannel 0.0.0313 with DASD 0.0.2b09 (offline), 0.0.0314
with DASD 0.0.2b0a (online), QDIO subchannel 0.0.0200 with OSA 0.0.f500.
Every refusal is checked to leave the tree byte-identical.
"""
from .mdevtool_helpers import U1, U2, diff

SCH = "bus/css/devices/0.0.0313"


def assert_vfio_ccw_mdev(h, sch, uuid):
    assert h.link(f"bus/css/devices/{sch}/driver") == "vfio_ccw"
    assert h.text(f"bus/css/devices/{sch}/driver_override") == "vfio_ccw\n"
    assert h.exists(f"bus/mdev/devices/{uuid}")
    assert h.link(f"bus/mdev/devices/{uuid}/mdev_type") == "vfio_ccw-io"
    assert h.text(f"bus/css/devices/{sch}/mdev_supported_types/vfio_ccw-io/available_instances") == "0\n"


def test_create_by_device_number(host):
    cp = host.ok("ccw", "create", "0.0.2b09", "--uuid", U1)
    assert cp.stdout.splitlines()[0] == U1
    assert_vfio_ccw_mdev(host, "0.0.0313", U1)
    assert not host.exists("bus/ccw/devices/0.0.2b09")
    # The snippets name the device as QEMU and libvirt want it.
    assert f"-device vfio-ccw,sysfsdev={host.path}/bus/mdev/devices/{U1}" in cp.stdout
    assert f"<address uuid='{U1}'/>" in cp.stdout


def test_create_by_subchannel_and_bare_devno(host):
    host.ok("ccw", "create", "0.0.0313", "--uuid", U1)
    assert_vfio_ccw_mdev(host, "0.0.0313", U1)
    host.ok("ccw", "remove", U1, "--restore")
    assert host.wait_for("bus/ccw/devices/0.0.2b09")
    cp = host.ok("ccw", "create", "2B09", "-q")
    uuid = cp.stdout.strip()
    assert len(uuid) == 36 and cp.stdout.count("\n") == 1   # --quiet: the UUID only
    assert_vfio_ccw_mdev(host, "0.0.0313", uuid)


def test_create_random_uuid_is_printed_and_valid(host):
    cp = host.ok("ccw", "create", "0.0.2b09")
    uuid = cp.stdout.splitlines()[0]
    assert host.exists(f"bus/mdev/devices/{uuid}")
    assert uuid == uuid.lower()


def test_create_when_device_already_gone_uses_dev_busid(host):
    # An admin unbound the subchannel by hand: the ccw device is gone, dev_busid stays.
    assert host.write("bus/css/drivers/io_subchannel/unbind", "0.0.0313\n") is None
    assert not host.exists("bus/ccw/devices/0.0.2b09")
    host.ok("ccw", "create", "0.0.2b09", "--uuid", U1)
    assert_vfio_ccw_mdev(host, "0.0.0313", U1)


def test_create_on_subchannel_already_bound_to_vfio_ccw(host):
    # Bound by hand with a plain bind: mdevtool adds the override and creates.
    assert host.write("bus/css/drivers/io_subchannel/unbind", "0.0.0313\n") is None
    assert host.write("bus/css/drivers/vfio_ccw/bind", "0.0.0313\n") is None
    assert host.text(f"{SCH}/driver_override") == "(null)\n"
    host.ok("ccw", "create", "0.0.2b09", "--uuid", U1)
    assert_vfio_ccw_mdev(host, "0.0.0313", U1)


def test_override_survives_reprobe(host):
    host.ok("ccw", "create", "0.0.2b09", "--uuid", U1)
    host.ok("ccw", "remove", U1)
    # Re-probe the subchannel: the override keeps io_subchannel away.
    assert host.write("bus/css/drivers/vfio_ccw/unbind", "0.0.0313\n") is None
    assert host.write("bus/css/drivers_probe", "0.0.0313\n") is None
    assert host.link(f"{SCH}/driver") == "vfio_ccw"


def test_refuse_online_device_unchanged(host):
    before = host.settle()
    cp = host.run("ccw", "create", "0.0.2b0a", "--uuid", U1)
    assert cp.returncode == 1
    assert "online" in cp.stderr and "--force" in cp.stderr
    after = host.snapshot()
    assert before == after, diff(before, after)


def test_force_sets_online_device_offline(host):
    host.ok("ccw", "create", "0.0.2b0a", "--uuid", U1, "--force")
    assert_vfio_ccw_mdev(host, "0.0.0314", U1)
    host.ok("ccw", "remove", U1, "--restore")
    assert host.wait_for("bus/ccw/devices/0.0.2b0a/online")
    assert host.text("bus/ccw/devices/0.0.2b0a/online") == "0\n"


def test_refuse_qdio_subchannel_undone(host):
    before = host.settle()
    cp = host.run("ccw", "create", "0.0.f500", "--uuid", U1)
    assert cp.returncode == 1, cp.stderr
    assert "QDIO" in cp.stderr
    assert "undone" in cp.stderr
    after = host.settle()
    assert before == after, diff(before, after)


def test_refuse_qdio_with_force_undone(host):
    # Put the OSA online so --force has something to undo as well.
    assert host.write("bus/ccw/devices/0.0.f500/online", "1\n") is None
    before = host.settle()
    cp = host.run("ccw", "create", "0.0.f500", "--uuid", U1, "--force")
    assert cp.returncode == 1, cp.stderr
    after = host.settle()
    assert before == after, diff(before, after)
    assert host.text("bus/ccw/devices/0.0.f500/online") == "1\n"


def test_refuse_duplicate_uuid_unchanged(host):
    host.ok("ccw", "create", "0.0.2b09", "--uuid", U1)
    host.ok("ccw", "create", "0.0.2b0a", "--uuid", U2, "--force")
    host.ok("ccw", "remove", U2, "--restore")
    assert host.wait_for("bus/ccw/devices/0.0.2b0a")
    before = host.settle()
    cp = host.run("ccw", "create", "0.0.2b0a", "--uuid", U1.upper())
    assert cp.returncode == 1
    assert "already exists" in cp.stderr
    after = host.snapshot()
    assert before == after, diff(before, after)


def test_refuse_second_mdev_on_subchannel_unchanged(host):
    host.ok("ccw", "create", "0.0.2b09", "--uuid", U1)
    before = host.snapshot()
    cp = host.run("ccw", "create", "0.0.0313", "--uuid", U2)
    assert cp.returncode == 1
    assert U1 in cp.stderr
    assert before == host.snapshot()


def test_unknown_device_is_not_found(host):
    before = host.snapshot()
    cp = host.run("ccw", "create", "0.0.9999")
    assert cp.returncode == 3
    assert "no ccw device or subchannel" in cp.stderr
    assert before == host.snapshot()


def test_bad_device_number_is_usage(host):
    for arg in ["xyz", "0.0.12345", "0.4.0001", ""]:
        cp = host.run("ccw", "create", arg)
        assert cp.returncode == 2, arg


def test_vfio_ccw_not_loaded(host):
    cp = host.ctl("rmmod", "vfio_ccw")
    assert cp.returncode == 0, cp.stderr
    before = host.snapshot()
    cp = host.run("ccw", "create", "0.0.2b09")
    assert cp.returncode == 3
    assert "modprobe vfio_ccw" in cp.stderr
    assert before == host.snapshot()


def test_remove_keeps_subchannel_with_vfio_ccw(host):
    host.ok("ccw", "create", "0.0.2b09", "--uuid", U1)
    host.ok("ccw", "remove", U1)
    assert not host.exists(f"bus/mdev/devices/{U1}")
    assert host.link(f"{SCH}/driver") == "vfio_ccw"
    assert host.text(f"{SCH}/mdev_supported_types/vfio_ccw-io/available_instances") == "1\n"


def test_create_then_remove_restore_is_a_round_trip(host):
    fresh = host.settle()
    host.ok("ccw", "create", "0.0.2b09", "--uuid", U1)
    cp = host.ok("ccw", "remove", U1, "--restore")
    assert "back on the host" in cp.stderr
    assert host.text(f"{SCH}/driver_override") == "(null)\n"
    assert host.link(f"{SCH}/driver") == "io_subchannel"
    after = host.settle()
    assert fresh == after, diff(fresh, after)


def test_remove_unknown_and_wrong_type(host):
    cp = host.run("ccw", "remove", U1)
    assert cp.returncode == 3
    cp = host.run("ccw", "remove", "not-a-uuid")
    assert cp.returncode == 2


def _dry_run_equals_real(mount, setup, args):
    """--dry-run output run by sh on one fresh mount == the real command on another."""
    a = mount(name="dry")
    b = mount(name="real")
    for h in (a, b):
        setup(h)
    before = a.settle()
    cp = a.ok("--dry-run", *args)
    assert before == a.snapshot(), "--dry-run changed the tree"
    assert cp.stdout.strip(), "--dry-run printed no commands"
    for line in cp.stdout.splitlines():
        assert line.startswith("#") or line.startswith(("echo ", "printf %s ")), line
    a.sh(cp.stdout)
    b.ok(*args)
    sa, sb = a.settle(), b.settle()
    # Same tree, seen from different mount points.
    assert sa == sb, diff(sa, sb)
    return cp.stdout


def test_dry_run_create_equals_real(mount):
    script = _dry_run_equals_real(mount, lambda h: None,
                                  ["ccw", "create", "0.0.2b09", "--uuid", U1])
    assert "echo vfio_ccw > " in script
    assert "/bus/css/drivers_probe" in script


def test_dry_run_create_force_equals_real(mount):
    script = _dry_run_equals_real(mount, lambda h: None,
                                  ["ccw", "create", "0.0.2b0a", "--uuid", U1, "--force"])
    assert "echo 0 > " in script and "/online" in script


def test_dry_run_remove_restore_equals_real(mount):
    def setup(h):
        h.ok("ccw", "create", "0.0.2b09", "--uuid", U1)
    script = _dry_run_equals_real(mount, setup, ["ccw", "remove", U1, "--restore"])
    assert "echo > " in script          # a lone newline clears driver_override


def test_list_and_types(host):
    host.ok("ccw", "create", "0.0.2b09", "--uuid", U1)
    data = host.json("list", "--json")
    assert data == [{"uuid": U1, "type": "vfio_ccw-io", "parent": "0.0.0313",
                     "driver": "vfio_ccw_mdev", "subchannel": "0.0.0313", "devno": "0.0.2b09"}]
    text = host.ok("list").stdout
    assert U1 in text and "0.0.2b09" in text
    types = host.json("types", "--json")
    ccw = [t for t in types if t["type"] == "vfio_ccw-io"]
    assert ccw == [{"parent": "0.0.0313", "type": "vfio_ccw-io", "name": "I/O subchannel (Non-QDIO)",
                    "device_api": "vfio-ccw", "available_instances": 0, "mdevs": 1}]


def test_list_json_empty(host):
    assert host.json("list", "--json") == []


def test_snippets(host):
    host.ok("ccw", "create", "0.0.2b09", "--uuid", U1)
    q = host.ok("qemu", U1, "--devno", "fe.0.2b09").stdout
    assert q == f"-device vfio-ccw,devno=fe.0.2b09,sysfsdev={host.path}/bus/mdev/devices/{U1}\n"
    x = host.ok("libvirt", U1, "--devno", "fe.0.1234").stdout
    assert x == (f"<hostdev mode='subsystem' type='mdev' model='vfio-ccw'>\n"
                 f"  <source>\n    <address uuid='{U1}'/>\n  </source>\n"
                 f"  <address type='ccw' cssid='0xfe' ssid='0x0' devno='0x1234'/>\n"
                 f"</hostdev>\n")
    assert host.run("libvirt", U1, "--devno", "bogus").returncode == 2
    assert host.run("qemu", U2).returncode == 3
