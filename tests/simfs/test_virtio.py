"""The virtio devices below virtio-ccw devices, byte for byte as a real Linux 6.12 s390x
guest showed them (read through scripts/qemu-kernel's agent: virtio-blk driven by
virtio_blk, virtio-net and virtio-rng with no driver built in)."""
import os
import stat

from conftest import FIXTURES

BLK = "devices/css0/0.0.0000/0.0.0001/virtio0"
NET = "devices/css0/0.0.0001/0.0.0002/virtio1"


def test_virtio_children_as_the_kernel_shows_them(simfs_factory):
    m = simfs_factory("--topology", FIXTURES / "oracle-css.json")
    assert m.ls(BLK) == ["device", "driver", "features", "modalias", "status", "subsystem",
                         "uevent", "vendor"]
    for name in ("device", "features", "modalias", "status", "vendor"):
        assert stat.S_IMODE(os.lstat(m.p(f"{BLK}/{name}")).st_mode) == 0o444, name
    assert stat.S_IMODE(os.lstat(m.p(f"{BLK}/uevent")).st_mode) == 0o644
    assert m.read(f"{BLK}/device") == b"0x0002\n"
    assert m.read(f"{BLK}/vendor") == b"0x3832\n"
    assert m.read(f"{BLK}/status") == b"0x0000000f\n"
    assert m.read(f"{BLK}/modalias") == b"virtio:d00000002v00003832\n"
    assert m.read(f"{BLK}/features") == b"0010101001110110000000000000110010000000000000000000000000000000\n"
    assert m.read(f"{BLK}/uevent") == b"DRIVER=virtio_blk\nMODALIAS=virtio:d00000002v00003832\n"
    assert m.readlink(f"{BLK}/driver") == "../../../../../bus/virtio/drivers/virtio_blk"
    assert m.readlink(f"{BLK}/subsystem") == "../../../../../bus/virtio"
    # no driver: status ACKNOWLEDGE only, no features, no DRIVER= line, no driver link
    assert m.ls(NET) == ["device", "features", "modalias", "status", "subsystem", "uevent", "vendor"]
    assert m.read(f"{NET}/status") == b"0x00000001\n"
    assert m.read(f"{NET}/features") == b"0" * 64 + b"\n"
    assert m.read(f"{NET}/uevent") == b"MODALIAS=virtio:d00000001v00003832\n"
    assert m.ls("bus/virtio/devices") == ["virtio0", "virtio1", "virtio2"]
    assert m.readlink("bus/virtio/devices/virtio2") == "../../../devices/css0/0.0.0002/0.0.0003/virtio2"
    assert m.ls("bus/virtio/drivers/virtio_blk") == ["bind", "uevent", "unbind", "virtio0"]


def test_virtio_child_follows_online(simfs_factory):
    """virtio_ccw registers the virtio device when it sets the ccw device online, and
    unregisters it when the device goes offline; the index is the lowest free one."""
    m = simfs_factory("--topology", FIXTURES / "oracle-css.json")
    dev = "bus/ccw/devices/0.0.0002"
    assert m.write(f"{dev}/online", "0") is None
    assert not m.exists(NET) and m.ls("bus/virtio/devices") == ["virtio0", "virtio2"]
    assert m.write(f"{dev}/online", "1") is None
    assert m.exists(NET) and m.read(f"{NET}/device") == b"0x0001\n"
