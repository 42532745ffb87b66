"""The HTML report in a real headless Chromium: no console errors, no network, hostile names stay inert text,
filters and keyboard navigation work."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import app_screen
from playwright.sync_api import sync_playwright
from test_writers import HOSTILE_NAMES, finding, fixed_report, make_report, verdict

from media_check.analysis import sha256_of
from media_check.annotate import previews
from media_check.asset_source import AssetSource
from media_check.report import Evidence
from media_check.writers.html import render

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
OCR_TEXT = "<script>alert('ocr')</script>"


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Page:
    """A page that records everything that would mean the report misbehaved."""

    def __init__(self, browser, path: Path, **options):
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000}, **options)
        self.console: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}") if m.type in (
            "error", "warning") else None)
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        self.page.on("dialog", self._dialog)
        self.page.on("request", lambda r: self.requests.append(r.url) if not r.url.startswith(("data:", "file:"))
                     else None)
        self.page.goto(path.as_uri())
        self.page.wait_for_load_state("load")

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def assert_clean(self):
        assert self.console == [], self.console
        assert self.dialogs == [], f"script from an asset ran: {self.dialogs}"
        assert self.requests == [], f"the report reached the network: {self.requests}"


def hostile_files(folder: Path) -> list[str]:
    """Real image files with hostile names; returns their paths relative to ``folder``'s parent."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, name in enumerate(HOSTILE_NAMES):
        app_screen(seed=i, size=(1280, 720)).save(folder / name)
        paths.append(f"{folder.name}/{name}")
    return paths


@pytest.fixture(scope="module")
def hostile_page_file(tmp_path_factory):
    base = tmp_path_factory.mktemp("html")
    paths = hostile_files(base / "dir & co")
    assets = []
    for i, path in enumerate(paths):
        f = finding("MC108", "blank-screen", "fail" if i % 2 else "warn", 0.9,
                    f"message with <b>markup</b> & {OCR_TEXT} {i}",
                    [Evidence(text=OCR_TEXT, box=(300, 100, 200, 40))], fix="<i>fix</i> & more")
        assets.append(verdict(path, sha256_of(base / path), [f], width=1280, height=720))
    fixed = fixed_report()
    report = make_report([*assets, *fixed.assets], fixed.listings, unmatched=fixed.summary.unmatched_waivers,
                         not_checked=("<svg onload=alert(2)>.txt: not a media file",))
    images = previews(report, AssetSource(base=base))
    assert len(images) == len(paths)  # the hand-built assets have no files: they show "no preview"
    out = base / "report.html"
    out.write_text(render(report, images), encoding="utf-8")
    return out, report


def test_hostile_names_render_as_text_in_chromium(browser, hostile_page_file, tmp_path):
    path, report = hostile_page_file
    view = Page(browser, path)
    page = view.page
    for name in HOSTILE_NAMES:
        if "\n" not in name:
            assert page.locator(".card .name", has_text=name).first.is_visible(), name
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("script").count() == 1
    assert page.locator("svg").count() == 0
    assert page.locator("b", has_text="markup").count() == 0 and page.locator("i", has_text="fix").count() == 0
    ocr = page.locator("q.ocr").first
    assert ocr.text_content() == OCR_TEXT
    page.locator("article.asset").first.scroll_into_view_if_needed()
    page.wait_for_timeout(200)
    page.screenshot(path=str(tmp_path / "hostile.png"))
    view.assert_clean()
    page.close()


def test_previews_are_embedded_and_shown(browser, hostile_page_file):
    path, report = hostile_page_file
    view = Page(browser, path)
    page = view.page
    thumbs = page.locator(".card img")
    assert thumbs.count() == len(HOSTILE_NAMES)
    assert all(src.startswith("data:image/jpeg;base64,") for src in
               page.eval_on_selector_all(".card img", "els => els.map(e => e.getAttribute('src'))"))
    assert page.evaluate("() => document.querySelector('.card img').naturalWidth") > 100
    assert page.locator(".card .noimg").count() == len(report.assets) - len(HOSTILE_NAMES)
    view.assert_clean()
    page.close()


def test_filters_and_keyboard(browser, hostile_page_file):
    path, report = hostile_page_file
    view = Page(browser, path)
    page = view.page
    total = len(report.assets)
    shown = page.locator("#shown")
    assert shown.text_content() == f"{total} of {total} shown"
    fails = report.summary.by_status["fail"]
    page.select_option("#filter-status", "fail")
    assert shown.text_content() == f"{fails} of {total} shown"
    assert page.locator(".card:visible").count() == fails
    assert all(s == "fail" for s in page.eval_on_selector_all(".card:not([hidden])", "e => e.map(x => x.dataset.status)"))
    page.keyboard.press("Escape")
    assert shown.text_content() == f"{total} of {total} shown"
    page.locator("[data-filter-rule='MC999']").click()  # the rule table filters the gallery
    assert shown.text_content() == f"1 of {total} shown"
    page.keyboard.press("Escape")
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("/")
    assert page.evaluate("() => document.activeElement.id") == "filter-text"
    page.keyboard.type("onerror")
    assert shown.text_content() == f"1 of {total} shown"
    page.keyboard.press("Escape")
    assert page.evaluate("() => document.activeElement.id") != "filter-text"
    page.keyboard.press("j")
    first = page.evaluate("() => document.activeElement.id")
    page.keyboard.press("j")
    second = page.evaluate("() => document.activeElement.id")
    page.keyboard.press("k")
    assert first.startswith("asset-") and second.startswith("asset-") and first != second
    assert page.evaluate("() => document.activeElement.id") == first
    # the first article is the worst asset: errors first
    assert page.locator("article.asset").first.get_attribute("data-status") == "error"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.tagName") in ("A", "BUTTON", "SELECT", "INPUT")
    view.assert_clean()
    page.close()


def test_dark_mode_renders_cleanly(browser, hostile_page_file, tmp_path):
    path, _ = hostile_page_file
    view = Page(browser, path, color_scheme="dark")
    background = view.page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(13, 17, 23)"
    view.page.screenshot(path=str(tmp_path / "dark.png"))
    view.assert_clean()
    view.page.close()


@pytest.mark.slow
def test_scan_writes_an_html_report_that_opens_cleanly(browser, tmp_path):
    """End to end: real files with hostile names, a real scan, --report html, opened in Chromium."""
    hostile_files(tmp_path / "shots")
    app_screen(seed=9, size=(1200, 900)).save(tmp_path / "shots" / "ratio.png")
    result = subprocess.run([sys.executable, "-m", "media_check", "scan", "shots", "--no-progress", "-j", "1",
                             "--cache-dir", str(tmp_path / "cache"), "--report", "html:out/report.html",
                             "--report", "json:out/report.json"],
                            capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert result.returncode in (0, 1), result.stderr
    view = Page(browser, tmp_path / "out" / "report.html")
    page = view.page
    # a name with a control character is shown escaped (new\x0aline.png) and cannot lead back to its file
    assert page.locator(".card img").count() == len(HOSTILE_NAMES)
    assert page.locator(".card", has_text="new\\x0aline.png").locator(".noimg").count() == 1
    assert page.locator(".card .name", has_text=HOSTILE_NAMES[0]).is_visible()
    assert page.locator(".card.s-warn .name", has_text="ratio.png").is_visible()
    view.assert_clean()
    page.close()
    again = subprocess.run([sys.executable, "-m", "media_check", "render", "out/report.json", "--format", "html",
                            "--output", "out/again.html", "--cache-dir", str(tmp_path / "cache")],
                           capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "out" / "again.html").read_text() == (tmp_path / "out" / "report.html").read_text()
