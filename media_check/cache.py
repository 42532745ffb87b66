"""Content-addressed cache of analyses: key = content sha256 + analyser version + analysis parameters.

Never keyed on paths or mtimes (a git checkout resets mtimes; a renamed file is the same content). Entries are
written atomically (temp file + rename) and carry their own key, so a corrupt or foreign entry is detected,
discarded and recomputed.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from media_check.analysis import Analysis, AnalysisParams
from media_check.words import Word

DEFAULT_DIR = ".media-check-cache"
_TAG = ("Signature: 8a477f597d28d172789f06886806bc55\n"
        "# This file is a cache directory tag created by media-check.\n"
        "# For information about cache directory tags see https://bford.info/cachedir/\n")


class AnalysisCache:
    def __init__(self, root: str | Path = DEFAULT_DIR):
        self.root = Path(root)

    def _path(self, sha256: str, params: AnalysisParams) -> Path:
        return self.root / "analysis" / params.fingerprint() / sha256[:2] / f"{sha256}.json"

    def get(self, sha256: str, params: AnalysisParams) -> Analysis | None:
        path = self._path(sha256, params)
        try:
            data = read_keyed(path, [sha256, params.fingerprint()])
            return None if data is None else Analysis.from_json(data["analysis"])
        except (OSError, ValueError, KeyError, TypeError):
            _remove(path)
            return None

    def put(self, params: AnalysisParams, analysis: Analysis) -> None:
        if not analysis.cacheable:
            return
        self._ensure_root()
        write_keyed(self._path(analysis.sha256, params),
                    {"key": [analysis.sha256, params.fingerprint()], "analysis": analysis.to_json()})

    def _ensure_root(self) -> None:
        tag = self.root / "CACHEDIR.TAG"
        if not tag.exists():
            self.root.mkdir(parents=True, exist_ok=True)
            write_atomic(tag, _TAG)
            write_atomic(self.root / ".gitignore", "*\n")


class WordCache:
    """OCR words alone, keyed by content sha256 + OCR parameters: survives analyser changes that do not touch OCR."""

    def __init__(self, root: str | Path = DEFAULT_DIR):
        self.root = Path(root)

    def _path(self, sha256: str, params: AnalysisParams) -> Path:
        return self.root / "ocr" / params.ocr_fingerprint() / sha256[:2] / f"{sha256}.json"

    def get(self, sha256: str, params: AnalysisParams) -> list[Word] | None:
        path = self._path(sha256, params)
        try:
            data = read_keyed(path, [sha256, params.ocr_fingerprint()])
            return None if data is None else [Word.from_list(row) for row in data["words"]]
        except (OSError, ValueError, KeyError, TypeError):
            _remove(path)
            return None

    def put(self, sha256: str, params: AnalysisParams, words: list[Word]) -> None:
        AnalysisCache(self.root)._ensure_root()
        write_keyed(self._path(sha256, params),
                    {"key": [sha256, params.ocr_fingerprint()], "words": [w.to_list() for w in words]})


def read_keyed(path: Path, key: list) -> dict | None:
    """The JSON object a cache entry at ``path`` holds for ``key``; None when there is no entry. Raises ValueError
    (or OSError) when the entry is unreadable, damaged or another key's."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return None
    if not isinstance(data, dict) or data.get("key") != key:
        raise ValueError("cache entry belongs to another key")
    return data


def write_keyed(path: Path, payload: dict) -> None:
    """Write a cache entry (a JSON object carrying its ``key``) atomically, making its folder if needed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(payload, separators=(",", ":")))


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader sees the old file or the new one, never half of one."""
    write_chunks_atomic(path, (text,))


def write_chunks_atomic(path: Path, chunks: Iterable[str | bytes]) -> None:
    """Write ``chunks`` (text, as UTF-8, or bytes) to ``path`` in turn, so that a reader sees the old file or the
    new one, never half of one."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~current_umask())  # mkstemp makes 0600 files; reports are shared like any other file
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
        os.replace(tmp, path)
    except BaseException:
        _remove(Path(tmp))
        raise


def current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
