"""The OCR layer on real tesseract: words, boxes in original coordinates, dark mode, scale handling."""

import numpy as np
from conftest import ROOT, SHARED, font, text_screen
from PIL import Image, ImageDraw

from media_check.engine import second_pass_languages
from media_check.ocr import merge_reads, normalise_polarity, ocr_image, prepare
from media_check.words import Word, lines_of


def words_text(words):
    return " ".join(w.text for w in words).lower()


def test_words_and_boxes_in_original_coordinates():
    image = text_screen(["Quarterly budget review", "Download report"], size=(1600, 900))
    words = ocr_image(image)
    assert "budget" in words_text(words)
    budget = next(w for w in words if w.text.lower() == "budget")
    x, y, w, h = budget.box
    assert 60 < x < 400 and 30 < y < 90 and 15 < h < 50  # where text_screen drew it
    assert budget.conf > 60
    assert [l.text for l in lines_of(words)][:2] == ["Quarterly budget review", "Download report"]


def test_small_image_is_upscaled_and_boxes_mapped_back():
    image = text_screen(["Settings saved"], size=(480, 120), font_size=16)
    words = ocr_image(image)
    assert "settings" in words_text(words)
    box = next(w for w in words if w.text.lower() == "settings").box
    assert box[0] + box[2] <= 480 and box[1] + box[3] <= 120


def test_dark_mode_text_is_read():
    image = text_screen(["Monthly active listeners", "Top tracks this week"], bg=(18, 18, 22), fg=(230, 230, 230))
    assert "listeners" in words_text(ocr_image(image))


def test_mixed_polarity_sidebar_and_page():
    image = Image.new("RGB", (1600, 900), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, 400, 900], fill=(25, 30, 45))
    draw.text((40, 100), "Inspections", fill="white", font=font(30))
    draw.text((500, 100), "Punch list items", fill="black", font=font(30))
    text = words_text(ocr_image(image))
    assert "inspections" in text and "punch" in text


def test_polarity_normalisation_inverts_only_dark_regions():
    grey = np.full((400, 800), 250, np.uint8)
    grey[:, :200] = 20
    out, fraction = normalise_polarity(grey)
    assert 0.2 < fraction < 0.3
    assert out[200, 50] > 200 and out[200, 600] > 200


def test_retina_sized_image_is_brought_down():
    prepared, scale, _ = prepare(np.zeros((1800, 2880, 3), np.uint8))
    assert max(prepared.shape) == 2000 and scale < 1
    prepared, scale, _ = prepare(np.zeros((1080, 1920, 3), np.uint8))
    assert scale == 1.0  # 1x desktop shots are never shrunk


def test_white_text_on_a_mid_tone_panel_is_read():
    # a teal banner (grey level ~170, above the dark-background cut) with white copy: a polarity to read from the
    # text itself, not from how dark the background is
    image = Image.new("RGB", (1200, 700), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, 1200, 420], fill=(108, 205, 185))
    draw.text((60, 80), "Single room near the station", fill="white", font=font(34))
    draw.text((60, 500), "Contact the owner", fill=(30, 30, 30), font=font(30))
    text = words_text(ocr_image(image))
    assert "station" in text and "owner" in text


def test_a_screen_in_another_script_is_read_in_a_second_pass():
    # a Korean sign-in screen: English data reads noise; OSD names Hangul and the Korean pass reads the words
    assert "kor" in second_pass_languages(), "install tesseract-ocr-osd and tesseract-ocr-kor (make install)"
    words = ocr_image(Image.open(SHARED / "corpus" / "login_045.png").convert("RGB"))
    text = "".join(w.text for w in words)
    assert "로그인" in text and "비밀번호" in text


def test_an_english_screen_takes_no_second_pass():
    image = text_screen(["Quarterly budget review", "Download report"], size=(1600, 900))
    assert all(w.text.isascii() for w in ocr_image(image))


def test_a_sparse_read_is_completed_by_a_read_of_the_plain_image():
    # a welcome card whose white-on-blue buttons and title normalisation loses: the plain grey read finds them
    words = ocr_image(Image.open(SHARED / "corpus" / "login_040.jpg").convert("RGB"))
    text = words_text(words)
    assert "login" in text and "register" in text and "flash" in text
    assert any(w.completing for w in words)
    # a test ad's label on a picture, read the same way
    words = ocr_image(Image.open(SHARED / "corpus" / "ad_007.png").convert("RGB"))
    assert "test ad" in words_text(words)


def test_a_sparse_screens_standalone_labels_are_added_by_a_sparse_text_read(monkeypatch):
    from media_check import ocr

    # a sign-in console: page layout analysis reads its title and button but drops the small field names that
    # stand apart; the sparse-text read of the colour image finds them, beside the main read
    console = Image.open(SHARED / "corpus" / "login_032.png").convert("RGB")
    words = ocr_image(console)
    added = words_text([w for w in words if w.completing])
    assert "password" in added and "username" in added
    monkeypatch.setattr(ocr, "SPARSE_TEXT_BELOW", 0)  # no sparse-text read: every other read, and no labels
    assert "password" not in words_text(ocr_image(console))


def test_a_dense_read_takes_no_completing_read():
    words = ocr_image(text_screen(["Quarterly budget review", "Download report", "Test results for March",
                                   "Add item to the punch list"], size=(1600, 900)))
    assert len(words) >= 12 and not any(w.completing for w in words)


def _word(text, conf, box, line):
    return Word(text, conf, box, 1, line)


def test_merge_reads_adds_sure_words_where_nothing_was_read_and_keeps_reading_order():
    first = [_word("Welcome", 90, (100, 100, 200, 40), 0), _word("Footer", 90, (100, 900, 120, 30), 1)]
    other = [_word("Login", 95, (100, 500, 120, 40), 0), _word("Welcome", 91, (102, 101, 198, 40), 1),
             _word("noise", 40, (400, 600, 80, 20), 2)]
    merged = merge_reads(first, other)
    assert [w.text for w in merged] == ["Welcome", "Login", "Footer"]  # by position, the unsure word dropped
    assert [w.completing for w in merged] == [False, True, False]
    assert [w.line for w in merged] == [0, 1, 2]


def test_merge_reads_replaces_a_word_only_with_a_much_surer_one():
    first = [_word("togin", 40, (100, 500, 120, 40), 0), _word("Register", 88, (100, 600, 160, 40), 1)]
    other = [_word("Login", 94, (98, 500, 124, 40), 0), _word("Reglster", 92, (100, 600, 160, 40), 1)]
    merged = merge_reads(first, other)
    assert [w.text for w in merged] == ["Login", "Register"]
    assert merge_reads(first, []) == first


def test_words_keep_their_completing_mark_through_the_cache_format():
    word = Word("Login", 95.0, (1, 2, 3, 4), 1, 0, completing=True)
    assert Word.from_list(word.to_list()) == word
    plain = Word("Login", 95.0, (1, 2, 3, 4), 1, 0)
    assert plain.to_list() == ["Login", 95.0, [1, 2, 3, 4], 1, 0]  # the format of entries written before
    assert Word.from_list(["Login", 95.0, [1, 2, 3, 4], 1, 0]) == plain


def button_screen(buttons, size=(864, 1872)):
    """A welcome card: a title, then rounded buttons given as (label, fill or None for an outline, text colour)."""
    image = Image.new("RGB", size, (255, 247, 245))
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.text((w // 2, int(h * 0.45)), "Welcome to Ledgerly", fill=(40, 40, 40), font=font(40), anchor="mm")
    boxes = []
    for i, (label, fill, ink) in enumerate(buttons):
        top = int(h * 0.52) + i * 135
        box = (w // 4, top, 3 * w // 4, top + 100)
        draw.rounded_rectangle(box, radius=50, fill=fill, outline=(110, 70, 70), width=3)
        draw.text(((box[0] + box[2]) // 2, top + 50), label, fill=ink, font=font(38), anchor="mm")
        boxes.append(box)
    return image, boxes


def test_button_labels_are_read_one_by_one():
    from media_check.ocr import button_boxes, read_buttons

    image, drawn = button_screen([("Register", (140, 78, 74), (255, 255, 255)), ("Log in", None, (110, 70, 70))])
    found = button_boxes(np.asarray(image.convert("L")))
    assert len(found) == 2
    for x0, y0, x1, y1 in drawn:  # each drawn button is found where it was drawn
        assert any(abs(x - x0) <= 8 and abs(y - y0) <= 8 and abs(x + bw - x1) <= 8 and abs(y + bh - y1) <= 8
                   for x, y, bw, bh in found)
    labels = read_buttons(np.asarray(image.convert("L")), ("eng",), 30)
    assert [w.text for w in labels] == ["Log", "in", "Register"]  # largest first: the outline encloses more
    for word in labels:  # a label read on its own is boxed inside its button, in image coordinates
        assert any(x0 <= word.box[0] and word.box[0] + word.box[2] <= x1 and y0 <= word.box[1]
                   and word.box[1] + word.box[3] <= y1 for x0, y0, x1, y1 in drawn)


def test_button_labels_the_whole_screen_read_garbles_are_added_beside_it():
    # a real welcome screen: white "Register" on a filled button and "Log in" in an outlined one, which the read
    # of the whole screen loses or garbles ("( togin": the rounded end taken for a letter)
    words = ocr_image(Image.open(SHARED / "corpus" / "login_054.jpg").convert("RGB"))
    added = [w.text for w in words if w.completing]
    assert "Register" in added and "Log" in added and "in" in added
    assert "welcome to librepass" in words_text([w for w in words if not w.completing])  # kept whole


def test_no_button_read_on_dense_screens_and_nothing_from_empty_boxes():
    from media_check.ocr import read_buttons

    lines = [f"Punch list item {n}: check the drywall on level {n}" for n in range(1, 16)]
    dense = text_screen(lines, size=(1600, 900))
    image = dense.copy()
    ImageDraw.Draw(image).rounded_rectangle((600, 800, 1000, 860), radius=30, outline=(0, 0, 0), width=3)
    assert not any(w.completing for w in ocr_image(image))  # a screen full of words reads no buttons
    empty, _ = button_screen([("", (140, 78, 74), (255, 255, 255)), ("", None, (0, 0, 0))])
    assert read_buttons(np.asarray(empty.convert("L")), ("eng",), 30) == []


def test_a_word_whose_strokes_merge_into_one_shape_is_not_a_button():
    from media_check.ocr import button_boxes

    # bold words on a small screen: their dilated outline is a solid, wide shape, but no margin surrounds a label
    image = Image.new("RGB", (200, 150), (250, 250, 250))
    draw = ImageDraw.Draw(image)
    for y, text in ((14, "Inspection 4821"), (56, "concrete schedule"), (98, "Maria Gonzalez")):
        draw.text((10, y), text, fill=(20, 20, 20), font=font(16))
    assert button_boxes(np.asarray(image.convert("L"))) == []
    framed = Image.new("RGB", (600, 800), (250, 250, 250))
    draw = ImageDraw.Draw(framed)
    draw.rounded_rectangle((100, 400, 500, 460), radius=30, outline=(20, 20, 20), width=2)
    draw.text((300, 430), "Maria Gonzalez", fill=(20, 20, 20), font=font(24), anchor="mm")
    assert len(button_boxes(np.asarray(framed.convert("L")))) == 1  # words inside an outline: a button


def test_a_button_on_a_small_card_is_a_button_though_it_is_tall_for_the_image():
    from media_check.ocr import button_boxes, read_buttons

    # a 360 x 318 ad card whose call-to-action button is 40 px high: 13% of the image, where a phone screen's
    # buttons are under 12%
    image = Image.new("RGB", (360, 318), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((16, 60, 344, 250), fill=(120, 130, 140))
    draw.rounded_rectangle((16, 266, 344, 306), radius=20, fill=(20, 70, 200))
    draw.text((180, 286), "OPEN", fill="white", font=font(20), anchor="mm")
    grey = np.asarray(image.convert("L"))
    assert len(button_boxes(grey)) == 1
    assert [w.text for w in read_buttons(grey, ("eng",), 30)] == ["OPEN"]


def test_a_button_label_in_another_script_is_read_in_that_script():
    # Korean "log in with e-mail" / "sign up" buttons on a screen whose other words are English (a simulator's
    # title bar, the app's Latin name): English reads the labels as noise, Korean reads them
    if "kor" not in second_pass_languages():
        raise AssertionError("the Korean language pack is part of the install (make install)")
    words = ocr_image(Image.open(SHARED / "corpus" / "login_046.png").convert("RGB"))
    added = "".join(w.text for w in words if w.completing)
    assert "로그인" in added and "회원가입" in added


def test_only_a_reading_mostly_in_another_script_counts_as_one():
    from media_check.ocr import _reads_as_script

    assert _reads_as_script([_word("회원가입", 93, (0, 0, 10, 10), 0)])
    assert _reads_as_script([_word("Войти", 95, (0, 0, 10, 10), 0), _word("OK", 90, (0, 0, 10, 10), 0)])
    assert not _reads_as_script([_word("つ", 87, (0, 0, 10, 10), 0), _word("ssword", 89, (0, 0, 10, 10), 0)])
    assert not _reads_as_script([_word("12:54", 90, (0, 0, 10, 10), 0), _word("80", 70, (0, 0, 10, 10), 0)])
    assert not _reads_as_script([_word("ャ", 81, (0, 0, 10, 10), 0)])  # one letter: a rounded end, not a label


def test_the_engine_runs_with_tesseracts_table_detection_off():
    from media_check.engine import engine_name
    from media_check.ocr import _api, _variables_option

    assert _variables_option() == "-c textord_tabfind_find_tables=0"  # the pytesseract fallback's option
    if engine_name() == "tesserocr":
        assert _api(("eng",)).GetVariableAsString("textord_tabfind_find_tables") in ("0", "false")


def test_the_fallback_engine_takes_the_script_pass_and_reads_button_labels(monkeypatch):
    """pytesseract (the ``tesseract`` command) takes the same passes as the persistent engine: OSD names the
    script of a screen English reads as noise, and button labels are read one by one, in their script."""
    monkeypatch.setenv("MEDIA_CHECK_OCR_ENGINE", "pytesseract")
    from media_check.engine import engine_name

    assert engine_name() == "pytesseract"
    korean = "".join(w.text for w in ocr_image(Image.open(SHARED / "corpus" / "login_045.png").convert("RGB")))
    assert "로그인" in korean and "비밀번호" in korean
    words = ocr_image(Image.open(SHARED / "corpus" / "login_046.png").convert("RGB"))
    added = "".join(w.text for w in words if w.completing)
    assert "로그인" in added and "회원가입" in added


def test_the_fallback_engine_hands_the_sparse_text_read_its_colours_in_the_commands_order(monkeypatch):
    import cv2

    from media_check import ocr

    written = []
    real_imwrite = cv2.imwrite

    def imwrite(path, pixels):
        written.append(pixels.copy())
        return real_imwrite(path, pixels)

    monkeypatch.setattr(ocr.cv2, "imwrite", imwrite)
    page = np.asarray(text_screen(["Invoice 4821 approved"], size=(900, 300), fg=(200, 30, 10)))
    words = ocr._ocr_pytesseract(page, 1.0, ("eng",), 30, 900, 300, psm=ocr.PSM_SPARSE)
    assert "invoice" in words_text(words)
    assert written and np.array_equal(written[0], page[:, :, ::-1])  # OpenCV writes BGR: red text stays red


def chip_card(size=(1080, 1600)):
    """A native ad card's title row: an outlined yellow "AD" badge, a filled yellow one with a white label, a
    round avatar with initials; returns the image and the two badges' boxes (x0, y0, x1, y1)."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    yellow = (255, 212, 0)  # grey 201 on white: a faint outline and label
    badges = [(40, 60, 100, 96), (40, 220, 100, 256)]
    draw.rounded_rectangle(badges[0], radius=6, outline=yellow, width=2)
    draw.text((70, 78), "AD", fill=yellow, font=font(22), anchor="mm")
    draw.text((118, 78), "QuoteCraft Estimator", fill=(20, 20, 20), font=font(30), anchor="lm")
    draw.rounded_rectangle(badges[1], radius=6, fill=yellow)
    draw.text((70, 238), "AD", fill="white", font=font(22), anchor="mm")
    draw.text((118, 238), "Price a remodel in minutes", fill=(20, 20, 20), font=font(30), anchor="lm")
    draw.ellipse((40, 300, 92, 352), fill=(47, 111, 223))  # an avatar: round, not a badge
    draw.text((66, 326), "AD", fill="white", font=font(20), anchor="mm")
    return image, badges


def test_chip_labels_are_read_one_by_one():
    from media_check.ocr import chip_boxes, read_chips

    image, drawn = chip_card()
    grey = np.asarray(image.convert("L"))
    found = chip_boxes(grey)
    assert len(found) == 2  # the two badges; the round avatar is not one
    for x0, y0, x1, y1 in drawn:
        assert any(abs(x - x0) <= 4 and abs(y - y0) <= 4 and abs(x + w - x1) <= 4 and abs(y + h - y1) <= 4
                   for x, y, w, h in found)
    labels = read_chips(grey, [], ("eng",), 30)
    assert [w.text for w in labels] == ["AD", "AD"]
    for word in labels:  # each label boxed inside its badge, in image coordinates
        assert any(x0 <= word.box[0] and word.box[0] + word.box[2] <= x1 and y0 <= word.box[1]
                   and word.box[1] + word.box[3] <= y1 for x0, y0, x1, y1 in drawn)
    # a badge under a word the main read already has surely is not read again
    x0, y0, x1, y1 = drawn[0]
    sure = [Word("AD", 95.0, (x0 + 8, y0 + 6, x1 - x0 - 16, y1 - y0 - 12), 0, 0)]
    (again,) = read_chips(grey, sure, ("eng",), 30)
    x0, y0, x1, y1 = drawn[1]  # only the other badge is read
    assert x0 <= again.box[0] and again.box[0] + again.box[2] <= x1 and y0 <= again.box[1] <= y1
    # a sure mark that is no word (the outline read as "|") does not count as its label
    stroke = [Word("|", 95.0, (drawn[0][0] + 2, drawn[0][1] + 2, 4, 30), 0, 0)]
    assert [w.text for w in read_chips(grey, stroke, ("eng",), 30)] == ["AD", "AD"]


def test_a_native_ads_badge_the_whole_screen_read_garbles_is_added_beside_it():
    # a phone news feed whose native ad carries only a small outlined yellow "Ad" badge (read "(ac)" in the
    # read of the whole screen) beside the advertiser's name
    words = ocr_image(Image.open(ROOT / "sample_media" / "screens" / "ad-banner-native-ad-badge.png").convert("RGB"))
    badge = [w for w in words if w.completing and w.text == "Ad"]
    assert len(badge) == 1
    name = next(w for w in words if w.text == "QuoteCraft")
    assert badge[0].box[0] + badge[0].box[2] <= name.box[0] and abs(badge[0].box[1] - name.box[1]) <= 20
