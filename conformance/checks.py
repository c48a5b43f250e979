"""Soft checks: every scenario records each expectation with what it observed.

A scenario calls ``chk.read(path, b"0\\n")``, ``chk.write(path, b"5\\n", EINVAL)``
and so on.  A failed check does not stop the scenario (later checks still run
and are reported); the scenario fails at its end with every failed check
listed, expected against observed.  ``hard=True`` (or :meth:`Checker.do`) makes
a check a precondition: when it fails the scenario stops at once, because what
follows would only report consequences.

The checks are also what the reports show, one row per check.
"""

from __future__ import annotations

import errno as E
import re
from dataclasses import dataclass
from typing import Iterable, List, Optional, Union

from .sysfs import Err, Sysfs, show_bytes, wait_for


class ScenarioAbort(AssertionError):
    """A hard check failed; the scenario cannot meaningfully continue."""


class ChangesNotAllowed(Exception):
    """A scenario tried to write to a target that is read-only for this run."""


@dataclass
class Check:
    op: str                 # "read", "write", "link", "exists", "dir", ...
    path: str
    expected: str
    observed: str
    ok: bool
    sent: Optional[str] = None
    note: str = ""

    def line(self) -> str:
        sent = f" <- {self.sent}" if self.sent is not None else ""
        note = f" ({self.note})" if self.note else ""
        return (f"{self.op} {self.path}{sent}: expected {self.expected}, "
                f"observed {self.observed}{note}")

    def as_dict(self) -> dict:
        return {"op": self.op, "path": self.path, "sent": self.sent,
                "expected": self.expected, "observed": self.observed,
                "ok": self.ok, "note": self.note}


def _norm_write_expect(expect) -> Optional[Err]:
    if expect is None:
        return None
    if isinstance(expect, Err):
        return expect
    if isinstance(expect, int):
        return Err("write", expect)
    raise TypeError(f"bad write expectation {expect!r}")


class Checker:
    """Records checks against one target for one scenario."""

    def __init__(self, fs: Sysfs, writable: bool = True):
        self.fs = fs
        self.writable = writable
        self.checks: List[Check] = []

    # -- bookkeeping -------------------------------------------------------
    def _add(self, c: Check, hard: bool) -> bool:
        self.checks.append(c)
        if not c.ok and hard:
            raise ScenarioAbort("precondition failed: " + c.line())
        return c.ok

    @property
    def failed(self) -> List[Check]:
        return [c for c in self.checks if not c.ok]

    def summary(self) -> str:
        bad = self.failed
        lines = [f"{len(bad)} of {len(self.checks)} checks failed:"]
        lines += ["  - " + c.line() for c in bad]
        return "\n".join(lines)

    # -- writes ------------------------------------------------------------
    def write(self, path: str, data: Union[bytes, str], expect=None, note: str = "",
              hard: bool = False) -> bool:
        """One store; ``expect`` None = success, an int = that errno from write(2),
        an :class:`Err` = errno from a specific stage (e.g. ``open_err(EACCES)``)."""
        if isinstance(data, str):
            data = data.encode()
        if not self.writable:
            raise ChangesNotAllowed(path)
        want = _norm_write_expect(expect)
        got = self.fs.write(path, data)
        return self._add(Check("write", path, show_bytes(want), show_bytes(got),
                               got == want, sent=show_bytes(data), note=note), hard)

    def do(self, path: str, data: Union[bytes, str], note: str = "") -> None:
        """A write that must succeed for the scenario to go on."""
        self.write(path, data, None, note=note, hard=True)

    # -- reads -------------------------------------------------------------
    def read(self, path: str, expect: Union[bytes, Err], note: str = "",
             hard: bool = False) -> bool:
        """Exact bytes of one show (or the errno of open/read)."""
        got = self.fs.read(path)
        return self._add(Check("read", path, show_bytes(expect), show_bytes(got),
                               got == expect, note=note), hard)

    def read_match(self, path: str, pattern: bytes, note: str = "", hard: bool = False) -> bool:
        """The show matches a byte regex completely (values the hardware decides)."""
        got = self.fs.read(path)
        ok = isinstance(got, bytes) and re.fullmatch(pattern, got, re.S) is not None
        return self._add(Check("read", path, "match /" + pattern.decode() + "/",
                               show_bytes(got), ok, note=note), hard)

    def read_value(self, path: str) -> Optional[bytes]:
        """Read without checking (for values a later check compares against)."""
        got = self.fs.read(path)
        return got if isinstance(got, bytes) else None

    # -- tree --------------------------------------------------------------
    def link(self, path: str, target: str, note: str = "", hard: bool = False) -> bool:
        """A symlink with exactly this (relative) target text."""
        got = self.fs.readlink(path)
        return self._add(Check("readlink", path, repr(target), str(got) if isinstance(got, Err)
                               else repr(got), got == target, note=note), hard)

    def exists(self, path: str, note: str = "", hard: bool = False) -> bool:
        ok = self.fs.exists(path)
        return self._add(Check("exists", path, "present", "present" if ok else "absent",
                               ok, note=note), hard)

    def absent(self, path: str, note: str = "", hard: bool = False) -> bool:
        there = self.fs.exists(path)
        return self._add(Check("exists", path, "absent", "present" if there else "absent",
                               not there, note=note), hard)

    def isdir(self, path: str, note: str = "", hard: bool = False) -> bool:
        ok = self.fs.isdir(path)
        kind = "directory" if ok else ("link" if self.fs.islink(path) else
                                       ("file" if self.fs.exists(path) else "absent"))
        return self._add(Check("isdir", path, "directory", kind, ok, note=note), hard)

    def mode(self, path: str, mode: int, note: str = "", hard: bool = False) -> bool:
        got = self.fs.mode(path)
        return self._add(Check("mode", path, oct(mode), "absent" if got is None else oct(got),
                               got == mode, note=note), hard)

    def dir(self, path: str, required: Iterable[str], optional: Iterable[str] = (),
            exact: bool = True, note: str = "", hard: bool = False) -> bool:
        """Directory entries: every ``required`` one present; with ``exact`` nothing
        beyond ``required`` + ``optional``."""
        req = set(required)
        opt = set(optional)
        got = self.fs.listdir(path)
        if isinstance(got, Err):
            return self._add(Check("listdir", path, " ".join(sorted(req)), str(got), False,
                                   note=note), hard)
        have = set(got)
        missing = req - have
        extra = have - req - opt if exact else set()
        ok = not missing and not extra
        observed = " ".join(sorted(have))
        if missing or extra:
            observed += f"  [missing: {' '.join(sorted(missing)) or '-'}; " \
                        f"unexpected: {' '.join(sorted(extra)) or '-'}]"
        expected = " ".join(sorted(req)) + (f" (optional: {' '.join(sorted(opt))})" if opt else "")
        return self._add(Check("listdir", path, expected or "(empty)", observed or "(empty)", ok,
                               note=note), hard)

    def driver(self, devpath: str, name: Optional[str], note: str = "",
               hard: bool = False) -> bool:
        """Basename of the device's ``driver`` link (None = no driver)."""
        got = self.fs.driver(devpath)
        return self._add(Check("driver", devpath + "/driver", str(name), str(got),
                               got == name, note=note), hard)

    def wait(self, pred, what: str, path: str = "", timeout: float = 5.0,
             hard: bool = False) -> bool:
        """An asynchronous effect: ``pred`` must become true within ``timeout`` s."""
        ok = wait_for(pred, timeout)
        return self._add(Check("wait", path, what + f" within {timeout:g}s",
                               "yes" if ok else "timed out", ok), hard)

    def true(self, cond: bool, what: str, expected: str = "true", observed: str = "false",
             path: str = "", hard: bool = False) -> bool:
        """Any other condition, described for the report."""
        return self._add(Check("check", path, expected, expected if cond else observed,
                               bool(cond), note=what), hard)


# Errno names the scenarios use, re-exported so modules can ``from .checks import *``.
EINVAL = E.EINVAL
ENODEV = E.ENODEV
EBUSY = E.EBUSY
EEXIST = E.EEXIST
EUSERS = E.EUSERS
EPERM = E.EPERM
EACCES = E.EACCES
ENOENT = E.ENOENT
ERANGE = E.ERANGE
EOPNOTSUPP = E.EOPNOTSUPP
EADDRINUSE = E.EADDRINUSE
EADDRNOTAVAIL = E.EADDRNOTAVAIL
EAGAIN = E.EAGAIN
EIO = E.EIO
