"""How alike two screens are, from what their analyses stored: the summed Hamming distance of their screen
signatures (:func:`media_check.hashing.screen_signature`) and the distinctive words they share.

Pure Python on cached values, so the listing's duplicate check runs without loading numpy or OpenCV (a warm
re-scan judges its listings from the cache alone).
"""

from __future__ import annotations

MAX_SIGNATURE_DISTANCE = 192  # three 64-bit hashes


def unpack_signature(text: str) -> list[tuple[int, ...]]:
    """``phash,dhash,whash;...`` (hex, as stored) -> one tuple of three ints per hashed region."""
    return [tuple(int(v, 16) for v in row.split(",")) for row in text.split(";") if row]


def signature_distance(entries_a: list[tuple[int, ...]], guesses_a: list[tuple[int, ...]],
                       entries_b: list[tuple[int, ...]], guesses_b: list[tuple[int, ...]]) -> int:
    """How far apart two images' screens are, either way round: the smallest summed Hamming distance between
    one's screen guesses and the other's index entries (0..192)."""
    best = MAX_SIGNATURE_DISTANCE
    for guesses, entries in ((guesses_a, entries_b), (guesses_b, entries_a)):
        for guess in guesses:
            for entry in entries:
                best = min(best, sum((g ^ e).bit_count() for g, e in zip(guess, entry)))
    return best


def distinctive_words(words) -> set[str]:
    """Words worth comparing between two screens: letters and digits only, lower case, four or more
    characters, not a bare number."""
    out = set()
    for word in words:
        text = "".join(ch for ch in str(getattr(word, "text", word)).lower() if ch.isalnum())
        if len(text) >= 4 and not text.isdigit():
            out.add(text)
    return out


def word_overlap(a, b) -> tuple[float, int]:
    """(shared distinctive words / the smaller set, number shared)."""
    wa, wb = distinctive_words(a), distinctive_words(b)
    shared = len(wa & wb)
    return (shared / min(len(wa), len(wb)) if wa and wb else 0.0), shared
