"""Decode an image safely into RGB pixels, or say in plain words why it cannot be.

Limits are checked before any pixel is decoded: the file size, then the declared pixel count from the header.
Every odd mode is normalised to 8-bit RGB: palette, alpha (composited on white), 16-bit, CMYK, greyscale.
"""

from __future__ import annotations

import struct
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from media_check.sniff import HEAD_BYTES, IMAGE_FORMATS, VIDEO_FORMATS, sniff

# We enforce our own pixel limit before decoding; Pillow's own check would only warn below twice its limit.
Image.MAX_IMAGE_PIXELS = None

_PIL_FORMATS = {"png": ["PNG"], "jpeg": ["JPEG"], "webp": ["WEBP"], "gif": ["GIF"], "bmp": ["BMP", "DIB"],
                "tiff": ["TIFF"]}


class LoadError(Exception):
    """An asset that cannot be checked. ``str(err)`` is a reason a person understands."""

    def __init__(self, reason: str, fmt: str | None = None, kind: str = "unknown"):
        super().__init__(reason)
        self.reason = reason
        self.format = fmt
        self.kind = kind


@dataclass
class LoadedImage:
    image: Image.Image  # RGB, orientation applied
    format: str
    frames: int | None  # None when not counted (animations are not walked to the end)
    has_alpha: bool
    notes: list[str] = field(default_factory=list)

    @property
    def width(self) -> int:
        return self.image.width

    @property
    def height(self) -> int:
        return self.image.height


def read_head(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(HEAD_BYTES)


def load_image(path: Path, max_pixels: int, max_bytes: int) -> LoadedImage:
    """Decode ``path`` or raise :class:`LoadError`."""
    try:
        size = path.stat().st_size
        head = read_head(path)
    except IsADirectoryError:
        raise LoadError("is a folder, not a file") from None
    except PermissionError:
        raise LoadError("permission denied: the file cannot be read") from None
    except OSError as exc:
        raise LoadError(f"cannot be read: {exc.strerror or exc}") from None
    if size == 0:
        raise LoadError("file is empty (0 bytes)")
    fmt = sniff(head)
    if fmt in VIDEO_FORMATS:
        raise LoadError(f"{fmt.upper()} video: preview videos are not supported yet", fmt, kind="video")
    if fmt is None:
        raise LoadError("not a recognised image format (its first bytes match no known image type)")
    if fmt not in IMAGE_FORMATS:
        raise LoadError(f"is a {fmt} file, not a supported image (PNG, JPEG, WebP, GIF, BMP, TIFF)", fmt)
    if size > max_bytes:
        raise LoadError(f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit", fmt,
                        kind="screenshot")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return _decode(path, fmt, max_pixels)
        except LoadError:
            raise
        except UnidentifiedImageError:
            raise LoadError(f"{fmt.upper()} signature but the header is invalid: the file is corrupt", fmt,
                            kind="screenshot") from None
        except (OSError, SyntaxError, ValueError, TypeError, EOFError, IndexError, KeyError, ZeroDivisionError,
                struct.error) as exc:
            raise LoadError(_explain(fmt, exc), fmt, kind="screenshot") from None
        except MemoryError:
            raise LoadError("decoding ran out of memory", fmt, kind="screenshot") from None


def _explain(fmt: str, exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    lowered = text.lower()
    if "truncated" in lowered or isinstance(exc, EOFError):
        return f"{fmt.upper()} file is truncated (incomplete upload or copy?): {text}"
    return f"{fmt.upper()} file is corrupt and cannot be decoded: {text}"


def _decode(path: Path, fmt: str, max_pixels: int) -> LoadedImage:
    notes: list[str] = []
    with Image.open(path, formats=_PIL_FORMATS[fmt]) as im:
        width, height = im.size
        if width <= 0 or height <= 0:
            raise LoadError(f"{fmt.upper()} declares an empty size {width}x{height}", fmt, kind="screenshot")
        if width * height > max_pixels:
            raise LoadError(
                f"{fmt.upper()} declares {width}x{height} pixels ({width * height / 1e6:.0f} MP), over the "
                f"{max_pixels / 1e6:.0f} MP limit: refused before decoding (decompression bomb?)",
                fmt, kind="screenshot")
        animated = bool(getattr(im, "is_animated", False))
        frames = None if animated else 1
        if animated:
            notes.append("animated: the first frame was checked")
        im.seek(0)
        im.load()
        has_alpha = im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info
        try:
            oriented = ImageOps.exif_transpose(im)
            if _orientation(im) not in (None, 1):
                notes.append(f"EXIF orientation {_orientation(im)} applied")
            im2 = oriented if oriented is not None else im
        except Exception:  # noqa: BLE001 - malformed EXIF never fails an asset
            notes.append("EXIF metadata unreadable; orientation ignored")
            im2 = im
        rgb = to_rgb(im2)
    return LoadedImage(rgb, fmt, frames, has_alpha, notes)


def _orientation(im: Image.Image) -> int | None:
    try:
        value = im.getexif().get(0x0112)
    except Exception:  # noqa: BLE001
        return None
    return value if isinstance(value, int) else None


def to_rgb(im: Image.Image) -> Image.Image:
    """8-bit RGB from any Pillow mode; transparency is composited on white."""
    if im.mode == "RGB":
        return im.copy()
    if im.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        arr = np.asarray(im)
        top = int(arr.max()) if arr.size else 0
        shift = 8 if top > 255 else 0
        grey = (arr.astype(np.uint32) >> shift).clip(0, 255).astype(np.uint8)
        return Image.fromarray(grey, "L").convert("RGB")
    if im.mode == "F":
        arr = np.asarray(im)
        return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "L").convert("RGB")
    if im.mode == "P" and "transparency" in im.info:
        im = im.convert("RGBA")
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = im.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return im.convert("RGB")
