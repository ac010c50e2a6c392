"""Fold look-alike characters before analysis, keeping a map back to the original offsets.

Recognizers are written for ASCII digits and Latin letters; "６１７-５５５-０１３４" (fullwidth),
"Јohn" (Cyrillic J) or "Jo\u200bhn" (zero-width space) would slip past them. Analysis runs
on the folded text and the spans are mapped back, so the original text is what is replaced.
"""

from __future__ import annotations

import unicodedata

# Common Cyrillic and Greek homoglyphs of Latin letters (the Unicode confusables that
# matter for names); NFKC does not fold these.
CONFUSABLES = str.maketrans(
    "АВЕКМНОРСТХаеорсухіјѕԁӏΑΒΕΖΗΙΚΜΝΟΡΤΥΧοϲ",
    "ABEKMHOPCTXaeopcyxijsdlABEZHIKMNOPTYXoc",
)
INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")


def fold(text: str) -> tuple[str, list[int]]:
    """Return (folded text, offsets): offsets[i] is the original index of folded char i,
    with one extra entry equal to len(text)."""
    out: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        if ch in INVISIBLE:
            continue
        if ch.isascii():
            folded = ch
        else:
            folded = unicodedata.normalize("NFKC", ch).translate(CONFUSABLES)
            if ch.isdecimal() and not folded.isascii():
                folded = str(unicodedata.decimal(ch))
            if not folded:
                continue
        out.append(folded)
        offsets.extend([i] * len(folded))
    offsets.append(len(text))
    return "".join(out), offsets


def unfold_span(offsets: list[int], start: int, end: int) -> tuple[int, int]:
    """Return the original (start, end) of folded span [start, end)."""
    return offsets[start], offsets[end - 1] + 1
