"""Capture the live app with headless Chromium, fetching only from the hosts named.

``media-check capture URL... --out DIR`` (and ``scan --live-url URL...``) opens each URL in the system's
Chromium through Playwright (``/usr/bin/chromium``; Playwright never downloads a browser here) and saves a PNG
per page. Network access is fenced:

- only ``http`` and ``https`` URLs are accepted, and only the hosts (with their ports) of the URLs given on the
  command line are fetched: every request of the page goes through a route that refuses any other host and
  any other scheme (``file:``, ``ftp:``, ``chrome:``...);
- redirects are followed one hop at a time by the route itself, so a redirect to another host is refused too;
- service workers are blocked (their requests would bypass the route);
- hosts that resolve to private, loopback, link-local or reserved addresses are refused unless
  ``allow_private`` (a staging server on the LAN, or a test server on 127.0.0.1).
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

CHROMIUM = os.environ.get("MEDIA_CHECK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync", "--hide-scrollbars"]
DEFAULT_VIEWPORT = (1920, 1080)
MAX_REDIRECTS = 10


class CaptureError(Exception):
    """A capture that cannot be made, worded for the person who asked for it."""


@dataclass(frozen=True)
class CaptureOptions:
    viewport: tuple[int, int] = DEFAULT_VIEWPORT
    full_page: bool = False
    storage_state: str | None = None  # a Playwright storage-state JSON (cookies, local storage) for a signed-in app
    wait_for: str | None = None  # a CSS selector to wait for before the capture
    allow_private: bool = False
    timeout: float = 30.0  # seconds per page
    device_scale_factor: float = 1.0


@dataclass(frozen=True)
class Captured:
    url: str
    path: Path
    width: int
    height: int
    blocked: tuple[str, ...] = ()  # requests of the page refused by the fence (other hosts, other schemes)


def parse_viewport(text: str) -> tuple[int, int]:
    """``1920x1080`` -> (1920, 1080), with a clear error otherwise."""
    found = re.fullmatch(r"\s*(\d{2,5})\s*[xX]\s*(\d{2,5})\s*", text or "")
    if not found:
        raise CaptureError(f"viewport '{text}' is not WIDTHxHEIGHT (e.g. 1920x1080)")
    width, height = int(found.group(1)), int(found.group(2))
    if not (100 <= width <= 10000 and 100 <= height <= 10000):
        raise CaptureError(f"viewport {width}x{height} is out of range (100 to 10000 pixels a side)")
    return width, height


def origin_of(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL, or a CaptureError saying why the URL is refused."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise CaptureError(f"refused '{url}': only http and https URLs are captured")
    if not parts.hostname:
        raise CaptureError(f"refused '{url}': it names no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise CaptureError(f"refused '{url}': its port is not a number") from None
    return parts.scheme, parts.hostname.lower().rstrip("."), port


def _private(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast
            or ip.is_unspecified)


def check_hosts(urls: Iterable[str], allow_private: bool) -> set[tuple[str, int]]:
    """The (host, port) pairs the capture may fetch from; refuses hosts on private addresses unless allowed."""
    allowed: set[tuple[str, int]] = set()
    for url in urls:
        _, host, port = origin_of(url)
        try:
            addresses = {info[4][0] for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)}
        except socket.gaierror as exc:
            raise CaptureError(f"cannot resolve host '{host}': {exc.strerror or exc}") from None
        private = sorted(a for a in addresses if _private(a))
        if private and not allow_private:
            raise CaptureError(f"refused '{url}': {host} resolves to a private or loopback address "
                               f"({', '.join(private)}); pass --allow-private to capture it")
        allowed.add((host, port))
    return allowed


def file_name(number: int, url: str) -> str:
    """``01-host-8000-path.png``: readable, stable, unique per position."""
    _, host, port = origin_of(url)
    path = urlsplit(url).path.strip("/") or "index"
    slug = re.sub(r"[^A-Za-z0-9]+", "-", f"{host}-{port}-{path}").strip("-")[:80]
    return f"{number:02d}-{slug}.png"


class _Fence:
    """The route handler: fetch allowed hosts one hop at a time, refuse everything else."""

    def __init__(self, allowed: set[tuple[str, int]]):
        self.allowed = allowed
        self.refused: list[str] = []

    def permits(self, url: str) -> bool:
        try:
            _, host, port = origin_of(url)
        except CaptureError:
            return False
        return (host, port) in self.allowed

    def __call__(self, route) -> None:
        url = route.request.url
        if not self.permits(url):
            self.refused.append(url)
            route.abort("blockedbyclient")
            return
        try:
            response = route.fetch(max_redirects=0)
        except Exception:  # noqa: BLE001 - a network failure is the page's problem, reported by goto
            route.abort("failed")
            return
        location = response.headers.get("location")
        if 300 <= response.status < 400 and location:
            target = urljoin(url, location)
            if not self.permits(target):
                self.refused.append(target)
                route.abort("blockedbyclient")
                return
        route.fulfill(response=response)


def capture(urls: list[str], out: str | Path, options: CaptureOptions = CaptureOptions()) -> list[Captured]:
    """Capture each URL into ``out`` as PNG; raises CaptureError with a clear reason on any refusal or failure."""
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise CaptureError("capturing needs Playwright's Python package: pip install 'media-check[live]' "
                           "(it drives the system Chromium; no browser is downloaded)") from None

    if not urls:
        raise CaptureError("no URL to capture")
    allowed = check_hosts(urls, options.allow_private)
    if not Path(CHROMIUM).exists():
        raise CaptureError(f"Chromium is not installed at {CHROMIUM} (Debian: apt-get install chromium)")
    if options.storage_state and not Path(options.storage_state).is_file():
        raise CaptureError(f"storage state '{options.storage_state}' is not a file")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    fence = _Fence(allowed)
    captured: list[Captured] = []
    width, height = options.viewport
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": width, "height": height},
                                          device_scale_factor=options.device_scale_factor,
                                          storage_state=options.storage_state, service_workers="block",
                                          accept_downloads=False)
            context.route("**/*", fence)
            context.set_default_timeout(options.timeout * 1000)
            page = context.new_page()
            for number, url in enumerate(urls, 1):
                before = len(fence.refused)
                try:
                    response = page.goto(url, wait_until="load", timeout=options.timeout * 1000)
                except PlaywrightError as exc:
                    blocked = fence.refused[before:]
                    if blocked:
                        raise CaptureError(f"capture of '{url}' refused: it leads to {blocked[-1]}, a host or "
                                           f"scheme not named on the command line") from None
                    raise CaptureError(f"cannot load '{url}': {str(exc).splitlines()[0]}") from None
                if response is not None and response.status >= 400:
                    raise CaptureError(f"'{url}' answered HTTP {response.status}")
                if not fence.permits(page.url):
                    raise CaptureError(f"capture of '{url}' refused: it ended on {page.url}")
                if options.wait_for:
                    try:
                        page.wait_for_selector(options.wait_for, state="visible", timeout=options.timeout * 1000)
                    except PlaywrightError:
                        raise CaptureError(f"'{options.wait_for}' did not appear on '{url}' within "
                                           f"{options.timeout:g} s") from None
                page.evaluate("document.fonts ? document.fonts.ready.then(() => true) : true")
                target = out / file_name(number, url)
                tmp = target.with_name(f".{target.name}.tmp.png")
                page.screenshot(path=str(tmp), full_page=options.full_page, animations="disabled",
                                caret="hide")
                tmp.replace(target)
                from PIL import Image

                with Image.open(target) as im:
                    captured.append(Captured(url, target, im.width, im.height, tuple(fence.refused[before:])))
            context.close()
        finally:
            browser.close()
    return captured
