"""What the kernel may keep, and what the tree builds only when asked.

Link texts are cached by the kernel (a link never changes its text; a name
linked anew is a new inode), and attribute files get a node only when a
lookup names them or a listing shows them.  Both must be invisible: these
tests hold the caching to the same answers an uncached tree gives.
"""
import os
import platform
import re
import subprocess

from conftest import SIMFS

SCH = "bus/css/devices/0.0.0313"


def stats(mount):
    cp = subprocess.run([str(SIMFS), "ctl", str(mount.path), "stats"], capture_output=True, text=True,
                        check=True)
    return {k: int(v) for k, v in (line.split() for line in cp.stdout.splitlines())}


def kernel_caches_link_texts_whole():
    """simfs lets the kernel keep link texts only from 6.14 on (before, they were cut at st_size 0)."""
    m = re.match(r"(\d+)\.(\d+)", platform.release())
    return bool(m) and (int(m[1]), int(m[2])) >= (6, 14)


def test_link_text_is_cached_and_a_relinked_name_reads_anew(sysfs):
    assert sysfs.readlink(f"{SCH}/driver") == "../../../bus/css/drivers/io_subchannel"
    assert os.lstat(sysfs.p(f"{SCH}/driver")).st_size == 0          # as sysfs links
    before = stats(sysfs)["readlink"]
    for _ in range(50):
        assert sysfs.readlink(f"{SCH}/driver") == "../../../bus/css/drivers/io_subchannel"
    asked = stats(sysfs)["readlink"] - before
    if kernel_caches_link_texts_whole():
        assert asked <= 1, "the kernel kept asking for a link's text"
    else:
        assert asked == 50, "link texts cached on a kernel that cuts them at st_size"

    # The same name, linked to another driver: the new text, at once.
    assert sysfs.write(f"{SCH}/driver_override", "vfio_ccw") is None
    assert sysfs.write("bus/css/drivers/io_subchannel/unbind", "0.0.0313") is None
    assert not sysfs.exists(f"{SCH}/driver")
    assert sysfs.write("bus/css/drivers/vfio_ccw/bind", "0.0.0313") is None
    assert sysfs.readlink(f"{SCH}/driver") == "../../../bus/css/drivers/vfio_ccw"
    assert sysfs.readlink("bus/css/drivers/vfio_ccw/0.0.0313") == "../../../../devices/css0/0.0.0313"


def test_files_get_nodes_on_first_use_and_list_the_same(sysfs):
    before = stats(sysfs)["nodes"]
    # The way there: bus/css/devices/0.0.0313 is a node once looked up, like a file.
    assert sysfs.exists(SCH)
    assert stats(sysfs)["nodes"] == before + 1
    before += 1
    # One file named: one node more, and its bytes.
    assert sysfs.read(f"{SCH}/type") == b"0\n"
    assert stats(sysfs)["nodes"] == before + 1
    # A listing shows every file; a second listing builds nothing more.
    names = sysfs.ls(SCH)
    assert {"chpids", "dev_busid", "driver_override", "modalias", "pimpampom", "type", "uevent",
            "subsystem", "driver"} <= set(names)
    after = stats(sysfs)["nodes"]
    assert after > before + 1
    assert sysfs.ls(SCH) == names
    assert stats(sysfs)["nodes"] == after
    # Every listed name stats as what it is.
    for n in names:
        st = os.lstat(sysfs.p(f"{SCH}/{n}"))
        assert st.st_mode & 0o170000 in (0o100000, 0o040000, 0o120000), n


def test_a_file_removed_on_its_own_stays_removed(sysfs):
    """mdev's remove file goes first when the device goes; the group must not bring it back."""
    create = "devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create"
    uuid = "11111111-2222-4333-8444-555555555555"
    assert sysfs.write(create, uuid) is None
    d = f"devices/vfio_ap/matrix/{uuid}"
    assert "remove" in sysfs.ls(d)
    assert sysfs.write(f"{d}/remove", "1") is None
    assert not sysfs.exists(d)
    # Created again, the new device has its own remove file.
    assert sysfs.write(create, uuid) is None
    assert sysfs.exists(f"{d}/remove")
    assert sysfs.write(f"{d}/remove", "1") is None


def test_a_listing_answers_the_stats_that_follow(sysfs):
    """readdirplus: the entries come with their attributes, as lookups would answer."""
    d = sysfs.p("devices/css0/0.0.0314")
    os.stat(d)  # the path itself is looked up before the listing
    before = stats(sysfs)
    names = os.listdir(d)
    modes = {n: os.lstat(d / n).st_mode for n in names}
    after = stats(sysfs)
    assert after["readdirplus"] > before["readdirplus"]
    assert after["lookup"] == before["lookup"] and after["getattr"] == before["getattr"], \
        "a stat after the listing went to the daemon"
    # What the listing said is what a lookup says.
    assert modes["type"] & 0o777 == 0o444 and modes["driver_override"] & 0o777 == 0o644
    assert modes["subsystem"] & 0o170000 == 0o120000
    assert all(modes[n] & 0o170000 in (0o100000, 0o040000, 0o120000) for n in names)


def test_removed_nodes_are_freed_once_the_kernel_forgets_them(sysfs):
    """Every reference the kernel took (lookups, listings) is given back: nothing leaks."""
    create = "devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create"
    uuids = [f"2222222{i}-2222-4333-8444-555555555555" for i in range(4)]
    for u in uuids:
        assert sysfs.write(create, u) is None
        d = sysfs.p(f"devices/vfio_ap/matrix/{u}")
        for n in os.listdir(d):
            os.lstat(d / n)
        assert sysfs.read(f"devices/vfio_ap/matrix/{u}/matrix") == b""
    for u in uuids:
        assert sysfs.write(f"devices/vfio_ap/matrix/{u}/remove", "1") is None
    assert sysfs.wait_for(lambda: stats(sysfs)["zombies"] == 0), \
        f"{stats(sysfs)['zombies']} removed nodes still held"


def test_a_listing_does_not_depend_on_what_was_looked_up(simfs_factory):
    """bus/X/devices and a driver's directory list in the model's order, whichever entries a
    lookup turned into nodes first."""
    fresh, used = simfs_factory(name="fresh"), simfs_factory(name="used")
    for path in ("bus/css/devices/0.0.0314", "bus/ccw/drivers/dasd-eckd/0.0.2b0a", "bus/ap/devices/06.00ab"):
        assert os.path.lexists(used.p(path)), path
    for d in ("bus/css/devices", "bus/ccw/drivers/dasd-eckd", "bus/ap/devices"):
        assert os.listdir(used.p(d)) == os.listdir(fresh.p(d)), d
