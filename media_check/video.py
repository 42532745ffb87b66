"""Preview videos (MP4, MOV; WebM where this OpenCV build decodes it): probe the metadata, pick the keyframes.

The loader (:func:`load_video`, registered in :data:`media_check.load.LOADERS` for the video formats) gets the
file's bytes, already size-limited and read once by :mod:`media_check.load`, and decodes them from memory: FFmpeg
reads through OpenCV's stream interface, so no file name ever reaches it and no FFmpeg protocol (``concat:``,
``http:``, ``subfile,``...) can be invoked. As a second fence, the allow-list of :mod:`media_check.safe_video`
(``OPENCV_FFMPEG_CAPTURE_OPTIONS``: the ``file`` protocol and the MP4/MOV/Matroska/WebM demuxers only) is in force
for every capture.

Reported metadata is validated before it is trusted: a declared size over the pixel limit, no decodable frame,
negative or absurd frame counts, frame rates or timescales are an error with a plain reason, or are replaced by
what decoding measured (a zero timescale does not divide anything).

Keyframes, in one pass over the frames (bounded memory: at most :data:`MAX_KEYFRAMES` full frames are kept):
frames are sampled every :data:`SAMPLE_EVERY` seconds and compared as 64x36 grey thumbnails; a large change is a
scene cut. Each scene gives a keyframe taken once the picture has settled after the cut, and long scenes are split
into chunks so a static video still gets keyframes spread over its length. Each keyframe carries its timestamp and
the time it stands for (``span``); when there are more scenes than :data:`MAX_KEYFRAMES`, the shortest are dropped.
"""

from __future__ import annotations

import io
import math
import os
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image

from media_check.limits import Limits
from media_check.load import LoadedImage, LoadError
from media_check.safe_video import CAPTURE_OPTIONS, MAX_REPORTED_FRAMES
from media_check.sniff import describe

# A change to keyframe selection or probing bumps versions.VIDEO_VERSION (part of the analysis cache key).
SAMPLE_EVERY = 0.5  # seconds between compared frames (longer for long videos: at most MAX_SAMPLES samples)
MAX_SAMPLES = 600
MAX_KEYFRAMES = 12
MIN_SPREAD = 3  # a static video still gets about this many keyframes, spread over its length
MIN_CHUNK = 4.0  # seconds: scenes are never split finer than this
SETTLE = 1.0  # seconds after a cut during which the picture may still be changing (fades, slides)
CUT = 6.0  # mean absolute grey difference (0-255) of two thumbnails that makes a scene cut
STILL = 2.0  # below this, the picture has settled
THUMB = (64, 36)
MAX_GRABS = 20_000  # frames walked at most (about 11 minutes at 30 fps)
MAX_BAD_RUN = 30  # consecutive undecodable frames after which the stream is taken as ended
MAX_FPS = 300.0
_NAMES = {"mp4": "MP4", "mov": "MOV", "webm": "WebM"}
_UNDECODABLE = {"av01": "AV1"}  # codecs this OpenCV build opens but cannot decode


@dataclass
class Keyframe:
    timestamp: float  # seconds from the start
    span: float  # seconds of video this keyframe stands for
    image: Image.Image  # RGB


@dataclass
class LoadedVideo(LoadedImage):
    """A decoded video: ``image`` is its first keyframe; ``keyframes`` all of them, in time order."""

    duration: float | None = None
    fps: float | None = None
    codec: str | None = None
    keyframes: list[Keyframe] = field(default_factory=list)


def load_video(data: bytes, fmt: str, limits: Limits) -> LoadedVideo:
    """Probe and keyframe a video held in memory, or raise :class:`LoadError` with a plain reason."""
    name = _NAMES.get(fmt, describe(fmt))
    stream = io.BytesIO(data)  # must outlive the capture: OpenCV reads it without holding a reference
    cap = open_capture(stream)
    try:
        if not cap.isOpened():
            raise LoadError(f"{name} video cannot be opened: its container is corrupt or incomplete (truncated "
                            "upload?)", fmt, kind="video")
        probe = _declared(cap, name, fmt, limits)
        return _walk(cap, probe, name, fmt, limits)
    finally:
        cap.release()
        del stream


def open_capture(stream: io.BytesIO) -> cv2.VideoCapture:
    """An FFmpeg capture reading ``stream`` (no path, no protocol), decoding on one thread. The caller keeps
    ``stream`` alive until the capture is released."""
    os.environ["OPENCV_FFMPEG_CAPTURE_OPTIONS"] = CAPTURE_OPTIONS  # read by OpenCV at every open
    params = [cv2.CAP_PROP_N_THREADS, 1] if hasattr(cv2, "CAP_PROP_N_THREADS") else []
    return cv2.VideoCapture(stream, cv2.CAP_FFMPEG, params)


@dataclass
class _Probe:
    width: int
    height: int
    fps: float | None
    frames: int | None
    codec: str
    notes: list[str]


def _declared(cap: cv2.VideoCapture, name: str, fmt: str, limits: Limits) -> _Probe:
    """The container's own figures, validated; absurd ones refuse the file or are dropped with a note."""
    notes: list[str] = []
    width, height = cap.get(cv2.CAP_PROP_FRAME_WIDTH), cap.get(cv2.CAP_PROP_FRAME_HEIGHT)
    fps, frames = cap.get(cv2.CAP_PROP_FPS), cap.get(cv2.CAP_PROP_FRAME_COUNT)
    codec = _fourcc(cap.get(cv2.CAP_PROP_FOURCC))
    if not (math.isfinite(width) and math.isfinite(height)) or width <= 0 or height <= 0:
        raise LoadError(f"{name} video declares no valid picture size ({width:g}x{height:g}): the file is corrupt",
                        fmt, kind="video")
    w, h = int(width), int(height)
    if w * h > limits.max_pixels:
        raise LoadError(f"{name} video declares {w}x{h} pixels ({w * h / 1e6:.0f} MP per frame), over the "
                        f"{limits.max_pixels / 1e6:g} MP limit: refused before decoding (corrupt header?)",
                        fmt, kind="video")
    sane_fps: float | None = fps if math.isfinite(fps) and 0 < fps <= MAX_FPS else None
    if sane_fps is None:
        notes.append(f"the container reports an impossible frame rate ({fps:g}); measured from the frames")
    sane_frames: int | None = int(frames) if math.isfinite(frames) and 0 < frames <= MAX_REPORTED_FRAMES else None
    if sane_frames is None and frames != 0:
        notes.append(f"the container reports an impossible frame count ({frames:g}); counted while decoding")
    return _Probe(w, h, sane_fps, sane_frames, codec, notes)


def _fourcc(value: float) -> str:
    try:
        code = int(value)
        if code <= 0:
            return "unknown"
        text = code.to_bytes(4, "little").decode("ascii")
        return text.strip("\x00 ") or "unknown"
    except (ValueError, OverflowError, UnicodeDecodeError):
        return "unknown"


class _Keyframer:
    """Online scene-cut detection over sampled frames, keeping at most MAX_KEYFRAMES full frames."""

    def __init__(self, chunk: float):
        self.chunk = chunk
        self.done: list[Keyframe] = []
        self.previous: np.ndarray | None = None
        self.start = 0.0  # start of the current scene or chunk
        self.cut_at = 0.0  # time of the last cut (settling is measured from it)
        self.candidate: tuple[float, np.ndarray] | None = None
        self.settled = False

    def add(self, t: float, frame_bgr: np.ndarray) -> None:
        grey = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2GRAY)
        thumb = cv2.resize(grey, THUMB, interpolation=cv2.INTER_AREA).astype(np.float32)
        diff = None if self.previous is None else float(np.abs(thumb - self.previous).mean())
        self.previous = thumb
        if diff is None:
            self._open(t, frame_bgr, cut=True)
            return
        if diff > CUT and t - self.cut_at > SETTLE:
            self._close(t)
            self._open(t, frame_bgr, cut=True)
            return
        if not self.settled and (diff <= STILL or t - self.cut_at >= SETTLE):
            self.candidate = (t, frame_bgr.copy())
            self.settled = True
        if t - self.start >= self.chunk and self.settled:
            self._close(t)
            self._open(t, frame_bgr, cut=False)

    def finish(self, end: float) -> list[Keyframe]:
        self._close(max(end, self.start))
        return sorted(self.done, key=lambda k: k.timestamp)

    def _open(self, t: float, frame_bgr: np.ndarray, cut: bool) -> None:
        self.start = t
        if cut:
            self.cut_at = t
        self.candidate = (t, frame_bgr.copy())
        self.settled = not cut

    def _close(self, end: float) -> None:
        if self.candidate is None:
            return
        t, frame = self.candidate
        rgb = Image.fromarray(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
        self.done.append(Keyframe(round(t, 3), round(max(end - self.start, 0.0), 3), rgb))
        self.candidate = None
        if len(self.done) > MAX_KEYFRAMES:
            shortest = min(range(len(self.done)), key=lambda i: (self.done[i].span, -i))
            del self.done[shortest]


def _walk(cap: cv2.VideoCapture, probe: _Probe, name: str, fmt: str, limits: Limits) -> LoadedVideo:
    """Decode the frames once: count them, time them, sample them for keyframes."""
    notes = list(probe.notes)
    estimate = probe.frames / probe.fps if probe.frames and probe.fps else None
    every = max(SAMPLE_EVERY, (estimate or 0) / MAX_SAMPLES)
    keyframer = _Keyframer(chunk=max(MIN_CHUNK, estimate / MIN_SPREAD) if estimate else 10.0)
    decoded = bad = bad_run = 0
    last_t = -1.0
    next_sample = 0.0
    width = height = None
    grabs = 0
    while bad_run < MAX_BAD_RUN:
        if grabs >= MAX_GRABS:
            notes.append(f"only the first {MAX_GRABS} frames were examined")
            break
        grabs += 1
        if not cap.grab():
            bad_run += 1
            continue
        bad += bad_run
        bad_run = 0
        t = _timestamp(cap, decoded, probe.fps, last_t)
        decoded += 1
        last_t = t
        if t + 1e-6 < next_sample:
            continue
        ok, frame = cap.retrieve()
        if not ok or frame is None or frame.ndim != 3:
            bad += 1
            continue
        if width is None:
            height, width = frame.shape[:2]
            if width * height > limits.max_pixels:
                raise LoadError(f"{name} video frames are {width}x{height} pixels, over the "
                                f"{limits.max_pixels / 1e6:g} MP limit", fmt, kind="video")
        keyframer.add(t, frame)
        next_sample = t + every
    if decoded == 0 or width is None:
        codec = _UNDECODABLE.get(probe.codec.lower())
        if codec:
            raise LoadError(f"{name} video uses the {codec} codec ('{probe.codec}'), which this installation cannot "
                            "decode: the video was not checked (re-encode it as H.264)", fmt, kind="video")
        raise LoadError(f"{name} video: no frame could be decoded (codec '{probe.codec}'): the video data is "
                        "corrupt, truncated, encrypted or in a codec this installation cannot decode", fmt,
                        kind="video")
    if bad:
        notes.append(f"{bad} frame(s) could not be decoded (damaged data)")
    fps = probe.fps or _measured_fps(decoded, last_t)
    duration = round(last_t + (1.0 / fps if fps else 0.0), 3)
    if grabs >= MAX_GRABS and estimate:
        duration = round(estimate, 3)
    keyframes = keyframer.finish(duration)
    if (width, height) != (probe.width, probe.height):
        notes.append(f"frames are {width}x{height} (the container declares {probe.width}x{probe.height}; "
                     "rotation applied)" if (width, height) == (probe.height, probe.width)
                     else f"frames are {width}x{height}; the container declares {probe.width}x{probe.height}")
    return LoadedVideo(image=keyframes[0].image, format=fmt, frames=decoded, has_alpha=False, notes=notes,
                       duration=duration, fps=round(fps, 3) if fps else None, codec=probe.codec,
                       keyframes=keyframes)


def _timestamp(cap: cv2.VideoCapture, index: int, fps: float | None, last: float) -> float:
    """The grabbed frame's time in seconds: its presentation time when that moves forward, else index / fps."""
    pos = cap.get(cv2.CAP_PROP_POS_MSEC) / 1000.0
    if math.isfinite(pos) and pos > last and (index > 0 or pos < 1.0):
        return pos
    if fps:
        return max(index / fps, last + 1e-3 if index else 0.0)
    return max(last, 0.0) + (1e-3 if index else 0.0)


def _measured_fps(decoded: int, last_t: float) -> float | None:
    if decoded > 1 and last_t > 0:
        fps = (decoded - 1) / last_t
        return fps if 0 < fps <= MAX_FPS else None
    return None
