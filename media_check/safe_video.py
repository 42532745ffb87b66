"""Open an untrusted video with OpenCV safely: local files only, FFmpeg only, plausible properties only.

A video file can make FFmpeg open other resources: an HLS playlist or a ``concat`` list names URLs and local
paths, a path containing ``http:`` is a URL to FFmpeg. So :func:`open_video`:

- accepts only a regular file whose bytes are MP4/MOV/WebM (sniffed, see :mod:`media_check.sniff`);
- passes FFmpeg the options ``protocol_whitelist=file`` and ``format_whitelist`` (MP4/MOV/Matroska/WebM
  demuxers only) through ``OPENCV_FFMPEG_CAPTURE_OPTIONS``, read by OpenCV at every open, so no network
  protocol, pipe or device can be opened and no playlist or concat demuxer can run;
- passes an absolute path and forces the FFmpeg backend (never GStreamer pipelines or image-sequence patterns);
- refuses a capture whose reported properties are impossible or over the limits (a corrupt WebM can report
  12336x12336 pixels and -9.2e18 frames) before any frame is decoded.

Reading frames is the video loader's job; it runs in a worker like every decode, under the same time limits.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from media_check.limits import Limits
from media_check.paths import NotReadable, open_regular
from media_check.sniff import HEAD_BYTES, VIDEO_FORMATS, describe, sniff

CAPTURE_OPTIONS = "protocol_whitelist;file|format_whitelist;mov,mp4,m4a,3gp,3g2,mj2,matroska,webm"
# No preview video is longer than this; a larger reported frame count is a corrupt or hostile header.
MAX_REPORTED_FRAMES = 10_000_000


class VideoRefused(Exception):
    """The video must not (or cannot) be read; ``str()`` says why, for a person."""


def ffmpeg_capture(path: str | Path):
    """``cv2.VideoCapture`` of a local file through FFmpeg with the protocol allow-list in force."""
    import cv2

    os.environ["OPENCV_FFMPEG_CAPTURE_OPTIONS"] = CAPTURE_OPTIONS
    return cv2.VideoCapture(os.path.abspath(path), cv2.CAP_FFMPEG)


@contextmanager
def open_video(path: str | Path, limits: Limits) -> Iterator[object]:
    """An opened, validated ``cv2.VideoCapture`` for ``path``; raises :class:`VideoRefused`."""
    import cv2

    try:
        with open_regular(path) as handle:
            fmt = sniff(handle.read(HEAD_BYTES))
    except NotReadable as exc:
        raise VideoRefused(exc.reason) from None
    if fmt not in VIDEO_FORMATS:
        raise VideoRefused(f"is a {describe(fmt)}, not an MP4, MOV or WebM video")
    capture = ffmpeg_capture(path)
    try:
        if not capture.isOpened():
            raise VideoRefused(f"{describe(fmt)} cannot be opened: the file is corrupt or truncated")
        width = capture.get(cv2.CAP_PROP_FRAME_WIDTH)
        height = capture.get(cv2.CAP_PROP_FRAME_HEIGHT)
        frames = capture.get(cv2.CAP_PROP_FRAME_COUNT)
        fps = capture.get(cv2.CAP_PROP_FPS)
        values = (width, height, frames, fps)
        if not all(math.isfinite(v) for v in values) or width < 1 or height < 1 or frames < 0 or fps < 0:
            raise VideoRefused(f"{describe(fmt)} reports impossible properties ({width:g}x{height:g} pixels, "
                               f"{frames:g} frames, {fps:g} fps): the file is corrupt")
        if width * height > limits.max_pixels:
            raise VideoRefused(f"{describe(fmt)} declares {width:g}x{height:g} pixels, over the "
                               f"{limits.max_pixels / 1e6:g} MP limit: refused before decoding")
        if frames > MAX_REPORTED_FRAMES:
            raise VideoRefused(f"{describe(fmt)} reports {frames:,.0f} frames: the file is corrupt or hostile")
        yield capture
    finally:
        capture.release()
