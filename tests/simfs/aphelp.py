"""Helpers shared by the AP bus and vfio_ap behaviour tests.

Masks print as the kernel shows them: "0x" + 64 lower-case hex digits, the
left-most bit is id 0.  The transcript shortcuts (WRITE/READ lines of
shared/oracle/ap-vfio_ap.txt) are replayed with `replay()`.
"""
import errno
import json
import os

from conftest import FIXTURES

AP = "bus/ap"
MATRIX = "devices/vfio_ap/matrix"
TYPE = MATRIX + "/mdev_supported_types/vfio_ap-passthrough"
U1 = "11111111-2222-3333-4444-555555555555"
U2 = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"

EINVAL, ENODEV, EBUSY, EACCES, ENOENT = errno.EINVAL, errno.ENODEV, errno.EBUSY, errno.EACCES, errno.ENOENT
EOPNOTSUPP, ERANGE, EUSERS = errno.EOPNOTSUPP, errno.ERANGE, errno.EUSERS
EADDRNOTAVAIL, EADDRINUSE = errno.EADDRNOTAVAIL, errno.EADDRINUSE


def mask_value(ids):
    v = 0
    for i in ids:
        v |= 1 << (255 - i)
    return v


def mask(ids, nl=True):
    """The show of a mask with exactly @ids set."""
    return b"0x%064x" % mask_value(ids) + (b"\n" if nl else b"")


def full(minus=()):
    """All 256 ids set, except @minus."""
    return mask(set(range(256)) - set(minus))


def queue_path(apqn):
    return f"{AP}/devices/{apqn}"


def driver_of(m, dev):
    """The driver link target of a bus/ap device, or None."""
    p = f"{AP}/devices/{dev}/driver"
    return m.readlink(p) if m.exists(p) else None


def qdrv(name):
    return f"../../../../bus/ap/drivers/{name}" if name else None


def mdev(uuid, attr=""):
    return f"{MATRIX}/{uuid}" + (f"/{attr}" if attr else "")


def create(m, uuid):
    return m.write(TYPE + "/create", uuid + "\n")


def fixture_variant(tmp_path, name, base="oracle-ap.json", **changes):
    """A copy of a fixture with some top-level keys changed (dicts merged one level deep)."""
    data = json.loads((FIXTURES / base).read_text())
    for k, v in changes.items():
        if isinstance(v, dict) and isinstance(data.get(k), dict):
            data[k] = {**data[k], **v}
        elif v is None:
            data.pop(k, None)
        else:
            data[k] = v
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def replay(m, steps):
    """Run (op, path, value, expected) steps; report the first difference with its index.

    op "w": echo-like write of value (str: written as is; the caller adds "\\n");
            expected None for success or an errno.
    op "r": expected bytes or an errno.
    op "l": readlink, expected target (None: no link).
    """
    for i, step in enumerate(steps):
        op, path, *rest = step
        if op == "w":
            value, expected = rest
            got = m.write(path, value)
            assert got == expected, f"step {i}: write {value!r} > {path}: {got} != {expected}"
        elif op == "r":
            (expected,) = rest
            got = m.read(path)
            assert got == expected, f"step {i}: read {path}: {got!r} != {expected!r}"
        elif op == "l":
            (expected,) = rest
            got = m.readlink(path) if m.exists(path) else None
            assert got == expected, f"step {i}: readlink {path}: {got!r} != {expected!r}"
        else:
            raise ValueError(op)


def mode(m, rel):
    return os.lstat(m.p(rel)).st_mode & 0o7777
