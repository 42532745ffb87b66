"""OCR-tolerant phrase matching on the shipped lexicon (models/phrases.toml)."""

import pytest

from media_check.phrases import Lexicon, levenshtein, load_lexicon, skeleton, tokens
from media_check.words import Word


def line(*texts, y=100, line_id=0, height=20):
    """OCR words of one line, laid out left to right."""
    words, x = [], 10
    for text in texts:
        width = 12 * len(text)
        words.append(Word(text, 90.0, (x, y, width, height), 1, line_id))
        x += width + 10
    return words


def found(words, category=None):
    matches = load_lexicon().find(words)
    return [(m.category, m.phrase) for m in matches if category is None or m.category == category]


@pytest.mark.parametrize("ocr, phrase", [
    ("L0gin", "login"),            # a zero read for an o
    ("Pass word", "password"),     # a word split in two
    ("Sign-in", "sign in"),        # punctuation between the parts
    ("SIGNIN", "sign in"),
    ("Passw0rd", "password"),
    ("Naponb", "пароль"),          # Cyrillic read by an English-only OCR
    ("Mot de passe oublié", "mot de passe oublie"),
    ("rnenu", "menu"),             # rn read for m
])
def test_skeletons_of_ocr_readings_equal_the_phrase(ocr, phrase):
    assert skeleton(ocr) == skeleton(phrase)


def test_numbers_stay_numbers():
    assert tokens("404") == ["404"] and tokens("127.0.0.1") == ["127", "0", "0", "1"]


def test_levenshtein_stops_at_the_limit():
    assert levenshtein("forgotyourpassword", "orgotyourpassword", 2) == 1
    assert levenshtein("abcdef", "uvwxyz", 2) == 3


@pytest.mark.parametrize("texts, expected", [
    (["orgot", "your", "password?"], ("login.strong", "forgot your password")),   # first letter lost
    (["Forgot", "Pass", "word?"], ("login.strong", "forgot password")),
    (["G", "Continue", "with", "Google"], ("login.strong", "continue with google")),
    (["Don't", "have", "an", "account?"], ("login.strong", "don't have an account")),
    (["BOUTU", "B", "aKKayHT"], ("login.strong", "войти в аккаунт")),
    (["Lorem", "ipsum", "dolor"], ("placeholder.strong", "lorem ipsum")),
    (["Nice", "job!", "This", "is", "a", "320x50", "test", "ad."], ("ad.strong", "this is a 320x50 test ad")),
    (["Something", "went", "wrong"], ("error.strong", "something went wrong")),
    (["PLEASE", "CONNECT", "TO", "INTERNET"], ("error.strong", "connect to internet")),
    (["자", "동", "로", "그", "인"], ("login.strong", "자동 로그인")),            # Korean OCR splits syllables
    (["请", "输入", "您", "的", "密码"], ("login.strong", "请输入您的密码")),
])
def test_phrases_are_found_despite_ocr_errors(texts, expected):
    assert expected in found(line(*texts))


@pytest.mark.parametrize("texts, category", [
    (["closed"], "ad.strong"),            # a near miss never merges words into "close ad"
    (["demo10@gmail.com"], "nonprod.badge"),  # "demo" inside a longer token
    (["Add", "item"], "ad.strong"),
    (["No", "ads"], "ad.strong"),
    (["Logic"], "login.cta"),            # short words must match exactly
    (["Signing", "key"], "login.cta"),
])
def test_near_words_are_not_phrases(texts, category):
    assert found(line(*texts), category) == []


def test_overlapping_phrases_of_one_rule_count_once():
    matches = found(line("Forgot", "password?"))
    assert ("login.strong", "forgot password") in matches
    assert ("login.field", "password") not in matches  # covered by the longer phrase


def test_a_phrase_keeps_its_closest_reading_not_a_stray_mark_beside_it():
    # a button's rounded end read as a letter: "C" + "Install" is one edit from "install", "Install" none
    (cta,) = [m for m in load_lexicon().find(line("C", "Install")) if m.category == "ad.cta"]
    assert cta.text == "Install"
    (field,) = [m for m in load_lexicon().find(line("Pass", "word")) if m.category == "login.field"]
    assert field.text == "Pass word"  # a word split in two still joins: it reads exactly so


def test_cjk_phrases_are_found_inside_a_line():
    assert ("login.strong", "ログイン") in found(line("ログインする"))
    assert ("login.strong", "登录") in found(line("用户", "登录"))


def test_patterns_give_the_words_they_cover():
    words = line("Hello,", "{{user.firstName}}", "you", "have", "NaN", "tasks")
    matches = [m for m in load_lexicon().find(words) if m.category == "broken.patterns"]
    assert {m.text for m in matches} == {"{{user.firstName}}", "NaN"}
    assert all(m.box[2] > 0 for m in matches)


def test_case_sensitive_patterns():
    assert found(line("nan", "bread"), "broken.patterns") == []     # the word, not the value NaN
    assert found(line("NaN"), "broken.patterns")


def test_a_lexicon_from_toml():
    lexicon = Lexicon.from_toml('[demo.strong]\nen = ["hello world"]\n[demo.patterns]\nany = ["\\\\bv\\\\d+"]\n')
    categories = [m.category for m in lexicon.find(line("Helo", "world", "v2"))]
    assert categories == ["demo.strong", "demo.patterns"]


def test_two_factor_rows_are_a_field_not_a_credential_screen_phrase():
    # password managers and security settings list "Two-factor authentication" as a row
    assert found(line("Two-factor", "authentication"), "login.strong") == []
    assert ("login.field", "two-factor authentication") in found(line("Two-factor", "authentication"))


@pytest.mark.parametrize("reading", [
    ("ليس", "لديك", "حساب؟"),     # logical order
    ("سيل", "كيدل", "باسح"),      # visual order: each word's letters reversed, as OCR often returns Arabic
    ("باسح", "كيدل", "سيل"),      # visual order, words reversed too
])
def test_arabic_phrases_are_found_in_logical_and_visual_order(reading):
    assert ("login.strong", "ليس لديك حساب") in found(line(*reading))


def test_arabic_letter_variants_fold_together_and_other_arabic_is_not_a_phrase():
    assert skeleton("إنشاء حساب") == skeleton("انشاء حساب")
    assert found(line("مواقيت", "الصلاة", "اليوم"), "login.strong") == []  # prayer times today


def test_a_one_word_arabic_phrase_is_found_once():
    assert found(line("ينركذت"), "login.strong") == [("login.strong", "تذكرني")]  # "remember me", visual order
    # one word has two readings (logical, letters reversed), not three
    assert len([p for p in load_lexicon().phrases if p.text == "تذكرني"]) == 2


def test_phrase_groups_are_data_read_by_the_rules_not_phrases_matched_on_their_own():
    from media_check.phrases import load_lexicon, skeleton

    lexicon = load_lexicon()
    assert lexicon.groups["account_actions"][skeleton("Log in")] == "sign-in"
    assert lexicon.groups["account_actions"][skeleton("Register")] == "sign-up"
    assert lexicon.groups["store_badges"][skeleton("Get it on Google Play")] == "Google Play"
    assert not any(p.category.startswith("groups.") for p in lexicon.phrases)
