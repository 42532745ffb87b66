"""Content rules (MC1xx): does the screenshot show the app in use, free of placeholder and temporary content.

The rules read three cached facts of an Analysis: the OCR words, the layout/image features, and (computed here,
once per analysis) the lexicon matches of :mod:`media_check.phrases` and the screen classifier's probabilities of
:mod:`media_check.screen_model`. Text says *what* is written; the classifier says what kind of screen the words
sit on, so a "Sign in" button in the header of an in-use page is not a login screen.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from media_check.analysis import Analysis
from media_check.phrases import Match, allowed_edits, levenshtein, load_lexicon, skeleton, tokens
from media_check.report import Evidence
from media_check.rules.base import AssetContext, Hit, rule
from media_check.words import Word, lines_of, union_box

_LOG_LINE = re.compile(r"^\W{0,3}(\d{1,4}[-/:.]\d{1,2}|\[?\d{2}:\d{2})|(?-i:\b(ERROR|WARN|WARNING|INFO|DEBUG|TRACE|FATAL|"
                       r"E|W|I|D|V)\b[\s:/])")
# A delegate or listener callback's name opening a line (didCacheInterstitial:, shouldRequestAd:, onAdLoaded):
# several of them are an SDK's debug log printed over the screen, code and not copy.
_CALLBACK_LINE = re.compile(r"^\W{0,3}(?:did|will|should|on)[A-Z][A-Za-z]{3,}(?:\s*[:(\[]|[A-Z])")
_MIN_CALLBACK_LINES = 3
# P(in use) below which the classifier does not see a screen as in use (its probability is then split between
# login and splash: a sign-in card with a big logo); chosen on the grouped CV with margin to in-use screens.
_NOT_IN_USE = 0.3
_VALUE_WORDS = frozenset({"undefined", "nan", "null"})
_STANDALONE_ERROR_CODE = re.compile(r"^\W{0,3}(404|500|502|503)\W{0,3}$")
_HINT_PLACEHOLDERS = ("example", "your name here", "john doe", "jane doe")
_PORT = re.compile(r":\d{4,5}(?!\d)")  # a development server's port: localhost:3000, dev:8080
_SIGN_OUT = frozenset(skeleton(t) for t in ("sign out", "log out", "logout"))
# The conventional input hint of an email field ("you@example.com"): a form's hint, not placeholder content.
_HINT_ADDRESS = re.compile(r"^(you|your|yourname|youremail|name|user|username|email|mail|me|someone)@example\.",
                           re.IGNORECASE)


@dataclass
class ContentFacts:
    """What the content rules share about one analysis: phrase matches by category and screen-class scores."""

    matches: list[Match]
    probabilities: dict[str, float] | None
    log_lines: frozenset[int] = frozenset()
    by_category: dict[str, list[Match]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for match in self.matches:
            self.by_category.setdefault(match.category, []).append(match)

    def get(self, *categories: str) -> list[Match]:
        return [m for c in categories for m in self.by_category.get(c, [])]

    def p(self, screen_class: str) -> float | None:
        return None if self.probabilities is None else self.probabilities.get(screen_class, 0.0)


_FACTS: dict[int, tuple[Analysis, ContentFacts]] = {}


def facts_of(analysis: Analysis, probabilities: dict[str, float] | None = None) -> ContentFacts:
    """The content facts of ``analysis``, computed once and kept for the few rules that read them in a row.

    ``probabilities`` replaces the classifier's output (cross-validation scores the rules with out-of-fold ones).
    """
    entry = _FACTS.get(id(analysis))
    if entry is not None and entry[0] is analysis and probabilities is None:
        return entry[1]
    # numpy, which the classifier needs, is loaded when a rule first runs (a warm re-scan runs none)
    from media_check.screen_model import has_image_features, load_model, screen_features

    matches = load_lexicon().find(analysis.words)
    model = load_model()
    if probabilities is None and model is not None and analysis.width and analysis.height \
            and has_image_features(analysis.features):
        values = screen_features(analysis.words, analysis.width, analysis.height, analysis.features, matches)
        probabilities = model.probabilities(values)
    facts = ContentFacts(matches, probabilities, _log_like_lines(analysis.words))
    if len(_FACTS) > 64:
        _FACTS.clear()
    _FACTS[id(analysis)] = (analysis, facts)
    return facts


def _log_like_lines(words: Sequence[Word]) -> frozenset[int]:
    """Lines of a log viewer (timestamps, level tokens), when a screen has several of them."""
    lines = [ln for ln in lines_of(list(words)) if _LOG_LINE.search(ln.text)]
    return frozenset(ln.words[0].line for ln in lines) if len(lines) >= 3 else frozenset()


def _running(ctx: AssetContext, other) -> Mapping[str, Any] | None:
    """The options of ``other`` (a rule) when the policy runs it, None when it does not: a rule leaves a case to
    another only when that one runs (with ``--ignore ad-banner``, an ad creative is splash-screen's again)."""
    if ctx.running is None:
        return other.options
    return ctx.running.get(other.name)


def _evidence(matches: Sequence[Match], limit: int = 6) -> tuple[Evidence, ...]:
    seen: set[tuple] = set()
    out = []
    for match in matches:
        key = (match.text, match.box)
        if key in seen:
            continue
        seen.add(key)
        out.append(Evidence(text=match.text, box=tuple(int(v) for v in match.box)))
        if len(out) == limit:
            break
    return tuple(out)


def _quote(matches: Sequence[Match], limit: int = 3) -> str:
    texts = list(dict.fromkeys(m.text.strip() for m in matches))
    return ", ".join(f"'{t}'" for t in texts[:limit])


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


# ---------------------------------------------------------------------------------------------------------------
@rule(code="MC101", name="login-screen", severity="fail",
      options={"min-probability": 0.5, "min-probability-with-strong-phrase": 0.3},
      needs=("ocr", "features"), marketplace_rule="1")
def login_screen(ctx: AssetContext) -> Iterator[Hit]:
    """The screenshot shows a sign-in, sign-up or account-connection screen instead of the app in use.

    What it checks:
        Phrases of credential screens, in fourteen languages and tolerant of OCR errors: "Forgot password?",
        "Sign in with Google", "Don't have an account?", "Create account", "Verification code", "Connect your
        account", field labels (Email, Password, Username) and buttons (Sign in, Log in, Continue); and the screen
        classifier's probability that the whole screen is a login screen (few words, a centred stack of inputs and
        a button, no app chrome). It fires when the text and the classifier agree: a phrase only credential
        screens carry and a modest probability, or such a phrase on a screen the classifier does not see as in
        use, or field labels and a high probability, or two different field labels and a button on a screen it
        does not see as in use, or a welcome screen offering both account actions (sign in and sign up, "Login"
        and "Register") on a screen it does not see as in use. An in-use page with a "Sign in" button in
        its header, a settings page with an Account row, or a password manager (Password and Login rows next to
        a "Log out" button, or a stored login's E-mail, Password and Website rows) is not a login screen.

    Why it matters:
        Marketplace rule 1: screenshots show the application in use; a screenshot that is merely a login page is
        rejected.

    How to fix:
        Replace it with a screenshot of the app after sign-in, showing what users do with it.

    Options:
        min-probability: classifier probability of "login" needed next to field labels (Email, Password).
        min-probability-with-strong-phrase: probability needed next to a phrase only credential screens carry.
    """
    facts, o = facts_of(ctx.analysis), ctx.options
    strong = facts.get("login.strong")
    fields, buttons = facts.get("login.field"), facts.get("login.cta")
    if any(skeleton(m.phrase) in _SIGN_OUT for m in facts.get("login.signed_in")):
        fields = []  # a session that can be signed out of is in use: its Password / Login rows are content
    if facts.get("vault.rows"):
        fields = []  # a stored credential's rows (E-mail, Password, Website) are a password manager's content
    evidence = _evidence(strong + fields + buttons)
    account_actions = load_lexicon().groups["account_actions"]  # models/phrases.toml
    actions = [m for m in buttons if skeleton(m.phrase) in account_actions]
    p, p_in_use = facts.p("login"), facts.p("in_use")
    if p is None:  # no model: text alone, and only when it is unambiguous
        if len(strong) >= 2 or (strong and fields and buttons):
            yield Hit(f"sign-in phrases {_quote(strong)}", confidence=0.75, evidence=evidence)
        return
    if strong and (p >= o["min-probability-with-strong-phrase"] or p_in_use < _NOT_IN_USE):
        yield Hit(f"a sign-in screen: {_quote(strong)} (screen classifier: login {_pct(p)})",
                  confidence=min(0.99, 0.55 + p / 2), evidence=evidence)
    elif fields and (p >= o["min-probability"]
                     or (len({skeleton(m.phrase) for m in fields}) >= 2 and buttons and p_in_use < _NOT_IN_USE)):
        yield Hit(f"a sign-in form: {_quote(fields + buttons)} (screen classifier: login {_pct(p)})",
                  confidence=min(0.97, 0.45 + p / 2), evidence=evidence)
    elif p_in_use < _NOT_IN_USE and len({account_actions[skeleton(m.phrase)] for m in actions}) == 2:
        yield Hit(f"a welcome screen offering sign-in and sign-up: {_quote(actions)} (screen classifier: login "
                  f"{_pct(p)})", confidence=min(0.95, 0.5 + p / 2), evidence=_evidence(actions))


# ---------------------------------------------------------------------------------------------------------------
@rule(code="MC102", name="splash-screen", severity="fail",
      options={"min-probability": 0.7, "min-probability-with-store-badge": 0.45, "max-words": 40},
      needs=("ocr", "features"), marketplace_rule="1")
def splash_screen(ctx: AssetContext) -> Iterator[Hit]:
    """The screenshot is a splash screen, title art or a logo card, not the app in use.

    What it checks:
        The screen classifier's probability that the image is a splash or title card: little text, one centred mark
        on a plain or gradient background, no rows, boxes, long rules or app chrome (on a screen with no error
        message, the probability of an error screen, which looks the same, counts towards it); store feature
        graphics and marketing title cards with no UI look the same (store badges such as "Get it on Google Play"
        count towards it, and so do the words of title and onboarding cards: a start button such as "Get Started" or
        "Play Game", a "Made with" credit, a version number alone on its line); badges of two stores side by side
        ("Download on the App Store" and "Get it on Google Play") make a marketing card whatever its layout. A
        sparse but real screen (an empty state inside the app's own header and navigation) keeps its chrome and is
        not flagged; an ad creative or interstitial, which looks like a title card too, is left to the ad-banner
        rule.

    Why it matters:
        Marketplace rule 1: a screenshot that is merely title art or a splash screen is rejected.

    How to fix:
        Replace it with a screenshot of a screen where the app is being used; keep logos and taglines for the
        listing's tile and description.

    Options:
        min-probability: classifier probability of "splash" (plus "error" when no error message is read) needed.
        min-probability-with-store-badge: probability needed on a card with store badges ("Get it on Google
            Play", "Download on the App Store"), the mark of marketing title cards, or with a title card's start
            button, credit line or lone version number.
        max-words: a screen with more OCR words than this is not a splash screen.
    """
    facts = facts_of(ctx.analysis)
    p = facts.p("splash")
    if p is not None and not facts.get("error.strong", "error.patterns"):
        p += facts.p("error")  # a sparse, centred screen with no error message is a title card, not an error
    words = [w for w in ctx.analysis.words if w.conf >= 30 and any(c.isalnum() for c in w.text)]
    badges = facts.get("splash.marketing", "splash.title", "splash.patterns")
    needed = ctx.options["min-probability-with-store-badge" if badges else "min-probability"]
    # badges of two stores side by side: a feature graphic or a marketing card, whatever the classifier says
    store_of = load_lexicon().groups["store_badges"]  # models/phrases.toml
    stores = {store_of[skeleton(m.phrase)] for m in facts.get("splash.marketing") if skeleton(m.phrase) in store_of}
    marketing = len(stores) >= 2
    if not marketing and (p is None or p < needed) or len(words) > ctx.options["max-words"]:
        return
    if facts.get("login.strong") and _running(ctx, login_screen) is not None:
        return  # a welcome card with sign-in buttons is the login-screen rule's
    f = ctx.analysis.features
    blank = _running(ctx, blank_screen)
    if blank is not None and _blank_reason(ctx.analysis, blank):
        return  # a blank or loading-only capture is the blank-screen rule's
    if not marketing and _reports_ad(ctx):
        return  # an ad creative or interstitial looks like a title card: the ad-banner rule reports the ad
    if marketing:
        yield Hit(f"a store feature graphic or marketing card: badges of {' and '.join(sorted(stores))}",
                  confidence=0.9, evidence=_evidence(facts.get("splash.marketing")))
        return
    evidence = [Evidence(text=" ".join(w.text for w in words[:12]) or None,
                         box=tuple(int(v) for v in union_box([w.box for w in words])) if words else None)]
    yield Hit(f"a splash or title card: {len(words)} word(s), {_pct(f.get('background_fraction', 0))} plain "
              f"background (screen classifier: splash {_pct(p)})", confidence=min(0.97, p),
              evidence=tuple(e for e in evidence if e.text or e.box))


# ---------------------------------------------------------------------------------------------------------------
@rule(code="MC103", name="placeholder-text", severity="fail",
      options={"min-lorem-words": 3},
      needs=("ocr",), marketplace_rule="2")
def placeholder_text(ctx: AssetContext) -> Iterator[Hit]:
    """The screenshot shows placeholder or template text: lorem ipsum, "YOUR NAME", "John Doe", example.com.

    What it checks:
        Lorem ipsum and its cousins (several distinct words of the lorem-ipsum vocabulary count even when OCR
        missed "lorem"), "placeholder", "sample text", "your text here", "YOUR NAME", John/Jane Doe (and their
        equivalents in ten other languages), example.com addresses, template instructions ("Max 25 characters",
        "... to replace the standard portrait"), filler typed as test data ("bluh bluh", "test test"), and numbered
        dummy rows ("Title 0", "Title 1", "Title 2"). On a sign-in form, an example address inside an
        input is a hint, not content, and is left to the login-screen rule; on an error page (a 404 with a
        template footer) the error is the finding, and is left to the error-screen rule.

    Why it matters:
        Marketplace rule 2: no placeholder text or other temporary content anywhere in the submission.

    How to fix:
        Fill the screen with realistic data (names, projects, values) before capturing it.

    Options:
        min-lorem-words: distinct lorem-ipsum words that make a screen's copy placeholder text.
    """
    facts = facts_of(ctx.analysis)
    strong = facts.get("placeholder.strong")
    patterns = facts.get("placeholder.patterns")
    lorem = facts.get("placeholder.lorem")
    numbered = [m for m in patterns if re.match(r"^\s*\w+\s*[#_-]?\s*\d{1,2}\s*$", m.phrase)]
    others = [m for m in patterns if m not in numbered and not any(_HINT_ADDRESS.match(w.text) for w in m.words)]
    found = strong + others
    if len({m.phrase.strip().lower().rstrip("0123456789 #_-") for m in numbered}) >= 1 and \
            len({m.phrase for m in numbered}) >= 3:
        found += numbered
    distinct_lorem = {m.phrase for m in lorem}
    if len(distinct_lorem) >= ctx.options["min-lorem-words"]:
        found += lorem
    if not found:
        return
    p_error = facts.p("error")
    if p_error is not None and p_error >= 0.5 and _running(ctx, error_screen) is not None and \
            any(m.words[0].line not in facts.log_lines for m in facts.get("error.strong", "error.patterns")):
        return  # an error page: the error-screen rule reports it; its template footer is not the screen's content
    if facts.p("login") is not None and facts.p("login") >= 0.5 and facts.get("login.strong", "login.field") and \
            _running(ctx, login_screen) is not None:
        found = [m for m in found if not any(h in m.phrase.lower() for h in _HINT_PLACEHOLDERS)]
        if not found and len(distinct_lorem) < ctx.options["min-lorem-words"]:
            return
    if not found:
        return
    lorem_like = any("lorem" in m.phrase.lower() or "ipsum" in m.phrase.lower() for m in found) or \
        len(distinct_lorem) >= ctx.options["min-lorem-words"]
    yield Hit(f"placeholder text {_quote(found)}", confidence=0.95 if lorem_like else 0.85,
              evidence=_evidence(found))


# ---------------------------------------------------------------------------------------------------------------
@rule(code="MC104", name="non-production", severity="fail",
      options={"min-ribbon-score": 0.18},
      needs=("ocr", "features"), marketplace_rule="3")
def non_production(ctx: AssetContext) -> Iterator[Hit]:
    """The screenshot carries a non-production mark: demo, beta, trial, test, staging, dev, localhost, DEBUG.

    What it checks:
        Phrases such as "demo mode", "beta version", "test environment", "sandbox mode", "trial version"; hosts
        and addresses of non-production back ends (localhost, 127.0.0.1, staging.* / dev.* hosts, .local / .test);
        version strings ending in -beta / -dev / -SNAPSHOT; a mark word (BETA, DEMO, STAGING, DEV, DEBUG, TEST,
        SANDBOX, PREVIEW) standing alone in capitals near the top or bottom edge; an SDK's debug log printed over
        the screen (three or more lines opening with callback names: didCacheInterstitial:, onAdLoaded); and a
        diagonal ribbon across a top corner (the DEBUG banner of Flutter debug builds, BETA/STAGING ribbons). Ordinary words are not marks:
        "Test results", "Sample ID", a "Debug" row in settings, a log viewer's DEBUG level column.

    Why it matters:
        Marketplace rule 3: only final versions are listed; nothing marked demo, beta, trial, preview or test, and
        back-end services set to production.

    How to fix:
        Capture the screens from a release build connected to production, with no debug banner or test marks.

    Options:
        min-ribbon-score: contrast score (0-1) of a corner ribbon that counts as a mark.
    """
    analysis, facts = ctx.analysis, facts_of(ctx.analysis)
    found = [m for m in facts.get("nonprod.strong", "nonprod.patterns") if m.words[0].line not in facts.log_lines]
    if _reports_ad(ctx):  # "Test mode" labels a test ad unit: the ad-banner rule reports it
        found = [m for m in found if skeleton(m.phrase) != skeleton("test mode")]
    height = analysis.height or 1
    for match in facts.get("nonprod.badge"):
        if match.words[0].line in facts.log_lines:
            continue
        if _in_host_name(match) or _is_edge_badge(match, analysis, height):
            found.append(match)
    callbacks = [ln for ln in lines_of(list(analysis.words)) if _CALLBACK_LINE.match(ln.text)]
    if len(callbacks) >= _MIN_CALLBACK_LINES:
        found += [Match("nonprod.debug_log", ln.text, ln.words) for ln in callbacks[:2]]
    f = analysis.features
    ribbon = f.get("corner_ribbon", 0.0)
    if ribbon >= ctx.options["min-ribbon-score"]:
        size = int(f.get("corner_ribbon_size", 0))
        box = (int(f.get("corner_ribbon_x", 0)), int(f.get("corner_ribbon_y", 0)), size, size)
        yield Hit("a ribbon across the top corner (a DEBUG/BETA banner)"
                  + (f" and {_quote(found)}" if found else ""), confidence=min(0.95, 0.6 + ribbon),
                  evidence=(Evidence(text="corner ribbon", box=box), *_evidence(found)))
    elif found:
        yield Hit(f"non-production mark {_quote(found)}", confidence=0.9, evidence=_evidence(found))


def _in_host_name(match: Match) -> bool:
    """The mark word is a label of a host name (staging.example.com, https://dev-api.io, localhost:3000), not a
    path or an email."""
    folded = match.words[0].text.casefold()
    target = skeleton(match.phrase)
    for found in re.finditer(r"[^\W_]+", folded):
        part = found.group(0)
        if not tokens(part) or levenshtein(skeleton(part), target, allowed_edits(len(target))) > \
                allowed_edits(len(target)):
            continue
        after = folded[found.end():found.end() + 2]
        before = folded[:found.start()]
        after_scheme = before.endswith(("//", ":/"))
        if "@" in before[-30:] or (before.endswith("/") and not after_scheme):
            continue  # an email's user name or a path segment
        if len(after) == 2 and after[0] in ".-" and after[1].isalnum() or _PORT.match(folded, found.end()):
            return True  # a label of a host name, or a host with its port (localhost:3000)
    return False


def _is_edge_badge(match: Match, analysis: Analysis, height: int) -> bool:
    """A mark word alone on its line, in capitals, near the top or bottom edge (a badge or banner)."""
    line = [w for w in analysis.words if w.line == match.words[0].line]
    letters = [c for c in match.text if c.isalpha()]
    if len(line) > 2 or len(letters) < 2 or not all(c.isupper() for c in letters):
        return False
    y = match.box[1] + match.box[3] / 2
    return y < 0.12 * height or y > 0.92 * height


# ---------------------------------------------------------------------------------------------------------------
@rule(code="MC105", name="ad-banner", severity="fail",
      options={"min-score": 1.0},
      needs=("ocr",), marketplace_rule="4")
def ad_banner(ctx: AssetContext) -> Iterator[Hit]:
    """The screenshot shows an ad: a banner, an interstitial, a native ad unit or a test ad.

    What it checks:
        The labels and copy of ad units: "Test Ad", Google's demo creatives ("Nice job! This is a 320x50 test
        ad.", "Flood-It!"), "Sponsored", "Advertisement", AdChoices, "Ads by Google", ad SDK test labels; IAB
        standard sizes written in the creative (320x50, 300x250, 728x90, ...); an "Ad" badge opening a line, and
        an ad's call to action next to it (Install, Open, Learn more). Strong labels count 1, weaker ones 0.5
        ("Nice job!", "Test mode", an IAB size, the badge, its call to action); the rule fires at ``min-score``. Words about ads are not ads: "Add item", "No ads", a consent dialog that talks about ads.

    Why it matters:
        Marketplace rule 4: the integration must not show ad banners or test advertisements.

    How to fix:
        Capture the screens from a build with ads turned off (or an ad-free account), and never with test ads.

    Options:
        min-score: evidence needed (a strong label counts 1, a weak one 0.5).
    """
    score, found = _ad_evidence(ctx.analysis)
    if score >= ctx.options["min-score"]:
        yield Hit(f"an ad unit: {_quote(found)}", confidence=min(0.98, 0.6 + 0.15 * score),
                  evidence=_evidence(found))


def _reports_ad(ctx: AssetContext) -> bool:
    """Whether the ad-banner rule runs and reports an ad on this screen."""
    options = _running(ctx, ad_banner)
    return options is not None and _ad_evidence(ctx.analysis)[0] >= options["min-score"]


def _ad_evidence(analysis: Analysis) -> tuple[float, list[Match]]:
    """How much ad evidence a screen carries (a strong label 1, a weak one 0.5) and the matches behind it."""
    facts = facts_of(analysis)
    strong = facts.get("ad.strong")
    medium = facts.get("ad.medium") + facts.get("ad.patterns")
    by_line: dict[int, list[Word]] = {}
    for word in analysis.words:
        by_line.setdefault(word.line, []).append(word)
    # An "Ad" badge opens its line (or stands alone); next to an ad's call to action it is an ad unit.
    badges = []
    for line in by_line.values():
        # stray marks OCR reads before a badge (a menu icon as "=", a border as "|") do not count
        first = next((w for w in line if any(c.isalnum() for c in w.text)), None)
        if first is not None and first.text.strip(".:|[]()") in ("Ad", "AD"):
            badges = [Match("ad.badge", "Ad", (first,))]
            break
    cta = facts.get("ad.cta")[:1] if badges else []
    score = len(strong) + 0.5 * len({m.phrase for m in medium}) + 0.5 * len(badges) + 0.5 * len(cta)
    return score, strong + medium + badges + cta


# ---------------------------------------------------------------------------------------------------------------
@rule(code="MC106", name="broken-template", severity="fail",
      needs=("ocr",), marketplace_rule="2, 6")
def broken_template(ctx: AssetContext) -> Iterator[Hit]:
    """The screenshot shows unrendered or broken output: {{name}}, ${var}, %s, [object Object], undefined, NaN.

    What it checks:
        Template markers left unrendered ({{user.name}}, ${count}, <%= x %>, %s, %1$s), values that leaked from
        code ([object Object], undefined, NaN, a lone null, Invalid Date, Type.Name{...} and class@1a2b3c dumps).
        Text of an error message (a stack trace's "TypeError: x is undefined"; on an error screen, any lone
        undefined / NaN / null) belongs to the error-screen rule and does not count here.

    Why it matters:
        Marketplace rules 2 and 6: no temporary content, and no broken or misleading screenshots.

    How to fix:
        Fix the rendering (or the test data) so every value shows as a user would see it, then capture again.

    Options:
        (none)
    """
    facts = facts_of(ctx.analysis)
    errors = facts.get("error.strong", "error.patterns")
    error_lines = {m.words[0].line for m in errors}
    found = [m for m in facts.get("broken.patterns")
             if m.words[0].line not in error_lines and m.words[0].line not in facts.log_lines]
    if errors:  # on an error screen, "undefined" and "NaN" are words of the error message, not rendered values
        found = [m for m in found if m.phrase.strip(" :").lower() not in _VALUE_WORDS]
    lone_null = [m for m in found if m.phrase.strip().lower() == "null"]
    if found and len(lone_null) == 1 == len(found) and _real_word_count(ctx.analysis.words) >= _DENSE_SCREEN_WORDS:
        return  # one lone "null" among a screen of real copy is too weak alone (a headline, a name, a value)
    if found:
        yield Hit(f"unrendered or broken output {_quote(found)}", confidence=0.9, evidence=_evidence(found))


_DENSE_SCREEN_WORDS = 20  # real words (three or more letters, read with confidence) that make a screen dense


def _real_word_count(words: Sequence[Word]) -> int:
    return sum(1 for w in words if w.conf >= 60 and sum(c.isalpha() for c in w.text) >= 3)


# ---------------------------------------------------------------------------------------------------------------
@rule(code="MC107", name="error-screen", severity="fail",
      options={"min-code-height": 0.04},
      needs=("ocr", "features"), marketplace_rule="6")
def error_screen(ctx: AssetContext) -> Iterator[Hit]:
    """The screenshot shows an error: a 404/500 page, "Something went wrong", no connection, a crash or a trace.

    What it checks:
        Error messages in eleven languages ("Something went wrong", "Page not found", "No internet connection",
        "Unable to connect", "Failed to load", "has stopped", "Oops"), HTTP error codes written as such ("404 - Page
        not found", a large lone 404), exception lines and stack-trace frames. A log viewer full of ERROR rows is
        the app in use: lines that look like log entries (timestamps, level columns) do not count, nor do lone
        words such as "error" or "crash".

    Why it matters:
        Marketplace rule 6: screenshots must not be misleading or broken; an error screen shows nothing of the app.

    How to fix:
        Capture the screen again once the app has loaded its content without errors.

    Options:
        min-code-height: a lone 404/500 counts when its text is at least this share of the image height.
    """
    analysis, facts = ctx.analysis, facts_of(ctx.analysis)
    found = [m for m in facts.get("error.strong", "error.patterns") if m.words[0].line not in facts.log_lines]
    height = analysis.height or 1
    for line in lines_of(analysis.words):
        if _STANDALONE_ERROR_CODE.match(line.text) and line.box[3] >= ctx.options["min-code-height"] * height:
            found.append(Match("error.code", line.text, line.words))
    if not found:
        return
    p = facts.p("error")
    confidence = 0.9 if p is None else min(0.98, 0.75 + p / 4)
    yield Hit(f"an error message {_quote(found)}" + (f" (screen classifier: error {_pct(p)})" if p else ""),
              confidence=confidence, evidence=_evidence(found))


# ---------------------------------------------------------------------------------------------------------------
@rule(code="MC108", name="blank-screen", severity="fail",
      options={"max-grey-std": 6.0, "min-dominant-fraction": 0.985, "max-words": 2, "max-spinner-fraction": 0.005},
      needs=("features", "ocr"), marketplace_rule="2, 6")
def blank_screen(ctx: AssetContext) -> Iterator[Hit]:
    """The screenshot is blank, nearly empty, or shows only a loading spinner.

    What it checks:
        The image's grey-level spread and the share of its most common grey level, together with the number of
        words OCR finds: a uniform image; one almost entirely one colour with at most ``max-words`` words and no
        mark bigger than a spinner (a logo or a name makes it a splash card, the splash-screen rule's); and a
        loading-only screen: "Loading..." and a small mark on a plain background.

    Why it matters:
        Marketplace rules 2 and 6: no empty pages, and no screenshots that show nothing of the app. A blank or
        loading capture usually means the app had not finished rendering.

    How to fix:
        Capture the screen again once the app has loaded its content.

    Options:
        max-grey-std: grey-level standard deviation below which an image is uniform.
        min-dominant-fraction: share of the most common grey level above which an image is nearly empty.
        max-words: at most this many OCR words on a nearly empty image.
        max-spinner-fraction: largest share of the image the one mark of a nearly empty screen covers (a spinner);
            a larger mark is a logo, and the screen a splash card.
    """
    found = _blank_reason(ctx.analysis, ctx.options)
    if found:
        message, confidence, words = found
        yield Hit(message, confidence=confidence, evidence=tuple(Evidence(text=w.text, box=w.box) for w in words))


def _blank_reason(analysis: Analysis, o) -> tuple[str, float, list[Word]] | None:
    f = analysis.features
    if not f:
        return None
    words = [w for w in analysis.words if any(c.isalnum() for c in w.text)]
    loading_only = all(skeleton(w.text).startswith(("loading", "pleasewalt", "walt")) for w in words)
    named = any(sum(c.isalpha() for c in w.text) >= 3 for w in words) and not loading_only
    if f["grey_std"] < o["max-grey-std"]:
        return f"the image is a single flat colour (grey-level spread {f['grey_std']:.1f})", 0.98, []
    count = len(words) if analysis.words else int(f.get("word_count", 0))
    # A name, a title or a logo-sized mark on an empty background is a splash or logo card (splash-screen's).
    mark = f.get("largest_blob_fraction", 0.0)
    if f["dominant_grey_fraction"] >= o["min-dominant-fraction"] and count <= o["max-words"] and not named \
            and mark <= o["max-spinner-fraction"]:
        share = f["dominant_grey_fraction"] * 100
        return f"{share:.1f}% of the image is one colour and it has {count} word(s)", 0.9, words
    if words and loading_only and f.get("foreground_fraction", 1.0) <= 0.03 and f.get("blob_count", 99) <= 3:
        return "only a loading indicator on a plain background", 0.85, words
    return None


RULES = (login_screen, splash_screen, placeholder_text, non_production, ad_banner, broken_template, error_screen,
         blank_screen)
