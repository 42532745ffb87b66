"""Tesseract OCR for screenshots: words with boxes (in original-image coordinates), confidences, line and block ids.

Screenshots are not scanned pages, so the image is prepared first (:func:`prepare`):
- greyscale, then *polarity normalisation*: wherever the text is lighter than its local background (dark mode,
  dark sidebars, white text on coloured buttons, cards and hero banners) the pixels are inverted, so tesseract
  sees dark text on light everywhere in one pass instead of two; faint text is stretched to full contrast;
- scale chosen by the likely text height: small images are upscaled 2x; very large (Retina, 2x/3x) shots are
  brought down to a 2000 px long side, which reads as well and faster. 1x desktop shots are never shrunk.

Two engines read the prepared image, chosen by :func:`engine_name`:
- ``tesserocr``: a persistent tesseract API per process, fed raw pixels (no process start, no model reload, no
  image encoding per asset); about 1.7x faster per image here. Used when the ``tesserocr`` wheel is installed.
- ``pytesseract``: the ``tesseract`` command through pytesseract, the portable fallback.
``MEDIA_CHECK_OCR_ENGINE=pytesseract`` forces the fallback. The engine is part of the OCR cache key.

Screens in other scripts: with only the configured languages (``eng`` by default), Chinese, Japanese, Korean,
Arabic or Cyrillic text reads as low-confidence noise. When the first pass reads that badly (mean word confidence
below :data:`SECOND_PASS_BELOW`), tesseract's script detection (OSD) names the script, and a second pass reads the
image with that script's language data next to the configured languages (:data:`SCRIPT_LANGUAGES`, when the
Debian language pack is installed); its words replace the first pass's when they are read with clearly more
confidence. Most screenshots never take the second pass. The installed script languages are part of the OCR cache
key (:func:`second_pass_languages`). Both engines take every pass (the fallback spends a process on each).

Buttons: read as part of a whole screen, the label of a rounded, outlined or filled button is often garbled (its
rounded end taken for a letter: "( togin") or lost (white on a coloured fill). On screens with few words (sign-in,
welcome and title screens), :func:`read_buttons` reads each button-like box's label on its own, and its sure words
are added beside the main read (marked ``completing``, like the completing read's).

Sparse screens: page layout analysis (:data:`PSM_AUTO`) drops small labels that stand apart, such as a sign-in
form's field names. When the main read has fewer than :data:`SPARSE_TEXT_BELOW` words, tesseract's sparse-text mode
(:data:`PSM_SPARSE`) reads the colour image once more, and its sure words are added beside the main read too.

Chips: a small outlined or filled badge beside a title (the "AD" of a native ad unit, a "BETA" tag) is taken for a
picture and its label dropped or garbled, on dense screens as on sparse ones. :func:`read_chips` reads each chip's
label on its own, on every screen, unless a word read surely already covers it.
"""

from __future__ import annotations

import os
import tempfile

import cv2
import numpy as np
from PIL import Image

from media_check.align import intersect, shrink
from media_check.engine import (APT_TESSERACT, SCRIPT_LANGUAGES, OcrUnavailable, engine_name, second_pass_languages,
                                 tessdata_dir)
from media_check.words import Word

# A change to what this module reads bumps versions.PREPROCESS_VERSION (the key of cached OCR words).

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

BACKGROUND_WINDOW = 41  # median window (pixels at working resolution) for the local background
NOISE_LEVELS = 12.0  # grey levels from the background still counted as background (compression noise, box fills)
POLARITY_RATIO = 2.0  # lighter departures this many times the darker ones make a region light-on-dark
GAIN_WINDOW = 41  # window (pixels at working resolution) of the local contrast stretch
MIN_CONTRAST = 0.5  # local contrast stretch: at most 1 / MIN_CONTRAST
SPARSE_BELOW = 5  # a read with fewer words than this is completed by a read of the plain grey image
MERGE_MIN_CONF = 60.0  # confidence a word of that second read needs to be added
PSM_AUTO, PSM_SINGLE_LINE = 3, 7  # tesseract's page segmentation modes: a whole screen, a button's label
PSM_SPARSE = 11  # tesseract's "sparse text" mode: as much text as it finds, in no particular order
SPARSE_TEXT_BELOW = 12  # a main read with fewer words than this is completed by a sparse-text read (colour)
SOURCE_DPI = 96  # resolution tesseract is told (it estimates one otherwise; 96 reads screenshots as well)
# tesseract settings, for both engines. Table detection is off: screenshots have no tables to find, and it costs
# ~3% of the OCR time. On the corpus it changes the words of 76 of 279 images (layout of noisy regions, and with
# it a few second passes) and no finding. textord_tabfind_find_tables is process-wide in tesseract.
TESSERACT_VARIABLES = {"textord_tabfind_find_tables": "0"}
SECOND_PASS_BELOW = 50.0  # mean word confidence of the first pass under which the script is detected
SECOND_PASS_GAIN = 10.0  # the second pass wins when its mean confidence is this much higher
BUTTON_READ_BELOW = 50  # a read with fewer words than this also reads each button-like box's label on its own
BUTTON_LIMIT = 8  # at most this many buttons are read per image
BUTTON_TEXT_HEIGHT = 40  # a button's or a chip's inside is scaled to this height (pixels) for its read
BUTTON_MAX_HEIGHT = 0.12  # a button is at most this share of the image high (48 working pixels at least: a card)
_LINE_BORDER = 12  # pixels of its own edge added around a button's or a chip's inside before its read
SCRIPT_RETRY_BELOW = 30.0  # a button label read with a mean confidence under this is read again in other scripts
SCRIPT_RETRY_BUTTONS = 2  # ... for at most this many buttons of an image
SCRIPT_RETRY_MIN_CONF = 70.0  # the other script's reading is kept at this mean confidence
CHIP_LIMIT = 6  # at most this many chips (badges, tags) are read per image
CHIP_SURE_CONF = 90.0  # a chip under a word read this surely is not read again
CHIP_MAX_HEIGHT = 0.05  # a chip is at most this share of the image's short side high (24 working pixels at least)
UPSCALE_BELOW = 1000  # long side in pixels
DOWNSCALE_ABOVE = 2400
DOWNSCALE_TO = 2000
STRIP_ROWS = 128  # rows of the full-resolution arithmetic of normalise_polarity done at a time (bounds memory)


class OcrTimeout(Exception):
    pass


def prepare(rgb: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Grey, polarity-normalised, rescaled image for tesseract; returns (image, scale, inverted_fraction)."""
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    del rgb  # freed here when the caller handed it over (ocr_image does): a 4K image's 25 MB
    normalised, inverted = normalise_polarity(grey)
    del grey
    long_side = max(normalised.shape)
    scale = 1.0
    if long_side < UPSCALE_BELOW:
        scale = 2.0
    elif long_side > DOWNSCALE_ABOVE:
        scale = DOWNSCALE_TO / long_side
    return _rescaled(normalised, scale), scale, inverted


def _rgb_array(image: Image.Image) -> np.ndarray:
    """The pixels of ``image`` as an RGB array."""
    return np.asarray(image if image.mode == "RGB" else image.convert("RGB"))


def _rescaled(pixels: np.ndarray, scale: float) -> np.ndarray:
    """``pixels`` (grey or RGB) resized by ``scale`` for tesseract (cubic up, area down)."""
    if scale == 1.0:
        return pixels
    h, w = pixels.shape[:2]
    interpolation = cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA
    return cv2.resize(pixels, (round(w * scale), round(h * scale)), interpolation=interpolation)


def normalise_polarity(grey: np.ndarray) -> tuple[np.ndarray, float]:
    """Dark text on a white background everywhere: returns (image, fraction of the image that was inverted).

    The local background is a wide median (text strokes are thin, so a median window's value is the colour
    around them; medians keep the edges of buttons and panels sharp). Each region's polarity is read from its
    content: where what departs from the background is mostly *lighter* than it (white text on a teal banner, a
    coloured button, a dark card), the region is inverted; where it is mostly darker it is kept; where neither side
    dominates (photos, icons), a dark background is inverted as before. Then every pixel becomes its contrast
    against the background (flat-field, with a small dead zone that drops compression noise and faint box
    fills), stretched locally so that faint text (light grey labels on a dark card) reaches full black. Grey
    panels and tinted cards become white, so tesseract's page segmentation does not take them for pictures.
    Computed at half resolution on large images.
    """
    h, w = grey.shape
    factor = 2 if max(h, w) > 1200 else 1
    small = cv2.resize(grey, (w // factor, h // factor), interpolation=cv2.INTER_AREA) if factor > 1 else grey
    window = BACKGROUND_WINDOW
    background = cv2.medianBlur(small, window) if min(small.shape) > window else small
    departure = small.astype(np.float32) - background.astype(np.float32)
    lighter = cv2.blur(np.maximum(departure - NOISE_LEVELS, 0), (window, window))
    darker = cv2.blur(np.maximum(-departure - NOISE_LEVELS, 0), (window, window))
    inverted = np.where(lighter > POLARITY_RATIO * darker + 0.5, 1.0,
                        np.where(darker > POLARITY_RATIO * lighter + 0.5, 0.0,
                                 (background < 110).astype(np.float32)))
    inverted = cv2.blur(inverted, (5, 5)) > 0.5
    del departure, lighter, darker
    fraction = float(inverted.mean())
    back = background.astype(np.float32)
    # An exact 2x upsample (even sizes) of the background and of the gain is made strip by strip from slabs with
    # a margin, which gives the very values of the whole-image resize; other sizes resize the whole image.
    by_strips = factor == 2 and w % 2 == 0 and h % 2 == 0
    if factor > 1:
        inverted = cv2.resize(inverted.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST).astype(bool)
        if not by_strips:
            back = cv2.resize(back, (w, h), interpolation=cv2.INTER_LINEAR)

    def rows_of(field: np.ndarray, top: int, bottom: int) -> np.ndarray:
        return _upsampled_rows(field, w, top, bottom) if by_strips else field[top:bottom]

    # The full-resolution arithmetic runs in strips of rows, in place (the same float32 operations in the same
    # order, so the same pixels): a 4K screenshot needs one full-size float array here instead of nine.
    depth = np.empty((h, w), np.float32)
    for top in range(0, h, STRIP_ROWS):
        rows = slice(top, top + STRIP_ROWS)
        strip_back = rows_of(back, top, min(h, top + STRIP_ROWS))
        diff = grey[rows].astype(np.float32)
        diff -= strip_back
        lighter_depth = diff - NOISE_LEVELS  # light on dark: (diff - noise)+ / light range
        np.maximum(lighter_depth, 0, out=lighter_depth)
        scale_range = np.subtract(255.0, strip_back)
        np.maximum(scale_range, 64.0, out=scale_range)
        scale_range -= NOISE_LEVELS
        lighter_depth /= scale_range
        np.negative(diff, out=diff)  # dark on light: (-diff - noise)+ / dark range
        diff -= NOISE_LEVELS
        np.maximum(diff, 0, out=diff)
        np.maximum(strip_back, 64.0, out=scale_range)
        scale_range -= NOISE_LEVELS
        diff /= scale_range
        np.copyto(diff, lighter_depth, where=inverted[rows])
        depth[rows] = diff
    back = strip_back = inverted = None  # the strip may be a view: both must go for a full-size array to be freed
    # local contrast stretch: the darkest stroke of each neighbourhood becomes black (at most 1/MIN_CONTRAST x)
    coarse = cv2.resize(depth, (w // factor, h // factor), interpolation=cv2.INTER_AREA) if factor > 1 else depth
    gain = 1.0 / np.clip(cv2.dilate(coarse, np.ones((GAIN_WINDOW, GAIN_WINDOW), np.uint8)), MIN_CONTRAST, 1.0)
    del coarse
    if factor > 1 and not by_strips:
        gain = cv2.resize(gain, (w, h), interpolation=cv2.INTER_LINEAR)
    out = np.empty((h, w), np.uint8)
    for top in range(0, h, STRIP_ROWS):
        bottom = min(h, top + STRIP_ROWS)
        strip = depth[top:bottom]
        strip *= rows_of(gain, top, bottom)
        np.subtract(1.0, strip, out=strip)
        strip *= 255.0
        np.clip(strip, 0, 255, out=strip)
        np.copyto(out[top:bottom], strip, casting="unsafe")
    return out, fraction


def _upsampled_rows(small: np.ndarray, width: int, top: int, bottom: int) -> np.ndarray:
    """Rows ``top:bottom`` of ``cv2.resize(small, (width, 2 * small.shape[0]), INTER_LINEAR)`` (an exact 2x
    upsample), resized from the source rows they need plus two on each side: the same values, a strip's memory."""
    first = max(0, top // 2 - 2)
    last = min(small.shape[0], (bottom + 1) // 2 + 2)
    slab = cv2.resize(small[first:last], (width, 2 * (last - first)), interpolation=cv2.INTER_LINEAR)
    return slab[top - 2 * first:bottom - 2 * first]


_APIS: dict[str, object] = {}


def _api(languages: tuple[str, ...]):
    """One persistent tesseract API per process and language set."""
    import tesserocr

    key = "+".join(languages)
    api = _APIS.get(key)
    if api is None:
        path = tessdata_dir()
        if path is None:
            raise OcrUnavailable("no tesseract language data found: run 'sudo apt-get install -y tesseract-ocr-eng'")
        try:
            api = tesserocr.PyTessBaseAPI(path=path, lang=key, psm=tesserocr.PSM.AUTO)
        except RuntimeError as exc:
            raise OcrUnavailable(f"tesseract could not load language data '{key}' from {path}: {exc}") from None
        for name, value in TESSERACT_VARIABLES.items():
            api.SetVariable(name, value)
        _APIS[key] = api
    return api


def ocr_image(image: Image.Image, languages: tuple[str, ...] = ("eng",), timeout: float = 60.0) -> list[Word]:
    """Words tesseract reads in ``image`` (RGB), boxes in ``image``'s pixel coordinates.

    One read of the polarity-normalised image; a second in the script tesseract's OSD sees when English reads poorly
    or finds little; and, when a read finds only a few words (a sign-in card, a title, a test ad on
    a picture), a read of the plain grey image whose sure words complete it: normalisation can lose large text on a
    plain background or a bold label on a picture that tesseract reads as it is. Then the labels of button-like
    boxes on a screen of fewer than :data:`BUTTON_READ_BELOW` words; a sparse-text read of the colour image on a
    screen of fewer than :data:`SPARSE_TEXT_BELOW`; and the labels of chips (badges, tags) on any screen, each
    read on its own. Words of those completing reads are marked ``completing``: phrase rules read them, the screen
    classifier's layout features do not (they describe the main read, the one the classifier was trained on).
    """
    read = _reader()
    # the pixel array is handed over, not kept: prepare() lets it go once it has the grey image
    prepared, scale, _ = prepare(_rgb_array(image))
    words = read(prepared, scale, languages, timeout, image.width, image.height)
    first = _mean_confidence(words)
    sparse = _readable_count(words) < SPARSE_BELOW
    read_in = languages  # the languages the words were read in: the second pass's when it wins
    if sparse or first is not None and first < SECOND_PASS_BELOW:
        script_languages = tuple(lang for lang in _script_languages(prepared) if lang not in languages)
        if script_languages:
            again = read(prepared, scale, (*script_languages, *languages), timeout, image.width, image.height)
            second = _mean_confidence(again)
            if second is not None and second >= (first or 0.0) + SECOND_PASS_GAIN:
                words, read_in = again, (*script_languages, *languages)
    main_count = _readable_count(words)
    del prepared
    grey = np.asarray(image.convert("L"))
    if main_count < SPARSE_BELOW:
        # the read of last resort: the image in grey at the same scale, with no polarity normalisation
        words = merge_reads(words, read(_rescaled(grey, scale), scale, languages, timeout, image.width,
                                        image.height))
    edges = shape_edges(grey)  # buttons and chips are found on the same edges
    # added beside the main read, which stays whole: the screen classifier's layout features describe it
    if _readable_count(words) < BUTTON_READ_BELOW:
        words = merge_reads(words, read_buttons(grey, read_in, timeout, edges), replace=False)
    if main_count < SPARSE_TEXT_BELOW:
        # page layout analysis drops small labels standing apart (a form's field names: "USERNAME", "PASSWORD");
        # tesseract's sparse-text mode finds them in the colour image (not in the normalised or the plain grey one)
        colour = _rescaled(_rgb_array(image), scale)
        words = merge_reads(words, read(colour, scale, read_in, timeout, image.width, image.height, psm=PSM_SPARSE),
                            replace=False)
        del colour
    # badges and tags on any screen, dense or sparse: a native ad's "AD" sits in a feed full of words
    return merge_reads(words, read_chips(grey, words, read_in, timeout, edges), replace=False)


Edges = tuple[np.ndarray, float, np.ndarray]  # (a grey copy at most 1000 pixels long, its scale, its edges)


def shape_edges(grey: np.ndarray) -> Edges:
    """The copy of ``grey`` buttons and chips are found on (at most 1000 pixels long), its scale and its edges."""
    small, factor = shrink(grey, 1000)
    return small, factor, cv2.Canny(small, 40, 120)


def button_boxes(grey: np.ndarray, edges: Edges | None = None) -> list[tuple[int, int, int, int]]:
    """Boxes (x, y, w, h, original pixels) of button-like shapes: closed, wide, short outlines or fills, as
    sign-in, welcome and title screens draw them. Found on a copy at most 1000 pixels long (``edges``:
    :func:`shape_edges` of ``grey`` when the caller has them), largest first."""
    def fits(bw: int, bh: int, sw: int, sh: int) -> bool:
        return (max(16, 0.02 * sh) <= bh <= max(BUTTON_MAX_HEIGHT * sh, 48) and 0.12 * sw <= bw <= 0.95 * sw
                and bw >= 2.5 * bh)

    return _closed_shapes(edges or shape_edges(grey), fits, dilation=3, inset=lambda bh: max(2, round(0.12 * bh)),
                          limit=BUTTON_LIMIT)


def chip_boxes(grey: np.ndarray, edges: Edges | None = None) -> list[tuple[int, int, int, int]]:
    """Boxes (x, y, w, h, original pixels) of chips: small closed outlines or fills about one line of text high,
    a little wider than high and up to four times as wide, as badges and tags are drawn ("AD" beside a native ad's
    title, "BETA", "NEW"). Found on a copy at most 1000 pixels long, largest first, at most :data:`CHIP_LIMIT`."""
    def fits(bw: int, bh: int, sw: int, sh: int) -> bool:
        return 10 <= bh <= max(24.0, CHIP_MAX_HEIGHT * min(sh, sw)) and 1.1 * bh <= bw <= 4 * bh

    # a thin dilation: a chip sits a few pixels from the words beside it, which a wider one would join to it
    return _closed_shapes(edges or shape_edges(grey), fits, dilation=2, inset=_chip_inset, limit=CHIP_LIMIT)


def _closed_shapes(edges: Edges, fits, dilation: int, inset, limit: int) -> list[tuple[int, int, int, int]]:
    """Boxes (x, y, w, h, original pixels) of closed outlines or fills whose size ``fits(w, h, copy w, copy h)``
    and whose ring ``inset(h)`` pixels inside the edge is one colour, as around a label: the :func:`shape_edges`
    joined by a ``dilation`` square; largest first, overlapping ones once, at most ``limit``."""
    small, factor, found_edges = edges
    sh, sw = small.shape
    closed = cv2.dilate(found_edges, np.ones((dilation, dilation), np.uint8))
    contours, _ = cv2.findContours(closed, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    found: list[tuple[int, int, int, int]] = []
    for contour in sorted(contours, key=cv2.contourArea, reverse=True):
        x, y, bw, bh = cv2.boundingRect(contour)
        if not fits(bw, bh, sw, sh):
            continue
        if cv2.contourArea(contour) < 0.75 * bw * bh:  # an outline that closes on itself, not a run of text
            continue
        if any(_overlap((x, y, bw, bh), other) > 0.5 for other in found):
            continue
        if not _has_margin(small[y:y + bh, x:x + bw], inset(bh)):
            continue  # a word or a run of text whose strokes merged into one shape: no margin around a label
        found.append((x, y, bw, bh))
        if len(found) == limit:
            break
    return [(round(x / factor), round(y / factor), round(bw / factor), round(bh / factor)) for x, y, bw, bh in found]


def _chip_inset(height: int) -> int:
    """Pixels of a chip's edge cut off, for its margin test and its label: its outline and a little more."""
    return max(3, round(0.15 * height))


def read_chips(grey: np.ndarray, words: list[Word], languages: tuple[str, ...], timeout: float,
               edges: Edges | None = None) -> list[Word]:
    """The label of each chip (:func:`chip_boxes`) that ``words`` did not already read surely, read on its own.

    Tesseract reading a whole screen takes a small outlined or filled badge for a picture and drops or garbles its
    label: the "AD" badge of a native ad unit (read "(ac)"), a "BETA" tag."""
    found: list[Word] = []
    for line, box in enumerate(chip_boxes(grey, edges)):
        if any(_readable(w) and w.conf >= CHIP_SURE_CONF and _overlap(w.box, box) > 0.5 for w in words):
            continue  # read surely already: its own read could not be surer by the margin a merge needs
        inset = (_chip_inset(box[3]),) * 2
        label = _label_image(grey, box, inset)
        if label is not None:
            crop, scale = label
            found += _label_words(_read_line(crop, languages, timeout), box, inset, scale, grey.shape, line)
    return found


def _label_image(grey: np.ndarray, box: tuple[int, int, int, int],
                 inset: tuple[int, int]) -> tuple[np.ndarray, float] | None:
    """A box's inside (``inset`` (x, y) pixels of its edge cut off) ready for a line read: made dark-on-light
    (inverted when its fill is darker than its label), scaled to :data:`BUTTON_TEXT_HEIGHT` and bordered; with its
    scale. None for an empty inside (a text input with nothing in it, a bar)."""
    x, y, bw, bh = box
    dx, dy = inset
    inside = grey[y + dy:y + bh - dy, x + dx:x + bw - dx]
    if inside.size == 0 or int(inside.max()) - int(inside.min()) < 40:
        return None
    threshold, _ = cv2.threshold(inside, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    if (inside > threshold).mean() < 0.5:  # mostly dark: a label lighter than its fill
        inside = 255 - inside
    scale = BUTTON_TEXT_HEIGHT / inside.shape[0]
    return cv2.copyMakeBorder(_rescaled(inside, scale), *(_LINE_BORDER,) * 4, cv2.BORDER_REPLICATE), scale


def _label_words(read: list[Word], box: tuple[int, int, int, int], inset: tuple[int, int], scale: float,
                 shape: tuple[int, ...], line: int) -> list[Word]:
    """Words read in a box's :func:`_label_image`, moved back to the image (of ``shape``), on ``line``."""
    height, width = shape[:2]
    x, y = box[0] + inset[0], box[1] + inset[1]
    words = []
    for word in read:
        wx, wy, ww, wh = word.box
        at = _in_image(x + round((wx - _LINE_BORDER) / scale), y + round((wy - _LINE_BORDER) / scale),
                       max(1, round(ww / scale)), max(1, round(wh / scale)), width, height)
        words.append(Word(word.text, word.conf, at, word.block, line))
    return words


def _has_margin(box: np.ndarray, inset: int) -> bool:
    """Whether the ring ``inset`` pixels inside a box's edge is one colour (a button's fill, or the background
    inside its outline), as around a label; a word's own outline cuts through its strokes there."""
    inner = box[inset:-inset, inset:-inset]
    if inner.size == 0:
        return False
    ring = np.concatenate([inner[0], inner[-1], inner[:, 0], inner[:, -1]]).astype(np.int16)
    return float((np.abs(ring - np.median(ring)) <= 24).mean()) >= 0.85


def read_buttons(grey: np.ndarray, languages: tuple[str, ...], timeout: float,
                 edges: Edges | None = None) -> list[Word]:
    """The label of each button-like box, read on its own as one line of text.

    Tesseract reading a whole screen takes the rounded end of an outlined or filled button for a letter
    ("( togin" for "Log in") or drops a white label on a coloured fill. Each button's inside, its rounded ends
    and outline cut off, is made dark-on-light (inverted when its fill is darker than its label), scaled to a
    readable height and read as a single line. A label that reads as noise (mean confidence under
    :data:`SCRIPT_RETRY_BELOW`) in ``languages`` alone is read again with each installed script language in turn
    (a Korean "Log in with e-mail" on a screen whose other words are English), for at most
    :data:`SCRIPT_RETRY_BUTTONS` buttons: the first reading that is clearly surer and mostly in that script wins."""
    scripts = _other_scripts(languages)
    retries = 0
    words: list[Word] = []
    for line, box in enumerate(button_boxes(grey, edges)):
        inset = (round(0.5 * box[3]), round(0.15 * box[3]))  # the rounded ends and the outline cut off
        label = _label_image(grey, box, inset)
        if label is None:
            continue
        crop, scale = label
        read = _read_line(crop, languages, timeout)
        confidence = _mean_confidence(read, minimum=1) or 0.0
        if confidence < SCRIPT_RETRY_BELOW and _readable_count(read) and retries < SCRIPT_RETRY_BUTTONS:
            retries += 1  # noise, not an icon that reads as nothing: perhaps a label in another script
            for script in scripts:
                again = _read_line(crop, (script, *languages), timeout)
                if ((_mean_confidence(again, minimum=1) or 0.0) >= max(confidence + SECOND_PASS_GAIN,
                                                                        SCRIPT_RETRY_MIN_CONF)
                        and _reads_as_script(again)):
                    read = again
                    break
        words += _label_words(read, box, inset, scale, grey.shape, line)
    return words


def _read_line(crop: np.ndarray, languages: tuple[str, ...], timeout: float) -> list[Word]:
    """One line of text (a button's label)."""
    return _reader()(crop, 1.0, languages, timeout, crop.shape[1], crop.shape[0], psm=PSM_SINGLE_LINE)


def _reader():
    """The read function of the engine in use (:func:`_ocr_tesserocr` or :func:`_ocr_pytesseract`)."""
    return _ocr_tesserocr if engine_name() == "tesserocr" else _ocr_pytesseract


def _reads_as_script(words: list[Word]) -> bool:
    """Whether a reading is mostly letters of another script (at least two): a rounded button end read as one
    kana or a digit read as Hangul is not a label in that script."""
    characters = [c for w in words for c in w.text if c.isalnum()]
    foreign = [c for c in characters if not c.isascii()]
    return len(foreign) >= 2 and len(foreign) >= 0.6 * len(characters)


def _other_scripts(languages: tuple[str, ...]) -> tuple[str, ...]:
    """The lead language of each installed script group, when ``languages`` holds none of them (the second
    pass, when it won, already reads the screen's script)."""
    installed = second_pass_languages()
    if set(languages) & set(installed):
        return ()
    leads: list[str] = []
    for group in SCRIPT_LANGUAGES.values():
        if group[0] in installed and group[0] not in leads:
            leads.append(group[0])
    return tuple(leads)


def _readable(word: Word) -> bool:
    return any(c.isalnum() for c in word.text)


def _readable_count(words: list[Word]) -> int:
    return sum(1 for w in words if _readable(w))


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """Intersection of two boxes as a share of the smaller one."""
    common = intersect(a, b)
    return 0.0 if common is None else common[2] * common[3] / max(1, min(a[2] * a[3], b[2] * b[3]))


def merge_reads(words: list[Word], other: list[Word], min_conf: float = MERGE_MIN_CONF,
                replace: bool = True) -> list[Word]:
    """``words`` completed by a second read of the same image: each sure word of ``other`` (confidence at least
    ``min_conf``) is added where nothing was read, or where what was read is much less sure; it replaces that
    unless ``replace`` is False (then both stay: the first read is kept whole). Lines keep their reading order
    (the new ones slot in by their top edge) and are numbered afresh."""
    kept = list(words)
    line_offset = 1 + max((w.line for w in words), default=-1)
    changed = False
    for word in other:
        if word.conf < min_conf or not _readable(word):
            continue
        under = [w for w in kept if _overlap(w.box, word.box) > 0.3]
        if under and max(w.conf for w in under) + SECOND_PASS_GAIN > word.conf:
            continue
        if replace:
            kept = [w for w in kept if w not in under]
        kept.append(Word(word.text, word.conf, word.box, word.block, word.line + line_offset, completing=True))
        changed = True
    if not changed:
        return kept
    lines: dict[int, list[Word]] = {}
    for word in kept:
        lines.setdefault(word.line, []).append(word)
    top = {ln: min(w.box[1] for w in ws) for ln, ws in lines.items()}
    order = sorted(ln for ln in lines if ln < line_offset)  # the first read's lines, in its reading order
    for ln in sorted((ln for ln in lines if ln >= line_offset), key=top.get):
        at = next((i for i, o in enumerate(order) if o < line_offset and top[o] > top[ln]), len(order))
        order.insert(at, ln)
    renumber = {ln: i for i, ln in enumerate(order)}
    return [Word(w.text, w.conf, w.box, w.block, renumber[w.line], w.completing) for ln in order for w in lines[ln]]


def _mean_confidence(words: list[Word], minimum: int = 4) -> float | None:
    """Mean confidence of the words with a letter or digit (None when fewer than ``minimum``: too few to judge a
    page by; one is enough for a line)."""
    readable = [w.conf for w in words if _readable(w)]
    return sum(readable) / len(readable) if readable and len(readable) >= minimum else None


def _script_languages(prepared: np.ndarray) -> tuple[str, ...]:
    """The installed languages of the script tesseract's OSD sees in ``prepared`` (none: Latin, or unsure)."""
    installed = second_pass_languages()
    if not installed:
        return ()
    script = _tesserocr_script(prepared) if engine_name() == "tesserocr" else _pytesseract_script(prepared)
    return tuple(lang for lang in SCRIPT_LANGUAGES.get(script, ()) if lang in installed)


def _tesserocr_script(prepared: np.ndarray) -> str:
    """The script tesseract's OSD names in ``prepared``, by a persistent OSD engine ("" when unsure)."""
    import tesserocr

    api = _APIS.get("osd-script")
    if api is None:
        api = tesserocr.PyTessBaseAPI(path=tessdata_dir(), lang="osd", psm=tesserocr.PSM.OSD_ONLY)
        _APIS["osd-script"] = api
    h, w = prepared.shape
    api.SetImageBytes(np.ascontiguousarray(prepared).tobytes(), w, h, 1, w)
    api.SetSourceResolution(SOURCE_DPI)
    try:
        found = api.DetectOrientationScript()
    except RuntimeError:  # too little text to tell
        return ""
    return str((found or {}).get("script_name", ""))


def _ocr_tesserocr(prepared: np.ndarray, scale: float, languages: tuple[str, ...], timeout: float,
                   width: int, height: int, psm: int = PSM_AUTO) -> list[Word]:
    """Words tesseract reads in ``prepared`` (grey, or RGB for the sparse-text read), boxes divided by ``scale``
    and kept inside ``width`` x ``height``."""
    import tesserocr

    api = _api(languages)
    h, w = prepared.shape[:2]
    channels = 1 if prepared.ndim == 2 else prepared.shape[2]
    api.SetImageBytes(np.ascontiguousarray(prepared).tobytes(), w, h, channels, w * channels)
    api.SetSourceResolution(SOURCE_DPI)
    api.SetPageSegMode(psm)  # every read sets its mode: the engine is shared by whole screens and button labels
    if not api.Recognize(timeout=int(timeout * 1000)):
        raise OcrTimeout(f"OCR took longer than {timeout:g} s")
    data: dict[str, list] = {k: [] for k in ("text", "conf", "block_num", "par_num", "line_num", "left", "top",
                                             "width", "height")}
    block = par = line = 0
    level = tesserocr.RIL.WORD
    iterator = api.GetIterator()
    for r in tesserocr.iterate_level(iterator, level):
        if r.IsAtBeginningOf(tesserocr.RIL.BLOCK):
            block, par, line = block + 1, 0, 0
        if r.IsAtBeginningOf(tesserocr.RIL.PARA):
            par, line = par + 1, 0
        if r.IsAtBeginningOf(tesserocr.RIL.TEXTLINE):
            line += 1
        box = r.BoundingBox(level)
        try:
            text = r.GetUTF8Text(level)
        except RuntimeError:  # tesserocr raises on an empty word instead of returning ""
            continue
        if box is None or not text:
            continue
        x0, y0, x1, y1 = box
        for key, value in (("text", text), ("conf", r.Confidence(level)), ("block_num", block),
                           ("par_num", par), ("line_num", line), ("left", x0), ("top", y0),
                           ("width", x1 - x0), ("height", y1 - y0)):
            data[key].append(value)
    return _words(data, scale, width, height)


def _pytesseract_script(prepared: np.ndarray) -> str:
    """The script tesseract's OSD names in ``prepared``, through the ``tesseract`` command ("" when unsure)."""
    import pytesseract

    with tempfile.TemporaryDirectory(prefix="media-check-osd-") as tmp:
        path = _bmp(tmp, prepared)
        try:
            found = pytesseract.image_to_osd(path, config=f"--psm 0 --dpi {SOURCE_DPI}",
                                             output_type=pytesseract.Output.DICT)
        except (pytesseract.TesseractError, RuntimeError):  # too little text to tell
            return ""
    return str(found.get("script", ""))


def _ocr_pytesseract(prepared: np.ndarray, scale: float, languages: tuple[str, ...], timeout: float,
                     width: int, height: int, psm: int = PSM_AUTO) -> list[Word]:
    """:func:`_ocr_tesserocr` through the tesseract command, one process a read."""
    import pytesseract

    with tempfile.TemporaryDirectory(prefix="media-check-ocr-") as tmp:
        path = _bmp(tmp, prepared)
        try:
            data = pytesseract.image_to_data(
                path, lang="+".join(languages), config=f"--psm {psm} --dpi {SOURCE_DPI} {_variables_option()}",
                output_type=pytesseract.Output.DICT, timeout=timeout)
        except RuntimeError as exc:
            if "timeout" in str(exc).lower():
                raise OcrTimeout(f"OCR took longer than {timeout:g} s") from None
            raise
        except pytesseract.TesseractNotFoundError:
            raise OcrUnavailable(f"tesseract is not installed: run '{APT_TESSERACT}'") from None
    return _words(data, scale, width, height)


def _bmp(folder: str, pixels: np.ndarray) -> str:
    """``pixels`` (grey, or RGB) written as ``folder``/page.bmp for the tesseract command (OpenCV writes BGR)."""
    path = os.path.join(folder, "page.bmp")
    cv2.imwrite(path, pixels if pixels.ndim == 2 else cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR))
    return path


def _variables_option() -> str:
    return " ".join(f"-c {name}={value}" for name, value in TESSERACT_VARIABLES.items())


def _words(data: dict, scale: float, width: int, height: int) -> list[Word]:
    words: list[Word] = []
    line_ids: dict[tuple[int, int, int], int] = {}
    for i, text in enumerate(data["text"]):
        text = (text or "").strip()
        conf = float(data["conf"][i])
        if not text or conf < 0:
            continue
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        line = line_ids.setdefault(key, len(line_ids))
        box = _in_image(int(round(data["left"][i] / scale)), int(round(data["top"][i] / scale)),
                        max(1, int(round(data["width"][i] / scale))), max(1, int(round(data["height"][i] / scale))),
                        width, height)
        words.append(Word(text, conf, box, int(data["block_num"][i]), line))
    return words


def _in_image(x: int, y: int, w: int, h: int, width: int, height: int) -> tuple[int, int, int, int]:
    """A word's box moved and cut to lie inside a ``width`` x ``height`` image."""
    x, y = min(max(x, 0), width - 1), min(max(y, 0), height - 1)
    return x, y, min(w, width - x), min(h, height - y)
