#!/usr/bin/env python3
"""Train the screen classifier (models/screen_classifier.json) and measure it by grouped cross-validation.

Data, read in place (never copied):
- ../shared/corpus/manifest.csv and its images: every row except the live-app pairs (pair_*). The class is the
  first label that is a screen kind: login, splash or error; every other screen (in_use, clean, placeholder, ad,
  debug, broken) is "in_use" for this model, since those are app screens with a defect, not another kind of screen.
- sample_media/expected.csv and sample_media/screens/: login-screen / splash-screen / error-screen expected
  findings give the class, the rest are in_use.

Each image goes through media-check's own analysis (OCR words and features, from the analysis cache when present),
so the model sees exactly what the rules see. Cross-validation is GroupKFold by app (the manifest's ``repo``; the
sample set counts as one app), never by image: screenshots of one app look alike, and the held-out set is of
other apps. Scores printed are out-of-fold; the model written is then fitted on all the data.

    .venv/bin/python models/train_screen_classifier.py [--cache-dir DIR] [--corpus DIR] [--out FILE]

Needs scikit-learn (``pip install -e '.[train]'``); inference does not.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from media_check.analyse import analyse_file  # noqa: E402
from media_check.analysis import AnalysisParams, sha256_of  # noqa: E402
from media_check.cache import AnalysisCache  # noqa: E402
from media_check.phrases import load_lexicon  # noqa: E402
from media_check.screen_model import CLASSES, FEATURES, MODEL_PATH, screen_features  # noqa: E402

SCREEN_LABELS = {"login": "login", "splash": "splash", "error": "error"}
EXPECTED_TO_CLASS = {"login-screen": "login", "splash-screen": "splash", "error-screen": "error"}
C = 0.05  # inverse regularisation strength: strong, for ~270 images of ~100 apps (chosen by grouped CV)
SEED = 0


def corpus_rows(corpus: Path) -> list[dict]:
    rows = []
    with open(corpus / "manifest.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["file"].startswith("pair_"):
                continue
            labels = row["labels"].split("+")
            kind = next((SCREEN_LABELS[lab] for lab in labels if lab in SCREEN_LABELS), "in_use")
            rows.append({"path": corpus / row["file"], "class": kind, "group": row["repo"], "file": row["file"]})
    return rows


def sample_rows(sample: Path) -> list[dict]:
    expected = sample / "expected.csv"
    if not expected.is_file():
        return []
    rows = []
    with open(expected, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            path = sample / row["file"]
            if not path.is_file():
                continue
            names = [n for n in row.get("expected_findings", "").replace(";", "+").split("+") if n]
            kind = next((EXPECTED_TO_CLASS[n] for n in names if n in EXPECTED_TO_CLASS), "in_use")
            rows.append({"path": path, "class": kind, "group": "sample_media", "file": f"sample_media/{row['file']}"})
    return rows


def feature_matrix(rows: list[dict], cache_dir: str) -> tuple[np.ndarray, list]:
    params = AnalysisParams()
    cache = AnalysisCache(cache_dir)
    lexicon = load_lexicon()
    matrix, analyses = [], []
    for row in rows:
        digest = sha256_of(row["path"])
        analysis = cache.get(digest, params)
        if analysis is None:
            analysis = analyse_file(str(row["path"]), digest, params, cache_dir)
            cache.put(params, analysis)
        if analysis.error and analysis.error.startswith("OCR failed") and "No text returned" in analysis.error:
            # The OCR engine found no text at all: analyse the pixels alone (no words is the truth here).
            analysis = analyse_file(str(row["path"]), digest, replace(params, ocr=False), cache_dir)
        if analysis.error:
            print(f"skipped {row['file']}: {analysis.error}", file=sys.stderr)
            row["skipped"] = True
            continue
        values = screen_features(analysis.words, analysis.width or 1, analysis.height or 1, analysis.features,
                                 lexicon.find(analysis.words))
        matrix.append([values[name] for name in FEATURES])
        analyses.append(analysis)
    return np.asarray(matrix, dtype=float), analyses


def make_model():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=C, class_weight="balanced", max_iter=5000))


def cross_validate(x: np.ndarray, y: np.ndarray, groups: np.ndarray,
                   seed: int | None = None) -> tuple[np.ndarray, dict]:
    """Out-of-fold probabilities and per-class scores under GroupKFold(5) by app: apps dealt to folds by size
    (``seed`` None), or shuffled with ``seed`` (scikit-learn 1.6 or later)."""
    from sklearn.metrics import precision_recall_fscore_support
    from sklearn.model_selection import GroupKFold

    proba = np.zeros((len(y), len(CLASSES)))
    folds = GroupKFold(n_splits=5) if seed is None else GroupKFold(n_splits=5, shuffle=True, random_state=seed)
    for train, test in folds.split(x, y, groups):
        model = make_model().fit(x[train], y[train])
        order = [list(model.classes_).index(c) for c in CLASSES]
        proba[test] = model.predict_proba(x[test])[:, order]
    predicted = np.array(CLASSES)[proba.argmax(axis=1)]
    p, r, f, support = precision_recall_fscore_support(y, predicted, labels=list(CLASSES), zero_division=0)
    scores = {c: {"precision": round(float(p[i]), 3), "recall": round(float(r[i]), 3), "f1": round(float(f[i]), 3),
                  "support": int(support[i])} for i, c in enumerate(CLASSES)}
    return proba, scores


def rules_cross_validated(rows: list[dict], analyses: list, proba: np.ndarray, corpus: Path, sample: Path) -> dict:
    """Run the content rules on every image with its out-of-fold probabilities, and score them like eval does."""
    from media_check import eval as evaluation
    from media_check.config import load_config
    from media_check.judge import judge_asset
    from media_check.rules.content import facts_of

    config = load_config(discover_from=ROOT)
    cases_by_file = {f"{c.file}": c for c in evaluation.read_manifest(corpus / "manifest.csv")}
    if (sample / "expected.csv").is_file():
        for case in evaluation.read_manifest(sample / "expected.csv"):
            cases_by_file[f"sample_media/{case.file}"] = case
    cases, predicted = [], {}
    for row, analysis, p in zip(rows, analyses, proba):
        case = cases_by_file.get(row["file"])
        if case is None:
            continue
        facts_of(analysis, {c: float(v) for c, v in zip(CLASSES, p)})
        verdict = judge_asset(row["file"], analysis, config)
        cases.append(case)
        predicted[case.file] = {f.name for f in verdict.findings}
    return evaluation.score(cases, predicted).to_dict()


def repeated_rule_scores(rows: list[dict], analyses: list, x: np.ndarray, y: np.ndarray, groups: np.ndarray,
                         corpus: Path, sample: Path, repeats: int) -> dict:
    """The content rules' scores over ``repeats`` shuffled deals of apps to the five folds: mean and standard
    deviation (of these deals, ddof 0) of each precision and recall and of the false-flag rate.

    With ~100 apps of very different sizes, which apps share a fold moves a borderline screen or two: one deal
    can tell a change apart from that noise only when the change moves more than it does (adding two sample
    screens moved splash precision 0.828 -> 0.781 under the size-ordered deal)."""
    runs = [rules_cross_validated(rows, analyses, cross_validate(x, y, groups, seed)[0], corpus, sample)
            for seed in range(repeats)]
    out: dict = {"repeats": repeats, "classes": {}}
    for name in runs[0]["classes"]:
        out["classes"][name] = {}
        for key in ("precision", "recall"):
            values = [r["classes"][name][key] for r in runs if r["classes"][name][key] is not None]
            out["classes"][name][key] = [round(float(np.mean(values)), 3), round(float(np.std(values)), 3)] \
                if values else None
    flags = [r["false_flag_rate"] for r in runs]
    out["false_flag_rate"] = [round(float(np.mean(flags)), 4), round(float(np.std(flags)), 4)]
    return out


def _fmt(value) -> str:
    return "  -  " if value is None else f"{value:.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--sample", type=Path, default=ROOT / "sample_media")
    parser.add_argument("--cache-dir", default=".media-check-cache")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--oof", type=Path, default=None, help="write out-of-fold probabilities to this CSV")
    parser.add_argument("--repeats", type=int, default=10,
                        help="shuffled deals of apps to folds for the rules' mean scores (0: none)")
    args = parser.parse_args(argv)
    if args.repeats < 0:
        parser.error("--repeats takes 0 or more")

    rows = corpus_rows(args.corpus) + sample_rows(args.sample)
    x, analyses = feature_matrix(rows, args.cache_dir)
    rows = [r for r in rows if not r.get("skipped")]
    y = np.array([r["class"] for r in rows])
    groups = np.array([r["group"] for r in rows])
    proba, scores = cross_validate(x, y, groups)
    print(f"{len(rows)} images, {len(set(groups))} apps; GroupKFold(5) by app, out-of-fold:")
    for name, s in scores.items():
        print(f"  {name:<7} precision {s['precision']:.3f}  recall {s['recall']:.3f}  f1 {s['f1']:.3f}  "
              f"(n={s['support']})")
    rule_scores = rules_cross_validated(rows, analyses, proba, args.corpus, args.sample)
    print("content rules with out-of-fold classifier scores (the same GroupKFold):")
    for name, s in rule_scores["classes"].items():
        print(f"  {name:<16} precision {_fmt(s['precision'])}  recall {_fmt(s['recall'])}  (n={s['support']})")
    print(f"  false flags on in-use/clean: {_fmt(rule_scores['false_flag_rate'])} of {rule_scores['negatives']}")
    repeated = None
    if args.repeats:
        repeated = repeated_rule_scores(rows, analyses, x, y, groups, args.corpus, args.sample, args.repeats)
        print(f"content rules over {args.repeats} shuffled deals of apps to the 5 folds (mean +- sd):")
        for name, s in repeated["classes"].items():
            p, r = s["precision"], s["recall"]
            print(f"  {name:<16} precision {_fmt(p and p[0])} +- {_fmt(p and p[1])}  "
                  f"recall {_fmt(r and r[0])} +- {_fmt(r and r[1])}")
        mean, sd = repeated["false_flag_rate"]
        print(f"  false flags on in-use/clean: {mean:.4f} +- {sd:.4f}")
    if args.oof:
        with open(args.oof, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["file", "class", "group", *[f"p_{c}" for c in CLASSES]])
            for row, p in zip(rows, proba):
                writer.writerow([row["file"], row["class"], row["group"], *[f"{v:.4f}" for v in p]])

    model = make_model().fit(x, y)
    scaler, logistic = model.steps[0][1], model.steps[1][1]
    order = [list(logistic.classes_).index(c) for c in CLASSES]
    exported = {
        "kind": "multinomial logistic regression on standardised features",
        "classes": list(CLASSES),
        "features": list(FEATURES),
        "mean": [round(float(v), 6) for v in scaler.mean_],
        "scale": [round(float(v), 6) if v > 0 else 1.0 for v in scaler.scale_],
        "coef": [[round(float(v), 6) for v in logistic.coef_[i]] for i in order],
        "intercept": [round(float(logistic.intercept_[i]), 6) for i in order],
        "training": {"images": len(rows), "apps": len(set(groups)), "C": C, "class_weight": "balanced",
                     "class_counts": {c: int((y == c).sum()) for c in CLASSES},
                     "cv": "GroupKFold(5) by app", "cv_scores": scores,
                     "cv_rule_scores": {k: rule_scores[k] for k in ("classes", "false_flag_rate", "negatives")},
                     "cv_rule_scores_repeated": repeated},
    }
    args.out.write_text(json.dumps(exported, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
