"""pytest wiring for the conformance suite: options, targets, fixtures, reports.

Run:  cd /work/main && /usr/bin/python3 -m pytest conformance [options]
See conformance/README.md for the options and for running on a real s390x host.
"""

from __future__ import annotations

import json
import os
import platform
import re
from dataclasses import dataclass
from typing import List, Optional

import pytest

from . import known_gaps
from .checks import ChangesNotAllowed, Checker, ScenarioAbort
from .report import Collector
from .sysfs import ReadOnlyTarget, Sysfs
from .target import (DEFAULT_KERNEL, DEFAULT_SIMFS, KernelVersion, ModuleControl, SimfsError,
                     SimfsMount, Undo, fusermount_available)
from .topology import Topology, discover_host, find_fixture, fixture_present_in, load_fixture


# --------------------------------------------------------------------------- options

def pytest_addoption(parser):
    g = parser.getgroup("conformance", "s390 sysfs conformance suite")
    g.addoption("--target", default="sim", metavar="sim|host|path:DIR|host:DIR|qemu|ssh:U@H",
                help="what to test: 'sim' (default) mounts simfs with each module's topology "
                     "fixture; 'path:DIR' uses an already mounted tree; 'host' uses the real /sys "
                     "(read-only unless --allow-changes); 'host:DIR' gives another root (e.g. a "
                     "simfs mount) host semantics, to rehearse a host run; 'qemu' boots a real "
                     "6.12 s390x kernel under qemu-system-s390x per module; 'ssh:USER@HOST[:ROOT]' "
                     "is a real host over ssh, with host semantics (docs/qemu-target.md)")
    g.addoption("--topology", default=None, metavar="FIXTURE",
                help="topology fixture for the area modules (those written for spec8.json); "
                     "default spec8.json, for --target qemu qemu-guest.json (the guest's machine)")
    g.addoption("--simfs", default=os.environ.get("SIMFS", DEFAULT_SIMFS), metavar="PATH",
                help="simfs binary for --target sim (default: $SIMFS, else "
                     "$SIMFS_BUILD_DIR/simfs/simfs, else build/simfs/simfs)")
    g.addoption("--kernel-version", default=None, metavar="X.Y",
                help="kernel version the target behaves like; for --target sim it is also "
                     "passed to simfs (--kernel-version).  Default: uname -r on a host, the "
                     "fixture's 'kernel' for simfs and trees, else 6.12")
    g.addoption("--allow-changes", action="store_true", default=False,
                help="host only: allow writes, restricted to the resources given below")
    g.addoption("--ccw", action="append", default=[], metavar="SUBCHANNEL",
                help="host: an unused, non-QDIO I/O subchannel (e.g. 0.0.0313) the suite may "
                     "rebind to vfio_ccw and back; give twice for the cross-parent checks")
    g.addoption("--ccw-qdio", action="append", default=[], metavar="SUBCHANNEL",
                help="host: an unused QDIO subchannel the suite may unbind (vfio_ccw rejection)")
    g.addoption("--apqn", action="append", default=[], metavar="A.D",
                help="host: an AP queue (hex, e.g. 05.0047) whose adapter and domain the suite "
                     "may take from the host drivers; repeat (two adapters x two domains "
                     "cover every vfio_ap scenario)")
    g.addoption("--exclusive", action="store_true", default=False,
                help="host: the system is dedicated to the test, so bus-wide settings may change "
                     "for a moment: whole apmask/aqmask rewrites (every queue of the system "
                     "moves), ap_domain, config_time, css drivers_autoprobe")
    g.addoption("--report-dir", default=None, metavar="DIR",
                help="write report.md, report.html, results.json (and junit.xml unless "
                     "--junitxml is given) into DIR")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    config.addinivalue_line("markers", "kernel(min=None, max=None, why=''): scenario applies "
                            "only to kernels >= min (and < max)")
    config.addinivalue_line("markers", "exclusive: changes bus-wide settings (whole AP "
                            "masks, ap_domain, drivers_autoprobe ...); on a host it needs "
                            "--exclusive")
    # The JUnit XML carries each scenario's rule, source and checks as testcase properties
    # (for "python3 -m conformance compare"); only the xunit1 flavour keeps them.  Set it for
    # this run unless an ini file chose a family (no ini file of our own: running with
    # tests/ must not change the project's rootdir or settings).
    if not config.inicfg.get("junit_family"):
        try:
            config._inicache["junit_family"] = "xunit1"
        except AttributeError:
            pass
    rd = config.getoption("--report-dir")
    if rd:
        os.makedirs(rd, exist_ok=True)
        if not getattr(config.option, "xmlpath", None):
            config.option.xmlpath = os.path.join(rd, "junit.xml")
    config._conformance = Collector(config)
    config.pluginmanager.register(config._conformance, "conformance-collector")


# --------------------------------------------------------------------------- target

@dataclass
class RunConfig:
    kind: str                 # sim | path | host
    root: Optional[str]       # path/host root
    simfs: str
    kernel_override: Optional[str]
    allow_changes: bool
    exclusive: bool
    ccw: List[str]
    ccw_qdio: List[str]
    apqn: List[str]
    area_topology: Optional[str] = None


def _fstype(path: str) -> str:
    try:
        with open("/proc/mounts") as f:
            for line in f:
                parts = line.split()
                if len(parts) > 2 and parts[1] == os.path.realpath(path):
                    return parts[2]
    except OSError:
        pass
    return ""


def _run_config(config) -> RunConfig:
    t = config.getoption("--target")
    if t == "sim":
        kind, root = "sim", None
    elif t == "host":
        kind, root = "host", "/sys"
    elif t.startswith("host:"):
        # Host semantics (read-only unless --allow-changes, only the named resources,
        # values discovered from the tree) on another root: to rehearse a host run on simfs.
        kind, root = "host", os.path.abspath(t[5:])
    elif t == "qemu":
        kind, root = "qemu", None
    elif t.startswith("ssh:") and len(t) > 4:
        kind, root = "ssh", t[4:]
    elif t.startswith("path:"):
        kind, root = "path", os.path.abspath(t[5:])
        if os.path.realpath(root) == "/sys" or os.path.ismount(root) and \
                _fstype(root) == "sysfs":
            raise pytest.UsageError("--target path: points at a real sysfs; use --target host, "
                                    "which is read-only unless --allow-changes")
    else:
        raise pytest.UsageError(f"--target must be sim, host, host:DIR, path:DIR, qemu or "
                                f"ssh:USER@HOST[:ROOT], not {t!r}")
    apqn = config.getoption("--apqn")
    for q in apqn:
        if not re.fullmatch(r"[0-9a-fA-F]{1,2}\.[0-9a-fA-F]{1,4}", q):
            raise pytest.UsageError(f"--apqn wants A.D in hex (e.g. 05.0047), not {q!r}")
    return RunConfig(kind=kind, root=root, simfs=config.getoption("--simfs"),
                     kernel_override=config.getoption("--kernel-version"),
                     allow_changes=(kind not in ("host", "ssh"))
                     or config.getoption("--allow-changes"),
                     exclusive=(kind not in ("host", "ssh")) or config.getoption("--exclusive"),
                     ccw=config.getoption("--ccw"), ccw_qdio=config.getoption("--ccw-qdio"),
                     apqn=[f"{int(a, 16):02x}.{int(d, 16):04x}"
                           for a, d in (q.split(".") for q in apqn)],
                     area_topology=config.getoption("--topology")
                     or ("qemu-guest.json" if kind == "qemu" else None))


@pytest.fixture(scope="session")
def run_config(pytestconfig) -> RunConfig:
    return _run_config(pytestconfig)


@dataclass
class Env:
    """Everything a scenario module needs to know about its target."""
    kind: str
    fs: Sysfs
    topo: Topology
    kver: KernelVersion
    writable: bool
    exclusive: bool
    label: str
    modules: ModuleControl = None


@pytest.fixture(scope="module")
def env(request, run_config: RunConfig):
    """The target for one scenario module (a fresh simfs mount per module for 'sim')."""
    mod = request.module
    fixture_name = getattr(mod, "TOPOLOGY", "spec8.json")
    if fixture_name == "spec8.json" and run_config.area_topology:
        fixture_name = run_config.area_topology
    collector: Collector = request.config._conformance
    if run_config.kind in ("qemu", "ssh"):     # remote targets: conformance/remote.py
        from .remote import remote_env
        yield from remote_env(request, run_config, collector, fixture_name, Env)
        return
    if run_config.kind == "host":
        fs = Sysfs(run_config.root, writable=run_config.allow_changes)
        topo = discover_host(fs, run_config.ccw, run_config.ccw_qdio, run_config.apqn)
        if run_config.kernel_override or run_config.root != "/sys":
            kv = KernelVersion(run_config.kernel_override or DEFAULT_KERNEL,
                               "--kernel-version" if run_config.kernel_override else "default")
        else:
            kv = KernelVersion(platform.release(), "uname -r")
        e = Env("host", fs, topo, kv, run_config.allow_changes, run_config.exclusive,
                f"host {run_config.root}", ModuleControl())
        collector.note_env(mod.__name__, e)
        yield e
        return

    fpath = find_fixture(fixture_name)
    if fpath is None:
        pytest.skip(f"topology fixture {fixture_name} not found in conformance/fixtures or fixtures/")
    topo = load_fixture(fpath)

    def kernel_for() -> KernelVersion:
        if run_config.kernel_override:
            return KernelVersion(run_config.kernel_override, "--kernel-version")
        if topo.kernel:
            return KernelVersion(topo.kernel, f"fixture {fixture_name}")
        return KernelVersion(DEFAULT_KERNEL, "default")

    if run_config.kind == "path":
        fs = Sysfs(run_config.root)
        if not os.path.isdir(run_config.root):
            pytest.skip(f"--target path: {run_config.root} is not a directory")
        missing = fixture_present_in(topo, fs)
        if missing:
            pytest.skip(f"tree {run_config.root} does not hold topology {fixture_name} "
                        f"(no {missing})")
        e = Env("path", fs, topo, kernel_for(), True, True, f"path {run_config.root}",
                ModuleControl())
        collector.note_env(mod.__name__, e)
        yield e
        return

    # sim
    if not os.access(run_config.simfs, os.X_OK):
        pytest.skip(f"simfs binary {run_config.simfs} not built "
                    "(meson setup build && meson compile -C build)")
    if not fusermount_available():
        pytest.skip("FUSE is not available here (/dev/fuse or fusermount3 missing)")
    extra = ["--kernel-version", run_config.kernel_override] if run_config.kernel_override else []
    m = SimfsMount(run_config.simfs, fpath, extra)
    try:
        mnt = m.start()
    except SimfsError as ex:
        pytest.fail(f"could not start simfs: {ex}", pytrace=False)
    try:
        e = Env("sim", Sysfs(mnt), topo, kernel_for(), True, True,
                f"simfs --topology {fixture_name}", ModuleControl(run_config.simfs, mnt))
        collector.note_env(mod.__name__, e)
        yield e
    finally:
        m.stop()


@pytest.fixture
def fs(env) -> Sysfs:
    return env.fs


@pytest.fixture
def topo(env) -> Topology:
    return env.topo


@pytest.fixture
def kver(env) -> KernelVersion:
    return env.kver


@pytest.fixture
def chk(env) -> Checker:
    return Checker(env.fs, writable=env.writable)


@pytest.fixture
def undo(env):
    """Restore stack; requesting it means the scenario changes the target."""
    if not env.writable:
        pytest.skip("this scenario changes the target; on a host it runs only with "
                    "--allow-changes (and the resources it needs)")
    u = Undo(env.fs)
    yield u
    errors = u.run()
    if errors:
        pytest.fail("could not restore the target:\n  " + "\n  ".join(errors), pytrace=False)


@pytest.fixture(autouse=True)
def _version_and_safety_gates(request):
    """Apply the kernel(min, max) marker and the exclusive gate."""
    if "env" not in request.fixturenames:
        return
    m = request.node.get_closest_marker("kernel")
    needs_env = m is not None or request.node.get_closest_marker("exclusive") is not None
    if not needs_env:
        return
    e: Env = request.getfixturevalue("env")
    if m is not None:
        lo, hi = m.kwargs.get("min"), m.kwargs.get("max")
        why = m.kwargs.get("why", "")
        if lo and not e.kver.at_least(lo):
            pytest.skip(f"applies to kernels >= {lo}; target is {e.kver}. {why}".strip())
        if hi and e.kver.at_least(hi):
            pytest.skip(f"applies to kernels < {hi}; target is {e.kver}. {why}".strip())
    if request.node.get_closest_marker("exclusive") and not (e.exclusive and e.writable):
        pytest.skip("changes bus-wide settings; on a host only with --allow-changes --exclusive "
                    "(a system dedicated to the test)")


# --------------------------------------------------------------------------- soft checks

def _doc_parts(fn):
    doc = (fn.__doc__ or "").strip()
    rule, _, source = doc.partition("Source:")
    rule = " ".join(rule.split())
    source = " ".join(source.split())
    return rule, source


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """Run a scenario, then fail it if any soft check failed (listing them all)."""
    fn = pyfuncitem.obj
    args = {a: pyfuncitem.funcargs[a] for a in pyfuncitem._fixtureinfo.argnames}
    chk: Optional[Checker] = pyfuncitem.funcargs.get("chk")
    rule, source = _doc_parts(fn)
    pyfuncitem.user_properties.append(("rule", rule))
    pyfuncitem.user_properties.append(("source", source))
    aborted = None
    try:
        fn(**args)
    except (ChangesNotAllowed, ReadOnlyTarget) as e:
        pytest.skip(f"this scenario writes ({e}); on a host it needs --allow-changes")
    except ScenarioAbort as e:
        if chk is None:
            raise
        aborted = str(e)
    finally:
        if chk is not None:
            pyfuncitem.user_properties.append(
                ("checks", json.dumps([c.as_dict() for c in chk.checks])))
    if aborted is not None:
        pytest.fail(f"{aborted}\n{chk.summary()}", pytrace=False)
    if chk is not None and chk.failed:
        pytest.fail(chk.summary(), pytrace=False)
    return True


# --------------------------------------------------------------------------- known gaps

def pytest_collection_modifyitems(config, items):
    rc = _run_config(config)
    if rc.kind != "sim":
        return
    for item in items:
        key = item.nodeid.split("conformance/")[-1]
        reason = known_gaps.KNOWN_GAPS.get(key)
        if reason:
            item.add_marker(pytest.mark.xfail(strict=True, reason="simfs: " + reason))


@pytest.fixture(scope="session", autouse=True)
def _suite_properties(record_testsuite_property, run_config):
    record_testsuite_property("target", run_config.kind + (f":{run_config.root}"
                                                          if run_config.kind == "path" else ""))
    if run_config.kernel_override:
        record_testsuite_property("kernel", run_config.kernel_override)
