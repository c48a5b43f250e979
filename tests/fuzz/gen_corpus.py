#!/usr/bin/env python3
"""Write the seed corpora of fuzz_model and fuzz_topology (tests/fuzz/corpus/).

fuzz_model seeds are programs in the input format described at the top of
fuzz_model.c; the named[] paths and tokens[] are read from that file, so the
indices here always match it.  fuzz_topology seeds are the shipped fixtures
plus variants with mdevs and edge values.  Run from anywhere; rewrites the
generated files (the hand-written parse corpus is not touched).
"""
import json
import re
import struct
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


def c_array(src, name, macros):
    """The strings of `static const char *const NAME[] = {...};` in a C file."""
    body = re.search(r"static const char \*const %s\[\] = \{(.*?)\n\};" % name, src, re.S).group(1)
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    for k, v in macros.items():
        body = re.sub(r"\b%s\b" % k, json.dumps(v), body)
    return eval("[" + body + "]")  # C string literals are Python string literals here


def model_vocabulary():
    src = (HERE / "fuzz_model.c").read_text()
    macros = dict(re.findall(r'#define (\w+) "([^"]*)"', src))
    # macros made of other macros and literals: APT, CCWT
    for k, v in re.findall(r"#define (\w+) (\"[^\n]*)", src):
        macros[k] = eval(v)
    named = c_array(src, "named", macros)
    tokens = c_array(src, "tokens", macros)
    return named, tokens


NAMED, TOKENS = model_vocabulary()
KERNELS = {"6.12": 0, "6.9": 4, "6.1": 5, "6.0": 6, "5.15": 7, "5.10": 8, "5.4": 9}


def N(path):
    return NAMED.index(path)


def T(tok):
    return TOKENS.index(tok)


class Prog:
    def __init__(self, kernel="6.12"):
        self.b = bytearray([KERNELS[kernel]])

    def tok(self, path, token, nl=True):
        """Store a token to a named path (op 4)."""
        self.b += bytes([4 | (8 if nl else 0), N(path), T(token)])
        return self

    def raw(self, path, data):
        """Store raw bytes to a named path (op 3)."""
        if isinstance(data, str):
            data = data.encode()
        self.b += bytes([3, N(path)])
        if len(data) >= 255:
            self.b += bytes([255]) + struct.pack("<H", len(data))
        else:
            self.b += bytes([len(data)])
        self.b += data
        return self

    def show(self, index):
        self.b += bytes([5]) + struct.pack("<H", index)
        return self

    def readlink(self, index):
        self.b += bytes([6]) + struct.pack("<H", index)
        return self

    def store_index(self, index, data):
        self.b += bytes([0]) + struct.pack("<H", index) + bytes([len(data)]) + data
        return self


U1 = "11111111-2222-3333-4444-555555555555"
U2 = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
APT = "devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough"
M1 = f"devices/vfio_ap/matrix/{U1}"
M2 = f"devices/vfio_ap/matrix/{U2}"


def ap_setup(p):
    """Adapter 5 and domain 4 away from the default drivers, an mdev holding 05.0004."""
    return (p.tok(f"{APT}/create", U1)
             .tok("bus/ap/apmask", "-5")
             .tok("bus/ap/aqmask", "-4")
             .tok(f"{M1}/assign_adapter", "5")
             .tok(f"{M1}/assign_domain", "4")
             .tok(f"{M1}/assign_control_domain", "4"))


def model_seeds():
    seeds = {}
    seeds["ap_assign_conflict"] = (ap_setup(Prog())
                                   .tok(f"{APT}/create", U2)
                                   .tok(f"{M2}/assign_adapter", "5")
                                   .tok(f"{M2}/assign_domain", "4")      # EADDRINUSE
                                   .tok("bus/ap/apmask", "+5")           # EBUSY: in use
                                   .tok(f"{M1}/unassign_adapter", "5")
                                   .tok(f"{M2}/assign_domain", "4")
                                   .tok("bus/ap/apmask", "+5")
                                   .tok(f"{M2}/remove", "1")
                                   .tok(f"{M1}/remove", "1"))
    seeds["ap_default_owned"] = (Prog().tok(f"{APT}/create", U1)
                                 .tok(f"{M1}/assign_adapter", "5")          # EADDRNOTAVAIL
                                 .tok("bus/ap/apmask", "-5")
                                 .tok(f"{M1}/assign_adapter", "5")
                                 .tok(f"{M1}/assign_domain", "4")           # EADDRNOTAVAIL
                                 .tok("bus/ap/aqmask", "-4")
                                 .tok(f"{M1}/assign_domain", "4")
                                 .tok("bus/ap/aqmask", "+4"))               # EBUSY
    seeds["ap_bind_unbind"] = (Prog().tok("bus/ap/apmask", "-5")
                               .tok("bus/ap/drivers/vfio_ap/unbind", "05.0004")
                               .tok("bus/ap/drivers/cex4queue/bind", "05.0004")  # refused
                               .tok("bus/ap/drivers/vfio_ap/bind", "05.0004")
                               .tok("bus/ap/drivers/vfio_ap/unbind", "05.0047")
                               .tok("bus/ap/drivers_probe", "05.0047")
                               .tok("bus/ap/apmask", "+5")
                               .tok("bus/ap/drivers/cex4queue/unbind", "06.00ab")
                               .tok("bus/ap/apmask", "-6")
                               .tok("bus/ap/apmask", "+6"))
    seeds["ap_config"] = (Prog().tok(f"{APT}/create", U1)
                          .tok("bus/ap/apmask", "-4")
                          .tok("bus/ap/apmask", "-5")
                          .tok("bus/ap/aqmask", "-4")
                          .tok(f"{M1}/ap_config", TOKENS[[i for i, t in enumerate(TOKENS) if t.count(",") == 2][0]])
                          .raw(f"{M1}/ap_config", "0x0,0x0,0x0\n")
                          .tok(f"{APT}/create", U2)
                          .raw(f"{M2}/ap_config", "0x04,0x08,0x08\n"))
    seeds["ap_masks_misc"] = (Prog().tok("bus/ap/apmask", "0x0")
                              .tok("bus/ap/aqmask", "-0-255")
                              .tok("bus/ap/ap_domain", "4")
                              .tok("bus/ap/aqmask", "+0-255")
                              .tok("bus/ap/ap_domain", "0x47")
                              .tok("bus/ap/devices/card05/online", "0")
                              .tok("bus/ap/devices/05.0004/online", "1")
                              .tok("bus/ap/devices/card05/online", "1")
                              .tok("bus/ap/scans", "1")
                              .raw("bus/ap/apmask", "0x" + "f" * 64 + "\n"))
    seeds["ccw_vfio"] = (Prog().tok("bus/css/drivers/io_subchannel/unbind", "0.0.0313")
                         .tok("bus/css/devices/0.0.0313/driver_override", "vfio_ccw")
                         .tok("bus/css/drivers/vfio_ccw/bind", "0.0.0313")
                         .tok(f"bus/css/devices/0.0.0313/mdev_supported_types/vfio_ccw-io/create", U1)
                         .tok(f"bus/css/devices/0.0.0313/mdev_supported_types/vfio_ccw-io/create", U2)
                         .tok(f"bus/css/devices/0.0.0313/{U1}/remove", "1")
                         .tok("bus/css/devices/0.0.0313/driver_override", "", nl=True)
                         .tok("bus/css/drivers_probe", "0.0.0313")
                         .tok("bus/css/drivers/io_subchannel/bind", "0.0.0313"))
    seeds["ccw_online"] = (Prog().tok("bus/ccw/devices/0.0.2b09/online", "1")
                           .tok("bus/ccw/drivers/dasd-eckd/unbind", "0.0.2b09")
                           .tok("bus/ccw/devices/0.0.2b09/online", "1")
                           .tok("bus/ccw/drivers/dasd-eckd/bind", "0.0.2b09")
                           .tok("bus/ccw/devices/0.0.2b09/online", "on")
                           .tok("bus/ccw/devices/0.0.2b09/online", "off")
                           .tok("bus/css/devices/0.0.0200/driver_override", "vfio_ccw")
                           .tok("bus/css/drivers_autoprobe", "0"))
    U3 = "33333333-4444-5555-6666-777777777777"
    M3 = f"devices/vfio_ap/matrix/{U3}"
    seeds["ap_three_mdevs"] = (ap_setup(Prog())
                               .tok("bus/ap/aqmask", "-0x47")
                               .tok(f"{APT}/create", U2)
                               .tok(f"{APT}/create", U3)
                               .tok(f"{M2}/assign_adapter", "5")
                               .tok(f"{M2}/assign_domain", "0x47")
                               .tok(f"{M3}/assign_domain", "4")
                               .tok(f"{M3}/assign_adapter", "5")        # EADDRINUSE (U1)
                               .tok(f"{M3}/assign_domain", "0x47")
                               .tok(f"{M2}/unassign_domain", "0x47")
                               .tok(f"{M3}/assign_adapter", "5")
                               .tok(f"{M3}/remove", "1"))
    seeds["mdev_unbind"] = (ap_setup(Prog())
                            .tok("bus/mdev/drivers/vfio_ap_mdev/unbind", U1)
                            .tok("bus/mdev/drivers/vfio_ap_mdev/bind", U1)
                            .tok(f"{M1}/remove", "1"))
    seeds["reads"] = Prog()
    for i in range(16):
        seeds["reads"].show(i * 23).readlink(i * 11)
    seeds["big_write"] = Prog().raw("bus/ap/apmask", "+5," * 1500).raw(f"{APT}/create", "x" * 5000)
    for k in ("6.9", "6.1", "6.0", "5.15", "5.10", "5.4"):
        p = ap_setup(Prog(k)).tok(f"{APT}/create", U2).tok(f"{M2}/assign_adapter", "5") \
            .tok(f"{M2}/assign_domain", "4").tok("bus/ap/apmask", "+5").tok(f"{M1}/remove", "1")
        seeds[f"ap_kernel_{k}"] = p
    return {k: bytes(v.b) for k, v in seeds.items()}


def topology_seeds():
    seeds = {}
    for f in sorted(list((REPO / "fixtures").glob("*.json")) +
                    list((REPO / "conformance" / "fixtures").glob("*.json")) +
                    list((REPO / "tests" / "mdevtool").glob("*.json"))):
        seeds["fixture_" + f.stem] = f.read_bytes()
    default = json.loads((REPO / "fixtures" / "default.json").read_text())
    d = json.loads(json.dumps(default))
    d["ap"]["apmask"] = "0x03ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
    d["ap"]["aqmask"] = "0xf7ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
    d["mdevs"] = [{"uuid": U1, "parent": "matrix", "adapters": [5], "domains": [4],
                   "control_domains": [4]},
                  {"uuid": U2, "parent": "matrix", "adapters": [6], "domains": [4]}]
    seeds["mdevs_two"] = json.dumps(d, indent=1).encode()
    d2 = json.loads(json.dumps(d))
    d2["mdevs"][1]["adapters"] = [5]
    seeds["mdevs_conflict"] = json.dumps(d2).encode()
    d3 = json.loads(json.dumps(default))
    d3["mdevs"] = [{"uuid": U1, "parent": "0.0.0313"}]
    d3["css"]["subchannels"][1]["driver"] = "vfio_ccw"
    d3["modules"] = {"vfio_ccw": True, "vfio_ap": False}
    seeds["ccw_mdev"] = json.dumps(d3).encode()
    d4 = json.loads(json.dumps(default))
    d4["kernel"] = "5.4"
    d4["ap"]["max_domain_id"] = 84
    d4["ap"]["usage_domains"] = [0, 84]
    d4["ap"]["cards"] = [{"id": 0, "type": "CEX4P"}, {"id": 255, "type": "CEX8A", "online": False,
                                                      "config": False}]
    seeds["edges"] = json.dumps(d4).encode()
    d5 = json.loads(json.dumps(default))
    d5["css"]["subchannels"][0]["count"] = 16
    seeds["counted"] = json.dumps(d5).encode()
    seeds["empty_object"] = b"{}"
    seeds["no_ap"] = json.dumps({"css": default["css"]}).encode()
    return seeds


def topology_dict():
    """A libFuzzer dictionary for the byte-level mutations of fuzz_topology."""
    src = (HERE / "fuzz_topology.c").read_text()
    words = c_array(src, "keys", {}) + c_array(src, "strings", {})
    lines = ["# fuzz_topology dictionary; written by gen_corpus.py from fuzz_topology.c"]
    lines += ['"\\"%s\\":"' % k for k in c_array(src, "keys", {})]
    lines += [json.dumps(json.dumps(w)) for w in words]
    lines += ['"{"', '"}"', '"["', '"]"', '"true"', '"false"', '"null"']
    (HERE / "topology.dict").write_text("\n".join(lines) + "\n")
    return len(lines) - 1


def write(target, seeds):
    d = HERE / "corpus" / target
    d.mkdir(parents=True, exist_ok=True)
    for name, data in seeds.items():
        (d / name).write_bytes(data)
    return len(seeds)


if __name__ == "__main__":
    print("fuzz_model:", write("model", model_seeds()), "seeds")
    print("fuzz_topology:", write("topology", topology_seeds()), "seeds,",
          topology_dict(), "dictionary entries")
