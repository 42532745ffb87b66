"""Live-index benchmark: how matching one listing screenshot scales with the number of live captures.

Builds an index of N captures (default 10,000) from the real screens available (sample_media/screens and the
corpus in ../shared, pairs left out), each varied so no two are alike (a random crop, shift, tint and a band of
another screen pasted in), then times, over real listing-style queries (framed, resized, cropped screens whose
captures are in the index):

- lookup: the vectorised Hamming search over every index entry (numpy XOR + popcount), which is what grows with N;
- confirm: ORB matching and RANSAC on the shortlist, and the structural comparison of the best capture (the
  prepared capture views are kept, as they are in a scan after the first lookups);
- whole match: ``match_image`` end to end, including the listing image's own work (screen location, hashes,
  features), which does not depend on N.

Usage: ``python bench/live_index.py [--captures 10000] [--queries 40]``. Medians of one run; the machine is
shared and noisy, so the figures are indicative, the scaling is what counts.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from media_check import align, eval_live  # noqa: E402
from media_check.live import (LISTING_SIDE, LiveCapture, LiveIndex, capture_entries, match_image,  # noqa: E402
                              query_hashes)

SMALL = 480  # the varied fillers are indexed from copies this wide (their hashes do not depend on size)


class Fillers:
    """Distinct capture-like images made from the real screens, regenerated on demand from their number (ten
    thousand of them are never all held in memory)."""

    def __init__(self, screens: list[np.ndarray]):
        self.small = [eval_live.resize(s, SMALL / s.shape[1]) for s in screens]

    def __call__(self, number: int) -> np.ndarray:
        rng = np.random.default_rng(1000 + number)
        small = self.small
        base = small[rng.integers(len(small))]
        h, w = base.shape[:2]
        top, left = rng.integers(0, max(1, h // 4)), rng.integers(0, max(1, w // 4))
        image = base[top:, left:].copy()
        other = small[rng.integers(len(small))]
        band = rng.integers(max(8, image.shape[0] // 8), max(9, image.shape[0] // 3))
        y = rng.integers(0, max(1, image.shape[0] - band))
        rows = min(band, other.shape[0], image.shape[0] - y)
        cols = min(image.shape[1], other.shape[1])
        image[y:y + rows, :cols] = other[:rows, :cols]
        tint = rng.integers(-40, 40, size=3)
        return np.clip(image.astype(np.int16) + tint, 0, 255).astype(np.uint8)


class BenchIndex(LiveIndex):
    """A live index whose filler captures are regenerated when a lookup needs their pixels."""

    def __init__(self, fillers: Fillers):
        super().__init__()
        self.fillers = fillers

    def image(self, i: int) -> np.ndarray:
        name = self.captures[i].path
        if name.startswith("filler-"):
            return self.fillers(int(name.split("-")[1]))
        return super().image(i)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--captures", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=40)
    args = parser.parse_args()

    print("loading real screens ...", flush=True)
    live, _ = eval_live.benchmark_screens()
    targets = live[: args.queries]
    fillers = Fillers([s.rgb for s in live])
    index = BenchIndex(fillers)
    start = time.perf_counter()
    for screen in targets:
        index.add_image(screen.name, screen.rgb)
    made = len(targets)
    for number in range(args.captures - made):
        name, image = f"filler-{number:05d}", fillers(number)
        screen_box, entries = capture_entries(image)
        h, w = image.shape[:2]
        index.add(LiveCapture(name, "", name, w, h, screen_box), entries)
        made += 1
        if made % 2000 == 0:
            print(f"  indexed {made} captures", flush=True)
    build = time.perf_counter() - start
    bits, _, _ = index._arrays()
    print(f"index: {len(index)} captures, {len(bits)} entries ({bits.nbytes / 1e6:.1f} MB of hashes), "
          f"built in {build:.0f} s ({build / len(index) * 1000:.1f} ms per capture)")

    transforms = ["device-frame+caption", "resize-0.5x", "crop-20%-bottom", "pad-20%", "browser-chrome"]
    lookups, wholes, right = [], [], 0
    for number, screen in enumerate(targets):
        query = eval_live._transforms(screen.rgb)[transforms[number % len(transforms)]]
        listing, _ = align.shrink(query, LISTING_SIDE)
        hashes = query_hashes(listing, align.retrieval_boxes(listing))
        t = time.perf_counter()
        for _ in range(5):
            index.nearest(hashes)
        lookups.append((time.perf_counter() - t) / 5 * 1000)
        match_image(index, query)  # prepares the views of the shortlist, as earlier lookups of a scan would
        t = time.perf_counter()
        result = match_image(index, query)
        wholes.append((time.perf_counter() - t) * 1000)
        right += result.status == "current" and result.closest.path == screen.name

    def med(values):
        return statistics.median(values)

    print(f"lookup over {len(index)} captures: median {med(lookups):.1f} ms, max {max(lookups):.1f} ms "
          f"(target: at most 50 ms)")
    print(f"whole match (listing work + lookup + confirmation + comparison): median {med(wholes):.0f} ms")
    print(f"queries matched to their own capture among {len(index)}: {right}/{len(targets)}")
    per_capture = [np.asarray(rows) for rows in index._bits]
    for size in (1_000, 100_000):
        big = LiveIndex()
        for number in range(size):
            big.add(LiveCapture("x", "", "x", 1, 1, (0, 0, 1, 1)), per_capture[number % len(per_capture)])
        big.nearest(hashes)
        t = time.perf_counter()
        for _ in range(5):
            big.nearest(hashes)
        print(f"  lookup over {len(big)} captures (entries repeated): {(time.perf_counter() - t) / 5 * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
