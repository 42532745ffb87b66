"""Spec rules and blank-screen on analyses built directly (rules are cheap: no OCR needed here)."""

import pytest

from media_check.analysis import Analysis
from media_check.config import load_config
from media_check.judge import judge_asset, judge_listing
from media_check.report import Status
from media_check.rules.base import ListingAsset


@pytest.fixture
def cfg(tmp_path):
    return load_config(discover_from=tmp_path)


def analysis(fmt="png", w=1920, h=1080, **features):
    base = {"grey_std": 50.0, "dominant_grey_fraction": 0.4, "word_count": 120.0}
    base.update(features)
    return Analysis(sha256="0" * 64, kind="screenshot", format=fmt, width=w, height=h, features=base)


def names(verdict):
    return sorted(f.name for f in verdict.findings)


@pytest.mark.parametrize("fmt, w, h, expected", [
    ("png", 1920, 1080, []),
    ("jpeg", 1280, 720, []),
    ("png", 720, 480 * 720 // 720 + 0, ["aspect-ratio"]),          # 720x480 is 3:2, in range
    ("webp", 1920, 1080, ["image-format"]),
    ("gif", 1600, 900, ["image-format"]),
    ("png", 640, 360, ["image-dimensions"]),                         # too small, 16:9
    ("png", 2560, 1440, ["image-dimensions"]),                       # too large, 16:9
    ("png", 1080, 1920, ["aspect-ratio", "image-dimensions"]),       # portrait phone
    ("png", 1280, 960, ["aspect-ratio"]),                            # 4:3
    ("png", 1366, 768, []),                                          # 16:9 within 2%
])
def test_spec_rules(cfg, fmt, w, h, expected):
    assert names(judge_asset("x.png", analysis(fmt, w, h), cfg)) == expected


def test_aspect_ratio_is_a_warning(cfg):
    verdict = judge_asset("x.png", analysis("png", 1280, 960), cfg)
    assert verdict.status is Status.WARN


def test_unreadable_asset_gives_error_and_nothing_else(cfg):
    bad = Analysis(sha256="0" * 64, kind="screenshot", format="webp", error="WebP file is truncated")
    verdict = judge_asset("x.webp", bad, cfg)
    assert verdict.status is Status.ERROR
    assert names(verdict) == ["unreadable-asset"]
    assert verdict.findings[0].message == "WebP file is truncated"


@pytest.mark.parametrize("features, expected", [
    ({"grey_std": 1.2, "dominant_grey_fraction": 1.0, "word_count": 0.0}, ["blank-screen"]),
    ({"grey_std": 12.0, "dominant_grey_fraction": 0.995, "word_count": 1.0}, ["blank-screen"]),
    # a sparse but real screen: mostly white, but with words
    ({"grey_std": 20.0, "dominant_grey_fraction": 0.99, "word_count": 14.0}, []),
    ({"grey_std": 60.0, "dominant_grey_fraction": 0.5, "word_count": 0.0}, []),
])
def test_blank_screen(cfg, features, expected):
    assert names(judge_asset("x.png", analysis(**features), cfg)) == expected


def listing(n, error_at=()):
    return [ListingAsset(f"l/{i}.png", Analysis(sha256=str(i), kind="screenshot", format="png",
                                                 error="corrupt" if i in error_at else None))
            for i in range(n)]


def test_too_few_screenshots(cfg):
    result, _ = judge_listing("l", listing(2), cfg)
    assert [f.name for f in result.findings] == ["too-few-screenshots"]
    result, _ = judge_listing("l", listing(3), cfg)
    assert result.findings == ()


def test_unreadable_screenshots_do_not_count(cfg):
    result, _ = judge_listing("l", listing(3, error_at={1}), cfg)
    assert "2 readable" in result.findings[0].message
