"""Installing (docs/install.md): what `meson install` lays out (staged with --destdir), that the
man pages document every option the binaries take, mdevtool's bash completion against a real
mount, `simfs --topology NAME`, and one version everywhere.

scripts/package-smoke checks the same from an installed Debian package (tests/run runs it).
"""
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import BUILD, FIXTURES, REPO, SIMFS

MDEVTOOL = BUILD / "mdevtool" / "mdevtool"
PY = "/usr/bin/python3"


def _meson(*args):
    if not shutil.which("meson"):
        pytest.skip("meson is not installed")
    return subprocess.run(["meson", *args], capture_output=True, text=True, timeout=300)


def _project_version():
    cp = _meson("introspect", "--projectinfo", str(REPO / "meson.build"))
    assert cp.returncode == 0, cp.stderr
    return json.loads(cp.stdout)["version"]


def _build_option(name):
    cp = _meson("introspect", "--buildoptions", str(BUILD))
    assert cp.returncode == 0, cp.stderr
    return next(o["value"] for o in json.loads(cp.stdout) if o["name"] == name)


@pytest.fixture(scope="module")
def staged(tmp_path_factory):
    """`meson install --destdir D` of the build under test: returns D + prefix."""
    if not SIMFS.exists():
        pytest.fail(f"{SIMFS} is not built (meson compile -C {BUILD})")
    dest = tmp_path_factory.mktemp("destdir")
    cp = _meson("install", "-C", str(BUILD), "--no-rebuild", "--destdir", str(dest))
    assert cp.returncode == 0, cp.stdout + cp.stderr
    return Path(str(dest) + _build_option("prefix"))


def _roff_text(path):
    """A man page's source with escapes flattened enough to search for option names."""
    text = path.read_text()
    text = re.sub(r"\\f[BIRP]", "", text).replace("\\-", "-").replace("\\(aq", "'")
    return text


def _long_options(text):
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", text))


def test_meson_install_layout(staged):
    for f in ["bin/simfs", "bin/mdevtool", "bin/simfs-conformance"]:
        assert os.access(staged / f, os.X_OK), f
    for f in ["share/man/man8/simfs.8", "share/man/man8/mdevtool.8", "share/man/man1/simfs-conformance.1",
              "share/simfs/conformance/conftest.py", "share/simfs/conformance/_version.py",
              "share/simfs/conformance/fixtures/spec8.json", "share/simfs/fixtures/README.md"]:
        assert (staged / f).is_file(), f
    completions = list(staged.glob("share/**/completions/mdevtool"))
    assert len(completions) == 1, "mdevtool's bash completion is not installed"
    for f in FIXTURES.glob("*.json"):
        assert (staged / "share/simfs/fixtures" / f.name).read_bytes() == f.read_bytes(), f.name
    assert (staged / "share/simfs/fixtures/lpar-small.json").is_file()
    for f in (REPO / "conformance").glob("*.py"):
        assert (staged / "share/simfs/conformance" / f.name).is_file(), f.name
    leftovers = [p for p in (staged / "share/simfs").rglob("*")
                 if p.name in ("meson.build", "__pycache__") or p.suffix in (".in", ".pyc")]
    assert not leftovers, leftovers
    # The runner points at the installed suite and simfs of this prefix.
    wrapper = (staged / "bin/simfs-conformance").read_text()
    prefix = _build_option("prefix")
    assert f"suite='{prefix}/{_build_option('datadir')}/simfs'" in wrapper
    assert f"'{prefix}/{_build_option('bindir')}/simfs'" in wrapper
    assert not re.search(r"@[A-Z_]+@", wrapper), "a meson @VAR@ left unfilled"


def test_man_pages_render_without_warnings(staged):
    if not shutil.which("man"):
        pytest.skip("man is not installed")
    version = _project_version()
    for page in ["man8/simfs.8", "man8/mdevtool.8", "man1/simfs-conformance.1"]:
        path = staged / "share/man" / page
        cp = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z", str(path)],
                            capture_output=True, text=True,
                            env=dict(os.environ, LC_ALL="C.UTF-8", MANROFFSEQ="", MANWIDTH="80"))
        assert cp.returncode == 0 and not cp.stderr, f"{page}: {cp.stderr}"
        text = path.read_text()
        assert not re.search(r"@[A-Z_]+@", text), f"{page}: a meson @VAR@ left unfilled"
        if page != "man8/mdevtool.8":
            assert f'"simfs {version}"' in text, f"{page}: the version is not {version}"


def _help(*argv):
    cp = subprocess.run([*map(str, argv)], capture_output=True, text=True, timeout=10)
    return cp.stdout + cp.stderr


def test_simfs_man_page_documents_every_option_and_subcommand(staged):
    man = _roff_text(staged / "share/man/man8/simfs.8")
    for argv in ([SIMFS, "--help"], [SIMFS, "run", "--help"], [SIMFS, "shell", "--help"],
                 [SIMFS, "record", "--help"]):
        missing = _long_options(_help(*argv)) - _long_options(man)
        assert not missing, f"simfs(8) (simfs/simfs.8.in) lacks {sorted(missing)} of `{' '.join(map(str, argv[1:]))}`"
    # `simfs ctl` without a command lists the commands after "Commands...:", on that line
    # ("insmod MODULE, rmmod MODULE, flush, ...") or on indented lines below it.
    usage = _help(SIMFS, "ctl")
    assert "Commands" in usage, "simfs ctl no longer lists its commands"
    lines = usage[usage.index("Commands"):].splitlines()
    listed = lines[0].split(":", 1)[1] + " ".join(l for l in lines[1:] if l.startswith(" "))
    cmds = [item.split()[0] for item in re.split(r"[,;]", listed) if item.strip()]
    assert "insmod" in cmds, cmds
    ctl = man[man.index('.SS "simfs ctl'):]
    ctl = ctl[:ctl.index(".SS", 4)]
    for cmd in cmds:
        assert re.search(rf"^\.B[IR]? (.* )?{re.escape(cmd)}\b", ctl, re.M), \
            f"simfs(8) (simfs/simfs.8.in) does not document `simfs ctl {cmd}`"


def test_mdevtool_man_page_documents_every_option(staged):
    man = _roff_text(staged / "share/man/man8/mdevtool.8")
    main_help = _help(MDEVTOOL, "--help")
    helps = [main_help]
    for line in main_help.splitlines():
        m = re.match(r"  ((?:ccw|ap) [a-z]+|list|types|qemu|libvirt)\b", line)
        if m:
            helps.append(_help(MDEVTOOL, *m.group(1).split(), "--help"))
            assert m.group(1).split()[-1] in man, f"mdevtool(8) lacks the command {m.group(1)}"
    missing = set().union(*map(_long_options, helps)) - _long_options(man)
    assert not missing, f"mdevtool(8) (mdevtool/mdevtool.8) lacks {sorted(missing)}"


def test_one_version_everywhere():
    version = _project_version()
    assert _help(SIMFS, "--version").strip() == f"simfs {version}"
    assert _help(MDEVTOOL, "--version").strip() == f"mdevtool {version}"
    cp = subprocess.run([PY, "-m", "conformance", "--version"], cwd=REPO, capture_output=True, text=True)
    assert cp.stdout.strip() == f"simfs-conformance {version}", cp.stderr
    first = (REPO / "debian/changelog").read_text().splitlines()[0]
    assert first.startswith(f"simfs ({version}) "), \
        f"debian/changelog's top entry is {first!r}: add one for {version}"


def test_topology_name_not_found_names_what_was_tried(tmp_path):
    config = (BUILD / "config.h").read_text()
    datadir = re.search(r'#define FIXTURES_DATADIR "([^"]*)"', config).group(1)
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    cp = subprocess.run([str(SIMFS), "--topology", "no-such-fixture", str(mnt)], cwd=tmp_path,
                        capture_output=True, text=True, timeout=30)
    assert cp.returncode == 1
    assert cp.stderr.strip() == (f"simfs: no-such-fixture: no such file, and no installed fixture "
                                 f"{datadir}/no-such-fixture.json")
    assert not os.path.ismount(mnt)
    cp = subprocess.run([str(SIMFS), "run", "--topology", "no-such-fixture", "--", "true"], cwd=tmp_path,
                        capture_output=True, text=True, timeout=30)
    assert cp.returncode == 125
    assert f"{datadir}/no-such-fixture.json" in cp.stderr


def test_topology_file_in_the_current_directory_wins(tmp_path, simfs_factory, monkeypatch):
    """A bare name that is a file here is that file (a recorded host, say), not an installed one."""
    (tmp_path / "lpar-small").write_bytes((FIXTURES / "lpar-small.json").read_bytes())
    monkeypatch.chdir(tmp_path)
    m = simfs_factory("--topology", "lpar-small")
    assert "0.0.1900" in m.ls("bus/ccw/devices")
    assert m.ls("bus/ap/devices")[:3] == ["03.000b", "03.000c", "04.000b"]


def _complete(completion, sysfs, *words):
    script = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); '
              '_mdevtool; printf "%s\\n" "${COMPREPLY[@]}"')
    cp = subprocess.run(["bash", "-c", script, "_", str(completion), "mdevtool", *words],
                        capture_output=True, text=True, timeout=10,
                        env=dict(os.environ, SYSFS_ROOT=str(sysfs)))
    assert cp.returncode == 0 and not cp.stderr, cp.stderr
    return [w for w in cp.stdout.split("\n") if w]


def test_bash_completion(staged, sysfs):
    comp = next(staged.glob("share/**/completions/mdevtool"))
    root = str(sysfs.path)
    assert _complete(comp, root, "") == ["list", "types", "ccw", "ap", "qemu", "libvirt"]
    assert _complete(comp, root, "ccw", "") == ["create", "remove"]
    assert _complete(comp, root, "ap", "") == ["create", "assign", "unassign", "remove", "show"]
    assert _complete(comp, root, "--dry-run", "ap", "s") == ["show"]
    assert sorted(_complete(comp, root, "ccw", "create", "")) == \
        sorted(sysfs.ls("bus/ccw/devices") + sysfs.ls("bus/css/devices"))
    assert _complete(comp, "/nonexistent", "--sysfs", root, "ccw", "create", "0.0.2b") == ["0.0.2b09", "0.0.2b0a"]
    assert _complete(comp, "/nonexistent", "--sysfs", "=", root, "ccw", "create", "0.0.2b") == ["0.0.2b09", "0.0.2b0a"]
    assert "05.0047" in _complete(comp, root, "ap", "create", "--apqn", "")
    assert "--restore-masks" in _complete(comp, root, "ap", "remove", "--")
    assert "--json" in _complete(comp, root, "list", "-")
    # No mdev yet: nothing to name, so the options.
    assert all(w.startswith("--") for w in _complete(comp, root, "ccw", "remove", ""))

    def mdevtool(*args):
        cp = subprocess.run([str(MDEVTOOL), "--sysfs", root, *args], capture_output=True, text=True)
        assert cp.returncode == 0, cp.stderr
        return cp.stdout.strip()

    ccw = mdevtool("ccw", "create", "0.0.2b09", "--quiet")
    ap = mdevtool("ap", "create", "--apqn", "05.0047", "--quiet")
    # Only the mdevs the command applies to: vfio_ccw ones for ccw, vfio_ap ones for ap.
    assert _complete(comp, root, "ccw", "remove", "") == [ccw]
    assert _complete(comp, root, "ap", "remove", "") == [ap]
    assert _complete(comp, root, "ap", "assign", ap[:4]) == [ap]
    assert sorted(_complete(comp, root, "qemu", "")) == sorted([ccw, ap])
    # One positional argument: then options.
    assert "--devno" in _complete(comp, root, "libvirt", ccw, "")
