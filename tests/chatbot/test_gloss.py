"""The Spanish glossary the English article path reads a Spanish question through."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chatbot import relevance
from guardrails import gloss

ENTRIES = {
    ("ataque",): "attack",
    ("ataque", "al", "corazon"): "heart attack",
    ("señales",): "signs",
    ("de",): "of",
    ("un",): "a",
    ("año",): "year",
    ("ano",): "anus",
    ("cuales",): "what",
    ("son",): "are",
    ("las",): "the",
}


def test_folding_drops_accents_and_case_but_keeps_the_tilde_of_n() -> None:
    assert gloss.fold("¿Cuáles SON las Señales?") == "¿cuales son las señales?"
    assert gloss.tokens("un año") == ["un", "año"] and gloss.tokens("el ano") == ["el", "ano"]


def test_the_longest_phrase_wins_and_unknown_words_stay_as_written() -> None:
    reading = gloss.gloss("¿Cuáles son las señales de un ataque al corazón? metformina 500", ENTRIES)
    assert reading == "what are the signs of a heart attack metformina 500?"
    assert gloss.gloss("ataque de tos", ENTRIES) == "attack of tos"  # the phrase needs all its words
    assert gloss.gloss("un año", ENTRIES) == "a year"


def test_a_question_that_does_not_read_as_spanish_is_unchanged() -> None:
    question = "what are the warning signs of a stroke?"
    assert gloss.english_reading(question) == question


def test_a_spanish_question_is_read_in_english_by_the_article_path() -> None:
    reading = relevance.english_question("Hola, soy [NAME_1]. ¿Cuáles son las señales de un derrame cerebral?")
    assert reading.endswith("signs of a stroke?")
    assert "[NAME_1]" not in reading and "name_1" not in reading


def test_the_committed_glossary_reads_every_part(tmp_path: Path) -> None:
    entries = gloss.glossary()
    assert len(entries) > 2000
    assert all(1 <= len(key) <= gloss.MAX_PHRASE and english for key, english in entries.items())
    for part in gloss.PARTS:
        rows = [json.loads(line) for line in (gloss.GLOSSARY / f"{part}.jsonl").open(encoding="utf-8")]
        assert rows and all(set(row) == {"es", "en"} for row in rows)


def test_an_earlier_part_wins_a_word_two_parts_define(tmp_path: Path) -> None:
    for part, english in zip(gloss.PARTS, ["first", "second", "third", "fourth", "fifth"], strict=True):
        (tmp_path / f"{part}.jsonl").write_text(json.dumps({"es": "Presión", "en": english}) + "\n")
    assert gloss.glossary.__wrapped__(tmp_path) == {("presion",): "first"}


@pytest.mark.parametrize(
    "row",
    [{"es": "", "en": "x"}, {"es": "a b c d e", "en": "x"}, {"es": "presión", "en": " "}, {"en": "x"}],
)
def test_a_malformed_entry_is_refused(tmp_path: Path, row: dict[str, str]) -> None:
    for part in gloss.PARTS:
        (tmp_path / f"{part}.jsonl").write_text(json.dumps(row) + "\n")
    with pytest.raises((ValueError, KeyError)):
        gloss.glossary.__wrapped__(tmp_path)


def test_a_plural_the_glossary_lacks_is_read_as_its_singular() -> None:
    entries: dict[tuple[str, ...], str] = {("vacuna",): "vaccine", ("pulmon",): "lung", ("mes",): "month"}
    assert gloss.gloss("vacunas pulmones meses", entries) == "vaccine lung month"
    assert gloss.gloss("es", entries) == "es"  # too short to be a plural of anything
