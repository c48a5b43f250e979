"""The model's invariants, checked through a mounted tree (what tests/fuzz/invariants.c
checks in-process), and a full dump of a tree to compare states.

    problems = check(root)      # [] when every invariant holds
    d = dump(root)              # {relpath: (kind, mode, content)}; equal dumps = same state

Invariants:
  - every symlink resolves to an existing node, and its text leads there without
    leaving the tree;
  - a device's driver link and the driver's link back agree (every bus);
  - AP: no APQN in the matrices of two vfio_ap mdevs; no mdev holds an APQN the
    default drivers own (adapter in apmask and domain in aqmask); a bound queue is
    bound to the driver its masks say (default driver iff owned, else vfio_ap);
  - mdev: available_instances = max - existing for every type; bus/mdev/devices is
    exactly the set of mdev directories; a type's devices/ lists exactly its mdevs.
"""
import errno
import os
import re
import stat

TYPE_MAX = {"vfio_ap-passthrough": 65536, "vfio_ccw-io": 1}
QUEUE = re.compile(r"^[0-9a-f]{2}\.[0-9a-f]{4}$")


def _read(path):
    """Exact bytes of one read, or the errno (int)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as e:
        return e.errno
    try:
        return os.read(fd, 65536)
    except OSError as e:
        return e.errno
    finally:
        os.close(fd)


def walk(root):
    """(relpath, lstat) of every node below @root, directories first, links not followed."""
    out = []
    stack = [""]
    while stack:
        rel = stack.pop()
        for e in sorted(os.scandir(os.path.join(root, rel)), key=lambda e: e.name):
            r = os.path.join(rel, e.name)
            st = e.stat(follow_symlinks=False)
            out.append((r, st))
            if stat.S_ISDIR(st.st_mode):
                stack.append(r)
    return out


def dump(root):
    """Every node: (kind, mode, show output or errno or link text)."""
    d = {}
    for rel, st in walk(root):
        p = os.path.join(root, rel)
        mode = stat.S_IMODE(st.st_mode)
        if stat.S_ISDIR(st.st_mode):
            d[rel] = ("D", mode, None)
        elif stat.S_ISLNK(st.st_mode):
            d[rel] = ("L", mode, os.readlink(p))
        else:
            d[rel] = ("A", mode, _read(p) if mode & 0o444 else None)
    return d


def diff(a, b, limit=5):
    """Human-readable differences between two dumps ([] when equal)."""
    out = []
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            out.append(f"{k}: {a.get(k)!r} -> {b.get(k)!r}")
            if len(out) >= limit:
                break
    return out


def _mask(text):
    """'0x' + 64 hex digits -> set of ids (bit 0 = leftmost)."""
    m = re.fullmatch(r"0x([0-9a-f]{64})\n?", text)
    if not m:
        raise ValueError(f"not a mask: {text!r}")
    v = int(m.group(1), 16)
    return {i for i in range(256) if v >> (255 - i) & 1}


def _link_target(root, rel):
    """The node a link leads to (relpath), or None when its text leaves the tree or dangles."""
    p = os.path.join(root, rel)
    real = os.path.realpath(p)
    rroot = os.path.realpath(root)
    if not (real == rroot or real.startswith(rroot + os.sep)) or not os.path.lexists(real):
        return None
    return os.path.relpath(real, rroot)


def check(root):
    problems = []
    nodes = walk(root)
    kinds = {rel: st.st_mode for rel, st in nodes}

    # Links resolve.
    for rel, st in nodes:
        if stat.S_ISLNK(st.st_mode):
            text = os.readlink(os.path.join(root, rel))
            if text.startswith("/") or not text:
                problems.append(f"{rel}: link text {text!r}")
            elif _link_target(root, rel) is None:
                problems.append(f"{rel}: link {text!r} does not resolve inside the tree")

    def target(rel):
        return _link_target(root, rel)

    # Driver links agree, on every bus.
    for bus in sorted(os.listdir(os.path.join(root, "bus"))):
        devs = os.path.join("bus", bus, "devices")
        drvs = os.path.join("bus", bus, "drivers")
        for name in sorted(os.listdir(os.path.join(root, devs))) if os.path.isdir(os.path.join(root, devs)) else []:
            dev = target(os.path.join(devs, name))
            if dev is None:
                continue
            drvlink = os.path.join(dev, "driver")
            if drvlink in kinds:
                drv = target(drvlink)
                back = os.path.join(drv, os.path.basename(dev)) if drv else None
                if not drv or back not in kinds or target(back) != dev:
                    problems.append(f"{dev}: bound to {drv}, which does not list it")
        if os.path.isdir(os.path.join(root, drvs)):
            for d in sorted(os.listdir(os.path.join(root, drvs))):
                drv = os.path.join(drvs, d)
                for name in sorted(os.listdir(os.path.join(root, drv))):
                    rel = os.path.join(drv, name)
                    if name == "module" or not stat.S_ISLNK(kinds.get(rel, 0)):
                        continue
                    dev = target(rel)
                    if dev is None or target(os.path.join(dev, "driver")) != drv:
                        problems.append(f"{rel}: the driver lists a device not bound to it")

    # mdevs: directories with an mdev_type link (not below a link: walk() does not follow).
    mdevs = {os.path.dirname(rel) for rel, st in nodes
             if os.path.basename(rel) == "mdev_type" and stat.S_ISLNK(st.st_mode)}
    busdevs = os.path.join(root, "bus/mdev/devices")
    listed = {}
    if os.path.isdir(busdevs):
        for name in os.listdir(busdevs):
            listed[name] = target(os.path.join("bus/mdev/devices", name))
    if set(listed.values()) != mdevs or any(os.path.basename(t or "") != n for n, t in listed.items()):
        problems.append(f"bus/mdev/devices lists {sorted(listed)} for mdevs {sorted(mdevs)}")
    types = [rel for rel, st in nodes if stat.S_ISDIR(st.st_mode)
             and os.path.basename(os.path.dirname(rel)) == "mdev_supported_types"]
    for t in types:
        members = os.listdir(os.path.join(root, t, "devices"))
        for name in members:
            m = target(os.path.join(t, "devices", name))
            if m not in mdevs or target(os.path.join(m, "mdev_type")) != t:
                problems.append(f"{t}/devices/{name}: not an mdev of this type")
        for m in mdevs:
            if target(os.path.join(m, "mdev_type")) == t and os.path.basename(m) not in members:
                problems.append(f"{m}: missing from {t}/devices")
        avail = _read(os.path.join(root, t, "available_instances"))
        name = os.path.basename(t)
        if not isinstance(avail, bytes) or not re.fullmatch(rb"\d+\n", avail):
            problems.append(f"{t}/available_instances reads {avail!r}")
        elif name in TYPE_MAX and int(avail) + len(members) != TYPE_MAX[name]:
            problems.append(f"{t}: available_instances {int(avail)} + {len(members)} existing "
                            f"!= {TYPE_MAX[name]}")

    # AP.
    ap = os.path.join(root, "bus/ap")
    if os.path.isdir(ap):
        apmask = _mask(_read(os.path.join(ap, "apmask")).decode())
        aqmask = _mask(_read(os.path.join(ap, "aqmask")).decode())
        for name in sorted(os.listdir(os.path.join(ap, "devices"))):
            if not QUEUE.match(name):
                continue
            a, q = int(name[:2], 16), int(name[3:], 16)
            owned = a in apmask and q in aqmask
            drv = target(os.path.join("bus/ap/devices", name, "driver"))
            if drv is None:
                continue
            drv = os.path.basename(drv)
            if owned and drv == "vfio_ap":
                problems.append(f"queue {name}: the masks give it to the default drivers, bound to vfio_ap")
            if not owned and drv != "vfio_ap":
                problems.append(f"queue {name}: the masks take it from the default drivers, bound to {drv}")
        matrices = {}
        for m in sorted(mdevs):
            cfg = _read(os.path.join(root, m, "ap_config"))
            if isinstance(cfg, bytes):
                apm, aqm, _adm = (_mask(x) for x in cfg.decode().strip().split(","))
            elif os.path.exists(os.path.join(root, m, "matrix")):
                lines = _read(os.path.join(root, m, "matrix"))
                pairs = re.findall(rb"^([0-9a-f]{2})\.([0-9a-f]{4})$", lines, re.M)
                apm = {int(a, 16) for a, _ in pairs}
                aqm = {int(q, 16) for _, q in pairs}
            else:
                continue
            matrices[m] = (apm, aqm)
            if apm & apmask and aqm & aqmask:
                problems.append(f"{m}: holds an APQN the default drivers own")
        ms = sorted(matrices)
        for i, m1 in enumerate(ms):
            for m2 in ms[i + 1:]:
                if matrices[m1][0] & matrices[m2][0] and matrices[m1][1] & matrices[m2][1]:
                    problems.append(f"{m1} and {m2} share an APQN")
    return problems
