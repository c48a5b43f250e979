"""The only way the conformance suite talks to a target: plain sysfs file operations.

Every scenario goes through a :class:`Sysfs` object bound to the target's root
(``/sys`` on a host, the mount point of a simfs instance, or any directory).
Paths are always written as the kernel documents them (``/sys/bus/css/...``);
the helper maps them onto the root, so reports read the same for every target.

The rules this layer keeps, because the kernel's sysfs keeps them:

* ``write()`` is exactly one ``open(2)`` + one ``write(2)`` + ``close(2)``: one
  store in the kernel.  No stdio buffering (which would hide the errno until
  ``fclose`` and could split the buffer).
* An ``open(2)`` failure (EACCES on a write-only/read-only attribute, ENOENT on
  a missing file) is reported distinctly from a ``write(2)`` failure (the store's
  errno).  The oracle transcripts distinguish them the same way
  (``can't create F: X`` versus ``write error: X``).
* ``read()`` returns the exact bytes of one show, or the errno of ``open`` or of
  ``read`` (``real_cssid`` and ``chp*/configure`` fail at read time).
"""

from __future__ import annotations

import errno as _errno
import os
import time
from typing import Callable, List, NamedTuple, Optional, Union


class Err(NamedTuple):
    """A failed operation: which system call failed, and its errno.

    ``stage`` is ``"open"``, ``"write"``, ``"read"``, ``"short"`` (a write that
    returned fewer bytes than given; ``errno`` then holds the count) or
    ``"readlink"``/``"listdir"``.
    """

    stage: str
    errno: int

    def __str__(self) -> str:  # e.g. "EINVAL at write"
        if self.stage == "short":
            return f"short write of {self.errno} bytes"
        return f"{errno_name(self.errno)} at {self.stage}"


def errno_name(num: int) -> str:
    return _errno.errorcode.get(num, str(num))


def open_err(num: int) -> Err:
    return Err("open", num)


def write_err(num: int) -> Err:
    return Err("write", num)


def read_err(num: int) -> Err:
    return Err("read", num)


WriteResult = Optional[Err]
ReadResult = Union[bytes, Err]


class ReadOnlyTarget(Exception):
    """A write was attempted on a target opened read-only (a host without --allow-changes)."""


class Sysfs:
    """File operations on one target tree.

    ``writable=False`` (a real host without ``--allow-changes``) makes every write raise
    :class:`ReadOnlyTarget` before anything is opened: the last line of the host-safety
    defence, below the scenario-level gates.
    """

    def __init__(self, root: str = "/sys", writable: bool = True):
        self.root = os.path.abspath(root)
        self.writable = writable

    # -- paths -------------------------------------------------------------
    def real(self, path: str) -> str:
        """Map a documented path (``/sys/...``) onto the target root."""
        if path == "/sys":
            return self.root
        if path.startswith("/sys/"):
            return os.path.join(self.root, path[len("/sys/"):])
        if path.startswith("/"):
            raise ValueError(f"sysfs path outside /sys: {path}")
        return os.path.join(self.root, path)

    # -- attribute I/O -----------------------------------------------------
    def write(self, path: str, data: bytes) -> WriteResult:
        """One store.  Returns None on success, else Err('open'|'write'|'short', ...)."""
        if isinstance(data, str):
            data = data.encode()
        if not self.writable:
            raise ReadOnlyTarget(path)
        try:
            fd = os.open(self.real(path), os.O_WRONLY)
        except OSError as e:
            return Err("open", e.errno)
        try:
            n = os.write(fd, data)
        except OSError as e:
            return Err("write", e.errno)
        finally:
            try:
                os.close(fd)
            except OSError:
                pass
        if n != len(data):
            return Err("short", n)
        return None

    def read(self, path: str) -> ReadResult:
        """One show: the exact bytes, or Err('open'|'read', errno)."""
        return self.read_chunks(path, 65536)

    def pwrite(self, path: str, data: bytes, offset: int) -> WriteResult:
        """One store written at a file offset (sysfs ignores the offset)."""
        if not self.writable:
            raise ReadOnlyTarget(path)
        try:
            fd = os.open(self.real(path), os.O_WRONLY)
        except OSError as e:
            return Err("open", e.errno)
        try:
            n = os.pwrite(fd, data, offset)
        except OSError as e:
            return Err("write", e.errno)
        finally:
            os.close(fd)
        return None if n == len(data) else Err("short", n)

    def open_close(self, path: str, truncate: bool = True) -> WriteResult:
        """Open for writing (with O_TRUNC, as a shell's '>' does) and close without writing."""
        if not self.writable:
            raise ReadOnlyTarget(path)
        try:
            fd = os.open(self.real(path), os.O_WRONLY | (os.O_TRUNC if truncate else 0))
        except OSError as e:
            return Err("open", e.errno)
        os.close(fd)
        return None

    def read_chunks(self, path: str, size: int) -> ReadResult:
        """One open, then read(2) calls of ``size`` bytes until EOF (one show, served in parts)."""
        try:
            fd = os.open(self.real(path), os.O_RDONLY)
        except OSError as e:
            return Err("open", e.errno)
        chunks = []
        try:
            while True:
                buf = os.read(fd, size)
                if not buf:
                    break
                chunks.append(buf)
        except OSError as e:
            return Err("read", e.errno)
        finally:
            os.close(fd)
        return b"".join(chunks)

    def read_text(self, path: str, default: Optional[str] = None) -> Optional[str]:
        """Convenience for discovery: the value without its trailing newline."""
        r = self.read(path)
        if isinstance(r, Err):
            return default
        return r.decode(errors="replace").rstrip("\n")

    # -- tree --------------------------------------------------------------
    def exists(self, path: str) -> bool:
        """The directory entry exists (a dangling link counts)."""
        return os.path.lexists(self.real(path))

    def isdir(self, path: str) -> bool:
        p = self.real(path)
        return os.path.isdir(p) and not os.path.islink(p)

    def islink(self, path: str) -> bool:
        return os.path.islink(self.real(path))

    def readlink(self, path: str) -> Union[str, Err]:
        try:
            return os.readlink(self.real(path))
        except OSError as e:
            return Err("readlink", e.errno)

    def resolve(self, path: str) -> Optional[str]:
        """The /sys path a link resolves to (following every link), or None."""
        real = os.path.realpath(self.real(path))
        if real == self.root:
            return "/sys"
        if not real.startswith(self.root + "/"):
            return None
        return "/sys/" + real[len(self.root) + 1:]

    def listdir(self, path: str) -> Union[List[str], Err]:
        try:
            return sorted(os.listdir(self.real(path)))
        except OSError as e:
            return Err("listdir", e.errno)

    def mode(self, path: str) -> Optional[int]:
        """Permission bits (lstat), or None when the entry is missing."""
        try:
            return os.lstat(self.real(path)).st_mode & 0o7777
        except OSError:
            return None

    def size(self, path: str) -> Optional[int]:
        """st_size (sysfs: 4096 for attributes, a binary attribute's own size), or None."""
        try:
            return os.lstat(self.real(path)).st_size
        except OSError:
            return None

    def driver(self, devpath: str) -> Optional[str]:
        """Basename of a device's ``driver`` link, or None when unbound."""
        r = self.readlink(devpath.rstrip("/") + "/driver")
        if isinstance(r, Err):
            return None
        return os.path.basename(r)


def wait_for(pred: Callable[[], bool], timeout: float = 5.0, interval: float = 0.02) -> bool:
    """Poll ``pred`` until it is true or ``timeout`` seconds passed; return its last value.

    For the few asynchronous effects of the kernel, such as a ccw device that
    reappears after ``io_subchannel`` re-probes its subchannel.
    """
    deadline = time.monotonic() + timeout
    while True:
        if pred():
            return True
        if time.monotonic() >= deadline:
            return bool(pred())
        time.sleep(interval)


def show_bytes(value) -> str:
    """Render an expected/observed value for reports: bytes with visible escapes."""
    if value is None:
        return "success"
    if isinstance(value, Err):
        return str(value)
    if isinstance(value, bytes):
        if value == b"":
            return "0 bytes"
        s = value.decode("latin-1")
        out = []
        for ch in s:
            if ch == "\n":
                out.append("\\n")
            elif ch == "\t":
                out.append("\\t")
            elif ch == "\\":
                out.append("\\\\")
            elif ord(ch) < 32 or ord(ch) > 126:
                out.append(f"\\x{ord(ch):02x}")
            else:
                out.append(ch)
        return '"' + "".join(out) + '"'
    return str(value)
