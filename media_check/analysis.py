"""What an asset's analysis is: :class:`Analysis` (the expensive, policy-independent facts about one asset: OCR
words, hashes, features) and :class:`AnalysisParams` (the settings it depends on, and its cache key).

Computing one is :mod:`media_check.analyse`'s job. This module imports nothing heavy, so the caches, the rules and
the writers use analyses, and a warm re-scan builds its cache keys, without loading numpy, OpenCV or the OCR
code (only the tesseract engine is asked its version).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from media_check.engine import engine_version, second_pass_languages
from media_check.limits import DEFAULT_DECODE_TIMEOUT, DEFAULT_MAX_FRAMES, Limits
from media_check.paths import open_regular
from media_check.versions import ANALYSER_VERSION, LOADER_VERSION, PREPROCESS_VERSION, VIDEO_VERSION
from media_check.words import Word


@dataclass(frozen=True)
class AnalysisParams:
    languages: tuple[str, ...] = ("eng",)
    max_pixels: int = 50_000_000
    max_file_bytes: int = 100_000_000
    ocr_timeout: float = 60.0
    ocr: bool = True  # False when tesseract is missing and the user allowed it
    max_frames: int = DEFAULT_MAX_FRAMES
    decode_timeout: float = DEFAULT_DECODE_TIMEOUT

    def limits(self) -> Limits:
        return Limits(max_pixels=self.max_pixels, max_file_bytes=self.max_file_bytes, max_frames=self.max_frames,
                      decode_timeout=self.decode_timeout)

    def fingerprint(self) -> str:
        """Key material of a whole Analysis."""
        material = json.dumps({"analyser": ANALYSER_VERSION, "ocr": self.ocr_fingerprint() if self.ocr else None,
                               "max_pixels": self.max_pixels, "max_file_bytes": self.max_file_bytes,
                               "loader": LOADER_VERSION, "max_frames": self.max_frames, "video": VIDEO_VERSION},
                              sort_keys=True)
        return hashlib.sha256(material.encode()).hexdigest()[:16]

    def ocr_fingerprint(self) -> str:
        """Key material of the OCR words alone: a new feature or hash does not re-run OCR."""
        material = json.dumps({"preprocess": PREPROCESS_VERSION, "languages": list(self.languages),
                               "engine": engine_version(), "second_pass": list(second_pass_languages())})
        return hashlib.sha256(material.encode()).hexdigest()[:16]


@dataclass
class Analysis:
    sha256: str
    kind: str = "screenshot"  # screenshot | video | keyframe (a frame of a video) | unknown
    format: str | None = None
    width: int | None = None
    height: int | None = None
    has_alpha: bool = False
    frames: int | None = None
    notes: list[str] = field(default_factory=list)
    words: list[Word] = field(default_factory=list)
    features: dict[str, float] = field(default_factory=dict)
    hashes: dict[str, str] = field(default_factory=dict)
    ocr_ran: bool = False
    error: str | None = None  # set when the asset could not be checked
    cacheable: bool = True
    timings_ms: dict[str, float] = field(default_factory=dict)
    file_bytes: int | None = None
    duration: float | None = None  # video: seconds
    fps: float | None = None  # video: frames per second
    timestamp: float | None = None  # keyframe: its time in the video, seconds
    span: float | None = None  # keyframe: seconds of video it stands for
    keyframes: list[Analysis] = field(default_factory=list)  # video: one Analysis per keyframe, in time order

    @property
    def text(self) -> str:
        return " ".join(word.text for word in self.words)

    def to_json(self) -> dict:
        data = asdict(self)
        data["words"] = [word.to_list() for word in self.words]
        data["keyframes"] = [keyframe.to_json() for keyframe in self.keyframes]
        return data

    @classmethod
    def from_json(cls, data: dict) -> Analysis:
        data = dict(data)
        data["words"] = [Word.from_list(row) for row in data.get("words", [])]
        data["keyframes"] = [cls.from_json(row) for row in data.get("keyframes", [])]
        return cls(**data)


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open_regular(path) as handle:  # never blocks on a FIFO swapped in after discovery
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()
