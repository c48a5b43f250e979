"""mdevtool's command line: help, version, exit codes, the sysfs root."""
import re
import subprocess

import pytest

from .mdevtool_helpers import MDEVTOOL, REPO, U1

COMMANDS = [["list"], ["types"], ["ccw", "create"], ["ccw", "remove"], ["ap", "create"],
            ["ap", "assign"], ["ap", "unassign"], ["ap", "remove"], ["ap", "show"],
            ["qemu"], ["libvirt"]]


def run(*args, env=None):
    if not MDEVTOOL.exists():
        pytest.fail(f"{MDEVTOOL} is not built")
    return subprocess.run([str(MDEVTOOL), *args], capture_output=True, text=True, timeout=30,
                          env=env)


def test_version_is_the_project_version():
    version = re.search(r"version\s*:\s*'([^']+)'", (REPO / "meson.build").read_text()).group(1)
    cp = run("--version")
    assert cp.returncode == 0
    assert cp.stdout == f"mdevtool {version}\n"


def test_main_help_documents_exit_codes():
    cp = run("--help")
    assert cp.returncode == 0
    for code in range(5):
        assert re.search(rf"^  {code}  ", cp.stdout, re.M), code
    for cmd in COMMANDS:
        assert " ".join(cmd) in cp.stdout


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: "-".join(c))
def test_each_command_has_help(cmd):
    cp = run(*cmd, "--help")
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout.startswith("Usage: mdevtool " + " ".join(cmd))
    assert "Exit status:" in cp.stdout
    assert run("help", *cmd).stdout == cp.stdout


def test_group_help():
    cp = run("ap", "--help")
    assert cp.returncode == 0
    assert "ap create" in cp.stdout and "ap show" in cp.stdout


@pytest.mark.parametrize("args", [
    [],
    ["bogus"],
    ["ccw"],
    ["ccw", "bogus"],
    ["list", "--bogus"],
    ["list", "extra"],
    ["ccw", "create"],
    ["ccw", "remove", U1, "--force"],          # option of another command
    ["ap", "create", "--adapter", "047"],      # ambiguous leading zero
    ["ap", "create", "--domain", "256"],
    ["ap", "create", "--apqn", "5"],
    ["ap", "create", "--apqn", "05.0004,"],
    ["ap", "assign"],
    ["qemu"],
    ["list", "--sysfs"],
], ids=lambda a: " ".join(a) or "none")
def test_usage_errors_exit_2(args):
    cp = run(*args)
    assert cp.returncode == 2, cp.stderr
    assert cp.stderr.startswith("mdevtool: ")
    assert cp.stdout == ""


def test_missing_root_exits_3(tmp_path):
    cp = run("--sysfs", str(tmp_path / "nope"), "list")
    assert cp.returncode == 3
    assert "sysfs root" in cp.stderr


def test_sysfs_root_from_environment(host):
    env = {"SYSFS_ROOT": str(host.path)}
    host.ok("ccw", "create", "0.0.2b09", "--uuid", U1, sysfs=False, env=env)
    assert host.exists(f"bus/mdev/devices/{U1}")
    # --sysfs wins over SYSFS_ROOT.
    cp = host.run("list", "--json", env={"SYSFS_ROOT": "/nonexistent"})
    assert U1 in cp.stdout


def test_global_options_after_the_command(host):
    cp = host.run("ccw", "create", "0.0.2b09", "--uuid", U1, "--dry-run", sysfs=False,
                  env={"SYSFS_ROOT": "/nonexistent"})
    assert cp.returncode == 3           # SYSFS_ROOT used: it does not exist
    cp = subprocess.run([str(MDEVTOOL), "ccw", "create", "0.0.2b09", "--sysfs", str(host.path),
                         "-n", "-u", U1], capture_output=True, text=True)
    assert cp.returncode == 0
    assert "echo vfio_ccw >" in cp.stdout
    assert not host.exists(f"bus/mdev/devices/{U1}")
