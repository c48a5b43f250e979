"""mdevctl 1.2.0 (Debian 12), unmodified, inside `simfs run`.

Expected output is what mdevctl prints on a real s390x host with the devices of
s390-host.json, derived from mdevctl's source (src/main.rs, src/mdev.rs):
  * `types`: per parent (sorted), "  TYPE", "    Available instances: N",
    "    Device API: API", "    Name: NAME" (Description only when the file
    exists), all collected in a string and printed with println!, so one empty
    line ends the output;
  * `list` / `list -d`: "UUID PARENT TYPE auto|manual" plus " (defined)" for an
    active device with a config, " (active)" for a defined one that runs,
    devices sorted by UUID, then println! adds an empty line;
  * `start`: prints the UUID only when it generated one; writes the attrs in
    config order and on the first refused one writes 1 to `remove` and fails
    with anyhow's "Error: Failed to write V to attribute A" / "Caused by:".
The values come from the kernel's vfio_ap and vfio_ccw (6.12): vfio_ap's type
vfio_ap-passthrough, 65536 instances (256 x 256), device_api "vfio-ap", name
"VFIO AP Passthrough Device"; vfio_ccw's vfio_ccw-io, 1 instance per
subchannel, "vfio-ccw", "I/O subchannel (Non-QDIO)".
"""
import json
import re

from .toolhelp import U1, U2, assert_lines, require, run_steps

AP_TYPE = ["  vfio_ap-passthrough", "    Available instances: {n}", "    Device API: vfio-ap",
           "    Name: VFIO AP Passthrough Device"]
CCW_TYPE = ["  vfio_ccw-io", "    Available instances: {n}", "    Device API: vfio-ccw",
            "    Name: I/O subchannel (Non-QDIO)"]
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def types_lines(parents):
    """parents: [(name, type_template, available_instances)] in mdevctl's (sorted) order."""
    out = []
    for name, tmpl, n in parents:
        out.append(name)
        out += [l.format(n=n) for l in tmpl]
    return out + ["", ""]


def config(tmp_path, parent, uuid, attrs, start="manual"):
    d = tmp_path / "etc" / "mdevctl.d" / parent
    d.mkdir(parents=True, exist_ok=True)
    (d / uuid).write_text(json.dumps({"mdev_type": "vfio_ap-passthrough", "start": start,
                                      "attrs": [{k: v} for k, v in attrs]}, indent=2))


def test_mdevctl_vfio_ap_start_list_stop_and_rollback(tmp_path):
    require("mdevctl")
    # U1: adapter 5, usage and control domain 0x47.  U2: the same APQN 05.0047,
    # which U1 holds: its second attribute is refused with EADDRINUSE.
    config(tmp_path, "matrix", U1, [("assign_adapter", "5"), ("assign_domain", "0x47"),
                                    ("assign_control_domain", "0x47")])
    config(tmp_path, "matrix", U2, [("assign_adapter", "5"), ("assign_domain", "0x47")])
    mdev = "/sys/devices/vfio_ap/matrix"
    r = run_steps(tmp_path, [
        ("types", "mdevctl types"),
        ("list-empty", "mdevctl list"),
        ("list-defined", "mdevctl list -d"),
        # Take adapter 5 from the host drivers (zcrypt) so vfio_ap may use its queues.
        ("release", "echo -5 > /sys/bus/ap/apmask"),
        ("start", f"mdevctl start -u {U1} -p matrix -t vfio_ap-passthrough"),
        ("list", "mdevctl list"),
        ("list-d", "mdevctl list -d"),
        ("list-dv", "mdevctl list -d -v"),
        ("matrix", f"cat {mdev}/{U1}/matrix {mdev}/{U1}/control_domains"),
        ("types-after", "mdevctl types"),
        ("rollback", f"mdevctl start -u {U2} -p matrix -t vfio_ap-passthrough"),
        ("after-rollback", "ls /sys/bus/mdev/devices; ls /sys/devices/vfio_ap/matrix | grep -c -- -"),
        ("list-after-rollback", "mdevctl list"),
        ("stop", f"mdevctl stop -u {U1}"),
        ("list-stopped", "mdevctl list"),
        ("list-d-stopped", "mdevctl list -d"),
        ("types-end", "mdevctl types"),
    ])
    assert_lines(r["types"], types_lines([("matrix", AP_TYPE, 65536)]))
    assert_lines(r["list-empty"], ["", ""])
    assert_lines(r["list-defined"], [f"{U1} matrix vfio_ap-passthrough manual",
                                     f"{U2} matrix vfio_ap-passthrough manual", "", ""])
    assert r["release"].rc == 0, r["release"]
    assert (r["start"].rc, r["start"].out, r["start"].err) == (0, "", ""), r["start"]
    assert_lines(r["list"], [f"{U1} matrix vfio_ap-passthrough manual (defined)", "", ""])
    assert_lines(r["list-d"], [f"{U1} matrix vfio_ap-passthrough manual (active)",
                               f"{U2} matrix vfio_ap-passthrough manual", "", ""])
    assert_lines(r["list-dv"], [f"{U1} matrix vfio_ap-passthrough manual (active)",
                                "  Attrs:",
                                '    @{0}: {"assign_adapter":"5"}',
                                '    @{1}: {"assign_domain":"0x47"}',
                                '    @{2}: {"assign_control_domain":"0x47"}',
                                f"{U2} matrix vfio_ap-passthrough manual",
                                "  Attrs:",
                                '    @{0}: {"assign_adapter":"5"}',
                                '    @{1}: {"assign_domain":"0x47"}',
                                "", ""])
    assert_lines(r["matrix"], ["05.0047", "0047", ""])
    assert_lines(r["types-after"], types_lines([("matrix", AP_TYPE, 65535)]))
    # The rollback: U2 was created, its assign_domain refused, and mdevctl removed it.
    rb = r["rollback"]
    assert rb.rc == 1 and rb.out == "", rb
    assert_lines(rb, ["Error: Failed to write 0x47 to attribute assign_domain", "",
                      "Caused by:", "    Address already in use (os error 98)", ""], stream="err")
    assert_lines(r["after-rollback"], [U1, "1", ""])
    assert_lines(r["list-after-rollback"], [f"{U1} matrix vfio_ap-passthrough manual (defined)", "", ""])
    assert (r["stop"].rc, r["stop"].out, r["stop"].err) == (0, "", ""), r["stop"]
    assert_lines(r["list-stopped"], ["", ""])
    assert_lines(r["list-d-stopped"], [f"{U1} matrix vfio_ap-passthrough manual",
                                       f"{U2} matrix vfio_ap-passthrough manual", "", ""])
    # Both instances are back: U1 was removed by stop, U2 by the rollback.
    assert_lines(r["types-end"], types_lines([("matrix", AP_TYPE, 65536)]))


def test_mdevctl_vfio_ccw_flow(tmp_path):
    require("mdevctl", "driverctl")
    r = run_steps(tmp_path, [
        ("types-before", "mdevctl types"),
        ("bind", "driverctl -b css set-override 0.0.0313 vfio_ccw"),
        ("types", "mdevctl types"),
        ("start", "mdevctl start -p 0.0.0313 -t vfio_ccw-io", "CCW"),
        ("list", "mdevctl list"),
        ("types-used", "mdevctl types -p 0.0.0313"),
        ("sysfs", 'readlink /sys/bus/mdev/devices/$CCW /sys/bus/mdev/devices/$CCW/mdev_type'),
        ("again", "mdevctl start -u $CCW -p 0.0.0313 -t vfio_ccw-io"),
        ("stop", "mdevctl stop -u $CCW"),
        ("list-stopped", "mdevctl list"),
        ("types-end", "mdevctl types -p 0.0.0313"),
    ])
    # No subchannel is bound to vfio_ccw yet: only the matrix device is a parent.
    assert_lines(r["types-before"], types_lines([("matrix", AP_TYPE, 65536)]))
    assert r["bind"].rc == 0, r["bind"]
    assert_lines(r["types"], types_lines([("0.0.0313", CCW_TYPE, 1), ("matrix", AP_TYPE, 65536)]))
    start = r["start"]
    uuid = start.out.strip()
    assert start.rc == 0 and UUID_RE.match(uuid) and start.out == uuid + "\n", start
    assert_lines(r["list"], [f"{uuid} 0.0.0313 vfio_ccw-io manual", "", ""])
    assert_lines(r["types-used"], types_lines([("0.0.0313", CCW_TYPE, 0)]))
    assert_lines(r["sysfs"], [f"../../../devices/css0/0.0.0313/{uuid}",
                              "../mdev_supported_types/vfio_ccw-io", ""])
    # mdevctl refuses to start a device that exists (it looks before writing create).
    assert r["again"].rc == 1
    assert_lines(r["again"], ["Error: Device already exists", ""], stream="err")
    assert (r["stop"].rc, r["stop"].out, r["stop"].err) == (0, "", ""), r["stop"]
    assert_lines(r["list-stopped"], ["", ""])
    assert_lines(r["types-end"], types_lines([("0.0.0313", CCW_TYPE, 1)]))


def test_mdevctl_rollback_on_an_injected_ebusy(tmp_path):
    """A failure no real host gives on demand: simfs ctl makes the next write of any mdev's
    assign_domain fail with EBUSY.  mdevctl start has written create and assign_adapter; it
    reports the refused attribute, writes 1 to remove, and leaves nothing behind; the next
    start of the same config goes through."""
    require("mdevctl")
    config(tmp_path, "matrix", U1, [("assign_adapter", "5"), ("assign_domain", "0x47")])
    r = run_steps(tmp_path, [
        ("release", "echo -5 > /sys/bus/ap/apmask"),
        ("inject", "simfs ctl /sys inject 'devices/vfio_ap/matrix/*/assign_domain' write EBUSY"),
        ("start", f"mdevctl start -u {U1}"),
        ("after", "ls /sys/bus/mdev/devices; simfs ctl /sys injections; "
                  "cat /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/available_instances"),
        ("again", f"mdevctl start -u {U1}"),
        ("list", "mdevctl list"),
    ])
    assert r["release"].rc == 0 and r["inject"].rc == 0, (r["release"], r["inject"])
    st = r["start"]
    assert st.rc == 1 and st.out == "", st
    assert_lines(st, ["Error: Failed to write 0x47 to attribute assign_domain", "",
                      "Caused by:", "    Device or resource busy (os error 16)", ""], stream="err")
    assert_lines(r["after"], ["65536", ""])
    assert (r["again"].rc, r["again"].err) == (0, ""), r["again"]
    assert_lines(r["list"], [f"{U1} matrix vfio_ap-passthrough manual (defined)", "", ""])
