"""AP bus: bus attributes, apmask/aqmask grammar and ownership, probe gating, cards, queues.

Spec §4 and §8.3; kernel drivers/s390/crypto/{ap_bus.c,ap_card.c,ap_queue.c,zcrypt_card.c,
zcrypt_queue.c}.  Scenarios that rewrite whole masks or other bus-wide settings are marked exclusive.
"""

import re

import pytest

from .checks import EACCES, EBUSY, EINVAL, ENODEV, ENOENT, EOPNOTSUPP
from .helpers import (AP, ALL, U1, U2, apqn, create_ap_mdev, keep_masks, mask_hex, mask_show,
                      need_ap, need_vfio_ap, queue, release)
from .sysfs import open_err
from .topology import need

AREA = "AP bus and masks"
TOPOLOGY = "spec8.json"

BUS_FILES = ["ap_adapter_mask", "ap_control_domain_mask", "ap_domain", "ap_interrupts",
             "ap_max_adapter_id", "ap_max_domain_id", "ap_usage_domain_mask", "apmask", "aqmask",
             "bindings", "config_time", "devices", "drivers", "drivers_autoprobe",
             "drivers_probe", "features", "poll_thread", "poll_timeout", "scans", "uevent"]
CARD_FILES = ["ap_functions", "chkstop", "config", "depth", "driver", "hwtype", "load",
              "max_msg_size", "modalias", "online", "pendingq_count", "raw_hwtype",
              "request_count", "requestq_count", "subsystem", "type", "uevent"]
QUEUE_FILES = ["ap_functions", "chkstop", "config", "interrupt", "pendingq_count",
               "request_count", "requestq_count", "reset", "subsystem", "uevent"]


def _since(kver, files, optional):
    """@files without those of @optional ({name: version}) the kernel @kver does not have yet."""
    return [f for f in files if f not in optional or kver.at_least(optional[f])]


# chkstop came with ~v5.19, the card's max_msg_size with v6.x (spec §4.5).
CARD_SINCE = {"chkstop": "5.19", "max_msg_size": "6.0"}
QUEUE_SINCE = {"chkstop": "5.19"}
RESET_STATES = rb"(Reset in progress\.|Reset Timer armed\.|No Reset Timer set\.)\n"
IRQ_STATES = rb"(Enable Interrupt pending\.|Interrupts enabled\.|Interrupts disabled\.)\n"
MASK_RE = rb"0x[0-9a-f]{64}\n"


def ids_of(b) -> set:
    """The set of ids in a mask show ('0x' + 64 hex + '\\n')."""
    if not isinstance(b, bytes) or not re.fullmatch(MASK_RE, b):
        return set()
    v = int(b[2:66], 16)
    return {i for i in range(256) if v & (1 << (255 - i))}


def _queues(ap, adapters=None, domains=None):
    return [(c.id, d) for c in ap.cards for d in ap.usage_domains
            if (adapters is None or c.id in adapters) and (domains is None or d in domains)]


def _queue_uevent(driver):
    return b"DEVTYPE=ap_queue\n" + (f"DRIVER={driver}\n".encode() if driver else b"") + \
        b"MODE=accel\n"


def test_ap_bus_files(fs, topo, chk):
    """/sys/bus/ap has its bus attributes with modes 0644 (ap_domain, apmask, aqmask,
    config_time, poll_thread, poll_timeout, scans) or 0444, plus the standard bus files; the
    read formats are %d/%lu/%llu lines, 0x+64-hex masks, "<bound>/<total>[ (complete)]" and the
    ordered facility list.

    Source: drivers/s390/crypto/ap_bus.c (ap_bus_attrs, *_show); spec §4.2; oracle part 2 "AP BUS"."""
    ap = need_ap(topo)
    chk.dir(AP, BUS_FILES)
    for f in ("ap_domain", "apmask", "aqmask", "config_time", "poll_thread", "poll_timeout",
              "scans", "drivers_autoprobe"):
        chk.mode(f"{AP}/{f}", 0o644)
    for f in ("ap_adapter_mask", "ap_control_domain_mask", "ap_usage_domain_mask",
              "ap_interrupts", "ap_max_adapter_id", "ap_max_domain_id", "bindings", "features"):
        chk.mode(f"{AP}/{f}", 0o444)
    chk.mode(AP + "/drivers_probe", 0o200)
    chk.mode(AP + "/uevent", 0o200)
    chk.read(AP + "/ap_max_adapter_id", f"{ap.max_adapter}\n".encode())
    chk.read(AP + "/ap_max_domain_id", f"{ap.max_domain}\n".encode())
    if topo.source == "fixture":
        chk.read(AP + "/ap_adapter_mask", mask_show(c.id for c in ap.cards))
        chk.read(AP + "/ap_usage_domain_mask", mask_show(ap.usage_domains))
        chk.read(AP + "/ap_control_domain_mask", mask_show(ap.control_domains))
        chk.read(AP + "/ap_domain", f"{ap.domain}\n".encode())
    for f in ("ap_adapter_mask", "ap_usage_domain_mask", "ap_control_domain_mask", "apmask", "aqmask"):
        chk.read_match(f"{AP}/{f}", MASK_RE)
    chk.read_match(AP + "/ap_domain", rb"-?\d+\n")
    chk.read_match(AP + "/ap_interrupts", rb"[01]\n")
    chk.read_match(AP + "/poll_thread", rb"[01]\n")
    chk.read_match(AP + "/poll_timeout", rb"\d+\n")
    chk.read_match(AP + "/config_time", rb"\d+\n")
    chk.read_match(AP + "/scans", rb"\d+\n")
    chk.read_match(AP + "/features", rb"(APSC ?)?(APXA ?)?(QACT ?)?(RC8A ?)?(APSB ?)?\n|-\n")
    chk.read_match(AP + "/features", rb"([A-Z0-9]+( [A-Z0-9]+)*|-)\n", note="no trailing space")
    chk.read(AP + "/drivers_autoprobe", b"1\n")
    chk.read(AP + "/drivers_probe", open_err(EACCES))
    chk.read(AP + "/uevent", open_err(EACCES))
    chk.write(AP + "/ap_max_domain_id", b"5\n", open_err(EACCES), note="read-only")


def test_default_masks_and_bindings(fs, topo, chk):
    """By default apmask and aqmask are all ones (0x + 64 'f' + newline): every APQN is reserved
    for the default zcrypt drivers, and bindings counts the queue devices only:
    "<n>/<n> (complete)\\n".

    Source: drivers/s390/crypto/ap_bus.c (apmask_show, ap_perms init, bindings_show: ap_calc_bound_apqns counts queues); spec §4.2, §4.3, §8.3.1, correction 19; oracle part 2 "LOAD zcrypt"."""
    ap = need_ap(topo)
    need(topo.source == "fixture", "a host's masks are its configuration; checked on fixtures only")
    chk.read(AP + "/apmask", b"0x" + b"f" * 64 + b"\n")
    chk.read(AP + "/aqmask", b"0x" + b"f" * 64 + b"\n")
    n = len(ap.queues())
    chk.read(AP + "/bindings", f"{n}/{n} (complete)\n".encode())
    chk.read(AP + "/config_time", b"30\n")


def test_ap_root_device(fs, topo, chk):
    """/sys/devices/ap is a bus-less root device: card directories and an empty uevent, no
    subsystem; /sys/bus/ap/devices links cards and queues, which share the bus.

    Source: drivers/s390/crypto/ap_bus.c (ap_root_device = root_device_register("ap")), ap_card.c, ap_queue.c; spec §4.1, correction 2, 9; oracle part 2 "DIR /sys/devices/ap"."""
    ap = need_ap(topo)
    chk.read("/sys/devices/ap/uevent", b"")
    chk.absent("/sys/devices/ap/subsystem")
    chk.dir("/sys/devices/ap", [c.name for c in ap.cards] + ["uevent"], exact=False)
    for c in ap.cards:
        chk.link(f"{AP}/devices/{c.name}", f"../../../devices/ap/{c.name}")
    for a, d in _queues(ap):
        chk.link(f"{AP}/devices/{apqn(a, d)}", f"../../../devices/ap/card{a:02x}/{apqn(a, d)}")


def test_card_attributes(fs, topo, kver, chk):
    """A card bound to cex4card has ap_functions "0x%08X\\n" (upper case), hwtype (10..14),
    type CEX<n><A|C|P>, modalias "ap:t%02X\\n", config/online "1\\n", chkstop "0\\n" (~v5.19 and
    later), max_msg_size (v6.x), counters and a uevent
    "DEVTYPE=ap_card\\nDRIVER=cex4card\\nDEV_TYPE=%04X\\nMODALIAS=...\\nMODE=...\\n".

    Source: drivers/s390/crypto/ap_card.c (ap_card_dev_attrs), zcrypt_card.c (type, online, load), ap_bus.c (ap_uevent); spec §4.5, corrections 12, 20; oracle part 2 "DIR /sys/devices/ap/card03"."""
    ap = need_ap(topo)
    for c in ap.cards:
        p = f"/sys/devices/ap/{c.name}"
        chk.dir(p, _since(kver, CARD_FILES, CARD_SINCE) + [apqn(c.id, d) for d in ap.usage_domains],
                exact=False)
        for f in CARD_SINCE:
            if not kver.at_least(CARD_SINCE[f]):
                chk.absent(f"{p}/{f}", note=f"{f} came with v{CARD_SINCE[f]}")
        chk.read(p + "/hwtype", f"{c.hwtype}\n".encode())
        chk.read(p + "/type", f"{c.type}\n".encode())
        chk.read(p + "/modalias", f"ap:t{c.hwtype:02X}\n".encode())
        chk.read_match(p + "/ap_functions", rb"0x[0-9A-F]{8}\n")
        chk.read_match(p + "/raw_hwtype", rb"\d+\n")
        chk.read_match(p + "/depth", rb"\d+\n")
        if kver.at_least(CARD_SINCE["max_msg_size"]):
            chk.read_match(p + "/max_msg_size", rb"\d+\n")
        chk.read_match(p + "/load", rb"\d+\n")
        chk.read_match(p + "/request_count", rb"\d+\n")
        chk.read_match(p + "/requestq_count", rb"\d+\n")
        chk.read_match(p + "/pendingq_count", rb"\d+\n")
        chk.read(p + "/config", b"1\n")
        chk.read(p + "/online", b"1\n")
        if kver.at_least(CARD_SINCE["chkstop"]):
            chk.read(p + "/chkstop", b"0\n")
        chk.read(p + "/uevent", (f"DEVTYPE=ap_card\nDRIVER=cex4card\nDEV_TYPE={c.hwtype:04X}\n"
                                 f"MODALIAS=ap:t{c.hwtype:02X}\nMODE={c.mode}\n").encode())
        chk.link(p + "/driver", "../../../bus/ap/drivers/cex4card")
        chk.link(p + "/subsystem", "../../../bus/ap")
        for f in ("config", "request_count", "online", "uevent"):
            chk.mode(f"{p}/{f}", 0o644)
        for f in _since(kver, ("hwtype", "raw_hwtype", "depth", "ap_functions", "type", "modalias",
                               "chkstop", "max_msg_size", "load", "requestq_count",
                               "pendingq_count"), CARD_SINCE):
            chk.mode(f"{p}/{f}", 0o444)
        if c.mode == "accel":
            for extra in ("serialnr", "mkvps", "API_ordinalnr", "FW_version", "op_modes"):
                chk.absent(f"{p}/{extra}", note="no extras in accelerator mode")


def test_queue_attributes_under_cex4queue(fs, topo, kver, chk):
    """A reserved queue bound to cex4queue has the ap_queue files plus online (0644, "1\\n")
    and load; config "1\\n", chkstop "0\\n" (~v5.19 and later), request_count "%llu\\n", reset and interrupt states,
    ap_functions "0x%08X\\n", no status, and a uevent DEVTYPE/DRIVER/MODE.

    Source: drivers/s390/crypto/ap_queue.c (ap_queue_dev_attrs), zcrypt_queue.c (online, load), ap_bus.c (ap_uevent); spec §4.6, correction 12, 21; oracle part 2 "DIR /sys/devices/ap/card03/03.0004"."""
    ap = need_ap(topo)
    for a, d in _queues(ap):
        p = queue(a, d)
        if fs.driver(p) != "cex4queue":
            continue
        chk.dir(p, _since(kver, QUEUE_FILES, QUEUE_SINCE) + ["driver", "online", "load"],
                optional=["power", "se_bind", "se_associate"])
        chk.read(p + "/config", b"1\n")
        if kver.at_least(QUEUE_SINCE["chkstop"]):
            chk.read(p + "/chkstop", b"0\n")
        chk.read(p + "/online", b"1\n")
        chk.read_match(p + "/request_count", rb"\d+\n")
        chk.read_match(p + "/requestq_count", rb"\d+\n")
        chk.read_match(p + "/pendingq_count", rb"\d+\n")
        chk.read_match(p + "/load", rb"\d+\n")
        chk.read_match(p + "/reset", RESET_STATES)
        chk.read_match(p + "/interrupt", IRQ_STATES)
        chk.read_match(p + "/ap_functions", rb"0x[0-9A-F]{8}\n")
        chk.read(p + "/uevent", _queue_uevent("cex4queue"))
        chk.read(p + "/status", open_err(ENOENT), note="status exists only under vfio_ap")
        chk.link(p + "/driver", "../../../../bus/ap/drivers/cex4queue")
        chk.link(p + "/subsystem", "../../../../bus/ap")
        chk.link(f"{AP}/drivers/cex4queue/{apqn(a, d)}", f"../../../../devices/ap/card{a:02x}/{apqn(a, d)}")
        for f in ("request_count", "reset", "online", "uevent"):
            chk.mode(f"{p}/{f}", 0o644)
        for f in _since(kver, ("config", "chkstop", "interrupt", "ap_functions", "load",
                               "requestq_count", "pendingq_count"), QUEUE_SINCE):
            chk.mode(f"{p}/{f}", 0o444)


def test_release_adapters_to_vfio_ap(fs, topo, chk, undo):
    """"-A,-B" > apmask clears those adapter bits (relative write) and, before write returns,
    moves every queue of those adapters to vfio_ap: status "unassigned\\n", request_count "-\\n",
    no online/load, uevent DRIVER=vfio_ap; cex4queue no longer lists them; bindings still counts
    them bound.  "+A,+B" moves them back to cex4queue.

    Source: drivers/s390/crypto/ap_bus.c (apmask_store -> ap_bus_revise_bindings), vfio_ap_drv.c (vfio_ap_queue_dev_probe, status_show); spec §4.3, §8.3.2, corrections 18, 21; oracle part 2 "release APQNs to vfio_ap"."""
    ap = need_ap(topo, adapters=2)
    need_vfio_ap(fs)
    a1, a2 = ap.cards[0].id, ap.cards[1].id
    start = ids_of(fs.read(AP + "/apmask"))
    aq = ids_of(fs.read(AP + "/aqmask"))
    bindings = fs.read(AP + "/bindings")
    keep_masks(undo)
    chk.write(AP + "/apmask", f"-{a1},-{a2}\n", None)
    chk.read(AP + "/apmask", mask_show(start - {a1, a2}))
    for a, d in _queues(ap, adapters={a1, a2}):
        q = queue(a, d)
        chk.driver(q, "vfio_ap")
        chk.read(q + "/status", b"unassigned\n")
        chk.read(q + "/request_count", b"-\n", note="left its default driver")
        chk.absent(q + "/online")
        chk.absent(q + "/load")
        chk.read(q + "/uevent", _queue_uevent("vfio_ap"))
        chk.mode(q + "/status", 0o444)
        chk.absent(f"{AP}/drivers/cex4queue/{apqn(a, d)}")
        chk.link(f"{AP}/drivers/vfio_ap/{apqn(a, d)}", f"../../../../devices/ap/card{a:02x}/{apqn(a, d)}")
    for a, d in _queues(ap, adapters=set(c.id for c in ap.cards) - {a1, a2}):
        if d in aq:
            chk.driver(queue(a, d), "cex4queue", note="other adapters stay")
    chk.read(AP + "/bindings", bindings, note="vfio_ap bindings count as bound")
    chk.driver(f"/sys/devices/ap/card{a1:02x}", "cex4card", note="cards are not affected")
    chk.write(AP + "/apmask", f"+{a1},+{a2}\n", None)
    chk.read(AP + "/apmask", mask_show(start))
    for a, d in _queues(ap, adapters={a1, a2}):
        if d in aq:
            chk.driver(queue(a, d), "cex4queue")
            chk.exists(queue(a, d) + "/online")
            chk.absent(queue(a, d) + "/status")


def test_release_domains_to_vfio_ap(fs, topo, chk, undo):
    """Relative aqmask writes clear domain bits and move every queue of those domains to
    vfio_ap; the apmask is untouched.

    Source: drivers/s390/crypto/ap_bus.c (aqmask_store -> ap_parse_mask_str, ap_bus_revise_bindings); spec §4.3, §8.3.3; oracle part 2 "release APQNs" (aqmask -4)."""
    ap = need_ap(topo, domains=2)
    need_vfio_ap(fs)
    d1, d2 = ap.usage_domains[0], ap.usage_domains[1]
    start = ids_of(fs.read(AP + "/aqmask"))
    apm = fs.read(AP + "/apmask")
    keep_masks(undo)
    chk.write(AP + "/aqmask", f"-{d1},-0x{d2:x}\n", None)
    chk.read(AP + "/aqmask", mask_show(start - {d1, d2}))
    chk.read(AP + "/apmask", apm)
    for a, d in _queues(ap, domains={d1, d2}):
        chk.driver(queue(a, d), "vfio_ap")
        chk.read(queue(a, d) + "/status", b"unassigned\n")


# Mask grammar: (id, file, start ids, bytes written, errno or None, resulting ids or None=start)
F = set(ALL)
E = set()
GRAMMAR = [
    ("minus-one", "apmask", F, b"-5\n", None, F - {5}),
    ("plus-back", "apmask", F - {5}, b"+5\n", None, F),
    ("list-dec-hex", "apmask", F, b"-4,-0xab\n", None, F - {4, 0xab}),
    ("spec-example-aqmask", "aqmask", F, b"-4,-0x47,-0xab,-0xff\n", None, F - {4, 0x47, 0xab, 0xff}),
    ("range-dec", "apmask", F, b"-0-15\n", None, F - set(range(16))),
    ("range-hex", "apmask", F, b"-0x10-0x1f\n", None, F - set(range(16, 32))),
    ("range-set", "apmask", E, b"+10-20\n", None, set(range(10, 21))),
    ("left-to-right-set", "apmask", F, b"-3,+3\n", None, F),
    ("left-to-right-clear", "apmask", F, b"+3,-3\n", None, F - {3}),
    ("octal", "apmask", E, b"+010\n", None, {8}),
    ("hex-0x41", "apmask", E, b"+0x41\n", None, {65}),
    ("max-255-set", "apmask", E, b"+255\n", None, {255}),
    ("max-255-clear", "apmask", F, b"-255\n", None, F - {255}),
    ("trailing-comma", "apmask", E, b"+3,\n", None, {3}),
    ("double-comma", "apmask", {3, 4}, b"-3,,-4\n", None, E),
    ("newline-separator", "apmask", E, b"+1\n+2\n", None, {1, 2}),
    ("no-newline", "apmask", F, b"-7", None, F - {7}),
    ("two-items", "apmask", E, b"+5,+6\n", None, {5, 6}),
    ("id-256", "apmask", F, b"-256\n", EINVAL, None),
    ("plus-256", "apmask", E, b"+256\n", EINVAL, None),
    ("id-300", "apmask", F, b"-300\n", EINVAL, None),
    ("hex-0x100", "apmask", F, b"-0x100\n", EINVAL, None),
    ("space-after-comma", "apmask", E, b"+5, +6\n", EINVAL, None),
    ("trailing-space", "apmask", F, b"-3 \n", EINVAL, None),
    ("leading-space", "apmask", F, b" -3\n", EINVAL, None),
    ("semicolon", "apmask", F, b"-3;-4\n", EINVAL, None),
    ("bare-sign", "apmask", F, b"-\n", EINVAL, None),
    ("bad-hex-digit", "apmask", F, b"-0x3g\n", EINVAL, None),
    ("double-sign", "apmask", F, b"++1\n", EINVAL, None),
    ("missing-sign", "apmask", F, b"-1,2\n", EINVAL, None),
    ("reversed-range", "apmask", F, b"-15-3\n", EINVAL, None),
    ("reversed-range-plus", "apmask", E, b"+20-10\n", EINVAL, None),
    ("abs-zero", "apmask", F, b"0x0\n", None, E),
    ("abs-all", "apmask", E, b"0x" + b"f" * 64 + b"\n", None, F),
    ("abs-0x8", "apmask", F, b"0x8\n", None, {0}),
    ("abs-0x80", "apmask", F, b"0x80\n", None, {0}),
    ("abs-no-prefix", "apmask", F, b"8\n", None, {0}),
    ("abs-0x41", "apmask", F, b"0x41\n", None, {1, 7}),
    ("abs-left-aligned", "apmask", F, b"0x0123456789abcdef\n", None,
     ids_of(b"0x0123456789abcdef" + b"0" * 48 + b"\n")),
    ("abs-upper-case", "apmask", E, b"0xABCD\n", None, ids_of(b"0xabcd" + b"0" * 60 + b"\n")),
    ("abs-65-digits", "apmask", E, b"0x" + b"f" * 65 + b"\n", EINVAL, None),
    ("abs-garbage", "apmask", F, b"garbage\n", EINVAL, None),
    ("abs-trailing-space", "apmask", E, b"0x41 \n", EINVAL, None),
    ("abs-empty-line", "apmask", F, b"\n", None, E),
    ("abs-0x-only", "apmask", F, b"0x\n", None, E),
    ("abs-printf", "apmask", E, b"0x41", None, {1, 7}),
    ("zero-length", "apmask", {3}, b"", None, {3}),
    ("aq-minus-one", "aqmask", F, b"-5\n", None, F - {5}),
    ("aq-list", "aqmask", F - {5}, b"-4,-0xab\n", None, F - {4, 5, 0xab}),
    ("aq-plus", "aqmask", F - {4, 5, 0xab}, b"+4\n", None, F - {5, 0xab}),
    ("aq-range", "aqmask", F, b"-0-15\n", None, F - set(range(16))),
    ("aq-abs-zero", "aqmask", F, b"0x0\n", None, E),
    ("aq-abs-0x8", "aqmask", E, b"0x8\n", None, {0}),
    ("aq-id-256", "aqmask", {0}, b"-256\n", EINVAL, None),
    ("aq-garbage", "aqmask", {0}, b"garbage\n", EINVAL, None),
    ("aq-abs-all", "aqmask", {0}, b"0x" + b"f" * 64 + b"\n", None, F),
]


@pytest.mark.exclusive
@pytest.mark.parametrize("name,mfile,start,data,err,result", GRAMMAR, ids=[g[0] for g in GRAMMAR])
def test_mask_grammar(fs, topo, chk, undo, name, mfile, start, data, err, result):
    """apmask/aqmask writes: a first character other than +/- means an absolute hex value
    (optional 0x, up to 64 digits filled from the left, one optional newline; none = all zero);
    otherwise a list of +id/-id/+a-b items (base-auto numbers < 256, ranges ascending) separated
    by runs of ',' and '\\n', applied left to right.  Anything else is EINVAL and changes nothing.

    Source: drivers/s390/crypto/ap_bus.c (ap_parse_mask_str, modify_bitmap, hex2bitmap, apmask_store, aqmask_store); spec §4.3, §8.3.4-§8.3.6, correction 15; oracle part 2 "apmask writes" and "aqmask writes"."""
    need_ap(topo)
    path = f"{AP}/{mfile}"
    keep_masks(undo)
    chk.do(path, mask_hex(start) + "\n", note="set the starting mask")
    chk.write(path, data, err)
    chk.read(path, mask_show(start if result is None else result))


@pytest.mark.exclusive
def test_empty_apmask_moves_every_queue(fs, topo, chk, undo):
    """"echo > apmask" (a lone newline: zero digits) clears the whole mask and, before the write
    returns, every queue of the machine moves to vfio_ap; all ones brings every queue back to
    cex4queue.

    Source: drivers/s390/crypto/ap_bus.c (apmask_store: hex2bitmap with no digits, ap_bus_revise_bindings); spec §4.3, §8.3.6; oracle part 2 ("echo '' > apmask")."""
    ap = need_ap(topo)
    need_vfio_ap(fs)
    keep_masks(undo)
    chk.write(AP + "/apmask", b"\n", None)
    chk.read(AP + "/apmask", mask_show([]))
    for a, d in _queues(ap):
        chk.driver(queue(a, d), "vfio_ap")
    chk.write(AP + "/apmask", mask_hex(ALL) + "\n", None)
    aq = ids_of(fs.read(AP + "/aqmask"))
    for a, d in _queues(ap):
        chk.driver(queue(a, d), "cex4queue" if d in aq else "vfio_ap")


def test_same_value_is_a_no_op(fs, topo, chk, undo):
    """Writing the value a mask already has succeeds and rebinds nothing.

    Source: drivers/s390/crypto/ap_bus.c (ap_apmask_aqmask_store: bitmap_equal -> return count); spec §4.3 commit step 3, §8.3.7."""
    ap = need_ap(topo)
    need_vfio_ap(fs)
    a1 = ap.cards[0].id
    release(chk, undo, adapters=[a1])
    cur = fs.read(AP + "/apmask")
    drivers = {(a, d): fs.driver(queue(a, d)) for a, d in _queues(ap)}
    chk.write(AP + "/apmask", cur, None)
    chk.read(AP + "/apmask", cur)
    chk.true(all(fs.driver(queue(a, d)) == drv for (a, d), drv in drivers.items()),
             "no queue changed driver", str(drivers),
             str({k: fs.driver(queue(*k)) for k in drivers}))


def test_mask_write_refused_when_in_use(fs, topo, chk, undo):
    """A mask write fails with EBUSY, leaving the mask unchanged, only when an APQN held by an
    mdev would really go back to the default drivers, i.e. when after the write both its adapter
    is in apmask and its domain in aqmask.  So with U1 holding A.D (both released), "+A" to
    apmask succeeds while D is still clear, and then "+D" to aqmask is EBUSY; with A clear
    again, "+D" succeeds; an mdev holding A.D2 with D2 still in aqmask blocks "+A"; clearing
    bits is never refused.

    Source: drivers/s390/crypto/ap_bus.c (apmask_commit/aqmask_commit: newly set bits checked through ap_drv->in_use(ap_perms.apm, ...)), vfio_ap_ops.c (vfio_ap_mdev_resource_in_use -> vfio_ap_mdev_verify_no_sharing); spec §4.3 step 4, §8.3.8, corrections 16, 17; oracle part 2 "apmask/aqmask change that would take in-use queues back" (+3 then +4)."""
    ap = need_ap(topo, adapters=2, domains=2)
    need_vfio_ap(fs)
    a1, a2 = ap.cards[0].id, ap.cards[1].id
    d1, d2 = ap.usage_domains[0], ap.usage_domains[1]
    release(chk, undo, adapters=[a1], domains=[d1])
    m = create_ap_mdev(chk, undo, U1)
    chk.do(m + "/assign_adapter", f"{a1}\n")
    chk.do(m + "/assign_domain", f"{d1}\n")
    chk.write(AP + "/apmask", f"+{a1}\n", None, note=f"domain {d1} still clear in aqmask")
    chk.true(a1 in ids_of(fs.read(AP + "/apmask")), f"adapter {a1} is back in apmask")
    chk.driver(queue(a1, d1), "vfio_ap", note=f"{apqn(a1, d1)} stays non-default")
    aq = fs.read(AP + "/aqmask")
    chk.write(AP + "/aqmask", f"+{d1}\n", EBUSY, note=f"{apqn(a1, d1)} is held by U1")
    chk.read(AP + "/aqmask", aq)
    chk.write(AP + "/apmask", f"-{a1}\n", None, note="clearing is never refused")
    m2 = create_ap_mdev(chk, undo, U2)
    chk.do(m2 + "/assign_domain", f"{d2}\n")
    chk.do(m2 + "/assign_adapter", f"{a1}\n")
    apm = fs.read(AP + "/apmask")
    chk.write(AP + "/apmask", f"+{a1}\n", EBUSY, note=f"{apqn(a1, d2)} (domain set in aqmask) held by U2")
    chk.read(AP + "/apmask", apm)
    chk.write(AP + "/apmask", f"-{a2}\n", None, note="clearing another adapter")
    chk.write(AP + "/aqmask", f"+{d1}\n", None, note=f"adapter {a1} is clear: {apqn(a1, d1)} stays "
              "non-default")
    chk.true(d1 in ids_of(fs.read(AP + "/aqmask")), f"domain {d1} is back in aqmask")
    chk.driver(queue(a1, d1), "vfio_ap")


def test_probe_gating_and_bind_order(fs, topo, kver, chk, undo):
    """Manual binds obey the masks: cex4queue/bind of an unreserved unbound queue is ENODEV and
    vfio_ap/bind of it succeeds; vfio_ap/bind of a reserved queue is EBUSY while cex4queue holds
    it (the driver core's bound check comes first) and ENODEV once it is unbound.

    Source: drivers/s390/crypto/ap_bus.c (ap_device_probe: ap_owned_by_def_drv checks), drivers/base/bus.c (bind_store: EBUSY before probe); spec §4.4, §8.3.9, correction 4; oracle part 2 "guest_matrix filtering and queue driver bind/unbind"."""
    ap = need_ap(topo, adapters=2)
    need_vfio_ap(fs)
    a1, a2 = ap.cards[0].id, ap.cards[1].id
    d = ap.usage_domains[0]
    free, reserved = apqn(a1, d), apqn(a2, d)
    release(chk, undo, adapters=[a1])
    undo.ap_queue_binding(free)
    undo.ap_queue_binding(reserved)
    chk.do(f"{AP}/drivers/vfio_ap/unbind", free + "\n")
    chk.driver(queue(a1, d), None)
    chk.write(f"{AP}/drivers/cex4queue/bind", free + "\n", ENODEV, note="not reserved")
    chk.driver(queue(a1, d), None)
    chk.write(f"{AP}/drivers/vfio_ap/bind", free + "\n", None)
    chk.driver(queue(a1, d), "vfio_ap")
    # The bound check is ~v5.13's: before, bind of a bound device succeeded and did nothing.
    chk.write(f"{AP}/drivers/vfio_ap/bind", reserved + "\n", EBUSY if kver.at_least("5.13") else None,
              note="bound to cex4queue")
    chk.driver(queue(a2, d), "cex4queue")
    chk.write(f"{AP}/drivers/cex4queue/unbind", reserved + "\n", None)
    chk.write(f"{AP}/drivers/vfio_ap/bind", reserved + "\n", ENODEV, note="reserved, unbound")
    chk.write(f"{AP}/drivers/cex4queue/bind", reserved + "\n", None)
    chk.driver(queue(a2, d), "cex4queue")
    chk.write(f"{AP}/drivers/vfio_ap/bind", b"ff.ffff\n", ENODEV, note="no such queue")
    chk.write(f"{AP}/drivers/vfio_ap/unbind", reserved + "\n", ENODEV, note="not bound to vfio_ap")


@pytest.mark.exclusive
def test_ap_domain(fs, topo, chk, undo):
    """ap_domain (sscanf %i) accepts a domain <= ap_max_domain_id whose bit is set in aqmask and
    reads it back; above the maximum, or with the aqmask bit clear, it is EINVAL.

    Source: drivers/s390/crypto/ap_bus.c (ap_domain_store); spec §4.2, §8.3.10; oracle part 2 "aqmask writes" (ap_domain 42, 85, 4)."""
    ap = need_ap(topo, domains=2)
    d1, d2 = ap.usage_domains[0], ap.usage_domains[1]
    p = AP + "/ap_domain"
    undo.value(p)
    keep_masks(undo)
    cur = fs.read(p)
    chk.write(p, b"300\n", EINVAL)
    chk.write(p, f"{ap.max_domain + 1}\n", EINVAL, note="above ap_max_domain_id")
    chk.read(p, cur)
    chk.write(p, f"{d2}\n", None)
    chk.read(p, f"{d2}\n".encode())
    chk.write(p, f"0x{d1:x}\n", None, note="%i takes hex")
    chk.read(p, f"{d1}\n".encode())
    chk.do(AP + "/aqmask", f"-{d2}\n")
    chk.write(p, f"{d2}\n", EINVAL, note="bit clear in aqmask")
    chk.read(p, f"{d1}\n".encode())


@pytest.mark.exclusive
def test_config_time_poll_timeout_poll_thread(fs, topo, chk, undo):
    """config_time takes 5..120 (else EINVAL); poll_timeout rejects values above 120 s in ns and
    non-numbers; poll_thread is a kstrtobool (else EINVAL).

    Source: drivers/s390/crypto/ap_bus.c (config_time_store, poll_timeout_store, poll_thread_store); spec §4.2, §8.3.10."""
    need_ap(topo)
    ct = AP + "/config_time"
    undo.value(ct)
    chk.write(ct, b"4\n", EINVAL)
    chk.write(ct, b"121\n", EINVAL)
    chk.write(ct, b"5\n", None)
    chk.read(ct, b"5\n")
    chk.write(ct, b"120\n", None)
    chk.read(ct, b"120\n")
    pt = AP + "/poll_timeout"
    undo.value(pt)
    cur = fs.read(pt)
    chk.write(pt, b"120000000001\n", EINVAL)
    chk.write(pt, b"abc\n", EINVAL)
    chk.read(pt, cur)
    th = AP + "/poll_thread"
    undo.value(th)
    cur = fs.read(th)
    chk.write(th, b"2\n", EINVAL)
    chk.write(th, b"x\n", EINVAL)
    chk.read(th, cur)


def test_scans_write_rescans(fs, topo, chk, undo):
    """Any write to scans forces a synchronous bus scan: the counter goes up by one.

    Source: drivers/s390/crypto/ap_bus.c (scans_store -> ap_bus_force_rescan, scans_show); spec §4.2."""
    need_ap(topo)
    v = fs.read_text(AP + "/scans")
    need(v and v.isdigit(), "scans unreadable")
    chk.write(AP + "/scans", b"1\n", None)
    chk.read(AP + "/scans", f"{int(v) + 1}\n".encode())


def test_card_online_propagates(fs, topo, chk, undo):
    """Writing 0 to a card's online sets the card and every queue of it offline; a queue cannot
    go online while its card is offline (EINVAL); online accepts only 0/1 (EINVAL); writing 1 to
    the card brings card and queues back.

    Source: drivers/s390/crypto/zcrypt_card.c (online_store: zcrypt_card_online propagates to queues), zcrypt_queue.c (online_store: card offline -> -EINVAL); spec §4.5, §4.6, §8.3.11; oracle part 2 (card05 online 0/1)."""
    ap = need_ap(topo)
    c = ap.cards[-1]
    p = f"/sys/devices/ap/{c.name}"
    undo.value(p + "/online")
    qs = [queue(c.id, d) for d in ap.usage_domains if fs.driver(queue(c.id, d)) == "cex4queue"]
    for q in qs:
        undo.value(q + "/online")
    chk.write(p + "/online", b"2\n", EINVAL)
    chk.write(p + "/online", b"0\n", None)
    chk.read(p + "/online", b"0\n")
    for q in qs:
        chk.read(q + "/online", b"0\n", note="propagated from the card")
    if qs:
        chk.write(qs[0] + "/online", b"1\n", EINVAL, note="card is offline")
        chk.write(qs[0] + "/online", b"2\n", EINVAL)
    chk.write(p + "/online", b"1\n", None)
    chk.read(p + "/online", b"1\n")
    for q in qs:
        chk.read(q + "/online", b"1\n")
    if qs:
        chk.write(qs[0] + "/online", b"0\n", None)
        chk.read(qs[0] + "/online", b"0\n")
        chk.write(qs[0] + "/online", b"1\n", None)
        chk.read(qs[0] + "/online", b"1\n")


def test_card_config(fs, topo, chk, undo):
    """A card's config accepts only 0 or 1 (EINVAL); a change goes to the firmware (SCLP), whose
    errno passes through (EOPNOTSUPP without SCLP AP configuration, config stays 1); when the
    card is deconfigured, online 1 is ENODEV.

    Source: drivers/s390/crypto/ap_card.c (config_store -> sclp_ap_configure/deconfigure), zcrypt_card.c (online_store: !config -> -ENODEV); spec §4.5, §8.3.11, correction 20; oracle part 2 (card05 config 0)."""
    ap = need_ap(topo)
    c = ap.cards[-1]
    p = f"/sys/devices/ap/{c.name}"
    undo.value(p + "/config")
    undo.value(p + "/online")
    chk.write(p + "/config", b"2\n", EINVAL)
    r = fs.write(p + "/config", b"0\n")
    if r is not None:
        chk.true(r.stage == "write" and r.errno == EOPNOTSUPP,
                 "deconfigure without SCLP AP support", "EOPNOTSUPP at write", str(r),
                 path=p + "/config")
        chk.read(p + "/config", b"1\n")
    else:
        chk.read(p + "/config", b"0\n")
        chk.write(p + "/online", b"1\n", ENODEV, note="card deconfigured")
        chk.write(p + "/config", b"1\n", None)
        chk.read(p + "/config", b"1\n")


def test_counters_and_reset_writes(fs, topo, chk, undo):
    """Any write to a card's request_count resets it to "0\\n"; any write to a queue's reset
    triggers a reset and succeeds, after which reset shows one of its three states.

    Source: drivers/s390/crypto/ap_card.c (request_count_store), ap_queue.c (reset_store, reset_show); spec §4.5, §4.6, correction 21; oracle part 2 ("1" > 03.0004/reset)."""
    ap = need_ap(topo)
    c = ap.cards[0]
    chk.write(f"/sys/devices/ap/{c.name}/request_count", b"0\n", None)
    chk.read(f"/sys/devices/ap/{c.name}/request_count", b"0\n")
    q = queue(c.id, ap.usage_domains[0])
    chk.write(q + "/reset", b"1\n", None)
    chk.read_match(q + "/reset", RESET_STATES)
    chk.write(q + "/interrupt", b"1\n", open_err(EACCES), note="read-only")
