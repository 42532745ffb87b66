"""Name a file's real format from its first bytes; the extension is never trusted."""

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


def sniff(head: bytes) -> str | None:
    """The format of a file from its first bytes: a key of IMAGE_FORMATS or VIDEO_FORMATS, another known
    format's name (``"pdf"``, ``"elf executable"``...), or None when nothing is recognised."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi video"
    if head[:2] == b"BM" and len(head) >= 14:
        return "bmp"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"):
            return "heif"
        if brand in (b"avif", b"avis"):
            return "avif"
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
    (b"%!PS", "postscript/eps"),
    (b"\xc5\xd0\xd3\xc6", "eps"),
    (b"\x7fELF", "elf executable"),
    (b"MZ", "windows executable"),
    (b"PK\x03\x04", "zip archive"),
    (b"\x1f\x8b", "gzip archive"),
    (b"8BPS", "photoshop document"),
    (b"\x00\x00\x01\x00", "ico"),
    (b"\x00\x00\x00\x0cjP  ", "jpeg 2000"),
    (b"\xff\x4f\xff\x51", "jpeg 2000"),
    (b"#!", "script"),
    (b"<?php", "php script"),
)


def _other_format(head: bytes) -> str | None:
    for signature, name in _OTHER_SIGNATURES:
        if head.startswith(signature):
            return name
    text = head.lstrip().lower()
    if text.startswith((b"<svg", b"<?xml")):
        return "svg/xml"
    if text.startswith((b"<!doctype html", b"<html")):
        return "html"
    return None


def is_media(fmt: str | None) -> bool:
    return fmt in IMAGE_FORMATS or fmt in VIDEO_FORMATS
