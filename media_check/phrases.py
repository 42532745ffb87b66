"""OCR-tolerant phrase matching: find the lexicon phrases of ``models/phrases.toml`` among OCR words.

Screenshot OCR is noisy, so phrases are compared on a *skeleton* of the text rather than the text itself:
- case folded, accents removed, punctuation dropped; words split at punctuation into sub-tokens, so ``Sign-in``,
  ``Pass word`` and ``Password`` all read as ``signin`` / ``password`` once the sub-tokens of a span are joined;
- letters tesseract confuses folded together (``i``/``l``/``1``/``|``, ``rn``/``m``, ``vv``/``w``), and digits
  read for letters inside a word folded to those letters (``L0gin`` -> ``login``), while numbers stay numbers;
- Cyrillic letters folded to the Latin letters an English-only OCR reads for them (``Пароль`` -> ``Naponb``), so
  Russian phrases are found even when only ``eng`` language data is installed;
- Arabic letter variants folded together (hamza seats, ta marbuta, alef maqsura), and Arabic phrases matched in
  logical order and in the visual order OCR often returns (each word's letters reversed);
- long phrases tolerate one or two wrong, missing or extra letters (``orgot your password`` still matches).
Matches start and end on sub-token boundaries (``login`` is not found in ``logins``, ``demo`` not in ``demo10``).
Phrases in Chinese, Japanese or Korean are found as substrings of a line (those scripts have no word spaces).

Regular expressions (``<rule>.patterns``) are matched on each OCR line's own text.
"""

from __future__ import annotations

import functools
import os
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from media_check.words import Word, lines_of, union_box

MODELS_DIR = Path(os.environ.get("MEDIA_CHECK_MODELS", Path(__file__).resolve().parent.parent / "models"))
LEXICON_PATH = MODELS_DIR / "phrases.toml"

_CYRILLIC = str.maketrans({
    "а": "a", "б": "6", "в": "b", "г": "r", "д": "g", "е": "e", "ё": "e", "ж": "x", "з": "3", "и": "u", "й": "u",
    "к": "k", "л": "n", "м": "m", "н": "h", "о": "o", "п": "n", "р": "p", "с": "c", "т": "t", "у": "y", "ф": "o",
    "х": "x", "ц": "u", "ч": "4", "ш": "w", "щ": "w", "ъ": "b", "ы": "bl", "ь": "b", "э": "e", "ю": "io", "я": "r",
    "і": "l", "ї": "l", "є": "e",
})
_DIGIT_AS_LETTER = str.maketrans({"0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "6": "b", "8": "b", "9": "g"})
_LETTER_FOLD = str.maketrans({"i": "l", "|": "l", "!": "l", "ı": "l"})
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u1100-\u11ff\uff66-\uff9f]")
_ARABIC_LETTERS = "\u0620-\u064a\u066e-\u06d3"
_ARABIC = re.compile(f"[{_ARABIC_LETTERS}]")
_TOKEN = re.compile(r"[a-z0-9]+|[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u1100-\u11ff\uff66-\uff9f]+"
                    f"|[{_ARABIC_LETTERS}]+")
# Arabic letter variants written interchangeably (hamza seats are dropped by the accent fold already).
_ARABIC_FOLD = str.maketrans({"ة": "ه", "ى": "ي", "ٱ": "ا", "ک": "ك", "ی": "ي"})
MAX_SPAN_TOKENS = 9


def _fold(text: str) -> str:
    """Case-fold, strip accents, map Cyrillic to its Latin look-alikes; keeps punctuation (token boundaries)."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("’", "").replace("'", "").replace("`", "")
    return text.translate(_CYRILLIC)


def _skeleton_token(token: str) -> str:
    if _ARABIC.match(token):
        return token.translate(_ARABIC_FOLD)
    if any(c.isalpha() for c in token) and any(c.isdigit() for c in token) and not _CJK.search(token):
        token = token.translate(_DIGIT_AS_LETTER)
    token = token.translate(_LETTER_FOLD)
    return token.replace("rn", "m").replace("vv", "w")


def tokens(text: str) -> list[str]:
    """The skeleton sub-tokens of ``text`` (see the module documentation)."""
    return [_skeleton_token(t) for t in _TOKEN.findall(_fold(text))]


def skeleton(text: str) -> str:
    """The space-free skeleton of a phrase: what two readings of the same words have in common."""
    return "".join(tokens(text))


def allowed_edits(length: int) -> int:
    """Letters that may differ between a phrase of ``length`` skeleton letters and what OCR read."""
    return 0 if length <= 6 else 1 if length <= 11 else 2


def levenshtein(a: str, b: str, limit: int) -> int:
    """Edit distance between ``a`` and ``b``, or ``limit + 1`` as soon as it must exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        best = i
        for j, cb in enumerate(b, 1):
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            current.append(value)
            best = min(best, value)
        if best > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _deletions(text: str) -> set[str]:
    return {text[:i] + text[i + 1:] for i in range(len(text))} | {text}


def _reading_orders(toks: list[str]) -> list[list[str]]:
    """The orders OCR may return a phrase's sub-tokens in. Right-to-left script (Arabic) is often read in visual
    order: each word's letters reversed, and sometimes the words too; both readings are matched besides the
    logical one."""
    if not any(_ARABIC.match(t) for t in toks):
        return [toks]
    flipped = [t[::-1] if _ARABIC.match(t) else t for t in toks]
    orders = [toks, flipped, flipped[::-1]]
    return [order for i, order in enumerate(orders) if order not in orders[:i]]


@dataclass(frozen=True)
class Phrase:
    text: str
    category: str  # e.g. "login.strong"
    lang: str
    compact: str  # skeleton without spaces
    n_tokens: int
    cjk: bool

    @property
    def family(self) -> str:
        return self.category.split(".", 1)[0]


@dataclass(frozen=True)
class Match:
    """One phrase (or pattern) found: the OCR words it covers, and how far their reading was from the phrase."""

    category: str
    phrase: str
    words: tuple[Word, ...]
    distance: int = 0
    lang: str = "any"
    span: tuple[int, int, int] = (0, 0, 0)  # (line id, first sub-token, end sub-token) for overlap resolution

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def box(self) -> tuple[int, int, int, int]:
        return union_box([w.box for w in self.words])

    @property
    def family(self) -> str:
        return self.category.split(".", 1)[0]


@dataclass
class _LineTokens:
    line_id: int
    words: tuple[Word, ...]
    toks: list[str]
    owner: list[int]  # index into words of each sub-token
    text: str  # the OCR line text, words joined by single spaces
    offsets: list[tuple[int, int]]  # character span of each word in text


def _line_tokens(line_id: int, words: Sequence[Word]) -> _LineTokens:
    toks: list[str] = []
    owner: list[int] = []
    offsets = []
    pos = 0
    for index, word in enumerate(words):
        for tok in tokens(word.text):
            toks.append(tok)
            owner.append(index)
        offsets.append((pos, pos + len(word.text)))
        pos += len(word.text) + 1
    return _LineTokens(line_id, tuple(words), toks, owner, " ".join(w.text for w in words), offsets)


class Lexicon:
    """Phrases and patterns by category; :meth:`find` returns every match in a list of OCR words."""

    def __init__(self, phrases: Iterable[Phrase], patterns: dict[str, list[re.Pattern]],
                 groups: dict[str, dict[str, str]] | None = None):
        self.phrases = [p for p in phrases if p.compact]
        self.patterns = patterns
        self.groups = groups or {}  # name -> {phrase skeleton: the group it belongs to} (the `groups.*` tables)
        self._exact: dict[str, list[Phrase]] = {}
        self._fuzzy: dict[str, list[Phrase]] = {}
        self._cjk = [p for p in self.phrases if p.cjk]
        for phrase in self.phrases:
            if phrase.cjk:
                continue
            self._exact.setdefault(phrase.compact, []).append(phrase)
            if allowed_edits(len(phrase.compact)):
                for variant in _deletions(phrase.compact):
                    self._fuzzy.setdefault(variant, []).append(phrase)
        self._max_len = max((len(p.compact) for p in self.phrases), default=0) + 2
        self._order = {c: i for i, c in enumerate(dict.fromkeys(p.category for p in self.phrases))}

    @classmethod
    def from_toml(cls, text: str) -> Lexicon:
        data = tomllib.loads(text)
        phrases: list[Phrase] = []
        patterns: dict[str, list[re.Pattern]] = {}
        groups = {name: {skeleton(entry): group for group, entries in by_group.items() for entry in entries}
                  for name, by_group in data.pop("groups", {}).items()}
        for family, tiers in data.items():
            for tier, by_lang in tiers.items():
                category = f"{family}.{tier}"
                for lang, entries in by_lang.items():
                    for entry in entries:
                        if tier == "patterns":
                            patterns.setdefault(category, []).append(re.compile(entry, re.IGNORECASE))
                        else:
                            toks = tokens(entry)
                            for variant in _reading_orders(toks):
                                compact = "".join(variant)
                                phrases.append(Phrase(entry, category, lang, compact, len(variant),
                                                      bool(_CJK.search(compact))))
        return cls(phrases, patterns, groups)

    def find(self, words: Sequence[Word]) -> list[Match]:
        """Every phrase and pattern match in ``words``; overlapping matches of one rule family keep the longest."""
        found: list[Match] = []
        for line in lines_of(list(words)):
            lt = _line_tokens(line.words[0].line, line.words)
            found.extend(self._phrases_in(lt))
            found.extend(self._patterns_in(lt))
        return _resolve_overlaps(found, self._order)

    def _phrases_in(self, lt: _LineTokens) -> Iterable[Match]:
        toks, n = lt.toks, len(lt.toks)
        for i in range(n):
            compact = ""
            for j in range(i, min(n, i + MAX_SPAN_TOKENS)):
                compact += toks[j]
                if len(compact) > self._max_len:
                    break
                for phrase, distance in self._lookup(compact):
                    span = j - i + 1
                    if span > phrase.n_tokens + 2 or (distance and span < phrase.n_tokens):
                        continue  # a near miss must not merge words: "closed" is not "close ad"
                    yield self._match(lt, phrase, i, j + 1, distance)
        if self._cjk and _CJK.search(lt.text):
            joined = "".join(toks)
            starts = [0]
            for tok in toks:
                starts.append(starts[-1] + len(tok))
            for phrase in self._cjk:
                at = joined.find(phrase.compact)
                if at < 0:
                    continue
                first = max(k for k in range(n) if starts[k] <= at)
                last = min(k for k in range(1, n + 1) if starts[k] >= at + len(phrase.compact))
                yield self._match(lt, phrase, first, last, 0)

    def _lookup(self, compact: str) -> Iterable[tuple[Phrase, int]]:
        seen: set[int] = set()
        for phrase in self._exact.get(compact, ()):
            seen.add(id(phrase))
            yield phrase, 0
        if len(compact) < 6:
            return
        for variant in _deletions(compact):
            for phrase in self._fuzzy.get(variant, ()):
                if id(phrase) in seen:
                    continue
                seen.add(id(phrase))
                limit = allowed_edits(len(phrase.compact))
                distance = levenshtein(compact, phrase.compact, limit)
                if distance <= limit:
                    yield phrase, distance

    @staticmethod
    def _match(lt: _LineTokens, phrase: Phrase, first: int, end: int, distance: int) -> Match:
        indices = sorted(set(lt.owner[first:end]))
        return Match(phrase.category, phrase.text, tuple(lt.words[k] for k in indices), distance, phrase.lang,
                     (lt.line_id, first, end))

    def _patterns_in(self, lt: _LineTokens) -> Iterable[Match]:
        for category, compiled in self.patterns.items():
            for pattern in compiled:
                for m in pattern.finditer(lt.text):
                    indices = [k for k, (a, b) in enumerate(lt.offsets) if a < m.end() and b > m.start()]
                    if not indices:
                        continue
                    yield Match(category, m.group(0), tuple(lt.words[k] for k in indices), 0, "any",
                                (lt.line_id, -1 - indices[0], -1 - indices[-1]))


def _closest_readings(matches: list[Match]) -> list[Match]:
    """Of one phrase found over nested spans of a line, the closest reading, and the shortest of those: "Install"
    and not "C Install" (a button's rounded end read as a letter, one edit away when joined to it)."""
    def looser(m: Match, other: Match) -> bool:
        (line, first, end), (o_line, o_first, o_end) = m.span, other.span
        return (other is not m and o_line == line and other.phrase == m.phrase and first <= o_first
                and o_end <= end and (other.distance, o_end - o_first) < (m.distance, end - first))

    return [m for m in matches if m.span[1] < 0 or not any(looser(m, other) for other in matches)]


def _resolve_overlaps(matches: list[Match], order: dict[str, int]) -> list[Match]:
    """Within one rule family, a sub-token covered by a longer (or higher-tier) phrase is not counted again."""
    matches = _closest_readings(matches)
    kept: list[Match] = []
    taken: dict[tuple[str, int], list[tuple[int, int]]] = {}

    def rank(m: Match):
        first, end = m.span[1], m.span[2]
        is_pattern = first < 0
        return (is_pattern, -(end - first) if not is_pattern else 0, order.get(m.category, 99), m.distance)

    for match in sorted(matches, key=rank):
        line, first, end = match.span
        if first < 0:  # patterns are kept as they are
            kept.append(match)
            continue
        key = (match.family, line)
        if any(first < b and a < end for a, b in taken.get(key, [])):
            continue
        taken.setdefault(key, []).append((first, end))
        kept.append(match)
    kept.sort(key=lambda m: (m.words[0].line, m.words[0].box[0]))
    return kept


@functools.lru_cache(maxsize=4)
def load_lexicon(path: str | None = None) -> Lexicon:
    """The lexicon shipped in ``models/phrases.toml`` (or at ``path``), parsed once per process."""
    return Lexicon.from_toml(Path(path or LEXICON_PATH).read_text(encoding="utf-8"))
