"""Capturing the live app with the system's headless Chromium, fenced to the hosts named on the command line.

A small sample app is served on 127.0.0.1 by the test itself (http.server in a thread): its pages are captured
with ``media-check capture``, then ``scan --live-url`` captures and compares in one run. Refusals are checked on
the real browser too: a redirect to another host, a subresource from another host, file:// URLs and private
addresses without --allow-private.
"""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PIL import Image

from media_check.capture import CaptureError, check_hosts, file_name, origin_of, parse_viewport

ROOT = Path(__file__).resolve().parents[1]

PAGE = """<!doctype html><html><head><meta charset="utf-8"><style>
body {{ margin: 0; font: 16px/1.4 'DejaVu Sans', sans-serif; color: #111827; background: #f8fafc; }}
header {{ display: flex; align-items: center; gap: 24px; height: 64px; padding: 0 24px; background: #1e293b;
          color: white; font-size: 22px; }}
nav {{ position: absolute; top: 64px; bottom: 0; width: 220px; background: #0f172a; color: #cbd5e1; padding: 16px; }}
nav div {{ padding: 10px 8px; }}
main {{ margin-left: 252px; padding: 24px; }}
.btn {{ display: inline-block; padding: 10px 18px; border-radius: 8px; background: #2563eb; color: white;
        margin-right: 12px; }}
table {{ margin-top: 24px; border-collapse: collapse; width: 900px; background: white; }}
td, th {{ border: 1px solid #e5e7eb; padding: 10px 12px; text-align: left; }}
</style></head><body>
<header>Ironline <span style="font-size:15px;opacity:.8">Riverside Medical Center</span></header>
<nav><div>Project Home</div><div>RFIs</div><div>Submittals</div><div>Drawings</div><div>Daily Log</div></nav>
<main><h1>RFIs</h1>{buttons}
<table><tr><th>Number</th><th>Subject</th><th>Status</th><th>Due</th></tr>
<tr><td>RFI-101</td><td>Curtain wall anchor detail</td><td>Open</td><td>Apr 12</td></tr>
<tr><td>RFI-102</td><td>Slab edge at grid C</td><td>Open</td><td>Apr 15</td></tr>
<tr><td>RFI-103</td><td>Door hardware schedule</td><td>Closed</td><td>Apr 02</td></tr>
<tr><td>RFI-104</td><td>Roof drain locations</td><td>Open</td><td>Apr 22</td></tr>
</table>{extra}</main></body></html>"""


def page(buttons: int = 2, extra: str = "") -> bytes:
    labels = ["Create RFI", "Download report", "Sync now"][:buttons]
    return PAGE.format(buttons="".join(f'<span class="btn">{label}</span>' for label in labels),
                       extra=extra).encode()


class SampleApp(http.server.BaseHTTPRequestHandler):
    routes: dict[str, bytes] = {}

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):  # noqa: N802
        port = self.server.server_address[1]
        if self.path == "/away":  # a redirect to a host not named on the command line
            self.send_response(302)
            self.send_header("Location", f"http://localhost:{port}/rfis")
            self.end_headers()
            return
        if self.path == "/hop":  # a redirect on the same host
            self.send_response(302)
            self.send_header("Location", "/rfis")
            self.end_headers()
            return
        body = self.routes.get(self.path)
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def app():
    SampleApp.routes = {
        "/rfis": page(2),
        "/rfis-next": page(3),  # the next release: one more toolbar button
        "/leaky": page(2, extra='<img src="http://example.com/pixel.png" width="1" height="1">'),
    }
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SampleApp)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def media_check(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "media_check", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=timeout)


# ------------------------------------------------------------------ no browser needed

def test_only_http_and_https_urls_are_accepted():
    for url in ("file:///etc/passwd", "ftp://example.com/x", "chrome://settings", "javascript:alert(1)"):
        with pytest.raises(CaptureError, match="only http and https"):
            origin_of(url)
    assert origin_of("https://App.Example.com/x") == ("https", "app.example.com", 443)


def test_private_addresses_are_refused_unless_allowed():
    with pytest.raises(CaptureError, match="--allow-private"):
        check_hosts(["http://127.0.0.1:8000/"], allow_private=False)
    assert check_hosts(["http://127.0.0.1:8000/"], allow_private=True) == {("127.0.0.1", 8000)}


def test_viewport_and_file_names():
    assert parse_viewport("1280x720") == (1280, 720)
    with pytest.raises(CaptureError):
        parse_viewport("big")
    assert file_name(3, "http://127.0.0.1:8000/projects/rfis?x=1") == "03-127-0-0-1-8000-projects-rfis.png"


# ------------------------------------------------------------------ the real browser

@pytest.mark.slow
def test_capture_command_writes_pngs_at_the_viewport(app, tmp_path):
    result = media_check("capture", f"{app}/rfis", f"{app}/hop", "--out", str(tmp_path), "--viewport", "1280x720",
                         "--allow-private", "--wait-for", "table")
    assert result.returncode == 0, result.stderr
    shots = sorted(tmp_path.glob("*.png"))
    assert [p.name[:3] for p in shots] == ["01-", "02-"]
    for shot in shots:
        with Image.open(shot) as image:
            assert image.size == (1280, 720)
            assert image.convert("L").getextrema()[0] < 60  # the dark header is there: the page rendered


@pytest.mark.slow
def test_capture_refuses_what_the_command_line_did_not_name(app, tmp_path):
    private = media_check("capture", f"{app}/rfis", "--out", str(tmp_path))
    assert private.returncode == 2 and "--allow-private" in private.stderr
    away = media_check("capture", f"{app}/away", "--out", str(tmp_path), "--allow-private", "--timeout", "10")
    assert away.returncode == 2 and "localhost" in away.stderr and "not named on the command line" in away.stderr
    assert not list(tmp_path.glob("*.png"))
    leaky = media_check("capture", f"{app}/leaky", "--out", str(tmp_path), "--allow-private", "--timeout", "10")
    assert leaky.returncode == 0 and "1 request(s) to other hosts refused" in leaky.stdout
    local = media_check("capture", "file:///etc/hostname", "--out", str(tmp_path))
    assert local.returncode == 2 and "only http and https" in local.stderr


@pytest.mark.slow
def test_scan_live_url_captures_and_compares_in_one_run(app, tmp_path):
    shots = tmp_path / "shots"
    assert media_check("capture", f"{app}/rfis", f"{app}/rfis-next", "--out", str(shots), "--allow-private"
                       ).returncode == 0
    first, second = sorted(shots.glob("*.png"))
    listing = tmp_path / "listing"
    listing.mkdir()
    with Image.open(first) as image:  # the current release, resized and re-encoded as a listing would be
        image.convert("RGB").resize((1280, 720)).save(listing / "01-rfis.jpg", quality=85)
    with Image.open(second) as image:  # a screenshot of a release the live app does not run
        image.save(listing / "02-rfis-next.png")
    result = media_check("scan", str(listing), "--live-url", f"{app}/rfis", "--allow-private", "--format", "json",
                         "--no-progress", "--cache-dir", str(tmp_path / "cache"), "--diff-dir", str(tmp_path / "d"))
    assert result.returncode == 1, result.stderr
    assets = {Path(a["path"]).name: a for a in json.loads(result.stdout)["assets"]}
    assert assets["01-rfis.jpg"]["live_match"]["status"] == "current"
    stale = assets["02-rfis-next.png"]
    assert stale["live_match"]["status"] == "stale"
    assert "stale-screenshot" in {f["name"] for f in stale["findings"]}
    assert len(list((tmp_path / "d").glob("*.diff.png"))) == 1
