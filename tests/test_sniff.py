import pytest

from media_check.sniff import is_media, sniff


@pytest.mark.parametrize("head, fmt", [
    (b"\x89PNG\r\n\x1a\n\x00\x00", "png"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "jpeg"),
    (b"GIF89a\x01\x00", "gif"),
    (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp"),
    (b"BM\x00\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00", "bmp"),
    (b"II*\x00\x08\x00", "tiff"),
    (b"MM\x00*\x00\x08", "tiff"),
    (b"\x00\x00\x00\x18ftypmp42", "mp4"),
    (b"\x00\x00\x00\x14ftypqt  ", "mov"),
    (b"\x1a\x45\xdf\xa3\x9f", "webm"),
    (b"%!PS-Adobe-3.0 EPSF", "postscript/eps"),
    (b"\x7fELF\x02\x01", "elf executable"),
    (b"MZ\x90\x00", "windows executable"),
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
