"""What OCR reads: words with their boxes and confidences, grouped into lines.

Plain data and pure-Python helpers, so the rules, the caches and the writers can use words without loading the
OCR machinery (:mod:`media_check.ocr`: numpy, OpenCV, tesseract).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Word:
    text: str
    conf: float  # 0..100 as tesseract reports it
    box: tuple[int, int, int, int]  # x, y, w, h in original-image pixels
    block: int
    line: int  # unique across the image
    completing: bool = False  # added by a completing read (plain grey, buttons, sparse text, chips: see ocr_image)

    def to_list(self) -> list:
        row = [self.text, self.conf, list(self.box), self.block, self.line]
        return row + [1] if self.completing else row

    @classmethod
    def from_list(cls, row: list) -> Word:
        text, conf, box, block, line = row[:5]
        return cls(text, float(conf), tuple(box), int(block), int(line), bool(row[5]) if len(row) > 5 else False)


@dataclass(frozen=True)
class Line:
    text: str
    box: tuple[int, int, int, int]
    words: tuple[Word, ...]


def lines_of(words: tuple[Word, ...] | list[Word]) -> list[Line]:
    """Group words into their OCR lines, in reading order."""
    grouped: dict[int, list[Word]] = {}
    for word in words:
        grouped.setdefault(word.line, []).append(word)
    return [Line(" ".join(w.text for w in ws), union_box([w.box for w in ws]), tuple(ws))
            for _, ws in sorted(grouped.items())]


def union_box(boxes: list[tuple[int, int, int, int]]) -> tuple[int, int, int, int]:
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[0] + b[2] for b in boxes)
    y1 = max(b[1] + b[3] for b in boxes)
    return (x0, y0, x1 - x0, y1 - y0)


def main_read(words: Sequence[Word]) -> list[Word]:
    """The words of the main read: without those the completing reads added (see ocr_image)."""
    return [w for w in words if not w.completing]
