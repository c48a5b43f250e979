"""s390-tools 2.16 (Debian 12's s390x binaries through qemu-user), unmodified,
inside `simfs run`: lscss, lscss --vfio, lszcrypt (-V, -b, -d, -c, by id)
and chzcrypt -e/-d.

The expected tables are built the way the tools build them (util_rec's wide
format, see toolhelp.rec_table) from the hardware in s390-host.json:
  * lscss (zconf/css/lscss.c): Device 8, Subchan. 9, DevType 7, CU Type 7,
    Use 4 ("yes" when online), PIM 3, PAM 3, POM 4 (from pimpampom, %02x),
    CHPIDs 17 (chpids without blanks, "%.8s %.8s"); a subchannel without a
    ccw device shows "none"; --vfio: MDEV 37 (the first UUID-named directory
    of a subchannel whose driver is vfio_ccw), Subchan., PIM, PAM, POM, CHPIDs.
  * lszcrypt (zconf/zcrypt/lszcrypt.c of 2.16): CARD.DOMAIN 11, TYPE 5, MODE 11
    (CCA-Coproc if ap_functions has 0x10000000, Accelerator if 0x08000000),
    STATUS 8 (online / offline; "-" without an online attribute), REQUESTS 8
    right; -V adds PENDING 8 (pendingq_count + requestq_count), HWTYPE 6,
    QDEPTH 6 (depth + 1, %02d), FUNCTIONS 10 (letters SMCDAXNFR per bit) and
    DRIVER 11.  Without -V, queues without a readable `online` (bound to
    vfio_ap) are not listed.
The sysfs facts are the 6.12 kernel's: a CEX7 is hwtype 13, a CEX8 hwtype
14; a queue bound to vfio_ap has no `online` and its request_count reads "-";
a card's `online` is propagated to its queues; a queue cannot go online while
its card is offline (EINVAL).
"""
from .s390model import (CARDS, LSCSS, LSCSS_VFIO, ZDEF, ZVERB, domains, lscss_rows, zcrypt)
from .toolhelp import U1, assert_lines, rec_table, require, run_steps

def test_lscss_and_lscss_vfio(tmp_path):
    require("lscss")
    sch = "/sys/bus/css/devices/0.0.0313"
    r = run_steps(tmp_path, [
        ("lscss", "lscss"),
        ("lscss-range", "lscss 0.0.0313-0.0.0314"),
        ("vfio-none", "lscss --vfio"),
        # The admin's way to vfio-ccw, by hand: unbind, override, reprobe, create.
        ("to-vfio", f"echo 0.0.0313 > {sch}/driver/unbind && echo vfio_ccw > {sch}/driver_override && "
                    f"echo 0.0.0313 > /sys/bus/css/drivers_probe && readlink {sch}/driver"),
        ("vfio-no-mdev", "lscss --vfio"),
        ("create", f"echo {U1} > {sch}/mdev_supported_types/vfio_ccw-io/create"),
        ("lscss-vfio-bound", "lscss"),
        ("vfio", "lscss --vfio"),
        ("vfio-upper", "lscss --vfio -u"),
    ])
    assert_lines(r["lscss"], rec_table(LSCSS, lscss_rows()) + [""])
    assert_lines(r["lscss-range"], rec_table(LSCSS, lscss_rows()[1:]) + [""])
    assert_lines(r["vfio-none"], rec_table(LSCSS_VFIO, []) + [""])
    assert_lines(r["to-vfio"], ["../../../bus/css/drivers/vfio_ccw", ""])
    vfio_row = lambda m: [m, "0.0.0313", "c0", "c0", "ff", "40410000 00000000"]
    assert_lines(r["vfio-no-mdev"], rec_table(LSCSS_VFIO, [vfio_row("none")]) + [""])
    assert r["create"].rc == 0
    # The subchannel has no ccw device while vfio_ccw drives it.
    assert_lines(r["lscss-vfio-bound"], rec_table(LSCSS, lscss_rows(no_device=("0.0.0313",))) + [""])
    assert_lines(r["vfio"], rec_table(LSCSS_VFIO, [vfio_row(U1)]) + [""])
    assert_lines(r["vfio-upper"], rec_table(LSCSS_VFIO, [[U1.upper(), "0.0.0313", "C0", "C0", "FF",
                                                          "40410000 00000000"]]) + [""])


def test_lszcrypt_before_and_after_a_mask_change(tmp_path):
    require("lszcrypt")
    r = run_steps(tmp_path, [
        ("default", "lszcrypt"),
        ("verbose", "lszcrypt -V"),
        ("bus", "lszcrypt -b"),
        ("domains", "lszcrypt -d"),
        ("cap5", "lszcrypt -c 5"),
        ("cap6", "lszcrypt -c 6"),
        # Give adapter 5 to vfio_ap: its queues leave cex4queue.
        ("mask", "echo -5 > /sys/bus/ap/apmask && cat /sys/bus/ap/apmask"),
        ("default-after", "lszcrypt"),
        ("verbose-after", "lszcrypt -V"),
        ("bus-after", "lszcrypt -b"),
        ("queue", "lszcrypt -V 05.00ab"),
        ("domain", "lszcrypt .0047"),
    ])
    assert_lines(r["default"], zcrypt())
    assert_lines(r["verbose"], zcrypt(verbose=True))
    bus = ["ap_domain=0x4", "ap_max_domain_id=0xff", "ap_interrupts are disabled",
           "config_time=30 (seconds)", "poll_thread is disabled", "poll_timeout=250000 (nanoseconds)", ""]
    assert_lines(r["bus"], bus)
    assert_lines(r["domains"], domains())
    assert_lines(r["cap5"], ["card05 provides capability for:", "RSA 4K Clear Key",
                             "CCA Secure Key (full function set)", "Long RNG", ""])
    # lszcrypt 2.16 knows hardware types up to 13 (CEX7): a CEX8 gets no detail.
    assert_lines(r["cap6"], ["card06 provides capability for:",
                             "Detailed capability information for card06 (hardware type 14) is not available.", ""])
    assert_lines(r["mask"], ["0xfb" + "f" * 62, ""])
    assert_lines(r["default-after"], zcrypt(vfio_adapters=(5,)))
    assert_lines(r["verbose-after"], zcrypt(verbose=True, vfio_adapters=(5,)))
    assert_lines(r["bus-after"], bus)
    fields = ZDEF + ZVERB
    assert_lines(r["queue"], rec_table(fields, [["05.00ab", "CEX7C", "CCA-Coproc", "-", "-", "0", "13", "09",
                                                 "S--D--NF-", "vfio_ap"]]) + [""])
    assert_lines(r["domain"], rec_table(ZDEF, [["06.0047", "CEX8A", "Accelerator", "online", "0"]]) + [""])


def test_chzcrypt_enable_disable(tmp_path):
    require("lszcrypt", "chzcrypt")
    r = run_steps(tmp_path, [
        ("card-off", "chzcrypt -V -d 06"),
        ("list-card-off", "lszcrypt 06"),
        ("queue-on-refused", "chzcrypt -e 06.0047"),
        ("card-on", "chzcrypt -V -e 0x06"),
        ("list-card-on", "lszcrypt 06"),
        ("queue-off", "chzcrypt -d 06.0047"),
        ("list-queue-off", "lszcrypt"),
        ("queue-on", "chzcrypt -V -e 06.0047"),
        ("list-end", "lszcrypt -V"),
        ("no-such", "chzcrypt -e 07"),
    ])
    card6 = [c for c in CARDS if c[0] == 6]
    assert_lines(r["card-off"], ["Setting cryptographic device card06 offline", ""])
    # The card's online is propagated to every queue of it.
    assert_lines(r["list-card-off"], zcrypt(cards=card6, offline=("06",)))
    q = r["queue-on-refused"]
    assert q.rc == 1 and q.out == "", q
    assert_lines(q, ["chzcrypt: Error - unable to set cryptographic device card06/06.0047 online.", ""],
                 stream="err")
    assert_lines(r["card-on"], ["Setting cryptographic device card06 online", ""])
    assert_lines(r["list-card-on"], zcrypt(cards=card6))
    assert (r["queue-off"].rc, r["queue-off"].out, r["queue-off"].err) == (0, "", "")
    assert_lines(r["list-queue-off"], zcrypt(offline=("06.0047",)))
    assert_lines(r["queue-on"], ["Setting cryptographic device card06/06.0047 online", ""])
    assert_lines(r["list-end"], zcrypt(verbose=True))
    assert r["no-such"].rc == 1
    assert_lines(r["no-such"], ["chzcrypt: Error - cryptographic device card07 does not exist.", ""],
                 stream="err")
