#!/usr/bin/env python3
"""Judge a simfs run against a QEMU (real kernel) run of the conformance suite.

usage: expected_differences.py SIM.xml QEMU.xml

Every scenario whose outcome or observed bytes/errno differ is one of:

* a known simfs gap: listed in conformance/known_gaps.py (xfailed on simfs) and passing on
  the kernel -- simfs is wrong there and the entry says how;
* an expected difference: listed in EXPECTED below, with the reason the two cannot agree
  (facts a virtual machine or an asynchronous kernel has that a simulator does not), and only
  for the check paths named there;
* unexpected: a bug in simfs or in a scenario.  Exit status 1 if there is any.
"""

import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))

from conformance.known_gaps import KNOWN_GAPS  # noqa: E402
from conformance.report import load_junit  # noqa: E402

# scenario key (module::test) -> (paths whose observations may differ (regex), why)
EXPECTED = {
    "test_ap_masks::test_counters_and_reset_writes": (
        [r"/sys/bus/ap/devices/[0-9a-f]{2}\.[0-9a-f]{4}/reset$"],
        "timing: a write to a queue's reset starts an asynchronous reset (ZAPQ, then the AP "
        "bus polls TAPQ until the queue reports it is done, ap_queue.c ap_sm_reset_wait); "
        "read at once, the kernel still shows \"Reset in progress.\", while simfs completes "
        "the reset within the write. The scenario accepts both texts."),
    "test_ccw::test_ccw_device_attributes": (
        [r"/sys/bus/ccw/devices/[0-9a-f.]+$"],
        "the guest's ccw devices are virtio devices, whose driver adds a virtioN child; the "
        "scenario lists the directory non-exactly (drivers add their own entries) and simfs "
        "does not model virtio children (known gap test_oracle_css::test_p1_virtio_children)"),
    "test_oracle_css::test_p1_ccw_devices_at_boot": (
        [r"/sys/devices/css0/[0-9a-f.]+/[0-9a-f.]+$"],
        "the same virtioN children, listed non-exactly here (simfs gap "
        "test_p1_virtio_children)"),
}


def check_key(x, i):
    return f"{i}:{x['op']} {x['path']} {x.get('sent') or ''}"


def differences(ra, rb):
    """(outcome differs, [(path, note)]) for one scenario present in both runs."""
    out = []
    if ra["outcome"] != "skipped" and rb["outcome"] != "skipped":
        ca = {check_key(x, i): x for i, x in enumerate(ra["checks"])}
        cb = {check_key(x, i): x for i, x in enumerate(rb["checks"])}
        for k in list(ca) + [k for k in cb if k not in ca]:
            xa, xb = ca.get(k), cb.get(k)
            if xa is None or xb is None:
                x = xa or xb
                out.append((x["path"], f"{x['op']} {x['path']} only in "
                                       f"{'qemu' if xa is None else 'simfs'}"))
            elif xa["observed"] != xb["observed"]:
                out.append((xa["path"], f"{xa['op']} {xa['path']}"
                                        + (f" <- {xa['sent']}" if xa.get("sent") else "")
                                        + f": expected {xa['expected']}; simfs {xa['observed']}; "
                                          f"kernel {xb['observed']}"))
    return ra["outcome"] != rb["outcome"], out


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    a, b = load_junit(argv[1]), load_junit(argv[2])
    known, expected, unexpected = [], [], []
    for key in list(a) + [k for k in b if k not in a]:
        ra, rb = a.get(key), b.get(key)
        if ra is None or rb is None:
            unexpected.append((key, [f"only in {'qemu' if ra is None else 'simfs'} run"]))
            continue
        odiff, checks = differences(ra, rb)
        if not odiff and not checks:
            continue
        gap = next((v for k, v in KNOWN_GAPS.items() if k.replace(".py", "") == key), None)
        if gap and ra["outcome"] == "xfailed" and rb["outcome"] == "passed":
            known.append((key, [gap]))
            continue
        exp = EXPECTED.get(key)
        notes = []
        if odiff:
            notes.append(f"outcome: simfs {ra['outcome']}, kernel {rb['outcome']}"
                         + (f" ({rb['message'][:300]})" if rb["message"] else ""))
        bad = [n for p, n in checks if not (exp and any(re.search(r, p) for r in exp[0]))]
        if exp and not odiff and not bad:
            expected.append((key, [exp[1]]))
        else:
            unexpected.append((key, notes + (bad or [n for _, n in checks])))
    for title, items in (("known simfs gaps (conformance/known_gaps.py), confirmed by the kernel",
                          known),
                         ("expected differences (scripts/qemu-kernel/expected_differences.py)",
                          expected),
                         ("UNEXPECTED differences: a bug in simfs or in a scenario", unexpected)):
        print(f"== {len(items)} {title}")
        for key, notes in items:
            print(f"  {key}")
            for n in notes:
                print(f"      {n}")
    print(f"simfs vs kernel: {len(a)} scenarios; {len(known)} known simfs gaps, "
          f"{len(expected)} expected differences, {len(unexpected)} unexpected")
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
