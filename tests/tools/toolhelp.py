"""Helpers for the third-party tool tests: run steps inside `simfs run`,
find the tools, and format expected output the way the tools do.

Kept out of conftest.py so that test modules import it by a name no other
directory uses.  Binaries are found under $SIMFS_BUILD_DIR (default build/).
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("SIMFS_BUILD_DIR", REPO / "build"))
SIMFS = BUILD / "simfs" / "simfs"
MDEVTOOL = BUILD / "mdevtool" / "mdevtool"
HERE = Path(__file__).resolve().parent
TOPOLOGY = HERE / "s390-host.json"
STEPPER = HERE / "stepper.py"
S390X_ROOT = Path(os.environ.get("SIMFS_S390X_ROOT", "/var/cache/simfs-s390x/root"))

U1 = "11111111-2222-3333-4444-555555555555"
U2 = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
U3 = "0ab1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d"


def missing(what):
    """A tool is not installed: skip with the reason; in CI (CI=true) that is a failure."""
    msg = f"{what} is not installed (scripts/install-tools installs it; it needs the Debian mirror)"
    if os.environ.get("CI") == "true":
        pytest.fail(msg + " -- in CI every tool must be installed")
    pytest.skip(msg)


def require_simfs_run():
    if not os.path.exists("/dev/fuse"):
        pytest.skip("no /dev/fuse on this machine: simfs cannot mount")
    if not SIMFS.exists():
        pytest.fail(f"{SIMFS} is not built (meson compile -C {BUILD})")
    if os.geteuid() != 0:
        pytest.skip("the tool tests run as root (simfs run as non-root is tested in test_run.py)")


def require(*tools):
    require_simfs_run()
    for t in tools:
        if t in ("lscss", "lszcrypt", "chzcrypt"):
            if not shutil.which("qemu-s390x-static"):
                missing("qemu-s390x-static (package qemu-user-static)")
            if not (S390X_ROOT / "sbin" / t).exists():
                missing(f"the s390x s390-tools ({S390X_ROOT}/sbin/{t})")
        elif t == "mdevtool":
            if not MDEVTOOL.exists():
                pytest.fail(f"{MDEVTOOL} is not built (meson compile -C {BUILD})")
        elif not shutil.which(t, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin"):
            missing(t)


def _wrappers(bindir):
    """lscss, lszcrypt, chzcrypt: the s390x binaries through qemu-user, unmodified."""
    bindir.mkdir(exist_ok=True)
    for t in ("lscss", "lszcrypt", "chzcrypt"):
        w = bindir / t
        w.write_text(f'#!/bin/sh\nexec qemu-s390x-static -L {S390X_ROOT} {S390X_ROOT}/sbin/{t} "$@"\n')
        w.chmod(0o755)
    for name, target in (("mdevtool", MDEVTOOL), ("simfs", SIMFS)):
        link = bindir / name
        if not link.exists():
            link.symlink_to(target)


class Step:
    def __init__(self, d):
        self.name, self.sh, self.rc = d["name"], d["sh"], d["rc"]
        self.out, self.err = d["out"], d["err"]

    @property
    def lines(self):
        return self.out.split("\n")

    def __repr__(self):
        return f"<step {self.name}: rc={self.rc}\n--- stdout\n{self.out}--- stderr\n{self.err}>"


class Run:
    """The result of one `simfs run`: .steps by name, .etc (the private /etc root)."""

    def __init__(self, cp, steps, etc):
        self.cp, self.etc = cp, etc
        self.steps = {s.name: s for s in steps}

    def __getitem__(self, name):
        return self.steps[name]


def run_steps(tmp_path, steps, topology=TOPOLOGY, extra_args=()):
    """Run @steps [(name, shell)] or [(name, shell, capture_var)] in one `simfs run`.

    Everything happens in one simulated host, in order.  Tools see the real
    /sys path; the private /etc/mdevctl.d and /etc/driverctl.d are kept in
    tmp_path/etc for the test to inspect.
    """
    bindir = tmp_path / "bin"
    _wrappers(bindir)
    spec = []
    for s in steps:
        d = {"name": s[0], "sh": s[1]}
        if len(s) > 2:
            d["capture"] = s[2]
        spec.append(d)
    (tmp_path / "steps.json").write_text(json.dumps(spec))
    etc = tmp_path / "etc"
    env = {k: v for k, v in os.environ.items() if k not in ("SYSFS_ROOT", "MDEVCTL_ENV_ROOT")}
    env.update(PATH=f"{bindir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
               LC_ALL="C", RUST_BACKTRACE="0", RUST_LIB_BACKTRACE="0")
    cmd = [str(SIMFS), "run", "--topology", str(topology), "--etc", str(etc), *extra_args,
           "--", sys.executable, str(STEPPER), str(tmp_path / "steps.json"), str(tmp_path / "results.json")]
    cp = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert cp.returncode == 0, f"simfs run failed ({cp.returncode}): {cp.stderr}"
    results = json.loads((tmp_path / "results.json").read_text())
    return Run(cp, [Step(r) for r in results], etc)


def rec_table(fields, rows, sep="-"):
    """The lines s390-tools' util_rec prints in its "wide" format.

    @fields: [(header, width, 'L' or 'R')]; @rows: lists of values.  The header
    row, a separator as long as the row (widths plus one blank between
    columns), then one line per row; every column is padded to its width.
    """
    def line(values):
        return " ".join(f"{v:<{w}}" if a == "L" else f"{v:>{w}}"
                        for v, (_, w, a) in zip(values, fields))

    out = [line([h for h, _, _ in fields])]
    out.append(sep * (sum(w for _, w, _ in fields) + len(fields) - 1))
    out += [line(r) for r in rows]
    return out


def assert_lines(step, expected, stream="out"):
    """Compare line by line, with the step's full output in the message."""
    text = step.out if stream == "out" else step.err
    got = text.split("\n")
    assert got == expected, (f"{step.name}: `{step.sh}` printed (rc={step.rc})\n{text}"
                             f"--- expected\n" + "\n".join(expected) + f"\n--- stderr\n{step.err}")
