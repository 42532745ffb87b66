"""Metadata rules (MC4xx): the listing file's text, pricing, support, category, logo and media entries.

Every rule here is listing-scope and reads the parsed listing file from ``ctx.extras["listing"]`` (a
:class:`media_check.listing.Listing`); without a listing file they have nothing to check and yield nothing.
A finding about one media file (the logo) names that file (``Hit.path``) so it lands on that asset's verdict.
"""

from __future__ import annotations

import difflib
import functools
import ipaddress
import os
import re
import tomllib
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from media_check.listing import Listing, ListingData
from media_check.report import Evidence
from media_check.rules.base import LISTING, Hit, ListingContext, rule

MODELS = Path(os.environ.get("MEDIA_CHECK_MODELS", Path(__file__).resolve().parents[2] / "models"))


def _listing(ctx: ListingContext) -> Listing | None:
    listing = ctx.extras.get("listing")
    return listing if isinstance(listing, Listing) else None


def _data(ctx: ListingContext) -> ListingData | None:
    listing = _listing(ctx)
    return listing.data if listing else None


def _clip(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- the listing file and its media entries --------------------------------------------------------------------------

@rule(code="MC401", name="invalid-listing-file", severity="error", scope=LISTING,
      marketplace_rule="7-12 (the listing metadata cannot be checked)")
def invalid_listing_file(ctx: ListingContext) -> Iterator[Hit]:
    """The listing file cannot be read, parsed or validated, so the listing's metadata was not checked.

    What it checks:
        That ``listing.yaml`` / ``listing.json`` is a readable UTF-8 file under the size limit, valid YAML or
        JSON without aliases or duplicate keys, and matches the listing schema (``docs/listing.schema.json``):
        no unknown key, every value of the right type, ``pricing.model`` one of free, paid, requires-purchase.
        Each problem is reported with where it is (``media.screenshots[1]: unknown key 'captoin'``).

    Why it matters:
        Marketplace rules 7 to 12 are checked from the listing file; a misspelt key would otherwise be ignored
        silently and the field it was meant to fill reported as missing, or never checked at all.

    How to fix:
        Correct the listing file at the place named in the message (see docs/listing.md for every key).
    """
    listing = _listing(ctx)
    if listing is None:
        return
    for error in listing.errors:
        yield Hit(f"{listing.display}: {error}", evidence=(Evidence(text=error),))


@rule(code="MC402", name="media-outside-listing", severity="error", scope=LISTING,
      marketplace_rule="6 (media must be the listing's own files)")
def media_outside_listing(ctx: ListingContext) -> Iterator[Hit]:
    """A media entry of the listing file points outside the listing folder; the file was refused, never read.

    What it checks:
        Every path under ``media`` (screenshots, video, logo): absolute paths, ``..`` components, URLs and
        symbolic links that lead out of the folder holding the listing file are refused before anything is
        opened.

    Why it matters:
        The listing's media are the files submitted with it (rule 6: nothing misleading or broken). A path such as
        ``../../etc/passwd`` is either a mistake or an attempt to make the checker read a file it should not.

    How to fix:
        Put the file inside the listing folder and name it relative to that folder (``screens/01-dashboard.png``).
    """
    listing = _listing(ctx)
    if listing is None:
        return
    for entry in listing.entries:
        if entry.refused:
            yield Hit(f"{entry.where} '{entry.raw}' refused: {entry.refused}",
                      evidence=(Evidence(text=f"{entry.where}: {entry.raw}"),))


@rule(code="MC403", name="missing-media-file", severity="fail", scope=LISTING,
      marketplace_rule="6 (a listed file must exist)")
def missing_media_file(ctx: ListingContext) -> Iterator[Hit]:
    """A media entry of the listing file names a file that does not exist in the listing folder.

    What it checks:
        Every path under ``media``: it must be a regular file inside the listing folder (not missing, not a
        folder, not a device or pipe).

    Why it matters:
        A listing whose screenshot, video or logo is missing is broken in the marketplace (rule 6), and the
        file that was meant cannot be checked.

    How to fix:
        Add the file, or correct its path (paths are relative to the folder of the listing file).
    """
    listing = _listing(ctx)
    if listing is None:
        return
    for entry in listing.entries:
        if entry.missing:
            yield Hit(f"{entry.where} '{entry.raw}': {entry.missing}",
                      evidence=(Evidence(text=f"{entry.where}: {entry.raw}"),))


@rule(code="MC404", name="missing-listing-field", severity="fail", scope=LISTING,
      options={"required": ["name", "tagline", "summary", "support_policy", "escalation_policy", "version",
                            "last_updated"]},
      marketplace_rule="7, 11, 12 (name, support and escalation policies, version, last-updated date)")
def missing_listing_field(ctx: ListingContext) -> Iterator[Hit]:
    """A field the marketplace requires is missing or empty in the listing file.

    What it checks:
        Each key in ``required`` is present and not blank. Pricing, support URL, category and logo have rules of
        their own (pricing-not-declared, invalid-support-url, unknown-category, logo-size).

    Why it matters:
        Rule 7 and 12: the app is listed under a proper application name. Rule 11: support documentation comes
        with support and escalation policies, a version number and a last-updated date.

    How to fix:
        Fill in the field in the listing file.

    Options:
        required: listing keys that must be present (name, tagline, summary, how_it_works, features, category,
        support_policy, escalation_policy, version, last_updated).
    """
    data = _data(ctx)
    if data is None:
        return
    for key in ctx.options["required"]:
        value = getattr(data, key, None)
        if value is None or (isinstance(value, str) and not value.strip()) or value == ():
            yield Hit(f"'{key}' is missing from the listing file", evidence=(Evidence(text=key),))


# --- the app's name ---------------------------------------------------------------------------------------------

@rule(code="MC405", name="name-length", severity="warn", options={"max-length": 30}, scope=LISTING,
      marketplace_rule="7 (Procore listing guide: app name at most 30 characters)")
def name_length(ctx: ListingContext) -> Iterator[Hit]:
    """The app's name is longer than the listing guide recommends.

    What it checks:
        The number of characters of ``name`` against ``max-length`` (Procore: 30, from the current listing guide;
        the hard limit of the technical requirements is checked by name-too-long).

    Why it matters:
        Rule 7 and the listing guide: longer names are truncated on marketplace tiles and search results.

    How to fix:
        Shorten the name to its essential title; move descriptive words to the tagline.

    Options:
        max-length: the recommended maximum number of characters.
    """
    data = _data(ctx)
    if data and data.name and len(data.name.strip()) > ctx.options["max-length"]:
        yield Hit(f"the name has {len(data.name.strip())} characters; at most {ctx.options['max-length']} are "
                  "recommended", evidence=(Evidence(text=data.name),))


@rule(code="MC406", name="name-too-long", severity="fail", options={"max-length": 50}, scope=LISTING,
      marketplace_rule="7 (app name at most 50 characters)")
def name_too_long(ctx: ListingContext) -> Iterator[Hit]:
    """The app's name is longer than the marketplace allows.

    What it checks:
        The number of characters of ``name`` against ``max-length`` (Procore: 50).

    Why it matters:
        Rule 7: the app's name is at most 50 characters; a longer one is refused at review.

    How to fix:
        Shorten the name to the app's actual title.

    Options:
        max-length: the maximum number of characters.
    """
    data = _data(ctx)
    if data and data.name and len(data.name.strip()) > ctx.options["max-length"]:
        yield Hit(f"the name has {len(data.name.strip())} characters; the limit is {ctx.options['max-length']}",
                  evidence=(Evidence(text=data.name),))


def owner_pattern(owner: str) -> re.Pattern[str]:
    """``owner`` in any case, with at most one space, hyphen, dot or underscore between its letters ("Pro-core",
    "PRO CORE"). Word boundaries are checked by :func:`_at_word_boundary`."""
    letters = [re.escape(c) for c in owner if not c.isspace()]
    return re.compile(r"[\s\-_.]?".join(letters), re.IGNORECASE)


def _at_word_boundary(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] stands as a word: not glued to letters or digits, except at a camel-case join
    ("SyncProcore", "ProcoreSync"). "Procorex" and "syncprocore" are not words of their own."""
    found = text[start:end]
    before_ok = start == 0 or not text[start - 1].isalnum() or (text[start - 1].islower() and found[0].isupper())
    after_ok = end == len(text) or not text[end].isalnum() or (text[end].isupper() and found[-1].islower())
    return before_ok and after_ok


@rule(code="MC407", name="owner-name-in-name", severity="fail", options={"names": ["Procore"]}, scope=LISTING,
      marketplace_rule="8 (the marketplace owner's name is not used in the app title)")
def owner_name_in_name(ctx: ListingContext) -> Iterator[Hit]:
    """The app's name uses the marketplace owner's name (e.g. "Procore Connector").

    What it checks:
        Each of ``names`` in ``name`` as a whole word, in any case, also when split by a space, hyphen, dot or
        underscore ("Pro-core", "Pro core", "PROCORE") or glued in camel case ("SyncProcore"). A word that merely
        contains the letters ("Procorex") is not reported.

    Why it matters:
        Rule 8: the owner's name must not appear in the app title ("Procore Connector" is refused): it suggests
        the app is made or endorsed by the marketplace.

    How to fix:
        Remove the owner's name from the app's name; say "for Procore" in the summary instead.

    Options:
        names: the owner's names and brands to refuse.
    """
    data = _data(ctx)
    if not data or not data.name:
        return
    for owner in ctx.options["names"]:
        for match in owner_pattern(owner).finditer(data.name):
            found = match.group(0)
            if not _at_word_boundary(data.name, match.start(), match.end()):
                continue
            exact = found.lower() == owner.lower()
            yield Hit(f"the name contains the marketplace owner's name '{owner}' (as '{found}')",
                      confidence=1.0 if exact else 0.9, evidence=(Evidence(text=found),))
            break


_NAME_PUNCTUATION = "&-'.,:+()/!"


@rule(code="MC408", name="name-special-characters", severity="fail",
      options={"allowed-punctuation": _NAME_PUNCTUATION}, scope=LISTING,
      marketplace_rule="7 (Procore listing guide: no special characters or emoji in the app name)")
def name_special_characters(ctx: ListingContext) -> Iterator[Hit]:
    """The app's name contains special characters or emoji.

    What it checks:
        Every character of ``name``: letters of any script (with accents), digits, spaces and the characters in
        ``allowed-punctuation`` are fine; emoji, symbols (™, ®, ©, ★), control characters and other punctuation
        (#, @, |, *, ~, _, <, >...) are reported.

    Why it matters:
        The Procore listing guide: the app name has no special characters or emoji (rule 7: the name carries
        only the app's title). They render inconsistently and break search.

    How to fix:
        Remove the characters listed in the message.

    Options:
        allowed-punctuation: punctuation accepted in a name.
    """
    data = _data(ctx)
    if not data or not data.name:
        return
    allowed = set(ctx.options["allowed-punctuation"]) | {" "}
    bad: list[str] = []
    for char in data.name:
        category = unicodedata.category(char)
        if char in allowed or category[0] in "LMN" and category != "No":
            continue
        if char not in bad:
            bad.append(char)
    if bad:
        described = ", ".join(f"'{c}' ({unicodedata.name(c, f'U+{ord(c):04X}').lower()})" for c in bad)
        kinds = "emoji or symbols" if any(_is_symbol(c) for c in bad) else "special characters"
        yield Hit(f"the name contains {kinds}: {described}", evidence=(Evidence(text="".join(bad)),))


def _is_symbol(char: str) -> bool:
    return unicodedata.category(char) in ("So", "Sk", "Cs") or 0xFE00 <= ord(char) <= 0xFE0F or ord(char) == 0x200D


def phrase_pattern(phrase: str, case: bool = False) -> re.Pattern[str]:
    """``phrase`` on word boundaries, any run of spaces or hyphens between its words ("download-now")."""
    return re.compile(_phrase_source(phrase), 0 if case else re.IGNORECASE)


def _phrase_source(phrase: str) -> str:
    words = [re.escape(w) for w in phrase.split()]
    body = r"[\s\-]+".join(words)
    return rf"(?<![^\W_]){body}(?![^\W_])"


@rule(code="MC409", name="banned-words-in-name", severity="fail",
      options={"words": [], "fields": ["name"]}, scope=LISTING,
      marketplace_rule="7 (the name carries only the app's title; store-specific banned words)")
def banned_words_in_name(ctx: ListingContext) -> Iterator[Hit]:
    """The app's name (or another short field) contains a word the marketplace bans.

    What it checks:
        Each of ``words`` (whole words or phrases, any case) in each of ``fields``. Procore bans no particular word
        beyond its owner's name; other profiles list theirs (Google Play: ranking and promotional words such as
        "Best", "#1", "Top", "Sale", and calls to action such as "download now"; Atlassian: "plugin", "add-on",
        "app", "beta").

    Why it matters:
        Rule 7: the name carries no terms that are not part of the app's title. Stores refuse names padded with
        rankings, prices or generic words.

    How to fix:
        Remove the word from the field named in the message.

    Options:
        words: banned words and phrases.
        fields: listing keys checked (name, tagline, summary, ...).
    """
    data = _data(ctx)
    if data is None:
        return
    for key in ctx.options["fields"]:
        value = getattr(data, key, None)
        if not isinstance(value, str) or not value:
            continue
        for word in ctx.options["words"]:
            match = phrase_pattern(word).search(value)
            if match:
                yield Hit(f"{key} contains the banned word '{match.group(0)}'",
                          evidence=(Evidence(text=f"{key}: {match.group(0)}"),))


# --- text lengths ------------------------------------------------------------------------------------------------

@rule(code="MC410", name="text-length", severity="fail",
      options={"tagline-max": 40, "summary-min": 200, "summary-max": 2000, "how-it-works-max": 500,
               "feature-max": 200},
      scope=LISTING, marketplace_rule="Procore listing guide: tagline, summary, how-it-works and feature lengths")
def text_length(ctx: ListingContext) -> Iterator[Hit]:
    """The tagline, summary, "how it works" or a feature is outside the listing guide's length limits.

    What it checks:
        Characters of ``tagline`` (at most 40), ``summary`` (200 to 2,000), ``how_it_works`` (at most 500) and each
        of ``features`` (at most 200). A field that is absent is not measured (missing-listing-field reports it).
        A limit of 0 turns that check off.

    Why it matters:
        The Procore listing guide sets these limits; text beyond them is cut off on the listing page, and a summary
        under 200 characters does not say what the integration does.

    How to fix:
        Shorten or expand the field named in the message.

    Options:
        tagline-max, summary-min, summary-max, how-it-works-max, feature-max: limits in characters (0: no limit).
    """
    data = _data(ctx)
    if data is None:
        return
    o = ctx.options
    checks: list[tuple[str, str | None, int, int]] = [
        ("tagline", data.tagline, 0, o["tagline-max"]),
        ("summary", data.summary, o["summary-min"], o["summary-max"]),
        ("how_it_works", data.how_it_works, 0, o["how-it-works-max"]),
    ]
    checks.extend((f"features[{i}]", text, 0, o["feature-max"]) for i, text in enumerate(data.features))
    for key, value, low, high in checks:
        if value is None:
            continue
        n = len(value.strip())
        if high and n > high:
            yield Hit(f"{key} has {n} characters; at most {high} are allowed",
                      evidence=(Evidence(text=f"{key}: {_clip(value)}"),))
        elif low and n < low:
            yield Hit(f"{key} has {n} characters; at least {low} are expected",
                      evidence=(Evidence(text=f"{key}: {_clip(value)}"),))


# --- placeholder and test words --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Term:
    """A placeholder or test term of listing text. Its pattern is compiled when a text may hold it: a listing's
    text holds few of the 233 terms, and compiling them all took ~12 ms of every run that checks a listing."""

    source: str  # the regular expression
    flags: int
    kind: str
    confidence: float
    label: str
    needle: str = ""  # folded text (:func:`fold`) every match contains (a phrase's first word); "" for a regex

    @classmethod
    def phrase(cls, phrase: str, kind: str, confidence: float, case: bool = False) -> Term:
        """``phrase`` on word boundaries (:func:`phrase_pattern`)."""
        first = fold(phrase.split()[0]) if phrase.split() else ""
        return cls(_phrase_source(phrase), 0 if case else re.IGNORECASE, kind, confidence, phrase, first)

    @functools.cached_property
    def pattern(self) -> re.Pattern[str]:
        return re.compile(self.source, self.flags)

    def may_occur_in(self, folded: str) -> bool:
        """False when the folded text ``folded`` (:func:`fold`) cannot hold a match (its needle is not in it)."""
        return self.needle in folded


# Case-insensitive regular expressions take the Turkish dotted capital I and dotless small i for "i"; casefold()
# does not (it turns "İ" into "i" and a combining dot, and keeps "ı"), so both become a plain "i" first.
_TURKISH_I = {0x130: "i", 0x131: "i"}


def fold(text: str) -> str:
    """``text`` folded so that whatever a case-insensitive term matches in it, the term's folded first word is in
    it: ``casefold()`` after the Turkish i's are made plain."""
    return text.translate(_TURKISH_I).casefold()


@functools.lru_cache(maxsize=4)
def load_terms(path: Path | None = None) -> tuple[tuple[Term, ...], tuple[str, ...]]:
    """The placeholder/test lexicon of listing text: (terms, allowed phrases).

    ``models/listing-terms.toml`` holds the prose-only terms and the allow-list, and names the tables of the
    screenshot lexicon ``models/phrases.toml`` it reuses (phrases matched exactly here: listing text is typed, not
    read by OCR, so no OCR tolerance is wanted).
    """
    path = path or MODELS / "listing-terms.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    terms: list[Term] = []
    reuse = data.get("reuse", {})
    shared_file = path.parent / "phrases.toml"
    if reuse and shared_file.is_file():
        shared = tomllib.loads(shared_file.read_text(encoding="utf-8"))
        for table, kind in reuse.items():
            family, _, tier = table.partition(".")
            for entries in shared.get(family, {}).get(tier, {}).values():
                for entry in entries:
                    if tier == "patterns":
                        terms.append(Term(entry, re.IGNORECASE, kind, 0.9, entry))
                    else:
                        terms.append(Term.phrase(entry, kind, 0.95))
    for row in data.get("term", []):
        kind, confidence = row.get("kind", "placeholder"), float(row.get("confidence", 0.9))
        if row.get("regex"):
            terms.append(Term(rf"(?<![^\W_])(?:{row['pattern']})(?![^\W_])", 0 if row.get("case") else re.IGNORECASE,
                              kind, confidence, row["pattern"]))
        else:
            terms.append(Term.phrase(row["pattern"], kind, confidence, case=bool(row.get("case"))))
    return tuple(terms), tuple(data.get("allow", {}).get("phrases", []))


def placeholder_matches(text: str, terms: tuple[Term, ...], allowed: tuple[str, ...]) -> list[tuple[Term, str]]:
    """(term, matched text) for the terms found in ``text``, outside the allowed phrases; where matches overlap
    ("lorem ipsum" and "lorem") the longest is kept. In the order they appear."""
    covered = [m.span() for phrase in allowed for m in phrase_pattern(phrase).finditer(text)]
    spans: list[tuple[int, int, Term]] = []
    folded = fold(text)
    for term in terms:
        if not term.may_occur_in(folded):
            continue
        for match in term.pattern.finditer(text):
            start, end = match.span()
            if end > start and not any(a <= start and end <= b for a, b in covered):
                spans.append((start, end, term))
    kept: list[tuple[int, int, Term]] = []
    for start, end, term in sorted(spans, key=lambda s: (-(s[1] - s[0]), s[0])):
        if not any(start < b and a < end for a, b, _ in kept):
            kept.append((start, end, term))
    return [(term, text[start:end]) for start, end, term in sorted(kept, key=lambda s: s[0])]


@rule(code="MC411", name="listing-placeholder-text", severity="fail",
      options={"extra-terms": [], "allow": []}, scope=LISTING,
      marketplace_rule="2, 3 (no placeholder or temporary content; nothing marked beta, demo or test)")
def listing_placeholder_text(ctx: ListingContext) -> Iterator[Hit]:
    """A text field of the listing holds placeholder, test or non-production words ("lorem ipsum", TODO, beta).

    What it checks:
        Every text field (name, tagline, summary, how_it_works, features, category, policies, pricing note,
        screenshot captions) against the lexicon in ``models/listing-terms.toml``: placeholder text (lorem ipsum,
        TODO, TBD, "your text here", "coming soon"), test words (test, dummy), non-production marks (beta, demo,
        localhost, "staging server") and unrendered templates ({{name}}, [object Object]). Whole words only, and
        legitimate phrases are allowed ("Test results", "Book a demo").

    Why it matters:
        Rule 2: no placeholder or temporary content anywhere in the submission. Rule 3: only final versions are
        listed, nothing marked demo, beta, trial, preview or test.

    How to fix:
        Replace the words with the final text of the listing.

    Options:
        extra-terms: more words or phrases to report.
        allow: more phrases to accept even though they contain a reported word.
    """
    data = _data(ctx)
    if data is None:
        return
    terms, allowed = load_terms()
    extra = tuple(Term.phrase(w, "placeholder", 0.9) for w in ctx.options["extra-terms"])
    allowed = allowed + tuple(ctx.options["allow"])
    for where, text in data.text_fields():
        by_kind: dict[str, list[tuple[Term, str]]] = {}
        for term, found in placeholder_matches(text, terms + extra, allowed):
            by_kind.setdefault(term.kind, []).append((term, found))
        for kind, matches in by_kind.items():
            words = ", ".join(dict.fromkeys(f"'{found}'" for _, found in matches))
            yield Hit(f"{where} contains {kind} text: {words}", confidence=max(t.confidence for t, _ in matches),
                      evidence=(Evidence(text=f"{where}: {_clip(text)}"),))


# --- pricing, support, category ----------------------------------------------------------------------------------

_TRIAL = re.compile(r"(?<![^\W_])(free[\s\-]+)?trial(?![^\W_])", re.IGNORECASE)


@rule(code="MC412", name="pricing-not-declared", severity="fail", scope=LISTING,
      marketplace_rule="9 (free or paid is stated; purchased software is stated; free apps are not trials)")
def pricing_not_declared(ctx: ListingContext) -> Iterator[Hit]:
    """The listing does not say whether the app is free, paid or needs purchased software.

    What it checks:
        ``pricing.model`` is present (free, paid or requires-purchase). An app declared free whose text speaks of
        a trial is also reported.

    Why it matters:
        Rule 9: apps that charge, or need purchased software, say so in the metadata; free apps say they are free
        and are not run as a trial.

    How to fix:
        Add ``pricing: {model: free | paid | requires-purchase, note: ...}`` to the listing file.
    """
    data = _data(ctx)
    if data is None:
        return
    if data.pricing is None or data.pricing.model is None:
        yield Hit("pricing is not declared: say whether the app is free, paid or requires a purchase",
                  evidence=(Evidence(text="pricing.model"),))
        return
    if data.pricing.model == "free":
        for where, text in data.text_fields():
            match = _TRIAL.search(text)
            if match:
                yield Hit(f"the app is declared free but {where} mentions a '{match.group(0)}'", confidence=0.8,
                          evidence=(Evidence(text=f"{where}: {_clip(text)}"),),
                          fix="A free app is not run as a trial: remove the trial, or declare it paid")
                return


def url_problem(url: str, require_https: bool = True) -> str | None:
    """Why ``url`` is not a well-formed public support URL, or None."""
    if any(c.isspace() for c in url):
        return "it contains spaces"
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError on a bad port
    except ValueError as exc:
        return f"it is malformed ({exc})"
    if parts.scheme not in ("http", "https"):
        return f"it is not a web address (scheme '{parts.scheme or 'none'}')"
    host = parts.hostname or ""
    if not host:
        return "it has no host name"
    if parts.username or parts.password:
        return "it embeds a user name or password"
    if require_https and parts.scheme != "https":
        return "it is not https"
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal", ".test", ".example", ".invalid")):
        return f"host '{host}' is not public"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return f"'{host}' is not a valid host name"
        if not re.fullmatch(r"(?=.{1,253}$)([a-z0-9]([a-z0-9\-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9\-]{0,62}", host):
            return f"'{host}' is not a valid public host name"
    else:
        if not address.is_global:
            return f"address {host} is not public"
    return None


@rule(code="MC413", name="invalid-support-url", severity="fail", options={"require-https": True},
      scope=LISTING, marketplace_rule="11 (support documentation at a publicly reachable URL)")
def invalid_support_url(ctx: ListingContext) -> Iterator[Hit]:
    """The support URL is missing, malformed, not https, or not a public address.

    What it checks:
        ``support_url`` is present and is an ``https://`` URL with a public host name: no spaces, no embedded
        credentials, not localhost, a private address or a reserved name (.local, .test, .example). Whether it
        answers is checked by support-url-unreachable with ``--check-urls``.

    Why it matters:
        Rule 11: support documentation is included, with a publicly reachable URL where it is hosted.

    How to fix:
        Set ``support_url`` to the public https address of the support documentation.

    Options:
        require-https: refuse plain http URLs.
    """
    data = _data(ctx)
    if data is None:
        return
    if not data.support_url or not data.support_url.strip():
        yield Hit("no support URL: support_url is missing", evidence=(Evidence(text="support_url"),))
        return
    problem = url_problem(data.support_url.strip(), ctx.options["require-https"])
    if problem:
        yield Hit(f"support URL '{_clip(data.support_url)}' is not usable: {problem}",
                  evidence=(Evidence(text=data.support_url),))


@rule(code="MC414", name="support-url-unreachable", severity="fail", scope=LISTING,
      marketplace_rule="11 (a publicly reachable support URL)")
def support_url_unreachable(ctx: ListingContext) -> Iterator[Hit]:
    """The support URL does not answer (only with ``--check-urls``).

    What it checks:
        With ``--check-urls``, media-check fetches the support URL (HEAD, then GET; redirects followed up to a
        limit; short timeouts; http and https only; private and loopback addresses refused unless
        ``--allow-private``). A network error, a timeout, too many redirects or an HTTP status of 400 or more is
        reported. Without ``--check-urls`` nothing is fetched and this rule reports nothing.

    Why it matters:
        Rule 11: the support documentation must be publicly reachable; a dead link is the first thing a buyer
        with a problem finds.

    How to fix:
        Publish the support documentation at the URL, or correct ``support_url``.
    """
    data = _data(ctx)
    checks = ctx.extras.get("url_checks")
    if data is None or not checks or not data.support_url:
        return
    result = checks.get(data.support_url.strip())
    if result is not None and not result.ok:
        yield Hit(f"support URL '{_clip(data.support_url)}' is not reachable: {result.reason}",
                  evidence=(Evidence(text=data.support_url),))


@rule(code="MC415", name="unknown-category", severity="fail", options={"allowed": []}, scope=LISTING,
      marketplace_rule="10 (a category is chosen)")
def unknown_category(ctx: ListingContext) -> Iterator[Hit]:
    """No category is chosen, or the category is not one of the marketplace's.

    What it checks:
        ``category`` is present and, when the profile lists the marketplace's categories in ``allowed``, is one
        of them (case and spacing ignored; the closest categories are suggested).

    Why it matters:
        Rule 10: a category is chosen. A category the marketplace does not have cannot be filed, and buyers
        browsing by category will not find the app.

    How to fix:
        Set ``category`` to one of the marketplace's categories (``media-check show-config`` lists them).

    Options:
        allowed: the marketplace's categories (empty: any category is accepted).
    """
    data = _data(ctx)
    if data is None:
        return
    if not data.category or not data.category.strip():
        yield Hit("no category is chosen", evidence=(Evidence(text="category"),))
        return
    allowed = list(ctx.options["allowed"])
    if not allowed:
        return

    def key(text: str) -> str:
        return " ".join(text.lower().replace("&", "and").split())

    if key(data.category) in {key(a) for a in allowed}:
        return
    close = difflib.get_close_matches(data.category, allowed, n=3, cutoff=0.5)
    hint = f" (closest: {', '.join(close)})" if close else ""
    yield Hit(f"category '{_clip(data.category)}' is not one of the marketplace's categories{hint}",
              evidence=(Evidence(text=data.category),))


# --- the logo ------------------------------------------------------------------------------------------------------

@rule(code="MC416", name="logo-size", severity="fail",
      options={"width": 200, "height": 200, "formats": ["png", "jpeg"], "required": True}, scope=LISTING,
      marketplace_rule="Procore listing guide: logo JPG/PNG, 200x200")
def logo_size(ctx: ListingContext) -> Iterator[Hit]:
    """The logo is missing, not the required size, or not in an accepted format.

    What it checks:
        The file named by ``media.logo`` (checked as a logo, not as a screenshot): its pixel size must be exactly
        ``width`` x ``height`` (Procore: 200x200) and its real format one of ``formats`` (PNG, JPEG). With
        ``required``, a listing file without a logo is reported too.

    Why it matters:
        The Procore listing guide asks for a 200x200 JPG or PNG logo; another size is scaled and blurred on the
        marketplace tile.

    How to fix:
        Export the logo at exactly 200x200 pixels as PNG or JPEG and name it under ``media.logo``.

    Options:
        width, height: the required size in pixels.
        formats: accepted formats.
        required: report a listing without a logo.
    """
    listing = _listing(ctx)
    if listing is None or listing.data is None:
        return
    logo = next((e for e in listing.entries if e.role == "logo"), None)
    if logo is None:
        if ctx.options["required"]:
            yield Hit("no logo: media.logo is not set", evidence=(Evidence(text="media.logo"),))
        return
    member = next((a for a in ctx.assets if a.analysis.kind == "logo"), None)
    if member is None or member.analysis.error or member.analysis.width is None:
        return  # missing, refused or unreadable: reported by those rules
    a, o = member.analysis, ctx.options
    if a.format and a.format not in o["formats"]:
        yield Hit(f"the logo is {a.format.upper()}; accepted: {', '.join(f.upper() for f in o['formats'])}",
                  path=member.path, evidence=(Evidence(text=a.format),))
    if (a.width, a.height) != (o["width"], o["height"]):
        yield Hit(f"the logo is {a.width}x{a.height}; it must be {o['width']}x{o['height']}", path=member.path,
                  evidence=(Evidence(text=f"{a.width}x{a.height}"),))


RULES = (invalid_listing_file, media_outside_listing, missing_media_file, missing_listing_field, name_length,
         name_too_long, owner_name_in_name, name_special_characters, banned_words_in_name, text_length,
         listing_placeholder_text, pricing_not_declared, invalid_support_url, support_url_unreachable,
         unknown_category, logo_size)
