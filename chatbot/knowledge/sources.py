"""Where knowledge-base documents come from: Markdown files with front matter, and
MedQuAD-style JSONL. ``load_knowledge`` imports them; the relevance gate's training
reads the same documents, so both see the same text."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import frontmatter

from chatbot.chunking import is_item
from chatbot.knowledge.services import DocumentData

_HEADING = re.compile(r"^#{1,6}\s*(.+?)\s*#*\s*$", re.MULTILINE)
_EMPHASIS = re.compile(r"(\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*]))")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]+\)")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def _lead_in(heading: str) -> str:
    # "Signs of too much acetaminophen" would run into the next sentence; a question
    # heading keeps its "?" (extractive answers read it as the section's topic).
    return heading if heading.endswith(("?", ".", ":", "!")) else f"{heading}:"


def _lead_ins_with_their_lists(markdown: str) -> str:
    """A line that leads into a list ("**Call 911 if:**", a blank line, then the list) and
    is not a Markdown heading loses the blank line, so it stays with its list. In plain
    text a line of its own that ends in ":" reads as a heading (``chunking.is_heading``):
    the lead-in became a section of its own and split "When to get help" in two, and
    "when do i go to the ER" was answered with the section's first line ("Contact your
    care team if...") and not the 911 list under it."""
    parts = _BLANK_LINE.split(markdown)
    joined = [parts[0]]
    for part in parts[1:]:
        before = joined[-1].rstrip(" \t")
        lead = before.rsplit("\n", 1)[-1]
        if is_item(part) and not lead.startswith("#") and lead.rstrip("*_").endswith(":"):
            joined[-1] = f"{before}\n{part}"
        else:
            joined.append(part)
    return "\n\n".join(joined)


def markdown_to_text(markdown: str) -> str:
    """Plain text for retrieval, prompts and extractive answers: headings become their
    own paragraphs, a lead-in stays with its list, emphasis markers and link targets go,
    list items stay one a line."""
    text = _lead_ins_with_their_lists(markdown)
    text = _HEADING.sub(lambda m: f"\n{_lead_in(m.group(1))}\n", text)
    text = _LINK.sub(r"\1", text)
    text = _EMPHASIS.sub("", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def markdown_documents(folder: Path) -> Iterator[DocumentData]:
    """Markdown files with front matter (title, slug, topic, reviewed_by, reviewed_at,
    license, sources: [{title, url}]). README.md files are skipped."""
    for path in sorted(folder.glob("*.md")):
        if path.name.lower() == "readme.md":
            continue
        post = frontmatter.load(path)
        meta = post.metadata
        listed: Any = meta.get("sources") or []
        sources = [dict(s) for s in listed]
        reviewed_at = meta.get("reviewed_at")
        yield DocumentData(
            slug=str(meta.get("slug") or path.stem),
            title=str(meta.get("title") or path.stem.replace("-", " ").capitalize()),
            text=markdown_to_text(post.content),
            source_url=sources[0]["url"] if sources else "",
            sources=sources,
            license=str(meta.get("license", "")),
            topic=str(meta.get("topic", "")),
            reviewed_by=str(meta.get("reviewed_by", "")),
            reviewed_at=reviewed_at if isinstance(reviewed_at, date) else None,
            is_active=bool(meta.get("reviewed_by")),
        )


def medquad_documents(path: Path, *, reviewed_by: str, limit: int | None) -> Iterator[DocumentData]:
    """MedQuAD-style JSONL rows ``{id, title, question, answer, url, license, ...}``.

    Rows are imported inactive unless ``reviewed_by`` names who reviewed them.
    """
    with path.open(encoding="utf-8") as rows:
        for n, line in enumerate(rows):
            if limit is not None and n >= limit:
                return
            row = json.loads(line)
            title = row.get("title") or row.get("question", "")
            yield DocumentData(
                slug=str(row["id"])[:200],
                title=f"{title}: {row['question']}"[:300] if row.get("question") else title[:300],
                text=row["answer"].strip(),
                source_url=row.get("url", ""),
                sources=[{"title": row.get("publisher") or title, "url": row.get("url", "")}],
                license=row.get("license", ""),
                topic=row.get("qtype", ""),
                reviewed_by=reviewed_by,
                reviewed_at=date.today() if reviewed_by else None,
                is_active=bool(reviewed_by),
            )
