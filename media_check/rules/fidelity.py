"""Fidelity rules (MC2xx): does each screenshot show the live app as it is today, and something new each time.

``not-from-live-app`` and ``stale-screenshot`` read the live-app comparison the scan made for the asset
(``scan --live DIR`` or ``--live-url URL``: :mod:`media_check.live`); without live captures they do not run.
``duplicate-asset`` compares the listing's screenshots with each other and needs nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator

from media_check.report import Evidence
from media_check.rules.base import LISTING, AssetContext, Hit, ListingContext, rule
from media_check.similarity import signature_distance, unpack_signature, word_overlap

MATCH_KEY = "live_match"  # where the scan puts an asset's live comparison (a media_check.live.MatchResult)


@rule(code="MC201", name="not-from-live-app", severity="fail", needs=("live",), marketplace_rule="5")
def not_from_live_app(ctx: AssetContext) -> Iterator[Hit]:
    """The screenshot shows nothing the live app shows: no capture of the live app lines up with it.

    What it checks:
        The screenshot's app screen (found inside any device frame, browser window, caption or padding) is
        looked up among the live captures by perceptual hashes, then checked geometrically (ORB features and a
        similarity transform) and structurally against the closest ones. It fires when no capture aligns with
        it and none shares its chrome, nor (for a redesign that moved everything) its labels: a mock-up, another
        app, or a screen the live app no longer has.

    Why it matters:
        Marketplace rule 5: screenshots must accurately reflect the integration's core experience. A screenshot
        that matches nothing in the live app misleads buyers about what they install.

    How to fix:
        Replace it with a capture of the live app (``media-check capture URL --out DIR`` takes one), or, if the
        screen exists, add its capture to the live set so it can be compared.
    """
    result = ctx.extras.get(MATCH_KEY)
    if result is None or result.status != "unmatched":
        return
    closest = f"; the closest capture, {result.closest.path}, does not line up with it" if result.closest else ""
    yield Hit(f"nothing in the live app matches this screenshot{closest}", confidence=0.8)


@rule(code="MC202", name="stale-screenshot", severity="fail", needs=("live",), marketplace_rule="5")
def stale_screenshot(ctx: AssetContext) -> Iterator[Hit]:
    """The screenshot shows a screen of the live app as it used to be: its UI has changed since.

    What it checks:
        The screenshot is aligned on its closest live capture and the two are compared where the drawing
        differs. Cosmetic differences are ignored: the status bar (clock, battery), compression and scaling,
        values that changed in place (numbers, dates, a data row), reflowed text, prose and pictures (covers,
        photos). What remains is structural (a control or icon added or removed, a moved or resized block, a
        different layout): when it covers more than about 0.15% of the screen (a button; an element added or
        removed counts double an altered one), the screenshot is stale. The changed regions are the evidence
        (boxes in the screenshot's pixels); ``--diff-dir`` writes a side-by-side image of each stale pair for a
        reviewer.

    Why it matters:
        Marketplace rule 5: listing media must be kept up to date as new versions ship. A screenshot of an old
        UI shows buyers controls and layouts they will not find.

    How to fix:
        Capture the screen again from the live app and replace the screenshot (keep the same frame or caption
        if you like; they are ignored by the comparison).
    """
    result = ctx.extras.get(MATCH_KEY)
    if result is None or result.status != "stale":
        return
    evidence = tuple(Evidence(box=tuple(int(v) for v in box)) for box in result.changed_regions[:20])
    closest = result.closest.path if result.closest else "the live app"
    confidence = 0.75 if result.similarity >= 0.5 else 0.6
    yield Hit(f"the live app's screen has changed since this screenshot ({result.reason}; compared with "
              f"{closest})", confidence=confidence, evidence=evidence)


@rule(code="MC203", name="duplicate-asset", severity="warn",
      options={"max-distance": 16, "sparse-edge-density": 0.015, "min-shared-words": 0.5},
      needs=("hashes",), scope=LISTING, marketplace_rule="6")
def duplicate_asset(ctx: ListingContext) -> Iterator[Hit]:
    """Two screenshots of the listing show the same screen.

    What it checks:
        Every pair of screenshots in a listing folder, by perceptual hashes of the app screen found inside each
        (device frame, browser window, caption and padding set aside), compared the way a screenshot is looked
        up among live captures: each image's screen guesses against the other's screen and crops of it; for
        sparse screens, whose hashes say little, their OCR words must agree too. A resized, re-encoded,
        re-framed, re-captioned or slightly cropped copy is caught; a different screen of the same app, even
        with the same sidebar and header, or a sparse screen with the same layout and other words, is not. The
        later screenshot (in file order) gets the finding.

    Why it matters:
        Marketplace rule 6: the same screen twice passes for nothing, and the marketplace wants each image to show
        something new about the app.

    How to fix:
        Replace the duplicate with a screenshot of another core screen of the app.

    Options:
        max-distance: summed Hamming distance of pHash, dHash and wHash (0 to 192) at or below which two screens
            are the same (distinct screens of one app are typically 30 or more apart).
        sparse-edge-density: below this share of edge pixels a screenshot is sparse (a few lines on a plain
            background) and its hashes say little: the words must agree too.
        min-shared-words: for sparse screenshots with two or more distinctive OCR words each, the share of the
            smaller set they must have in common (a caption adds words; another screen has other words).
    """
    shots = []
    for asset in ctx.assets:
        a = asset.analysis
        if a.kind == "screenshot" and not a.error and "screen_entries" in a.hashes and "screen_guesses" in a.hashes:
            shots.append((asset.path, unpack_signature(a.hashes["screen_entries"]),
                          unpack_signature(a.hashes["screen_guesses"])))
    texts = {asset.path: set(asset.analysis.hashes.get("text", "").split()) for asset in ctx.assets}
    edges = {asset.path: asset.analysis.features.get("edge_density", 1.0) for asset in ctx.assets}
    for i, (path, entries, guesses) in enumerate(shots):
        for earlier, earlier_entries, earlier_guesses in shots[:i]:
            distance = signature_distance(entries, guesses, earlier_entries, earlier_guesses)
            if distance > ctx.options["max-distance"]:
                continue
            # Sparse screens (a few lines on a plain background) hash alike whatever they say: there, the words
            # decide. (Dense screens are told apart by their drawing; their OCR words suffer from resizing.)
            mine, theirs = texts.get(path, set()), texts.get(earlier, set())
            sparse = min(edges[path], edges[earlier]) < ctx.options["sparse-edge-density"]
            if sparse and len(mine) >= 2 and len(theirs) >= 2 and \
                    word_overlap(mine, theirs)[0] < ctx.options["min-shared-words"]:
                continue
            yield Hit(f"shows the same screen as {earlier} (screen hash distance {distance})",
                      confidence=0.9 if distance <= ctx.options["max-distance"] // 2 else 0.75, path=path)
            break


RULES = (not_from_live_app, stale_screenshot, duplicate_asset)
