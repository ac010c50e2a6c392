"""Sentence splitting for answers, passages and streamed model output.

``split_sentences`` cuts a finished text; ``StreamSplitter`` does the same for a
stream of chunks, so the pipeline can hold the stream back one sentence at a time
and check each sentence before its delta goes out. Both return ``Span`` objects
with character offsets into the text, so rails can point evidence at the
original characters.

The rules are deliberately small and regex-based (no model): a sentence ends at
``.``, ``!``, ``?`` or ``…`` followed by whitespace and something that can start
a sentence, or at a line break that starts a list item or a new paragraph. It does
not end after a known abbreviation ("Dr.", "e.g."), inside a decimal ("2.5 mg"),
or before a citation marker ("... daily.[1]" keeps the marker with its sentence).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Lower-cased, without the final dot. Why a list and not "a capital follows": in
# patient text "Dr. Smith" and "e.g. Aspirin" are followed by capitals too.
ABBREVIATIONS = frozenset(
    {
        "dr",
        "mr",
        "mrs",
        "ms",
        "prof",
        "sr",
        "jr",
        "st",
        "vs",
        "etc",
        "approx",
        "e.g",
        "i.e",
        "cf",
        "al",
        "fig",
        "no",
        "vol",
        "inc",
        "ltd",
        "co",
        "corp",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
        "min",
        "max",
        "hr",
        "hrs",
        "wk",
        "wks",
        "mo",
        "yr",
        "yrs",
        "tab",
        "tabs",
        "cap",
        "caps",
        "inj",
        "b.i.d",
        "t.i.d",
        "q.i.d",
        "q.d",
        "p.o",
        "p.r.n",
        "a.m",
        "p.m",
        "u.s",
        "u.k",
        "ph.d",
        "m.d",
        "r.n",
        "sq",
        "ft",
        "oz",
        "lb",
        "lbs",
        "pt",
        "pts",
        "dept",
    }
)

# A candidate boundary: terminal punctuation (optionally closing quotes/brackets and
# citation markers such as "[1]" or "[1, 2]"), then whitespace.
_TERMINAL = re.compile(r"""([.!?…]+)((?:["'”’)\]]|\[\d+(?:\s*[,–-]\s*\d+)*\])*)(\s+)""")
# Line-level boundaries: a blank line, or a newline before a bullet / numbered item.
_LINE_BREAK = re.compile(r"\n\s*\n|\n(?=\s*(?:[-*•·–]|\d{1,2}[.)])\s)")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")
_BULLET_PREFIX = re.compile(r"^\s*(?:[-*•·–]|\d{1,2}[.)])\s+")


@dataclass(frozen=True)
class Span:
    """A sentence and where it sits in the text it came from (``end`` exclusive)."""

    text: str
    start: int
    end: int


def _is_false_boundary(text: str, dot_at: int, after: int) -> bool:
    """True when the punctuation at ``dot_at`` does not end a sentence."""
    if text[dot_at] != ".":
        return False
    line_start = text.rfind("\n", 0, dot_at) + 1
    if text[line_start:dot_at].strip().isdigit():
        return True  # a numbered list marker ("1. Wash hands"), not a full stop
    match = _WORD_BEFORE.search(text, 0, dot_at)
    if match:
        word = match.group(1).lower()
        if word in ABBREVIATIONS:
            return True
        # Single initials ("J. Smith", "A. madagascariensis"): too short to end a sentence.
        if len(word) == 1 and word.isalpha() and text[match.start()].isupper():
            return True
    nxt = text[after] if after < len(text) else ""
    # A lower-case continuation means the dot was not a full stop ("approx. two").
    return bool(nxt) and nxt.islower()


def _boundaries(text: str, final: bool) -> list[int]:
    """Offsets where sentences end. Without ``final`` the last piece is left open."""
    cuts: set[int] = set()
    for m in _TERMINAL.finditer(text):
        after = m.end()
        if after >= len(text) and not final:
            continue  # the next chunk may still say "Dr. Smith"
        if _is_false_boundary(text, m.start(1) + len(m.group(1)) - 1, after):
            continue
        cuts.add(m.end(2))
    for m in _LINE_BREAK.finditer(text):
        if m.end() >= len(text) and not final:
            continue
        cuts.add(m.start())
    # A single newline also ends a sentence when the line before it ends in terminal
    # punctuation or a colon (headings, short list lines without bullets).
    for m in re.finditer(r"(?<=[.!?:…\]])[ \t]*\n", text):
        if m.end() >= len(text) and not final:
            continue
        cuts.add(m.start())
    return sorted(cuts)


def _pieces(text: str, cuts: list[int], upto: int) -> list[Span]:
    spans: list[Span] = []
    start = 0
    for cut in [*cuts, upto]:
        if cut <= start:
            continue
        raw = text[start:cut]
        stripped = raw.strip()
        if stripped:
            lead = raw.index(stripped[0])
            spans.append(Span(stripped, start + lead, start + lead + len(stripped)))
        start = cut
    return spans


def split_sentences(text: str) -> list[Span]:
    """Return the sentences of ``text`` in order, with offsets; never raises.

    Bullet markers stay with their sentence; empty pieces are dropped.
    """
    return _pieces(text, _boundaries(text, final=True), len(text))


def sentences(text: str) -> list[str]:
    """Return just the sentence strings of ``text``."""
    return [s.text for s in split_sentences(text)]


def strip_bullet(sentence: str) -> str:
    """Return ``sentence`` without a leading list marker ("- ", "1. ")."""
    return _BULLET_PREFIX.sub("", sentence)


class StreamSplitter:
    """Incremental sentence splitter for streamed model output.

    ``feed(chunk)`` returns the sentences completed so far (possibly none);
    ``flush()`` returns what remains at the end of the stream. Offsets are into the
    concatenation of every chunk fed, so the caller can map a sentence back to the
    stream. A boundary is only trusted once some text follows it, because the
    next chunk may turn "Dr." or "2." into a non-boundary.
    """

    def __init__(self) -> None:
        self._buffer = ""
        self._offset = 0  # stream offset of self._buffer[0]

    def feed(self, chunk: str) -> list[Span]:
        """Add ``chunk``; return the sentences it completed."""
        self._buffer += chunk
        cuts = _boundaries(self._buffer, final=False)
        if not cuts:
            return []
        done = _pieces(self._buffer, cuts, cuts[-1])
        out = [Span(s.text, s.start + self._offset, s.end + self._offset) for s in done]
        self._buffer = self._buffer[cuts[-1] :]
        self._offset += cuts[-1]
        return out

    def flush(self) -> list[Span]:
        """Return the rest of the stream as sentences and reset the buffer."""
        rest = _pieces(self._buffer, _boundaries(self._buffer, final=True), len(self._buffer))
        out = [Span(s.text, s.start + self._offset, s.end + self._offset) for s in rest]
        self._offset += len(self._buffer)
        self._buffer = ""
        return out

    @property
    def pending(self) -> str:
        """Text received but not yet returned as a sentence."""
        return self._buffer
