#!/usr/bin/env python3
"""Render the labelled sample screens in sample_media/screens/ and write expected.csv.

Each screen is a self-contained HTML page in sample_media/src/ (styles in base.css and
icons.css, inline SVG, CSS gradients; nothing is fetched from the network).  Pages are
opened from disk in headless Chromium through Playwright, captured at a fixed viewport
with deviceScaleFactor 1, and saved as PNG / JPEG / WebP by Pillow so the bytes are
reproducible on the same Chromium + Pillow versions.

    .venv/bin/python sample_media/generate.py                 # everything
    .venv/bin/python sample_media/generate.py login splash    # only names containing a word
    .venv/bin/python sample_media/generate.py --list          # print the table, render nothing

The SCREENS table below is the single source of truth: expected.csv is written from it.
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
OUT = HERE / "screens"
EXPECTED = HERE / "expected.csv"

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
    "--font-render-hinting=none", "--hide-scrollbars",
]

JPEG_QUALITY = 88
WEBP_QUALITY = 85

RULES = (
    "login-screen", "splash-screen", "placeholder-text", "non-production", "ad-banner",
    "broken-template", "error-screen", "blank-screen", "image-format", "image-dimensions",
    "aspect-ratio",
)


@dataclass(frozen=True)
class Screen:
    out: str            # file name under screens/; the extension picks the format
    src: str            # page under src/
    width: int
    height: int
    expected: tuple     # rule names that must fire; () for a clean pass
    notes: str


S = Screen
SCREENS: list[Screen] = [
    # --- good, in-use screens: no finding expected --------------------------------------
    S("in-use-rfi-dashboard.png", "rfi-dashboard.html", 1920, 1080, (),
      "Project RFI log with KPIs and a dense table; 'Download report' button is a tricky negative"),
    S("in-use-submittals-list.png", "submittals-list.html", 1920, 1080, (),
      "Submittal register grouped by spec section; 'Add item' button"),
    S("in-use-daily-log-form.png", "daily-log-form.html", 1600, 900, (),
      "Daily log form filled in: weather, manpower, notes, deliveries"),
    S("in-use-budget-chart.png", "budget-chart.html", 1920, 1080, (),
      "Budget page with bar and cumulative-cost charts plus cost-code table"),
    S("in-use-schedule-gantt.png", "schedule-gantt.html", 1920, 1080, (),
      "Gantt schedule with WBS task list, bars, milestones and a today line"),
    S("in-use-kanban-board.png", "kanban-board.html", 1600, 900, (),
      "Kanban board of field tasks with assignees, tags and due dates"),
    S("in-use-site-photo-gallery.jpg", "photo-gallery.html", 1920, 1080, (),
      "Site photo album; photos are CSS gradient tiles with captions (JPEG)"),
    S("in-use-settings-account.png", "settings-account.html", 1600, 900, (),
      "Settings with an 'Account' section, 'Sign out' link and a 'No ads' plan badge: not a login screen, not an ad"),
    S("in-use-dark-analytics.png", "dark-analytics.html", 1920, 1080, (),
      "Dark-mode portfolio analytics: KPI sparklines, area chart, donut, table"),
    S("in-use-dark-timesheet.png", "dark-timesheet.html", 1600, 900, (),
      "Dark-mode weekly crew timesheet with cost codes and totals"),
    S("in-use-help-center-article.png", "help-center-article.html", 1920, 1080, (),
      "Public knowledge-base article with a 'Sign in' button in the top bar: not a login screen"),
    S("in-use-concrete-test-results.png", "concrete-test-results.html", 1920, 1080, (),
      "QA app: 'Test results' tab and 'Sample ID' column are real domain words, not test/placeholder marks"),
    S("in-use-empty-photos.png", "empty-photos.html", 1600, 900, (),
      "Empty state 'No photos yet' inside intact app chrome: in use, not blank"),
    S("in-use-mobile-punch-list.png", "mobile-punch-list.html", 1080, 1920, ("image-dimensions", "aspect-ratio"),
      "Phone portrait capture (9:16): good content, but taller than 1080 and not 16:9"),
    S("in-use-mobile-daily-report.jpg", "mobile-daily-report.html", 1080, 1920, ("image-dimensions", "aspect-ratio"),
      "Phone portrait daily report with a site photo (JPEG); same spec findings as the other phone shot"),
    S("in-use-mobile-team-roles.png", "mobile-team-roles.html", 1080, 1920, ("image-dimensions", "aspect-ratio"),
      "Phone team list with ADMIN/EDITOR/VIEWER role badges, an 'AD' avatar and an 'Open invite link' button: "
      "badges read, no ad"),

    # --- login screens --------------------------------------------------------------------
    S("login-sign-in-card.png", "login-sign-in-card.html", 1920, 1080, ("login-screen",),
      "Centred sign-in card: email, password, 'Forgot password?', 'Sign in'"),
    S("login-sso-providers.png", "login-sso-providers.html", 1920, 1080, ("login-screen",),
      "Provider choice: Continue with Google / Microsoft / Apple / email, SSO"),
    S("login-connect-procore-oauth.png", "login-connect-procore.html", 1920, 1080, ("login-screen",),
      "Split-screen 'Connect your Procore account' OAuth consent page"),

    # --- splash / title art ---------------------------------------------------------------
    S("splash-title-card.jpg", "splash-title-card.html", 1920, 1080, ("splash-screen",),
      "Logo + tagline title card on a brand gradient (JPEG)"),
    S("splash-feature-graphic.jpg", "splash-feature-graphic.html", 1920, 1080, ("splash-screen",),
      "Store feature graphic: marketing headline and an empty device silhouette, no UI (JPEG)"),
    S("splash-logo-only.png", "splash-logo-only.html", 1920, 1080, ("splash-screen",),
      "Logo mark and wordmark centred on a solid colour"),

    # --- placeholder text -----------------------------------------------------------------
    S("placeholder-lorem-card-grid.png", "placeholder-lorem-cards.html", 1920, 1080, ("placeholder-text",),
      "In-app card grid whose copy is 'Lorem ipsum dolor sit amet'"),
    S("placeholder-profile-john-doe.png", "placeholder-profile.html", 1600, 900, ("placeholder-text",),
      "Profile page with 'YOUR NAME', 'John Doe', 'jane.doe@example.com'"),
    S("placeholder-dummy-table-rows.png", "placeholder-table.html", 1920, 1080, ("placeholder-text",),
      "Table rows 'Title 0, Title 1, ...' with 'Sample text' descriptions"),

    # --- non-production marks -------------------------------------------------------------
    S("non-production-staging-ribbon.png", "nonprod-staging.html", 1920, 1080, ("non-production",),
      "Browser chrome showing https://staging.acme-app.dev and a red STAGING ribbon over a real dashboard"),
    S("non-production-debug-localhost.png", "nonprod-debug.html", 1920, 1080, ("non-production",),
      "Browser chrome showing localhost:3000 and a DEBUG corner banner"),

    # --- ad banners -----------------------------------------------------------------------
    S("ad-banner-test-ad-728x90.png", "ad-test-banner.html", 1920, 1080, ("ad-banner",),
      "Community feed with a 728x90 'Test Ad' banner: 'Nice job! This is a 728x90 test ad.'"),
    S("ad-banner-sponsored-native.png", "ad-sponsored-native.html", 1920, 1080, ("ad-banner",),
      "Equipment marketplace feed with a 'Sponsored' native ad card and an AdChoices mark"),
    S("ad-banner-native-ad-badge.png", "mobile-news-native-ad.html", 1080, 1920,
      ("ad-banner", "image-dimensions", "aspect-ratio"),
      "Phone news feed with an in-feed native ad: only a small outlined yellow 'Ad' badge and an 'Install' button"),

    # --- broken template output -----------------------------------------------------------
    S("broken-template-dashboard-cells.png", "broken-dashboard.html", 1920, 1080, ("broken-template",),
      "'Hello, {{user.firstName}}', [object Object], undefined, NaN, Invalid Date in KPIs and cells"),
    S("broken-template-notifications.png", "broken-notifications.html", 1600, 900, ("broken-template",),
      "Notification centre with {{project.name}}, ${count}, %s, 'undefined undefined', Invalid Date"),

    # --- error screens --------------------------------------------------------------------
    S("error-404-page-not-found.png", "error-404.html", 1920, 1080, ("error-screen",),
      "'404 - Page not found' page inside the app header"),
    S("error-something-went-wrong.png", "error-crash.html", 1920, 1080, ("error-screen",),
      "'Something went wrong' crash screen with a stack trace; the TypeError text mentions 'undefined' "
      "but that is the error message, not broken template output"),

    # --- blank screens --------------------------------------------------------------------
    S("blank-white.png", "blank-white.html", 1920, 1080, ("blank-screen",),
      "Almost uniform white; only a faint 1 px header rule"),
    S("blank-loading-spinner.png", "blank-spinner.html", 1920, 1080, ("blank-screen",),
      "Loading-only screen: a spinner ring in the middle, nothing else"),

    # --- spec examples (good content, wrong file properties) ------------------------------
    S("spec-webp-inspection-checklist.webp", "spec-inspection-checklist.html", 1920, 1080, ("image-format",),
      "Good inspection checklist saved as WebP (only JPG/PNG allowed)"),
    S("spec-4x3-drawings-viewer.png", "spec-drawings-viewer.html", 1280, 960, ("aspect-ratio",),
      "Good drawing viewer at 1280x960: within size limits but 4:3"),
    S("spec-2560x1440-equipment-tracker.png", "spec-equipment-tracker.html", 2560, 1440, ("image-dimensions",),
      "Good equipment tracker at 2560x1440: 16:9 but larger than 1920x1080"),
]


def write_expected(path: Path = EXPECTED) -> None:
    for s in SCREENS:
        unknown = set(s.expected) - set(RULES)
        if unknown:
            raise SystemExit(f"{s.out}: unknown rule name(s) {sorted(unknown)}")
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["file", "expected_findings", "notes"])
        for s in SCREENS:
            w.writerow([f"screens/{s.out}", "+".join(s.expected), s.notes])


def to_palette(img, exact: int = 32):
    """RGB -> 256-colour palette image, without dithering, deterministic.

    Flat UI screens have a few dominant colours (backgrounds, fills) plus anti-aliased
    text.  The `exact` most frequent colours are kept exactly, so large areas do not
    shift tint; the rest of the palette comes from Pillow's max-coverage quantizer, and
    every pixel maps to its nearest palette entry (max channel error stays ~10)."""
    import numpy as np
    from PIL import Image

    a = np.asarray(img, dtype=np.uint8)
    packed = (a[..., 0].astype(np.uint32) << 16) | (a[..., 1].astype(np.uint32) << 8) | a[..., 2]
    uniq, inv, counts = np.unique(packed.reshape(-1), return_inverse=True, return_counts=True)
    rgb = np.stack([(uniq >> 16) & 255, (uniq >> 8) & 255, uniq & 255], axis=1).astype(np.int32)
    if len(uniq) <= 256:
        palette = rgb
    else:
        top = rgb[np.lexsort((uniq, -counts))[:exact]]
        q = img.quantize(colors=256 - exact, method=Image.Quantize.MAXCOVERAGE, dither=Image.Dither.NONE)
        rest = np.array(q.getpalette()[: (256 - exact) * 3], dtype=np.int32).reshape(-1, 3)
        palette = np.concatenate([top, rest])
    nearest = np.empty(len(rgb), dtype=np.uint8)
    for i in range(0, len(rgb), 4096):
        d = ((rgb[i:i + 4096, None, :] - palette[None, :, :]) ** 2).sum(axis=2)
        nearest[i:i + 4096] = d.argmin(axis=1)
    out = Image.fromarray(nearest[inv.reshape(-1)].reshape(a.shape[:2]), "P")
    flat = palette.astype(np.uint8).reshape(-1).tolist()
    out.putpalette(flat + [0] * (768 - len(flat)))
    return out


def save(png_bytes: bytes, dest: Path) -> None:
    from PIL import Image

    img = Image.open(io.BytesIO(png_bytes)).convert("RGB")
    ext = dest.suffix.lower()
    if ext == ".png":
        # Flat UI screens: a 256-colour palette keeps text crisp at a third of the size.
        to_palette(img).save(dest, "PNG", optimize=True)
    elif ext in (".jpg", ".jpeg"):
        img.save(dest, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=False, subsampling="4:2:0")
    elif ext == ".webp":
        img.save(dest, "WEBP", quality=WEBP_QUALITY, method=6)
    else:
        raise SystemExit(f"unsupported output format: {dest.name}")


def render(screens: list[Screen]) -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for s in screens:
                page_file = SRC / s.src
                if not page_file.is_file():
                    raise SystemExit(f"missing source page: {page_file}")
                ctx = browser.new_context(
                    viewport={"width": s.width, "height": s.height}, device_scale_factor=1,
                    locale="en-US", timezone_id="America/Los_Angeles", color_scheme="light",
                    reduced_motion="reduce", java_script_enabled=True,
                )
                # Block anything that is not a local file: the pages must be self-contained.
                ctx.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
                          else route.abort())
                page = ctx.new_page()
                page.goto(page_file.as_uri(), wait_until="load")
                page.evaluate("document.fonts.ready")
                png = page.screenshot(type="png", full_page=False, animations="disabled", caret="hide")
                ctx.close()
                dest = OUT / s.out
                save(png, dest)
                print(f"{dest.relative_to(HERE)}  {s.width}x{s.height}  {dest.stat().st_size // 1024} KiB")
        finally:
            browser.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("only", nargs="*", help="render only screens whose file name contains one of these words")
    ap.add_argument("--list", action="store_true", help="print the screen table and exit")
    args = ap.parse_args(argv)

    if args.list:
        for s in SCREENS:
            print(f"{s.out:45s} {s.width}x{s.height}  {'+'.join(s.expected) or '-'}")
        return 0
    chosen = [s for s in SCREENS if not args.only or any(w in s.out for w in args.only)]
    if not chosen:
        print("no screen matches", file=sys.stderr)
        return 1
    write_expected()
    render(chosen)
    # Drop stale outputs that are no longer in the table (only on a full run).
    if not args.only:
        known = {s.out for s in SCREENS}
        for f in OUT.iterdir():
            if f.is_file() and f.name not in known:
                f.unlink()
                print(f"removed stale {f.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
