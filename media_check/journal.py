"""The resume journal: every finished asset's analysis, appended as it finishes, so no finished work is lost.

A scan writes one journal, named after what determines its analyses (the inputs, the analysis parameters and the
tool version; not the rules or the policy, which are cheap to re-apply), in ``<cache-dir>/journal/``. Each line is
one asset: ``{"crc": ..., "entry": {"path", "sha256", "analysis"}}``, flushed and fsync'ed before the next asset
is reported, so after ``kill -9``, Ctrl-C or a power loss every finished asset is on disk except at most a torn
last line, which is detected (CRC or JSON error) and ignored.

``scan --resume`` reads the journal and reuses each entry whose file still has the same content (sha256); the
rest is analysed and appended. A scan without ``--resume`` starts a new journal. The journal is removed once the
report has been written. Two scans of the same inputs at once do not share a journal: the second runs without
one (the file is locked).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import zlib
from pathlib import Path
from typing import IO

from media_check import __version__
from media_check.analysis import Analysis, AnalysisParams


class Journal:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        # finished assets: the analyses read back on resume; None for the ones this scan recorded (not kept in
        # memory: a scan of many thousand assets would otherwise hold every analysis until it ends)
        self.done: dict[tuple[str, str], Analysis | None] = {}
        self.torn_lines = 0
        self._handle: IO[str] | None = None

    @classmethod
    def for_scan(cls, cache_dir: str | Path, paths: list[str], params: AnalysisParams) -> Journal:
        material = json.dumps({"inputs": sorted(os.path.abspath(p) for p in paths),
                               "analysis": params.fingerprint(), "tool": __version__}, sort_keys=True)
        key = hashlib.sha256(material.encode()).hexdigest()[:20]
        return cls(Path(cache_dir) / "journal" / f"scan-{key}.jsonl")

    def open(self, resume: bool) -> bool:
        """Start journaling; with ``resume``, first read what an interrupted scan finished. False when another
        scan holds the journal (this scan then runs without one)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8", errors="replace")  # damaged bytes fail their line only
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        if resume:
            handle.seek(0)
            self._read(handle)
            self._rewrite(handle)
        else:
            handle.truncate(0)
        _fsync_dir(self.path.parent)
        self._handle = handle
        return True

    def lookup(self, path: str, sha256: str) -> Analysis | None:
        """The journaled analysis of ``path`` if its content is still ``sha256``."""
        return self.done.get((path, sha256))

    def record(self, path: str, analysis: Analysis) -> None:
        """Append one finished asset, durably."""
        if self._handle is None:
            return
        entry = {"path": path, "sha256": analysis.sha256, "analysis": analysis.to_json()}
        self._handle.write(_line(entry))
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self.done[(path, analysis.sha256)] = None

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def remove(self) -> None:
        """The scan finished and its report is written: the journal is no longer needed."""
        self.close()
        try:
            self.path.unlink()
        except OSError:
            pass

    def _read(self, handle: IO[str]) -> None:
        for raw in handle:
            try:
                wrapper = json.loads(raw)
                payload = json.dumps(wrapper["entry"], sort_keys=True, separators=(",", ":"))
                if wrapper["crc"] != zlib.crc32(payload.encode()):
                    raise ValueError("checksum mismatch")
                entry = wrapper["entry"]
                analysis = Analysis.from_json(entry["analysis"])
                if analysis.sha256 != entry["sha256"]:
                    raise ValueError("inconsistent entry")
            except (ValueError, KeyError, TypeError):
                self.torn_lines += 1
                continue
            self.done[(entry["path"], entry["sha256"])] = analysis

    def _rewrite(self, handle: IO[str]) -> None:
        """Keep only the good entries (what :meth:`_read` just read back: each with its analysis), so a torn line
        never sits in the middle of the journal."""
        handle.seek(0)
        handle.truncate(0)
        for (path, _), analysis in self.done.items():
            handle.write(_line({"path": path, "sha256": analysis.sha256, "analysis": analysis.to_json()}))
        handle.flush()
        os.fsync(handle.fileno())


def _line(entry: dict) -> str:
    payload = json.dumps(entry, sort_keys=True, separators=(",", ":"))
    return json.dumps({"crc": zlib.crc32(payload.encode()), "entry": entry}, sort_keys=True,
                      separators=(",", ":")) + "\n"


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
