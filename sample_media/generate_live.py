#!/usr/bin/env python3
"""Render sample_media/live/: captures of "the live app" for the sample screens, for ``scan --live``.

The live app is the same HTML as the listing screens (sample_media/src/), rendered headless at the same viewport.
Most captures are the current UI, saved at a different size or format than the listing screenshots (a capture is
not a copy of the listing file). One page is rendered with a changed UI (a new toolbar button, a board column
removed) so its listing screenshot, in-use-kanban-board.png, is stale against it:

    .venv/bin/python sample_media/generate_live.py          # writes sample_media/live/*.png|jpg

    .venv/bin/media-check scan sample_media/screens --live sample_media/live --diff-dir out/diffs
"""
from __future__ import annotations

import io
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
OUT = HERE / "live"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--font-render-hinting=none",
                 "--hide-scrollbars"]

# The changed release: one more toolbar button, the "In review" column gone, a renamed action.
KANBAN_CHANGE = """
const actions = document.querySelector('.actions');
const export_ = document.createElement('span');
export_.className = 'btn sm'; export_.textContent = 'Export board';
actions.insertBefore(export_, actions.firstChild);
const cols = document.querySelectorAll('.col');
if (cols.length > 2) cols[2].remove();
"""


@dataclass(frozen=True)
class Capture:
    out: str  # file under live/; the extension picks the format
    src: str  # page under src/
    width: int
    height: int
    scale: float = 1.0  # the capture is saved at this scale of the viewport
    script: str = ""  # JavaScript run before the capture (a changed UI)


# Saved at 960x540: inside the marketplace's size range, so the captures pass the spec rules when `make scan`
# walks sample_media/ and meets them as media of their own.
CAPTURES = [
    Capture("rfi-dashboard.png", "rfi-dashboard.html", 1920, 1080, 0.5),
    Capture("submittals-list.jpg", "submittals-list.html", 1920, 1080, 0.5),
    Capture("daily-log-form.png", "daily-log-form.html", 1600, 900, 0.6),
    Capture("budget-chart.jpg", "budget-chart.html", 1920, 1080, 0.5),
    Capture("settings-account.png", "settings-account.html", 1600, 900, 0.6),
    Capture("dark-analytics.jpg", "dark-analytics.html", 1920, 1080, 0.5),
    Capture("kanban-board.png", "kanban-board.html", 1600, 900, 0.6, KANBAN_CHANGE),
]


def save(png: bytes, dest: Path, scale: float) -> None:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    if scale != 1.0:
        image = image.resize((round(image.width * scale), round(image.height * scale)), Image.LANCZOS)
    if dest.suffix == ".png":
        image.save(dest, "PNG", optimize=True)
    else:
        image.save(dest, "JPEG", quality=85, optimize=True)


def main() -> int:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for c in CAPTURES:
                context = browser.new_context(viewport={"width": c.width, "height": c.height},
                                              device_scale_factor=1, locale="en-US",
                                              timezone_id="America/Los_Angeles", color_scheme="light",
                                              reduced_motion="reduce")
                context.route("**/*", lambda route: route.continue_()
                              if route.request.url.startswith(("file:", "data:")) else route.abort())
                page = context.new_page()
                page.goto((SRC / c.src).as_uri(), wait_until="load")
                if c.script:
                    page.evaluate(f"() => {{ {c.script} }}")
                page.evaluate("document.fonts.ready")
                png = page.screenshot(type="png", full_page=False, animations="disabled", caret="hide")
                context.close()
                dest = OUT / c.out
                save(png, dest, c.scale)
                print(f"{dest.relative_to(HERE)}  {dest.stat().st_size // 1024} KiB")
        finally:
            browser.close()
    total = sum(f.stat().st_size for f in OUT.iterdir() if f.is_file())
    print(f"total {total // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
