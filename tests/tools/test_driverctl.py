"""driverctl 0.111 (Debian 12, a bash script), unmodified, on the css bus inside `simfs run`.

Expected output follows the script: list-devices prints "ID DRIVER" per
/sys/bus/css/devices/* that has a driver_override file ("(none)" without a
driver link), " [*]" when driver_override is not "(null)"; list-overrides
prints only those, without the mark, and when there is none it fails with
"driverctl: No overridable devices found. Kernel too old?".  set-override
unbinds, writes the driver to driver_override, writes the id to drivers_probe
and requires a driver link; it saves /etc/driverctl.d/css-ID.  unset-override
does the same with an empty override (io_subchannel binds again) and removes
the file.
"""
from .toolhelp import assert_lines, require, run_steps

SCH = "/sys/bus/css/devices/0.0.0313"


def test_driverctl_css_override_round_trip(tmp_path):
    require("driverctl")
    r = run_steps(tmp_path, [
        ("list-devices", "driverctl -b css list-devices"),
        ("list-overrides-none", "driverctl -b css list-overrides"),
        ("set", "driverctl -b css set-override 0.0.0313 vfio_ccw"),
        ("saved", "cat /etc/driverctl.d/css-0.0.0313"),
        ("list-overrides", "driverctl -b css list-overrides"),
        ("list-devices-set", "driverctl -b css list-devices"),
        ("state-set", f"readlink {SCH}/driver; cat {SCH}/driver_override; ls /sys/bus/ccw/devices"),
        ("unset", "driverctl -b css unset-override 0.0.0313"),
        # The kernel recognises the ccw device behind a newly bound io_subchannel
        # asynchronously; `simfs ctl flush` finishes that work now (a host would
        # need `udevadm settle`).
        ("flush", "simfs ctl /sys flush"),
        ("state-unset", f"readlink {SCH}/driver; cat {SCH}/driver_override; ls /sys/bus/ccw/devices; "
                        f"readlink {SCH}/0.0.2b09/driver; cat {SCH}/0.0.2b09/online"),
        ("list-devices-end", "driverctl -b css list-devices"),
        ("list-overrides-end", "driverctl -b css list-overrides"),
        ("saved-end", "ls -A /etc/driverctl.d"),
    ])
    all_io = ["0.0.0200 io_subchannel", "0.0.0313 io_subchannel", "0.0.0314 io_subchannel", ""]
    assert_lines(r["list-devices"], all_io)
    none = r["list-overrides-none"]
    assert none.rc == 1 and none.out == "", none
    assert_lines(none, ["driverctl: No overridable devices found. Kernel too old?", ""], stream="err")
    assert (r["set"].rc, r["set"].out, r["set"].err) == (0, "", ""), r["set"]
    assert_lines(r["saved"], ["vfio_ccw", ""])
    assert_lines(r["list-overrides"], ["0.0.0313 vfio_ccw", ""])
    assert_lines(r["list-devices-set"], ["0.0.0200 io_subchannel", "0.0.0313 vfio_ccw [*]",
                                         "0.0.0314 io_subchannel", ""])
    # Bound to vfio_ccw, the subchannel has no ccw device: 0.0.2b09 is gone.
    assert_lines(r["state-set"], ["../../../bus/css/drivers/vfio_ccw", "vfio_ccw",
                                  "0.0.2b0a", "0.0.f500", ""])
    assert (r["unset"].rc, r["unset"].out, r["unset"].err) == (0, "", ""), r["unset"]
    assert r["flush"].rc == 0, r["flush"]
    # Back on io_subchannel, override cleared, and the DASD recognised again
    # (offline: dasd-eckd does not set it online by itself).
    assert_lines(r["state-unset"], ["../../../bus/css/drivers/io_subchannel", "(null)",
                                    "0.0.2b09", "0.0.2b0a", "0.0.f500",
                                    "../../../../bus/ccw/drivers/dasd-eckd", "0", ""])
    assert_lines(r["list-devices-end"], all_io)
    assert r["list-overrides-end"].rc == 1
    assert_lines(r["saved-end"], [""])
    assert not (tmp_path / "etc" / "driverctl.d" / "css-0.0.0313").exists()


def test_driverctl_ccw_recognition_is_asynchronous_but_completes(tmp_path):
    """Without a flush the ccw device comes back on its own shortly after the bind."""
    require("driverctl")
    r = run_steps(tmp_path, [
        ("set", "driverctl -b css set-override 0.0.0313 vfio_ccw"),
        ("unset", "driverctl -b css unset-override 0.0.0313"),
        ("wait", "for i in $(seq 500); do [ -e /sys/bus/ccw/devices/0.0.2b09 ] && break; sleep 0.01; done; "
                 "readlink /sys/bus/ccw/devices/0.0.2b09"),
    ])
    assert r["set"].rc == 0 and r["unset"].rc == 0
    assert_lines(r["wait"], ["../../../devices/css0/0.0.0313/0.0.2b09", ""])
