"""Metadata rules (MC4xx) on real listing files written by the test; one expectation per line."""

import textwrap

import pytest

from media_check.analysis import Analysis
from media_check.config import load_config
from media_check.judge import judge_listing
from media_check.listing import load_listing
from media_check.rules.base import ListingAsset
from media_check.urlcheck import UrlCheck

SUMMARY = ("Site Diary Sync copies every daily log, weather note, manpower count and delivery record from the field "
           "into your accounting system each night, so cost reports match what happened on site without retyping. "
           "It maps cost codes automatically.")
GOOD = {
    "name": "Site Diary Sync",
    "tagline": "Daily logs to your ERP, hands-free",
    "summary": SUMMARY,
    "how_it_works": "Connect your ERP once; logs sync nightly.",
    "features": ["Nightly sync of daily logs", "Cost-code mapping"],
    "category": "Accounting",
    "pricing": {"model": "paid", "note": "Per project per month"},
    "support_url": "https://support.sitediary.com/docs",
    "support_policy": "Email support on business days, answer within one day.",
    "escalation_policy": "Critical issues go to the on-call engineer within two hours.",
    "version": "2.4",
    "last_updated": "2024-05-01",
}


@pytest.fixture(scope="module")
def cfg(tmp_path_factory):
    return load_config(discover_from=tmp_path_factory.mktemp("cfg"))


def yaml_of(data: dict) -> str:
    import yaml

    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def run(tmp_path, cfg, changes=None, remove=(), text=None, assets=(), url_checks=None):
    data = {k: v for k, v in GOOD.items() if k not in remove}
    data.update(changes or {})
    path = tmp_path / "listing.yaml"
    path.write_text(text if text is not None else yaml_of(data), encoding="utf-8")
    listing = load_listing(path)
    extras = {"listing": listing}
    if url_checks is not None:
        extras["url_checks"] = url_checks
    result, per_asset = judge_listing(listing.display, list(assets), cfg, extras)
    return tuple(f for f in result.findings if f.code.startswith("MC4")), per_asset


def names(tmp_path, cfg, **kw):
    findings, per_asset = run(tmp_path, cfg, **kw)
    metadata = sorted(f.name for f in findings)
    return metadata + sorted(f"{path}:{f.name}" for path, fs in per_asset.items() for f in fs)


def logo_off(cfg):
    from dataclasses import replace

    options = {**cfg.options, "logo-size": {**cfg.options["logo-size"], "required": False}}
    return replace(cfg, options=options)


@pytest.fixture(scope="module")
def quiet(cfg):
    """The default policy, without the logo requirement (most cases here have no media)."""
    return logo_off(cfg)


def test_good_listing_is_clean(tmp_path, quiet):
    assert names(tmp_path, quiet) == []


def test_no_listing_file_means_no_metadata_findings(quiet):
    result, _ = judge_listing("folder", [], quiet, {})
    assert [f for f in result.findings if f.code.startswith("MC4")] == []


# --- MC401 invalid-listing-file ---------------------------------------------------------------------------------

def test_invalid_listing_file(tmp_path, quiet):
    findings, _ = run(tmp_path, quiet, text="name: A\nsumary: x\npricing: {model: freemium}\n")
    assert [f.name for f in findings] == ["invalid-listing-file", "invalid-listing-file"]
    assert findings[0].severity.value == "error"
    assert "unknown key 'sumary'" in findings[0].message
    assert "freemium" in findings[1].message


# --- MC402 media-outside-listing / MC403 missing-media-file ---------------------------------------------------------

def test_media_outside_listing_is_refused(tmp_path, quiet):
    findings, _ = run(tmp_path, quiet, changes={"media": {"screenshots": [{"path": "../../etc/passwd"}],
                                                          "logo": {"path": "/etc/hostname"}}})
    refused = [f for f in findings if f.name == "media-outside-listing"]
    assert len(refused) == 2 and all(f.severity.value == "error" for f in refused)
    assert "media.screenshots[0].path '../../etc/passwd' refused" in refused[0].message
    assert "absolute path" in refused[1].message


def test_missing_media_file(tmp_path, quiet):
    (tmp_path / "present.png").write_bytes(b"x")
    got = names(tmp_path, quiet, changes={"media": {"screenshots": [{"path": "present.png"}, {"path": "gone.png"}],
                                                    "video": {"path": "clip.mp4"}}})
    assert got == ["missing-media-file", "missing-media-file"]


# --- MC404 missing-listing-field -----------------------------------------------------------------------------

@pytest.mark.parametrize("field", ["name", "tagline", "summary", "support_policy", "escalation_policy", "version",
                                   "last_updated"])
def test_missing_required_field(tmp_path, quiet, field):
    got = names(tmp_path, quiet, remove=(field,))
    assert "missing-listing-field" in got


def test_blank_field_counts_as_missing(tmp_path, quiet):
    assert names(tmp_path, quiet, changes={"version": "  "}) == ["missing-listing-field"]


# --- name rules ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, expected", [
    ("A" * 30, []),
    ("A" * 31, ["name-length"]),
    ("A" * 50, ["name-length"]),
    ("A" * 51, ["name-length", "name-too-long"]),
])
def test_name_length(tmp_path, quiet, name, expected):
    assert names(tmp_path, quiet, changes={"name": name}) == expected


@pytest.mark.parametrize("name, hit", [
    ("Procore Connector", True),
    ("Sync for PROCORE", True),
    ("Pro-core Sync", True),
    ("Pro core Sync", True),
    ("pro.core sync", True),
    ("SyncProcore", True),       # camel-case join
    ("ProcoreSync", True),
    ("Procorex Sync", False),    # another word that only starts like it
    ("syncprocore", False),      # glued in lower case: not a word of its own
    ("Project Core", False),
    ("Site Diary Sync", False),
])
def test_owner_name_in_name(tmp_path, quiet, name, hit):
    assert ("owner-name-in-name" in names(tmp_path, quiet, changes={"name": name})) is hit


@pytest.mark.parametrize("name, hit", [
    ("Site Diary Sync", False),
    ("Smith & Co. Logs (Pro)", False),
    ("Café Bâtiment 2", False),      # accented letters are letters
    ("Site Diary™", True),
    ("Site Diary 🚧", True),
    ("Site #1 Diary", True),
    ("Site_Diary", True),
    ("Site | Diary", True),
])
def test_name_special_characters(tmp_path, quiet, name, hit):
    assert ("name-special-characters" in names(tmp_path, quiet, changes={"name": name})) is hit


def test_special_character_message_names_the_character(tmp_path, quiet):
    findings, _ = run(tmp_path, quiet, changes={"name": "Site Diary 🚧"})
    message = next(f.message for f in findings if f.name == "name-special-characters")
    assert "emoji or symbols" in message and "construction sign" in message


def test_banned_words_only_with_a_list(tmp_path, quiet):
    assert names(tmp_path, quiet, changes={"name": "Best Site Diary"}) == []  # Procore bans no such word
    play = load_config(profile="google-play", discover_from=tmp_path)
    got = names(tmp_path, logo_off(play), changes={"name": "Best Diary #1", "tagline": "Download now"})
    assert got.count("banned-words-in-name") == 3
    assert "banned-words-in-name" not in names(tmp_path, logo_off(play), changes={"name": "Bestow Diary"})


# --- MC410 text-length ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("changes, hit", [
    ({"tagline": "x" * 40}, False),
    ({"tagline": "x" * 41}, True),
    ({"summary": "x" * 199}, True),
    ({"summary": "x" * 200}, False),
    ({"summary": "x" * 2001}, True),
    ({"how_it_works": "x" * 501}, True),
    ({"features": ["ok", "x" * 201]}, True),
    ({"features": ["x" * 200]}, False),
])
def test_text_length(tmp_path, quiet, changes, hit):
    assert ("text-length" in names(tmp_path, quiet, changes=changes)) is hit


# --- MC411 listing-placeholder-text -----------------------------------------------------------------------------------

@pytest.mark.parametrize("changes, hit", [
    ({"tagline": "Lorem ipsum dolor sit amet"}, True),
    ({"features": ["TODO: describe the sync"]}, True),
    ({"how_it_works": "Pricing TBD"}, True),
    ({"tagline": "Now in beta for early customers"}, True),
    ({"summary": SUMMARY + " This is a test listing."}, True),
    ({"features": ["Hello {{user.firstName}}"]}, True),
    ({"media": {"screenshots": [{"path": "x.png", "caption": "Sample text"}]}}, True),
    ({"pricing": {"model": "paid", "note": "coming soon"}}, True),
    # tricky negatives: real words that contain a placeholder word
    ({"features": ["Test results from the concrete lab, linked to each pour"]}, False),
    ({"features": ["Manage your todo list"]}, False),
    ({"tagline": "Book a demo with our team"}, False),
    ({"features": ["Inspection and test plans per trade"]}, False),
    ({"features": ["Contest-ready bid packages", "Betamax-free archive"]}, False),
])
def test_listing_placeholder_text(tmp_path, quiet, changes, hit):
    assert ("listing-placeholder-text" in names(tmp_path, quiet, changes=changes)) is hit


def test_placeholder_message_and_evidence(tmp_path, quiet):
    findings, _ = run(tmp_path, quiet, changes={"tagline": "Lorem ipsum dolor sit amet"})
    finding = next(f for f in findings if f.name == "listing-placeholder-text")
    assert finding.message == "tagline contains placeholder text: 'Lorem ipsum', 'dolor sit amet'"
    assert finding.evidence[0].text.startswith("tagline: Lorem ipsum")


# --- MC412 pricing-not-declared ------------------------------------------------------------------------------------

@pytest.mark.parametrize("changes, remove, hit", [
    ({}, ("pricing",), True),
    ({"pricing": {"note": "Ask sales"}}, (), True),
    ({"pricing": {"model": "free"}}, (), False),
    ({"pricing": {"model": "requires-purchase", "note": "Needs an ERP licence"}}, (), False),
    ({"pricing": {"model": "free"}, "tagline": "Start your free trial today"}, (), True),
    ({"pricing": {"model": "paid"}, "tagline": "Start your free trial today"}, (), False),
])
def test_pricing_not_declared(tmp_path, quiet, changes, remove, hit):
    assert ("pricing-not-declared" in names(tmp_path, quiet, changes=changes, remove=remove)) is hit


# --- MC413 invalid-support-url / MC414 support-url-unreachable ------------------------------------------------------

@pytest.mark.parametrize("url, words", [
    (None, "missing"),
    ("http://support.sitediary.com", "not https"),
    ("https://support sitediary.com", "spaces"),
    ("support.sitediary.com/docs", "not a web address"),
    ("ftp://support.sitediary.com", "not a web address"),
    ("https://", "no host name"),
    ("https://admin:secret@support.sitediary.com", "user name or password"),
    ("https://localhost:8080/docs", "not public"),
    ("https://192.168.1.10/docs", "not public"),
    ("https://docs.example/x", "not public"),
    ("https://support.sitediary.com:99999/", "malformed"),
    ("https://-bad-.com/", "not a valid public host name"),
])
def test_invalid_support_url(tmp_path, quiet, url, words):
    changes, remove = ({}, ("support_url",)) if url is None else ({"support_url": url}, ())
    findings, _ = run(tmp_path, quiet, changes=changes, remove=remove)
    assert [f.name for f in findings] == ["invalid-support-url"]
    assert words in findings[0].message


@pytest.mark.parametrize("url", ["https://support.sitediary.com/docs?page=1#top", "https://bücher.de/hilfe",
                                 "https://8.8.8.8/docs"])
def test_valid_support_urls(tmp_path, quiet, url):
    assert names(tmp_path, quiet, changes={"support_url": url}) == []


def test_support_url_unreachable_only_when_checked(tmp_path, quiet):
    url = GOOD["support_url"]
    assert names(tmp_path, quiet) == []  # no --check-urls: nothing fetched, nothing said
    down = {url: UrlCheck(url, False, "HTTP 404 Not Found", 404)}
    findings, _ = run(tmp_path, quiet, url_checks=down)
    assert [f.name for f in findings] == ["support-url-unreachable"]
    assert "HTTP 404 Not Found" in findings[0].message
    up = {url: UrlCheck(url, True, "HTTP 200", 200)}
    assert run(tmp_path, quiet, url_checks=up)[0] == ()


# --- MC415 unknown-category --------------------------------------------------------------------------------------

@pytest.mark.parametrize("category, hit", [
    ("Accounting", False),
    ("accounting", False),               # case is ignored
    ("Quality & Safety", False),
    ("quality and safety", False),       # & and 'and' are the same
    ("Accountancy", True),
    ("Widgets", True),
    (None, True),
])
def test_unknown_category(tmp_path, quiet, category, hit):
    changes, remove = ({}, ("category",)) if category is None else ({"category": category}, ())
    assert ("unknown-category" in names(tmp_path, quiet, changes=changes, remove=remove)) is hit


def test_unknown_category_suggests_the_closest(tmp_path, quiet):
    findings, _ = run(tmp_path, quiet, changes={"category": "Accountancy"})
    assert "closest: Accounting" in findings[0].message


# --- MC416 logo-size ------------------------------------------------------------------------------------------------

def logo_asset(path, w, h, fmt="png", error=None):
    return ListingAsset(path, Analysis(sha256="0" * 64, kind="logo", format=fmt, width=w, height=h, error=error))


@pytest.mark.parametrize("w, h, fmt, expected", [
    (200, 200, "png", []),
    (200, 200, "jpeg", []),
    (256, 256, "png", ["logo-size"]),
    (200, 200, "webp", ["logo-size"]),
])
def test_logo_size(tmp_path, cfg, w, h, fmt, expected):
    (tmp_path / "logo.png").write_bytes(b"x")
    shown = str(tmp_path / "logo.png")
    got = names(tmp_path, cfg, changes={"media": {"logo": {"path": "logo.png"}}},
                assets=[logo_asset(shown, w, h, fmt)])
    assert got == [f"{shown}:{name}" for name in expected]  # the finding lands on the logo asset


def test_no_logo_is_reported_when_required(tmp_path, cfg):
    assert names(tmp_path, cfg) == ["logo-size"]


def test_unreadable_logo_is_left_to_unreadable_asset(tmp_path, cfg):
    (tmp_path / "logo.png").write_bytes(b"x")
    got = names(tmp_path, cfg, changes={"media": {"logo": {"path": "logo.png"}}},
                assets=[logo_asset(str(tmp_path / "logo.png"), None, None, error="corrupt")])
    assert got == []


def test_rule_docs_name_the_marketplace_rule():
    from media_check.rules import metadata

    for r in metadata.RULES:
        assert r.marketplace_rule and r.scope == "listing"
        assert textwrap.dedent(r.section("Why it matters"))


@pytest.mark.parametrize("text", [
    "COMİNG SOON to the store", "comıng soon", "İNSERT TEXT HERE", "Straße TODO: finish", "LOREM-IPSUM dolor",
    "Ｌｏｒｅｍ ipsum", "Staging Server build", "{{name}} joined", "[object Object]", "Test results for TRIAL VERSION",
    "Ready for the field: daily logs synced nightly",
])
def test_a_terms_pattern_is_skipped_only_when_it_cannot_match(text):
    """The pre-filter (a term's folded first word must be in the folded text) never drops a match: the terms found
    with it are those found by trying every term's pattern."""
    from media_check.rules.metadata import load_terms, placeholder_matches

    terms, allowed = load_terms()

    class Unfiltered:  # the same term, tried on every text
        def __init__(self, term):
            self.term = term

        def __getattr__(self, name):
            return getattr(self.term, name)

        def may_occur_in(self, folded):
            return True

    filtered = [(term.label, found) for term, found in placeholder_matches(text, terms, allowed)]
    everything = [(term.label, found) for term, found in
                  placeholder_matches(text, tuple(Unfiltered(t) for t in terms), allowed)]
    assert filtered == everything


def test_placeholder_terms_match_turkish_capitals():
    from media_check.rules.metadata import load_terms, placeholder_matches

    terms, allowed = load_terms()
    assert [found for _, found in placeholder_matches("COMİNG SOON", terms, allowed)] == ["COMİNG SOON"]
