"""Verdicts remembered by content, policy and code, so a re-scan of an unchanged folder runs no rule either.

The analysis cache (:mod:`media_check.cache`) makes a re-scan skip OCR; judging the cached analyses is then most
of what is left (phrase matching and the screen classifier, a few milliseconds per asset). An asset's verdict is
a pure function of its analysis, the policy in force and the code of media-check, so it is kept under that key:

- the asset: content sha256, analysis parameters, its role (screenshot, logo, video) and its path;
- the policy: :meth:`media_check.config.Config.fingerprint` (profile, rules in force, severities, options);
- the code: size and modification time of every file of the package and of ``models/`` (lexicons, the
  classifier), so editing a rule, a lexicon or the model, or checking out another commit, invalidates it.

Listing-wide findings of a listing folder (no listing file) are kept the same way, under the listing and the exact
set of its members (path, content, role): re-checking a folder of many screenshots does not compare every pair
again. A policy change is a new key: the rules run again on the cached analyses (no OCR). Verdicts that depend on
more than the assets (a live-app comparison, a listing file's metadata, extras given by a caller) are never
stored; baselines are applied afterwards, as for fresh verdicts. Entries are JSON, written atomically, checked against
their key when read; anything unreadable is a miss.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path

from media_check.cache import read_keyed, write_keyed
from media_check.report import Finding, ListingResult, Verdict, from_plain, to_plain

PACKAGE = Path(__file__).resolve().parent


@functools.lru_cache(maxsize=1)
def code_stamp() -> str:
    """Fingerprint of the code and data that verdicts depend on (sizes and modification times, ~1 ms): the
    package, and the models folder the rules read (``MEDIA_CHECK_MODELS`` or ``models/``)."""
    from media_check.phrases import MODELS_DIR

    digest = hashlib.sha256()
    for root in (PACKAGE, Path(MODELS_DIR)):
        if not root.is_dir():
            continue
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                if name.endswith((".pyc", ".pyo")):
                    continue
                path = os.path.join(folder, name)
                try:
                    info = os.stat(path)
                except OSError:
                    continue
                digest.update(f"{os.path.relpath(path, root)}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


class VerdictCache:
    """Verdicts under one policy and one version of the code, in ``<cache>/verdicts/<key>/``."""

    def __init__(self, root: str | Path, config_fingerprint: str, params_fingerprint: str):
        key = hashlib.sha256(f"{config_fingerprint}\0{params_fingerprint}\0{code_stamp()}".encode()).hexdigest()
        self.key = key[:16]
        self.folder = Path(root) / "verdicts" / self.key

    def _path(self, sha256: str, kind: str, path: str) -> Path:
        where = hashlib.sha256(path.encode("utf-8", "surrogateescape")).hexdigest()[:12]
        return self.folder / sha256[:2] / f"{sha256}-{kind}-{where}.json"

    def get(self, sha256: str, kind: str, path: str) -> Verdict | None:
        """The verdict of this content in this role at ``path`` (rules see the path), or None."""
        if not sha256:
            return None
        try:  # a missing, unreadable or foreign entry is a miss
            data = read_keyed(self._path(sha256, kind, path), [self.key, sha256, kind, path])
            return None if data is None else from_plain(Verdict, {**data["verdict"], "path": path, "cached": True})
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, verdict: Verdict) -> None:
        if not verdict.sha256:
            return
        self._write(self._path(verdict.sha256, verdict.kind, verdict.path),
                    {"key": [self.key, verdict.sha256, verdict.kind, verdict.path],
                     "verdict": {k: v for k, v in to_plain(verdict).items() if k != "path"}})

    def _listing_path(self, listing: str, members: list[tuple[str, str, str]]) -> tuple[Path, str]:
        material = json.dumps([listing, sorted(members)], ensure_ascii=False)
        digest = hashlib.sha256(material.encode("utf-8", "surrogateescape")).hexdigest()
        return self.folder / "listings" / digest[:2] / f"{digest}.json", digest

    def get_listing(self, listing: str, members: list[tuple[str, str, str]]
                    ) -> tuple[ListingResult, dict[str, list[Finding]]] | None:
        """The listing-wide findings remembered for ``listing`` with exactly these ``(path, sha256, kind)`` members:
        about the listing, and about single members. None if there are none."""
        entry, digest = self._listing_path(listing, members)
        try:  # a missing, unreadable or foreign entry is a miss
            data = read_keyed(entry, [self.key, digest])
            if data is None:
                return None
            result = from_plain(ListingResult, data["result"])
            per_asset = {path: [from_plain(Finding, f) for f in found] for path, found in data["per_asset"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        return result, per_asset

    def put_listing(self, listing: str, members: list[tuple[str, str, str]], result: ListingResult,
                    per_asset: dict[str, list[Finding]]) -> None:
        entry, digest = self._listing_path(listing, members)
        self._write(entry, {"key": [self.key, digest], "result": to_plain(result),
                            "per_asset": {path: [to_plain(f) for f in found] for path, found in per_asset.items()}})

    @staticmethod
    def _write(entry: Path, payload: dict) -> None:
        try:
            write_keyed(entry, payload)
        except OSError:
            pass  # a read-only or full cache folder costs the next scan its rules, nothing else
