"""Measure the content rules against a labelled manifest: per-class precision, recall and F1, confusion, false flags.

Two manifest shapes are read:
- the corpus shape (``file,...,labels,...``): labels joined by ``+``; ``framed`` is a tag, the live-app pair labels
  (``stale``, ``same_screen``, ``different_screen``) and ``pair_*`` rows are not content classes and are left out;
  ``in_use`` and ``clean`` are the negatives whose false-flag rate is reported;
- the sample-media shape (``file,expected_findings,notes``): rule names joined by ``+``; only content rules count.

Every file goes through the normal pipeline (cache included), and only the content rules' findings are scored.
:func:`score` is a pure function of (cases, predictions), so a foreign report (the naive baseline's) is scored the
same way.
"""

from __future__ import annotations

import csv
import hashlib
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LABEL_TO_RULE = {
    "login": "login-screen", "splash": "splash-screen", "placeholder": "placeholder-text", "ad": "ad-banner",
    "ad_creative": "ad-banner", "error": "error-screen", "debug": "non-production", "broken": "broken-template",
}
NEGATIVE_LABELS = frozenset({"in_use", "clean"})
IGNORED_LABELS = frozenset({"framed", "stale", "same_screen", "different_screen"})
CLASSES = ("login-screen", "splash-screen", "placeholder-text", "ad-banner", "error-screen", "non-production",
           "broken-template")
CONTENT_RULES = (*CLASSES, "blank-screen")
IN_USE = "in_use"


class ManifestError(Exception):
    """The manifest cannot be read or has neither a ``labels`` nor an ``expected_findings`` column."""


@dataclass(frozen=True)
class Case:
    file: str  # as written in the manifest
    path: Path
    expected: frozenset[str]  # content rule names
    negative: bool  # an in-use / clean screen: any content finding on it is a false flag


@dataclass
class ClassScore:
    support: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None or p + r == 0:
            return None if p is None or r is None else 0.0
        return 2 * p * r / (p + r)

    def to_dict(self) -> dict[str, Any]:
        return {"support": self.support, "tp": self.tp, "fp": self.fp, "fn": self.fn,
                "precision": _round(self.precision), "recall": _round(self.recall), "f1": _round(self.f1)}


@dataclass
class EvalResult:
    images: int
    negatives: int
    classes: dict[str, ClassScore]
    false_flags: list[str]
    confusion: dict[str, dict[str, int]]
    wrong: list[dict[str, Any]]
    not_analysed: list[str] = field(default_factory=list)

    @property
    def false_flag_rate(self) -> float | None:
        return len(self.false_flags) / self.negatives if self.negatives else None

    def to_dict(self) -> dict[str, Any]:
        return {"images": self.images, "negatives": self.negatives,
                "classes": {name: s.to_dict() for name, s in self.classes.items()},
                "false_flag_rate": _round(self.false_flag_rate), "false_flags": self.false_flags,
                "confusion": self.confusion, "wrong": self.wrong, "not_analysed": self.not_analysed}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def read_manifest(manifest: Path, root: Path | None = None) -> list[Case]:
    """The scored cases of a manifest; files are resolved against ``root`` (default: the manifest's folder)."""
    root = root or manifest.parent
    try:
        with open(manifest, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            fields = set(reader.fieldnames or ())
            rows = list(reader)
    except OSError as exc:
        raise ManifestError(f"cannot read manifest {manifest}: {exc.strerror or exc}") from None
    if "file" not in fields or not ({"labels", "expected_findings"} & fields):
        raise ManifestError(f"{manifest}: expected a 'file' column and a 'labels' or 'expected_findings' column")
    cases = []
    for row in rows:
        name = row["file"].strip()
        if not name or Path(name).name.startswith("pair_"):
            continue
        if "labels" in fields:
            labels = {lab.strip() for lab in row["labels"].split("+") if lab.strip()}
            if labels and labels <= IGNORED_LABELS | {"pair"}:
                continue
            unknown = labels - set(LABEL_TO_RULE) - NEGATIVE_LABELS - IGNORED_LABELS
            if unknown:
                raise ManifestError(f"{manifest}: {name}: unknown label(s) {', '.join(sorted(unknown))}")
            expected = frozenset(LABEL_TO_RULE[lab] for lab in labels if lab in LABEL_TO_RULE)
            negative = not expected and bool(labels & NEGATIVE_LABELS)
        else:
            names = {n.strip() for n in row["expected_findings"].replace(";", "+").split("+") if n.strip()}
            expected = frozenset(n for n in names if n in CONTENT_RULES)
            negative = not expected
        cases.append(Case(name, root / name, expected, negative))
    return cases


def score(cases: list[Case], predicted: Mapping[str, set[str]], not_analysed: list[str] | None = None) -> EvalResult:
    """Per-class scores of ``predicted`` (case file -> content rule names found) against the cases."""
    classes = {name: ClassScore() for name in CLASSES}
    confusion: dict[str, dict[str, int]] = {}
    false_flags, wrong = [], []
    for case in cases:
        found = set(predicted.get(case.file, set())) & set(CONTENT_RULES)
        for name in CLASSES:
            expected, got = name in case.expected, name in found
            classes[name].support += expected
            classes[name].tp += expected and got
            classes[name].fp += got and not expected
            classes[name].fn += expected and not got
        row_keys = sorted(case.expected) or [IN_USE]
        for key in row_keys:
            row = confusion.setdefault(key, {})
            for name in sorted(found) or ["none"]:
                row[name] = row.get(name, 0) + 1
        if case.negative and found:
            false_flags.append(case.file)
        if found & set(CLASSES) != set(case.expected) or (case.negative and found):
            wrong.append({"file": case.file, "expected": sorted(case.expected) or [IN_USE],
                          "found": sorted(found) or ["none"]})
    return EvalResult(images=len(cases), negatives=sum(c.negative for c in cases), classes=classes,
                      false_flags=false_flags, confusion=confusion, wrong=wrong, not_analysed=not_analysed or [])


def run(cases: list[Case], config, cache=None) -> tuple[dict[str, set[str]], list[str], list]:
    """Scan the cases' files through the pipeline: (predictions by case file, files not analysed, verdicts)."""
    from media_check.pipeline import scan

    by_display = {str(case.path): case.file for case in cases if case.path.exists()}
    missing = [case.file for case in cases if not case.path.exists()]
    report = scan(list(by_display), config, cache=cache)
    predicted: dict[str, set[str]] = {}
    not_analysed = list(missing)
    for verdict in report.assets:
        file = by_display.get(verdict.path)
        if file is None:
            continue
        if verdict.status.value == "error":
            not_analysed.append(file)
        predicted[file] = {f.name for f in verdict.findings if f.name in CONTENT_RULES}
    return predicted, not_analysed, list(report.assets)


def naive_baseline(script: Path, folder: Path, cache_dir: Path) -> dict[str, set[str]]:
    """Run the naive keyword baseline on ``folder`` (once: its report is cached) -> findings by file name."""
    digest = hashlib.sha256()
    digest.update(script.read_bytes())
    for path in sorted(folder.iterdir()):
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(str(path.stat().st_size).encode())
    cached = cache_dir / "naive-baseline" / f"{digest.hexdigest()[:16]}.json"
    if cached.is_file():
        data = json.loads(cached.read_text(encoding="utf-8"))
    else:
        done = subprocess.run([sys.executable, str(script), str(folder)], capture_output=True, text=True, check=True)
        data = json.loads(done.stdout)
        from media_check.cache import write_atomic

        cached.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(cached, done.stdout)
    return {Path(a["path"]).name: {f["name"] for f in a.get("findings", [])} for a in data.get("assets", [])}


def score_baseline(cases: list[Case], script: Path, folder: Path, cache_dir: Path) -> EvalResult:
    """The baseline script's report on ``folder``, scored like media-check's own (matched by file name)."""
    found = naive_baseline(script, folder, cache_dir)
    return score(cases, {case.file: found.get(Path(case.file).name, set()) for case in cases})


def content_cost(paths: list[Path], languages: tuple[str, ...] = ("eng",)) -> dict[str, float]:
    """Fresh timings on ``paths``: OCR, then everything the content analysis adds (features, phrases, model, rules).

    Returns medians in ms and the added cost as a share of OCR time (the budget is 15%).
    """
    import numpy as np

    from media_check.analysis import Analysis
    from media_check.config import load_config
    from media_check.features import image_features
    from media_check.judge import judge_asset
    from media_check.load import load_image
    from media_check.ocr import ocr_image
    from media_check.rules import content

    config = load_config()
    ocr_ms, added_ms, ratios = [], [], []
    for path in paths:
        loaded = load_image(path, 50_000_000, 100_000_000)
        t = time.perf_counter()
        words = ocr_image(loaded.image, languages)
        ocr = time.perf_counter() - t
        t = time.perf_counter()
        features = image_features(np.asarray(loaded.image), words)
        analysis = Analysis(sha256="bench", format=loaded.format, width=loaded.width, height=loaded.height,
                            words=words, features=features)
        content._FACTS.clear()
        judge_asset(str(path), analysis, config)
        added = time.perf_counter() - t
        ocr_ms.append(ocr * 1000)
        added_ms.append(added * 1000)
        ratios.append(added / ocr if ocr else 0.0)
    return {"images": len(paths), "ocr_ms_median": round(statistics.median(ocr_ms), 1),
            "content_ms_median": round(statistics.median(added_ms), 1),
            "content_share_of_ocr_median": round(statistics.median(ratios), 3),
            "content_share_of_ocr_total": round(sum(added_ms) / sum(ocr_ms), 3)}


def render_text(result: EvalResult, baseline: EvalResult | None = None, cost: dict | None = None) -> str:
    def fmt(value: float | None) -> str:
        return "  -  " if value is None else f"{value:5.2f}"

    lines = [f"media-check eval: {result.images} images scored, {result.negatives} in-use/clean"
             + (f", {len(result.not_analysed)} not analysed" if result.not_analysed else ""), ""]
    head = f"{'class':<17} {'n':>3} {'TP':>3} {'FP':>3} {'FN':>3}  {'prec':>5} {'rec':>5} {'F1':>5}"
    lines.append(head + ("   | naive  prec   rec    F1" if baseline else ""))
    for name, s in result.classes.items():
        row = f"{name:<17} {s.support:>3} {s.tp:>3} {s.fp:>3} {s.fn:>3}  {fmt(s.precision)} {fmt(s.recall)} " \
              f"{fmt(s.f1)}"
        if baseline:
            b = baseline.classes[name]
            row += f"   |       {fmt(b.precision)} {fmt(b.recall)} {fmt(b.f1)}"
        lines.append(row)
    rate = result.false_flag_rate
    line = f"\nfalse flags on in-use/clean screens: {len(result.false_flags)}/{result.negatives}" \
           f" = {fmt(rate).strip() if rate is None else f'{rate * 100:.1f}%'}"
    if baseline and baseline.false_flag_rate is not None:
        line += f"   (naive: {baseline.false_flag_rate * 100:.1f}%)"
    lines.append(line)
    if result.false_flags:
        lines.append("  " + ", ".join(result.false_flags))
    lines.append("\nconfusion (expected -> found):")
    for expected, row in sorted(result.confusion.items()):
        cells = ", ".join(f"{k} {v}" for k, v in sorted(row.items(), key=lambda kv: -kv[1]))
        lines.append(f"  {expected:<17} {cells}")
    if result.wrong:
        lines.append("\nwrong:")
        for w in result.wrong:
            lines.append(f"  {w['file']}: expected {'+'.join(w['expected'])}, found {'+'.join(w['found'])}")
    if result.not_analysed:
        lines.append("\nnot analysed (unreadable or missing): " + ", ".join(result.not_analysed))
    if cost:
        lines.append(f"\ncost of content analysis beyond OCR ({cost['images']} images, fresh): OCR median "
                     f"{cost['ocr_ms_median']} ms, features + phrases + model + rules median "
                     f"{cost['content_ms_median']} ms = {cost['content_share_of_ocr_median'] * 100:.1f}% of OCR "
                     f"(total {cost['content_share_of_ocr_total'] * 100:.1f}%; budget 15%)")
    return "\n".join(lines) + "\n"


def render_json(result: EvalResult, baseline: EvalResult | None = None, cost: dict | None = None) -> str:
    data = result.to_dict()
    if baseline:
        data["naive_baseline"] = baseline.to_dict()
    if cost:
        data["content_cost"] = cost
    return json.dumps(data, indent=2) + "\n"
