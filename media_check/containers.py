"""What an image file declares (sizes, frames, pages, scans), read from its container structure without decoding.

Decompression and frame bombs are refused here, before any decoder runs: a GIF of 40,000 frames, a GIF frame
placed far outside its screen, an APNG, WebP or TIFF declaring a gigantic canvas or an absurd number of samples
per pixel, a JPEG with thousands of progressive scans. The walkers only read headers and skip over data by its
declared length; every read is bounds-checked and every loop is bounded by the file size or a limit, so a hostile
file costs at most one pass over its bytes. Whatever they cannot make sense of is left to the decoder, which then
gives its own (truncated, corrupt) reason.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from media_check.limits import MAX_BYTES_PER_PIXEL, MAX_JPEG_SCANS, Limits


class Refused(Exception):
    """The file must not be decoded. ``kind`` is ``"limit"`` (a bomb), ``"corrupt"`` or ``"unsupported"``."""

    def __init__(self, reason: str, kind: str):
        super().__init__(reason)
        self.reason = reason
        self.kind = kind


@dataclass(frozen=True)
class Declared:
    frames: int | None = None  # frames or pages counted in the structure (None: not counted)
    canvas: tuple[int, int] | None = None
    # a PNG of 8-bit RGB or RGBA whose chunks are whole in length up to IEND, with nothing but image data after
    # its first IDAT (text, EXIF or frame chunks there are parsed by Pillow only when it decodes the pixels)
    plain_png: bool = False


def inspect(fmt: str, data: bytes, limits: Limits) -> Declared:
    """What ``data`` (a whole file of format ``fmt``) declares; raises :class:`Refused` for bombs and for structure
    that is certainly broken."""
    walker = _WALKERS.get(fmt)
    if walker is None:
        return Declared()
    try:
        return walker(memoryview(data), limits)
    except (struct.error, IndexError, ValueError):
        return Declared()  # structure cut short: the decoder says what is wrong


def _check_pixels(fmt: str, what: str, width: int, height: int, limits: Limits) -> None:
    if width * height > limits.max_pixels:
        raise Refused(f"{fmt} declares {what} of {width}x{height} pixels ({width * height / 1e6:,.0f} MP), over "
                      f"the {limits.max_pixels / 1e6:g} MP limit: refused before decoding (decompression bomb?)",
                      "limit")


def _check_frames(fmt: str, frames: int, limits: Limits, declared: bool = False) -> None:
    if frames > limits.max_frames:
        verb = "declares" if declared else "has more than"
        count = f"{frames:,}" if declared else f"{limits.max_frames:,}"
        raise Refused(f"{fmt} {verb} {count} frames, over the {limits.max_frames:,}-frame limit: refused before "
                      f"decoding (frame flood?)", "limit")


def _skip_sub_blocks(data: memoryview, pos: int) -> int:
    size = len(data)
    while pos < size:
        length = data[pos]
        pos += 1 + length
        if length == 0:
            return pos
    return pos


def _gif(data: memoryview, limits: Limits) -> Declared:
    screen_w, screen_h = struct.unpack_from("<HH", data, 6)
    flags = data[10]
    pos = 13 + (3 * (2 << (flags & 7)) if flags & 0x80 else 0)
    if screen_w == 0 or screen_h == 0:
        raise Refused(f"GIF declares an empty screen of {screen_w}x{screen_h} pixels: the file is corrupt", "corrupt")
    canvas_w, canvas_h = screen_w, screen_h
    frames = 0
    size = len(data)
    while pos < size:
        block = data[pos]
        pos += 1
        if block == 0x2C:  # image descriptor
            x, y, w, h = struct.unpack_from("<HHHH", data, pos)
            local = data[pos + 8]
            pos += 9 + (3 * (2 << (local & 7)) if local & 0x80 else 0) + 1  # + LZW minimum code size
            pos = _skip_sub_blocks(data, pos)
            frames += 1
            _check_frames("GIF", frames, limits)
            # A frame outside the logical screen enlarges the canvas every frame is composited on.
            canvas_w, canvas_h = max(canvas_w, x + w), max(canvas_h, y + h)
            what = "a screen" if (canvas_w, canvas_h) == (screen_w, screen_h) else f"frame {frames} on a canvas"
            _check_pixels("GIF", what, canvas_w, canvas_h, limits)
        elif block == 0x21:  # extension: label, then sub-blocks
            pos = _skip_sub_blocks(data, pos + 1)
        else:  # 0x3B trailer, or garbage the decoder will judge
            break
    if frames == 0:
        raise Refused("GIF holds no image (no frame after its header): the file is corrupt or not really a GIF",
                      "corrupt")
    return Declared(frames=frames, canvas=(canvas_w, canvas_h))


_PNG_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}


def _png(data: memoryview, limits: Limits) -> Declared:
    pos, size = 8, len(data)
    width = height = None
    declared_frames = None
    control_chunks = 0
    rgb8 = seen_data = other_after_data = plain = False
    while pos + 8 <= size:
        length, kind = struct.unpack_from(">I4s", data, pos)
        body = pos + 8
        if kind not in (b"IDAT", b"IEND") and seen_data:
            other_after_data = True
        if kind == b"IHDR" and length >= 13:
            width, height, depth, colour = struct.unpack_from(">IIBB", data, body)
            if depth not in _PNG_DEPTHS.get(colour, ()):
                raise Refused(f"PNG header declares an impossible pixel format (colour type {colour}, bit depth "
                              f"{depth}): the file is corrupt", "corrupt")
            _check_pixels("PNG", "an image", width, height, limits)
            rgb8 = depth == 8 and colour in (2, 6)
        elif kind == b"IDAT":
            seen_data = True
        elif kind == b"acTL" and length >= 8:
            declared_frames = struct.unpack_from(">I", data, body)[0]
            _check_frames("APNG", declared_frames, limits, declared=True)
        elif kind == b"fcTL" and length >= 26:
            _, w, h, x, y = struct.unpack_from(">IIIII", data, body)
            control_chunks += 1
            _check_frames("APNG", control_chunks, limits)
            _check_pixels("APNG", f"frame {control_chunks}", w, h, limits)
            if width is not None and height is not None and (x + w > width or y + h > height):
                raise Refused(f"APNG frame {control_chunks} ({w}x{h} at {x},{y}) lies outside the {width}x{height} "
                              "image: the file is corrupt", "corrupt")
        elif kind == b"IEND":
            plain = rgb8 and seen_data and not other_after_data
            break
        pos = body + length + 4
    if declared_frames is not None and control_chunks != declared_frames:
        raise Refused(f"APNG declares {declared_frames} frames but holds {control_chunks}: the file is corrupt "
                      "(truncated, or its frame count is wrong)", "corrupt")
    frames = declared_frames if declared_frames is not None else 1
    return Declared(frames=frames, canvas=(width, height) if width is not None else None, plain_png=plain)


def _u24(data: memoryview, pos: int) -> int:
    return data[pos] | data[pos + 1] << 8 | data[pos + 2] << 16


def _webp(data: memoryview, limits: Limits) -> Declared:
    pos, size = 12, len(data)
    declared_size = 8 + struct.unpack_from("<I", data, 4)[0]
    if declared_size > size:
        raise Refused(f"WebP file is truncated: it declares {declared_size:,} bytes but has {size:,} (incomplete "
                      "upload or copy?)", "corrupt")
    canvas = None
    frames = 0
    while pos + 8 <= size:
        kind = bytes(data[pos:pos + 4])
        length = struct.unpack_from("<I", data, pos + 4)[0]
        body = pos + 8
        if kind == b"VP8X" and length >= 10:
            canvas = (1 + _u24(data, body + 4), 1 + _u24(data, body + 7))
            _check_pixels("WebP", "a canvas", *canvas, limits)
        elif kind == b"ANMF" and length >= 16:
            frames += 1
            _check_frames("WebP", frames, limits)
            _check_pixels("WebP", f"frame {frames}", 1 + _u24(data, body + 6), 1 + _u24(data, body + 9), limits)
        elif kind == b"VP8 " and length >= 10 and canvas is None:
            w, h = struct.unpack_from("<HH", data, body + 6)
            canvas = (w & 0x3FFF, h & 0x3FFF)
        elif kind == b"VP8L" and length >= 5 and canvas is None:
            bits = struct.unpack_from("<I", data, body + 1)[0]
            canvas = (1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF))
        pos = body + length + (length & 1)
    return Declared(frames=max(frames, 1), canvas=canvas)


_TIFF_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 16: 8, 17: 8, 18: 8}
_TIFF_INT_FORMATS = {1: "B", 3: "H", 4: "I", 6: "b", 8: "h", 9: "i", 16: "Q", 17: "q", 18: "Q"}


def _tiff(data: memoryview, limits: Limits) -> Declared:
    order = "<" if bytes(data[:2]) == b"II" else ">"
    big = struct.unpack_from(order + "H", data, 2)[0] == 43
    offset = struct.unpack_from(order + ("Q" if big else "I"), data, 8 if big else 4)[0]
    seen: set[int] = set()
    pages = 0
    first = None
    while offset and offset not in seen and offset < len(data):
        seen.add(offset)
        pages += 1
        _check_frames("TIFF", pages, limits)
        count = struct.unpack_from(order + ("Q" if big else "H"), data, offset)[0]
        entry_size, start = (20, offset + 8) if big else (12, offset + 2)
        if count > 4096:
            break  # not a real directory; the decoder will say so
        tags: dict[int, int | None] = {}
        cut_short = False
        try:
            for i in range(count):
                entry = start + i * entry_size
                tag, kind = struct.unpack_from(order + "HH", data, entry)
                if tag in (256, 257, 258, 277):
                    tags[tag] = _tiff_first_value(data, order, big, entry, kind)
        except struct.error:
            cut_short = True  # judge what was read; the decoder reports the truncation
        samples, bits = tags.get(277) or 1, tags.get(258) or 1
        if samples * bits > 8 * MAX_BYTES_PER_PIXEL * 2:
            raise Refused(f"TIFF page {pages} declares {samples:,} samples of {bits} bits per pixel: refused "
                          "before decoding (decompression bomb or corrupt header)", "limit")
        width, height = tags.get(256), tags.get(257)
        if width is not None and height is not None:
            _check_pixels("TIFF", f"page {pages}", width, height, limits)
            first = first or (width, height)
        if cut_short:
            break
        next_at = start + count * entry_size
        offset = struct.unpack_from(order + ("Q" if big else "I"), data, next_at)[0]
    return Declared(frames=pages, canvas=first)


def _tiff_first_value(data: memoryview, order: str, big: bool, entry: int, kind: int) -> int | None:
    fmt = _TIFF_INT_FORMATS.get(kind)
    if fmt is None:
        return None
    count = struct.unpack_from(order + ("Q" if big else "I"), data, entry + 4)[0]
    inline = 8 if big else 4
    value_at = entry + (12 if big else 8)
    if count * _TIFF_TYPE_SIZES[kind] > inline:
        value_at = struct.unpack_from(order + ("Q" if big else "I"), data, value_at)[0]
    value = struct.unpack_from(order + fmt, data, value_at)[0]
    return int(value)


def _bmp(data: memoryview, limits: Limits) -> Declared:
    header = struct.unpack_from("<I", data, 14)[0]
    if header == 12:
        width, height = struct.unpack_from("<HH", data, 18)
        compression = 0
    else:
        width, height = struct.unpack_from("<ii", data, 18)
        compression = struct.unpack_from("<I", data, 30)[0]
    _check_pixels("BMP", "an image", abs(width), abs(height), limits)
    if compression in (4, 5):
        inner = "JPEG" if compression == 4 else "PNG"
        raise Refused(f"BMP with an embedded {inner} (BI_{inner} compression), a printer format that is not a "
                      "supported image: export it as a plain PNG or JPEG", "unsupported")
    return Declared(frames=1, canvas=(abs(width), abs(height)))


_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg(data: memoryview, limits: Limits) -> Declared:
    scans = data.obj.count(b"\xff\xda") if isinstance(data.obj, bytes) else bytes(data).count(b"\xff\xda")
    if scans > MAX_JPEG_SCANS:
        raise Refused(f"JPEG has {scans:,} progressive scans, over the {MAX_JPEG_SCANS} limit (each scan costs a "
                      "pass over the whole image): refused before decoding", "limit")
    pos, size = 2, len(data)
    while pos + 4 <= size and data[pos] == 0xFF:  # marker segments up to the first frame header
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        length = struct.unpack_from(">H", data, pos + 2)[0]
        if marker in _JPEG_SOF:
            height, width = struct.unpack_from(">HH", data, pos + 5)
            _check_pixels("JPEG", "an image", width, height, limits)
            return Declared(canvas=(width, height))
        if marker == 0xDA or length < 2:
            break
        pos += 2 + length
    return Declared()


_WALKERS = {"gif": _gif, "png": _png, "webp": _webp, "tiff": _tiff, "bmp": _bmp, "jpeg": _jpeg}
