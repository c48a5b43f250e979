"""Fixtures: the built-in default, the format's checks, and refusal before mounting."""
import json
import os
import subprocess

import pytest

from conftest import FIXTURES, SIMFS, start_simfs


def test_default_topology_is_default_json(sysfs):
    """The built-in topology is fixtures/default.json, byte for byte compiled in."""
    topo = json.loads((FIXTURES / "default.json").read_text())
    schs = sorted(s["schid"] for s in topo["css"]["subchannels"])
    assert sysfs.ls("bus/css/devices") == schs
    devs = sorted(s["device"]["devno"] for s in topo["css"]["subchannels"])
    assert sysfs.ls("bus/ccw/devices") == devs
    assert sysfs.read("bus/ccw/devices/0.0.2b09/online") == b"0\n"
    assert sysfs.read("bus/ccw/devices/0.0.2b0a/online") == b"1\n"
    assert sysfs.read("bus/css/devices/0.0.0200/chpids") == b"10 00 00 00 00 00 00 00 \n"
    assert sysfs.read("bus/ccw/devices/0.0.f500/cutype") == b"1731/01\n"
    assert sysfs.read("bus/ccw/devices/0.0.f500/devtype") == b"1732/01\n"


def test_every_shipped_fixture_mounts(simfs_factory):
    for f in sorted(FIXTURES.glob("*.json")):
        m = simfs_factory("--topology", f, name=f.stem)
        assert m.exists("devices/css0"), f


BASE = {
    "css": {
        "chpids": [{"id": "40", "type": "1b"}],
        "subchannels": [{"schid": "0.0.0313", "chpids": ["40"],
                         "device": {"devno": "0.0.2b09", "cutype": "3990/e9", "devtype": "3390/0c"}}],
    },
    "ap": {"cards": [{"id": 5, "type": "CEX7C"}], "usage_domains": [4]},
}


def mutate(path, value):
    doc = json.loads(json.dumps(BASE))
    cur = doc
    for k in path[:-1]:
        cur = cur[k]
    if value is KeyError:
        del cur[path[-1]]
    else:
        cur[path[-1]] = value
    return json.dumps(doc)


BAD = [
    ("not json", "{ \"css\": ", "not valid JSON"),
    ("trailing data", json.dumps(BASE) + " {}", "not valid JSON"),
    ("unknown top key", mutate(["colour"], "red"), "colour: unknown key"),
    ("unknown nested key", mutate(["css", "subchannels", 0, "devno"], "0.0.1"),
     "css.subchannels[0].devno: unknown key"),
    ("wrong type", mutate(["css", "subchannels", 0, "qdio"], "yes"),
     "css.subchannels[0].qdio: expected true or false"),
    ("malformed schid", mutate(["css", "subchannels", 0, "schid"], "0.0.313"),
     "css.subchannels[0].schid"),
    ("chpid not declared", mutate(["css", "subchannels", 0, "chpids"], ["41"]),
     "chpid 41 is not in css.chpids"),
    ("malformed devno", mutate(["css", "subchannels", 0, "device", "devno"], "2b09"),
     "css.subchannels[0].device.devno"),
    ("bad cutype", mutate(["css", "subchannels", 0, "device", "cutype"], "3990-e9"),
     "css.subchannels[0].device.cutype"),
    ("duplicate subchannel", json.dumps({"css": {"subchannels": [{"schid": "0.0.0001"}, {"schid": "0.0.0001"}]}}),
     "css.subchannels[1].schid: subchannel 0.0.0001 listed twice"),
    ("count zero", mutate(["css", "subchannels", 0, "count"], 0), "css.subchannels[0].count: 0 is out of range"),
    ("count not a number", mutate(["css", "subchannels", 0, "count"], "2"),
     "css.subchannels[0].count: expected an integer"),
    ("count past the last subchannel", mutate(["css", "subchannels", 0, "count"], 0x10000 - 0x313 + 1),
     "css.subchannels[0].count: 64750 subchannels from 0.0.0313 run past 0.0.ffff"),
    ("count past the last device", mutate(["css", "subchannels", 0, "count"], 0x10000 - 0x2b09 + 1),
     "css.subchannels[0].count: 54520 devices from 0.0.2b09 run past 0.0.ffff"),
    ("count overlapping a subchannel",
     json.dumps({"css": {"subchannels": [{"schid": "0.0.0005"}, {"schid": "0.0.0001", "count": 8}]}}),
     "css.subchannels[1].schid: subchannel 0.0.0005 listed twice"),
    ("count overlapping a device",
     json.dumps({"css": {"subchannels": [
         {"schid": "0.0.0100", "device": {"devno": "0.0.0007", "cutype": "3990/e9"}},
         {"schid": "0.0.0001", "count": 8, "device": {"devno": "0.0.0001", "cutype": "3990/e9"}}]}}),
     "css.subchannels[1].device.devno: device number 0.0.0007 used twice"),
    ("bad card type", mutate(["ap", "cards", 0, "type"], "CEX9C"), "ap.cards[0].type"),
    ("card id out of range", mutate(["ap", "cards", 0, "id"], 256), "ap.cards[0].id"),
    ("duplicate card", mutate(["ap", "cards"], [{"id": 5, "type": "CEX7C"}, {"id": 5, "type": "CEX8A"}]),
     "ap.cards[1].id: card 05 is listed twice"),
    ("domain over max", mutate(["ap", "usage_domains"], [300]), "ap.usage_domains"),
    ("duplicate domain", mutate(["ap", "usage_domains"], [4, 4]), "listed twice"),
    ("kernel version", mutate(["kernel"], "six"), "kernel"),
    ("bad driver", mutate(["css", "subchannels", 0, "driver"], "dasd"), "css.subchannels[0].driver"),
]


@pytest.mark.parametrize("what,text,message", BAD, ids=[b[0] for b in BAD])
def test_broken_fixture_is_refused_before_mounting(tmp_path, what, text, message):
    f = tmp_path / "broken.json"
    f.write_text(text)
    mp = tmp_path / "mnt"
    mp.mkdir()
    m, cp = start_simfs(mp, "--topology", f)
    assert m is None and cp.returncode != 0
    assert str(f) in cp.stderr, cp.stderr
    assert message in cp.stderr, cp.stderr
    assert not os.path.ismount(mp)


def test_missing_fixture_file(tmp_path):
    mp = tmp_path / "mnt"
    mp.mkdir()
    m, cp = start_simfs(mp, "--topology", tmp_path / "nope.json")
    assert m is None and "nope.json: No such file or directory" in cp.stderr
    assert not os.path.ismount(mp)


def test_count_stands_for_consecutive_subchannels(tmp_path, simfs_factory):
    """"count": N is N entries with the subchannel and device numbers counted on."""
    entry = {"schid": "0.1.fff0", "chpids": ["40"], "driver_override": "vfio_ccw",
             "device": {"devno": "0.1.7000", "cutype": "3990/e9", "devtype": "3390/0c", "online": True}}
    counted = {"css": {"chpids": [{"id": "40", "type": "1b"}], "subchannels": [dict(entry, count=16)]}}
    listed = json.loads(json.dumps(counted))
    listed["css"]["subchannels"] = [
        dict(entry, schid=f"0.1.{0xfff0 + k:04x}", device=dict(entry["device"], devno=f"0.1.{0x7000 + k:04x}"))
        for k in range(16)]
    mounts = []
    for name, doc in (("counted", counted), ("listed", listed)):
        f = tmp_path / f"{name}.json"
        f.write_text(json.dumps(doc))
        mounts.append(simfs_factory("--topology", f, name=name))
    a, b = mounts
    assert a.ls("bus/css/devices") == b.ls("bus/css/devices") == [f"0.1.{0xfff0 + k:04x}" for k in range(16)]
    assert a.ls("bus/ccw/devices") == b.ls("bus/ccw/devices") == [f"0.1.{0x7000 + k:04x}" for k in range(16)]
    for sch in a.ls("bus/css/devices"):
        for attr in ("dev_busid", "driver_override", "chpids", "pimpampom", "0.1.%04x/online"
                     % (0x7000 + int(sch[4:], 16) - 0xfff0)):
            assert a.read(f"bus/css/devices/{sch}/{attr}") == b.read(f"bus/css/devices/{sch}/{attr}"), attr
    assert a.read("bus/css/devices/0.1.ffff/driver_override") == b"vfio_ccw\n"
    assert a.read("bus/ccw/devices/0.1.700f/online") == b"1\n"


def test_fixture_can_boot_subchannels_on_vfio_ccw(tmp_path, simfs_factory):
    doc = json.loads(json.dumps(BASE))
    doc["css"]["subchannels"][0]["driver"] = "vfio_ccw"
    f = tmp_path / "t.json"
    f.write_text(json.dumps(doc))
    m = simfs_factory("--topology", f)
    assert m.readlink("bus/css/devices/0.0.0313/driver") == "../../../bus/css/drivers/vfio_ccw"
    assert m.ls("bus/ccw/devices") == []
    assert m.read("bus/css/devices/0.0.0313/mdev_supported_types/vfio_ccw-io/available_instances") == b"1\n"
