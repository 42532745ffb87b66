"""--check-urls against a real HTTP server started on 127.0.0.1 by the test."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from media_check.urlcheck import check_url


class Handler(BaseHTTPRequestHandler):
    seen: list[tuple[str, str]] = []

    def log_message(self, *args):  # keep the test output clean
        pass

    def _answer(self, body: bool) -> None:
        Handler.seen.append((self.command, self.path))
        routes = {
            "/ok": (200, None),
            "/docs": (301, "/ok"),
            "/chain": (302, "/docs"),
            "/loop": (302, "/loop"),
            "/missing": (404, None),
            "/private": (403, None),
            "/broken": (500, None),
            "/to-file": (302, "file:///etc/passwd"),
        }
        if self.path == "/slow":
            time.sleep(2)
            status, location = 200, None
        elif self.path == "/no-head":
            status, location = (405, None) if self.command == "HEAD" else (200, None)
        else:
            status, location = routes.get(self.path, (404, None))
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", "2")
        self.end_headers()
        if body:
            self.wfile.write(b"ok")

    def do_HEAD(self):
        self._answer(body=False)

    def do_GET(self):
        self._answer(body=True)


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def check(url, **kw):
    kw.setdefault("allow_private", True)
    kw.setdefault("timeout", 1.0)
    return check_url(url, **kw)


def test_reachable_page(server):
    result = check(f"{server}/ok")
    assert result.ok and result.status == 200


def test_redirects_are_followed(server):
    result = check(f"{server}/chain")
    assert result.ok
    assert result.final_url == f"{server}/ok"


def test_redirect_loop_is_bounded(server):
    result = check(f"{server}/loop", max_redirects=3)
    assert not result.ok
    assert "more than 3 redirects" in result.reason


@pytest.mark.parametrize("path, words", [("/missing", "HTTP 404 Not Found"), ("/private", "HTTP 403"),
                                         ("/broken", "HTTP 500")])
def test_error_statuses_fail(server, path, words):
    result = check(f"{server}{path}")
    assert not result.ok
    assert words in result.reason


def test_get_after_refused_head(server):
    Handler.seen.clear()
    result = check(f"{server}/no-head")
    assert result.ok
    assert Handler.seen == [("HEAD", "/no-head"), ("GET", "/no-head")]


def test_timeout_is_short(server):
    start = time.monotonic()
    result = check(f"{server}/slow", timeout=0.3)
    assert not result.ok
    assert "no answer within 0.3 s" in result.reason
    assert time.monotonic() - start < 1.9  # gave up before the server answered (HEAD, then GET)


def test_private_and_loopback_refused_by_default(server):
    Handler.seen.clear()
    result = check_url(f"{server}/ok", timeout=1.0)
    assert not result.ok
    assert "127.0.0.1" in result.reason and "--allow-private" in result.reason
    assert Handler.seen == []  # nothing was sent
    assert not check_url("http://localhost/").ok


def test_only_http_and_https(server):
    for url in ("file:///etc/passwd", "ftp://example.com/x", "gopher://example.com/"):
        result = check_url(url)
        assert not result.ok and "only http and https" in result.reason
    redirected = check(f"{server}/to-file")
    assert not redirected.ok and "only http and https" in redirected.reason


def test_connection_refused():
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    result = check(f"http://127.0.0.1:{port}/")
    assert not result.ok and "connection refused" in result.reason


def test_unresolvable_host():
    result = check_url("https://no-such-host.invalid/docs", timeout=1.0)
    assert not result.ok and "does not resolve" in result.reason
