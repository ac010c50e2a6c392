"""Turn the spent frozen answers sets, and the training sets written from the same brief,
into training questions for the gate and the ranker.

    python -m chatbot.knowledge.spent_questions [--exclude answers_test_6]

Each frozen answers set (``benchmarks/testsets/answers_test*.jsonl``) was written by
writers who read only their brief and the starter articles, and was run once to judge
one round of work. Once run it is spent: it can judge nothing again, but its questions
are still the most varied patient phrasing we have (twelve writers, typos, shorthand,
limited English, Spanish). So each spent set listed in ``SPENT`` becomes one file of
section-labelled questions, ``chatbot/knowledge/sections/sqt_<writer>.jsonl``, that the
section ranker (``train_sections``) and the relevance gate and its question bank
(``relevance.BANK_FILES``, ``train_relevance``) read like the other writers' files.
A set not in ``SPENT`` (the next frozen one) is never read here.

The training sets in ``chatbot/knowledge/written/`` (``answers_train_*.jsonl``) were
written for training from ``written/BRIEF_answers_train.md``: the frozen sets' brief,
with answerable questions only, by eight writers who each read only their brief and a
random half of the starter articles (never our code, other questions or any test set;
``written/pending/`` holds eight more sets, judged and not kept, and is not read).
Each becomes ``questions/kbw_<writer>.jsonl``, labelled the same way, which the gate,
its question bank and article classifier read (``relevance.BANK_FILES``) and the section
ranker does not: nearly all of these questions ask for a detail, and with them the
ranker chose the right section less often for the questions patients ask most
(``train_sections``, common questions held out: 0.921 without them, 0.907 with them,
0.915 counted a quarter; 2026-12-07). The fit's seed alone moves that figure by about 0.01,
so the finding is weak, and it was left at that.

A row that expects an answer gives ``{"slug", "heading", "question", "keywords", "id"}``:
- ``slug``: the row's own; the first set named none, so there it is the one article
  whose text holds every keyword (a row whose keywords fit several articles, or none,
  is left out);
- ``heading``: the one section of that article whose text holds every keyword ("" for
  the opening section, as in the other files), or ``null`` when no single section does
  (the bank and the gate still read the row; the ranker skips it).

Rows that expect a decline are not used: the gate learns what an unanswerable question
looks like from each question asked with its own article taken out.

Deterministic; files are rewritten whole. ``--exclude`` leaves a set out (to judge a fit
on a spent set it never saw).
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
TESTSETS = REPO / "benchmarks" / "testsets"
OUT = REPO / "chatbot" / "knowledge" / "sections"
# The frozen answers sets already reported once (benchmarks/testsets/README.md).
SPENT = (
    "answers_test",
    "answers_test_2",
    "answers_test_3",
    "answers_test_4",
    "answers_test_5",
    "answers_test_6",
    "answers_test_7",
    "answers_test_8",
    "answers_test_9",
    "answers_test_10",
    "answers_test_11",
    "answers_test_12",
    "answers_test_13",
    "answers_test_14",
    "answers_test_15",
    "answers_test_16",
    "answers_test_17",
    "answers_test_18",
    "answers_test_19",
    "answers_test_20",
    "answers_test_21",
    "answers_test_22",
)
PREFIX = "sqt_"
WRITTEN = REPO / "chatbot" / "knowledge" / "written"
# The written sets teach the gate, its question bank and article classifier (``kb*``
# files, ``relevance.BANK_FILES``), not the section ranker: see the module's docstring.
WRITTEN_OUT = REPO / "chatbot" / "knowledge" / "questions"
WRITTEN_PREFIX = "kbw_"


def _writer(row_id: str) -> str:
    return row_id.rsplit("-", 1)[0]


def label(
    row: dict[str, Any], articles: dict[str, list[tuple[str, str]]], titles: dict[str, str]
) -> dict[str, Any] | None:
    """The training row for one spent row that expects an answer, or None."""
    from benchmarks.answers import keyword_hit

    keywords = [k for k in row.get("keywords", []) if k.strip()]
    if row.get("expect") != "answer" or not keywords:
        return None
    slug = row.get("slug")
    if not slug:
        holders = [
            s for s, sections in articles.items()
            if all(keyword_hit(k, "\n".join(t for _, t in sections)) for k in keywords)
        ]
        slug = holders[0] if len(holders) == 1 else None
    if slug not in articles:
        return None
    holding = [h for h, text in articles[slug] if all(keyword_hit(k, text) for k in keywords)]
    heading: str | None = None
    if len(holding) == 1:
        heading = "" if holding[0] == titles[slug] else holding[0]
    return {"slug": slug, "heading": heading, "question": row["question"], "keywords": keywords, "id": row["id"]}


def articles_by_section() -> tuple[dict[str, list[tuple[str, str]]], dict[str, str]]:
    """Each starter article as ``(heading, text)`` sections, read as the ranker reads them."""
    from chatbot import relevance
    from chatbot.chunking import chunk_document
    from chatbot.knowledge.sources import markdown_documents
    from guardrails.base import Passage

    articles, titles = {}, {}
    for document in markdown_documents(relevance.STARTER):
        text = "\n\n".join(c.text for c in chunk_document(document.title, document.text))
        sections = relevance.sections_of(Passage(1, document.title, text))
        articles[document.slug] = [(h or document.title, "\n".join(units)) for h, units in sections]
        titles[document.slug] = document.title
    return articles, titles


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--exclude", action="append", default=[], help="a spent set to leave out")
    parser.add_argument("--out", type=Path, default=OUT, help="the folder to write the spent sets' files to")
    parser.add_argument(
        "--written-out", type=Path, default=WRITTEN_OUT, help="the folder to write the written sets' files to"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()

    articles, titles = articles_by_section()
    spent = [TESTSETS / f"{name}.jsonl" for name in SPENT if name not in args.exclude]
    written = sorted(WRITTEN.glob("answers_train_*.jsonl"))
    for paths, prefix, out, what in (
        (spent, PREFIX, args.out, "spent"),
        (written, WRITTEN_PREFIX, args.written_out, "written training"),
    ):
        read, by_writer = _labelled(paths, articles, titles)
        for old in out.glob(f"{prefix}*.jsonl"):
            old.unlink()
        for writer, rows in sorted(by_writer.items()):
            with (out / f"{prefix}{writer}.jsonl").open("w", encoding="utf-8") as handle:
                for row in rows:
                    handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        kept = sum(len(r) for r in by_writer.values())
        sectioned = sum(r["heading"] is not None for rows in by_writer.values() for r in rows)
        print(f"{read} {what} rows read; {kept} kept from {len(by_writer)} writers, {sectioned} with one section")


def _labelled(
    paths: Sequence[Path], articles: dict[str, list[tuple[str, str]]], titles: dict[str, str]
) -> tuple[int, dict[str, list[dict[str, Any]]]]:
    """The rows of ``paths`` read, and the training rows they give by writer."""
    by_writer: dict[str, list[dict[str, Any]]] = {}
    read = 0
    for path in paths:
        for line in path.open(encoding="utf-8"):
            if line.strip():
                read += 1
                row = json.loads(line)
                out = label(row, articles, titles)
                if out is not None:
                    by_writer.setdefault(_writer(row["id"]), []).append(out)
    return read, by_writer


if __name__ == "__main__":
    main()
