"""Measure live-app matching: the labelled pairs of the real corpus, and a transform benchmark.

Pairs (``../shared/corpus``, ``pair_NNN_old`` = the listing, ``pair_NNN_new`` = the live capture): ``same_screen``
must come out current, ``stale`` stale, and ``different_screen`` anything but current. Each pair is judged alone
(the live set is its partner), exactly as ``media-check scan --live`` would judge it.
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from media_check.live import LiveIndex, match_image

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"


@dataclass(frozen=True)
class PairOutcome:
    pair: str
    label: str
    status: str
    similarity: float
    distance: float
    reason: str
    ms: float

    @property
    def ok(self) -> bool:
        if self.label == "same_screen":
            return self.status == "current"
        if self.label == "stale":
            return self.status == "stale"
        return self.status != "current"


def _file_backed(source, path: Path):
    """A word source for a capture held in memory whose file is ``path`` (OCR reads the full-size file)."""
    from dataclasses import replace

    return lambda capture, rgb: source(replace(capture, file=str(path)), rgb)


def load_rgb(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def corpus_pairs(corpus: Path = CORPUS) -> list[tuple[str, str, Path, Path]]:
    """(pair name, label, listing file, live file) of every labelled pair in the corpus manifest."""
    rows = list(csv.DictReader(open(corpus / "manifest.csv", encoding="utf-8")))
    by_file = {r["file"]: r for r in rows}
    pairs = []
    for row in rows:
        name = row["file"]
        if not name.startswith("pair_") or "_old" not in name:
            continue
        partner = name.replace("_old", "_new")
        if partner not in by_file:
            continue
        pairs.append((name.split("_old")[0], row["labels"].split("+")[0], corpus / name, corpus / partner))
    return pairs


def file_words(path: Path, cache_dir: str | Path | None) -> list[str] | None:
    """OCR words of a file, from the analysis cache when it has them (tesseract otherwise, then cached)."""
    from media_check.analysis import sha256_of
    from media_check.live import LiveCapture, ocr_word_source

    capture = LiveCapture(path.name, str(path), sha256_of(path), 0, 0, (0, 0, 0, 0))
    return ocr_word_source(cache_dir)(capture, np.zeros((1, 1, 3), np.uint8))


def score_pairs(corpus: Path = CORPUS, cache_dir: str | Path | None = None, use_words: bool = True
                ) -> list[PairOutcome]:
    """Each labelled pair judged alone: the live set is the partner capture."""
    from media_check.analysis import sha256_of
    from media_check.live import ocr_word_source

    outcomes = []
    for name, label, old, new in corpus_pairs(corpus):
        index = LiveIndex()
        index.add_image(new.name, load_rgb(new), sha256=sha256_of(new))
        if use_words:
            index.word_source = _file_backed(ocr_word_source(cache_dir), new)
        listing = load_rgb(old)
        words = file_words(old, cache_dir) if use_words else None
        start = time.perf_counter()
        result = match_image(index, listing, words=words)
        ms = (time.perf_counter() - start) * 1000
        outcomes.append(PairOutcome(name, label, result.status, result.similarity, result.distance, result.reason,
                                    ms))
    return outcomes


# ---------------------------------------------------------------------- listing-style transforms

def _font(size: int, bold: bool = True):
    from media_check.annotate import font

    return font(size, bold)


def resize(rgb: np.ndarray, factor: float) -> np.ndarray:
    import cv2

    h, w = rgb.shape[:2]
    method = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
    return cv2.resize(rgb, (max(1, round(w * factor)), max(1, round(h * factor))), interpolation=method)


def jpeg(rgb: np.ndarray, quality: int = 70) -> np.ndarray:
    import io

    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    return np.asarray(Image.open(buffer).convert("RGB"))


def crop(rgb: np.ndarray, top: float = 0, bottom: float = 0, left: float = 0, right: float = 0) -> np.ndarray:
    h, w = rgb.shape[:2]
    return rgb[round(h * top):h - round(h * bottom), round(w * left):w - round(w * right)].copy()


def pad(rgb: np.ndarray, share: float = 0.2, colour=(240, 242, 245)) -> np.ndarray:
    """The screenshot on a canvas ``share`` larger on every side."""
    h, w = rgb.shape[:2]
    py, px = round(h * share), round(w * share)
    canvas = np.empty((h + 2 * py, w + 2 * px, 3), np.uint8)
    canvas[:] = colour
    canvas[py:py + h, px:px + w] = rgb
    return canvas


def _gradient(width: int, height: int, top: tuple, bottom: tuple) -> np.ndarray:
    t = np.linspace(0, 1, height)[:, None, None]
    column = (np.array(top)[None, None, :] * (1 - t) + np.array(bottom)[None, None, :] * t).astype(np.uint8)
    return np.repeat(column, width, axis=1)


def device_frame(rgb: np.ndarray, caption: str = "Track every RFI in one place",
                 backdrop: tuple[tuple, tuple] = ((36, 99, 235), (14, 165, 233))) -> np.ndarray:
    """A marketing image: the screen in a dark device bezel with rounded corners, on a gradient backdrop with a
    caption above it."""
    from PIL import ImageDraw

    h, w = rgb.shape[:2]
    bezel = max(12, round(0.035 * min(h, w)))
    radius = bezel * 2
    device_w, device_h = w + 2 * bezel, h + 2 * bezel
    caption_h = round(0.22 * device_h) if h > w else round(0.28 * device_h)
    margin = round(0.12 * device_w)
    canvas_w, canvas_h = device_w + 2 * margin, device_h + caption_h + margin
    canvas = Image.fromarray(_gradient(canvas_w, canvas_h, *backdrop))
    draw = ImageDraw.Draw(canvas)
    x0, y0 = margin, caption_h
    draw.rounded_rectangle([x0, y0, x0 + device_w, y0 + device_h], radius=radius, fill=(24, 24, 27))
    canvas.paste(Image.fromarray(rgb), (x0 + bezel, y0 + bezel))
    font = _font(max(14, round(caption_h * 0.22)))
    text_w = draw.textlength(caption, font=font)
    draw.text(((canvas_w - text_w) / 2, caption_h * 0.35), caption, fill="white", font=font)
    return np.asarray(canvas)


def browser_window(rgb: np.ndarray, url: str = "https://app.example.com/projects/riverside/rfis") -> np.ndarray:
    """The screen inside a browser window (tab strip, address bar) on a soft backdrop."""
    from PIL import ImageDraw

    h, w = rgb.shape[:2]
    bar = max(28, round(0.07 * h))
    margin = round(0.06 * w)
    canvas_w, canvas_h = w + 2 * margin, h + bar + 2 * margin
    canvas = Image.fromarray(_gradient(canvas_w, canvas_h, (226, 232, 240), (203, 213, 225)))
    draw = ImageDraw.Draw(canvas)
    x0, y0 = margin, margin
    draw.rectangle([x0, y0, x0 + w, y0 + bar], fill=(222, 225, 230))
    for i, colour in enumerate(((255, 95, 86), (255, 189, 46), (39, 201, 63))):
        cx = x0 + bar * 0.4 + i * bar * 0.45
        draw.ellipse([cx, y0 + bar * 0.2, cx + bar * 0.28, y0 + bar * 0.48], fill=colour)
    draw.rounded_rectangle([x0 + bar * 2, y0 + bar * 0.08, x0 + bar * 2 + w * 0.22, y0 + bar * 0.5],
                           radius=6, fill=(246, 247, 249))
    draw.rounded_rectangle([x0 + bar * 0.5, y0 + bar * 0.56, x0 + w - bar * 0.5, y0 + bar * 0.92], radius=8,
                           fill="white")
    font = _font(max(10, round(bar * 0.22)), bold=False)
    draw.text((x0 + bar * 0.8, y0 + bar * 0.6), url, fill=(60, 64, 67), font=font)
    canvas.paste(Image.fromarray(rgb), (x0, y0 + bar))
    return np.asarray(canvas)


def status_clock(rgb: np.ndarray, text: str = "14:07") -> np.ndarray:
    """A different time in the status bar: the clock corner of the top strip repainted with its own background
    and a new time (portrait screens; landscape ones get a small clock in the top-right corner)."""
    from PIL import ImageDraw

    h, w = rgb.shape[:2]
    out = Image.fromarray(rgb.copy())
    draw = ImageDraw.Draw(out)
    strip = max(10, round(0.035 * h)) if h > w else max(10, round(0.03 * h))
    box = (round(0.03 * w), 1, round(0.03 * w) + round(0.16 * w), strip) if h > w else \
        (w - round(0.09 * w), 1, w - round(0.01 * w), strip)
    region = rgb[box[1]:box[3], box[0]:box[2]].reshape(-1, 3)
    background = tuple(int(v) for v in np.median(region, axis=0))
    ink = (0, 0, 0) if sum(background) > 384 else (255, 255, 255)
    draw.rectangle(box, fill=background)
    draw.text((box[0] + 2, box[1] + 1), text, fill=ink, font=_font(max(8, round(strip * 0.7)), bold=False))
    return np.asarray(out)


def data_row(rgb: np.ndarray) -> np.ndarray:
    """One data row changed: a text line in the middle of the screen replaced by another line of the same size
    from elsewhere on the screen (different values, same layout)."""
    from media_check.match import text_lines

    lines = [b for b in text_lines(rgb) if b[2] >= 3 * b[3]]
    h, w = rgb.shape[:2]
    middle = [b for b in lines if 0.3 * h <= b[1] <= 0.8 * h]
    out = rgb.copy()
    for target in middle:
        donors = [b for b in lines if b is not target and abs(b[3] - target[3]) <= 1
                  and abs(b[1] - target[1]) > 2 * b[3] and b[2] >= 0.6 * target[2]]
        if donors:
            x, y, bw, bh = target
            dx, dy, _, _ = donors[len(donors) // 2]
            width = min(bw, w - dx, w - x)
            height = min(bh, h - dy, h - y)
            out[y:y + height, x:x + width] = rgb[dy:dy + height, dx:dx + width]
            return out
    return out


def _transforms(rgb: np.ndarray) -> dict[str, np.ndarray]:
    """The listing variants of one screen, named."""
    variants = {
        "resize-0.5x": resize(rgb, 0.5),
        "resize-2x": resize(rgb, 2.0),
        "jpeg-q60": jpeg(rgb, 60),
        "crop-5%": crop(rgb, bottom=0.05),
        "crop-10%-top": crop(rgb, top=0.10),
        "crop-20%-sides": crop(rgb, left=0.10, right=0.10),
        "crop-20%-bottom": crop(rgb, bottom=0.20),
        "pad-20%": pad(rgb, 0.2),
        "device-frame+caption": jpeg(resize(device_frame(rgb), 0.75), 85),
        "browser-chrome": browser_window(rgb),
        "clock": status_clock(rgb),
        "data-row": data_row(rgb),
    }
    return variants


# ---------------------------------------------------------------------- the transform benchmark

SAMPLE_SCREENS = ROOT / "sample_media" / "screens"


@dataclass(frozen=True)
class Screen:
    name: str
    rgb: np.ndarray
    path: Path | None = None


def benchmark_screens(corpus: Path = CORPUS, samples: Path = SAMPLE_SCREENS) -> tuple[list[Screen], list[Screen]]:
    """(live screens, foreign screens): the rendered sample screens and the real corpus screenshots (pairs left
    out), near-blank ones dropped, exact and near-exact duplicates dropped; every fourth corpus screenshot is
    kept out of the live set to play a screen the live app does not have."""
    import imagehash

    from media_check.analysis import sha256_of
    from media_check.sniff import IMAGE_FORMATS, sniff

    files = sorted(p for p in samples.glob("*") if p.is_file()) if samples.exists() else []
    corpus_files = sorted(p for p in corpus.glob("*") if p.is_file() and not p.name.startswith("pair_")
                          and p.suffix.lower() in (".png", ".jpg", ".jpeg", ".webp"))
    seen_sha: set[str] = set()
    seen_hash: list[tuple[imagehash.ImageHash, str]] = []
    live: list[Screen] = []
    foreign: list[Screen] = []
    corpus_names = {p.name for p in corpus_files}
    for path in files + corpus_files:
        with open(path, "rb") as handle:
            if sniff(handle.read(64)) not in IMAGE_FORMATS:
                continue
        digest = sha256_of(path)
        if digest in seen_sha:
            continue
        seen_sha.add(digest)
        try:
            rgb = load_rgb(path)
        except OSError:
            continue
        if max(rgb.shape[:2]) > 4000:
            rgb = resize(rgb, 4000 / max(rgb.shape[:2]))
        if rgb.std() < 12:  # blank: nothing to recognise
            continue
        ph = imagehash.phash(Image.fromarray(rgb))
        if any(ph - other <= 4 for other, _ in seen_hash):
            continue
        seen_hash.append((ph, path.name))
        screen = Screen(path.name, rgb, path)
        is_corpus = path.parent == corpus
        if is_corpus and len([s for s in live + foreign if s.name in corpus_names]) % 4 == 3:
            foreign.append(screen)
        else:
            live.append(screen)
    return live, foreign


def _apps(corpus: Path = CORPUS) -> dict[str, str]:
    """The app (repository) each corpus file comes from; the rendered samples are one app."""
    apps = {p.name: "sample" for p in SAMPLE_SCREENS.glob("*")} if SAMPLE_SCREENS.exists() else {}
    manifest = corpus / "manifest.csv"
    if manifest.exists():
        with open(manifest, encoding="utf-8") as handle:
            apps.update({row["file"]: row["repo"] for row in csv.DictReader(handle)})
    return apps


@dataclass
class Tally:
    right: int = 0  # current, closest = the source
    right_stale: int = 0  # closest = the source, but called stale
    wrong: int = 0  # closest = another screen (current or stale); for a foreign screen: anything but unmatched
    current: int = 0  # foreign screens called current (the one thing they must never be)
    sibling: int = 0  # foreign screens called stale against another screen of the same app
    missed: int = 0  # unmatched
    phash_right: int = 0
    phash_wrong: int = 0
    phash_missed: int = 0
    ms: list[float] | None = None

    @property
    def total(self) -> int:
        return self.right + self.right_stale + self.wrong + self.missed


def run_transform_benchmark(limit: int | None = None, progress=None, cache_dir: str | Path | None = None,
                            use_words: bool = True, screens: tuple[list[Screen], list[Screen]] | None = None
                            ) -> dict[str, Tally]:
    """Every live screen (or the first ``limit``) through every transform, matched against the whole live set;
    foreign screens through a few transforms must stay unmatched. Whole-image pHash at distance 10 on the same
    queries is the floor. OCR words (cached) are read only where pixels leave the call open, as in a scan."""
    import imagehash

    from media_check.analysis import sha256_of
    from media_check.live import ocr_word_source

    live, foreign = screens or benchmark_screens()
    apps = _apps()
    index = LiveIndex()
    phashes = []
    paths = {}
    for screen in live:
        i = index.add_image(screen.name, screen.rgb, sha256=sha256_of(screen.path) if screen.path else None)
        paths[i] = screen.path
        phashes.append(imagehash.phash(Image.fromarray(screen.rgb)))
    if use_words:
        from dataclasses import replace

        read_words = ocr_word_source(cache_dir)
        index.word_source = lambda capture, rgb: read_words(
            replace(capture, file=str(paths[index.captures.index(capture)] or "")), rgb)
    tallies: dict[str, Tally] = {}
    queries = live if limit is None else live[:limit]
    jobs = [(i, s, False) for i, s in enumerate(queries)]
    jobs += [(None, s, True) for s in (foreign if limit is None else foreign[:max(1, limit // 4)])]
    for number, (source, screen, is_foreign) in enumerate(jobs, 1):
        variants = _transforms(screen.rgb)
        if is_foreign:
            variants = {k: v for k, v in variants.items() if k in ("jpeg-q60", "crop-10%-top", "device-frame+caption")}
        words = file_words(screen.path, cache_dir) if use_words and screen.path else None
        for name, query in variants.items():
            key = f"foreign:{name}" if is_foreign else name
            tally = tallies.setdefault(key, Tally(ms=[]))
            start = time.perf_counter()
            result = match_image(index, query, words=words)
            tally.ms.append((time.perf_counter() - start) * 1000)
            if is_foreign:
                tally.missed += result.status == "unmatched"
                tally.wrong += result.status != "unmatched"
                tally.current += result.status == "current"
                if result.status == "stale" and result.closest is not None:
                    tally.sibling += apps.get(screen.name, screen.name) == apps.get(result.closest.path, "")
            elif result.status == "unmatched":
                tally.missed += 1
            elif result.closest_index != source:
                tally.wrong += 1
            elif result.status == "current":
                tally.right += 1
            else:
                tally.right_stale += 1
            ph = imagehash.phash(Image.fromarray(query))
            distances = np.array([ph - other for other in phashes])
            nearest = int(np.argmin(distances))
            if distances[nearest] > 10:
                tally.phash_missed += 1
            elif is_foreign or nearest != source:
                tally.phash_wrong += 1
            else:
                tally.phash_right += 1
        if progress:
            progress(screen.name, number, len(jobs))
    return tallies


# ---------------------------------------------------------------------- the whole evaluation and its report

TARGETS = {"same_screen": 0.95, "stale": 0.90, "different_screen": 0.95, "transforms": 0.98}


def _phash_distance(a: Path, b: Path) -> int:
    import imagehash

    with Image.open(a) as ia, Image.open(b) as ib:
        return imagehash.phash(ia.convert("RGB")) - imagehash.phash(ib.convert("RGB"))


def evaluate(corpus: Path = CORPUS, cache_dir: str | Path | None = None, bench: bool = True,
             limit: int | None = None, progress=None) -> dict:
    """Pairs and (optionally) the transform benchmark, as plain data for the text or JSON report."""
    outcomes = score_pairs(corpus, cache_dir)
    floor = {}
    for name, label, old, new in corpus_pairs(corpus):
        floor[name] = "current" if _phash_distance(old, new) <= 10 else "unmatched"
    by_label: dict[str, dict] = {}
    for o in outcomes:
        entry = by_label.setdefault(o.label, {"n": 0, "ok": 0, "phash_ok": 0, "statuses": {}})
        entry["n"] += 1
        entry["ok"] += o.ok
        entry["statuses"][o.status] = entry["statuses"].get(o.status, 0) + 1
        guess = floor[o.pair]
        entry["phash_ok"] += (guess == "current") if o.label == "same_screen" else (guess != "current")
    summary = {
        "pairs": [{"pair": o.pair, "label": o.label, "status": o.status, "ok": o.ok, "similarity": o.similarity,
                   "reason": o.reason, "phash": floor[o.pair], "ms": round(o.ms, 1)} for o in outcomes],
        "by_label": by_label,
        "median_pair_ms": round(float(np.median([o.ms for o in outcomes])), 1) if outcomes else None,
    }
    if bench:
        tallies = run_transform_benchmark(limit=limit, progress=progress, cache_dir=cache_dir)
        summary["transforms"] = {
            name: {"n": t.total, "right": t.right, "right_but_stale": t.right_stale, "wrong": t.wrong,
                   "missed": t.missed, "current": t.current, "stale_same_app": t.sibling,
                   "phash_right": t.phash_right, "phash_wrong": t.phash_wrong,
                   "phash_missed": t.phash_missed, "median_ms": round(float(np.median(t.ms)), 1) if t.ms else None}
            for name, t in tallies.items()}
    return summary


def render_json(summary: dict) -> str:
    import json

    return json.dumps(summary, indent=2) + "\n"


def render_text(summary: dict) -> str:
    lines = ["Live-app matching: labelled pairs of the corpus (each judged against its partner alone)", ""]
    lines.append(f"{'label -> must be':<32}{'pairs':>6}  {'media-check':>12}  {'target':>7}  {'pHash<=10':>10}")
    wanted = {"same_screen": "current", "stale": "stale", "different_screen": "not current"}
    for label in ("same_screen", "stale", "different_screen"):
        entry = summary["by_label"].get(label)
        if not entry:
            continue
        rate = entry["ok"] / entry["n"]
        floor = entry["phash_ok"] / entry["n"]
        lines.append(f"{label + ' -> ' + wanted[label]:<32}{entry['n']:>6}  {rate:>12.0%}  "
                     f"{TARGETS[label]:>7.0%}  {floor:>9.0%}"
                     + ("" if label != "stale" else "  (pHash cannot tell stale; counted: not current)"))
    lines.append("")
    for p in summary["pairs"]:
        if not p["ok"]:
            lines.append(f"  miss: {p['pair']} {p['label']} -> {p['status']}: {p['reason']}")
    lines.append(f"  median time per pair: {summary['median_pair_ms']} ms")
    if "transforms" in summary:
        lines += ["", "Transform benchmark: listing-style variants of real screens against the whole live set",
                  "(right = current and matched to its own capture; wrong = matched to another screen)", "",
                  f"{'transform':<24}{'n':>5}  {'right':>7}  {'wrong':>6}  {'missed':>7}  {'stale*':>6}   "
                  f"{'pHash right':>11}  {'wrong':>6}  {'ms':>5}"]
        total = {"n": 0, "right": 0, "wrong": 0, "phash_right": 0, "phash_wrong": 0}
        foreign = {"n": 0, "missed": 0, "phash_wrong": 0, "current": 0, "stale_same_app": 0}
        for name, t in summary["transforms"].items():
            n = max(1, t["n"])
            if name.startswith("foreign:"):
                for key in foreign:
                    foreign[key] += t[key]
                lines.append(f"{name:<30}{t['n']:>5}  unmatched {t['missed'] / n:>4.0%}, stale vs a sibling screen "
                             f"{t['stale_same_app'] / n:>4.0%}, current {t['current'] / n:>3.0%}   pHash false match "
                             f"{t['phash_wrong'] / n:>4.0%}  {t['median_ms']:>5.0f}")
                continue
            for key in ("n", "right", "wrong", "phash_right", "phash_wrong"):
                total[key] += t[key]
            lines.append(f"{name:<24}{t['n']:>5}  {t['right'] / n:>7.1%}  {t['wrong'] / n:>6.1%}  "
                         f"{t['missed'] / n:>7.1%}  {t['right_but_stale'] / n:>6.1%}   {t['phash_right'] / n:>11.1%}  "
                         f"{t['phash_wrong'] / n:>6.1%}  {t['median_ms']:>5.0f}")
        n = max(1, total["n"])
        lines.append(f"{'all transforms':<24}{total['n']:>5}  {total['right'] / n:>7.1%}  {total['wrong'] / n:>6.1%}"
                     f"  (target {TARGETS['transforms']:.0%} right, no wrong)   pHash {total['phash_right'] / n:.1%} "
                     f"right, {total['phash_wrong'] / n:.1%} wrong")
        if foreign["n"]:
            n = foreign["n"]
            other = n - foreign["missed"] - foreign["stale_same_app"] - foreign["current"]
            lines.append(f"{'screens not in the live set':<24}{n:>5}  unmatched {foreign['missed'] / n:.1%}, stale "
                         f"vs another screen of the same app {foreign['stale_same_app'] / n:.1%}, stale vs another "
                         f"app {other / n:.1%}, current {foreign['current'] / n:.1%}   (pHash false matches "
                         f"{foreign['phash_wrong'] / n:.1%})")
        lines.append("  stale* = matched to its own capture but called stale")
    return "\n".join(lines) + "\n"
