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
from media_check.annotate import font

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
    variant = eval_live._transforms(dashboard)[transform]
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


# ------------------------------------------------------------------ a theme change, prose, a device frame

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
PROSE = ("The small harbour town wakes early, long before the ferries leave, and the bakers along the quay open "
         "their shutters to the smell of bread and salt. Fishermen mend their nets on the steps while gulls argue "
         "over the night's catch, and the first tourists wander down from the station with maps they never quite "
         "read. By noon the square is full of voices, bicycles and the clatter of cups, and the old clock above the "
         "town hall, which has been wrong for forty years, strikes whatever hour it likes. Nobody minds. ") * 2


def details_screen(dark: bool, description: str, seed: int = 1, share_button: bool = False,
                   notifications: bool = False) -> np.ndarray:
    """A phone's book-details screen (540 x 1150) in a dark or a light theme: a status bar with a camera cutout,
    toolbar icons, a cover picture, a title, a progress bar, a description running under a fading navigation
    bar, a floating button. ``share_button`` adds a toolbar control; ``notifications`` two status-bar icons."""
    from PIL import ImageFont

    w, h = 540, 1150
    bg, fg, muted = ((16, 18, 26), (232, 232, 238), (150, 152, 165)) if dark else \
        ((248, 248, 252), (28, 28, 34), (100, 100, 112))
    accent = (60, 72, 120) if dark else (222, 226, 248)
    image = Image.new("RGB", (w, h), bg)
    draw = ImageDraw.Draw(image)
    font, small, big = (ImageFont.truetype(FONT, size) for size in (20, 15, 28))
    draw.text((22, 12), "7:30" if dark else "1:21", fill=fg, font=small)
    for i in range(3):
        draw.rectangle([w - 80 + i * 9, 24 - i * 4, w - 74 + i * 9, 28], fill=fg)
    draw.rectangle([w - 40, 14, w - 28, 28], fill=fg)
    if notifications:
        draw.rectangle([70, 16, 82, 28], outline=fg, width=2)
        draw.ellipse([90, 16, 102, 28], outline=fg, width=2)
    draw.ellipse([w // 2 - 11, 10, w // 2 + 11, 32], fill=(0, 0, 0))  # the camera cutout
    draw.line([26, 80, 50, 80], fill=fg, width=3)  # back
    draw.line([26, 80, 36, 70], fill=fg, width=3)
    draw.line([26, 80, 36, 90], fill=fg, width=3)
    draw.arc([w - 110, 68, w - 86, 92], 40, 340, fill=fg, width=3)  # refresh
    for i in range(3):  # menu
        draw.ellipse([w - 44, 68 + i * 9, w - 40, 72 + i * 9], fill=fg)
    if share_button:
        draw.rounded_rectangle([w - 250, 62, w - 130, 98], radius=18, outline=fg, width=2)
        draw.text((w - 226, 70), "Share", fill=fg, font=small)
    cover = np.random.default_rng(seed).integers(0, 255, size=(12, 9, 3), dtype=np.uint8)
    image.paste(Image.fromarray(cover).resize((150, 220), Image.NEAREST), (24, 120))
    draw.text((196, 190), "A Book Title" if dark else "Another Title", fill=fg, font=big)
    draw.text((196, 234), "Author, Some" if dark else "Writer, Other", fill=muted, font=font)
    draw.text((24, 370), "13.7%" if dark else "0%", fill=fg, font=font)
    draw.line([24, 404, w - 24, 404], fill=(60, 64, 80) if dark else accent, width=4)
    draw.text((24, 416), "You need to read more!", fill=muted, font=small)
    y, line = 470, ""
    for word in description.split():
        if draw.textlength(line + " " + word, font=font) > w - 48:
            draw.text((24, y), line.strip(), fill=fg, font=font)
            y, line = y + 30, ""
        line += " " + word
    if line.strip() and y < h:
        draw.text((24, y), line.strip(), fill=fg, font=font)
    pixels = np.asarray(image).astype(np.float32)
    fade = np.linspace(0, 0.85, 60)[:, None, None]
    pixels[h - 60:] = pixels[h - 60:] * (1 - fade) + np.array(bg, np.float32) * fade
    image = Image.fromarray(pixels.astype(np.uint8))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle([w // 2 - 60, h - 22, w // 2 + 60, h - 16], radius=3, fill=fg)
    draw.rounded_rectangle([w - 170, h - 150, w - 24, h - 90], radius=18, fill=accent)
    draw.polygon([(w - 150, h - 132), (w - 150, h - 108), (w - 132, h - 120)], fill=fg)
    draw.text((w - 120, h - 132), "Read", fill=fg, font=font)
    return np.asarray(image)


def in_device(screen: np.ndarray, bezel: int = 26, rim: int = 5) -> np.ndarray:
    """A phone body around a screen: a grey rim, a black bezel, rounded corners, nothing around it."""
    h, w = screen.shape[:2]
    width, height = w + 2 * (bezel + rim), h + 2 * (bezel + rim)
    body = Image.new("RGB", (width, height), (0, 0, 0))
    draw = ImageDraw.Draw(body)
    draw.rounded_rectangle([0, 0, width - 1, height - 1], radius=70, fill=(150, 152, 151))
    draw.rounded_rectangle([rim, rim, width - 1 - rim, height - 1 - rim], radius=64, fill=(8, 8, 8))
    mask = Image.new("L", (w, h), 0)
    ImageDraw.Draw(mask).rounded_rectangle([0, 0, w - 1, h - 1], radius=40, fill=255)
    body.paste(Image.fromarray(screen), (bezel + rim, bezel + rim), mask)
    return np.asarray(body)


@pytest.mark.parametrize("listing_dark", [True, False])
def test_the_same_screen_in_the_other_theme_with_other_data_stays_current(listing_dark):
    # One layout, another theme and another book: a short description against a paragraph that runs off the
    # screen under the navigation bar, other status-bar icons, all seen through the same device frame.
    short, long = details_screen(True, "No description."), details_screen(False, PROSE, seed=2, notifications=True)
    listing, live = (short, long) if listing_dark else (long, short)
    decision = decide(in_device(listing), match.LiveView(in_device(live)))
    assert decision.status == "current", decision.reason


@pytest.mark.parametrize("in_listing", [False, True])
def test_a_control_added_or_removed_across_a_theme_change_is_stale(in_listing):
    listing = in_device(details_screen(True, "No description.", share_button=in_listing))
    live = match.LiveView(in_device(details_screen(False, PROSE, seed=2, share_button=not in_listing)))
    decision = decide(listing, live)
    assert decision.status == "stale"
    # The one structural change is the toolbar's new control (listing pixels: the screen sits 31 px in).
    button = (31 + 540 - 250, 31 + 62, 120, 36)
    assert any(iou(box, button) > 0.3 for box in decision.changed_regions), decision.changed_regions


def test_a_faint_edge_and_a_strong_one_are_the_same_drawing():
    # A divider and a button outline, drawn faintly (a dark theme) and strongly (a light one): the same drawing.
    def drawn(background: int, ink: int, button: bool = True) -> np.ndarray:
        image = Image.new("RGB", (200, 120), (background,) * 3)
        draw = ImageDraw.Draw(image)
        draw.line([10, 20, 190, 20], fill=(ink,) * 3, width=2)
        if button:
            draw.rounded_rectangle([40, 50, 160, 90], radius=10, outline=(ink,) * 3, width=2)
        return match.structure_map(np.asarray(image))

    dark, light = drawn(18, 80), drawn(250, 20)
    assert not match.tolerant_difference(dark, light).any()
    assert match.tolerant_difference(drawn(18, 80, button=False), light)[45:95, 35:165].sum() > 50
    assert match.tolerant_difference(dark, drawn(250, 20, button=False))[45:95, 35:165].sum() > 50


def test_the_status_bar_reaches_down_to_its_icons():
    screen = (0, 0, 450, 960)  # a strip of 43 px at first
    assert match.status_bar_height(screen, []) == 43
    # A device frame pushed the clock and the icons down: they start inside the strip and end below it.
    assert match.status_bar_height(screen, [(35, 38, 26, 14), (360, 36, 46, 17)]) == 53
    # A toolbar title below the strip, or a tall block starting in it, is not the status bar.
    assert match.status_bar_height(screen, [(60, 50, 200, 20), (0, 10, 450, 60)]) == 43


def test_a_paragraph_covers_its_line_cut_by_the_screen_edge():
    lines = [(20, 100 + 30 * i, 400 if i < 5 else 250, 20) for i in range(6)]
    prose = match._prose_mask(lines, (400, 480))
    assert prose[100:270, 20:420].all()
    assert prose[272:290, 20:420].all()  # the next line, cut or faded, shows too little to be found as a line
    assert prose[80:100, 20:420].all()  # and so does one line above the first
    assert not prose[300:].any() and not prose[:75].any()


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


def test_a_written_line_is_one_text_line_where_it_was_written():
    canvas = Image.new("RGB", (600, 300), "white")
    draw = ImageDraw.Draw(canvas)
    draw.text((100, 60), "Quarterly budget report", fill="black", font=font(22))
    draw.text((100, 200), "Approved", fill="black", font=font(22))
    lines = sorted(match.text_lines(np.asarray(canvas)), key=lambda b: b[1])
    assert len(lines) == 2
    (x0, y0, w0, h0), (x1, y1, w1, h1) = lines
    assert abs(x0 - 100) <= 4 and abs(x1 - 100) <= 4
    assert 55 <= y0 <= 75 and 195 <= y1 <= 215
    assert w0 > 2 * w1  # the longer sentence makes the longer line
    assert match.text_lines(np.full((300, 600, 3), 255, np.uint8)) == []


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


def test_feature_transform_recovers_a_thumbnail(dashboard):
    # A thumbnail's features are taken at the capture's work size: its fine scale alone has few of the
    # capture's features.
    thumbnail = eval_live.resize(dashboard, 0.15)  # 288 x 162 against 1920 x 1080
    view = match.LiveView(dashboard)
    found = align.feature_transform(align.orb_features(thumbnail), view.features)
    assert found is not None and found.inliers >= 100
    assert abs(found.scale - view.scale / 0.15) < 0.05


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
    # The live panel and the overlay panel (the last two, as wide as each other) carry the same numbered boxes at
    # the same places: red in the overlay where the live panel has none is the drawing of the change itself.
    h, w = dashboard_view.image.shape[:2]
    side = round(w * 400 / h)
    overlay_x = picture.width - diff_image.GAP - side
    live_x = overlay_x - diff_image.GAP - side
    rows = slice(diff_image.HEADER, diff_image.HEADER + 400)
    drawn = red[rows, overlay_x:overlay_x + side] & ~red[rows, live_x:live_x + side]
    assert drawn.sum() > 50  # the button exists only in the listing: drawn red
    view = dashboard_view.image
    changed = diff_image.overlay(with_new_button(view), view)
    assert ((changed[..., 0] > 200) & (changed[..., 1] < 60)).sum() > 50  # a different drawing is coloured
    shifted = np.concatenate([view[:, :1], view[:, :-1]], axis=1)  # one pixel to the right: the same drawing
    overlay = diff_image.overlay(shifted, view)
    assert not ((overlay[..., 0] > 200) & (overlay[..., 1] < 60)).any()  # the same drawings: nothing coloured


def test_nearby_boxes_are_merged_for_the_reviewer():
    from media_check.diff_image import merged

    assert merged([(0, 0, 10, 10), (12, 0, 10, 10), (100, 100, 5, 5)], gap=4) == [(0, 0, 22, 10), (100, 100, 5, 5)]
