"""What the scenarios may assume about the machine behind a target.

A *topology* names hardware: subchannels with their devices, channel paths, AP
cards, usage and control domains.  It comes from

* a fixture JSON (``--target sim``: the file given to ``simfs --topology``;
  ``--target path:DIR``: the fixture the tree was made from), in the format of
  ``fixtures/default.json``; or
* read-only discovery of a real host (``--target host``), restricted to the
  resources named on the command line (``--ccw``, ``--ccw-qdio``, ``--apqn``).

Scenarios never hard-code device numbers: they ask for a *role* (``io_sch``:
an I/O subchannel with a device the suite may rebind; ``qdio_sch``; two AP
adapters ...) and the expected bytes are derived from the topology, so the same
scenario runs unchanged on every target.  A role the target cannot provide
makes the scenario skip with the reason.

This module reads fixtures only through their documented JSON format, never
through simfs internals.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import List, Optional

import pytest

from .sysfs import Sysfs

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def find_fixture(name: str) -> Optional[str]:
    """The repository's fixtures/ first (simfs's own, e.g. oracle-css.json), then
    conformance/fixtures (the suite's own, e.g. spec8.json, and fallbacks)."""
    if os.path.isabs(name):
        return name if os.path.exists(name) else None
    for d in (os.path.join(REPO, "fixtures"), os.path.join(HERE, "fixtures")):
        p = os.path.join(d, name)
        if os.path.exists(p):
            return p
    return None


@dataclass
class CcwDevice:
    busid: str              # 0.0.2b09
    cutype: str             # 3990/e9
    devtype: str            # 3390/0c or n/a
    driver: Optional[str]   # dasd-eckd, virtio_ccw, ...
    online: bool

    def _split(self, s: str):
        if s in ("n/a", "0000/00", "", None):
            return 0, 0
        t, m = s.split("/")
        return int(t, 16), int(m, 16)

    @property
    def cu(self):
        return self._split(self.cutype)

    @property
    def dev(self):
        return self._split(self.devtype)

    def devtype_show(self) -> bytes:
        t, m = self.dev
        return b"n/a\n" if t == 0 else f"{t:04x}/{m:02x}\n".encode()

    def cutype_show(self) -> bytes:
        t, m = self.cu
        return f"{t:04x}/{m:02x}\n".encode()

    def modalias(self) -> str:
        ct, cm = self.cu
        dt, dm = self.dev
        if dt == 0:
            return f"ccw:t{ct:04X}m{cm:02X}dtdm"
        return f"ccw:t{ct:04X}m{cm:02X}dt{dt:04X}dm{dm:02X}"

    def uevent(self, with_driver: bool = True) -> bytes:
        ct, cm = self.cu
        dt, dm = self.dev
        lines = []
        if with_driver and self.driver:
            lines.append(f"DRIVER={self.driver}")
        lines += [f"CU_TYPE={ct:04X}", f"CU_MODEL={cm:02X}", f"DEV_TYPE={dt:04X}",
                  f"DEV_MODEL={dm:02X}", f"MODALIAS={self.modalias()}"]
        return ("\n".join(lines) + "\n").encode()


@dataclass
class Subchannel:
    schid: str
    qdio: bool
    chpids: List[str]
    pim: Optional[str]
    pam: Optional[str]
    pom: Optional[str]
    device: Optional[CcwDevice]

    def chpids_show(self) -> Optional[bytes]:
        """8 fields '%02x ' for the paths in the path-installed mask, then '\\n'."""
        if self.pim is None:
            return None
        pim = int(self.pim, 16)
        fields = []
        for i in range(8):
            if pim & (0x80 >> i) and i < len(self.chpids):
                fields.append(f"{int(self.chpids[i], 16):02x} ")
            else:
                fields.append("00 ")
        return ("".join(fields) + "\n").encode()

    def pimpampom_show(self) -> Optional[bytes]:
        if None in (self.pim, self.pam, self.pom):
            return None
        return f"{int(self.pim, 16):02x} {int(self.pam, 16):02x} {int(self.pom, 16):02x}\n".encode()


@dataclass
class Chpid:
    id: str          # "40"
    type: str        # "1b"

    @property
    def name(self) -> str:
        return f"chp0.{int(self.id, 16):02x}"


@dataclass
class Card:
    id: int
    type: str        # CEX7A

    @property
    def gen(self) -> int:
        return int(re.match(r"CEX(\d+)", self.type).group(1))

    @property
    def hwtype(self) -> int:
        return self.gen + 6          # CEX4 = 10 ... CEX8 = 14

    @property
    def mode(self) -> str:
        return {"A": "accel", "C": "cca", "P": "ep11"}[self.type[-1]]

    @property
    def name(self) -> str:
        return f"card{self.id:02x}"


@dataclass
class Ap:
    max_adapter: int
    max_domain: int
    domain: int
    usage_domains: List[int]
    control_domains: List[int]
    cards: List[Card]

    def card(self, adapter: int) -> Card:
        return next(c for c in self.cards if c.id == adapter)

    def queues(self) -> List[str]:
        return [f"{c.id:02x}.{d:04x}" for c in sorted(self.cards, key=lambda c: c.id)
                for d in sorted(self.usage_domains)]


@dataclass
class Topology:
    name: str
    kernel: Optional[str]
    chpids: List[Chpid] = field(default_factory=list)
    subchannels: List[Subchannel] = field(default_factory=list)
    ap: Optional[Ap] = None
    source: str = "fixture"      # or "host"

    # -- roles ---------------------------------------------------------------
    def io_subchannels(self) -> List[Subchannel]:
        return [s for s in self.subchannels if not s.qdio and s.device is not None]

    def qdio_subchannels(self) -> List[Subchannel]:
        return [s for s in self.subchannels if s.qdio]

    def chpid(self, id_: str) -> Optional[Chpid]:
        return next((c for c in self.chpids if int(c.id, 16) == int(id_, 16)), None)


def _dev(d: dict) -> CcwDevice:
    return CcwDevice(busid=d["devno"], cutype=d.get("cutype", "0000/00"),
                     devtype=d.get("devtype", "n/a"), driver=d.get("driver"),
                     # a device its driver sets online by itself (virtio_ccw) reads online "1"
                     # at boot: the QEMU guest's virtio devices (scripts/qemu-kernel)
                     online=bool(d.get("online", False) or d.get("auto_online", False)))


def load_fixture(path: str) -> Topology:
    with open(path) as f:
        j = json.load(f)
    css = j.get("css", {})
    topo = Topology(name=os.path.basename(path), kernel=j.get("kernel"))
    for c in css.get("chpids", []):
        topo.chpids.append(Chpid(id=str(c["id"]), type=str(c.get("type", "0"))))
    for s in css.get("subchannels", []):
        dev = _dev(s["device"]) if s.get("device") else None
        topo.subchannels.append(Subchannel(
            schid=s["schid"], qdio=bool(s.get("qdio", False)),
            chpids=[str(x) for x in s.get("chpids", [])],
            pim=s.get("pim"), pam=s.get("pam"), pom=s.get("pom"), device=dev))
    topo.subchannels.sort(key=lambda s: s.schid)
    a = j.get("ap")
    if a:
        topo.ap = Ap(max_adapter=int(a.get("max_adapter_id", 63)),
                     max_domain=int(a.get("max_domain_id", 15)),
                     domain=int(a.get("domain", -1)),
                     usage_domains=sorted(int(x) for x in a.get("usage_domains", [])),
                     control_domains=sorted(int(x) for x in a.get("control_domains", [])),
                     cards=sorted((Card(id=int(c["id"]), type=c["type"]) for c in a.get("cards", [])),
                                  key=lambda c: c.id))
    return topo


def fixture_present_in(topo: Topology, fs: Sysfs) -> Optional[str]:
    """None if the tree is the fixture's machine, else the first missing path.

    The machine is recognised by its subchannels (or, without any, its AP cards): a tree
    that has them but lacks something else is that machine behaving wrongly, which is for
    the scenarios to report, not a reason to skip them.
    """
    paths = [f"/sys/bus/css/devices/{s.schid}" for s in topo.subchannels]
    if not paths and topo.ap:
        paths = [f"/sys/bus/ap/devices/{c.name}" for c in topo.ap.cards]
    for p in paths:
        if not fs.exists(p):
            return p
    return None


# -- host discovery (read-only) -------------------------------------------------

def _mask_ids(text: Optional[str]) -> List[int]:
    if not text or not text.startswith("0x"):
        return []
    bits = int(text[2:], 16)
    n = (len(text) - 2) * 4
    return [i for i in range(n) if bits & (1 << (n - 1 - i))]


def discover_host(fs: Sysfs, ccw: List[str], ccw_qdio: List[str], apqns: List[str]) -> Topology:
    """Build a topology of only the resources the user handed to the suite."""
    topo = Topology(name="host", kernel=None, source="host")
    for schid, qdio in [(s, False) for s in ccw] + [(s, True) for s in ccw_qdio]:
        base = f"/sys/bus/css/devices/{schid}"
        if not fs.exists(base):
            continue
        pimpampom = (fs.read_text(base + "/pimpampom") or "").split()
        chpids = (fs.read_text(base + "/chpids") or "").split()
        busid = fs.read_text(base + "/dev_busid")
        dev = None
        if busid and busid != "none":
            dpath = f"{base}/{busid}"
            ddrv = fs.driver(dpath)
            dev = CcwDevice(busid=busid,
                            cutype=fs.read_text(dpath + "/cutype", "0000/00"),
                            devtype=fs.read_text(dpath + "/devtype", "n/a"),
                            driver=ddrv,
                            online=fs.read_text(dpath + "/online") == "1")
        topo.subchannels.append(Subchannel(
            schid=schid, qdio=qdio, chpids=chpids,
            pim=pimpampom[0] if len(pimpampom) == 3 else None,
            pam=pimpampom[1] if len(pimpampom) == 3 else None,
            pom=pimpampom[2] if len(pimpampom) == 3 else None, device=dev))
    if fs.exists("/sys/bus/ap") and apqns:
        adapters, domains = [], []
        for q in apqns:
            a, d = q.split(".")
            a, d = int(a, 16), int(d, 16)
            if a not in adapters:
                adapters.append(a)
            if d not in domains:
                domains.append(d)
        cards = []
        for a in adapters:
            t = fs.read_text(f"/sys/devices/ap/card{a:02x}/type")
            if t:
                cards.append(Card(id=a, type=t))
        dom = fs.read_text("/sys/bus/ap/ap_domain")
        topo.ap = Ap(
            max_adapter=int(fs.read_text("/sys/bus/ap/ap_max_adapter_id", "63")),
            max_domain=int(fs.read_text("/sys/bus/ap/ap_max_domain_id", "15")),
            domain=int(dom) if dom and dom.lstrip("-").isdigit() else -1,
            usage_domains=domains,
            control_domains=[d for d in _mask_ids(fs.read_text("/sys/bus/ap/ap_control_domain_mask"))
                             if d in domains],
            cards=cards)
    return topo


def need(cond, reason: str):
    """Skip the scenario when the target cannot provide a role."""
    if not cond:
        pytest.skip(reason)
