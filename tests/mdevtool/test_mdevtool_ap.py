"""mdevtool ap create / assign / unassign / remove / show against simfs.

Default topology: AP cards 05 (CEX7C) and 06 (CEX8A), usage and control
domains 4, 0x47, 0xab, ap_max_* 255, default masks all ones, vfio_ap loaded.
Every refusal must leave the tree byte-identical, masks included.
"""
import pytest

from .mdevtool_helpers import ALL_F, U1, U2, U3, diff, has_ap

MATRIX = "devices/vfio_ap/matrix"


def mask(clear=(), base=None):
    """The mask text with the ids in @clear cleared (id 0 is the left-most bit)."""
    bits = [1] * 256 if base is None else base
    bits = list(bits)
    for i in clear:
        bits[i] = 0
    digits = "".join(f"{int(''.join(map(str, bits[i:i + 4])), 2):x}" for i in range(0, 256, 4))
    return "0x" + digits + "\n"


def mdev_file(h, uuid, name):
    return h.text(f"{MATRIX}/{uuid}/{name}")


@pytest.fixture
def h(host):
    if not has_ap(host):
        pytest.skip("this simfs has no AP bus yet")
    return host


@pytest.fixture
def h84(mount, topology):
    m = mount("--topology", topology("topo-max84.json"))
    if not has_ap(m):
        pytest.skip("this simfs has no AP bus yet")
    return m


def test_create_frees_exactly_the_needed_bits(h):
    cp = h.ok("ap", "create", "--apqn", "05.0004", "--apqn", "05.00ab", "--control-domain", "4",
              "--uuid", U1)
    assert cp.stdout.splitlines()[0] == U1
    assert h.text("bus/ap/apmask") == mask([5])
    assert h.text("bus/ap/aqmask") == mask([4, 0xab])
    assert mdev_file(h, U1, "matrix") == "05.0004\n05.00ab\n"
    assert mdev_file(h, U1, "control_domains") == "0004\n"
    assert h.text("bus/ap/devices/05.0004/status") == "assigned\n"
    # The masks work per adapter and per domain, as vfio-ap.rst describes: all of card 5
    # and domains 4 and 0xab on card 6 leave the host too; 06.0047 stays.
    assert h.link("bus/ap/devices/05.0047/driver") == "vfio_ap"
    assert h.link("bus/ap/devices/06.0004/driver") == "vfio_ap"
    assert h.link("bus/ap/devices/06.0047/driver") == "cex4queue"
    assert "06.0004" in cp.stderr           # ... and mdevtool says so
    assert f"-device vfio-ap,sysfsdev={h.path}/{MATRIX}/{U1}" in cp.stdout


def test_create_with_adapter_and_domain_options(h):
    h.ok("ap", "create", "--adapter", "5,6", "--domain", "0x47", "-c", "0xab", "-u", U1)
    assert mdev_file(h, U1, "matrix") == "05.0047\n06.0047\n"
    assert mdev_file(h, U1, "control_domains") == "00ab\n"
    assert h.text("bus/ap/apmask") == mask([5, 6])
    assert h.text("bus/ap/aqmask") == mask([0x47])


def test_mask_edits_touch_no_other_bit(h):
    assert h.write("bus/ap/apmask", "-7\n") is None
    assert h.write("bus/ap/aqmask", "-0x10\n") is None
    h.ok("ap", "create", "--apqn", "06.0004", "--uuid", U1)
    assert h.text("bus/ap/apmask") == mask([6, 7])
    assert h.text("bus/ap/aqmask") == mask([4, 0x10])
    h.ok("ap", "remove", U1, "--restore-masks")
    assert h.text("bus/ap/apmask") == mask([7])
    assert h.text("bus/ap/aqmask") == mask([0x10])


def test_no_mask_write_when_nothing_is_reserved(h):
    # Adapter 5 already out of apmask: 05.0047 is free although 0x47 is in aqmask.
    assert h.write("bus/ap/apmask", "-5\n") is None
    cp = h.ok("--dry-run", "ap", "create", "--apqn", "05.0047", "--uuid", U1)
    assert "apmask" not in cp.stdout and "aqmask" not in cp.stdout
    h.ok("ap", "create", "--apqn", "05.0047", "--uuid", U1)
    assert h.text("bus/ap/aqmask") == ALL_F
    assert mdev_file(h, U1, "matrix") == "05.0047\n"


def test_conflict_names_the_holder_and_undoes_masks(h):
    h.ok("ap", "create", "--apqn", "05.0004", "--uuid", U1)
    before = h.snapshot()
    # U2 would need adapter 6 and domain 0x47 out of the masks, then collides on 05.0004.
    cp = h.run("ap", "create", "--apqn", "05.0004", "--apqn", "06.0047", "--uuid", U2)
    assert cp.returncode == 1, cp.stderr
    assert U1 in cp.stderr and "05.0004" in cp.stderr
    assert "undone" in cp.stderr
    after = h.snapshot()
    assert before == after, diff(before, after)


def test_id_above_max_is_refused_and_undone(h84):
    before = h84.snapshot()
    cp = h84.run("ap", "create", "--apqn", "05.0004", "--domain", "85", "--uuid", U1)
    assert cp.returncode == 1, cp.stderr
    assert "ap_max_domain_id (84)" in cp.stderr
    after = h84.snapshot()
    assert before == after, diff(before, after)


def test_control_domain_above_max_is_refused_and_undone(h84):
    before = h84.snapshot()
    cp = h84.run("ap", "create", "--apqn", "05.0004", "--control-domain", "0x55", "--uuid", U1)
    assert cp.returncode == 1, cp.stderr
    assert "control domain 85" in cp.stderr
    after = h84.snapshot()
    assert before == after, diff(before, after)


def test_assign_and_unassign(h):
    h.ok("ap", "create", "--apqn", "05.0004", "--uuid", U1)
    masks = (h.text("bus/ap/apmask"), h.text("bus/ap/aqmask"))
    h.ok("ap", "assign", U1, "--domain", "0xab", "--control-domain", "0x47")
    assert mdev_file(h, U1, "matrix") == "05.0004\n05.00ab\n"
    assert mdev_file(h, U1, "control_domains") == "0047\n"
    # 05.00ab was free already (adapter 5 is out of apmask): no mask write.
    assert (h.text("bus/ap/apmask"), h.text("bus/ap/aqmask")) == masks
    h.ok("ap", "assign", U1, "--apqn", "06.0004")
    assert mdev_file(h, U1, "matrix") == "05.0004\n05.00ab\n06.0004\n06.00ab\n"
    h.ok("ap", "unassign", U1, "--adapter", "6", "--control-domain", "0x47")
    assert mdev_file(h, U1, "matrix") == "05.0004\n05.00ab\n"
    assert mdev_file(h, U1, "control_domains") == ""
    cp = h.ok("ap", "unassign", U1, "--apqn", "05.00ab")
    assert "every APQN" in cp.stderr
    assert mdev_file(h, U1, "matrix") == ".0004\n"


def test_assign_conflict_is_undone(h):
    h.ok("ap", "create", "--apqn", "05.0004", "--uuid", U1)
    h.ok("ap", "create", "--apqn", "06.0047", "--uuid", U2)
    before = h.snapshot()
    cp = h.run("ap", "assign", U2, "--adapter", "5", "--domain", "4")
    assert cp.returncode == 1, cp.stderr
    assert U1 in cp.stderr
    after = h.snapshot()
    assert before == after, diff(before, after)


def test_assign_that_needs_masks_is_undone_with_them(h):
    h.ok("ap", "create", "--apqn", "05.0004", "--uuid", U1)
    h.ok("ap", "create", "--apqn", "06.0047", "--uuid", U2)
    before = h.snapshot()
    # Adapter 7 (over-provisioned, still in apmask) x domain 0xab (still in aqmask) is
    # reserved, so both leave the masks first; then domain 4 collides with U1's 05.0004.
    cp = h.run("--dry-run", "ap", "assign", U2, "--adapter", "5,7", "--domain", "0xab,4")
    assert "echo -7 > " in cp.stdout and "echo -0xab > " in cp.stdout
    cp = h.run("ap", "assign", U2, "--adapter", "5,7", "--domain", "0xab,4")
    assert cp.returncode == 1, cp.stderr
    assert U1 in cp.stderr and "05.0004" in cp.stderr
    after = h.snapshot()
    assert before == after, diff(before, after)


def test_remove_keeps_masks_unless_asked(h):
    h.ok("ap", "create", "--apqn", "05.0004", "--uuid", U1)
    h.ok("ap", "remove", U1)
    assert not h.exists(f"bus/mdev/devices/{U1}")
    assert h.text("bus/ap/apmask") == mask([5])
    assert h.link("bus/ap/devices/05.0004/driver") == "vfio_ap"


def test_create_remove_restore_masks_round_trip(h):
    fresh = h.snapshot()
    h.ok("ap", "create", "--apqn", "05.0004", "--apqn", "06.00ab", "--control-domain", "4",
         "--uuid", U1)
    h.ok("ap", "remove", U1, "--restore-masks")
    assert h.text("bus/ap/apmask") == ALL_F and h.text("bus/ap/aqmask") == ALL_F
    assert h.link("bus/ap/devices/05.0004/driver") == "cex4queue"
    after = h.snapshot()
    assert fresh == after, diff(fresh, after)


def test_restore_masks_keeps_ids_another_mdev_uses(h):
    h.ok("ap", "create", "--apqn", "05.0004", "--uuid", U1)
    h.ok("ap", "create", "--apqn", "05.00ab", "--uuid", U2)
    cp = h.ok("ap", "remove", U1, "--restore-masks")
    assert "adapters 05" in cp.stderr
    assert h.text("bus/ap/apmask") == mask([5])          # U2 still uses adapter 5
    assert h.text("bus/ap/aqmask") == ALL_F              # domain 4 went back (0xab never left:
                                                         # 05.00ab was free with adapter 5 out)
    assert mdev_file(h, U2, "matrix") == "05.00ab\n"


def test_refusals_before_any_change(h):
    h.ok("ap", "create", "--apqn", "05.0004", "--uuid", U1)
    before = h.snapshot()
    cp = h.run("ap", "create", "--apqn", "06.0004", "--uuid", U1.upper())
    assert cp.returncode == 1 and "already exists" in cp.stderr
    assert h.run("ap", "remove", U2).returncode == 3
    assert h.run("ap", "assign", U2, "--adapter", "6").returncode == 3
    assert h.run("ap", "assign", U1).returncode == 2
    assert h.run("ap", "create", "--apqn", "05.0100").returncode == 2
    assert before == h.snapshot()


def test_vfio_ap_not_loaded(h):
    assert h.ctl("rmmod", "vfio_ap").returncode == 0
    before = h.snapshot()
    cp = h.run("ap", "create", "--apqn", "05.0004")
    assert cp.returncode == 3 and "modprobe vfio_ap" in cp.stderr
    assert before == h.snapshot()


def test_ccw_and_ap_commands_refuse_each_others_mdevs(h):
    h.ok("ap", "create", "--apqn", "05.0004", "--uuid", U1)
    h.ok("ccw", "create", "0.0.2b09", "--uuid", U2)
    before = h.snapshot()
    assert h.run("ccw", "remove", U1).returncode == 3
    assert h.run("ap", "remove", U2).returncode == 3
    assert before == h.snapshot()


def test_show_grid(h):
    h.ok("ap", "create", "--apqn", "05.0004", "--apqn", "05.00ab", "--uuid", U1)
    out = h.ok("ap", "show").stdout
    rows = {line.split()[0]: line for line in out.splitlines() if line.startswith("  0")}
    # columns: 04 47 ab
    assert rows["05"].split()[2:] == ["A", ".", "A"]
    assert rows["06"].split()[2:] == [".", "H", "."]     # domains 4 and 0xab left aqmask
    assert f"A  mdev {U1}" in out


def test_show_marks_apqns_missing_from_the_guest(h):
    h.ok("ap", "create", "--adapter", "5,7", "--domain", "4", "--uuid", U1)
    out = h.ok("ap", "show").stdout
    rows = {line.split()[0]: line for line in out.splitlines() if line.startswith("  0")}
    assert "A!" in rows["07"]      # adapter 7 does not exist: not in the guest matrix
    assert "!  in the mdev's matrix but not in its guest matrix" in out


def test_list_json(h):
    h.ok("ap", "create", "--apqn", "05.0004", "--apqn", "05.00ab", "--control-domain", "4",
         "--uuid", U1)
    h.ok("ccw", "create", "0.0.2b09", "--uuid", U3)
    data = {m["uuid"]: m for m in h.json("list", "--json")}
    assert data[U1] == {"uuid": U1, "type": "vfio_ap-passthrough", "parent": "matrix",
                        "driver": "vfio_ap_mdev", "matrix": ["05.0004", "05.00ab"],
                        "control_domains": ["0004"], "guest_matrix": ["05.0004", "05.00ab"]}
    assert data[U3]["devno"] == "0.0.2b09"
    types = {t["type"]: t for t in h.json("types", "--json")}
    assert types["vfio_ap-passthrough"]["available_instances"] == 65535
    assert types["vfio_ap-passthrough"]["mdevs"] == 1


def test_snippets(h):
    h.ok("ap", "create", "--apqn", "05.0004", "--uuid", U1)
    assert h.ok("qemu", U1).stdout == f"-device vfio-ap,sysfsdev={h.path}/{MATRIX}/{U1}\n"
    assert h.ok("libvirt", U1).stdout == (
        f"<hostdev mode='subsystem' type='mdev' model='vfio-ap'>\n  <source>\n"
        f"    <address uuid='{U1}'/>\n  </source>\n</hostdev>\n")


def _dry_run_equals_real(mount, setup, args):
    a, b = mount(name="dry"), mount(name="real")
    if not has_ap(a):
        pytest.skip("this simfs has no AP bus yet")
    for x in (a, b):
        setup(x)
    before = a.snapshot()
    cp = a.ok("--dry-run", *args)
    assert before == a.snapshot(), "--dry-run changed the tree"
    a.sh(cp.stdout)
    b.ok(*args)
    sa, sb = a.snapshot(), b.snapshot()
    assert sa == sb, diff(sa, sb)
    return cp.stdout


def test_dry_run_create_equals_real(mount):
    script = _dry_run_equals_real(mount, lambda x: None,
                                  ["ap", "create", "--apqn", "05.0004", "--apqn", "06.00ab",
                                   "-c", "4", "--uuid", U1])
    assert "echo -5,-6 > " in script and "echo -4,-0xab > " in script


def test_dry_run_assign_equals_real(mount):
    script = _dry_run_equals_real(mount, lambda x: x.ok("ap", "create", "--apqn", "05.0004", "-u", U1),
                                  ["ap", "assign", U1, "--apqn", "06.0047"])
    assert "assign_adapter" in script and "assign_domain" in script


def test_dry_run_remove_restore_equals_real(mount):
    script = _dry_run_equals_real(mount, lambda x: x.ok("ap", "create", "--apqn", "05.0004", "-u", U1),
                                  ["ap", "remove", U1, "--restore-masks"])
    assert "echo +5 > " in script and "echo +4 > " in script
