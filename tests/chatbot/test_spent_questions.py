"""The spent frozen answers sets as training questions (``chatbot.knowledge.spent_questions``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chatbot.knowledge import spent_questions
from chatbot.knowledge.spent_questions import (
    OUT,
    PREFIX,
    SPENT,
    TESTSETS,
    WRITTEN,
    WRITTEN_OUT,
    WRITTEN_PREFIX,
    label,
)

ARTICLES = {
    "flu-vaccine": [
        ("Flu vaccine", "Everyone 6 months and older should get a flu vaccine every year."),
        ("When should I get it?", "Get it by the end of October. It takes about 2 weeks to work."),
    ],
    "covid-19-vaccine": [
        ("COVID-19 vaccine", "Stay up to date. It takes about 2 weeks to work."),
    ],
}
TITLES = {"flu-vaccine": "Flu vaccine", "covid-19-vaccine": "COVID-19 vaccine"}


def _row(**fields: object) -> dict[str, object]:
    return {"id": "at9-0001", "question": "when shud i get flu shot", "expect": "answer", **fields}


def test_a_row_is_labelled_with_the_one_section_that_holds_its_keywords() -> None:
    out = label(_row(slug="flu-vaccine", keywords=["end of October"]), ARTICLES, TITLES)
    assert out == {
        "slug": "flu-vaccine",
        "heading": "When should I get it?",
        "question": "when shud i get flu shot",
        "keywords": ["end of October"],
        "id": "at9-0001",
    }


def test_the_opening_section_is_named_by_an_empty_heading_as_in_the_writers_files() -> None:
    out = label(_row(slug="flu-vaccine", keywords=["6 months and older"]), ARTICLES, TITLES)
    assert out is not None and out["heading"] == ""


def test_keywords_in_no_single_section_keep_the_row_for_the_gate_but_not_the_ranker() -> None:
    out = label(_row(slug="flu-vaccine", keywords=["flu vaccine", "2 weeks"]), ARTICLES, TITLES)
    assert out is not None and out["slug"] == "flu-vaccine" and out["heading"] is None


def test_a_row_without_a_slug_takes_the_one_article_holding_its_keywords_or_is_left_out() -> None:
    only_flu = label(_row(slug=None, keywords=["end of October"]), ARTICLES, TITLES)
    assert only_flu is not None and only_flu["slug"] == "flu-vaccine"
    assert label(_row(slug=None, keywords=["2 weeks"]), ARTICLES, TITLES) is None  # two articles
    assert label(_row(slug=None, keywords=["measles"]), ARTICLES, TITLES) is None  # none


@pytest.mark.parametrize(
    "row",
    [
        _row(expect="decline", slug=None, keywords=[]),
        _row(slug="flu-vaccine", keywords=[]),
        _row(slug="no-such-article", keywords=["end of October"]),
    ],
)
def test_declines_rows_without_keywords_and_unknown_articles_give_nothing(row: dict[str, object]) -> None:
    assert label(row, ARTICLES, TITLES) is None


def test_only_reported_sets_are_spent_and_the_newest_frozen_set_is_never_read() -> None:
    sums = (TESTSETS / "SHA256SUMS").read_text(encoding="utf-8")
    for name in SPENT:
        assert f"{name}.jsonl" in sums, name
    # answers_test_23 judged the training on set 22 and the written training sets, and
    # _24 and _25 judged later changes (twenty-eighth session): spent, not yet training
    assert {f"answers_test_{n}" for n in range(15, 23)} <= set(SPENT)
    assert "answers_test_23" not in SPENT


@pytest.mark.slow
def test_the_committed_files_are_what_the_spent_sets_give(tmp_path: Path) -> None:
    """Committed data derived by committed code: regenerating changes nothing.
    ``python -m chatbot.knowledge.spent_questions``, then re-train the gate and ranker."""
    spent_questions.main(["--out", str(tmp_path), "--written-out", str(tmp_path)])
    for prefix, folder in ((PREFIX, OUT), (WRITTEN_PREFIX, WRITTEN_OUT)):
        made = {p.name: p.read_text(encoding="utf-8") for p in tmp_path.glob(f"{prefix}*.jsonl")}
        committed = {p.name: p.read_text(encoding="utf-8") for p in folder.glob(f"{prefix}*.jsonl")}
        assert made and made == committed, prefix
    # the written sets teach the gate and its bank, not the section ranker
    assert not list(OUT.glob(f"{WRITTEN_PREFIX}*"))
    spent = "".join(p.read_text(encoding="utf-8") for p in OUT.glob(f"{PREFIX}*.jsonl"))
    assert '"id": "at22' in spent and '"id": "at23' not in spent


def test_the_written_training_sets_are_answerable_rows_from_their_own_writers() -> None:
    """Written for training from their own brief, never a frozen set: each id names
    its writer, every row expects an answer and names its article."""
    paths = sorted(WRITTEN.glob("answers_train_*.jsonl"))
    assert len(paths) == 8
    sums = (TESTSETS / "SHA256SUMS").read_text(encoding="utf-8")
    for path in paths:
        assert path.name not in sums
        rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
        writer = path.stem.removeprefix("answers_train_")
        assert len(rows) >= 100, path.name
        assert {r["id"].rsplit("-", 1)[0] for r in rows} == {f"atr{writer}"}
        assert all(r["expect"] == "answer" and r["slug"] and r["keywords"] for r in rows), path.name
