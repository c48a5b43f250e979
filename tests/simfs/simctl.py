"""simfs's control surface (`simfs ctl MOUNTPOINT ...`) for pytest.

    from simctl import SimCtl
    ctl = SimCtl(mount)                       # a conftest Mount, or a path
    with ctl.injected("devices/vfio_ap/matrix/*/assign_domain", "write", "EBUSY"):
        ...                                   # the next write of any assign_domain fails
    ctl.guest_attach(uuid); ctl.guest_detach(uuid)
    ctl.card_deconfig(5); ctl.domain_config(0x47); ctl.card_add(7, "CEX8A")
    ctl.subchannel_add("0.0.0400", "0.0.2c00", "3990/e9", "3390/0c", chpids="40,41")
    ctl.chp_offline(0x40)
    for ev in ctl.uevents(since=seq): ev.action, ev.devpath, ev.env["SUBSYSTEM"]

Every call runs one `simfs ctl` and raises CtlError (with the daemon's reason) when it
answers ERR.  docs/control.md describes the commands.
"""
import os
import re
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("SIMFS_BUILD_DIR", REPO / "build"))
SIMFS = BUILD / "simfs" / "simfs"


class CtlError(RuntimeError):
    """`simfs ctl` answered ERR: .reason is the daemon's sentence."""

    def __init__(self, args, reason):
        super().__init__(f"simfs ctl {' '.join(map(str, args))}: {reason}")
        self.reason = reason


@dataclass
class Uevent:
    seqnum: int
    action: str
    devpath: str
    env: dict = field(default_factory=dict)     # SUBSYSTEM and the variables, values unescaped
    order: list = field(default_factory=list)   # the variable names in the kernel's order

    @property
    def subsystem(self):
        return self.env.get("SUBSYSTEM")


@dataclass
class Injection:
    id: int
    op: str
    pattern: str
    what: str           # "EBUSY", or "delay 200"
    remaining: object   # an int, or "always"
    hits: int


def _unescape(s):
    return re.sub(r"\\(n|\\|x[0-9a-f]{2})",
                  lambda m: "\n" if m.group(1) == "n" else "\\" if m.group(1) == "\\"
                  else chr(int(m.group(1)[1:], 16)), s)


def _id(v):
    return str(v) if isinstance(v, int) else v


class SimCtl:
    def __init__(self, mount, simfs=None, timeout=30):
        self.path = Path(getattr(mount, "path", mount))
        self.simfs = Path(simfs) if simfs else SIMFS
        self.timeout = timeout

    def run(self, *args):
        """One command; its output lines (without the status line)."""
        cp = subprocess.run([str(self.simfs), "ctl", str(self.path), *map(str, args)],
                            capture_output=True, text=True, timeout=self.timeout)
        if cp.returncode != 0:
            reason = cp.stderr.strip()
            reason = reason[len("simfs ctl: "):] if reason.startswith("simfs ctl: ") else reason
            raise CtlError(args, reason)
        return cp.stdout.splitlines()

    # ---- fault injection

    def inject(self, path, op, errno, count=1):
        """The next @count (or "always") @op ("read"/"write") of @path fail with @errno
        ("EBUSY", 16); returns the injection's id."""
        return int(self.run("inject", path, op, errno, count)[0])

    def delay(self, path, op, ms, count=1):
        """The next @count @op of @path succeed after @ms milliseconds."""
        return int(self.run("inject", path, op, "delay", ms, count)[0])

    def injections(self):
        out = []
        for line in self.run("injections"):
            w = line.split()
            what = " ".join(w[3:5]) if w[3] == "delay" else w[3]
            rest = w[5:] if w[3] == "delay" else w[4:]
            rem = rest[0] if rest[0] == "always" else int(rest[0])
            out.append(Injection(int(w[0]), w[1], w[2], what, rem, int(rest[2])))
        return out

    def clear(self, which="all"):
        self.run("clear", which)

    @contextmanager
    def injected(self, path, op, errno, count=1):
        i = self.inject(path, op, errno, count)
        try:
            yield i
        finally:
            if any(j.id == i for j in self.injections()):
                self.clear(i)

    # ---- guests

    def guest_attach(self, uuid):
        self.run("guest", "attach", uuid)

    def guest_detach(self, uuid):
        self.run("guest", "detach", uuid)

    def guests(self):
        """[(uuid, parent, type)] of the mdevs a guest has."""
        return [tuple(l.split()) for l in self.run("guest", "list")]

    @contextmanager
    def guest(self, uuid):
        self.guest_attach(uuid)
        try:
            yield
        finally:
            if any(g[0] == uuid for g in self.guests()):
                self.guest_detach(uuid)

    # ---- the machine

    def card_config(self, card):
        self.run("card", "config", _id(card))

    def card_deconfig(self, card):
        self.run("card", "deconfig", _id(card))

    def card_add(self, card, type_):
        self.run("card", "add", _id(card), type_)

    def card_remove(self, card):
        self.run("card", "remove", _id(card))

    def domain_config(self, dom):
        self.run("domain", "config", _id(dom))

    def domain_deconfig(self, dom):
        self.run("domain", "deconfig", _id(dom))

    def subchannel_add(self, schid, devno=None, cutype=None, devtype=None, chpids=None):
        args = ["subchannel", "add", schid]
        if devno:
            args += [devno, cutype, devtype]
            if chpids:
                args.append(chpids if isinstance(chpids, str) else
                            ",".join(f"{c:02x}" for c in chpids))
        self.run(*args)

    def subchannel_remove(self, schid):
        self.run("subchannel", "remove", schid)

    def chp_offline(self, chpid):
        self.run("chp", "offline", chpid if isinstance(chpid, str) else f"{chpid:02x}")

    def chp_online(self, chpid):
        self.run("chp", "online", chpid if isinstance(chpid, str) else f"{chpid:02x}")

    # ---- the kernel's side

    def insmod(self, module):
        self.run("insmod", module)

    def rmmod(self, module):
        self.run("rmmod", module)

    def flush(self):
        self.run("flush")

    def uevents(self, since=0):
        """The uevents after sequence number @since, oldest first."""
        out = []
        for line in self.run("uevents", since):
            if line.startswith("  "):
                k, _, v = line[2:].partition("=")
                out[-1].env[k] = _unescape(v)
                out[-1].order.append(k)
            else:
                seq, action, devpath = line.split(" ", 2)
                out.append(Uevent(int(seq), action, devpath))
        return out

    def last_seqnum(self):
        evs = self.uevents()
        return evs[-1].seqnum if evs else 0

    def netlink(self, state=None, force=False):
        if state is None:
            return self.run("netlink")[0]
        self.run("netlink", state, *(["force"] if force else []))
        return None
