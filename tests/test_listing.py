"""The listing file: safe parsing, exact validation errors, the generated schema, media paths that stay inside."""

import json
import os
import textwrap

import jsonschema
import pytest

from conftest import ROOT
from media_check.listing import (MAX_LISTING_BYTES, find_listing_files, listing_schema, load_listing, parse_text,
                                 validate)

GOOD = """\
name: Site Diary Sync
tagline: Daily logs to your ERP, hands-free
version: 1.10
last_updated: 2024-05-01
features:
  - Syncs daily logs every night
pricing: {model: paid, note: Per project per month}
media:
  screenshots:
    - path: shots/one.png
      caption: The daily log
  logo: {path: logo.png}
"""


def write(folder, text, name="listing.yaml"):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_good_listing_parses(tmp_path):
    (tmp_path / "shots").mkdir()
    (tmp_path / "shots" / "one.png").write_bytes(b"x")
    (tmp_path / "logo.png").write_bytes(b"x")
    listing = load_listing(write(tmp_path, GOOD))
    assert listing.errors == ()
    data = listing.data
    assert data.name == "Site Diary Sync"
    assert data.version == "1.10"  # not the float 1.1
    assert data.last_updated == "2024-05-01"  # not a date object
    assert data.pricing.model == "paid"
    assert [(e.role, e.path.name) for e in listing.entries] == [("screenshot", "one.png"), ("logo", "logo.png")]
    assert listing.entries[0].display == os.path.normpath(str(tmp_path / "shots" / "one.png"))


def test_json_listing(tmp_path):
    listing = load_listing(write(tmp_path, json.dumps({"name": "A", "features": ["x"]}), "listing.json"))
    assert listing.errors == () and listing.data.features == ("x",)


@pytest.mark.parametrize("text, error", [
    ("name: A\nsumary: typo\n", "unknown key 'sumary' (known: category, escalation_policy, features"),
    ("name: [1, 2]\n", "name: must be text, got a list"),
    ("name: yes\n", "name: must be text, got true/false (quote it)"),
    ("features: one feature\n", "features: must be a list, got text"),
    ("features: [ok, [nested]]\n", "features[1]: must be text, got a list"),
    ("pricing: {model: freemium}\n", "pricing.model: must be one of free, paid, requires-purchase, got 'freemium'"),
    ("pricing: free\n", "pricing: must be a table of keys (model, note), got text"),
    ("media: {screenshots: [{captoin: x}]}\n", "media.screenshots[0]: unknown key 'captoin' (known: caption, path)"),
    ("media: {screenshots: [{caption: x}]}\n", "media.screenshots[0].path: required"),
    ("media: {video: clip.mp4}\n", "media.video: must be a table of keys (path), got text"),
    ("- a\n- b\n", "the listing: must be a table of keys"),
    ("", "the listing file is empty"),
])
def test_validation_errors_are_exact(tmp_path, text, error):
    listing = load_listing(write(tmp_path, text))
    assert listing.data is None
    assert any(error in e for e in listing.errors), listing.errors


def test_every_error_is_reported(tmp_path):
    listing = load_listing(write(tmp_path, "nme: A\ntagline: 3\npricing: {model: x}\n"))
    assert len(listing.errors) == 2  # unknown key, bad model ('3' is text: numbers stay text)


@pytest.mark.parametrize("text, error", [
    ("a: &x [1]\nb: *x\n", "YAML aliases ('*x') are not allowed"),
    ("name: a\nname: b\n", "line 2: duplicate key 'name'"),
    ("name: 'x' : y\n", "invalid YAML"),
    ("name: !!python/object/apply:os.system ['echo hi']\n", "invalid YAML"),
    ("[" * 5000, "nested too deeply"),
])
def test_unsafe_or_broken_yaml_is_refused(tmp_path, text, error):
    listing = load_listing(write(tmp_path, text))
    assert listing.data is None
    assert error in listing.errors[0]


def test_deep_nesting_does_not_crash(tmp_path):
    listing = load_listing(write(tmp_path, "[" * 50_000 + "]" * 50_000))
    assert listing.data is None and listing.errors


def test_json_duplicates_and_syntax(tmp_path):
    duplicate = load_listing(write(tmp_path, '{"name": "a", "name": "b"}', "listing.json"))
    assert "duplicate key 'name'" in duplicate.errors[0]
    assert "invalid JSON" in load_listing(write(tmp_path, '{"name": ', "listing.json")).errors[0]


def test_size_limit(tmp_path):
    listing = load_listing(write(tmp_path, "name: x\n" + "# pad\n" * (MAX_LISTING_BYTES // 6 + 10)))
    assert listing.data is None and "larger than 256 KiB" in listing.errors[0]


def test_not_utf8(tmp_path):
    path = tmp_path / "listing.yaml"
    path.write_bytes(b"name: \xff\xfe\n")
    assert "not UTF-8" in load_listing(path).errors[0]


def media_listing(folder, *paths):
    shots = "".join(f"    - path: {json.dumps(p)}\n" for p in paths)
    return load_listing(write(folder, f"name: A\nmedia:\n  screenshots:\n{shots}"))


def test_etc_passwd_is_refused(tmp_path):
    listing = media_listing(tmp_path, "../../etc/passwd")
    entry = listing.entries[0]
    assert entry.path is None
    assert "climbs out of the listing folder" in entry.refused


@pytest.mark.parametrize("raw, words", [
    ("/etc/passwd", "absolute path"),
    ("C:\\Windows\\win.ini", "absolute path"),
    ("shots/../../secret.png", "climbs out"),
    ("..\\..\\etc\\passwd", "climbs out"),
    ("file:///etc/passwd", "is a URL"),
    ("https://example.com/a.png", "is a URL"),
    ("", "empty path"),
])
def test_escaping_paths_are_refused(tmp_path, raw, words):
    entry = media_listing(tmp_path, raw).entries[0]
    assert entry.path is None and words in entry.refused


def test_symlink_out_of_the_folder_is_refused(tmp_path):
    listing_dir = tmp_path / "listing"
    listing_dir.mkdir()
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"secret")
    (listing_dir / "shot.png").symlink_to(secret)
    (listing_dir / "shots").symlink_to(tmp_path)
    listing = media_listing(listing_dir, "shot.png", "shots/secret.png")
    assert all(e.path is None and "symbolic link" in e.refused for e in listing.entries)


def test_symlink_inside_the_folder_is_followed(tmp_path):
    (tmp_path / "real.png").write_bytes(b"x")
    (tmp_path / "alias.png").symlink_to(tmp_path / "real.png")
    entry = media_listing(tmp_path, "alias.png").entries[0]
    assert entry.path == (tmp_path / "real.png").resolve()


def test_missing_folder_and_fifo_entries(tmp_path):
    (tmp_path / "dir.png").mkdir()
    os.mkfifo(tmp_path / "pipe.png")
    missing, folder, fifo = media_listing(tmp_path, "nope.png", "dir.png", "pipe.png").entries
    assert missing.missing == "no such file"
    assert "folder" in folder.missing
    assert "not a regular file" in fifo.missing


def test_find_listing_files(tmp_path):
    for sub in ("a", "b/c", ".hidden"):
        (tmp_path / sub).mkdir(parents=True)
        write(tmp_path / sub, "name: x\n")
    write(tmp_path / "a", "{}", "listing.json")  # listing.yaml wins in the same folder
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "listing.yaml").symlink_to(tmp_path / "a" / "listing.yaml")  # never read through a link
    found = [p.relative_to(tmp_path).as_posix() for p, _ in find_listing_files([tmp_path])]
    assert found == ["a/listing.yaml", "b/c/listing.yaml"]


def test_schema_is_generated_and_committed():
    committed = json.loads((ROOT / "docs" / "listing.schema.json").read_text())
    assert committed == listing_schema(), "run: python -m media_check.listing > docs/listing.schema.json"


@pytest.mark.parametrize("text", [GOOD, "name: A\nfeatures: [x]\npricing: {model: free}\n"])
def test_schema_accepts_what_the_validator_accepts(text):
    value = parse_text(text)
    data, errors = validate(value)
    assert errors == []
    jsonschema.validate(value, listing_schema())


@pytest.mark.parametrize("text", ["nme: A\n", "pricing: {model: freemium}\n", "media: {logo: {}}\n",
                                  "features: [[x]]\n"])
def test_schema_refuses_what_the_validator_refuses(text):
    value = parse_text(text)
    assert validate(value)[1]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(value, listing_schema())


def test_sample_listing_is_valid():
    listing = load_listing(ROOT / "sample_media" / "listing.yaml")
    assert listing.errors == ()
    assert all(e.path is not None for e in listing.entries), [e for e in listing.entries if e.path is None]


# --- end to end through the real command: real files, real OCR, a real HTTP server ----------------------------------

def _cli(*args):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "media_check", *map(str, args)], capture_output=True, text=True,
                          timeout=600)


@pytest.fixture(scope="module")
def listing_scan(tmp_path_factory):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from PIL import Image

    from conftest import app_screen

    class NotFound(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_HEAD(self):
            self.send_response(404)
            self.end_headers()

        do_GET = do_HEAD

    server = ThreadingHTTPServer(("127.0.0.1", 0), NotFound)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    root = tmp_path_factory.mktemp("acme")
    (root / "screens").mkdir()
    for i in range(3):
        app_screen(seed=i, size=(1280, 720)).save(root / "screens" / f"{i}.png")
    app_screen(seed=9, size=(1280, 720)).save(root / "draft.png")  # not named by the listing
    Image.new("RGB", (256, 256), (20, 60, 140)).save(root / "logo.png")
    (root / "listing.yaml").write_text(textwrap.dedent(f"""\
        name: Procore Field Sync
        support_url: http://127.0.0.1:{server.server_address[1]}/docs
        media:
          screenshots:
            - path: screens/0.png
            - path: screens/1.png
            - path: screens/2.png
            - path: ../../etc/passwd
          logo: {{path: logo.png}}
        """))
    cache = tmp_path_factory.mktemp("cache")
    result = _cli("scan", root, "-f", "json", "--cache-dir", cache, "--check-urls", "--allow-private")
    server.shutdown()
    server.server_close()
    return root, result


@pytest.mark.slow
def test_listing_scan_lands_findings_where_they_belong(listing_scan):
    root, result = listing_scan
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    listing = next(item for item in report["listings"] if item["path"].endswith("listing.yaml"))
    found = {f["name"] for f in listing["findings"]}
    assert {"owner-name-in-name", "media-outside-listing", "pricing-not-declared", "invalid-support-url",
            "support-url-unreachable", "missing-listing-field", "unknown-category"} <= found
    assert "too-few-screenshots" not in found  # three named screenshots
    refused = next(f for f in listing["findings"] if f["name"] == "media-outside-listing")
    assert refused["severity"] == "error" and "../../etc/passwd" in refused["message"]
    unreachable = next(f for f in listing["findings"] if f["name"] == "support-url-unreachable")
    assert "HTTP 404" in unreachable["message"]
    assets = {a["path"].replace(str(root), "root"): a for a in report["assets"]}
    assert not any("passwd" in path for path in assets)  # refused, never read
    logo = assets["root/logo.png"]
    assert logo["kind"] == "logo"
    assert [f["name"] for f in logo["findings"]] == ["logo-size"]  # on the logo, not the listing
    assert assets["root/draft.png"]["status"] == "pass"  # checked on its own
    assert not any("listing.yaml" in line for line in report["summary"]["not_checked"])
    jsonschema.validate(report, json.loads((ROOT / "docs" / "report.schema.json").read_text()))


def test_listing_option_names_a_missing_file(tmp_path):
    result = _cli("scan", tmp_path, "--listing", tmp_path / "nope.yaml")
    assert result.returncode == 2
    assert "listing file not found" in result.stderr


@pytest.mark.slow
def test_sample_listing_scan(tmp_path):
    """What `make scan` shows about the sample listing: its two deliberate metadata problems, its media passing."""
    from media_check.cache import AnalysisCache
    from media_check.config import load_config
    from media_check.pipeline import scan

    report = scan([str(ROOT / "sample_media" / "listing.yaml")], load_config(discover_from=tmp_path),
                  cache=AnalysisCache(tmp_path / "cache"))
    (listing,) = report.listings
    assert sorted(f.name for f in listing.findings) == ["listing-placeholder-text", "owner-name-in-name"]
    kinds = sorted(a.kind for a in report.assets)
    assert kinds == ["logo", "screenshot", "screenshot", "screenshot", "screenshot", "video"]
    assert {a.status.value for a in report.assets} == {"pass"}, [(a.path, a.findings) for a in report.assets]


def test_only_well_formed_web_urls_are_fetched(tmp_path):
    from media_check.listing import support_urls

    listings = []
    for i, url in enumerate(["https://help.example.org/a", "ftp://files.example.org", "https://", "not a url",
                             "https://help.example.org/a", "http://[::1/"]):
        folder = tmp_path / str(i)
        folder.mkdir()
        listings.append(load_listing(write(folder, f"support_url: {json.dumps(url)}\n")))
    assert support_urls(listings) == ["https://help.example.org/a"]
