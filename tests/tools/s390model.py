"""The expected output of s390-tools 2.16 for the hardware in s390-host.json,
built the way the tools build it (see test_s390_tools.py for the derivation)."""
from .toolhelp import rec_table

LSCSS = [("Device", 8, "L"), ("Subchan.", 9, "L"), ("DevType", 7, "L"), ("CU Type", 7, "L"),
         ("Use", 4, "L"), ("PIM", 3, "L"), ("PAM", 3, "L"), ("POM", 4, "L"), ("CHPIDs", 17, "L")]
LSCSS_VFIO = [("MDEV", 37, "L"), ("Subchan.", 9, "L"), ("PIM", 3, "L"), ("PAM", 3, "L"),
              ("POM", 4, "L"), ("CHPIDs", 17, "L")]
ZDEF = [("CARD.DOMAIN", 11, "L"), ("TYPE", 5, "L"), ("MODE", 11, "L"), ("STATUS", 8, "L"),
        ("REQUESTS", 8, "R")]
ZVERB = [("PENDING", 8, "R"), ("HWTYPE", 6, "R"), ("QDEPTH", 6, "R"), ("FUNCTIONS", 10, "L"),
         ("DRIVER", 11, "L")]

# s390-host.json: subchannels (schid, devno, devtype, cutype, online, pim, pam, pom, chpids)
SUBCHANNELS = [
    ("0.0.0200", "0.0.f500", "1732/01", "1731/01", False, "80", "80", "ff", ["10"]),
    ("0.0.0313", "0.0.2b09", "3390/0c", "3990/e9", False, "c0", "c0", "ff", ["40", "41"]),
    ("0.0.0314", "0.0.2b0a", "3390/0c", "3990/e9", True, "c0", "80", "ff", ["40", "41"]),
]
# cards: id, type, ap_functions, depth; hwtype from the type (CEX7 13, CEX8 14)
CARDS = [(5, "CEX7C", 0x92800000, 8, 13), (6, "CEX8A", 0x6A000000, 8, 14)]
USAGE = [0x04, 0x47, 0xab]
CONTROL = [0x04, 0x47, 0xab, 0xc8]
FAC = [(0x80000000, "S"), (0x40000000, "M"), (0x20000000, "C"), (0x10000000, "D"), (0x08000000, "A"),
       (0x04000000, "X"), (0x02000000, "N"), (0x00800000, "F"), (0x00400000, "R")]


def chpid_field(chpids):
    s = "".join(chpids + ["00"] * (8 - len(chpids)))
    return f"{s[:8]} {s[8:16]}"


def lscss_rows(no_device=()):
    rows = []
    for sch, dev, dt, cu, online, pim, pam, pom, chp in SUBCHANNELS:
        if sch in no_device:
            rows.append(["none", sch, "", "", "", pim, pam, pom, chpid_field(chp)])
        else:
            rows.append([dev, sch, dt, cu, "yes" if online else "", pim, pam, pom, chpid_field(chp)])
    return rows


def mode(fn):
    return "CCA-Coproc" if fn & 0x10000000 else "Accelerator" if fn & 0x08000000 else \
        "EP11-Coproc" if fn & 0x04000000 else "Unknown"


def zcrypt_rows(verbose, cards=CARDS, vfio_adapters=(), vfio_queues=(), offline=()):
    """lszcrypt's rows; @vfio_adapters: adapters whose queues are bound to vfio_ap,
    @vfio_queues: more such queues ("05.00ab"); @offline: card ids ("06") and
    queue ids ("06.0047") that are offline."""
    rows = []
    for cid, ctype, fn, depth, hwtype in cards:
        card = f"{cid:02x}"
        fac = "".join(c if fn & m else "-" for m, c in FAC)
        extra = ["0", str(hwtype), f"{depth + 1:02d}", fac]
        row = [card, ctype, mode(fn), "offline" if card in offline else "online", "0"]
        rows.append(row + (extra + ["cex4card"] if verbose else []))
        for dom in USAGE:
            q = f"{cid:02x}.{dom:04x}"
            if cid in vfio_adapters or q in vfio_queues:
                if verbose:
                    rows.append([q, ctype, mode(fn), "-", "-"] + extra + ["vfio_ap"])
                continue
            status = "offline" if card in offline or q in offline else "online"
            rows.append([q, ctype, mode(fn), status, "0"] + (extra + ["cex4queue"] if verbose else []))
    return rows


def zcrypt(verbose=False, **kw):
    return rec_table(ZDEF + (ZVERB if verbose else []), zcrypt_rows(verbose, **kw)) + [""]


def domains():
    hdr = [("DOMAIN", 6, "R")] + [(f"{i:02x}", 2, "R") for i in range(16)]
    rows = []
    for r in range(16):
        row = [f"{r * 16:02x}"]
        for c in range(16):
            d = r * 16 + c
            row.append("B" if d in USAGE and d in CONTROL else "C" if d in CONTROL else
                       "U" if d in USAGE else ".")
        rows.append(row)
    return rec_table(hdr, rows) + ["-" * 54, "C: Control domain", "U: Usage domain",
                                   "B: Both (Control + Usage domain)", ""]
