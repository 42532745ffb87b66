#!/usr/bin/env python3
"""Render the sample listing's own media from the sample screens: two preview videos and the logo.

    .venv/bin/python sample_media/generate_videos.py

- ``videos/preview-in-use.mp4``: 35 s, 1280x720, 2 fps, seven in-use screens of five seconds each, with a pointer
  moving over them (small changes between frames, as in a real screen recording). Expected: pass.
- ``videos/preview-splash-login.mp4``: 12 s, 1280x720, 2 fps: a title card, a sign-in page, a logo screen and
  two seconds of the app. Expected: fail (video-duration: under 30 s; preview-not-in-use: mostly splash/login).
- ``logo.png``: the listing's 200x200 logo, drawn here.

Frames are the PNG/JPEG screens of ``screens/`` (rendered by generate.py), scaled to 1280x720 and written with
OpenCV's VideoWriter (MPEG-4 Part 2, ``mp4v``): each file stays well under 1 MB because consecutive frames barely
change. The output is reproducible with the same OpenCV build.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
SCREENS = HERE / "screens"
VIDEOS = HERE / "videos"
SIZE = (1280, 720)
FPS = 2.0
SOFTEN = 0.8  # Gaussian sigma in pixels
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

IN_USE = ["in-use-rfi-dashboard.png", "in-use-submittals-list.png", "in-use-daily-log-form.png",
          "in-use-budget-chart.png", "in-use-schedule-gantt.png", "in-use-kanban-board.png",
          "in-use-dark-analytics.png"]
SPLASH_LOGIN = [("splash-title-card.jpg", 4.0), ("login-sign-in-card.png", 4.0), ("splash-logo-only.png", 2.0),
                ("in-use-rfi-dashboard.png", 2.0)]


def screen(name: str) -> np.ndarray:
    """A sample screen as a 1280x720 BGR frame, softened a little as screen recordings are (and as the encoder
    needs to keep the file small: MPEG-4 Part 2 spends most of its bits on sharp text edges)."""
    with Image.open(SCREENS / name) as im:
        rgb = im.convert("RGB").resize(SIZE, Image.Resampling.LANCZOS)
    return cv2.GaussianBlur(cv2.cvtColor(np.asarray(rgb), cv2.COLOR_RGB2BGR), (0, 0), SOFTEN)


def with_pointer(frame: np.ndarray, step: int, steps: int) -> np.ndarray:
    """``frame`` with an arrow pointer moved along a diagonal: step ``step`` of ``steps``."""
    out = frame.copy()
    x = int(420 + 500 * step / max(1, steps - 1))
    y = int(260 + 220 * step / max(1, steps - 1))
    arrow = np.array([[x, y], [x, y + 22], [x + 6, y + 17], [x + 11, y + 27], [x + 15, y + 25], [x + 10, y + 15],
                      [x + 17, y + 15]], np.int32)
    cv2.fillPoly(out, [arrow], (20, 20, 20))
    cv2.polylines(out, [arrow], True, (255, 255, 255), 1, cv2.LINE_AA)
    return out


def write(path: Path, frames: list[np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.CAP_FFMPEG, cv2.VideoWriter_fourcc(*"mp4v"), FPS, SIZE)
    if not writer.isOpened():
        raise SystemExit(f"OpenCV cannot write {path} (no mp4v encoder?)")
    for frame in frames:
        writer.write(frame)
    writer.release()
    print(f"{path.relative_to(HERE)}: {len(frames)} frames, {len(frames) / FPS:.0f} s, "
          f"{path.stat().st_size / 1024:.0f} KiB")


def in_use_preview() -> list[np.ndarray]:
    frames = []
    per_screen = int(5 * FPS)
    for name in IN_USE:
        base = screen(name)
        frames.extend(with_pointer(base, i, per_screen) for i in range(per_screen))
    return frames


def splash_login_preview() -> list[np.ndarray]:
    frames = []
    for name, seconds in SPLASH_LOGIN:
        base = screen(name)
        count = int(seconds * FPS)
        frames.extend(with_pointer(base, i, count) if name.startswith("in-use") else base for i in range(count))
    return frames


def logo(path: Path) -> None:
    image = Image.new("RGB", (200, 200), (24, 72, 140))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle([30, 30, 170, 170], radius=28, fill=(255, 255, 255))
    draw.rectangle([62, 64, 138, 78], fill=(24, 72, 140))
    draw.rectangle([62, 94, 138, 108], fill=(240, 140, 30))
    draw.rectangle([62, 124, 112, 138], fill=(24, 72, 140))
    try:
        font = ImageFont.truetype(FONT, 20)
        draw.text((100, 186), "SDS", fill=(255, 255, 255), font=font, anchor="ms")
    except OSError:
        pass
    image.save(path, optimize=True)
    print(f"{path.relative_to(HERE)}: 200x200")


def main() -> None:
    write(VIDEOS / "preview-in-use.mp4", in_use_preview())
    write(VIDEOS / "preview-splash-login.mp4", splash_login_preview())
    logo(HERE / "logo.png")


if __name__ == "__main__":
    main()
