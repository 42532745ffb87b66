"""Fuzzing every parser of user files with Hypothesis: mutated real seeds and raw bytes must end in a result or the
parser's own documented error, never a crash, a hang or an unexplained exception.

Runs briefly in the suite (``MEDIA_CHECK_FUZZ_EXAMPLES``, default 40 per target, derandomised so CI is
reproducible) and for long by ``make fuzz`` (thousands per target, random). To fuzz a new parser, add a
:class:`UserFileParser` to :data:`PARSERS`: a name, a file name to write the input to, a function that parses that
file, the exceptions it documents, and a few valid seed files.
"""

from __future__ import annotations

import io
import json
import os
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from media_check.containers import Declared, Refused, inspect
from media_check.limits import Limits
from media_check.load import LoadError, load_asset
from media_check.paths import UnsafePath, printable, safe_join
from media_check.sniff import IMAGE_FORMATS, damaged_signature, describe, sniff

EXAMPLES = int(os.environ.get("MEDIA_CHECK_FUZZ_EXAMPLES", "40"))
LONG = EXAMPLES > 200
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not LONG, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])
LIMITS = Limits(decode_timeout=10.0)


# --- inputs ----------------------------------------------------------------------------------------------------

def _save(image: Image.Image, fmt: str, **kw) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kw)
    return buffer.getvalue()


def _image_seeds() -> list[bytes]:
    noise = Image.effect_noise((24, 16), 60).convert("RGB")
    palette = noise.convert("P", palette=Image.Palette.ADAPTIVE, colors=8)
    exif = Image.Exif()
    exif[0x0112] = 6
    frames = [Image.new("RGB", (12, 12), c) for c in ("red", "green", "blue")]
    return [
        _save(noise, "PNG"), _save(palette, "PNG", transparency=0), _save(Image.new("I;16", (8, 8), 999), "PNG"),
        _save(frames[0], "PNG", save_all=True, append_images=frames[1:]),
        _save(noise, "JPEG", exif=exif), _save(noise, "JPEG", progressive=True),
        _save(frames[0], "GIF", save_all=True, append_images=frames[1:]),
        _save(noise, "WEBP"), _save(noise, "WEBP", lossless=True), _save(noise, "BMP"), _save(palette, "BMP"),
        _save(noise, "TIFF"), _save(noise, "TIFF", compression="tiff_lzw"),
    ]


IMAGE_SEEDS = _image_seeds()


@st.composite
def mutated(draw, seeds: list[bytes]) -> bytes:
    """A seed with a few byte-level mutations: bit flips, special bytes, insertions, deletions, truncation,
    duplicated spans (the moves of coverage-guided fuzzers, without the coverage)."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(0, 8))):
        if not data:
            break
        op = draw(st.sampled_from(("flip", "set", "insert", "delete", "truncate", "duplicate", "u32")))
        at = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "set":
            data[at] = draw(st.sampled_from((0x00, 0xFF, 0x7F, 0x80, 0x22, 0x5B, 0x0A, 0x3A)))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del data[at:at + draw(st.integers(1, 32))]
        elif op == "truncate":
            del data[at:]
        elif op == "duplicate":
            end = draw(st.integers(at, min(len(data), at + 64)))
            data[at:at] = data[at:end]
        elif op == "u32" and at + 4 <= len(data):  # sizes and counts live in 32-bit fields
            struct.pack_into(">I", data, at, draw(st.sampled_from((0, 1, 0x7FFFFFFF, 0xFFFFFFFF, 65535, 1 << 20))))
    return bytes(data)


def user_bytes(seeds: list[bytes]) -> st.SearchStrategy[bytes]:
    return st.one_of(mutated(seeds), st.binary(max_size=512))


# --- the loader, the container walkers, the sniffer ------------------------------------------------------------

@FUZZ
@given(data=user_bytes(IMAGE_SEEDS))
def test_loader_never_fails_unexplained(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "asset.png"
    path.write_bytes(data)
    started = time.monotonic()
    try:
        loaded = load_asset(path, LIMITS)
    except LoadError as exc:
        assert exc.reason.strip() and "Traceback" not in exc.reason
    else:
        assert loaded.image.mode == "RGB"
        assert 0 < loaded.width * loaded.height <= LIMITS.max_pixels
        assert loaded.frames is None or 1 <= loaded.frames <= LIMITS.max_frames
    assert time.monotonic() - started < LIMITS.decode_timeout + 5


@FUZZ
@given(fmt=st.sampled_from(IMAGE_FORMATS), data=user_bytes(IMAGE_SEEDS))
def test_container_walkers_refuse_or_describe(fmt, data):
    try:
        declared = inspect(fmt, data, LIMITS)
    except Refused as exc:
        assert exc.kind in ("limit", "corrupt", "unsupported") and exc.reason
    else:
        assert isinstance(declared, Declared)


@FUZZ
@given(head=st.binary(max_size=80))
def test_sniffing_never_raises(head):
    fmt = sniff(head)
    assert isinstance(describe(fmt), str)
    damaged = damaged_signature(head)
    assert damaged is None or fmt is None


# --- paths -----------------------------------------------------------------------------------------------------

@FUZZ
@given(relative=st.lists(st.sampled_from(list("ab./\\:~\x00 %") + ["..", "//", "C:", "file:", "é"]),
                         max_size=12).map("".join))
def test_safe_join_stays_inside_or_refuses(tmp_path_factory, relative):
    root = tmp_path_factory.getbasetemp() / "fuzz-root"
    (root / "a").mkdir(parents=True, exist_ok=True)
    try:
        joined = safe_join(root, relative)
    except UnsafePath as exc:
        assert str(exc)
    else:
        assert joined.is_relative_to(root.resolve())


@FUZZ
@given(name=st.text(max_size=40))
def test_printable_names_have_no_control_characters(name):
    shown = printable(name)
    assert not any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F for ch in shown)


# --- parsers of user files: configuration, baseline, listing, journal ------------------------------------------

@dataclass
class UserFileParser:
    name: str
    file_name: str
    parse: Callable[[Path], object]
    allowed: tuple[type[BaseException], ...]
    seeds: list[bytes] = field(default_factory=list)


def _parse_config(path: Path):
    from media_check.config import load_config

    return load_config(path)


CONFIG_SEEDS = [
    b'profile = "procore"\nfail-on = "warn"\nselect = ["MC1", "image-format"]\nignore = ["aspect-ratio"]\n'
    b'languages = ["eng"]\nmax-pixels = 50000000\nocr-timeout = 60\njobs = 2\n'
    b'[rules.image-dimensions]\nmax-width = 2560\nseverity = "warn"\n[rules.blank-screen]\nenabled = false\n',
    b'[tool.media-check]\nprofile = "procore"\n[tool.media-check.rules.aspect-ratio]\nseverity = "fail"\n',
]


def _parse_journal(path: Path):
    from media_check.journal import Journal

    journal = Journal(path)
    if not journal.open(resume=True):
        raise AssertionError("journal locked")
    journal.close()
    return journal.done


def _journal_seed() -> bytes:
    import zlib

    entry = {"path": "a.png", "sha256": "ab" * 32, "analysis": {"sha256": "ab" * 32, "format": "png", "width": 10,
                                                                "height": 10, "words": [["Hi", 90.0, [1, 2, 3, 4],
                                                                                         1, 0]]}}
    payload = json.dumps(entry, sort_keys=True, separators=(",", ":"))
    return (json.dumps({"crc": zlib.crc32(payload.encode()), "entry": entry}) + "\n").encode() * 2


PARSERS = [
    UserFileParser("config", "media-check.toml", _parse_config, (import_module("media_check.config").ConfigError,),
                   CONFIG_SEEDS[:1]),
    UserFileParser("pyproject", "pyproject.toml", _parse_config, (import_module("media_check.config").ConfigError,),
                   [CONFIG_SEEDS[1]]),
    UserFileParser("journal", "scan.jsonl", _parse_journal, (), [_journal_seed()]),
]


def _optional_parsers() -> list[UserFileParser]:
    """Parsers of modules that exist in this tree (the harness grows with the code)."""
    found = []
    try:
        baseline = import_module("media_check.baseline")
        seed = json.dumps({"media_check_baseline": 1, "settings": {"profile": "procore"}, "findings": [
            {"code": "MC304", "name": "aspect-ratio", "sha256": "ab" * 32, "path": "a.png", "scope": "asset",
             "message": "x"}]})
        found.append(UserFileParser("baseline", "baseline.json", baseline.Baseline.load, (baseline.BaselineError,),
                                    [seed.encode()]))
    except ImportError:
        pass
    try:
        listing = import_module("media_check.listing")
        seed = (b"name: Field Reports\nsummary: Daily logs for crews\ncategory: Project Management\n"
                b"support_url: https://example.com/support\nmedia:\n  screenshots:\n    - path: screens/01.png\n"
                b"      caption: Daily log\n    - path: ../escape.png\n")
        found.append(UserFileParser("listing-yaml", "listing.yaml", listing.load_listing, (), [seed]))
        found.append(UserFileParser("listing-json", "listing.json", listing.load_listing, (), [
            b'{"name": "Field Reports", "media": {"screenshots": [{"path": "screens/01.png"}]}}']))
    except ImportError:
        pass
    return found


ALL_PARSERS = PARSERS + _optional_parsers()


@pytest.mark.parametrize("parser", ALL_PARSERS, ids=[p.name for p in ALL_PARSERS])
def test_user_file_parsers_fail_only_with_their_own_errors(parser, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"fuzz-{parser.name}")

    @FUZZ
    @given(data=user_bytes(parser.seeds))
    def run(data):
        path = folder / parser.file_name
        path.write_bytes(data)
        try:
            parser.parse(path)
        except parser.allowed as exc:
            assert str(exc).strip()

    for seed in parser.seeds:  # the seeds themselves parse
        (folder / parser.file_name).write_bytes(seed)
        parser.parse(folder / parser.file_name)
    run()
