"""Split knowledge-base documents into retrieval chunks. Plain Python, no Django.

Chunks are ~150-250 words, cut on paragraph and then sentence boundaries, with a
small overlap (the last sentence of a chunk opens the next) so a fact that spans a
boundary is still found. Each chunk keeps the document title: the embedding of
"Glaucoma: It is caused by..." retrieves far better than "It is caused by...".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from guardrails.sentences import sentences

TARGET_WORDS = 200
MAX_WORDS = 250
MIN_WORDS = 150
OVERLAP_SENTENCES = 1


@dataclass(frozen=True)
class Chunk:
    """One piece of a document. ``text`` is the chunk alone; ``embedding_text`` adds
    the title for embedding."""

    index: int
    title: str
    text: str

    @property
    def embedding_text(self) -> str:
        return f"{self.title}: {self.text}" if self.title else self.text

    @property
    def word_count(self) -> int:
        return len(self.text.split())


def _units(text: str) -> list[str]:
    """Sentences, paragraph by paragraph; a sentence longer than MAX_WORDS is cut by words."""
    out: list[str] = []
    # A list item is a unit of its own, so it keeps its line when chunks are read back.
    for paragraph in re.split(r"\n\s*\n|\n(?=[ \t]*[-*•][ \t])", text):
        for sentence in sentences(paragraph):
            words = re.sub(r"\s+", " ", sentence).split()
            for i in range(0, len(words), MAX_WORDS):
                out.append(" ".join(words[i : i + MAX_WORDS]))
    return out


def chunk_document(title: str, text: str) -> list[Chunk]:
    """Return the chunks of one document in order; [] for an empty text.

    A short document is one chunk. A chunk closes once it reaches TARGET_WORDS, or
    before a sentence would push it past MAX_WORDS; a tail shorter than MIN_WORDS/2
    is merged into the previous chunk rather than left as a fragment.
    """
    units = _units(text)
    if not units:
        return []
    groups: list[list[str]] = []
    current: list[str] = []
    fresh = 0  # units in ``current`` that are not the overlap from the previous chunk

    def words(group: list[str]) -> int:
        return sum(len(u.split()) for u in group)

    def close() -> list[str]:
        groups.append(current)
        overlap = current[-OVERLAP_SENTENCES:]
        # Why the cap: an overlap sentence that is itself huge would make every chunk huge.
        return overlap if words(overlap) < MIN_WORDS // 2 else []

    for unit in units:
        if fresh and words(current) + len(unit.split()) > MAX_WORDS:
            current, fresh = close(), 0
            if words(current) + len(unit.split()) > MAX_WORDS:
                current = []
        current.append(unit)
        fresh += 1
        if words(current) >= TARGET_WORDS:
            current, fresh = close(), 0
    if fresh:
        new = current[-fresh:]
        if groups and words(new) < MIN_WORDS // 2 and words(groups[-1]) + words(new) <= MAX_WORDS + 50:
            groups[-1].extend(new)
        else:
            groups.append(current)
    return [Chunk(i, title, _join(g)) for i, g in enumerate(groups)]


def _join(units: list[str]) -> str:
    """Units run on as prose; a list item starts a new line."""
    return "".join(
        ("\n" if u.lstrip().startswith(("-", "*", "•")) else " ") + u if i else u for i, u in enumerate(units)
    )
