"""The content rules MC101-MC108.

Cheap cases run the rules on Analysis objects built from OCR-like words (one parametrised table, positives and
tricky negatives). The screen-level cases run the real pipeline analysis (tesseract, features, classifier) on
sample_media screens and on screens drawn here with Pillow.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, app_screen, font, text_screen
from PIL import ImageDraw

from media_check.analyse import analyse_file
from media_check.analysis import Analysis, AnalysisParams, sha256_of
from media_check.config import load_config
from media_check.judge import judge_asset
from media_check.words import Word

CONTENT = {"login-screen", "splash-screen", "placeholder-text", "non-production", "ad-banner", "broken-template",
           "error-screen", "blank-screen"}
SAMPLES = ROOT / "sample_media" / "screens"


@pytest.fixture(scope="module")
def cfg(tmp_path_factory):
    return load_config(discover_from=tmp_path_factory.mktemp("cfg"))


def words_screen(*lines, width=1600, height=900) -> Analysis:
    """An analysis whose OCR words are ``lines`` (a string, or (string, y) to place it); features say 'busy'."""
    words, y = [], 60
    for index, item in enumerate(lines):
        text, at = (item, None) if isinstance(item, str) else item
        y = at if at is not None else y + 40
        x = 80
        for token in text.split():
            words.append(Word(token, 92.0, (x, y, 14 * len(token), 22), 1, index))
            x += 14 * len(token) + 12
    features = {"grey_std": 50.0, "dominant_grey_fraction": 0.5, "word_count": float(len(words))}
    return Analysis(sha256="0" * 64, format="png", width=width, height=height, words=words, features=features)


def content_names(verdict) -> list[str]:
    return sorted(f.name for f in verdict.findings if f.name in CONTENT)


CASES = [
    # placeholder-text
    (["Lorem ipsum dolor sit amet, consectetur adipiscing elit"], ["placeholder-text"]),
    (["int mauris eu risus.", "slit. Velit, nihil, libero, aliquam"], ["placeholder-text"]),  # lorem vocabulary
    (["YOUR NAME", "A GREAT HUMAN"], ["placeholder-text"]),
    (["Contact", "info@example.com"], ["placeholder-text"]),
    (["Projects", "Title 0", "Title 1", "Title 2"], ["placeholder-text"]),
    (["Owner", "John Doe"], ["placeholder-text"]),
    (["Add item", "Write item name here...", "CANCEL ADD"], []),
    (["Email", "you@example.com"], []),                                    # an input hint
    (["[] Item 1", "[x] Item 2", "[] Item 3"], []),                        # a checklist sample, not dummy rows
    (["I am Hallo.", "Create a file called portrait.jpg to replace the standard portrait."],
     ["placeholder-text"]),                                                # a template's own instructions
    (["Tasks", "1. Figure out git hub", "2. bluh bluh"], ["placeholder-text"]),  # filler typed as test data
    (["Replace the filter every two years", "Replace this part?"], []),
    (["qwertyuiop", "asdfghjkl", "zxcvbnm"], []),                          # an on-screen keyboard
    # non-production
    (["Dashboard", "You are in demo mode"], ["non-production"]),
    (["Dashboard", ("BETA", 20)], ["non-production"]),
    (["http://localhost:3000/projects"], ["non-production"]),
    (["https://staging.acme-app.com/dashboard"], ["non-production"]),
    (["hllps:/slaging.com"], ["non-production"]),                          # OCR-garbled staging host
    (["bocalhost:3000/today?crew=concrete"], ["non-production"]),          # OCR-garbled localhost with its port
    (["https://st4ging.acme.com/app"], ["non-production"]),                 # a digit read for a letter
    (["http://1ocalhost:3000/x"], ["non-production"]),
    (["https://stagng.acme.com"], ["non-production"]),                      # a letter dropped
    (["Step 2: mix for 3 minutes", "Test:3 passed", "DEMO:12"], []),       # a word and a number, not a host
    (["Version 2.4.0-beta"], ["non-production"]),
    (["Game Substate", "didCacheInterstitial: [cb_interstitial]", "shouldRequestInterstitial: [cb_interstitial]",
      "didDisplayInterstitial: [cb_interstitial]"], ["non-production"]),  # an SDK's callback log over the game
    (["onAdLoaded(banner)", "Weather", "Sunny 24"], []),                  # one callback name is not a log
    (["Did you know?", "Will it rain today?", "Should I bring an umbrella?", "Online now"], []),
    (["Concrete cylinders", "Test results", "Sample ID 2231"], []),
    (["Download report", "Testing schedule for level 3"], []),
    (["Settings", ("Debug", 400), "Notifications"], []),                   # a Debug toggle row
    (["test@acme.com", "Profile"], []),                                    # an email, not a host
    (["https://github.com/acme/app/blob/dev/README.md"], []),              # a branch in a path
    # ad-banner
    (["News", "Test Ad", "Install Flood-It App for free!"], ["ad-banner"]),
    (["Nice job! This is a 320x50 test ad."], ["ad-banner"]),
    (["Sponsored", "Shop the new collection"], ["ad-banner"]),
    (["AdChoices"], ["ad-banner"]),
    (["AD", "Title", "INSTALL"], ["ad-banner"]),
    (["No ads or unnecessary permissions"], []),
    (["Frogo Admob asks for your consent to use your personal data to:",
      "Personalised ads and content, ad and content measurement"], []),
    (["Add item", "ADD TASK", "ADS", "All tasks"], []),
    (["Status", "Closed", "Open"], []),
    (["= Ad Loja Eco-Worthy", "Open"], ["ad-banner"]),                   # a badge after a stray menu mark
    (["Offerwall Ads", "Interstitial Video Ads"], ["ad-banner"]),          # ad formats on show
    (["= Add note", "Open"], []),
    (["Ad-free plan", "Upgrade", "Open"], []),
    (["ADMIN", "Ana Delgado", "Open invite link"], []),                   # a role badge, not an ad's
    # broken-template
    (["Hello, {{user.firstName}}"], ["broken-template"]),
    (["Owner: [object Object]"], ["broken-template"]),
    (["Due Invalid Date"], ["broken-template"]),
    (["Total: NaN"], ["broken-template"]),
    (["${count} new messages"], ["broken-template"]),
    (["Assignee: undefined"], ["broken-template"]),
    (["on Temporal.DateTime{off"], ["broken-template"]),
    (["Assignee: None", "nan bread"], []),
    (["Author", "NULL", "Published today"], ["broken-template"]),        # a lone null on a sparse card
    (["Roku's new Express offers excellent streaming and it's only forty dollars", "NULL",
      "Georgia repeals citizen's arrest law ahead of a federal hearing in the death of a jogger",
      "MADELINE HOLCOMBE, CNN"], []),                                      # one lone null among real copy
    (["Roku's new Express offers excellent streaming and it's only forty dollars", "NULL",
      "Georgia repeals citizen's arrest law ahead of a federal hearing in the death of a jogger",
      "Total: NaN"], ["broken-template"]),                                 # ... with a second leaked value
    # error-screen
    (["Something went wrong", "Please try again"], ["error-screen"]),
    (["404 - Page not found"], ["error-screen"]),
    (["No Internet Connection"], ["error-screen"]),
    (["Oh snap, something went wrong!", "TypeError: x is undefined"], ["error-screen"]),  # not broken-template
    (["java.lang.IllegalStateException: boom", "at com.acme.Main.run(Main.java:12)"], ["error-screen"]),
    (["2024-05-01 12:00:01 ERROR Failed to load config", "2024-05-01 12:00:02 ERROR connection refused",
      "2024-05-01 12:00:03 INFO retrying", "2024-05-01 12:00:04 DEBUG done"], []),   # a log viewer
    (["Crash-free users 99.8%", "Errors 3"], []),
    # login-screen from text alone (no classifier input on a bare analysis: only unambiguous text counts)
    (["Sign in to your account", "Email", "Password", "Forgot password?", "Sign in"], ["login-screen"]),
    (["Harbor Tower", "Sign in", "RFIs Submittals Budget"], []),          # a header Sign in button
    (["Settings", "Account", "Email notifications", "Sign out"], []),      # an account row
]


@pytest.mark.parametrize("lines, expected", CASES, ids=[" | ".join(
    x if isinstance(x, str) else x[0] for x in c[0])[:50] for c in CASES])
def test_content_rules_on_words(cfg, lines, expected):
    assert content_names(judge_asset("x.png", words_screen(*lines), cfg)) == expected


def test_findings_carry_evidence_boxes_confidence_and_fix(cfg):
    verdict = judge_asset("x.png", words_screen("Lorem ipsum dolor sit amet"), cfg)
    finding = verdict.findings[0]
    assert finding.code == "MC103" and 0.5 < finding.confidence <= 1.0 and finding.fix
    assert finding.evidence[0].text == "Lorem ipsum" and finding.evidence[0].box[2] > 0


def _with_classifier(analysis: Analysis, **probabilities: float) -> Analysis:
    """``analysis`` whose screen-classifier probabilities are ``probabilities`` (the rest in use)."""
    from media_check.rules.content import facts_of

    scores = {"in_use": 0.0, "login": 0.0, "splash": 0.0, "error": 0.0, **probabilities}
    scores["in_use"] = max(0.0, 1.0 - sum(v for k, v in scores.items() if k != "in_use"))
    facts_of(analysis, scores)
    return analysis


def test_a_sign_in_form_that_the_classifier_confirms_is_a_login_screen(cfg):
    screen = _with_classifier(words_screen("Acme", "Email", "Password", "Log in"), login=0.8)
    assert content_names(judge_asset("x.png", screen, cfg)) == ["login-screen"]


def test_a_password_managers_stored_login_is_not_a_login_screen(cfg):
    lines = ("Google", "Login details", "E-mail", "karpinski@outlook.com", "Password", "Two-factor authentication",
             "Website", "google.com")
    assert content_names(judge_asset("x.png", _with_classifier(words_screen(*lines), login=0.8), cfg)) == []
    # a sign-up form that asks for a website still carries its credential-screen phrase
    lines = ("Create account", "Email", "Password", "Website", "Already have an account?")
    assert content_names(judge_asset("x.png", _with_classifier(words_screen(*lines), login=0.8), cfg)) == \
        ["login-screen"]


def test_a_credential_phrase_on_a_screen_the_classifier_does_not_see_in_use_is_a_login_screen(cfg):
    lines = ("StellarPay", "CONNECT YOUR WALLET", "Connect your wallet to send XLM")
    screen = _with_classifier(words_screen(*lines), login=0.28, splash=0.55)
    assert content_names(judge_asset("x.png", screen, cfg)) == ["login-screen"]
    screen = _with_classifier(words_screen(*lines), login=0.2)  # the classifier sees the app in use
    assert content_names(judge_asset("x.png", screen, cfg)) == []


def test_two_field_labels_and_a_button_on_a_screen_not_in_use_are_a_login_form(cfg):
    lines = ("WELCOME", "Username Member", "Kata Sandi", "CONNECT")
    screen = _with_classifier(words_screen(*lines), login=0.29, splash=0.55)
    assert content_names(judge_asset("x.png", screen, cfg)) == ["login-screen"]
    screen = _with_classifier(words_screen("WELCOME", "Username Member", "CONNECT"), login=0.29, splash=0.55)
    assert content_names(judge_asset("x.png", screen, cfg)) == []  # one field label alone is not enough


@pytest.mark.parametrize("lines", [("Welcome In ToDoMe", "keep it simple, do it faster", "Get Started"),
                                   ("Minesweeper", "Clone", "Play Game"), ("Notezy", "v2.0")])
def test_a_start_button_or_a_lone_version_lowers_the_splash_probability_needed(cfg, lines):
    screen = _with_classifier(words_screen(*lines), splash=0.5)
    assert content_names(judge_asset("x.png", screen, cfg)) == ["splash-screen"]
    plain = _with_classifier(words_screen(*lines[:-1]), splash=0.5)  # without it, 0.5 is not enough
    assert content_names(judge_asset("x.png", plain, cfg)) == []
    in_use = _with_classifier(words_screen(*lines), splash=0.3)
    assert content_names(judge_asset("x.png", in_use, cfg)) == []


def test_badges_of_two_stores_make_a_marketing_card_whatever_the_classifier_says(cfg):
    lines = ("PunchPro", "Close out punch lists 3x faster", "Download on the", "App Store", "Get it on",
             "Google Play")
    screen = _with_classifier(words_screen(*lines), splash=0.1)
    verdict = judge_asset("x.png", screen, cfg)
    assert content_names(verdict) == ["splash-screen"]
    assert "App Store and Google Play" in next(f.message for f in verdict.findings if f.name == "splash-screen")


def test_one_store_badge_is_not_enough_alone(cfg):
    # a banner ad for another app carries one badge; an in-use screen with a single "Get it on Google Play" link too
    screen = _with_classifier(words_screen("Daily Weather", "Sunny 24", "Get it on Google Play"), splash=0.1)
    assert content_names(judge_asset("x.png", screen, cfg)) == []


def test_a_copyright_footer_is_not_a_splash_mark(cfg):
    screen = _with_classifier(words_screen("Portfolio", "About", "Posts", "© Design: Jane Smith"), splash=0.5)
    assert content_names(judge_asset("x.png", screen, cfg)) == []


@pytest.mark.parametrize("lines", [("Flash Chat", "Login", "Register"), ("Welcome to LibrePass", "Register", "Log in"),
                                   ("Bienvenido a Cuadra", "Entrar", "Registrarse")])
def test_a_welcome_screen_offering_sign_in_and_sign_up_is_a_login_screen(cfg, lines):
    screen = _with_classifier(words_screen(*lines), login=0.45, splash=0.35)
    verdict = judge_asset("x.png", screen, cfg)
    assert content_names(verdict) == ["login-screen"]
    assert "welcome screen" in next(f.message for f in verdict.findings if f.name == "login-screen")


def test_sign_in_and_sign_up_in_the_header_of_an_in_use_screen_are_not_a_login_screen(cfg):
    lines = ("Acme Boards", "Log in Sign up", "Sprint 14 board", "Add item", "Download report")
    screen = _with_classifier(words_screen(*lines), login=0.2)  # the classifier sees the app in use (0.8)
    assert content_names(judge_asset("x.png", screen, cfg)) == []


def test_one_account_action_alone_is_not_a_welcome_screen(cfg):
    screen = _with_classifier(words_screen("Flash Chat", "Login", "Continue"), login=0.45, splash=0.35)
    assert content_names(judge_asset("x.png", screen, cfg)) == []


def test_single_sign_on_named_in_an_article_is_not_a_sign_in_phrase(cfg):
    lines = ("Help Center", "Set up single sign-on for your company", "Admins can turn on Single sign-on in Settings")
    screen = _with_classifier(words_screen(*lines), login=0.33)
    assert content_names(judge_asset("x.png", screen, cfg)) == []
    screen = _with_classifier(words_screen("Acme", "Continue with single sign-on"), login=0.33)
    assert content_names(judge_asset("x.png", screen, cfg)) == ["login-screen"]


def test_a_password_manager_with_a_log_out_button_is_not_a_login_screen(cfg):
    screen = _with_classifier(words_screen("Stored Passwords 1", "Last Login 18/12/2025", "Password", "Logout"),
                              login=0.8)
    assert content_names(judge_asset("x.png", screen, cfg)) == []


def test_lorem_in_the_footer_of_an_error_page_is_left_to_the_error_rule(cfg):
    lines = ("404 - Page not found", ("Lorem ipsum dolor sit amet, consectetur adipisicing elit.", 800))
    assert content_names(judge_asset("x.png", _with_classifier(words_screen(*lines), error=0.9), cfg)) == \
        ["error-screen"]
    # the same words on a screen the classifier sees as in use: both findings
    assert content_names(judge_asset("x.png", _with_classifier(words_screen(*lines), error=0.1), cfg)) == \
        ["error-screen", "placeholder-text"]


def test_an_ad_creative_that_looks_like_a_title_card_is_reported_as_the_ad(cfg):
    # a native ad template: its picture and few words look like a title card to the classifier
    ad = _with_classifier(words_screen("AD", "Title - Max 25 characters", "OPEN"), splash=0.8)
    assert content_names(judge_asset("x.png", ad, cfg)) == ["ad-banner", "placeholder-text"]
    # the same card without its ad badge is a title card
    card = _with_classifier(words_screen("Title - Max 25 characters", "OPEN"), splash=0.8)
    assert content_names(judge_asset("x.png", card, cfg)) == ["placeholder-text", "splash-screen"]


def test_a_case_left_to_another_rule_is_reported_when_that_rule_does_not_run(tmp_path):
    ad = ("AD", "Title - Max 25 characters", "OPEN")
    without_ads = load_config(discover_from=tmp_path, ignore=["ad-banner"])
    assert content_names(judge_asset("x.png", _with_classifier(words_screen(*ad), splash=0.8), without_ads)) == \
        ["placeholder-text", "splash-screen"]
    stricter = tmp_path / "strict"
    stricter.mkdir()
    (stricter / "media-check.toml").write_text('[rules.ad-banner]\nmin-score = 2.0\n', encoding="utf-8")
    strict = load_config(discover_from=stricter)
    assert content_names(judge_asset("x.png", _with_classifier(words_screen(*ad), splash=0.8), strict)) == \
        ["placeholder-text", "splash-screen"]
    # an error page's template footer is placeholder text again when error-screen does not run
    lines = ("404 - Page not found", ("Lorem ipsum dolor sit amet, consectetur adipisicing elit.", 800))
    without_errors = load_config(discover_from=tmp_path, ignore=["error-screen"])
    assert content_names(judge_asset("x.png", _with_classifier(words_screen(*lines), error=0.9), without_errors)) \
        == ["placeholder-text"]


def test_test_mode_of_a_test_ad_is_reported_as_the_ad(cfg):
    verdict = judge_asset("x.png", words_screen("Test mode", "This is an interstitial test ad."), cfg)
    assert content_names(verdict) == ["ad-banner"]


# ---- whole screens through the real analysis (tesseract, features, screen classifier) -------------------------

def _log_viewer():
    rows = [f"2024-05-0{d} 12:0{d}:1{d} ERROR Failed to sync job {40 + d}" for d in range(1, 8)]
    return text_screen(["System log", *rows, "Debug  [ON]"], font_size=24)


def _debug_ribbon():
    image = app_screen(seed=3)
    draw = ImageDraw.Draw(image)
    w = image.width
    draw.polygon([(w - 150, 0), (w - 100, 0), (w, 100), (w, 150)], fill=(183, 28, 28))
    return image


def _header_sign_in():
    image = app_screen(seed=5)
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle([1400, 20, 1560, 70], radius=8, fill=(37, 99, 235))
    draw.text((1430, 30), "Sign in", fill="white", font=font(24))
    return image


DRAWN = {"log-viewer.png": _log_viewer, "debug-ribbon.png": _debug_ribbon, "header-sign-in.png": _header_sign_in}
SCREENS = [
    ("login-sign-in-card.png", ["login-screen"]),
    ("login-sso-providers.png", ["login-screen"]),
    ("in-use-help-center-article.png", []),
    ("in-use-settings-account.png", []),
    ("in-use-concrete-test-results.png", []),
    ("splash-title-card.jpg", ["splash-screen"]),
    ("log-viewer.png", []),
    ("debug-ribbon.png", ["non-production"]),
    ("header-sign-in.png", []),
]


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    """Real analyses (OCR + features) of the screens above, computed once for the module."""
    folder = tmp_path_factory.mktemp("screens")
    cache = str(tmp_path_factory.mktemp("cache"))
    out = {}
    for name, _ in SCREENS:
        path = folder / name
        if name in DRAWN:
            DRAWN[name]().save(path)
        else:
            path = SAMPLES / name
            if not path.is_file():
                continue
        out[name] = analyse_file(str(path), sha256_of(Path(path)), AnalysisParams(), cache)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name, expected", SCREENS)
def test_content_rules_on_real_screens(cfg, analysed, name, expected):
    if name not in analysed:
        pytest.fail(f"sample screen {name} is missing from sample_media/screens")
    analysis = analysed[name]
    assert analysis.error is None
    assert content_names(judge_asset(name, analysis, cfg)) == expected


@pytest.mark.slow
def test_corner_ribbon_is_located(analysed):
    features = analysed["debug-ribbon.png"].features
    assert features["corner_ribbon"] > 0.18
    assert features["corner_ribbon_x"] > 1000 and features["corner_ribbon_y"] == 0
