import pytest

from media_check.sniff import damaged_signature, describe, is_media, sniff


@pytest.mark.parametrize("head, fmt", [
    (b"\x89PNG\r\n\x1a\n\x00\x00", "png"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "jpeg"),
    (b"GIF89a\x01\x00", "gif"),
    (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp"),
    (b"BM\x00\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00", "bmp"),
    (b"BMW annual report", None),
    (b"II*\x00\x08\x00", "tiff"),
    (b"MM\x00*\x00\x08", "tiff"),
    (b"\x00\x00\x00\x18ftypmp42", "mp4"),
    (b"\x00\x00\x00\x14ftypqt  ", "mov"),
    (b"\x1a\x45\xdf\xa3\x9f", "webm"),
    (b"%!PS-Adobe-3.0 EPSF", "eps"),
    (b"\x7fELF\x02\x01", "elf"),
    (b"MZ\x90\x00", "exe"),
    (b"8BPS\x00\x01", "psd"),
    (b"\x00\x00\x01\x00\x01\x00", "ico"),
    (b"SIMPLE  =                    T", "fits"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "jp2"),
    (b"\x00\x00\x00\x1cftypavif", "avif"),
    (b"RIFF\x00\x00\x00\x00AVI LIST", "avi"),
    (b"<svg xmlns=", "svg"),
    (b"%PDF-1.7", "pdf"),
    (b"\x00\x00\x00\x1cftypheic", "heif"),
    (b"hello world", None),
    (b"", None),
])
def test_sniff_names_the_real_format(head, fmt):
    assert sniff(head) == fmt


def test_only_listing_formats_are_media():
    assert is_media("png") and is_media("mp4")
    assert not is_media("pdf") and not is_media(None)


@pytest.mark.parametrize("head, fmt", [
    (b"PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "png"),      # first byte lost
    (b"\x09PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00", "png"),      # high bit cleared by a 7-bit transfer
    (b"\x89PNG\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00", "png"),  # CRLF turned into LF
    (b"\xff\xd8\x00\x10JFIF\x00", "jpeg"),
    (b"hello world, this is text", None),
    (b"\x89PNG\r\n\x1a\n", None),  # an intact signature is not damaged
])
def test_damaged_signatures_are_recognised(head, fmt):
    assert damaged_signature(head) == fmt


def test_every_format_key_has_words():
    for key in ("png", "jpeg", "mp4", "psd", "ico", "eps", "exe", "fits", "jp2", "heif"):
        assert describe(key) != key
    assert describe(None) == "unknown format"
