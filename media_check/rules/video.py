"""Preview video rules (MC5xx): format, duration, resolution, frame rate, and whether the preview shows the app.

These rules see the video's own Analysis (``kind == "video"``). The content rules run on each keyframe
separately (:mod:`media_check.preview`); ``preview-not-in-use`` weighs what they found, by the time each keyframe
stands for, from ``ctx.extras["keyframes"]``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from media_check.report import Evidence
from media_check.rules.base import LISTING, AssetContext, Hit, ListingContext, rule

_FORMAT_NAMES = {"mp4": "MP4", "mov": "MOV", "webm": "WebM"}


@dataclass(frozen=True)
class KeyframeFindings:
    """What the asset rules found on one keyframe: its time, the time it stands for, and the rule names."""

    timestamp: float
    span: float
    rules: frozenset[str]


def clock(seconds: float) -> str:
    """``75.5`` -> ``"1:15.5"``."""
    minutes, rest = divmod(max(seconds, 0.0), 60)
    return f"{int(minutes)}:{rest:04.1f}"


def _video(ctx: AssetContext) -> bool:
    return ctx.analysis.kind == "video" and not ctx.analysis.error


@rule(code="MC501", name="video-format", severity="fail", options={"allowed": ["mp4", "mov"]},
      needs=("structure",), marketplace_rule="Procore listing guide: one video, MP4 or MOV")
def video_format(ctx: AssetContext) -> Iterator[Hit]:
    """The preview video is not in a format the marketplace accepts.

    What it checks:
        The container read from the file's bytes (never its extension) against ``allowed`` (Procore: MP4, MOV).
        WebM files are decoded and checked like the others, then reported here.

    Why it matters:
        The Procore listing guide accepts one video, as MP4 or MOV; other containers are refused at upload.

    How to fix:
        Export or convert the preview to MP4 (H.264).

    Options:
        allowed: accepted containers (mp4, mov, webm).
    """
    fmt = ctx.analysis.format
    if _video(ctx) and fmt and fmt not in ctx.options["allowed"]:
        names = " or ".join(_FORMAT_NAMES.get(a, a.upper()) for a in ctx.options["allowed"])
        yield Hit(f"{_FORMAT_NAMES.get(fmt, fmt)} video; the marketplace accepts {names}",
                  evidence=(Evidence(text=fmt),))


@rule(code="MC502", name="video-duration", severity="fail", options={"min-seconds": 30.0, "max-seconds": 90.0},
      needs=("structure",), marketplace_rule="Procore listing guide: video 30 to 90 seconds")
def video_duration(ctx: AssetContext) -> Iterator[Hit]:
    """The preview video is shorter or longer than the marketplace allows.

    What it checks:
        The duration measured while decoding (the container's own figure is not trusted: a zero timescale or an
        impossible frame count is common in broken files) against ``min-seconds`` and ``max-seconds`` (Procore:
        30 to 90 s).

    Why it matters:
        The Procore listing guide asks for a 30 to 90 second video: shorter ones cannot show the core experience,
        longer ones lose the buyer.

    How to fix:
        Edit the preview to between 30 and 90 seconds of the app in use.

    Options:
        min-seconds, max-seconds: the accepted range.
    """
    a, o = ctx.analysis, ctx.options
    if not _video(ctx) or a.duration is None:
        return
    shown = f"{a.duration:.1f} s" if a.duration >= 1 else f"{a.duration:.2f} s"
    if a.duration < o["min-seconds"]:
        yield Hit(f"the video lasts {shown}; at least {o['min-seconds']:g} s are required",
                  evidence=(Evidence(text=shown),))
    elif a.duration > o["max-seconds"]:
        yield Hit(f"the video lasts {shown}; at most {o['max-seconds']:g} s are allowed",
                  evidence=(Evidence(text=shown),))


@rule(code="MC503", name="video-resolution", severity="fail", options={"min-short-side": 720},
      needs=("structure",), marketplace_rule="Procore listing guide: video at least 720p")
def video_resolution(ctx: AssetContext) -> Iterator[Hit]:
    """The preview video's resolution is below the marketplace's minimum.

    What it checks:
        The shorter side of the decoded frames (after rotation metadata is applied) against ``min-short-side``
        (Procore: 720, i.e. at least 720p: 1280x720 landscape or 720x1280 portrait).

    Why it matters:
        The Procore listing guide asks for at least 720p; below that, UI text in the preview is unreadable.

    How to fix:
        Record or export the preview at 1280x720 or more (1920x1080 is best).

    Options:
        min-short-side: the minimum of the shorter side, in pixels.
    """
    a = ctx.analysis
    if not _video(ctx) or not a.width or not a.height:
        return
    if min(a.width, a.height) < ctx.options["min-short-side"]:
        yield Hit(f"the video is {a.width}x{a.height}; at least {ctx.options['min-short-side']}p is required",
                  evidence=(Evidence(text=f"{a.width}x{a.height}"),))


@rule(code="MC504", name="video-frame-rate", severity="warn", options={"min-fps": 1.0, "max-fps": 120.0},
      needs=("structure",), marketplace_rule="6 (previews must not be broken)")
def video_frame_rate(ctx: AssetContext) -> Iterator[Hit]:
    """The preview video's frame rate is unknown, or outside a sensible range.

    What it checks:
        The frame rate (from the container when plausible, else measured from the frames' times) against
        ``min-fps`` and ``max-fps``. A screen recording at 2 fps is fine; below 1 fps a video is a slideshow of
        stills, above 120 fps it is usually a broken header; a rate that cannot be determined is reported too.

    Why it matters:
        Marketplace rule 6: previews must not be misleading or broken. An impossible frame rate makes players
        stutter or refuse the file.

    How to fix:
        Re-export the preview at a standard frame rate (24, 25, 30 or 60 fps).

    Options:
        min-fps, max-fps: the accepted range.
    """
    a, o = ctx.analysis, ctx.options
    if not _video(ctx):
        return
    if a.fps is None:
        yield Hit("the frame rate cannot be determined from the file", confidence=0.8)
    elif a.fps < o["min-fps"] or a.fps > o["max-fps"]:
        yield Hit(f"{a.fps:g} fps is outside {o['min-fps']:g}-{o['max-fps']:g} fps",
                  evidence=(Evidence(text=f"{a.fps:g} fps"),))


@rule(code="MC505", name="preview-not-in-use", severity="fail",
      options={"max-share": 0.5, "screens": ["login-screen", "splash-screen", "placeholder-text", "blank-screen"]},
      needs=("ocr", "features"), marketplace_rule="1, 6 (previews show the app in use, not splash or login)")
def preview_not_in_use(ctx: AssetContext) -> Iterator[Hit]:
    """Most of the preview video shows splash, login, placeholder or blank screens instead of the app in use.

    What it checks:
        The content rules run on every keyframe of the video (scene changes, spread over the whole length). This
        rule adds up the time of the keyframes on which any of the ``screens`` rules fired (login-screen,
        splash-screen, placeholder-text, blank-screen) and reports the video when that share of the analysed
        time is over ``max-share``. Those rules' findings on single keyframes are shown as warnings with their
        timestamps: a preview may open on a title card or pass through sign-in briefly.

    Why it matters:
        Marketplace rules 1 and 6: media show the application in use; title art, login pages and splash screens
        are refused, and a preview that is mostly such screens tells the buyer nothing about the app.

    How to fix:
        Cut the intro, sign-in and title cards down to a few seconds, and show the app's core screens in use.

    Options:
        max-share: the share of the video (0 to 1) that may show such screens.
        screens: rules whose findings make a keyframe "not in use" (names or codes).
    """
    if not _video(ctx):
        return
    keyframes: tuple[KeyframeFindings, ...] = tuple(ctx.extras.get("keyframes", ()))
    total = sum(k.span for k in keyframes)
    if not keyframes or total <= 0:
        return
    wanted = rule_names(ctx.options["screens"])
    flagged = [k for k in keyframes if k.rules & wanted]
    share = sum(k.span for k in flagged) / total
    if share > ctx.options["max-share"]:
        parts = ", ".join(f"{clock(k.timestamp)} {'/'.join(sorted(k.rules & wanted))}" for k in flagged[:6])
        more = f" and {len(flagged) - 6} more" if len(flagged) > 6 else ""
        yield Hit(f"{share:.0%} of the preview shows no app in use ({len(flagged)} of {len(keyframes)} keyframes: "
                  f"{parts}{more})", confidence=min(0.99, 0.6 + share * 0.4),
                  evidence=tuple(Evidence(text="/".join(sorted(k.rules & wanted)), timestamp=k.timestamp)
                                 for k in flagged))


def rule_names(tokens: list[str]) -> frozenset[str]:
    """The rule names of ``tokens`` (names or codes; an unknown token is kept as written)."""
    from media_check.rules import find  # the registry imports this module

    names = set()
    for token in tokens:
        found = find(token)
        names.add(found.name if found else token)
    return frozenset(names)


@rule(code="MC506", name="too-many-videos", severity="fail", options={"max-count": 1}, scope=LISTING,
      needs=("structure",), marketplace_rule="Procore listing guide: one video")
def too_many_videos(ctx: ListingContext) -> Iterator[Hit]:
    """The listing has more preview videos than the marketplace accepts.

    What it checks:
        The number of videos in the listing (its listing file's ``media.video``, or the videos of a listing
        folder) against ``max-count`` (Procore: 1).

    Why it matters:
        The Procore listing guide accepts one video per listing; extra videos are dropped, and it is not your
        choice which one stays.

    How to fix:
        Keep the one video that best shows the app in use.

    Options:
        max-count: the maximum number of videos.
    """
    videos = [a for a in ctx.assets if a.analysis.kind == "video"]
    if len(videos) > ctx.options["max-count"]:
        yield Hit(f"{len(videos)} videos in {ctx.path}; at most {ctx.options['max-count']} is accepted",
                  evidence=tuple(Evidence(text=a.path) for a in videos))


RULES = (video_format, video_duration, video_resolution, video_frame_rate, preview_not_in_use, too_many_videos)
