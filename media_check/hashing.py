"""Perceptual hashes of an image, all computed from one shared thumbnail (7x cheaper than full size, within a
few bits of it). Hashes travel as hex strings.

Besides the whole-image hashes, an analysis records where the app's screen sits inside the image
(:func:`media_check.align.locate_screen`: backdrop, caption, device frame and padding removed) and hashes that
screen alone, so two listing images of one screen in different marketing frames still hash alike; and a
crop-resistant hash (imagehash's segment hashes), which survives crops that shift a whole-image hash.

For the live-app index, :func:`hash_bits` gives the three 64-bit structure hashes (pHash, dHash, wHash) of an
image as unsigned integers, so thousands of them are compared at once with numpy (XOR + popcount).
"""

from __future__ import annotations

import cv2
import imagehash
import numpy as np
from PIL import Image, ImageFilter

from media_check import align
from media_check.similarity import distinctive_words

THUMBNAIL = 512  # the whole-image hashes and the live-app signature's boxes are taken from one copy this big
HASH_SIZE = 8
BIT_KINDS = ("phash", "dhash", "whash")  # 64-bit hashes of structure, comparable bit by bit
SCREEN_KINDS = tuple(f"screen_{kind}" for kind in BIT_KINDS)
CROP_RESISTANT = "crop_resistant"
BITS_SIDE = 128  # the structure hashes for the index are taken from a thumbnail this big


def _shrink(rgb: np.ndarray, size: int) -> np.ndarray:
    return align.shrink(rgb, size)[0]


def hashes(image: Image.Image | np.ndarray, words=()) -> dict[str, str]:
    """pHash, dHash, wHash and colour hash of ``image``; the located screen's box and structure hashes; a
    crop-resistant hash; the screen signature of the live-app index (all from one 800-pixel copy); and, given its
    OCR words, a digest of its distinctive words (``text``), so two sparse screens with one layout but other
    words are not taken for one another. All strings. ``image`` is an RGB image or an RGB array (used as it is,
    not copied)."""
    if isinstance(image, np.ndarray):
        rgb = image
    else:
        rgb = np.asarray(image if image.mode == "RGB" else image.convert("RGB"))
    h, w = rgb.shape[:2]
    small = _shrink(rgb, align.PEEL_SIDE)
    factor = small.shape[1] / w
    # the thumbnail is also the copy the live-app signature cuts its boxes from: shrunk once for both
    boxes_copy = align.shrink(small, THUMBNAIL)
    thumb = Image.fromarray(boxes_copy[0])
    grey = thumb.convert("L")  # what imagehash turns the thumbnail into for each structure hash: done once
    out = {
        "phash": str(imagehash.phash(grey, hash_size=HASH_SIZE)),
        "dhash": str(imagehash.dhash(grey, hash_size=HASH_SIZE)),
        "whash": str(imagehash.whash(grey, hash_size=HASH_SIZE)),
        "colorhash": str(imagehash.colorhash(thumb, binbits=3)),
    }
    candidates = align.screen_candidates(small)
    x, y, bw, bh = candidates[-1]
    for kind, value in zip(SCREEN_KINDS, hash_bits(small[y:y + bh, x:x + bw])):
        out[kind] = f"{int(value):016x}"
    sx, sy = min(w - 1, round(x / factor)), min(h - 1, round(y / factor))
    out["screen_box"] = f"{sx},{sy},{min(w - sx, round(bw / factor))},{min(h - sy, round(bh / factor))}"
    out[CROP_RESISTANT] = str(crop_resistant(thumb))
    out.update(screen_signature(small, candidates, boxes_copy))
    if words:
        out["text"] = text_digest(words)
    return out


def text_digest(words, limit: int = 200) -> str:
    """The distinctive words of a screen (letters and digits, four or more characters, not bare numbers), sorted,
    space-separated, at most ``limit`` of them."""
    return " ".join(sorted(distinctive_words(words))[:limit])


def screen_signature(rgb: np.ndarray, candidates=None, shrunk=None) -> dict[str, str]:
    """The hashes the live-app index keeps for an image (``screen_entries``: its screen and crops of it) and the
    ones it looks up with (``screen_guesses``: each guess of where the screen is), so two listing screenshots
    can be compared the way a screenshot is compared with a live capture. ``shrunk``: the copy of ``rgb`` the
    boxes are hashed from, when the caller has it (see :func:`media_check.live.hash_boxes`).

    The same values as ``capture_entries(rgb, candidates[-1])`` and ``query_hashes(rgb, retrieval_boxes(rgb,
    candidates))``, hashed from one shrunk copy: a box that is both an entry and a guess (the screen, and the whole
    image when a screen was found in it) is hashed once."""
    from media_check.live import capture_boxes, hash_boxes, pack_hashes

    candidates = candidates or align.screen_candidates(rgb)
    _, entry_boxes = capture_boxes(rgb, candidates[-1])
    guess_boxes = align.retrieval_boxes(rgb, candidates)
    hashed = hash_boxes(rgb, entry_boxes + guess_boxes, shrunk)
    entries, guesses = hashed[:len(entry_boxes)], hashed[len(entry_boxes):]
    return {"screen_entries": pack_hashes(entries), "screen_guesses": pack_hashes(guesses)}


def crop_resistant(image: Image.Image, min_segment_size: int = 100,
                   segmentation_image_size: int = 100) -> imagehash.ImageMultiHash:
    """imagehash's crop-resistant hash (dHash of each segment of the image), at a size that keeps it cheap.

    The same value as ``imagehash.crop_resistant_hash(small, ...)``, 10x faster: the segments (4-connected bright
    "hills", then dark "valleys", each in the raster order of its first pixel) come from OpenCV's connected
    components instead of imagehash's pixel-by-pixel flood fill in Python, with its quirks kept (a one-pixel
    segment does not count as covered; the valleys stop once the covered pixels plus the image's perimeter
    reach the image's area)."""
    small = Image.fromarray(_shrink(np.asarray(image.convert("RGB")), 256))
    side = segmentation_image_size
    grey = small.convert("L").resize((side, side), Image.Resampling.LANCZOS)
    pixels = np.asarray(grey.filter(ImageFilter.GaussianBlur()).filter(ImageFilter.MedianFilter()))
    boxes = _segment_boxes(pixels > 128, min_segment_size) or [(0, 0, side - 1, side - 1)]
    scale_w, scale_h = small.width / side, small.height / side
    return imagehash.ImageMultiHash([imagehash.dhash(small.crop((x0 * scale_w, y0 * scale_h, (x1 + 1) * scale_w,
                                                                 (y1 + 1) * scale_h)))
                                     for y0, x0, y1, x1 in boxes])


def _segment_boxes(hills: np.ndarray, min_size: int) -> list[tuple[int, int, int, int]]:
    """Bounding boxes ``(top, left, bottom, right)`` of the segments imagehash's crop-resistant hash keeps."""
    h, w = hills.shape
    boxes = []
    covered = 2 * w + 2 * h  # imagehash starts its count of segmented pixels with the ones around the border
    for valleys, mask in ((False, hills), (True, ~hills)):
        count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=4)
        if count <= 1:
            continue
        flat = labels.ravel()
        first = np.full(count, flat.size, dtype=np.int64)
        np.minimum.at(first, flat, np.arange(flat.size))
        for label in np.argsort(first[1:], kind="stable") + 1:
            if valleys and covered >= w * h:
                break
            x, y, bw, bh, area = (int(v) for v in stats[label])
            if area > 1:
                covered += area
            if area > min_size:
                boxes.append((y, x, y + bh - 1, x + bw - 1))
    return boxes


def hash_bits(rgb: np.ndarray) -> np.ndarray:
    """pHash, dHash and wHash of an RGB array as three unsigned 64-bit integers (the live-app index takes ~15
    of them per image, so the grey copy is made once for all three)."""
    grey = Image.fromarray(_shrink(rgb, BITS_SIDE)).convert("L")
    values = (imagehash.phash(grey, hash_size=HASH_SIZE).hash, imagehash.dhash(grey, hash_size=HASH_SIZE).hash,
              haar_whash_bits(grey))
    return np.array([_pack(bits) for bits in values], dtype=np.uint64)


WHASH_SCALE = 64  # the wHash of the index is taken on a 64 x 64 grey copy


def haar_whash_bits(grey: Image.Image) -> np.ndarray:
    """The bits of ``imagehash.whash(grey, hash_size=8, image_scale=64)`` (Haar wavelets, lowest band removed),
    computed directly: with Haar wavelets, the 8 x 8 approximation band of the 64 x 64 image is its 8 x 8 block
    sums (scaled), and removing the lowest band first subtracts one constant from all of them, so the hash is
    "block above the median block". imagehash gets there through a full wavelet decomposition and
    reconstruction (4-8x slower here on a 128 px crop) whose rounding noise decides blocks equal to the median (flat regions): here
    they are always 0, so equal crops and near-equal crops hash alike."""
    pixels = np.asarray(grey.resize((WHASH_SCALE, WHASH_SCALE), Image.Resampling.LANCZOS), dtype=np.float64)
    side = WHASH_SCALE // HASH_SIZE
    blocks = pixels.reshape(HASH_SIZE, side, HASH_SIZE, side).sum(axis=(1, 3))
    return blocks > np.median(blocks)


def _pack(bits: np.ndarray) -> np.uint64:
    return np.packbits(bits.astype(np.uint8).ravel()).view(">u8")[0].astype(np.uint64)


