"""Annotated images: evidence boxed and labelled, readable on light and dark screens from phone to 4K."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytesseract
import pytest
from conftest import app_screen, text_screen
from PIL import Image, ImageDraw
from test_writers import finding, verdict

from media_check.analysis import Analysis, AnalysisParams, sha256_of
from media_check.annotate import (LIVE_COLOUR, OCR_COLOUR, SEVERITY_COLOURS, STATUS_COLOURS, SUFFIX, Style,
                                  annotate, output_path)
from media_check.asset_source import AssetSource
from media_check.cache import AnalysisCache
from media_check.report import Evidence, LiveMatch, Severity, Status
from media_check.words import Word

RED = SEVERITY_COLOURS[Severity.FAIL]
AMBER = SEVERITY_COLOURS[Severity.WARN]


def colour_mask(image: Image.Image, colour, tolerance: int = 12) -> np.ndarray:
    pixels = np.asarray(image.convert("RGB")).astype(int)
    return (np.abs(pixels - np.array(colour[:3])).max(axis=2) <= tolerance)


def login_verdict(width=1920, height=1080, box=(800, 600, 200, 40)):
    found = finding("MC101", "login-screen", "fail", 0.97, "Screenshot shows a sign-in form, not the app in use",
                    [Evidence(text="Forgot password?", box=box)], "Replace it with a screenshot after sign-in")
    ratio = finding("MC304", "aspect-ratio", "warn", 1.0, "16:10 is not 16:9")
    return verdict("listing/01-login.png", "a" * 64, [found, ratio], width=width, height=height)


def body_offset(out: Image.Image, status: Status) -> int:
    """Height of the verdict banner: the first row, from the top, that is not the banner colour."""
    column = np.asarray(out.convert("RGB"))[:, 2, :].astype(int)
    banner = np.array(STATUS_COLOURS[status])
    for y, pixel in enumerate(column):
        if np.abs(pixel - banner).max() > 10:
            return y
    raise AssertionError("no banner")


@pytest.mark.parametrize("background", ["white", (18, 18, 20)])
def test_evidence_box_is_drawn_in_the_severity_colour_over_a_dark_outline(background):
    image = Image.new("RGB", (1600, 900), background)
    out = annotate(image, login_verdict(1600, 900, box=(700, 400, 200, 50)))
    top = body_offset(out, Status.FAIL)
    assert top > 0 and out.height > top + 900  # banner above, legend below
    body = out.crop((0, top, 1600, top + 900))
    red = colour_mask(body, RED)
    ys, xs = np.nonzero(red)
    assert xs.min() <= 700 <= xs.max() and ys.min() <= 450 <= ys.max()  # the box frames the evidence
    dark = colour_mask(body, (0, 0, 0), tolerance=20)
    assert dark[400:451, 690:700].any() and dark[400:451, 900:912].any()  # outline on both sides of the box
    assert red[400:451, 690:705].any()  # the bright frame is right at the box edge


def test_verdict_banner_says_the_status_in_its_colour():
    for status_findings, status in (([], Status.PASS), (None, Status.FAIL)):
        v = login_verdict() if status_findings is None else verdict("a.png", "b" * 64, status_findings)
        out = annotate(Image.new("RGB", (1920, 1080), "white"), v)
        assert out.getpixel((1, 1)) == STATUS_COLOURS[status]


@pytest.mark.parametrize("size", [(1170, 2532), (1920, 1080), (3840, 2160)], ids=["phone", "desktop", "4k"])
def test_labels_and_legend_are_readable_at_every_size(size):
    """Plain tesseract reads the banner and the legend back: the text is large enough at phone, desktop and 4K."""
    w, h = size
    image = app_screen(seed=1, size=size)
    out = annotate(image, login_verdict(w, h, box=(w // 3, h // 3, w // 5, h // 20)))
    top = body_offset(out, Status.FAIL)
    legend = out.crop((0, top + h, w, out.height))
    banner = out.crop((0, 0, w, top))
    legend_text = pytesseract.image_to_string(legend.convert("L"))
    banner_text = pytesseract.image_to_string(banner.convert("L"))
    assert "MC101" in legend_text and "login-screen" in legend_text and "MC304" in legend_text
    assert "FAIL" in banner_text


def test_sizes_scale_with_the_image():
    phone, desktop, big = Style(1170, 2532), Style(1920, 1080), Style(3840, 2160)
    assert phone.font_size > desktop.font_size < big.font_size
    assert big.line > desktop.line >= 2
    tiny = Style(200, 120)
    assert tiny.font_size >= 12 and tiny.line >= 2


def test_max_side_draws_at_display_size():
    image = Image.new("RGB", (4000, 2000), "white")
    out = annotate(image, login_verdict(4000, 2000, box=(2000, 1000, 400, 200)), max_side=1000)
    assert out.width == 1000
    top = body_offset(out, Status.FAIL)
    red = colour_mask(out.crop((0, top, 1000, top + 500)), RED)
    ys, xs = np.nonzero(red)
    assert 480 <= np.median(xs) <= 620 and 230 <= np.median(ys) <= 320  # the box moved with the scale


def test_ocr_words_are_outlined_only_on_request():
    image = Image.new("RGB", (1600, 900), "white")
    words = [Word("Budget", 95.0, (100, 100, 120, 30), 1, 1), Word("Total", 90.0, (300, 100, 90, 30), 1, 1)]
    v = verdict("a.png", "c" * 64, [])
    plain = np.asarray(annotate(image, v)).astype(int)
    shown = annotate(image, v, words)
    top = body_offset(shown, Status.PASS)
    body = np.asarray(shown.crop((0, top, 1600, top + 900))).astype(int)
    outline = body[100, 100:220]
    assert (outline[:, 2] > outline[:, 0] + 40).any()  # a faint blue edge along the word box
    assert np.array_equal(body[400:800, 600:1200], plain[top + 400: top + 800, 600:1200])
    assert shown.height > plain.shape[0]  # the legend explains the outlines
    assert OCR_COLOUR[3] < 255  # faint, not opaque


def test_live_app_changes_are_outlined():
    live = LiveMatch(status="stale", closest="live/dash.png", distance=14.0, similarity=0.8,
                     changed_regions=((100, 100, 300, 200),))
    v = verdict("a.png", "d" * 64, [], live=live)
    out = annotate(Image.new("RGB", (1600, 900), "white"), v)
    top = body_offset(out, Status.PASS)
    assert colour_mask(out.crop((0, top, 1600, top + 900)), LIVE_COLOUR)[90:310, 90:410].any()


def test_hostile_path_in_the_banner_is_just_text():
    v = verdict("<img src=x onerror=alert(1)>\n%0A::error,.png", "e" * 64, [])
    out = annotate(Image.new("RGB", (800, 600), "white"), v)
    assert out.width == 800


def test_output_paths_mirror_the_asset_paths(tmp_path):
    assert output_path(tmp_path, "listing/01.png") == tmp_path / "listing" / ("01.png" + SUFFIX)
    assert output_path(tmp_path, "../up/x.jpg") == tmp_path / "up" / ("x.jpg" + SUFFIX)
    assert output_path(tmp_path, "/abs/y.png") == tmp_path / "abs" / ("y.png" + SUFFIX)


def test_asset_source_refuses_a_changed_file_and_reads_words_from_the_cache(tmp_path):
    path = tmp_path / "shot.png"
    app_screen(seed=4).save(path)
    digest = sha256_of(path)
    v = verdict("shot.png", digest, [])
    params = AnalysisParams()
    cache = AnalysisCache(tmp_path / "cache")
    cached_words = [Word("Cached", 99.0, (1, 2, 3, 4), 1, 1)]
    cache.put(params, Analysis(sha256=digest, words=cached_words))
    source = AssetSource(params, tmp_path / "cache", base=tmp_path)
    image = source.image(v)
    assert image is not None and image.size == (1600, 900)
    assert source.words(v, image) == cached_words  # by content hash, no OCR
    app_screen(seed=5).save(path)  # the file changed since the report
    assert source.image(v) is None
    assert source.image(verdict("gone.png", digest, [])) is None


# --- the commands --------------------------------------------------------------------------------------------

def run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "media_check", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=600)


@pytest.mark.slow
def test_annotate_command_and_scan_annotate(tmp_path):
    shots = tmp_path / "shots"
    shots.mkdir()
    text_screen(["Daily log", "Crew of 12 on level 4"], size=(1200, 900)).save(shots / "a.png")
    app_screen(seed=2, size=(700, 400)).save(shots / "small.png")
    cache = tmp_path / "cache"
    one = run("annotate", "shots/a.png", "--out", "out/a.png", "--cache-dir", cache, "--show-ocr", cwd=tmp_path)
    assert one.returncode == 0, one.stderr
    assert "WARN shots/a.png: MC304 aspect-ratio" in one.stdout
    drawn = Image.open(tmp_path / "out" / "a.png")
    assert drawn.width == 1200 and drawn.height > 900
    scan = run("scan", "shots", "--annotate", "annotated", "--cache-dir", cache, "--no-progress", cwd=tmp_path)
    assert scan.returncode == 1, scan.stderr
    assert "2 annotated image(s) in annotated" in scan.stderr
    small = Image.open(tmp_path / "annotated" / "shots" / ("small.png" + SUFFIX))
    assert small.getpixel((1, 1)) == STATUS_COLOURS[Status.FAIL]
    assert run("annotate", "shots", cwd=tmp_path).returncode == 2


def test_chinese_japanese_and_korean_text_is_drawn_in_glyphs_not_boxes():
    from media_check.annotate import Style, needs_cjk

    assert needs_cjk("'로그인', '회원가입'") and needs_cjk("ログイン") and needs_cjk("登录")
    assert not needs_cjk("Sign in to your account") and not needs_cjk("Войти") and not needs_cjk("تسجيل")
    style = Style(1280, 800)
    font = style.text_font("a sign-in screen: '회원가입'")
    assert font is not style.font and style.text_font("Sign in") is style.font

    def glyph(character):
        image = Image.new("L", (60, 60), 0)
        ImageDraw.Draw(image).text((5, 5), character, font=font, fill=255)
        return np.asarray(image)

    # a font without the characters draws every one as the same empty box
    assert not np.array_equal(glyph("회"), glyph("원")) and not np.array_equal(glyph("登"), glyph("录"))
    # the legend of an annotated image draws the quoted phrase with that font: its row differs from the same row
    # with the phrase's characters swapped
    def annotated(phrase):
        found = finding("MC101", "login-screen", "fail", 0.9, f"a sign-in screen: '{phrase}'")
        return np.asarray(annotate(Image.new("RGB", (600, 900), "white"), verdict("a.png", "0" * 64, [found])))

    assert not np.array_equal(annotated("회원가입"), annotated("원회가입"))
