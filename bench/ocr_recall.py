"""OCR word recall and precision against ground truth: the visible text of the sample screens' HTML.

Every screen in ``sample_media/`` is rendered from HTML, so Chromium can tell which words are really on it
(``innerText``). This compares media-check's OCR (preprocessing + engine) with plain full-size tesseract on the
same images. Usage: ``python bench/ocr_recall.py``.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.screens import CHROMIUM, CHROMIUM_ARGS  # noqa: E402


def tokens(text: str) -> Counter:
    return Counter(re.findall(r"[a-z0-9]{2,}", text.lower()))


def ground_truth() -> list[tuple[Path, Counter]]:
    spec = importlib.util.spec_from_file_location("generate", ROOT / "sample_media" / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    sys.modules["generate"] = generate  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(generate)
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for screen in generate.SCREENS:
            image = generate.OUT / screen.out
            if not image.exists() or screen.expected and "blank-screen" in screen.expected:
                continue
            page = browser.new_page(viewport={"width": screen.width, "height": screen.height})
            page.goto((generate.SRC / screen.src).as_uri())
            # only text inside the viewport counts: the screenshot shows nothing else
            text = page.evaluate("""() => {
                const out = []; const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
                while (walker.nextNode()) { const n = walker.currentNode; const r = document.createRange();
                  r.selectNodeContents(n); const b = r.getBoundingClientRect();
                  const s = getComputedStyle(n.parentElement);
                  if (b.width > 0 && b.bottom > 0 && b.top < innerHeight && b.right > 0 && b.left < innerWidth
                      && s.visibility !== 'hidden' && s.opacity !== '0') out.push(n.textContent); }
                return out.join(' '); }""")
            page.close()
            out.append((image, tokens(text)))
        browser.close()
    return out


def score(truth: list[tuple[Path, Counter]], read) -> tuple[float, float, float]:
    hit = total = found = 0
    start = time.perf_counter()
    for image, expected in truth:
        got = tokens(read(image))
        hit += sum((got & expected).values())
        total += sum(expected.values())
        found += sum(got.values())
    return hit / total, hit / max(found, 1), time.perf_counter() - start


def read_media_check(path: Path) -> str:
    from PIL import Image

    from media_check.load import to_rgb
    from media_check.ocr import ocr_image

    return " ".join(w.text for w in ocr_image(to_rgb(Image.open(path))))


def read_plain(path: Path) -> str:
    return subprocess.run(["tesseract", str(path), "-"], capture_output=True, text=True,
                          env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"}).stdout


def main() -> None:
    truth = ground_truth()
    print(f"{len(truth)} screens, {sum(sum(c.values()) for _, c in truth)} words of ground truth")
    for name, reader in (("plain tesseract (full size)", read_plain), ("media-check OCR", read_media_check)):
        recall, precision, seconds = score(truth, reader)
        print(f"  {name:<28} recall {recall:.3f}  precision {precision:.3f}  {seconds:5.1f} s")


if __name__ == "__main__":
    main()
