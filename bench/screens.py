"""Benchmark inputs: realistic app screens rendered with headless Chromium from seeded HTML (1920x1080, or 3840x2160
at device scale 2), and a folder of many small screenshots in listing folders.

Each screen is a different app page (dashboards, tables, forms; light and dark) with ~150-250 words, so OCR cost
is representative. Renders are kept under ``.media-check-cache/bench/`` and reused.
"""

from __future__ import annotations

import random
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]

_WORDS = ("concrete pour inspection level north tower crane schedule budget submittal drawing revision punch "
          "electrical plumbing framing foundation steel facade glazing roofing permit invoice vendor change "
          "order approved pending overdue closed open review architect engineer owner contractor safety "
          "incident observation meeting minutes daily log weather crew hours equipment delivery").split()
_NAMES = ["Ana Ruiz", "Ben Okafor", "Chloe Martin", "Dev Patel", "Emma Schultz", "Farid Haddad", "Grace Liu",
          "Hugo Lambert", "Ines Costa", "Jonas Berg"]
_THEMES = [("#ffffff", "#1f2937", "#f3f4f6", "#2563eb"), ("#0f172a", "#e2e8f0", "#1e293b", "#38bdf8"),
           ("#fbfaf7", "#2d2a26", "#efe9df", "#b45309"), ("#111111", "#f5f5f5", "#222222", "#22c55e")]


def _page(seed: int) -> str:
    rng = random.Random(seed)
    bg, fg, panel, accent = _THEMES[seed % len(_THEMES)]
    title = " ".join(rng.sample(_WORDS, 3)).title()
    nav = "".join(f"<li>{w.title()}</li>" for w in rng.sample(_WORDS, 8))
    rows = []
    for i in range(rng.randint(10, 16)):
        rows.append(
            f"<tr><td>#{rng.randint(100, 999)}</td><td>{' '.join(rng.sample(_WORDS, 4)).capitalize()}</td>"
            f"<td>{rng.choice(_NAMES)}</td><td>{rng.choice(['Open', 'Closed', 'Pending', 'Overdue'])}</td>"
            f"<td>{rng.randint(1, 28):02d} Mar 2026</td><td>${rng.randint(200, 99000):,}</td></tr>")
    cards = "".join(f"<div class=card><b>{rng.randint(3, 480)}</b><span>{' '.join(rng.sample(_WORDS, 2))}"
                    f"</span></div>" for _ in range(4))
    return f"""<!doctype html><html><head><style>
body{{margin:0;font:15px 'DejaVu Sans',sans-serif;background:{bg};color:{fg};display:flex;height:1080px}}
nav{{width:240px;background:{panel};padding:24px}} nav li{{list-style:none;padding:10px 0;font-size:16px}}
main{{flex:1;padding:28px 36px}} h1{{font-size:26px;margin:0 0 18px}}
.cards{{display:flex;gap:16px;margin-bottom:22px}} .card{{flex:1;background:{panel};padding:16px;border-radius:8px}}
.card b{{display:block;font-size:24px;color:{accent}}} table{{width:100%;border-collapse:collapse}}
td,th{{padding:9px 10px;border-bottom:1px solid {panel};text-align:left}} th{{color:{accent}}}
</style></head><body><nav><h2>Fieldbook</h2><ul>{nav}</ul></nav><main><h1>{title}</h1>
<div class=cards>{cards}</div><table><tr><th>ID</th><th>Subject</th><th>Assignee</th><th>Status</th>
<th>Due</th><th>Amount</th></tr>{''.join(rows)}</table></main></body></html>"""


def render_screens(folder: Path, count: int = 60, scale: int = 1) -> list[Path]:
    """``count`` distinct PNG screens in ``folder`` (rendered once, then reused): a 1920x1080 page at ``scale``
    device pixels per CSS pixel, so ``scale=2`` gives 3840x2160 (a 4K screenshot of a HiDPI display)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"screen-{i:03d}.png" for i in range(count)]
    missing = [p for p in paths if not p.exists()]
    if missing:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1920, "height": 1080}, device_scale_factor=scale)
            for path in missing:
                page.set_content(_page(int(path.stem.split("-")[1])))
                page.screenshot(path=str(path))
            browser.close()
    return paths


def tiny_listings(folder: Path, count: int = 10_000, per_listing: int = 10) -> list[Path]:
    """``count`` distinct 200x150 PNG screenshots with a few words each, ``per_listing`` to a listing folder (a
    marketplace operator's re-check of many listings); drawn with Pillow once, then reused."""
    from PIL import Image, ImageDraw, ImageFont

    done = folder / f".complete-{count}-{per_listing}"
    paths = [folder / f"listing-{i // per_listing:05d}" / f"shot-{i % per_listing:02d}.png" for i in range(count)]
    if done.exists():
        return paths
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 16)
    for i, path in enumerate(paths):
        rng = random.Random(i)
        bg, fg, _, accent = _THEMES[i % 2 * 2]  # light themes: dark text on light
        image = Image.new("RGB", (200, 150), bg)
        draw = ImageDraw.Draw(image)
        draw.text((10, 14), f"{rng.choice(_WORDS).title()} {i}", fill=accent, font=font)
        draw.text((10, 56), " ".join(rng.sample(_WORDS, 2)), fill=fg, font=font)
        draw.text((10, 98), rng.choice(_NAMES), fill=fg, font=font)
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path)
    done.write_text("")
    return paths
