"""The live-capture index: building it from a folder (cached, unreadable files reported), vectorised lookup, and
matching listing screenshots against it."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from media_check import align, eval_live, hashing
from media_check.live import LiveIndex, capture_entries, match_image
from media_check.similarity import signature_distance, unpack_signature

ROOT = Path(__file__).resolve().parents[1]
SCREENS = ROOT / "sample_media" / "screens"
LIVE = ROOT / "sample_media" / "live"
APP = ["in-use-rfi-dashboard.png", "in-use-submittals-list.png", "in-use-kanban-board.png",
       "in-use-dark-timesheet.png", "in-use-mobile-punch-list.png", "in-use-settings-account.png"]


def rgb_of(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


@pytest.fixture(scope="module")
def index() -> LiveIndex:
    built = LiveIndex()
    for name in APP:
        built.add_image(name, rgb_of(SCREENS / name))
    return built


def test_distances_equal_a_brute_force_count():
    rng = np.random.default_rng(7)
    built = LiveIndex()
    entries = [rng.integers(0, 2**63, size=(4, 3), dtype=np.uint64) for _ in range(50)]
    for number, rows in enumerate(entries):
        from media_check.live import LiveCapture

        built.add(LiveCapture(str(number), "", str(number), 10, 10, (0, 0, 10, 10)), rows)
    query = rng.integers(0, 2**63, size=(3, 3), dtype=np.uint64)
    expected = [min(sum(bin(int(q[k]) ^ int(e[k])).count("1") for k in range(3)) for q in query for e in rows)
                for rows in entries]
    assert built.distances(query).tolist() == expected
    assert built.nearest(query, 3)[0][1] == min(expected)


@pytest.mark.parametrize("transform", ["resize-0.5x", "crop-20%-bottom", "pad-20%", "device-frame+caption",
                                       "browser-chrome"])
def test_a_transformed_screenshot_finds_its_capture_first(index, transform):
    for number, name in enumerate(APP[:3]):
        variant = eval_live._transforms(rgb_of(SCREENS / name))[transform]
        result = match_image(index, variant)
        assert (result.status, result.closest.path) == ("current", name), (transform, name, result.reason)


def with_keypad(rgb: np.ndarray) -> np.ndarray:
    """The screen with its lower third covered by a keypad (a structural change a thumbnail still shows)."""
    from PIL import ImageDraw

    image = Image.fromarray(rgb.copy())
    draw = ImageDraw.Draw(image)
    h, w = rgb.shape[:2]
    top = int(h * 0.62)
    draw.rectangle([0, top, w, h], fill=(40, 44, 52))
    kw, kh = w // 4, (h - top) // 4
    for row in range(4):
        for col in range(4):
            x0, y0 = col * kw + 10, top + row * kh + 10
            draw.rounded_rectangle([x0, y0, x0 + kw - 20, y0 + kh - 20], radius=12, fill=(90, 96, 110))
    return np.asarray(image)


@pytest.mark.parametrize("name", ["in-use-mobile-punch-list.png", "in-use-mobile-daily-report.jpg"])
def test_a_thumbnail_in_a_device_frame_is_matched(name):
    # A listing image 300 pixels tall (a phone in its frame) against a 1920-pixel capture of the screen.
    rgb = rgb_of(SCREENS / name)
    built = LiveIndex()
    built.add_image(name, rgb)

    def thumbnail(screen: np.ndarray) -> np.ndarray:
        framed = eval_live.device_frame(screen)
        return eval_live.resize(framed, 300 / max(framed.shape[:2]))

    assert match_image(built, thumbnail(rgb)).status == "current"
    assert match_image(built, thumbnail(with_keypad(rgb))).status == "stale"


def test_a_capture_that_shares_half_the_screen_does_not_end_the_search(monkeypatch):
    # Another capture shows the same top half (a sibling screen, or the same picture in another template): it
    # lines up beyond doubt, but it is not the screen. The screen's own capture comes later in the shortlist.
    rgb = rgb_of(SCREENS / APP[0])
    sibling = rgb.copy()
    sibling[rgb.shape[0] // 2:] = rgb_of(SCREENS / APP[1])[rgb.shape[0] // 2:rgb.shape[0]]
    built = LiveIndex()
    built.add_image("sibling.png", sibling)
    built.add_image("own.png", rgb)
    monkeypatch.setattr(built, "nearest", lambda query, k=8: [(0, 0), (1, 4)])
    result = match_image(built, eval_live.jpeg(rgb, 70))
    assert (result.status, result.closest.path) == ("current", "own.png"), result.reason


def test_the_capture_nearest_by_hashes_is_compared_whatever_its_support(monkeypatch):
    # Two sibling screens share the listing's top half and line up with more feature matches than the screen's own
    # capture (its inliers held low here); the own capture hashes nearest, so it is compared too, and is current.
    from dataclasses import replace

    from media_check import live

    rgb = rgb_of(SCREENS / APP[0])
    half = rgb.shape[0] // 2
    built = LiveIndex()
    for n, other in enumerate(APP[1:3]):
        sibling = rgb.copy()
        sibling[half:] = np.asarray(Image.fromarray(rgb_of(SCREENS / other)).resize(rgb.shape[1::-1]))[half:]
        built.add_image(f"sibling-{n}.png", sibling)
    built.add_image("own.png", rgb)
    monkeypatch.setattr(built, "nearest", lambda query, k=8: [(0, 30), (1, 30), (2, 2)])
    own_features = built.view(2).features
    transform = live.align.feature_transform

    def held_low(listing_features, capture_features):
        found = transform(listing_features, capture_features)
        return replace(found, inliers=min(found.inliers, 12)) if capture_features is own_features and found else found

    monkeypatch.setattr(live.align, "feature_transform", held_low)
    result = match_image(built, eval_live.jpeg(rgb, 70))
    assert (result.status, result.closest.path) == ("current", "own.png"), result.reason


def test_a_screen_the_app_does_not_have_is_unmatched(index):
    result = match_image(index, rgb_of(SCREENS / "login-sign-in-card.png"))
    assert result.status == "unmatched"
    assert result.live_match().status == "unmatched"


def test_the_same_file_is_current_without_looking(index):
    name = APP[0]
    sha = index.captures[0].sha256
    result = match_image(index, np.zeros((4, 4, 3), np.uint8), sha256=sha)
    assert (result.status, result.closest.path, result.distance) == ("current", name, 0.0)


def test_build_reads_a_folder_caches_entries_and_reports_bad_files(tmp_path):
    captures = tmp_path / "live"
    captures.mkdir()
    for name in ("rfi-dashboard.png", "budget-chart.jpg"):
        shutil.copy(LIVE / name, captures / name)
    (captures / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    (captures / "notes.txt").write_text("not a capture")
    cache = tmp_path / "cache"
    built = LiveIndex.build([captures], cache)
    assert sorted(Path(c.path).name for c in built.captures) == ["budget-chart.jpg", "rfi-dashboard.png"]
    assert any("broken.png" in p for p in built.problems)
    stored = list((cache / "live").rglob("*.json"))
    assert len(stored) == 2
    again = LiveIndex.build([captures], cache)
    assert again.distances(built._arrays()[0][:1]).tolist() == built.distances(built._arrays()[0][:1]).tolist()


def test_capture_entries_cover_crops_of_the_screen():
    rgb = rgb_of(SCREENS / APP[0])
    screen, entries = capture_entries(rgb)
    assert entries.shape[1] == 3 and len(entries) >= 10
    cropped = eval_live.crop(rgb, bottom=0.2)
    query = hashing.hash_bits(cropped)
    assert int(np.bitwise_count(entries ^ query).sum(axis=1).min()) <= 12


def test_screen_signatures_tell_copies_from_other_screens():
    def signature(rgb):
        found = hashing.hashes(Image.fromarray(rgb))
        return unpack_signature(found["screen_entries"]), unpack_signature(found["screen_guesses"])

    dashboard = rgb_of(SCREENS / APP[0])
    original = signature(dashboard)
    copy = signature(eval_live.jpeg(eval_live.resize(dashboard, 0.6), 70))
    padded = signature(eval_live.pad(dashboard, 0.2))
    other = signature(rgb_of(SCREENS / APP[1]))
    assert signature_distance(*original, *copy) <= 10
    assert signature_distance(*original, *padded) <= 16
    assert signature_distance(*original, *other) >= 25


def test_index_whash_is_imagehash_whash_without_its_rounding_noise():
    import imagehash

    rng = np.random.default_rng(11)
    screens = [Image.fromarray(rgb_of(SCREENS / name)).convert("L") for name in APP]
    crops = [s.crop((x, y, x + 300, y + 200)) for s in screens for x, y in ((0, 0), (120, 90), (400, 300))]
    noise = [Image.fromarray(rng.integers(0, 256, (128, 96), dtype=np.uint8)) for _ in range(10)]
    for grey in crops + noise:
        small = grey.resize((128, round(128 * grey.height / grey.width)))
        pixels = np.asarray(small.resize((64, 64), Image.Resampling.LANCZOS), dtype=np.float64)
        blocks = pixels.reshape(8, 8, 8, 8).sum(axis=(1, 3))
        untied = blocks != np.median(blocks)
        expected = imagehash.whash(small, hash_size=8, image_scale=64).hash
        assert np.array_equal(hashing.haar_whash_bits(small)[untied], expected[untied])
    # blocks equal to the median (a flat half) are always 0, however the image is placed
    flat = np.full((64, 64), 200, np.uint8)
    flat[:, :24] = rng.integers(0, 100, (64, 24), dtype=np.uint8)  # 24 dark blocks, 40 at 200: the median is 200
    assert not hashing.haar_whash_bits(Image.fromarray(flat)).any()
    flat[:, :24] = 250  # now the 24 blocks are above the median
    assert hashing.haar_whash_bits(Image.fromarray(flat)).sum() == 24


def test_trim_uniform_finds_the_content_inside_plain_padding():
    from media_check.align import trim_uniform

    screen = rgb_of(SCREENS / APP[0])
    h, w = screen.shape[:2]
    padded = np.full((h + 200, w + 100, 3), (30, 60, 90), np.uint8)
    padded[120:120 + h, 40:40 + w] = screen
    x, y, tw, th = trim_uniform(padded)
    assert abs(x - 40) <= 6 and abs(y - 120) <= 6 and abs(tw - w) <= 12 and abs(th - h) <= 12
    # within the tolerance of the border colour (16 levels a channel) is still border, one level more is not; a
    # busy border is not trimmed at all
    faint = padded.copy()
    faint[:100] = (30 + 14, 60 - 14, 90 + 14)
    assert trim_uniform(faint)[:2] == (x, y)
    faint[:100] = (30 + 16, 60 - 16, 90 + 16)
    assert trim_uniform(faint)[:2] == (x, y)
    faint[:100] = (30 + 17, 60 - 17, 90 + 17)
    assert trim_uniform(faint)[:2] == (0, 0)
    noisy = np.random.default_rng(2).integers(0, 256, padded.shape, dtype=np.uint8)
    assert trim_uniform(noisy) == (0, 0, w + 100, h + 200)


def test_signature_distance_is_the_summed_hamming_distance_numpy_computes():
    rng = np.random.default_rng(7)
    a_entries, a_guesses, b_entries, b_guesses = (rng.integers(0, 2**63, size=(n, 3), dtype=np.uint64) | (1 << 63)
                                                  for n in (9, 2, 7, 3))
    expected = min(int(np.bitwise_count(entries ^ row).sum(axis=1).min())
                   for guesses, entries in ((a_guesses, b_entries), (b_guesses, a_entries)) for row in guesses)

    def as_text(rows):
        return ";".join(",".join(f"{int(v):016x}" for v in row) for row in rows)

    unpacked = [unpack_signature(as_text(rows)) for rows in (a_entries, a_guesses, b_entries, b_guesses)]
    assert unpacked[0][0] == tuple(int(v) for v in a_entries[0])
    assert signature_distance(*unpacked) == expected
    assert signature_distance(unpacked[0], unpacked[0][:1], unpacked[0], unpacked[0][:1]) == 0


@pytest.mark.parametrize("size", [(300, 1), (1, 300), (5, 5), (23, 400), (20000, 24), (24, 20000), (16001, 30)])
def test_a_sliver_is_hashed_as_a_whole_image(size):
    """An image too thin to hold a frame (a banner strip, a one-pixel line; a long strip becomes one after the
    shrink to 800 px) is hashed, not an error: its screen is the whole image."""
    width, height = size
    sliver = np.full((height, width, 3), 200, np.uint8)
    assert align.screen_candidates(sliver) == [(0, 0, width, height)]
    found = hashing.hashes(sliver)
    if max(size) <= align.PEEL_SIDE:  # (a long strip's box is mapped back from the shrunk copy, to within pixels)
        assert found["screen_box"] == f"0,0,{width},{height}"
    assert unpack_signature(found["screen_entries"]) and unpack_signature(found["screen_guesses"])
