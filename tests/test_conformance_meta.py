"""The conformance suite catches a broken target and names the rule it breaks.

A conformance suite that passes against anything is worthless, so these tests run it against
trees that are known to be wrong and read its reports:

* a plain directory copy of a simfs mount (the files look right, but writes only overwrite
  files: nothing is created, refused or rebound, and modes are not enforced for root);
* the same copy with one value changed (``chpids`` without its trailing space), where exactly
  the scenario holding that rule must fail, naming the file and both byte strings;
* ``python3 -m conformance compare`` between a passing and a failing run must list that scenario.

They also check the suite's own promises: every scenario states its kernel rule and source, and
there are at least 150 distinct checks.  Nothing here depends on conformance's pytest options;
the suite runs in a subprocess exactly as a user runs it.
"""

import ast
import json
import os
import shutil
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CONF = REPO / "conformance"
BUILD = Path(os.environ.get("SIMFS_BUILD_DIR", REPO / "build"))
SIMFS = BUILD / "simfs" / "simfs"
SPEC8 = CONF / "fixtures" / "spec8.json"
PY = "/usr/bin/python3"


def _scenario_modules():
    return sorted(CONF.glob("test_*.py"))


CHECK_METHODS = {"write", "do", "read", "read_match", "link", "exists", "absent", "isdir", "mode",
                 "dir", "driver", "wait", "true"}


def test_every_scenario_states_rule_and_source():
    """Each scenario function has a docstring with its rule and a 'Source:' naming kernel files."""
    missing = []
    for mod in _scenario_modules():
        tree = ast.parse(mod.read_text())
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                doc = ast.get_docstring(node) or ""
                rule, _, source = doc.partition("Source:")
                if len(rule.split()) < 8 or not any(x in source for x in ("drivers/", "fs/", "lib/",
                                                                          "arch/")):
                    missing.append(f"{mod.name}::{node.name}")
    assert not missing, "scenarios without a rule and a kernel source: " + ", ".join(missing)


def test_at_least_150_distinct_checks():
    """Count the distinct check sites (chk.<check>(...) calls) in the scenario modules."""
    per_module = {}
    for mod in _scenario_modules():
        n = 0
        for node in ast.walk(ast.parse(mod.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "chk"
                    and node.func.attr in CHECK_METHODS):
                n += 1
        per_module[mod.name] = n
    assert sum(per_module.values()) >= 150, per_module
    assert len([m for m, n in per_module.items() if n]) >= 5, per_module


# ----------------------------------------------------------------------------- broken trees

def _need_simfs():
    if not os.access(SIMFS, os.X_OK):
        pytest.skip(f"simfs not built at {SIMFS}")
    if not os.path.exists("/dev/fuse") or shutil.which("fusermount3") is None:
        pytest.skip("FUSE is not available")


def _copy_tree(src: Path, dst: Path) -> None:
    """A plain copy: directories, symlinks as they are, every readable attribute's bytes (an
    unreadable one becomes an empty file), permission bits kept."""
    for root, dirs, files in os.walk(src):
        rel = Path(root).relative_to(src)
        (dst / rel).mkdir(parents=True, exist_ok=True)
        for name in dirs + files:
            s, d = Path(root) / name, dst / rel / name
            if s.is_symlink():
                os.symlink(os.readlink(s), d)
                if name in dirs:
                    dirs.remove(name)
            elif name in files:
                try:
                    data = s.read_bytes()
                except OSError:
                    data = b""
                d.write_bytes(data)
                os.chmod(d, s.lstat().st_mode & 0o7777)


@pytest.fixture(scope="module")
def simfs_copy(tmp_path_factory):
    """A plain directory copy of simfs serving the section-8 fixture."""
    _need_simfs()
    mnt = Path(tempfile.mkdtemp(prefix="conformance-meta-mnt-"))
    dst = tmp_path_factory.mktemp("copy") / "sys"
    r = subprocess.run([str(SIMFS), "--topology", str(SPEC8), str(mnt)], capture_output=True,
                       text=True, timeout=30)
    try:
        assert r.returncode == 0, r.stderr
        deadline = time.monotonic() + 10
        while not (mnt / "bus").exists():
            assert time.monotonic() < deadline, "simfs did not serve"
            time.sleep(0.02)
        _copy_tree(mnt, dst)
    finally:
        subprocess.run(["fusermount3", "-u", str(mnt)], capture_output=True)
        if os.path.ismount(mnt):
            subprocess.run(["fusermount3", "-u", "-z", str(mnt)], capture_output=True)
        try:
            mnt.rmdir()
        except OSError:
            pass
    return dst


def _run_suite(target: str, report: Path, *select: str, extra=()) -> subprocess.CompletedProcess:
    # Paths first: pytest finds conftest.py (which defines --target) from the first paths.
    args = [PY, "-m", "pytest"] + ([str(CONF / s) for s in select] if select else [str(CONF)])
    args += ["-q", "-p", "no:cacheprovider", f"--target={target}", f"--report-dir={report}", *extra]
    return subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=900)


def _results(report: Path) -> dict:
    data = json.loads((report / "results.json").read_text())
    return {r["nodeid"].split("::", 1)[1]: r for r in data["scenarios"]}


def _fresh(simfs_copy: Path, tmp_path: Path, name: str) -> Path:
    """A private copy of the pristine copy (the suite writes into the tree it tests)."""
    dst = tmp_path / name
    shutil.copytree(simfs_copy, dst, symlinks=True)
    return dst


def test_plain_copy_fails_and_report_names_the_rules(simfs_copy, tmp_path):
    """Against a plain copy, writes 'succeed' without effect and modes are not enforced: the run
    fails, and the reports name the broken rules with expected and observed errno/bytes."""
    tree = _fresh(simfs_copy, tmp_path, "sys")
    rep = tmp_path / "rep"
    r = _run_suite(f"path:{tree}", rep)
    assert r.returncode != 0, r.stdout[-3000:]
    res = _results(rep)
    md = (rep / "report.md").read_text()
    html = (rep / "report.html").read_text()

    # binding vfio_ccw does not register an mdev parent: that rule fails, named with its source
    b = res["test_manual_unbind_then_bind_vfio_ccw"]
    assert b["outcome"] == "failed", b
    assert "registers the mdev parent" in b["rule"] and "vfio_ccw_drv.c" in b["source"]
    assert any(x["op"] == "isdir" and x["path"].endswith("/vfio_ccw-io") and not x["ok"]
               for x in b["checks"])
    assert any(x["op"] == "driver" and x["expected"] == "None" and x["observed"] == "io_subchannel"
               for x in b["checks"]), "unbind must remove the driver link"
    # ... so the single-instance scenario stops at its precondition and says which one
    c = res["test_vfio_ccw_single_instance"]
    assert c["outcome"] == "failed" and "one instance" in c["rule"]
    assert "precondition failed" in c["message"] and "vfio_ccw-io/create" in c["message"]
    # the same through the mdev core's own scenarios (vfio_ap parent), when the tree has it
    if res["test_create_makes_every_link"]["outcome"] != "skipped":
        c = res["test_create_makes_every_link"]
        assert c["outcome"] == "failed", c
        assert "Writing a UUID plus newline to create makes" in c["rule"]
        bad = res["test_create_rejects_malformed_uuid[not-a-uuid]"]
        assert bad["outcome"] == "failed"
        assert any(x["expected"] == "EINVAL at write" and x["observed"] == "success"
                   for x in bad["checks"])
    # kernfs's open-time EACCES is not reproduced by plain files for root
    modes = res["test_css_bus_and_drivers"]
    assert modes["outcome"] == "failed"
    assert any(x["expected"] == "EACCES at open" for x in modes["checks"] if not x["ok"])
    # bind of a bound device must be EBUSY
    binds = res["test_bind_and_unbind_errors"]
    assert binds["outcome"] == "failed"
    assert any(x["expected"] == "EBUSY at write" and x["observed"] == "success"
               for x in binds["checks"])
    # the human reports carry the rule text and the expected/observed pair
    assert "test_manual_unbind_then_bind_vfio_ccw" in md and "FAIL" in md
    assert "EBUSY at write" in md and "| success |" in md
    assert "<!doctype html>" in html.lower()
    assert "test_css_bus_and_drivers" in html and "EACCES at open" in html
    # the oracle replays do not apply to this tree and say why
    assert "does not hold topology oracle-css.json" in res["test_p1_chp0_00"]["message"]
    # JUnit for CI systems
    root = ET.parse(rep / "junit.xml").getroot()
    suite = root.find("testsuite") if root.tag == "testsuites" else root
    assert int(suite.get("failures")) > 0


READ_ONLY = "test_subchannel_attributes or test_css_bus_and_drivers or test_channel_paths"


def test_one_changed_value_is_the_only_difference(simfs_copy, tmp_path):
    """Two copies, one with the trailing space dropped from one chpids file: compare lists
    exactly one differing scenario and one differing check, chpids, with both byte strings;
    the failing run's report names the chpids rule."""
    a = _fresh(simfs_copy, tmp_path, "a")
    b = _fresh(simfs_copy, tmp_path, "b")
    f = b / "devices" / "css0" / "0.0.0313" / "chpids"
    good = f.read_bytes()
    assert good.endswith(b" \n")
    os.chmod(f, 0o644)
    f.write_bytes(good[:-2] + b"\n")
    os.chmod(f, 0o444)
    _run_suite(f"path:{a}", tmp_path / "ra", "test_css_vfio_ccw.py", extra=["-k", READ_ONLY])
    r = _run_suite(f"path:{b}", tmp_path / "rb", "test_css_vfio_ccw.py", extra=["-k", READ_ONLY])
    assert r.returncode != 0
    sub = _results(tmp_path / "rb")["test_subchannel_attributes"]
    assert sub["outcome"] == "failed"
    assert "space before the newline" in sub["rule"]
    out = subprocess.run([PY, "-m", "conformance", "compare", str(tmp_path / "ra" / "junit.xml"),
                          str(tmp_path / "rb" / "junit.xml")], cwd=REPO, capture_output=True,
                         text=True)
    assert out.returncode == 1, out.stdout + out.stderr
    rows = [l for l in out.stdout.splitlines() if l.startswith("| ") and "::" in l]
    assert len(rows) == 1 and "test_subchannel_attributes" in rows[0], out.stdout
    diffs = rows[0].split(" | ")[-1].split("<br>")
    assert all("/0.0.0313/chpids" in d for d in diffs), diffs   # only chpids checks differ
    assert '"40 41 00 00 00 00 00 00 \\n"' in rows[0]     # expected
    assert '"40 41 00 00 00 00 00 00\\n"' in rows[0]      # B observed
    assert "0.0.0313/chpids" in (tmp_path / "rb" / "report.md").read_text()


def test_compare_simfs_with_a_copy(simfs_copy, tmp_path):
    """compare(simfs run, plain-copy run) lists the scenarios that differ with both
    observations (here kernfs's EACCES against a readable plain file); comparing a run with
    itself reports no differences."""
    _need_simfs()
    tree = _fresh(simfs_copy, tmp_path, "sys")
    good = _run_suite("sim", tmp_path / "a", "test_css_vfio_ccw.py", extra=["-k", READ_ONLY])
    assert good.returncode == 0, good.stdout[-3000:]
    _run_suite(f"path:{tree}", tmp_path / "b", "test_css_vfio_ccw.py", extra=["-k", READ_ONLY])
    out = subprocess.run([PY, "-m", "conformance", "compare", str(tmp_path / "a" / "junit.xml"),
                          str(tmp_path / "b" / "junit.xml")], cwd=REPO, capture_output=True,
                         text=True)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "test_subchannel_attributes" in out.stdout
    assert "logging" in out.stdout and "A observed EACCES at open; B observed 0 bytes" in out.stdout
    same = subprocess.run([PY, "-m", "conformance", "compare", str(tmp_path / "a" / "junit.xml"),
                           str(tmp_path / "a" / "junit.xml")], cwd=REPO, capture_output=True,
                          text=True)
    assert same.returncode == 0 and "No differences" in same.stdout


# ----------------------------------------------------------------------------- host safety

HOST_RESOURCES = ["--ccw=0.0.0313", "--ccw=0.0.0314", "--ccw-qdio=0.0.0200",
                  "--apqn=05.0004", "--apqn=05.0047", "--apqn=05.004b",
                  "--apqn=06.0004", "--apqn=06.0047", "--apqn=06.004b"]


def _snapshot(root: Path) -> dict:
    """Every entry of a tree: link targets, directory marks, file bytes or the read errno."""
    out = {}
    for d, dirs, files in os.walk(root):
        for n in dirs + files:
            p = Path(d) / n
            rel = str(p.relative_to(root))
            if p.is_symlink():
                out[rel] = "-> " + os.readlink(p)
            elif p.is_dir():
                out[rel] = "dir"
            else:
                try:
                    out[rel] = p.read_bytes()
                except OSError as e:
                    out[rel] = f"errno {e.errno}"
        dirs[:] = [x for x in dirs if not (Path(d) / x).is_symlink()]
    return out


@pytest.fixture
def rehearsal_mount():
    """A simfs of the section-8 machine to play a real host ('--target host:DIR')."""
    _need_simfs()
    mnt = Path(tempfile.mkdtemp(prefix="conformance-meta-host-"))
    r = subprocess.run([str(SIMFS), "--topology", str(SPEC8), str(mnt)], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    try:
        yield mnt
    finally:
        subprocess.run(["fusermount3", "-u", str(mnt)], capture_output=True)
        if os.path.ismount(mnt):
            subprocess.run(["fusermount3", "-u", "-z", str(mnt)], capture_output=True)
        try:
            mnt.rmdir()
        except OSError:
            pass


def test_host_mode_changes_nothing_without_allow_changes(rehearsal_mount, tmp_path):
    """Host semantics on a simfs mount: with resources named but no --allow-changes, every
    scenario that would write is skipped with the reason, the read-only ones run and pass, and
    the tree is byte for byte what it was."""
    before = _snapshot(rehearsal_mount)
    r = _run_suite(f"host:{rehearsal_mount}", tmp_path / "rep", extra=HOST_RESOURCES)
    assert r.returncode == 0, r.stdout[-3000:]
    res = _results(tmp_path / "rep")
    assert any(x["outcome"] == "passed" for x in res.values())
    skipped = [x for x in res.values() if x["outcome"] == "skipped"]
    assert skipped and all(x["message"] for x in skipped)
    assert any("--allow-changes" in x["message"] for x in skipped)
    assert _snapshot(rehearsal_mount) == before


def test_host_mode_restores_everything_it_changes(rehearsal_mount, tmp_path):
    """Host semantics with --allow-changes --exclusive and every resource: the scenarios pass,
    and afterwards the tree equals its snapshot except the AP bus scan counter (a write to
    'scans' forces a scan, and a counter cannot be set back) and empty class directories under
    devices/virtual that creating an mdev leaves behind (the kernel's, not a setting)."""
    before = _snapshot(rehearsal_mount)
    r = _run_suite(f"host:{rehearsal_mount}", tmp_path / "rep",
                   extra=["--allow-changes", "--exclusive", *HOST_RESOURCES])
    assert r.returncode == 0, r.stdout[-3000:]
    res = _results(tmp_path / "rep")
    ran = [k for k, x in res.items() if x["outcome"] == "passed"]
    assert len(ran) > (100 if (rehearsal_mount / "bus" / "ap").exists() else 20), len(ran)
    after = _snapshot(rehearsal_mount)
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k)
                     and not (k.startswith("devices/virtual/") and k not in before
                              and after[k] == "dir"
                              and not any(x.startswith(k + "/") for x in after)))
    assert changed in ([], ["bus/ap/scans"]), changed[:20]
