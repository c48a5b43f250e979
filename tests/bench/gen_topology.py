#!/usr/bin/env python3
"""Write a large topology fixture: SSIDS x SUBCHANNELS I/O subchannels, each
with a DASD, and CARDS adapters x DOMAINS usage domains.

    gen_topology.py [--ssids N] [--subchannels N] [--cards N] [--domains N] [--listed] OUT.json

The whole-mainframe case is --ssids 4 --subchannels 65536 --cards 256 --domains 256.
Subchannels come in runs of 4,096 written as one entry with "count" (each run
on its own pair of chpids); --listed writes one entry per subchannel instead,
the way `simfs record` does, for the same machine.
"""
import argparse
import json


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ssids", type=int, default=1)
    ap.add_argument("--subchannels", type=int, default=8192, help="per subchannel set")
    ap.add_argument("--cards", type=int, default=16)
    ap.add_argument("--domains", type=int, default=85)
    ap.add_argument("--listed", action="store_true", help="one entry per subchannel, no counts")
    ap.add_argument("out")
    a = ap.parse_args()
    if not (1 <= a.ssids <= 4 and 0 <= a.subchannels <= 65536 and 0 <= a.cards <= 256 and 0 <= a.domains <= 256):
        ap.error("out of range: ssids 1..4, subchannels 0..65536, cards 0..256, domains 0..256")

    chpids = [f"{i:02x}" for i in range(0x40, 0x48)]
    run = 4096
    schs = []
    for ssid in range(a.ssids):
        for start in range(0, a.subchannels, run):
            count = min(run, a.subchannels - start)
            pair = [chpids[start // run % 8], chpids[(start // run + 1) % 8]]
            for n in range(start, start + count) if a.listed else [start]:
                sch = {
                    "schid": f"0.{ssid}.{n:04x}",
                    "chpids": pair,
                    "device": {"devno": f"0.{ssid}.{n:04x}", "cutype": "3990/e9", "devtype": "3390/0c",
                               "driver": "dasd-eckd"},
                }
                if not a.listed:
                    sch["count"] = count
                schs.append(sch)
    doc = {
        "description": f"generated: {a.ssids}x{a.subchannels} subchannels with DASDs, "
                       f"{a.cards} cards x {a.domains} domains",
        "css": {"chpids": [{"id": c, "type": "1b"} for c in chpids], "subchannels": schs},
    }
    if a.cards:
        doc["ap"] = {
            "max_adapter_id": 255, "max_domain_id": 255,
            "usage_domains": list(range(a.domains)),
            "cards": [{"id": i, "type": "CEX7C" if i % 2 else "CEX8A"} for i in range(a.cards)],
        }
    with open(a.out, "w") as f:
        json.dump(doc, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
