"""Paths from untrusted sources: never leave a root, never block on a special file, never print raw bytes.

- :func:`safe_join` resolves a path written in a listing file (or any other user file) against the listing's
  folder and refuses absolute paths, ``..`` escapes, URLs, NUL bytes and symbolic links that lead outside.
- :func:`open_regular` opens a file for reading only if it is a regular file, checked on the open descriptor (a
  FIFO, a device or a socket named ``shot.png`` would otherwise block or stream forever), without following a
  last-component symbolic link swapped in after discovery.
- :func:`printable` makes a file name safe to show: undecodable bytes and control characters (a name can hold
  ANSI escape sequences or newlines) become visible escapes.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path, PurePosixPath


class UnsafePath(ValueError):
    """A path that must not be used; ``str()`` says why, for a person."""


def safe_join(root: str | Path, relative: str) -> Path:
    """``root / relative``, resolved, guaranteed to stay inside ``root``; raises :class:`UnsafePath` otherwise.

    Backslashes are read as separators (listings written on Windows). The result need not exist; if it (or a
    folder on the way) is a symbolic link, it is followed and must still land inside ``root``.
    """
    if not isinstance(relative, str):
        raise UnsafePath(f"not a path: {relative!r}")
    shown = printable(relative)
    if not relative.strip():
        raise UnsafePath("empty path")
    if "\x00" in relative:
        raise UnsafePath(f"path {shown} contains a NUL byte")
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", relative) or relative.lower().startswith(("data:", "file:")):
        raise UnsafePath(f"{shown} is a URL, not a path inside the listing folder")
    text = relative.replace("\\", "/")
    if text.startswith("/") or re.match(r"^[A-Za-z]:", text):
        raise UnsafePath(f"{shown} is an absolute path; paths must be relative to the listing folder")
    parts = PurePosixPath(text).parts
    if ".." in parts:
        raise UnsafePath(f"{shown} climbs out of the listing folder ('..')")
    base = Path(root).resolve()
    target = (base.joinpath(*parts)).resolve()
    if not target.is_relative_to(base):
        raise UnsafePath(f"{shown} leads outside the listing folder through a symbolic link")
    return target


def regular_file_problem(mode: int) -> str | None:
    """Why a file of this ``st_mode`` cannot be read as media, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "is a named pipe (FIFO), not a regular file; not read"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a regular file; not read"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a regular file; not read"
    return "is not a regular file; not read"


class NotReadable(OSError):
    """A file that cannot or must not be read; ``reason`` is for a person."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def open_regular(path: str | Path):
    """A binary file object for ``path`` if it is a readable regular file; raises :class:`NotReadable`."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except IsADirectoryError:
        raise NotReadable("is a folder, not a file") from None
    except PermissionError:
        raise NotReadable("permission denied: the file cannot be read") from None
    except FileNotFoundError:
        raise NotReadable("no longer exists (removed during the scan?)") from None
    except OSError as exc:
        if exc.errno == getattr(os, "ELOOP", None) or "loop" in str(exc).lower():
            raise NotReadable("is a looping symbolic link") from None
        raise NotReadable(f"cannot be read: {exc.strerror or exc}") from None
    try:
        problem = regular_file_problem(os.fstat(fd).st_mode)
        if problem:
            raise NotReadable(problem)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(path: str | Path, max_bytes: int) -> bytes:
    """The whole content of a regular file of at most ``max_bytes`` bytes; raises :class:`NotReadable`."""
    with open_regular(path) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > max_bytes:
            raise NotReadable(f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:g} MB limit; not read")
        try:
            data = handle.read(max_bytes + 1)
        except OSError as exc:
            raise NotReadable(f"cannot be read: {exc.strerror or exc}") from None
    if len(data) > max_bytes:  # grew while being read
        raise NotReadable(f"file is over the {max_bytes / 1e6:g} MB limit; not read")
    return data


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def file_size(path: str | Path) -> int | None:
    """The size of the file at ``path`` in bytes, or None when it cannot be read (gone, no permission)."""
    try:
        return os.stat(path).st_size
    except OSError:
        return None


def printable(name: str) -> str:
    """``name`` with undecodable bytes as ``\\xNN`` and control or bidi-override characters as ``\\uNNNN``."""
    if any("\udc80" <= ch <= "\udcff" for ch in name):
        name = os.fsencode(name).decode("utf-8", "backslashreplace")
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}" if ord(m.group()) > 0xff
                        else f"\\x{ord(m.group()):02x}", name)
