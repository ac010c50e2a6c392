"""Split knowledge-base documents into retrieval chunks. Plain Python, no Django.

Section-aware. A document is cut at its headings (a line of its own that ends in
"?" or ":", as ``load_knowledge`` writes Markdown headings), and each section
becomes one chunk that opens with its heading. A section longer than MAX_WORDS is
cut between sentences or between whole lists, and each continuation chunk opens
with the heading again. Why: a chunk is what retrieval returns and what an answer
is built from, and a chunk that starts mid-list ("- your child is 3 to 6 months
old ...") or mid-sentence reads as a fragment and hides what it is about.

A list stays with the sentence that leads into it ("Call 911 if:"); a list longer
than MAX_WORDS is cut between items, and the next part repeats the lead-in. A text
without headings (MedQuAD answers) is one section, packed into chunks of about
TARGET_WORDS. Each chunk keeps the document title for embedding: the embedding of
"Glaucoma: It is caused by..." retrieves far better than "It is caused by...".

``CHUNKER_VERSION`` enters every document's content hash, so a new chunker
re-chunks documents on the next ``load_knowledge`` or ``rechunk_knowledge``.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from guardrails.sentences import sentences

# 3: numbered steps are list items, kept whole with their lead-in; 4: a heading may hold an
# abbreviation's full stop ("What is C. diff?")
CHUNKER_VERSION = "sections-4"
TARGET_WORDS = 200
MAX_WORDS = 250
# A section this short (a one-line intro) shares a chunk with the next one.
MIN_SECTION_WORDS = 25
MAX_HEADING_WORDS = 20
BULLETS = ("-", "*", "•")
# A numbered step ("1. Sit up straight...", "2) Pinch...") is a list item too: the steps
# of a how-to stay together with the sentence that leads into them.
_NUMBERED = re.compile(r"\d{1,2}[.)]\s")

_PARAGRAPH = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class Chunk:
    """One piece of a document. ``text`` is the chunk alone (its first line is its
    section's heading when it has one); ``embedding_text`` adds the title."""

    index: int
    title: str
    text: str

    @property
    def embedding_text(self) -> str:
        return f"{self.title}: {self.text}" if self.title else self.text

    @property
    def word_count(self) -> int:
        return len(self.text.split())


def is_heading(line: str) -> bool:
    """A short line of its own, one sentence, that ends in "?" or ":" and is not a list item.
    One sentence as the sentence splitter reads it: "What is C. diff?" is a heading (a bare
    full stop and a space once said no, and its section ran on under the one before)."""
    line = line.strip()
    return (
        bool(line)
        and "\n" not in line
        and line.endswith(("?", ":"))
        and not is_item(line)
        and len(line.split()) <= MAX_HEADING_WORDS
        and len(sentences(line)) == 1
    )


def split_heading(text: str) -> tuple[str, str]:
    """``(heading, body)`` of a chunk's text; heading is "" when it has none."""
    first, _, rest = text.partition("\n")
    if rest and is_heading(first):
        return first.strip(), rest.strip()
    return "", text


def _words(text: str) -> int:
    return len(text.split())


def is_item(text: str) -> bool:
    """A list item: a bulleted line, or a numbered one."""
    line = text.lstrip()
    return line.startswith(BULLETS) or bool(_NUMBERED.match(line))


def _sections(text: str) -> list[tuple[str, list[str]]]:
    """``(heading, paragraphs)`` in order; the first section may have no heading."""
    sections: list[tuple[str, list[str]]] = [("", [])]
    for raw in _PARAGRAPH.split(text):
        paragraph = raw.strip()
        if not paragraph:
            continue
        # A lead-in right under a heading ("What to do:" under "When to get help?") is
        # that section's first paragraph, not a section of its own with nothing in it.
        lead_in = sections[-1][0] and not sections[-1][1] and paragraph.endswith(":")
        if is_heading(paragraph) and not lead_in:
            sections.append((paragraph, []))
        else:
            sections[-1][1].append(paragraph)
    return [s for s in sections if s[0] or s[1]]


def _units(paragraphs: list[str]) -> list[str]:
    """The pieces a section is never cut inside, in order: prose sentences, and each
    list together with the sentence that leads into it. A list item is a line of its own."""
    units: list[str] = []
    for paragraph in paragraphs:
        prose: list[str] = []
        items: list[str] = []
        for line in [*paragraph.split("\n"), ""]:
            if is_item(line):
                _flush_prose(units, prose)
                items.append(re.sub(r"\s+", " ", line).strip())
            elif items and line.strip() and (line[:1].isspace() or line.strip()[:1].islower()):
                items[-1] += " " + re.sub(r"\s+", " ", line).strip()  # a wrapped item
            else:
                _flush_items(units, items)
                prose.append(line)
        _flush_prose(units, prose)
    return [u for u in units if u.strip()]


def _flush_prose(units: list[str], prose: list[str]) -> None:
    text = " ".join(prose)
    if text.strip():
        units.extend(u for u in (re.sub(r"\s+", " ", s).strip() for s in sentences(text)) if u)
    prose.clear()


def _flush_items(units: list[str], items: list[str]) -> None:
    """A list joins the sentence before it when that sentence leads into it (ends in ":")."""
    if not items:
        return
    lead = [units.pop()] if units and units[-1].endswith(":") and "\n" not in units[-1] else []
    units.append("\n".join(lead + items))
    items.clear()


def units(text: str) -> list[str]:
    """The units of a chunk's body (see ``_units``), for answers built from chunks."""
    return _units([p for p in _PARAGRAPH.split(text) if p.strip()])


def _split_list(unit: str) -> list[str]:
    """A list longer than MAX_WORDS, cut between items; each part repeats the lead-in."""
    lines = unit.split("\n")
    lead = [] if is_item(lines[0]) else [lines.pop(0)]
    parts: list[list[str]] = [[]]
    for item in lines:
        if parts[-1] and _words("\n".join(lead + parts[-1] + [item])) > MAX_WORDS:
            parts.append([])
        parts[-1].append(item)
    return ["\n".join(lead + p) for p in parts]


def _cut_long_sentence(unit: str) -> list[str]:
    words = unit.split()
    return [" ".join(words[i : i + MAX_WORDS]) for i in range(0, len(words), MAX_WORDS)]


def _pack(heading: str, units: list[str]) -> list[str]:
    """The chunks of one section: whole units, each chunk opening with the heading."""
    pieces: list[str] = []
    for unit in units:
        if _words(unit) <= MAX_WORDS:
            pieces.append(unit)
        elif "\n" in unit:
            pieces.extend(_split_list(unit))
        else:
            pieces.extend(_cut_long_sentence(unit))
    budget = MAX_WORDS - _words(heading)
    target = TARGET_WORDS if not heading else MAX_WORDS  # a section stays whole when it fits
    groups: list[list[str]] = []
    current: list[str] = []
    for piece in pieces:
        size = sum(_words(p) for p in current)
        if current and (size + _words(piece) > budget or size >= target):
            groups.append(current)
            current = []
        current.append(piece)
    if current:
        groups.append(current)
    return [_join([heading, *g] if heading else g) for g in groups]


def chunk_document(title: str, text: str) -> list[Chunk]:
    """Return the chunks of one document in order; [] for an empty text.

    Every chunk starts at a heading, a sentence or a list's lead-in; none starts
    inside a list or a sentence (a sentence over MAX_WORDS words, which no article
    has, is the one exception: it is cut by words).
    """
    texts: list[str] = []
    carried = ""  # a section too short to stand alone, waiting for the next one
    for heading, paragraphs in _sections(text):
        units = _units(paragraphs)
        for chunk in _pack(heading, units):
            if carried and _words(carried) + _words(chunk) <= MAX_WORDS:
                chunk = f"{carried}\n\n{chunk}"
                carried = ""
            elif carried:
                texts.append(carried)
                carried = ""
            if _words(chunk) < MIN_SECTION_WORDS:
                carried = chunk
            else:
                texts.append(chunk)
    if carried:
        if texts and _words(texts[-1]) + _words(carried) <= MAX_WORDS:
            texts[-1] = f"{texts[-1]}\n\n{carried}"
        else:
            texts.append(carried)
    return [Chunk(i, title, t) for i, t in enumerate(texts)]


def _join(units: list[str]) -> str:
    """A heading and a list each stand on lines of their own; prose sentences run on."""
    out = units[0] if units else ""
    for previous, unit in itertools.pairwise(units):
        own_line = is_heading(previous) or "\n" in previous or is_item(previous) or "\n" in unit
        out += ("\n" if own_line or is_item(unit) else " ") + unit
    return out
