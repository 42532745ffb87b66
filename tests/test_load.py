"""Safe loading: odd modes normalised to RGB, limits enforced before decoding, failures explained."""

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from media_check.load import LoadError, load_image

LIMIT = 50_000_000
BYTES = 100_000_000


def save(tmp_path, image, name, **kw):
    path = tmp_path / name
    image.save(path, **kw)
    return path


def test_rgb_png_loads(tmp_path):
    loaded = load_image(save(tmp_path, Image.new("RGB", (40, 30), "red"), "a.png"), LIMIT, BYTES)
    assert (loaded.width, loaded.height, loaded.format) == (40, 30, "png")
    assert loaded.image.mode == "RGB"


def test_alpha_is_composited_on_white(tmp_path):
    path = save(tmp_path, Image.new("RGBA", (10, 10), (0, 0, 0, 0)), "t.png")
    loaded = load_image(path, LIMIT, BYTES)
    assert loaded.has_alpha
    assert loaded.image.getpixel((5, 5)) == (255, 255, 255)


def test_palette_with_transparency(tmp_path):
    im = Image.new("P", (8, 8), 0)
    im.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    path = tmp_path / "p.png"
    im.save(path, transparency=0)
    loaded = load_image(path, LIMIT, BYTES)
    assert loaded.image.getpixel((0, 0)) == (255, 255, 255)


def test_16_bit_greyscale_is_scaled_not_clipped(tmp_path):
    im = Image.new("I;16", (4, 4), 40000)
    path = save(tmp_path, im, "g16.png")
    loaded = load_image(path, LIMIT, BYTES)
    assert loaded.image.getpixel((0, 0)) == (156, 156, 156)  # 40000 >> 8


def test_cmyk_jpeg_becomes_rgb(tmp_path):
    path = save(tmp_path, Image.new("CMYK", (16, 16), (0, 255, 255, 0)), "c.jpg")
    loaded = load_image(path, LIMIT, BYTES)
    r, g, b = loaded.image.getpixel((8, 8))
    assert r > 200 and g < 60 and b < 60


def test_exif_orientation_is_applied(tmp_path):
    im = Image.new("RGB", (60, 20), "blue")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 CW
    path = save(tmp_path, im, "o.jpg", exif=exif)
    loaded = load_image(path, LIMIT, BYTES)
    assert (loaded.width, loaded.height) == (20, 60)
    assert any("orientation 6" in note for note in loaded.notes)


def test_animated_gif_first_frame(tmp_path):
    frames = [Image.new("RGB", (10, 10), c) for c in ("red", "green", "blue")]
    path = tmp_path / "a.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    loaded = load_image(path, LIMIT, BYTES)
    assert loaded.image.getpixel((1, 1))[0] > 200
    assert loaded.frames == 3
    assert "animated GIF, 3 frames: the first was checked" in loaded.notes


def test_extension_is_not_trusted(tmp_path):
    path = tmp_path / "shot.png"
    Image.new("RGB", (10, 10)).save(path, format="JPEG")
    assert load_image(path, LIMIT, BYTES).format == "jpeg"


def _png_header_only(width, height):
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))


def test_decompression_bomb_refused_before_decoding(tmp_path):
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_header_only(100_000, 100_000))
    with pytest.raises(LoadError, match=r"over the 50 MP limit: refused before decoding"):
        load_image(path, LIMIT, BYTES)


@pytest.mark.parametrize("make, reason", [
    (lambda p: p.write_bytes(b""), "empty"),
    (lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40), "corrupt"),
    (lambda p: p.write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n"), "PostScript/EPS document, not a supported listing image"),
    (lambda p: p.write_bytes(b"\x7fELF\x02\x01\x01" + b"\x00" * 60), "ELF executable"),
    (lambda p: p.write_bytes(b"just some text"), "not a recognised image format"),
    (lambda p: p.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 40), "MP4 video cannot be opened"),
])
def test_bad_files_get_a_reason(tmp_path, make, reason):
    path = tmp_path / "bad.png"
    make(path)
    with pytest.raises(LoadError, match=reason):
        load_image(path, LIMIT, BYTES)


def test_truncated_png_says_truncated(tmp_path):
    buffer = io.BytesIO()
    Image.effect_noise((300, 300), 60).convert("RGB").save(buffer, format="PNG")
    path = tmp_path / "cut.png"
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    with pytest.raises(LoadError, match="truncated"):
        load_image(path, LIMIT, BYTES)


def test_file_size_limit(tmp_path):
    path = save(tmp_path, Image.effect_noise((200, 200), 80).convert("RGB"), "big.png")
    with pytest.raises(LoadError, match="over the"):
        load_image(path, LIMIT, 1000)


def test_folder_named_like_an_image(tmp_path):
    (tmp_path / "x.png").mkdir()
    with pytest.raises(LoadError, match="folder"):
        load_image(tmp_path / "x.png", LIMIT, BYTES)


def _noise(mode, size=(97, 61), seed=3, opaque=False):
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, (size[1], size[0], len(mode)), dtype=np.uint8)
    if opaque:  # an alpha channel that is 255 everywhere
        pixels[..., 3] = 255
    return Image.fromarray(pixels, mode)


def _pillow_rgb(path):
    from media_check.load import to_rgb

    with Image.open(path) as im:
        im.load()
        return to_rgb(im)


def _with_chunk_after_idat(data: bytes, kind: bytes, body: bytes) -> bytes:
    at = data.index(b"IEND") - 4
    chunk = struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return data[:at] + chunk + data[at:]


@pytest.mark.parametrize("mode, opaque", [("RGB", False), ("RGBA", False), ("RGBA", True)])
def test_plain_png_gives_the_pixels_pillow_gives_from_one_decode(tmp_path, monkeypatch, mode, opaque):
    path = save(tmp_path, _noise(mode, opaque=opaque), f"{mode}.png")
    with monkeypatch.context() as patch:
        decoders = _count_decodes(patch)
        loaded = load_image(path, LIMIT, BYTES)
    assert decoders == ["libpng"]
    assert loaded.image.mode == "RGB" and loaded.has_alpha == (mode == "RGBA") and loaded.frames == 1
    assert loaded.image.tobytes() == _pillow_rgb(path).tobytes()
    assert loaded.notes == []


def _count_decodes(monkeypatch) -> list[str]:
    """The decoders a load runs, in order: "pillow" (Pillow's load) and "libpng" (OpenCV's decode)."""
    import cv2
    from PIL import ImageFile

    calls: list[str] = []
    pillow_load, opencv_decode = ImageFile.ImageFile.load, cv2.imdecode
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: calls.append("pillow") or pillow_load(self))
    monkeypatch.setattr(cv2, "imdecode", lambda *a: calls.append("libpng") or opencv_decode(*a))
    return calls


# A plain 8-bit RGB PNG is decoded once, by libpng, interlaced or not, with or without an upright orientation;
# the others are read by both decoders.
DECODED_ONCE = {"interlaced", "upright orientation"}


@pytest.mark.parametrize("case", ["text after the image data", "transparency key", "16-bit", "interlaced",
                                  "orientation", "upright orientation", "garbled EXIF"])
def test_other_pngs_load_as_pillow_reads_them(tmp_path, monkeypatch, case):
    image, options = _noise("RGB"), {}
    if case == "transparency key":
        options["transparency"] = (0, 0, 0)
    elif case == "interlaced":
        options["interlace"] = 1
    elif case in ("orientation", "upright orientation"):
        exif = Image.Exif()
        exif[0x0112] = 6 if case == "orientation" else 1
        options["exif"] = exif
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", **options)
    data = buffer.getvalue()
    if case == "text after the image data":
        data = _with_chunk_after_idat(data, b"tEXt", b"Comment\x00made after the pixels")
    if case == "garbled EXIF":
        at = data.index(b"IDAT") - 4
        data = data[:at] + struct.pack(">I", 40) + b"eXIf" + b"\xff" * 40 + struct.pack(">I", zlib.crc32(
            b"eXIf" + b"\xff" * 40)) + data[at:]
    if case == "16-bit":
        wide = (np.asarray(image).astype(np.uint16) * 257).byteswap().tobytes()
        rows = b"".join(b"\x00" + wide[i:i + 97 * 6] for i in range(0, len(wide), 97 * 6))
        ihdr = struct.pack(">IIBBBBB", 97, 61, 16, 2, 0, 0, 0)
        data = b"\x89PNG\r\n\x1a\n" + b"".join(struct.pack(">I", len(body)) + kind + body
                                             + struct.pack(">I", zlib.crc32(kind + body))
                                             for kind, body in ((b"IHDR", ihdr), (b"IDAT", zlib.compress(rows)),
                                                                (b"IEND", b"")))
    path = tmp_path / "odd.png"
    path.write_bytes(data)
    with monkeypatch.context() as patch:
        decoders = _count_decodes(patch)
        loaded = load_image(path, LIMIT, BYTES)
    if case in DECODED_ONCE:
        assert decoders == ["libpng"]
    else:
        assert set(decoders) == {"libpng", "pillow"}
    expected = _pillow_rgb(path)
    if case == "orientation":
        assert loaded.notes == ["EXIF orientation 6 applied"]
        expected = expected.transpose(Image.Transpose.ROTATE_270)
    elif case == "garbled EXIF":
        assert loaded.notes == ["EXIF metadata unreadable; orientation ignored"]
    else:
        assert loaded.notes == []
    assert loaded.image.size == expected.size and loaded.image.tobytes() == expected.tobytes()


@pytest.mark.parametrize("alpha", ["partly transparent", "opaque"])
@pytest.mark.parametrize("height", [1, 255, 256, 257, 600])
def test_alpha_composited_in_strips_equals_one_composite(height, alpha):
    from media_check.load import to_rgb

    rgba = _noise("RGBA", (23, height), seed=height)
    if alpha == "opaque":
        rgba.putalpha(255)
    whole = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba).convert("RGB")
    assert to_rgb(rgba).tobytes() == whole.tobytes()
    if alpha == "opaque":  # an opaque image is its colour channels
        assert to_rgb(rgba).tobytes() == rgba.convert("RGB").tobytes()
