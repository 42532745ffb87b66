"""Walk the inputs and yield asset references in a stable order, never leaving the roots given."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from media_check.sniff import HEAD_BYTES, MEDIA_EXTENSIONS, is_media, sniff


@dataclass(frozen=True)
class AssetRef:
    """One file to check. ``display`` is the path as the user would write it; ``listing`` the folder it belongs to
    (None for a file named on its own: listing-wide rules such as the screenshot count do not apply to it)."""

    path: Path
    display: str
    listing: str | None
    escape: str | None = None  # set when the file must not be read (a symlink leading out of its root)


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
            raise DiscoverError(f"no such file or folder: {raw}")
        if arg.is_dir() and not arg.is_symlink():
            _walk(arg, found, skipped)
        else:
            ref = _candidate(arg, str(arg), root=arg.parent, listing=None)
            if ref is None:
                skipped.append(Skipped(str(arg), "not a media file"))
            else:
                found.setdefault(ref.display, ref)
    return sorted(found.values(), key=lambda r: r.display), skipped


def _walk(root: Path, found: dict[str, AssetRef], skipped: list[Skipped]) -> None:
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            full = Path(dirpath) / name
            display = os.path.normpath(str(full))
            ref = _candidate(full, display, root=root, listing=os.path.normpath(dirpath))
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
    if path.is_dir():
        return None
    has_media_suffix = any(s.lower() in MEDIA_EXTENSIONS for s in path.suffixes)
    if has_media_suffix:
        return AssetRef(path, display, listing)
    try:
        with open(path, "rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError:
        return None
    return AssetRef(path, display, listing) if is_media(sniff(head)) else None
