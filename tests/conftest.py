from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def font(size: int = 28) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT, size)


def text_screen(lines: list[str], size=(1600, 900), bg="white", fg="black", font_size=28) -> Image.Image:
    """A simple screen with lines of text, readable by tesseract."""
    image = Image.new("RGB", size, bg)
    draw = ImageDraw.Draw(image)
    y = 40
    for line in lines:
        draw.text((60, y), line, fill=fg, font=font(font_size))
        y += int(font_size * 1.8)
    return image


def app_screen(seed: int = 0, size=(1600, 900)) -> Image.Image:
    """A busy in-use screen: a sidebar, a header and a table of rows."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, 260, size[1]], fill=(32, 41, 64))
    for i, item in enumerate(["Projects", "RFIs", "Submittals", "Budget", "Schedule"]):
        draw.text((30, 120 + i * 50), item, fill="white", font=font(22))
    draw.text((300, 30), f"Project {seed}: Harbor Tower", fill="black", font=font(30))
    for r in range(10):
        y = 120 + r * 60
        draw.rectangle([300, y, size[0] - 40, y + 50], outline=(210, 210, 210))
        draw.text((320, y + 12), f"RFI-{100 + r + seed}  Curtain wall anchor detail  Open  ${1200 + 37 * r}",
                  fill=(40, 40, 40), font=font(20))
    return image


@pytest.fixture
def shared() -> Path:
    return SHARED


@pytest.fixture(scope="session")
def sample_report(tmp_path_factory) -> dict:
    """The JSON report of a real scan of sample_media/screens (once per test session)."""
    import json
    import subprocess
    import sys

    cache = tmp_path_factory.mktemp("sample-cache")
    result = subprocess.run([sys.executable, "-m", "media_check", "scan", str(ROOT / "sample_media" / "screens"),
                             "--format", "json", "--cache-dir", str(cache), "--no-progress"],
                            capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)
