"""mdevtool inside `simfs run`, at the real /sys path, as on a host; what it
did is then read back by the other tools (mdevctl, lscss, lszcrypt, driverctl)
and must be what those print on a real host in the same state.
"""
from .s390model import LSCSS, LSCSS_VFIO, lscss_rows, zcrypt
from .toolhelp import U1, U2, assert_lines, rec_table, require, run_steps


def test_mdevtool_at_sys_seen_by_the_other_tools(tmp_path):
    require("mdevtool", "mdevctl", "driverctl", "lscss", "lszcrypt")
    r = run_steps(tmp_path, [
        ("ccw-create", f"mdevtool ccw create 0.0.2b09 --uuid {U1} -q"),
        ("ap-create", f"mdevtool ap create --apqn 6.0xab --uuid {U2} -q"),
        ("qemu-ccw", f"mdevtool qemu {U1} --devno fe.0.2b09"),
        ("qemu-ap", f"mdevtool qemu {U2}"),
        ("mdevctl", "mdevctl list"),
        ("lscss-vfio", "lscss --vfio"),
        ("overrides", "driverctl -b css list-overrides"),
        ("lszcrypt", "lszcrypt -V"),
        ("matrix", f"cat /sys/devices/vfio_ap/matrix/{U2}/matrix"),
        ("ap-remove", f"mdevtool ap remove {U2} --restore-masks"),
        ("ccw-remove", f"mdevtool ccw remove {U1} --restore"),
        ("flush", "simfs ctl /sys flush"),
        ("mdevctl-end", "mdevctl list"),
        ("lscss-end", "lscss"),
        ("lszcrypt-end", "lszcrypt -V"),
        ("devices-end", "driverctl -b css list-devices"),
    ])
    assert_lines(r["ccw-create"], [U1, ""])
    assert_lines(r["ap-create"], [U2, ""])
    assert_lines(r["qemu-ccw"], [f"-device vfio-ccw,devno=fe.0.2b09,sysfsdev=/sys/bus/mdev/devices/{U1}", ""])
    assert_lines(r["qemu-ap"], [f"-device vfio-ap,sysfsdev=/sys/devices/vfio_ap/matrix/{U2}", ""])
    assert_lines(r["mdevctl"], [f"{U1} 0.0.0313 vfio_ccw-io manual",
                                f"{U2} matrix vfio_ap-passthrough manual", "", ""])
    assert_lines(r["lscss-vfio"], rec_table(LSCSS_VFIO, [[U1, "0.0.0313", "c0", "c0", "ff",
                                                          "40410000 00000000"]]) + [""])
    assert_lines(r["overrides"], ["0.0.0313 vfio_ccw", ""])
    # apmask/aqmask work per adapter and per domain: freeing 06.00ab takes all of
    # adapter 6 and all of domain 0xab from the host drivers.
    assert_lines(r["lszcrypt"], zcrypt(verbose=True, vfio_adapters=(6,), vfio_queues=("05.00ab",)))
    assert_lines(r["matrix"], ["06.00ab", ""])
    assert r["ap-remove"].rc == 0 and r["ccw-remove"].rc == 0, (r["ap-remove"], r["ccw-remove"])
    assert_lines(r["mdevctl-end"], ["", ""])
    assert_lines(r["lscss-end"], rec_table(LSCSS, lscss_rows()) + [""])
    assert_lines(r["lszcrypt-end"], zcrypt(verbose=True))
    assert_lines(r["devices-end"], ["0.0.0200 io_subchannel", "0.0.0313 io_subchannel",
                                    "0.0.0314 io_subchannel", ""])
