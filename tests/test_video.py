"""Preview videos: real broken files, videos written by the test, keyframes, the MC5xx rules, judging keyframes."""

import csv
import os
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import ROOT, SHARED

from media_check.analysis import Analysis
from media_check.config import load_config
from media_check.judge import judge_asset, judge_listing
from media_check.limits import Limits
from media_check.load import LoadError, load_asset
from media_check.preview import judge_video, merge_keyframe_findings
from media_check.report import Evidence, Finding, Severity, Status
from media_check.rules.base import ListingAsset
from media_check.rules.video import KeyframeFindings
from media_check.video import MAX_KEYFRAMES, LoadedVideo, load_video

BAD = SHARED / "badinputs"


def manifest_videos():
    with open(BAD / "manifest.csv", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["file"].endswith((".mp4", ".mov", ".webm"))]
    assert len(rows) >= 15
    return rows


@pytest.mark.parametrize("row", manifest_videos(), ids=lambda r: r["file"])
def test_every_real_video_gets_its_expected_outcome(row):
    path = BAD / row["file"]
    if row["expected"] in ("valid", "tricky-valid"):
        video = load_asset(path, Limits())
        assert isinstance(video, LoadedVideo)
        assert video.keyframes and video.duration > 0 and video.frames >= 1
        assert video.width > 0 and video.height > 0
    else:  # corrupt, unsupported: an error with a reason a person understands, never a crash
        with pytest.raises(LoadError) as caught:
            load_asset(path, Limits())
        assert caught.value.kind == "video"
        reason = caught.value.reason
        assert any(w in reason for w in ("cannot be opened", "no frame could be decoded", "over the", "codec"))


@pytest.mark.parametrize("name, words", [
    ("libwebm_invalid_vp9_bitstream-bug_1416.webm", "declares 12336x12336 pixels"),
    ("mp4parse_tiny_av1.mp4", "AV1 codec"),
    ("gomp4_sample_truncated4096.mp4", "cannot be opened"),
    ("mp4parse_zero_empty_stsc.mp4", "no frame could be decoded"),
])
def test_reasons_are_specific(name, words):
    with pytest.raises(LoadError) as caught:
        load_asset(BAD / name, Limits())
    assert words in caught.value.reason


def test_zero_timescale_is_measured_not_divided():
    video = load_asset(BAD / "mp4parse_no_timescale.mp4", Limits())
    assert 5.5 < video.duration < 6.5 and 29 < video.fps < 31
    assert any("could not be decoded" in note for note in video.notes)


def test_rotation_metadata_is_applied():
    video = load_asset(BAD / "mediabunny_rotate-buck-bunny.mp4", Limits())
    assert (video.width, video.height) == (1080, 1920)


# --- videos written by the test ------------------------------------------------------------------------------------

def scene(colour, size=(320, 180), mark=0):
    frame = np.full((size[1], size[0], 3), colour, np.uint8)
    cv2.rectangle(frame, (20 + mark, 20), (120 + mark, 90), (255 - colour[0], 40, 200), -1)
    cv2.putText(frame, f"S{colour[0]}", (150, 120), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (0, 0, 0), 2)
    return frame


def write_video(path, frames, fps=4.0, size=(320, 180)):
    writer = cv2.VideoWriter(str(path), cv2.CAP_FFMPEG, cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    assert writer.isOpened()
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


def keyframes_of(path):
    return load_video(Path(path).read_bytes(), "mp4", Limits())


def test_scene_cuts_give_one_keyframe_per_scene(tmp_path):
    colours = [(30, 30, 30), (200, 200, 200), (90, 160, 60), (20, 60, 160)]
    frames = [scene(c, mark=i % 3) for c in colours for i in range(12)]  # 3 s each at 4 fps, a moving mark
    video = keyframes_of(write_video(tmp_path / "cuts.mp4", frames))
    assert video.duration == pytest.approx(12.0, abs=0.3)
    assert len(video.keyframes) == 4
    starts = [k.timestamp for k in video.keyframes]
    for keyframe, cut in zip(starts, (0, 3, 6, 9)):
        assert cut <= keyframe < cut + 1.5  # taken once the new scene has settled
    assert sum(k.span for k in video.keyframes) == pytest.approx(12.0, abs=0.6)


def test_static_video_gets_keyframes_spread_over_its_length(tmp_path):
    frames = [scene((200, 200, 200), mark=i % 2) for i in range(4 * 24)]  # 24 s, nothing changes
    video = keyframes_of(write_video(tmp_path / "static.mp4", frames))
    times = [k.timestamp for k in video.keyframes]
    assert 3 <= len(times) <= 4
    assert times[0] < 2 and times[-1] > 14  # spread, not bunched at the start
    spans = [k.span for k in video.keyframes]
    assert max(spans) - min(spans) < 4


def test_keyframes_are_bounded_and_keep_the_longest_scenes(tmp_path):
    frames = []
    for i in range(20):  # 20 scenes: most of 1.5 s, every fifth of 4 s
        seconds = 4.0 if i % 5 == 0 else 1.5
        frames += [scene((10 * i + 20, (37 * i) % 255, (91 * i) % 255))] * int(seconds * 4)
    video = keyframes_of(write_video(tmp_path / "many.mp4", frames))
    assert len(video.keyframes) == MAX_KEYFRAMES
    long_scenes = [k for k in video.keyframes if k.span >= 3.5]
    assert len(long_scenes) == 4  # all four long scenes kept
    assert [k.timestamp for k in video.keyframes] == sorted(k.timestamp for k in video.keyframes)


def test_a_fade_is_not_a_string_of_scenes(tmp_path):
    a, b = scene((240, 240, 240)), scene((20, 20, 120))
    frames = [a] * 12 + [cv2.addWeighted(a, 1 - t / 4, b, t / 4, 0) for t in range(1, 4)] + [b] * 12
    video = keyframes_of(write_video(tmp_path / "fade.mp4", frames))
    assert len(video.keyframes) == 2


def test_truncated_and_damaged_copies_never_crash(tmp_path):
    colours = [(30, 30, 30), (200, 200, 200)]
    good = write_video(tmp_path / "good.mp4", [scene(c) for c in colours for _ in range(8)]).read_bytes()
    for cut in (100, len(good) // 3, len(good) - 50):
        try:
            video = load_video(good[:cut], "mp4", Limits())
            assert video.frames >= 1
        except LoadError as exc:
            assert exc.kind == "video" and exc.reason
    damaged = bytearray(good)
    damaged[len(good) // 2: len(good) // 2 + 2000] = bytes(2000)
    try:
        load_video(bytes(damaged), "mp4", Limits())
    except LoadError as exc:
        assert exc.reason


def test_pixel_limit_applies_to_video_frames(tmp_path):
    path = write_video(tmp_path / "v.mp4", [scene((50, 50, 50))] * 4)
    with pytest.raises(LoadError) as caught:
        load_video(path.read_bytes(), "mp4", Limits(max_pixels=320 * 100))
    assert "over the" in caught.value.reason


def test_no_path_reaches_ffmpeg_and_playlists_are_not_videos(tmp_path):
    assert "protocol_whitelist;file" in os.environ["OPENCV_FFMPEG_CAPTURE_OPTIONS"]
    for name, text in (("list.mp4", "ffconcat version 1.0\nfile '/etc/passwd'\n"),
                       ("play.mp4", "#EXTM3U\n#EXTINF:10,\nhttp://127.0.0.1:9/x.ts\n")):
        (tmp_path / name).write_text(text)
        with pytest.raises(LoadError) as caught:
            load_asset(tmp_path / name, Limits())
        assert "not a recognised" in caught.value.reason


# --- the MC5xx rules on crafted analyses ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cfg(tmp_path_factory):
    return load_config(discover_from=tmp_path_factory.mktemp("cfg"))


def video(fmt="mp4", w=1280, h=720, duration=45.0, fps=30.0, **kw):
    return Analysis(sha256="0" * 64, kind="video", format=fmt, width=w, height=h, duration=duration, fps=fps, **kw)


def names(verdict):
    return sorted(f.name for f in verdict.findings)


@pytest.mark.parametrize("analysis, expected", [
    (video(), []),
    (video(fmt="mov"), []),
    (video(fmt="webm"), ["video-format"]),
    (video(duration=29.9), ["video-duration"]),
    (video(duration=30.0), []),
    (video(duration=90.0), []),
    (video(duration=90.5), ["video-duration"]),
    (video(w=854, h=480), ["video-resolution"]),
    (video(w=720, h=1280), []),               # portrait 720p
    (video(w=1920, h=1080, fps=2.0), []),     # a slow screen recording is fine
    (video(fps=0.5), ["video-frame-rate"]),
    (video(fps=None), ["video-frame-rate"]),
    (video(fps=240.0), ["video-frame-rate"]),
])
def test_video_rules(cfg, analysis, expected):
    assert names(judge_video("v.mp4", analysis, cfg)) == expected


def test_video_rules_ignore_screenshots_and_keyframes(cfg):
    shot = Analysis(sha256="0" * 64, kind="screenshot", format="png", width=1920, height=1080,
                    features={"grey_std": 50.0, "dominant_grey_fraction": 0.4, "word_count": 100.0})
    assert not any(f.code.startswith("MC5") for f in judge_asset("s.png", shot, cfg).findings)


def test_unreadable_video_gets_only_the_error(cfg):
    broken = Analysis(sha256="0" * 64, kind="video", format="mp4", error="MP4 video cannot be opened")
    verdict = judge_video("v.mp4", broken, cfg)
    assert verdict.status is Status.ERROR and names(verdict) == ["unreadable-asset"]


def preview_ctx(spans_and_rules):
    return tuple(KeyframeFindings(t, span, frozenset(rules)) for t, span, rules in spans_and_rules)


@pytest.mark.parametrize("frames, fails", [
    ([(0, 5, {"splash-screen"}), (5, 30, set())], False),                           # a short title card
    ([(0, 10, {"splash-screen"}), (10, 10, {"login-screen"}), (20, 5, set())], True),  # 80% splash/login
    ([(0, 10, {"blank-screen"}), (10, 10, set())], False),                           # exactly half: allowed
    ([(0, 11, {"placeholder-text"}), (11, 10, set())], True),
    ([(0, 20, {"error-screen"}), (20, 5, set())], False),                            # not one of the screens
])
def test_preview_not_in_use(cfg, frames, fails):
    from media_check.rules.base import AssetContext
    from media_check.rules.video import preview_not_in_use

    ctx = AssetContext("v.mp4", video(), cfg.options["preview-not-in-use"], {"keyframes": preview_ctx(frames)})
    hits = list(preview_not_in_use.check(ctx))
    assert bool(hits) is fails
    if hits:
        assert all(e.timestamp is not None for e in hits[0].evidence)


def test_too_many_videos(cfg):
    members = [ListingAsset(f"l/{i}.mp4", video()) for i in range(2)]
    result, _ = judge_listing("l", members, cfg)
    assert "too-many-videos" in [f.name for f in result.findings]
    result, _ = judge_listing("l", members[:1], cfg)
    assert "too-many-videos" not in [f.name for f in result.findings]


# --- keyframe findings on the video ---------------------------------------------------------------------------------

def finding(name, code, message, severity=Severity.FAIL, evidence=()):
    return Finding(code=code, name=name, severity=severity, confidence=0.9, message=message, evidence=evidence)


def keyframe(t, span=5.0):
    return Analysis(sha256=str(t), kind="keyframe", width=1280, height=720, timestamp=t, span=span)


def test_keyframe_findings_merge_with_timestamps():
    per_frame = [
        (keyframe(0.5), (finding("splash-screen", "MC102", "a title card"),)),
        (keyframe(5.5), ()),
        (keyframe(10.5), (finding("splash-screen", "MC102", "a logo card"),
                          finding("placeholder-text", "MC103", "'Lorem ipsum'",
                                  evidence=(Evidence(text="Lorem ipsum", box=(1, 2, 3, 4)),)))),
    ]
    merged = {f.name: f for f in merge_keyframe_findings(per_frame, capped=frozenset({"splash-screen"}))}
    splash = merged["splash-screen"]
    assert splash.message == "at 0:00.5: a title card (also at 0:10.5)"
    assert [e.timestamp for e in splash.evidence] == [0.5, 10.5]
    assert splash.severity is Severity.WARN  # capped: preview-not-in-use weighs it
    placeholder = merged["placeholder-text"]
    assert placeholder.severity is Severity.FAIL
    assert placeholder.evidence == (Evidence(text="Lorem ipsum", box=(1, 2, 3, 4), timestamp=10.5),)


# --- the sample videos, end to end (real decoding, real OCR) --------------------------------------------------------

@pytest.mark.slow
def test_sample_videos(cfg, tmp_path):
    from media_check.analyse import analyse_file
    from media_check.analysis import AnalysisParams, sha256_of

    results = {}
    for name in ("preview-in-use.mp4", "preview-splash-login.mp4"):
        path = ROOT / "sample_media" / "videos" / name
        assert path.stat().st_size < 1_000_000
        analysis = analyse_file(str(path), sha256_of(path), AnalysisParams(), str(tmp_path))
        results[name] = judge_video(name, analysis, cfg)
    good, bad = results["preview-in-use.mp4"], results["preview-splash-login.mp4"]
    assert good.status is Status.PASS, good.findings
    assert {"video-duration", "preview-not-in-use"} <= set(names(bad)), bad.findings
    assert bad.status is Status.FAIL
