"""Resource limits for hostile files: sizes and counts checked before decoding, time and memory while decoding.

Every limit has a default here and is documented in SECURITY.md:

- ``max_file_bytes``: files larger than this are refused unread (default 100 MB).
- ``max_pixels``: an image (or any frame of an animation, or a video frame) declaring more pixels than this is
  refused before a pixel is decoded (default 50 MP, about 7000 x 7000).
- ``max_frames``: an animation or multi-page file declaring more frames than this is refused before decoding
  (default 1,000; the frames are counted from the container's structure, never by decoding them).
- ``decode_timeout``: seconds allowed to decode one asset (default 30). Enforced inside the worker by a timer
  signal, which stops Python-level decoder loops; a decoder stuck in C code is stopped by the hard limit below.
- hard limit per asset: ``decode_timeout + ocr_timeout`` (times the keyframes OCR'd, for a video) plus a margin
  (:func:`asset_deadline`), enforced by the parent process, which kills the worker and gives the asset an
  ``error`` verdict.
- ``WORKER_MEMORY_BYTES``: address-space limit of each worker process (default 4 GiB), so a file that slips past
  the checks above fails with an out-of-memory error in its own worker instead of exhausting the machine.
"""

from __future__ import annotations

import resource
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

DEFAULT_MAX_PIXELS = 50_000_000
DEFAULT_MAX_FILE_BYTES = 100_000_000
DEFAULT_MAX_FRAMES = 1_000
DEFAULT_DECODE_TIMEOUT = 30.0
WORKER_MEMORY_BYTES = 4 << 30
# Bytes per pixel a decoder may legitimately need (16-bit RGBA = 8); a declared layout needing more per pixel
# (e.g. a TIFF declaring 300 million samples per pixel) is refused.
MAX_BYTES_PER_PIXEL = 8
# A progressive JPEG is decoded once per scan; normal files have about 10, encoders never exceed a few dozen.
MAX_JPEG_SCANS = 500


@dataclass(frozen=True)
class Limits:
    max_pixels: int = DEFAULT_MAX_PIXELS
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    max_frames: int = DEFAULT_MAX_FRAMES
    decode_timeout: float = DEFAULT_DECODE_TIMEOUT


class TimeLimitExceeded(Exception):
    """Raised inside the work that ran out of time; ``str()`` is a reason a person understands."""


def asset_deadline(decode_timeout: float, ocr_timeout: float, ocr_passes: int = 1) -> float:
    """Seconds after which the parent kills a worker still busy with one asset (``ocr_passes``: images OCR'd for
    it, e.g. a video's keyframes)."""
    budget = decode_timeout + ocr_passes * ocr_timeout
    return budget + max(10.0, 0.25 * budget)


@contextmanager
def time_limit(seconds: float, what: str) -> Iterator[None]:
    """Raise :class:`TimeLimitExceeded` in this block after ``seconds`` of wall-clock time.

    Uses ``SIGALRM``, so it works only in the main thread of a process (a worker, or the command line); elsewhere
    it does nothing and the parent's hard deadline is the only limit. The exception is raised between Python
    bytecodes: Pillow's decoders feed data in chunks from Python, so a slow decode is stopped between chunks.
    """
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum, frame):  # noqa: ARG001
        raise TimeLimitExceeded(f"{what} took longer than {seconds:g} s and was stopped")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def limit_memory(max_bytes: int = WORKER_MEMORY_BYTES) -> None:
    """Cap this process's address space (workers only: it is inherited by the tesseract they start)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        max_bytes = min(max_bytes, hard)
    if soft == resource.RLIM_INFINITY or soft > max_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (max_bytes, hard))
