"""Name a file's real format from its first bytes; the extension is never trusted.

:func:`sniff` returns a short key: one of :data:`IMAGE_FORMATS` or :data:`VIDEO_FORMATS` (listing media), another
known format's key (``"psd"``, ``"eps"``, ``"exe"``...), or None. :func:`describe` turns a key into words for a
person. :func:`damaged_signature` recognises a listing format whose signature bytes were damaged (a PNG sent
through a text-mode transfer, a truncated header), so the reason given is "corrupt PNG", not "unknown file".
"""

from __future__ import annotations

IMAGE_FORMATS = ("png", "jpeg", "webp", "gif", "bmp", "tiff")
VIDEO_FORMATS = ("mp4", "mov", "webm")

# Extensions that make a file a candidate asset even when its bytes say otherwise (it then gets an error verdict
# naming what it really is). Files with other extensions are assets only when their bytes are media.
MEDIA_EXTENSIONS = frozenset({
    ".png", ".apng", ".jpg", ".jpeg", ".jpe", ".jfif", ".mpo", ".webp", ".gif", ".bmp", ".dib", ".tif", ".tiff",
    ".heic", ".heif", ".avif", ".svg", ".ico", ".jp2", ".psd",
    ".mp4", ".m4v", ".mov", ".qt", ".webm", ".mkv", ".avi",
})

HEAD_BYTES = 64

_DESCRIPTIONS = {
    "png": "PNG image", "jpeg": "JPEG image", "webp": "WebP image", "gif": "GIF image", "bmp": "BMP image",
    "tiff": "TIFF image", "mp4": "MP4 video", "mov": "QuickTime (MOV) video", "webm": "WebM/Matroska video",
    "avi": "AVI video", "heif": "HEIF/HEIC image", "avif": "AVIF image", "psd": "Photoshop document (PSD)",
    "ico": "Windows icon (ICO)", "cur": "Windows cursor (CUR)", "jp2": "JPEG 2000 image", "fits": "FITS image",
    "eps": "PostScript/EPS document", "pdf": "PDF document", "svg": "SVG/XML document", "html": "HTML page",
    "exe": "Windows executable", "elf": "ELF executable", "zip": "ZIP archive", "gzip": "gzip archive",
    "script": "script", "php": "PHP script", "pcx": "PCX image", "pnm": "PNM/PPM image", "qoi": "QOI image",
    "jxl": "JPEG XL image", "dds": "DirectDraw surface (DDS)", "psp": "Paint Shop Pro image",
    "icns": "Apple icon (ICNS)",
}


def sniff(head: bytes) -> str | None:
    """The format key of a file from its first bytes (at least :data:`HEAD_BYTES` of them when it has that many)."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi"
    if head[:2] == b"BM" and len(head) >= 18 and int.from_bytes(head[14:18], "little") in (12, 16, 40, 52, 56, 64,
                                                                                           108, 124):
        return "bmp"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"hevc", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"):
            return "heif"
        if brand in (b"avif", b"avis"):
            return "avif"
        if brand in (b"jp2 ", b"jpx "):
            return "jp2"
        if brand == b"qt  ":
            return "mov"
        return "mp4"
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"):
        return "mov"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm"
    return _other_format(head)


_OTHER_SIGNATURES = (
    (b"%PDF", "pdf"),
    (b"%!PS", "eps"),
    (b"\xc5\xd0\xd3\xc6", "eps"),
    (b"\x7fELF", "elf"),
    (b"MZ", "exe"),
    (b"PK\x03\x04", "zip"),
    (b"\x1f\x8b", "gzip"),
    (b"8BPS", "psd"),
    (b"\x00\x00\x01\x00", "ico"),
    (b"\x00\x00\x02\x00", "cur"),
    (b"\x00\x00\x00\x0cjP  ", "jp2"),
    (b"\xff\x4f\xff\x51", "jp2"),
    (b"SIMPLE  =", "fits"),
    (b"qoif", "qoi"),
    (b"\xff\x0a", "jxl"),
    (b"\x00\x00\x00\x0cJXL ", "jxl"),
    (b"DDS ", "dds"),
    (b"icns", "icns"),
    (b"Paint Shop Pro Image File", "psp"),
    (b"#!", "script"),
    (b"<?php", "php"),
)


def _other_format(head: bytes) -> str | None:
    for signature, name in _OTHER_SIGNATURES:
        if head.startswith(signature):
            return name
    if head[:1] == b"\x0a" and head[1:2] in (b"\x00", b"\x02", b"\x03", b"\x04", b"\x05") and head[2:3] == b"\x01":
        return "pcx"
    if head[:1] == b"P" and head[1:2] in b"123456" and head[2:3] in (b" ", b"\n", b"\r", b"\t", b"#"):
        return "pnm"
    text = head.lstrip().lower()
    if text.startswith((b"<svg", b"<?xml")):
        return "svg"
    if text.startswith((b"<!doctype html", b"<html")):
        return "html"
    return None


def damaged_signature(head: bytes) -> str | None:
    """A listing image format whose signature is damaged but whose structure is still recognisable, or None.

    PngSuite's ``xs*`` files and PNGs sent through a text-mode transfer keep their ``IHDR`` chunk but lose or
    change a signature byte; a JPEG whose first marker was cut keeps its ``JFIF``/``Exif`` header.
    """
    if sniff(head) is not None:
        return None
    if b"IHDR" in head[8:20] or (b"PNG" in head[:5] and b"\x1a" in head[:10]):
        return "png"
    if head[:2] == b"\xff\xd8" or head[6:11] in (b"JFIF\x00", b"Exif\x00"):
        return "jpeg"
    if head[:3] == b"GIF" and head[3:5].isdigit():
        return "gif"
    if head[:2] == b"BM" and len(head) >= 26 and head[6:10] == b"\x00\x00\x00\x00":
        return "bmp"
    return None


def describe(fmt: str | None) -> str:
    """``"psd"`` -> ``"Photoshop document (PSD)"``: a format key in words."""
    if fmt is None:
        return "unknown format"
    return _DESCRIPTIONS.get(fmt, fmt)


# Picture and video formats that are not listing media: a file of one of these in a listing folder is reported
# (an error verdict naming the format) whatever its extension, rather than skipped like a text file.
OTHER_PICTURE_FORMATS = frozenset({"heif", "avif", "psd", "ico", "cur", "jp2", "fits", "qoi", "jxl", "dds", "icns",
                                   "psp", "pcx", "pnm", "avi"})


def is_media(fmt: str | None) -> bool:
    return fmt in IMAGE_FORMATS or fmt in VIDEO_FORMATS


def is_picture(fmt: str | None) -> bool:
    """Listing media, or another picture or video format (reported as unsupported rather than skipped)."""
    return is_media(fmt) or fmt in OTHER_PICTURE_FORMATS
