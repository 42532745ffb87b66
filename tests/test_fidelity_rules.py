"""MC201 not-from-live-app, MC202 stale-screenshot and MC203 duplicate-asset, through real scans.

One listing folder is scanned against sample_media/live (captures of the sample app, one of them a newer release
of the kanban board): current, stale, foreign and duplicate screenshots, each in the shape a listing really
ships them (framed, resized, re-encoded).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import text_screen
from media_check import eval_live

pytestmark = pytest.mark.slow  # real scans: OCR, the live index, diff images

ROOT = Path(__file__).resolve().parents[1]
SCREENS = ROOT / "sample_media" / "screens"
LIVE = ROOT / "sample_media" / "live"


def rgb_of(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def save(rgb: np.ndarray, path: Path) -> None:
    Image.fromarray(rgb).save(path, quality=88) if path.suffix == ".jpg" else Image.fromarray(rgb).save(path)


def scan(*args: str) -> tuple[int, dict]:
    result = subprocess.run([sys.executable, "-m", "media_check", "scan", *args, "--format", "json",
                             "--no-progress"], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def by_name(report: dict) -> dict[str, dict]:
    return {Path(a["path"]).name: a for a in report["assets"]}


def codes(asset: dict) -> set[str]:
    return {f["name"] for f in asset["findings"]}


@pytest.fixture(scope="module")
def listing_scan(tmp_path_factory) -> tuple[dict, Path]:
    root = tmp_path_factory.mktemp("fidelity")
    listing = root / "listing"
    listing.mkdir()
    # current: the dashboard in a device frame with a caption, re-encoded as JPEG
    save(eval_live.jpeg(eval_live.device_frame(rgb_of(SCREENS / "in-use-rfi-dashboard.png")), 85),
         listing / "01-dashboard.jpg")
    # stale: the kanban board as it was before the live release added a button and dropped a column
    save(rgb_of(SCREENS / "in-use-kanban-board.png"), listing / "02-board.png")
    # current, tricky: a different status-bar-less crop and a resize of the budget page
    save(eval_live.resize(eval_live.crop(rgb_of(SCREENS / "in-use-budget-chart.png"), bottom=0.1), 0.8),
         listing / "03-budget.png")
    # foreign: a screen the live app does not have at all
    shutil.copy(SCREENS / "splash-title-card.jpg", listing / "04-title.jpg")
    # duplicate of 03, padded and captioned differently
    save(eval_live.pad(eval_live.crop(rgb_of(SCREENS / "in-use-budget-chart.png"), bottom=0.1), 0.2),
         listing / "05-budget-again.png")
    diffs = root / "diffs"
    _, report = scan(str(listing), "--live", str(LIVE), "--diff-dir", str(diffs), "--cache-dir",
                     str(root / "cache"))
    return report, diffs


def test_current_screenshots_get_no_fidelity_finding(listing_scan):
    assets = by_name(listing_scan[0])
    for name in ("01-dashboard.jpg", "03-budget.png"):
        assert assets[name]["live_match"]["status"] == "current", assets[name]["live_match"]
        assert not codes(assets[name]) & {"stale-screenshot", "not-from-live-app"}
    assert Path(assets["01-dashboard.jpg"]["live_match"]["closest"]).name == "rfi-dashboard.png"


def test_old_ui_is_stale_with_changed_regions_and_a_diff_image(listing_scan):
    report, diffs = listing_scan
    board = by_name(report)["02-board.png"]
    match = board["live_match"]
    assert match["status"] == "stale"
    assert Path(match["closest"]).name == "kanban-board.png"
    assert 0 < match["similarity"] <= 1 and match["changed_regions"]
    finding = next(f for f in board["findings"] if f["name"] == "stale-screenshot")
    assert finding["code"] == "MC202" and finding["evidence"]
    w, h = board["width"], board["height"]
    # The "In review" column the live app dropped (the third, from 0.6 to 0.78 of the width) is boxed, and
    # nothing is boxed in the first two columns, which did not change (left of 0.5 of the width).
    boxes = [e["box"] for e in finding["evidence"]]
    assert any(x < 0.75 * w and x + bw > 0.62 * w for x, _, bw, _ in boxes)
    assert not any(x + bw < 0.5 * w and y > 0.15 * h for x, y, bw, _ in boxes)
    assert all(0 <= x and 0 <= y and x + bw <= w + 2 and y + bh <= h + 2 for x, y, bw, bh in boxes)
    written = list(diffs.glob("*.diff.png"))
    assert [p.name for p in written] == [next(p.name for p in written if "02-board" in p.name)]
    with Image.open(written[0]) as image:
        assert image.width > 2 * image.height  # three panels side by side


def test_a_screen_the_live_app_does_not_show_is_not_from_live_app(listing_scan):
    title = by_name(listing_scan[0])["04-title.jpg"]
    assert title["live_match"]["status"] == "unmatched"
    assert "not-from-live-app" in codes(title)


def test_duplicate_is_reported_on_the_later_copy_only(listing_scan):
    assets = by_name(listing_scan[0])
    assert "duplicate-asset" in codes(assets["05-budget-again.png"])
    assert not any("duplicate-asset" in codes(assets[n]) for n in assets if n != "05-budget-again.png")
    message = next(f["message"] for f in assets["05-budget-again.png"]["findings"] if f["name"] == "duplicate-asset")
    assert "03-budget.png" in message


def test_without_live_captures_fidelity_rules_stay_silent_but_duplicates_are_found(tmp_path):
    listing = tmp_path / "listing"
    listing.mkdir()
    save(rgb_of(SCREENS / "in-use-rfi-dashboard.png"), listing / "a.png")
    save(eval_live.jpeg(eval_live.resize(rgb_of(SCREENS / "in-use-rfi-dashboard.png"), 0.5), 80), listing / "b.jpg")
    save(rgb_of(SCREENS / "in-use-submittals-list.png"), listing / "c.png")  # same app chrome, another screen
    _, report = scan(str(listing), "--cache-dir", str(tmp_path / "cache"))
    assets = by_name(report)
    assert all(a["live_match"] is None for a in assets.values())
    assert not any(codes(a) & {"stale-screenshot", "not-from-live-app"} for a in assets.values())
    assert "duplicate-asset" in codes(assets["b.jpg"])
    assert "duplicate-asset" not in codes(assets["c.png"])


def test_sparse_screens_with_one_layout_but_other_words_are_not_duplicates(tmp_path):
    listing = tmp_path / "listing"
    listing.mkdir()
    text_screen(["Daily log for level four", "Crew of twelve on site"]).save(listing / "a.png")
    text_screen(["Schedule review meeting", "Concrete deck pour planned"]).save(listing / "b.png")
    text_screen(["Daily log for level four", "Crew of twelve on site"]).resize((1200, 675)).save(listing / "c.png")
    _, report = scan(str(listing), "--cache-dir", str(tmp_path / "cache"))
    assets = by_name(report)
    assert "duplicate-asset" not in codes(assets["b.png"])
    assert "duplicate-asset" in codes(assets["c.png"])


def test_captures_kept_inside_the_scanned_folder_are_compared_with_not_judged(tmp_path):
    listing = tmp_path / "listing"
    (listing / "live").mkdir(parents=True)
    save(eval_live.jpeg(rgb_of(SCREENS / "in-use-rfi-dashboard.png"), 85), listing / "dashboard.jpg")
    shutil.copy(LIVE / "rfi-dashboard.png", listing / "live" / "rfi-dashboard.png")
    _, report = scan(str(listing), "--live", str(listing / "live"), "--cache-dir", str(tmp_path / "cache"))
    assert [Path(a["path"]).name for a in report["assets"]] == ["dashboard.jpg"]
    assert report["assets"][0]["live_match"]["status"] == "current"
    assert any("1 file(s) under --live" in line for line in report["summary"]["not_checked"])
    # without --live, the same folder's captures are listing media like any other file
    _, plain = scan(str(listing), "--cache-dir", str(tmp_path / "cache"))
    assert sorted(Path(a["path"]).name for a in plain["assets"]) == ["dashboard.jpg", "rfi-dashboard.png"]


def test_links_that_are_not_followed_are_reported_in_a_scan_with_live_captures(tmp_path):
    """With --live, a looping link and a link leading out of the scanned folder (here: into the live captures)
    are reported like in any scan; neither stops the scan nor is taken for a capture."""
    listing, live = tmp_path / "listing", tmp_path / "live"
    listing.mkdir()
    live.mkdir()
    save(eval_live.jpeg(rgb_of(SCREENS / "in-use-rfi-dashboard.png"), 85), listing / "dashboard.jpg")
    shutil.copy(LIVE / "rfi-dashboard.png", live / "rfi-dashboard.png")
    (listing / "loop.png").symlink_to(listing / "loop.png")
    (listing / "capture.png").symlink_to(live / "rfi-dashboard.png")
    _, report = scan(str(listing), "--live", str(live), "--cache-dir", str(tmp_path / "cache"))
    assets = by_name(report)
    assert sorted(assets) == ["capture.png", "dashboard.jpg", "loop.png"]
    assert assets["dashboard.jpg"]["live_match"]["status"] == "current"
    for name in ("capture.png", "loop.png"):
        assert assets[name]["status"] == "error"
        assert "not followed" in " ".join(f["message"] for f in assets[name]["findings"])
