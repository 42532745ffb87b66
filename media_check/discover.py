"""Walk the inputs and yield asset references in a stable order, never leaving the roots given.

Symbolic links are never followed out of the root they were found in (a link to a file outside, or a looping
link, becomes an asset with a refusal reason, so it is reported rather than silently dropped); linked folders are
not walked. Special files (FIFOs, devices, sockets) are never opened: a FIFO named ``shot.png`` would block the
scan. Folders that cannot be read are reported. Display paths are made printable (undecodable bytes and control
characters in file names are escaped), the real path is kept for reading.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from media_check.paths import NotReadable, open_regular, printable, regular_file_problem
from media_check.sniff import HEAD_BYTES, MEDIA_EXTENSIONS, is_picture, sniff


@dataclass(frozen=True)
class AssetRef:
    """One file to check. ``display`` is the path as the user would write it; ``listing`` the folder it belongs to
    (None for a file named on its own: listing-wide rules such as the screenshot count do not apply to it)."""

    path: Path
    display: str
    listing: str | None
    escape: str | None = None  # why the file must not be read (a link out of its root, a FIFO...), else None


@dataclass(frozen=True)
class Skipped:
    display: str
    reason: str


class DiscoverError(Exception):
    """A path given on the command line does not exist."""


def discover(paths: list[str | Path]) -> tuple[list[AssetRef], list[Skipped]]:
    """Assets under ``paths`` (files and folders, recursive), sorted by display path, duplicates removed."""
    found: dict[str, AssetRef] = {}
    skipped: list[Skipped] = []
    for raw in paths:
        arg = Path(raw)
        if not arg.exists() and not arg.is_symlink():
            raise DiscoverError(f"no such file or folder: {printable(str(raw))}")
        if arg.is_dir() and not arg.is_symlink():
            _walk(arg, found, skipped)
        else:
            ref = _candidate(arg, printable(str(arg)), root=arg.parent, listing=None)
            if ref is None:
                skipped.append(Skipped(printable(str(arg)), "not a media file"))
            else:
                found.setdefault(ref.display, ref)
    return sorted(found.values(), key=lambda r: r.display), skipped


def _walk(root: Path, found: dict[str, AssetRef], skipped: list[Skipped]) -> None:
    def unreadable(exc: OSError) -> None:
        where = printable(os.path.normpath(exc.filename or str(root)))
        skipped.append(Skipped(where, f"folder cannot be read: {exc.strerror or exc}"))

    for dirpath, dirnames, filenames in os.walk(root, followlinks=False, onerror=unreadable):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            full = Path(dirpath) / name
            display = printable(os.path.normpath(str(full)))
            ref = _candidate(full, display, root=root, listing=printable(os.path.normpath(dirpath)))
            if ref is None:
                skipped.append(Skipped(display, "not a media file"))
            else:
                found.setdefault(ref.display, ref)


def _candidate(path: Path, display: str, root: Path, listing: str | None) -> AssetRef | None:
    if path.is_symlink():
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return AssetRef(path, display, listing, escape="broken or looping symbolic link; not followed")
        if not target.is_relative_to(root.resolve()):
            return AssetRef(path, display, listing,
                            escape="symbolic link leads outside the scanned folder; not followed")
    try:
        mode = path.stat().st_mode
    except OSError:
        mode = None
    if mode is not None and stat.S_ISDIR(mode):
        return None
    has_media_suffix = any(s.lower() in MEDIA_EXTENSIONS for s in path.suffixes)
    problem = regular_file_problem(mode) if mode is not None else None
    if problem:  # never opened: reported when it claims to be media, otherwise skipped
        return AssetRef(path, display, listing, escape=problem) if has_media_suffix else None
    if has_media_suffix:
        return AssetRef(path, display, listing)
    try:
        with open_regular(path) as handle:
            head = handle.read(HEAD_BYTES)
    except (NotReadable, OSError):
        return None
    return AssetRef(path, display, listing) if is_picture(sniff(head)) else None
