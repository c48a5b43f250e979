"""What tools notice of the FUSE layer: modes, sizes, EACCES at open, one
write = one store, no stale reads, no stale dentries, relative links."""
import errno
import os
import stat
import subprocess

import pytest

SCH = "bus/css/devices/0.0.0313"
VFIO_TYPE = SCH + "/mdev_supported_types/vfio_ccw-io"
U1 = "11111111-2222-3333-4444-555555555555"


def to_vfio_ccw(m, sch="0.0.0313"):
    assert m.write(f"bus/css/devices/{sch}/driver/unbind", sch) is None
    assert m.write("bus/css/drivers/vfio_ccw/bind", sch) is None


def test_attribute_modes_and_sizes(sysfs):
    """sysfs attributes are regular files of size 4096 with the attribute's mode."""
    for rel, mode in [(SCH + "/type", 0o444), (SCH + "/driver_override", 0o644),
                      (SCH + "/logging", 0o200), ("bus/css/drivers_probe", 0o200),
                      ("bus/css/drivers_autoprobe", 0o644)]:
        st = os.lstat(sysfs.p(rel))
        assert stat.S_ISREG(st.st_mode), rel
        assert stat.S_IMODE(st.st_mode) == mode, rel
        assert st.st_size == 4096, rel
        assert st.st_uid == 0 and st.st_gid == 0
    st = os.lstat(sysfs.p("devices/css0/chp0.40/util_string"))
    assert st.st_size == 64  # a binary attribute shows its own size
    st = os.lstat(sysfs.p(SCH + "/driver"))
    assert stat.S_ISLNK(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o777
    st = os.lstat(sysfs.p("devices/css0"))
    assert stat.S_ISDIR(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o755


def test_directory_link_count_counts_subdirectories(sysfs):
    """kernfs: a directory's nlink is 2 plus its subdirectories."""
    # css0: 3 subchannels, 3 chps, defunct
    assert os.lstat(sysfs.p("devices/css0")).st_nlink == 2 + 7
    to_vfio_ccw(sysfs)
    # the subchannel gains mdev_supported_types and parent (the ccw device went away)
    assert os.lstat(sysfs.p("devices/css0/0.0.0313")).st_nlink == 4


@pytest.mark.parametrize("rel,flags", [
    (SCH + "/logging", os.O_RDONLY),            # write-only, read
    (SCH + "/logging", os.O_RDWR),              # write-only, read+write
    (SCH + "/type", os.O_WRONLY),               # read-only, write
    (SCH + "/type", os.O_RDWR),
    ("bus/css/drivers/io_subchannel/bind", os.O_RDONLY),
    ("bus/css/drivers/io_subchannel/uevent", os.O_RDONLY),
])
def test_eacces_at_open_even_for_root(sysfs, rel, flags):
    """kernfs_fop_open(): EACCES at open when the mode or the show/store is missing, for root too."""
    assert os.geteuid() == 0
    with pytest.raises(PermissionError):
        os.open(sysfs.p(rel), flags)


def test_rdwr_on_rw_attribute_is_allowed(sysfs):
    fd = os.open(sysfs.p(SCH + "/driver_override"), os.O_RDWR)
    try:
        assert os.read(fd, 100) == b"(null)\n"
    finally:
        os.close(fd)


def test_zero_length_write_never_reaches_the_store(sysfs):
    """sysfs returns 0 for an empty write without calling the store (transcript: printf '')."""
    assert sysfs.write(SCH + "/driver_override", "io_subchannel\n") is None
    fd = os.open(sysfs.p(SCH + "/driver_override"), os.O_WRONLY | os.O_TRUNC)
    try:
        assert os.write(fd, b"") == 0
    finally:
        os.close(fd)
    assert sysfs.read(SCH + "/driver_override") == b"io_subchannel\n"
    # a lone newline is a real store, and clears
    assert sysfs.write(SCH + "/driver_override", "\n") is None
    assert sysfs.read(SCH + "/driver_override") == b"(null)\n"


def test_offset_and_o_trunc_are_ignored(sysfs):
    """A store gets the bytes of the write whatever the file offset; O_TRUNC truncates nothing."""
    fd = os.open(sysfs.p(SCH + "/driver_override"), os.O_WRONLY | os.O_TRUNC)
    try:
        assert os.pwrite(fd, b"vfio_ccw\n", 1000) == 9
        assert os.write(fd, b"none\n") == 5  # a second write on the same fd is a second store
    finally:
        os.close(fd)
    assert sysfs.read(SCH + "/driver_override") == b"none\n"


def test_write_error_leaves_the_state(sysfs):
    assert sysfs.write(SCH + "/driver_override", "x" * 4095) == errno.EINVAL
    assert sysfs.read(SCH + "/driver_override") == b"(null)\n"
    assert sysfs.write(SCH + "/driver_override", "x" * 4094) is None
    assert sysfs.read(SCH + "/driver_override") == b"x" * 4094 + b"\n"


def test_read_with_offsets_serves_one_rendering(sysfs):
    """Like seq_file, one open file renders once; later offsets come from that rendering."""
    fd = os.open(sysfs.p(SCH + "/chpids"), os.O_RDONLY)
    try:
        assert os.read(fd, 3) == b"40 "
        assert os.read(fd, 100) == b"41 00 00 00 00 00 00 \n"
        assert os.read(fd, 100) == b""
        assert os.pread(fd, 5, 3) == b"41 00"
    finally:
        os.close(fd)


def test_no_stale_read_across_processes(sysfs):
    """Every read renders fresh: another process sees a write at once, every time."""
    path = sysfs.p(SCH + "/driver_override")
    for i in range(50):
        value = f"drv{i}"
        assert sysfs.write(SCH + "/driver_override", value + "\n") is None
        out = subprocess.run(["cat", str(path)], capture_output=True, check=True).stdout
        assert out == (value + "\n").encode()


def test_new_directory_visible_to_the_next_lookup(sysfs):
    """No negative dentry outlives a create: the mdev is there for the very next lookup."""
    to_vfio_ccw(sysfs)
    mdev = f"devices/css0/0.0.0313/{U1}"
    for _ in range(3):  # look it up while absent, so a negative dentry would exist
        assert not os.path.exists(sysfs.p(mdev))
    assert sysfs.write(VFIO_TYPE + "/create", U1) is None
    assert os.path.isdir(sysfs.p(mdev))
    assert os.path.islink(sysfs.p(f"bus/mdev/devices/{U1}"))
    # and it vanishes from every cached path before remove returns
    assert sysfs.read(f"bus/mdev/devices/{U1}/uevent") == b"DRIVER=vfio_ccw_mdev\n"
    assert sysfs.write(f"bus/mdev/devices/{U1}/remove", "1") is None
    assert not os.path.lexists(sysfs.p(f"bus/mdev/devices/{U1}"))
    assert not os.path.exists(sysfs.p(mdev))
    assert sysfs.read(f"bus/mdev/devices/{U1}/uevent") == errno.ENOENT


def test_open_fd_of_removed_attribute_fails_enodev(sysfs):
    """kernfs_get_active() fails on a removed node: reads and writes through old fds get ENODEV."""
    to_vfio_ccw(sysfs)
    assert sysfs.write(VFIO_TYPE + "/create", U1) is None
    fd = os.open(sysfs.p(f"bus/mdev/devices/{U1}/uevent"), os.O_RDONLY)
    wfd = os.open(sysfs.p(f"bus/mdev/devices/{U1}/remove"), os.O_WRONLY)
    try:
        assert sysfs.write(f"bus/mdev/devices/{U1}/remove", "1") is None
        with pytest.raises(OSError) as e:
            os.read(fd, 100)
        assert e.value.errno == errno.ENODEV
        with pytest.raises(OSError) as e:
            os.write(wfd, b"1")
        assert e.value.errno == errno.ENODEV
    finally:
        os.close(fd)
        os.close(wfd)


def test_changed_link_target_is_seen(sysfs):
    """The driver link names the new driver right after a rebind."""
    assert sysfs.readlink(SCH + "/driver") == "../../../bus/css/drivers/io_subchannel"
    to_vfio_ccw(sysfs)
    assert sysfs.readlink(SCH + "/driver") == "../../../bus/css/drivers/vfio_ccw"


def test_links_are_relative_and_resolve_inside_the_mount(sysfs):
    assert sysfs.readlink(SCH) == "../../../devices/css0/0.0.0313"
    assert os.path.realpath(sysfs.p(SCH)) == str(sysfs.p("devices/css0/0.0.0313"))
    assert sysfs.readlink("bus/ccw/devices/0.0.2b09") == "../../../devices/css0/0.0.0313/0.0.2b09"
    assert sysfs.readlink("devices/css0/0.0.0313/0.0.2b09/driver") == "../../../../bus/ccw/drivers/dasd-eckd"
    assert sysfs.readlink("class/mdev_bus/matrix") == "../../devices/vfio_ap/matrix"


@pytest.mark.parametrize("op", ["mkdir", "rmdir", "unlink", "rename", "symlink", "create"])
def test_tree_is_not_writable_as_a_filesystem(sysfs, op):
    """sysfs has no mkdir, unlink, rename, symlink (EPERM) and no create (EACCES)."""
    d = sysfs.p("devices/css0")
    with pytest.raises(OSError) as e:
        if op == "mkdir":
            os.mkdir(d / "new")
        elif op == "rmdir":
            os.rmdir(d / "defunct")
        elif op == "unlink":
            os.unlink(d / "pools")
        elif op == "rename":
            os.rename(d / "pools", d / "pools2")
        elif op == "symlink":
            os.symlink("x", d / "lnk")
        else:
            os.open(d / "newfile", os.O_CREAT | os.O_WRONLY, 0o644)
    assert e.value.errno == (errno.EACCES if op == "create" else errno.EPERM)


def test_show_errors_reach_read(sysfs):
    """A show that fails makes read(2) fail with its errno (css0/real_cssid under QEMU)."""
    assert sysfs.read("devices/css0/real_cssid") == errno.EINVAL
    assert sysfs.read("devices/css0/chp0.40/configure") == errno.EOPNOTSUPP


def test_readdir_lists_every_entry_once(sysfs):
    names = os.listdir(sysfs.p(SCH))
    assert sorted(names) == ["0.0.2b09", "chpids", "dev_busid", "driver", "driver_override",
                             "logging", "modalias", "pimpampom", "subsystem", "type", "uevent", "vpm"]
    assert sysfs.ls("") == ["block", "bus", "class", "dev", "devices", "firmware", "fs",
                            "hypervisor", "kernel", "module", "power"]
