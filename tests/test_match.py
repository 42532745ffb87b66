"""Locating the app screen in a listing image, aligning it on a live capture, and deciding current / stale.

Real rendered app screens (sample_media) go through the listing-style transforms the benchmark uses; the
invariants are the ones a reviewer expects: cosmetic changes keep a screenshot current, a structural change makes
it stale with the change boxed, another screen is never current.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from media_check import align, eval_live, match

ROOT = Path(__file__).resolve().parents[1]
SCREENS = ROOT / "sample_media" / "screens"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def rgb_of(name: str) -> np.ndarray:
    with Image.open(SCREENS / name) as image:
        return np.asarray(image.convert("RGB"))


@pytest.fixture(scope="module")
def dashboard() -> np.ndarray:
    return rgb_of("in-use-rfi-dashboard.png")


@pytest.fixture(scope="module")
def dashboard_view(dashboard) -> match.LiveView:
    return match.LiveView(dashboard)


def with_new_button(rgb: np.ndarray) -> np.ndarray:
    """The same screen with one more toolbar button (a structural change)."""
    image = Image.fromarray(rgb.copy())
    draw = ImageDraw.Draw(image)
    h, w = rgb.shape[:2]
    x0, y0 = int(w * 0.55), int(h * 0.085)
    draw.rounded_rectangle([x0, y0, x0 + int(w * 0.08), y0 + int(h * 0.035)], radius=6, fill=(37, 99, 235))
    draw.text((x0 + 14, y0 + 8), "Export all", fill="white")
    return np.asarray(image)


def decide(listing: np.ndarray, view: match.LiveView) -> match.Decision:
    return match.decide(match.compare(listing, view))


def iou(a, b) -> float:
    return align.box_iou(a, b)


# ------------------------------------------------------------------ locating the screen

def test_a_raw_capture_is_its_own_screen(dashboard):
    h, w = dashboard.shape[:2]
    assert iou(align.locate_screen(dashboard), (0, 0, w, h)) > 0.95


def test_screen_is_found_inside_a_device_frame_with_a_caption(dashboard):
    framed = eval_live.device_frame(dashboard)
    boxes = align.screen_candidates(framed)
    # The frame puts the screen below a caption band, inside a bezel: one of the guesses is the screen itself.
    h, w = dashboard.shape[:2]
    bezel = max(12, round(0.035 * min(h, w)))
    margin = round(0.12 * (w + 2 * bezel))
    caption = round(0.28 * (h + 2 * bezel))
    truth = (margin + bezel, caption + bezel, w, h)
    assert max(iou(b, truth) for b in boxes) > 0.85
    assert iou(boxes[-1], (0, 0, framed.shape[1], framed.shape[0])) < 0.7  # not the whole marketing image


def test_padding_is_trimmed(dashboard):
    padded = eval_live.pad(dashboard, 0.2, colour=(30, 30, 30))
    h, w = dashboard.shape[:2]
    truth = (round(w * 0.2), round(h * 0.2), w, h)
    assert max(iou(b, truth) for b in align.retrieval_boxes(padded)) > 0.9


# ------------------------------------------------------------------ current: cosmetic differences

@pytest.mark.parametrize("transform", ["resize-0.5x", "jpeg-q60", "crop-10%-top", "pad-20%", "clock", "data-row",
                                       "device-frame+caption"])
def test_cosmetic_variants_stay_current(dashboard, dashboard_view, transform):
    variant = eval_live._transforms(dashboard, False)[transform]
    assert decide(variant, dashboard_view).status == "current", transform


def test_identical_images_have_no_changed_region(dashboard, dashboard_view):
    comparison = match.compare(dashboard, dashboard_view)
    assert comparison.structural_regions == ()
    assert comparison.chrome_agreement > 0.95


# ------------------------------------------------------------------ stale: structural differences

def test_a_new_button_makes_it_stale_and_is_boxed(dashboard, dashboard_view):
    listing = with_new_button(dashboard)  # the listing has a button the live app no longer shows
    decision = decide(listing, dashboard_view)
    assert decision.status == "stale"
    h, w = dashboard.shape[:2]
    button = (int(w * 0.55), int(h * 0.085), int(w * 0.08), int(h * 0.035))
    assert any(iou(box, button) > 0.3 or align.intersect(box, button) == button for box in decision.changed_regions)


def test_a_removed_block_seen_through_a_device_frame_is_still_stale(dashboard, dashboard_view):
    listing = eval_live.device_frame(with_new_button(dashboard))
    assert decide(listing, dashboard_view).status == "stale"


# ------------------------------------------------------------------ another screen is never current

def test_another_screen_of_the_same_app_is_not_current(dashboard_view):
    other = rgb_of("in-use-submittals-list.png")
    assert decide(other, dashboard_view).status != "current"


def test_an_unrelated_screen_is_unmatched(dashboard_view):
    assert decide(rgb_of("splash-title-card.jpg"), dashboard_view).status == "unmatched"


# ------------------------------------------------------------------ building blocks

def test_text_lines_are_found_in_a_screen(dashboard):
    lines = match.text_lines(match.LiveView(dashboard).image)
    assert len(lines) > 40
    assert all(w >= h for _, _, w, h in lines)


def test_tolerant_difference_ignores_a_one_pixel_shift(dashboard):
    view = match.LiveView(dashboard)
    shifted = np.concatenate([view.image[:, :1], view.image[:, :-1]], axis=1)  # one pixel to the right
    changed = match.tolerant_difference(match.structure_map(shifted), view.structure)
    assert changed.mean() < 0.001
    moved = np.concatenate([view.image[:, :12], view.image[:, :-12]], axis=1)  # twelve pixels: a real move
    assert match.tolerant_difference(match.structure_map(moved), view.structure).mean() > 0.01


def test_feature_transform_recovers_a_scale(dashboard):
    small = eval_live.resize(dashboard, 0.6)
    found = align.feature_transform(align.orb_features(small), align.orb_features(dashboard))
    assert found is not None and found.inliers >= 50
    assert abs(found.scale - 1 / 0.6) < 0.02


@pytest.mark.skipif(not (CORPUS / "pair_031_old.png").exists(), reason="needs ../shared/corpus")
def test_real_pair_clock_only_change_is_current():
    old, new = (eval_live.load_rgb(CORPUS / f"pair_031_{v}.png") for v in ("old", "new"))
    assert decide(old, match.LiveView(new)).status == "current"


@pytest.mark.skipif(not (CORPUS / "pair_011_old.png").exists(), reason="needs ../shared/corpus")
def test_real_pair_with_removed_navigation_is_stale():
    old, new = (eval_live.load_rgb(CORPUS / f"pair_011_{v}.png") for v in ("old", "new"))
    decision = decide(old, match.LiveView(new))
    assert decision.status == "stale" and decision.changed_regions


# ------------------------------------------------------------------ the reviewer's diff image

def test_diff_image_shows_both_sides_and_colours_the_change(dashboard, dashboard_view):
    from media_check import diff_image

    listing = with_new_button(dashboard)
    comparison = match.compare(listing, dashboard_view)
    picture = diff_image.render(listing, dashboard_view.image, comparison, listing_name="old.png",
                                live_name="live.png", height=400)
    assert picture.width > 3 * 400 * 0.9  # three landscape panels side by side
    pixels = np.asarray(picture)
    red = (pixels[..., 0] > 200) & (pixels[..., 1] < 60) & (pixels[..., 2] < 60)
    assert red.sum() > 50  # the button exists only in the listing: drawn red, and boxed
    overlay = diff_image.overlay(dashboard_view.image, dashboard_view.image)
    assert not ((overlay[..., 0] > 200) & (overlay[..., 1] < 60)).any()  # identical drawings: nothing coloured


def test_nearby_boxes_are_merged_for_the_reviewer():
    from media_check.diff_image import merged

    assert merged([(0, 0, 10, 10), (12, 0, 10, 10), (100, 100, 5, 5)], gap=4) == [(0, 0, 22, 10), (100, 100, 5, 5)]
