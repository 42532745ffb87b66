"""Judge a preview video: every asset rule on each keyframe, then the video rules on the video.

The video's own Analysis is judged by the video rules (:mod:`media_check.rules.video`) alone. A keyframe's
Analysis (``kind == "keyframe"``) is judged like a screenshot by :func:`media_check.judge.judge_asset`,
so any asset rule applies to it (rules about screenshot files, such as image-format, look at ``kind ==
"screenshot"`` and stay silent). What one rule finds on several keyframes becomes one finding on the video, each
evidence carrying its ``timestamp``. Findings of the rules that ``preview-not-in-use`` weighs (login, splash,
placeholder, blank by default) are capped at ``warn`` on a video: a brief title card or sign-in is normal in a
preview, and that rule fails the video when such screens dominate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from media_check.analysis import Analysis
from media_check.config import Config
from media_check.judge import add_findings, judge_asset
from media_check.report import Evidence, Finding, Severity, Verdict
from media_check.rules import ALWAYS_ON
from media_check.rules.video import RULES as VIDEO_RULE_LIST, KeyframeFindings, clock, rule_names

AGGREGATOR = "preview-not-in-use"
# The rules about the video as a whole; every other asset rule looks at the keyframes.
VIDEO_RULES = frozenset(r.name for r in VIDEO_RULE_LIST)


def judge_video(path: str, analysis: Analysis, config: Config, extras: Mapping[str, Any] | None = None,
                cached: bool = False) -> Verdict:
    """The verdict of a video: its keyframes' findings (time-stamped) and the video rules' findings."""
    extras = dict(extras or {})
    video_only = replace(config, enabled=tuple(n for n in config.enabled if n in VIDEO_RULES or n in ALWAYS_ON))
    if analysis.error or not analysis.keyframes:
        return judge_asset(path, analysis, video_only, extras, cached=cached)
    per_frame = [(frame, judge_asset(path, frame, config, extras).findings) for frame in analysis.keyframes]
    extras["keyframes"] = tuple(KeyframeFindings(frame.timestamp or 0.0, frame.span or 0.0,
                                                 frozenset(f.name for f in findings))
                                for frame, findings in per_frame)
    verdict = judge_asset(path, analysis, video_only, extras, cached=cached)
    capped = rule_names(config.options[AGGREGATOR]["screens"]) if AGGREGATOR in config.enabled else frozenset()
    return add_findings(verdict, merge_keyframe_findings(per_frame, capped))


def merge_keyframe_findings(per_frame: list[tuple[Analysis, tuple[Finding, ...]]],
                            capped: frozenset[str] = frozenset()) -> list[Finding]:
    """One finding per rule across keyframes, in the order rules first fired; evidence time-stamped."""
    grouped: dict[str, list[tuple[float, Finding]]] = {}
    for frame, findings in per_frame:
        for finding in findings:
            grouped.setdefault(finding.code, []).append((frame.timestamp or 0.0, finding))
    merged: list[Finding] = []
    for hits in grouped.values():
        first_t, first = hits[0]
        evidence = tuple(replace(e, timestamp=t) for t, f in hits for e in (f.evidence or (Evidence(),)))
        times = ", ".join(clock(t) for t, _ in hits[1:4]) + ("..." if len(hits) > 4 else "")
        also = f" (also at {times})" if len(hits) > 1 else ""
        severity = first.severity
        if first.name in capped and severity is Severity.FAIL:
            severity = Severity.WARN
        merged.append(replace(first, severity=severity, confidence=max(f.confidence for _, f in hits),
                              message=f"at {clock(first_t)}: {first.message}{also}", evidence=evidence))
    return merged
