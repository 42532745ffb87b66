"""The listing file: a marketplace listing's metadata and the media it names, parsed safely and validated exactly.

A listing file (``listing.yaml``, ``listing.yml`` or ``listing.json``) sits in the listing folder, next to the
media. Its shape is defined once, by the dataclasses below: they drive the validator (exact errors such as
``media.screenshots[1]: unknown key 'captoin' (known: caption, path)``) and the JSON schema
(``python -m media_check.listing > docs/listing.schema.json``).

Safety:
- the file is size-limited before it is read and parsed with a safe loader (``yaml.SafeLoader``: no Python
  objects); YAML anchors and aliases are refused, dates and numbers stay text (``version: 1.10`` is "1.10");
- a media entry is a path relative to the listing folder. Absolute paths, ``..``, URLs and symbolic links leading
  out of the folder are refused before anything is opened (:func:`media_check.paths.safe_join`); such a file is
  never read, and regular files only are accepted (no FIFO or device).
"""

from __future__ import annotations

import dataclasses
import json
import os
import stat
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from media_check.paths import UnsafePath, printable, safe_join

LISTING_FILE_NAMES = ("listing.yaml", "listing.yml", "listing.json")
MAX_LISTING_BYTES = 256 * 1024
PRICING_MODELS = ("free", "paid", "requires-purchase")


def _doc(text: str) -> dict[str, str]:
    return {"doc": text}


# --- the model: one dataclass per object of the file ---------------------------------------------------------------

@dataclass(frozen=True)
class Pricing:
    """How the app is paid for."""

    model: Literal["free", "paid", "requires-purchase"] | None = field(
        default=None, metadata=_doc("free, paid, or requires-purchase (free app that needs purchased software)"))
    note: str | None = field(default=None, metadata=_doc("Prices, plans or what must be bought, in a sentence"))


@dataclass(frozen=True)
class Screenshot:
    """One screenshot of the listing."""

    path: str = field(metadata=_doc("Image file, relative to the listing folder"))
    caption: str | None = field(default=None, metadata=_doc("Caption shown under the screenshot"))


@dataclass(frozen=True)
class MediaFile:
    """A single media file (the preview video, the logo)."""

    path: str = field(metadata=_doc("File, relative to the listing folder"))


@dataclass(frozen=True)
class Media:
    """The listing's media: which files belong to the listing, and in which role."""

    screenshots: tuple[Screenshot, ...] = field(default=(), metadata=_doc("Screenshots, in listing order"))
    video: MediaFile | None = field(default=None, metadata=_doc("The preview video (MP4 or MOV)"))
    logo: MediaFile | None = field(default=None, metadata=_doc("The logo / tile image"))


@dataclass(frozen=True)
class ListingData:
    """The metadata of one marketplace listing."""

    name: str | None = field(default=None, metadata=_doc("The app's name as listed"))
    tagline: str | None = field(default=None, metadata=_doc("One-line tagline"))
    summary: str | None = field(default=None, metadata=_doc("Integration summary"))
    how_it_works: str | None = field(default=None, metadata=_doc("How the integration works"))
    features: tuple[str, ...] = field(default=(), metadata=_doc("Feature bullets"))
    category: str | None = field(default=None, metadata=_doc("Marketplace category"))
    pricing: Pricing | None = field(default=None, metadata=_doc("Free or paid, and what must be purchased"))
    support_url: str | None = field(default=None, metadata=_doc("Public URL of the support documentation"))
    support_policy: str | None = field(default=None, metadata=_doc("Support policy: hours, channels, response"))
    escalation_policy: str | None = field(default=None, metadata=_doc("How support issues are escalated"))
    version: str | None = field(default=None, metadata=_doc("Version of the app the listing describes"))
    last_updated: str | None = field(default=None, metadata=_doc("Date the support documentation was last updated"))
    media: Media | None = field(default=None, metadata=_doc("The media files of the listing"))

    def text_fields(self) -> list[tuple[str, str]]:
        """Every free-text field as (where, text): name, tagline, ..., features[i], pricing.note, captions."""
        out: list[tuple[str, str]] = []
        for key in ("name", "tagline", "summary", "how_it_works", "category", "support_policy",
                    "escalation_policy"):
            value = getattr(self, key)
            if value:
                out.append((key, value))
        out.extend((f"features[{i}]", text) for i, text in enumerate(self.features) if text)
        if self.pricing and self.pricing.note:
            out.append(("pricing.note", self.pricing.note))
        if self.media:
            out.extend((f"media.screenshots[{i}].caption", shot.caption)
                       for i, shot in enumerate(self.media.screenshots) if shot.caption)
        return out


# --- media entries, resolved safely --------------------------------------------------------------------------------

@dataclass(frozen=True)
class MediaEntry:
    """One file named by the listing. ``path`` is set only when the file is a regular file inside the folder."""

    role: str  # screenshot | video | logo
    where: str  # e.g. media.screenshots[2].path
    raw: str
    display: str  # the path as a person reads it in the report (listing folder + raw)
    path: Path | None = None
    refused: str | None = None  # the entry leads outside the listing folder (never read)
    missing: str | None = None  # the entry is inside the folder but there is no such regular file


def _entry(folder: Path, display_folder: str, role: str, where: str, raw: str) -> MediaEntry:
    display = os.path.normpath(os.path.join(display_folder, printable(raw))) if raw.strip() else repr(raw)
    try:
        target = safe_join(folder, raw)
    except UnsafePath as exc:
        return MediaEntry(role, where, raw, display, refused=str(exc))
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        return MediaEntry(role, where, raw, display, missing="no such file")
    except OSError as exc:
        return MediaEntry(role, where, raw, display, missing=f"cannot be accessed: {exc.strerror or exc}")
    if stat.S_ISDIR(mode):
        return MediaEntry(role, where, raw, display, missing="is a folder, not a file")
    if not stat.S_ISREG(mode):
        return MediaEntry(role, where, raw, display, missing="is not a regular file (device, pipe or socket)")
    return MediaEntry(role, where, raw, display, path=target)


# --- the listing as the pipeline sees it ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Listing:
    """A parsed listing file. ``data`` is None when the file could not be parsed; ``errors`` says why."""

    file: Path
    display: str  # the listing file as shown in reports
    folder: Path
    data: ListingData | None
    errors: tuple[str, ...] = ()
    entries: tuple[MediaEntry, ...] = ()

    @property
    def declares_media(self) -> bool:
        return self.data is not None and self.data.media is not None

    def entry_for(self, path: Path) -> MediaEntry | None:
        """The entry naming the file at ``path`` (compared by real path), if any."""
        real = path.resolve()
        return next((e for e in self.entries if e.path is not None and e.path == real), None)


class ListingFileError(Exception):
    """The listing file named on the command line cannot be used at all (it does not exist, it is a folder)."""


def load_listing(file: Path | str, display: str | None = None, max_bytes: int = MAX_LISTING_BYTES) -> Listing:
    """Read, parse and validate the listing file ``file``; never raises for a bad file (see ``Listing.errors``)."""
    file = Path(file)
    display = display or os.path.normpath(str(file))
    folder = file.parent
    try:
        raw = _read_limited(file, max_bytes)
        value = parse_text(raw, json_format=file.suffix.lower() == ".json")
    except ListingSyntaxError as exc:
        return Listing(file, display, folder, None, (str(exc),))
    data, errors = validate(value)
    if data is None:
        return Listing(file, display, folder, None, tuple(errors))
    display_folder = os.path.dirname(display)
    entries: list[MediaEntry] = []
    if data.media:
        for i, shot in enumerate(data.media.screenshots):
            entries.append(_entry(folder, display_folder, "screenshot", f"media.screenshots[{i}].path", shot.path))
        if data.media.video:
            entries.append(_entry(folder, display_folder, "video", "media.video.path", data.media.video.path))
        if data.media.logo:
            entries.append(_entry(folder, display_folder, "logo", "media.logo.path", data.media.logo.path))
    return Listing(file, display, folder, data, tuple(errors), tuple(entries))


def find_listing_files(roots: list[str | Path]) -> list[tuple[Path, str]]:
    """Listing files in the folders under ``roots`` (recursive, hidden folders skipped, links not followed), as
    (path, display) sorted by display. One per folder: ``listing.yaml`` before ``listing.yml`` before
    ``listing.json``."""
    found: dict[str, tuple[Path, str]] = {}
    for raw in roots:
        root = Path(raw)
        if not root.is_dir() or root.is_symlink():
            continue
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in LISTING_FILE_NAMES:
                if name in filenames:
                    candidate = Path(dirpath) / name
                    if candidate.is_symlink():
                        continue  # a listing file is never read through a link
                    display = os.path.normpath(str(candidate))
                    found.setdefault(display, (candidate, display))
                    break
    return sorted(found.values(), key=lambda item: item[1])


def collect_listings(roots: list[str | Path], listing_file: str | Path | None = None) -> list[Listing]:
    """The listing files found under ``roots`` (folders walked; a root that is itself a ``listing.yaml``/``.json``
    file counts too) plus the one named by ``listing_file`` (``--listing``), parsed."""
    found = find_listing_files(roots)
    for raw in roots:
        root = Path(raw)
        if root.name in LISTING_FILE_NAMES and root.is_file() and \
                not any(path.resolve() == root.resolve() for path, _ in found):
            found.append((root, os.path.normpath(str(root))))
    if listing_file is not None:
        named = Path(listing_file)
        if not named.exists():
            raise ListingFileError(f"listing file not found: {listing_file}")
        if named.is_dir():
            raise ListingFileError(f"--listing names a folder, not a listing file: {listing_file}")
        if not any(path.resolve() == named.resolve() for path, _ in found):
            found.append((named, os.path.normpath(str(named))))
    return [load_listing(path, display) for path, display in found]


def assign_refs(refs: list, listings: list[Listing]) -> tuple[list, dict[str, str]]:
    """Listing membership and roles of the assets, as the listing files define them.

    Returns the refs (:class:`media_check.discover.AssetRef`) with ``listing`` set to the listing file's display
    path for the media it names, and to None for other media in its folder when it has a ``media`` section (they
    are checked on their own, not as part of the listing); without a ``media`` section every medium under the
    folder belongs to it. Named files that were not discovered (``--listing`` pointing elsewhere) are added.
    The second value maps a ref's display path to its role (screenshot, video, logo). The deepest listing folder
    holding a file wins.
    """
    from dataclasses import replace

    from media_check.discover import AssetRef

    by_depth = sorted(listings, key=lambda item: len(item.folder.resolve().parts), reverse=True)
    roles: dict[str, str] = {}
    seen: set[Path] = set()
    out = []
    for ref in refs:
        if ref.escape:
            out.append(ref)
            continue
        real = ref.path.resolve()
        seen.add(real)
        owner = next((item for item in by_depth if real.is_relative_to(item.folder.resolve())), None)
        if owner is None:
            out.append(ref)
            continue
        entry = owner.entry_for(real)
        if entry is not None:
            roles[ref.display] = entry.role
            out.append(replace(ref, listing=owner.display))
        else:
            out.append(replace(ref, listing=None if owner.declares_media else owner.display))
    for item in listings:
        for entry in item.entries:
            if entry.path is not None and entry.path not in seen:
                seen.add(entry.path)
                roles[entry.display] = entry.role
                out.append(AssetRef(entry.path, entry.display, item.display))
    return sorted(out, key=lambda r: r.display), roles


def support_urls(listings: list[Listing]) -> list[str]:
    """The distinct support URLs worth fetching: http(s) with a host name, as written (stripped). A malformed one
    is reported by ``invalid-support-url`` and never fetched."""
    from urllib.parse import urlsplit

    urls = [item.data.support_url.strip() for item in listings if item.data and item.data.support_url]
    fetchable = []
    for url in dict.fromkeys(urls):
        try:
            parts = urlsplit(url)
            if parts.scheme in ("http", "https") and parts.hostname and not any(c.isspace() for c in url):
                fetchable.append(url)
        except ValueError:
            continue
    return fetchable


# --- reading and parsing -------------------------------------------------------------------------------------------

class ListingSyntaxError(Exception):
    """The listing file cannot be read or is not valid YAML/JSON."""


def _read_limited(file: Path, max_bytes: int) -> str:
    try:
        mode = file.stat().st_mode
        if stat.S_ISDIR(mode):
            raise ListingSyntaxError("the listing file is a folder")
        if not stat.S_ISREG(mode):
            raise ListingSyntaxError("the listing file is not a regular file")
        with open(file, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise ListingSyntaxError("the listing file does not exist") from None
    except PermissionError:
        raise ListingSyntaxError("permission denied: the listing file cannot be read") from None
    except OSError as exc:
        raise ListingSyntaxError(f"the listing file cannot be read: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise ListingSyntaxError(f"the listing file is larger than {max_bytes // 1024} KiB; refused")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ListingSyntaxError(f"the listing file is not UTF-8 text (byte {exc.start})") from None


class _ListingLoader(yaml.SafeLoader):
    """SafeLoader without aliases, duplicate keys, or implicit dates and numbers (they stay text)."""

    def compose_node(self, parent, index):  # noqa: ANN001
        if self.check_event(yaml.events.AliasEvent):
            event = self.peek_event()
            raise ListingSyntaxError(f"line {event.start_mark.line + 1}: YAML aliases ('*{event.anchor}') are not "
                                     "allowed in a listing file")
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):  # noqa: ANN001
        seen: set = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, typing.Hashable) and key in seen:
                raise ListingSyntaxError(f"line {key_node.start_mark.line + 1}: duplicate key '{key}'")
            if isinstance(key, typing.Hashable):
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


# Keep only the implicit types a listing uses: booleans and null. Numbers and dates stay strings.
_ListingLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers
            if tag in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:null")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_text(text: str, json_format: bool = False) -> Any:
    """The plain value of a listing file's text (YAML, or JSON when ``json_format``)."""
    try:
        if json_format:
            return json.loads(text, object_pairs_hook=_no_duplicates)
        return yaml.load(text, Loader=_ListingLoader)  # noqa: S506 - a SafeLoader subclass
    except ListingSyntaxError:
        raise
    except json.JSONDecodeError as exc:
        raise ListingSyntaxError(f"invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ListingSyntaxError(f"invalid YAML: {exc.problem or exc.context}{where}") from None
    except yaml.YAMLError as exc:
        raise ListingSyntaxError(f"invalid YAML: {exc}") from None
    except RecursionError:
        raise ListingSyntaxError("the listing file is nested too deeply") from None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ListingSyntaxError(f"duplicate key '{key}'")
        out[key] = value
    return out


# --- validation: the dataclasses are the schema ----------------------------------------------------------------------

def validate(value: Any) -> tuple[ListingData | None, list[str]]:
    """``value`` (parsed YAML/JSON) as :class:`ListingData`, and every error, each naming where it is."""
    if value is None:
        return None, ["the listing file is empty"]
    errors: list[str] = []
    data = _build(ListingData, value, "", errors)
    if errors:
        return None, errors
    return data, []


_TYPE_WORDS = {str: "text", bool: "true or false", int: "a whole number", float: "a number", list: "a list",
               dict: "a table of keys", type(None): "empty"}


def _what(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return "text"
    return type(value).__name__


def _build(tp: Any, value: Any, where: str, errors: list[str]) -> Any:
    label = where or "the listing"
    origin = typing.get_origin(tp)
    if origin is typing.Union or origin is types.UnionType:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            return None
        return _build(args[0], value, where, errors)
    if origin is Literal:
        choices = typing.get_args(tp)
        if value not in choices:
            errors.append(f"{label}: must be one of {', '.join(choices)}, got {value!r}")
            return None
        return value
    if tp is str:
        if not isinstance(value, str):
            errors.append(f"{label}: must be text, got {_what(value)}"
                          + (" (quote it)" if isinstance(value, bool) else ""))
            return None
        return value
    if origin is tuple:
        item_type = typing.get_args(tp)[0]
        if not isinstance(value, list):
            errors.append(f"{label}: must be a list, got {_what(value)}")
            return ()
        return tuple(_build(item_type, item, f"{where}[{i}]", errors) for i, item in enumerate(value))
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            errors.append(f"{label}: must be a table of keys ({', '.join(f.name for f in dataclasses.fields(tp))}),"
                          f" got {_what(value)}")
            return None
        hints = typing.get_type_hints(tp, include_extras=False)
        fields = {f.name: f for f in dataclasses.fields(tp)}
        kwargs: dict[str, Any] = {}
        for key in value:
            if not isinstance(key, str) or key not in fields:
                prefix = f"{where}: " if where else ""
                errors.append(f"{prefix}unknown key {str(key)!r} (known: {', '.join(sorted(fields))})")
        for name, f in fields.items():
            sub = f"{where}.{name}" if where else name
            if name in value:
                kwargs[name] = _build(hints[name], value[name], sub, errors)
            elif f.default is dataclasses.MISSING:
                errors.append(f"{sub}: required")
        if any(f.default is dataclasses.MISSING and kwargs.get(n) is None for n, f in fields.items()):
            return None
        return tp(**{k: v for k, v in kwargs.items() if v is not None or fields[k].default is None})
    raise TypeError(f"no validator for {tp!r}")


# --- the JSON schema, generated from the model ------------------------------------------------------------------------

def listing_schema() -> dict[str, Any]:
    from media_check.schema import fields_without_default, json_schema

    return json_schema(ListingData, title="media-check listing file", schema_id="urn:media-check:listing",
                       required=fields_without_default)


if __name__ == "__main__":
    print(json.dumps(listing_schema(), indent=2))
