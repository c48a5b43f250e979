"""vfio_ap: the matrix device, per-mdev assignments, matrix/guest_matrix, ap_config, removal.

Spec §5 and §8.4; kernel drivers/s390/crypto/{vfio_ap_drv.c,vfio_ap_ops.c,vfio_ap_private.h}.
Roles: A1, A2 are the first two AP adapters of the target, D1..D3 its usage domains;
on the §8 fixture that is adapters 05, 06 and domains 0x04, 0x47, 0x4b (standing in for 0xab).
"""

import pytest

from .checks import (EACCES, EADDRINUSE, EADDRNOTAVAIL, EBUSY, EINVAL, ENODEV, ENOENT, ERANGE)
from .helpers import (AP, AP_TYPE, MATRIX, U1, U2, ap_config_show, apqn, create_ap_mdev,
                      mask_hex, matrix_show, need_ap, need_vfio_ap, queue, release)
from .sysfs import open_err
from .test_ap_masks import ids_of
from .topology import need

AREA = "vfio_ap"
TOPOLOGY = "spec8.json"

MDEV_FILES = ["ap_config", "assign_adapter", "assign_control_domain", "assign_domain",
              "control_domains", "driver", "guest_matrix", "iommu_group", "matrix", "mdev_type",
              "remove", "subsystem", "uevent", "unassign_adapter", "unassign_control_domain",
              "unassign_domain", "vfio-dev"]


def short_hex(ids) -> str:
    """The shortest left-aligned hex form of a mask (e.g. adapter 5 -> 0x04)."""
    return "0x" + (mask_hex(ids)[2:].rstrip("0") or "0")


class Roles:
    def __init__(self, fs, topo, adapters=2, domains=2):
        ap = need_ap(topo, adapters=adapters, domains=domains)
        need_vfio_ap(fs)
        self.ap = ap
        self.A1 = ap.cards[0].id
        self.A2 = ap.cards[1].id if len(ap.cards) > 1 else None
        doms = ap.usage_domains
        self.D1 = doms[0]
        # D3 plays §8's 0xab (released with D1); D2 plays 0x47 (stays in aqmask).
        self.D3 = doms[2] if len(doms) > 2 else (doms[1] if len(doms) > 1 else None)
        self.D2 = doms[1] if len(doms) > 2 else self._free_id(fs, AP + "/aqmask",
                                                              {self.D1, self.D3}, ap.max_domain)
        self.maxa, self.maxd = ap.max_adapter, ap.max_domain

    @staticmethod
    def _free_id(fs, mask, exclude, top):
        ids = ids_of(fs.read(mask))
        for i in sorted(ids):
            if i not in exclude and i <= top:
                return i
        pytest.skip(f"no id set in {mask} to play the role of a still-reserved id")

    def reserved_adapter(self, fs):
        """An adapter id still set in apmask, not A1/A2 (plays §8's adapter 7)."""
        ids = ids_of(fs.read(AP + "/apmask"))
        pref = [7] + sorted(ids)
        for i in pref:
            if i in ids and i not in (self.A1, self.A2) and i <= self.maxa:
                return i
        pytest.skip("no other adapter id set in apmask")

    def foreign_adapter(self):
        """An adapter id not in the host configuration (plays §8's 0x20)."""
        cards = {c.id for c in self.ap.cards}
        for i in [0x20] + list(range(self.maxa + 1)):
            if i not in cards and i <= self.maxa:
                return i
        pytest.skip("every adapter id exists")


@pytest.mark.kernel(min="6.12", why="matrix/features arrived in ~v6.12")
def test_matrix_device_layout(fs, topo, chk):
    """/sys/devices/vfio_ap is a bus-less root device (matrix/, an empty uevent, module link);
    the matrix device is on the matrix bus bound to its vfio_ap driver, with features
    "guest_matrix hotplug ap_config\\n", uevent "DRIVER=vfio_ap\\n", mdev_supported_types and
    a class link.

    Source: drivers/s390/crypto/vfio_ap_drv.c (vfio_ap_matrix_dev_create, features_show), drivers/vfio/mdev/mdev_core.c; spec §5.1, §8.4.13, correction 24; oracle part 2 "LOAD vfio_ap"."""
    Roles(fs, topo, adapters=1, domains=1)
    r = "/sys/devices/vfio_ap"
    chk.dir(r, ["matrix", "module", "uevent"], optional=["power"])
    chk.read(r + "/uevent", b"")
    chk.link(r + "/module", "../../module/vfio_ap")
    chk.absent(r + "/subsystem")
    chk.read(MATRIX + "/features", b"guest_matrix hotplug ap_config\n")
    chk.mode(MATRIX + "/features", 0o444)
    chk.read(MATRIX + "/uevent", b"DRIVER=vfio_ap\n")
    chk.link(MATRIX + "/driver", "../../../bus/matrix/drivers/vfio_ap")
    chk.link(MATRIX + "/subsystem", "../../../bus/matrix")
    chk.isdir(AP_TYPE)
    chk.link("/sys/class/mdev_bus/matrix", "../../devices/vfio_ap/matrix")


def test_matrix_bus_and_queue_driver(fs, topo, chk):
    """The matrix bus's vfio_ap driver holds only uevent and the matrix link (no bind, unbind
    or module); the AP bus's vfio_ap queue driver has bind, unbind, uevent and a module link.

    Source: drivers/s390/crypto/vfio_ap_drv.c (vfio_ap_matrix_driver with suppress_bind_attrs, vfio_ap_drv), drivers/base/bus.c; spec §5.1, §8.4.13, correction 3; oracle part 2 "DIR /sys/bus/matrix"."""
    Roles(fs, topo, adapters=1, domains=1)
    b = "/sys/bus/matrix"
    chk.dir(b, ["devices", "drivers", "drivers_autoprobe", "drivers_probe", "uevent"])
    chk.dir(b + "/drivers", ["vfio_ap"])
    chk.dir(b + "/drivers/vfio_ap", ["matrix", "uevent"])
    chk.absent(b + "/drivers/vfio_ap/bind")
    chk.link(b + "/drivers/vfio_ap/matrix", "../../../../devices/vfio_ap/matrix")
    chk.mode(b + "/drivers/vfio_ap/uevent", 0o200)
    chk.link(b + "/devices/matrix", "../../../devices/vfio_ap/matrix")
    q = AP + "/drivers/vfio_ap"
    chk.dir(q, ["bind", "unbind", "uevent", "module"], exact=False)
    chk.link(q + "/module", "../../../../module/vfio_ap")


@pytest.mark.kernel(min="6.9", why="ap_config arrived in ~v6.9")
def test_fresh_mdev(fs, topo, chk, undo):
    """A new vfio_ap mdev has the assign/unassign files (0200), control_domains, matrix and
    guest_matrix (0444) showing 0 bytes, ap_config (0644) showing three all-zero masks, uevent
    "DRIVER=vfio_ap_mdev\\n", and no status file.

    Source: drivers/s390/crypto/vfio_ap_ops.c (vfio_ap_mdev_attrs, matrix_show, guest_matrix_show, control_domains_show, ap_config_show); spec §5.3, §8.4.1; oracle part 2 "MDEV create on matrix"."""
    Roles(fs, topo, adapters=1, domains=1)
    m = create_ap_mdev(chk, undo, U1)
    chk.dir(m, MDEV_FILES, optional=["power"])
    for f in ("assign_adapter", "unassign_adapter", "assign_domain", "unassign_domain",
              "assign_control_domain", "unassign_control_domain", "remove"):
        chk.mode(f"{m}/{f}", 0o200)
        chk.read(f"{m}/{f}", open_err(EACCES))
    for f in ("control_domains", "matrix", "guest_matrix"):
        chk.mode(f"{m}/{f}", 0o444)
        chk.read(f"{m}/{f}", b"")
        chk.write(f"{m}/{f}", b"1\n", open_err(EACCES))
    chk.mode(m + "/ap_config", 0o644)
    chk.read(m + "/ap_config", ap_config_show([], [], []))
    chk.read(m + "/uevent", b"DRIVER=vfio_ap_mdev\n")
    chk.read(m + "/status", open_err(ENOENT), note="status is a queue attribute")


@pytest.mark.kernel(min="6.0", why="before v6.0 every APQN also had to be bound to vfio_ap")
def test_assign_adapter_then_reserved_domain(fs, topo, chk, undo):
    """With no domains assigned, any adapter <= max can be assigned even while it is reserved
    (matrix "AA.\\n"); assigning a domain that makes a reserved APQN (adapter in apmask and domain
    in aqmask) is EADDRNOTAVAIL and leaves the matrix unchanged.

    Source: drivers/s390/crypto/vfio_ap_ops.c (assign_adapter_store, assign_domain_store -> vfio_ap_mdev_validate_masks -> vfio_ap_mdev_verify_no_sharing / ap_apqn_in_matrix_owned_by_def_drv); spec §5.4, §8.4.2, §8.4.3; oracle part 2 (assign_domain 42 -> EADDRNOTAVAIL)."""
    r = Roles(fs, topo, adapters=1, domains=1)
    m = create_ap_mdev(chk, undo, U1)
    chk.write(m + "/assign_adapter", f"{r.A1}\n", None)
    chk.read(m + "/matrix", matrix_show([r.A1], []))
    chk.write(m + "/assign_domain", f"{r.D1}\n", EADDRNOTAVAIL)
    chk.read(m + "/matrix", matrix_show([r.A1], []))
    chk.write(m + "/unassign_adapter", f"{r.A1}\n", None)
    chk.write(m + "/assign_domain", f"{r.D1}\n", None, note="no adapters: nothing to check")
    chk.read(m + "/matrix", matrix_show([], [r.D1]))
    chk.write(m + "/assign_adapter", f"{r.A1}\n", EADDRNOTAVAIL)
    chk.read(m + "/matrix", matrix_show([], [r.D1]))


@pytest.mark.kernel(min="6.0", why="guest_matrix and queue linking as in the v6.0 dynamic configuration")
def test_assign_after_release(fs, topo, chk, undo):
    """Once the masks free the APQNs, assignments succeed and matrix lists one "%02x.%04x" line
    per APQN, adapters outer and domains inner, ascending; guest_matrix is the same when every
    queue is bound to vfio_ap; those queues read status "assigned\\n".

    Source: drivers/s390/crypto/vfio_ap_ops.c (assign_*_store, vfio_ap_mdev_matrix_show, vfio_ap_mdev_update_guest_apcb, status_show); spec §5.3, §5.6, §8.4.4; oracle part 2 "assignments"."""
    r = Roles(fs, topo, adapters=2, domains=2)
    release(chk, undo, adapters=[r.A1, r.A2], domains=[r.D1, r.D3])
    m = create_ap_mdev(chk, undo, U1)
    chk.write(m + "/assign_adapter", f"{r.A1}\n", None)
    chk.write(m + "/assign_domain", f"{r.D1}\n", None)
    chk.read(m + "/matrix", matrix_show([r.A1], [r.D1]))
    chk.write(m + "/assign_domain", f"0x{r.D3:x}\n", None)
    chk.write(m + "/assign_adapter", f"{r.A2}\n", None)
    full = matrix_show([r.A1, r.A2], [r.D1, r.D3])
    chk.read(m + "/matrix", full)
    chk.read(m + "/guest_matrix", full)
    for a in (r.A1, r.A2):
        for d in (r.D1, r.D3):
            chk.read(queue(a, d) + "/status", b"assigned\n")


@pytest.mark.kernel(min="6.0", why="mask-only checks (over-provisioning) since v6.0")
def test_assign_parsing(fs, topo, chk, undo):
    """assign_adapter/assign_domain parse kstrtoul base 0: abc, -1, 08, a leading or trailing
    space are EINVAL; overflow is ERANGE; an id above the maximum is ENODEV; 010 is octal 8;
    re-assigning an assigned id (0x05, 05) succeeds without change.

    Source: drivers/s390/crypto/vfio_ap_ops.c (assign_adapter_store, assign_domain_store: kstrtoul(buf, 0), apm_max/aqm_max check, test_bit shortcut); spec §0.1, §5.4, §8.4.5; oracle part 2 "error/edge cases"."""
    r = Roles(fs, topo, adapters=1, domains=1)
    release(chk, undo, adapters=[r.A1], domains=[r.D1])
    m = create_ap_mdev(chk, undo, U1)
    chk.do(m + "/assign_adapter", f"{r.A1}\n")
    a = m + "/assign_adapter"
    for bad in (b"abc\n", b"-1\n", b"08\n", b" 5\n", b"3 \n", b"\n", b"0x\n"):
        chk.write(a, bad, EINVAL)
    chk.write(a, b"99999999999999999999999\n", ERANGE)
    chk.write(a, f"{r.maxa + 1}\n", ENODEV, note="above ap_max_adapter_id")
    chk.write(a, f"0x{r.A1:02x}\n", None, note="already assigned")
    chk.write(a, f"0{r.A1:o}\n", None, note="octal, already assigned")
    chk.read(m + "/matrix", matrix_show([r.A1], []))
    need(r.A1 != 8, "adapter 8 plays the octal case")
    chk.write(a, b"010\n", None, note="octal 8")
    chk.read(m + "/matrix", matrix_show(sorted({r.A1, 8}), []))
    chk.write(m + "/unassign_adapter", b"8\n", None)
    d = m + "/assign_domain"
    chk.write(d, b"abc\n", EINVAL)
    chk.write(d, b"-1\n", EINVAL)
    chk.write(d, b"99999999999999999999999\n", ERANGE)
    chk.write(d, f"{r.maxd + 1}\n", ENODEV, note="above ap_max_domain_id")
    chk.write(d, f"{r.D1}\n", None)
    chk.write(d, f"{r.D1}", None, note="printf, already assigned")
    chk.read(m + "/matrix", matrix_show([r.A1], [r.D1]))


@pytest.mark.kernel(min="6.0")
def test_sharing_conflict(fs, topo, chk, undo):
    """Two mdevs may share an adapter while one has no domains; assigning a domain that creates
    an APQN another mdev holds is EADDRINUSE (not the documented EBUSY) and changes nothing; the
    same from the other side after dropping the adapter.

    Source: drivers/s390/crypto/vfio_ap_ops.c (vfio_ap_mdev_verify_no_sharing -> -EADDRINUSE); spec §5.4, §6, §8.4.6, correction 22; oracle part 2 "second mdev conflicts"."""
    r = Roles(fs, topo, adapters=1, domains=1)
    release(chk, undo, adapters=[r.A1], domains=[r.D1])
    m1 = create_ap_mdev(chk, undo, U1)
    chk.do(m1 + "/assign_adapter", f"{r.A1}\n")
    chk.do(m1 + "/assign_domain", f"{r.D1}\n")
    m2 = create_ap_mdev(chk, undo, U2)
    chk.write(m2 + "/assign_adapter", f"{r.A1}\n", None, note="no domains yet")
    chk.write(m2 + "/assign_domain", f"{r.D1}\n", EADDRINUSE)
    chk.read(m2 + "/matrix", matrix_show([r.A1], []))
    chk.write(m2 + "/unassign_adapter", f"{r.A1}\n", None)
    chk.write(m2 + "/assign_domain", f"{r.D1}\n", None)
    chk.read(m2 + "/matrix", matrix_show([], [r.D1]))
    chk.write(m2 + "/assign_adapter", f"{r.A1}\n", EADDRINUSE)
    chk.read(m2 + "/matrix", matrix_show([], [r.D1]))
    chk.read(m1 + "/matrix", matrix_show([r.A1], [r.D1]))


@pytest.mark.kernel(min="6.0")
def test_reservation_needs_both_bits(fs, topo, chk, undo):
    """An APQN is reserved only if its adapter is in apmask and its domain in aqmask: a domain
    still set in aqmask can be assigned next to a released adapter; adding an adapter still in
    apmask then makes a reserved APQN (EADDRNOTAVAIL) and changes nothing.

    Source: drivers/s390/crypto/vfio_ap_ops.c (vfio_ap_mdev_validate_masks), drivers/s390/crypto/ap_bus.c (ap_apqn_in_matrix_owned_by_def_drv); spec §8.4.7."""
    r = Roles(fs, topo, adapters=1, domains=1)
    release(chk, undo, adapters=[r.A1], domains=[r.D1])
    m2 = create_ap_mdev(chk, undo, U2)
    chk.write(m2 + "/assign_adapter", f"{r.A1}\n", None)
    chk.write(m2 + "/assign_domain", f"0x{r.D2:x}\n", None, note="domain still in aqmask")
    chk.read(m2 + "/matrix", matrix_show([r.A1], [r.D2]))
    other = r.reserved_adapter(fs)
    chk.write(m2 + "/assign_adapter", f"{other}\n", EADDRNOTAVAIL, note="both bits set")
    chk.read(m2 + "/matrix", matrix_show([r.A1], [r.D2]))


def test_unassign_rules(fs, topo, chk, undo):
    """unassign_* of an id that is not assigned is a successful no-op; ids above the maximum are
    ENODEV; parse errors are EINVAL; unassigning an assigned id removes it.

    Source: drivers/s390/crypto/vfio_ap_ops.c (unassign_adapter_store, unassign_domain_store, unassign_control_domain_store); spec §5.5, §5.5a, §8.4.8; oracle part 2 "unassign"."""
    r = Roles(fs, topo, adapters=1, domains=1)
    release(chk, undo, adapters=[r.A1])
    m = create_ap_mdev(chk, undo, U1)
    chk.write(m + "/unassign_adapter", f"{r.A1}\n", None, note="not assigned")
    chk.write(m + "/unassign_domain", f"{r.D1}\n", None, note="not assigned")
    chk.write(m + "/unassign_control_domain", f"{r.D1}\n", None, note="not assigned")
    chk.write(m + "/unassign_domain", b"300\n", ENODEV)
    chk.write(m + "/unassign_adapter", f"{r.maxa + 1}\n", ENODEV)
    chk.write(m + "/unassign_control_domain", f"{r.maxd + 1}\n", ENODEV)
    chk.write(m + "/unassign_adapter", b"abc\n", EINVAL)
    chk.write(m + "/unassign_domain", b"-1\n", EINVAL)
    chk.do(m + "/assign_adapter", f"{r.A1}\n")
    chk.write(m + "/unassign_adapter", f"{r.A1}\n", None)
    chk.read(m + "/matrix", b"")


def test_control_domains(fs, topo, chk, undo):
    """Control domains have no mask or sharing check: two mdevs may hold the same one, and one
    set in aqmask is fine; control_domains lists "%04x\\n" lines ascending; above the maximum is
    ENODEV.

    Source: drivers/s390/crypto/vfio_ap_ops.c (assign_control_domain_store, control_domains_show); spec §5.5a, §8.4.9; oracle part 2 (control domains 4 and 80)."""
    r = Roles(fs, topo, adapters=1, domains=2)
    m1 = create_ap_mdev(chk, undo, U1)
    m2 = create_ap_mdev(chk, undo, U2)
    chk.write(m1 + "/assign_control_domain", f"{r.D1}\n", None, note="domain set in aqmask")
    chk.read(m1 + "/control_domains", f"{r.D1:04x}\n".encode())
    chk.write(m2 + "/assign_control_domain", f"{r.D1}\n", None, note="shared")
    chk.read(m2 + "/control_domains", f"{r.D1:04x}\n".encode())
    chk.write(m1 + "/assign_control_domain", f"0x{r.maxd:x}\n", None)
    chk.write(m1 + "/assign_control_domain", f"{r.D1}\n", None, note="already assigned")
    chk.read(m1 + "/control_domains", f"{r.D1:04x}\n{r.maxd:04x}\n".encode())
    chk.write(m1 + "/assign_control_domain", f"{r.maxd + 1}\n", ENODEV)
    chk.write(m1 + "/assign_control_domain", b"255\n", ENODEV if r.maxd < 255 else None)
    chk.write(m1 + "/assign_control_domain", b"abc\n", EINVAL)
    chk.read(m1 + "/matrix", b"", note="control domains are not in matrix")
    chk.write(m1 + "/unassign_control_domain", f"{r.maxd}\n", None)
    chk.read(m1 + "/control_domains", f"{r.D1:04x}\n".encode())


@pytest.mark.kernel(min="6.0", why="guest_matrix (shadow APCB) since v6.0")
def test_guest_matrix_filtering(fs, topo, chk, undo):
    """guest_matrix shows the shadow APCB: an adapter drops out when one of its queues is not
    bound to vfio_ap (that queue then has no status file) and comes back when it is re-bound;
    matrix never changes; an adapter outside the host configuration is in matrix only.

    Source: drivers/s390/crypto/vfio_ap_ops.c (vfio_ap_mdev_filter_matrix, vfio_ap_mdev_probe_queue/remove_queue, guest_matrix_show); spec §5.6, §5.8, §8.4.10; oracle part 2 "guest_matrix filtering"."""
    r = Roles(fs, topo, adapters=2, domains=2)
    release(chk, undo, adapters=[r.A1, r.A2], domains=[r.D1, r.D3])
    m = create_ap_mdev(chk, undo, U1)
    for f, v in (("assign_adapter", r.A1), ("assign_adapter", r.A2),
                 ("assign_domain", r.D1), ("assign_domain", r.D3)):
        chk.do(f"{m}/{f}", f"{v}\n")
    full = matrix_show([r.A1, r.A2], [r.D1, r.D3])
    gone = apqn(r.A2, r.D3)
    undo.ap_queue_binding(gone)
    chk.write(AP + "/drivers/vfio_ap/unbind", gone + "\n", None)
    chk.read(m + "/guest_matrix", matrix_show([r.A1], [r.D1, r.D3]))
    chk.read(m + "/matrix", full)
    chk.absent(queue(r.A2, r.D3) + "/status")
    chk.write(AP + "/drivers/vfio_ap/bind", gone + "\n", None)
    chk.read(m + "/guest_matrix", full)
    chk.read(queue(r.A2, r.D3) + "/status", b"assigned\n")
    foreign = r.foreign_adapter()
    chk.write(m + "/assign_adapter", f"{foreign}\n", None, note="not in the host configuration")
    chk.read(m + "/matrix", matrix_show([r.A1, r.A2, foreign], [r.D1, r.D3]))
    chk.read(m + "/guest_matrix", full)


@pytest.mark.kernel(min="6.0")
def test_guest_matrix_single_adapter_missing_queue(fs, topo, chk, undo):
    """When the only adapter loses a queue from vfio_ap, guest_matrix prints domains only
    (".%04x\\n"), while matrix still lists the APQNs.

    Source: drivers/s390/crypto/vfio_ap_ops.c (vfio_ap_mdev_filter_matrix filters by APID only); spec §5.6; oracle part 2 (guest_matrix ".0004" after unbinding 03.0004)."""
    r = Roles(fs, topo, adapters=1, domains=1)
    release(chk, undo, adapters=[r.A1], domains=[r.D1])
    m = create_ap_mdev(chk, undo, U1)
    chk.do(m + "/assign_adapter", f"{r.A1}\n")
    chk.do(m + "/assign_domain", f"{r.D1}\n")
    q = apqn(r.A1, r.D1)
    undo.ap_queue_binding(q)
    chk.write(AP + "/drivers/vfio_ap/unbind", q + "\n", None)
    chk.driver(queue(r.A1, r.D1), None)
    chk.read(m + "/guest_matrix", matrix_show([], [r.D1]))
    chk.read(m + "/matrix", matrix_show([r.A1], [r.D1]))
    chk.write(AP + "/drivers/cex4queue/bind", q + "\n", ENODEV, note="not reserved")
    chk.write(AP + "/drivers/vfio_ap/bind", q + "\n", None)
    chk.read(m + "/guest_matrix", matrix_show([r.A1], [r.D1]))


@pytest.mark.kernel(min="6.0")
def test_guest_matrix_domain_outside_config(fs, topo, chk, undo):
    """A usage domain that the host configuration lacks is kept in matrix but not in
    guest_matrix (shadow AQM = assigned domains AND ap_usage_domain_mask).

    Source: drivers/s390/crypto/vfio_ap_ops.c (vfio_ap_mdev_filter_matrix: bitmap_and with ap_qci_info->aqm); spec §5.6 step 2."""
    r = Roles(fs, topo, adapters=1, domains=1)
    usage = ids_of(fs.read(AP + "/ap_usage_domain_mask"))
    cand = [d for d in range(r.maxd + 1) if d not in usage]
    need(cand, "every domain id is a usage domain")
    extra = cand[0]
    release(chk, undo, adapters=[r.A1], domains=[r.D1])
    m = create_ap_mdev(chk, undo, U1)
    chk.do(m + "/assign_adapter", f"{r.A1}\n")
    chk.do(m + "/assign_domain", f"{r.D1}\n")
    chk.write(m + "/assign_domain", f"{extra}\n", None, note="not a usage domain of the host; "
              "its APQN is not reserved because the adapter is released")
    chk.read(m + "/matrix", matrix_show([r.A1], sorted({r.D1, extra})))
    chk.read(m + "/guest_matrix", matrix_show([r.A1], [r.D1]))


@pytest.mark.kernel(min="6.9", why="ap_config arrived in ~v6.9")
def test_ap_config(fs, topo, chk, undo):
    """ap_config reads "APM,AQM,ADM\\n" as three 0x+64-hex masks and replaces the whole
    configuration atomically: writing the current value back succeeds; a sharing conflict is
    EADDRINUSE, a reserved APQN EADDRNOTAVAIL, an id above the maximum ENODEV, bad hex EINVAL,
    each leaving the mdev unchanged; a newline ends a field, so "A,B\\n" is three fields (the
    third zero) while "A,B" without newline is EINVAL.

    Source: drivers/s390/crypto/vfio_ap_ops.c (ap_config_show, ap_config_store, parse_bitmap, vfio_ap_mdev_reset_...); spec §5.7, §8.4.11, correction 23; oracle part 2 "ap_config writes"."""
    r = Roles(fs, topo, adapters=2, domains=2)
    release(chk, undo, adapters=[r.A1, r.A2], domains=[r.D1, r.D3])
    m1 = create_ap_mdev(chk, undo, U1)
    for f, v in (("assign_adapter", r.A1), ("assign_adapter", r.A2), ("assign_domain", r.D1),
                 ("assign_domain", r.D3), ("assign_control_domain", r.D1)):
        chk.do(f"{m1}/{f}", f"{v}\n")
    cur = ap_config_show([r.A1, r.A2], [r.D1, r.D3], [r.D1])
    chk.read(m1 + "/ap_config", cur)
    chk.write(m1 + "/ap_config", cur, None, note="the current value")
    chk.read(m1 + "/matrix", matrix_show([r.A1, r.A2], [r.D1, r.D3]))
    m2 = create_ap_mdev(chk, undo, U2)
    chk.do(m2 + "/assign_control_domain", f"{r.D3}\n")
    u2 = ap_config_show([], [], [r.D3])
    cfg = f"{mask_hex([r.A2])},{mask_hex([r.D1])},{mask_hex([])}\n"
    chk.write(m2 + "/ap_config", cfg, EADDRINUSE, note=f"{apqn(r.A2, r.D1)} is U1's")
    chk.read(m2 + "/ap_config", u2, note="unchanged")
    chk.write(m2 + "/ap_config", b"0x80,0x40,0x0\n", EADDRNOTAVAIL, note="00.0001 reserved")
    chk.read(m2 + "/ap_config", u2)
    if r.maxd < 255:
        high = 200 if r.maxd < 200 else 255
        cfg = f"{mask_hex([r.A1])},{mask_hex([high])},{mask_hex([])}\n"
        chk.write(m2 + "/ap_config", cfg, ENODEV, note=f"domain {high} above the maximum")
        chk.read(m2 + "/ap_config", u2)
    chk.write(m2 + "/ap_config", b"garbage\n", EINVAL)
    chk.write(m2 + "/ap_config", f"{mask_hex([])},{mask_hex([])}".encode(), EINVAL,
              note="printf: only two fields")
    chk.read(m2 + "/ap_config", u2)
    short = f"{short_hex([r.A1])},{short_hex([r.D2])}\n"
    chk.write(m2 + "/ap_config", short, None,
              note="echo of two short fields: the newline ends a third, empty field")
    chk.read(m2 + "/ap_config", ap_config_show([r.A1], [r.D2], []))
    chk.read(m2 + "/matrix", matrix_show([r.A1], [r.D2]))
    chk.write(m2 + "/ap_config", b"0x0,0x0,0x0\n", None)
    chk.read(m2 + "/ap_config", ap_config_show([], [], []))
    chk.read(m2 + "/control_domains", b"")
    chk.write(m2 + "/ap_config", ap_config_show([r.A1], [r.D2], [r.D1]).rstrip(b"\n"), None,
              note="printf of three full fields")
    chk.read(m2 + "/matrix", matrix_show([r.A1], [r.D2]))
    chk.read(m2 + "/control_domains", f"{r.D1:04x}\n".encode())


@pytest.mark.kernel(min="6.0")
def test_remove_releases_queues(fs, topo, chk, undo):
    """Removing an mdev unassigns its queues (status "unassigned\\n") while queues another mdev
    holds stay "assigned\\n"; available_instances goes up by one; once no mdev holds them the
    adapters can return to apmask and their queues go back to cex4queue.

    Source: drivers/s390/crypto/vfio_ap_ops.c (vfio_ap_mdev_remove -> vfio_ap_mdev_unlink_fr_queues), ap_bus.c (apmask_store); spec §5.9, §8.4.12; oracle part 2 "remove"."""
    r = Roles(fs, topo, adapters=2, domains=2)
    release(chk, undo, adapters=[r.A1, r.A2], domains=[r.D1, r.D3])
    m1 = create_ap_mdev(chk, undo, U1)
    for f, v in (("assign_adapter", r.A1), ("assign_adapter", r.A2),
                 ("assign_domain", r.D1), ("assign_domain", r.D3)):
        chk.do(f"{m1}/{f}", f"{v}\n")
    m2 = create_ap_mdev(chk, undo, U2)
    chk.do(m2 + "/assign_adapter", f"{r.A1}\n")
    chk.do(m2 + "/assign_domain", f"{r.D2}\n")
    n = fs.read_text(AP_TYPE + "/available_instances")
    chk.write(m1 + "/remove", b"1\n", None)
    for a in (r.A1, r.A2):
        for d in (r.D1, r.D3):
            chk.read(queue(a, d) + "/status", b"unassigned\n")
    if fs.exists(queue(r.A1, r.D2)):
        chk.read(queue(r.A1, r.D2) + "/status", b"assigned\n", note="held by U2")
    chk.read(AP_TYPE + "/available_instances", f"{int(n) + 1}\n".encode())
    chk.write(AP + "/apmask", f"+{r.A1}\n", EBUSY if r.D2 in ids_of(fs.read(AP + "/aqmask")) else None,
              note=f"U2 holds {apqn(r.A1, r.D2)}")
    chk.write(m2 + "/remove", b"1\n", None)
    chk.write(AP + "/apmask", f"+{r.A1},+{r.A2}\n", None)
    chk.write(AP + "/aqmask", f"+{r.D1},+{r.D3}\n", None)
    for a in (r.A1, r.A2):
        for d in (r.D1, r.D3):
            chk.driver(queue(a, d), "cex4queue")
