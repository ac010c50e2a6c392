from __future__ import annotations

from pathlib import Path

import pytest

from chatbot.chunking import MAX_WORDS, chunk_document, is_heading, is_item, split_heading, units
from chatbot.management.commands.load_knowledge import markdown_documents
from chatbot.relevance import sections_of
from guardrails.base import Passage

STARTER = Path(__file__).resolve().parents[2] / "chatbot" / "knowledge" / "starter"


def doc(sentences: int, words_each: int = 10) -> str:
    return " ".join("Word " + " ".join(["word"] * (words_each - 3)) + f" s{i} end." for i in range(sentences))


def test_short_document_is_one_chunk() -> None:
    [chunk] = chunk_document("Glaucoma", "Glaucoma damages the optic nerve. It can cause blindness.")
    assert chunk.text == "Glaucoma damages the optic nerve. It can cause blindness."
    assert chunk.embedding_text.startswith("Glaucoma: ")


def test_empty_document_has_no_chunks() -> None:
    assert chunk_document("T", "   ") == []


@pytest.mark.parametrize("sentences", [40, 60, 100, 333])
def test_long_documents_without_headings_are_cut_between_sentences(sentences: int) -> None:
    chunks = chunk_document("T", doc(sentences))
    assert len(chunks) > 1
    assert all(c.word_count <= MAX_WORDS for c in chunks)
    assert all(c.text.startswith("Word ") and c.text.endswith("end.") for c in chunks)
    assert sum(c.word_count for c in chunks) == sentences * 10  # nothing lost, nothing repeated
    assert [c.index for c in chunks] == list(range(len(chunks)))


def test_a_giant_sentence_is_cut_by_words() -> None:
    chunks = chunk_document("T", " ".join(["word"] * 1000))
    assert all(c.word_count <= MAX_WORDS for c in chunks)
    assert sum(c.word_count for c in chunks) >= 1000


FEVER = (
    "Fever in children:\n\n"
    "A fever is a body temperature of 100.4 F or higher. Most fevers are caused by viruses and go away "
    "in a few days without treatment of any kind.\n\n"
    "When should I call the doctor about my child's fever?\n\n"
    "Call your child's doctor right away if:\n"
    "- your child is younger than 3 months and has any fever\n"
    "- your child is 3 to 6 months old and the fever is 102 F or higher\n"
    "- the fever lasts more than 3 days\n\n"
    "A fever by itself is not dangerous for most children.\n\n"
    "Can I give my child ibuprofen?\n\n"
    "Ibuprofen is safe for children 6 months and older. Do not give it to babies younger than 6 months. "
    "Give the dose on the label for your child's weight."
)


@pytest.mark.parametrize(
    ("heading", "must_contain"),
    [
        ("When should I call the doctor about my child's fever?", "- your child is 3 to 6 months old"),
        ("Can I give my child ibuprofen?", "Ibuprofen is safe for children 6 months and older."),
        ("Fever in children:", "A fever is a body temperature"),
    ],
)
def test_each_section_is_a_chunk_that_opens_with_its_heading(heading: str, must_contain: str) -> None:
    chunks = chunk_document("Fever", FEVER)
    [chunk] = [c for c in chunks if split_heading(c.text)[0] == heading]
    assert must_contain in chunk.text


def test_a_list_stays_with_its_lead_in_and_heading() -> None:
    [chunk] = [c for c in chunk_document("Fever", FEVER) if "3 to 6 months" in c.text]
    lines = chunk.text.split("\n")
    assert lines[0] == "When should I call the doctor about my child's fever?"
    assert lines[1] == "Call your child's doctor right away if:"
    assert [line for line in lines if line.startswith("-")] == lines[2:5]
    assert lines[5] == "A fever by itself is not dangerous for most children."


def test_numbered_steps_stay_together_with_their_lead_in() -> None:
    """Each step of "How do I use a spacer?" was a unit of its own, so an answer opened
    with step 1 and stopped at step 4, and "how long do i hold my breath" never reached
    step 7."""
    body = (
        "Using a spacer gets more medicine into your lungs. The usual steps are:\n\n"
        "1. Shake the inhaler.\n2. Breathe out all the way.\n3. Press once and breathe in slowly.\n"
        "4. Hold your breath for about 10 seconds.\n\nDry powder inhalers are different."
    )
    assert units(body) == [
        "Using a spacer gets more medicine into your lungs.",
        "The usual steps are:\n1. Shake the inhaler.\n2. Breathe out all the way.\n"
        "3. Press once and breathe in slowly.\n4. Hold your breath for about 10 seconds.",
        "Dry powder inhalers are different.",
    ]


@pytest.mark.parametrize(
    ("line", "item"),
    [
        ("- a bullet", True),
        ("• a bullet", True),
        ("1. Sit up straight.", True),
        ("12) Wait a minute.", True),
        ("2 to 6 months after the first dose.", False),
        ("2024. A year, not a step.", False),
        ("100.4 F is a fever.", False),
    ],
)
def test_a_list_item_is_bulleted_or_numbered(line: str, item: bool) -> None:
    assert is_item(line) is item


def test_a_lead_in_of_its_own_stays_with_its_list_and_does_not_split_its_section() -> None:
    """ "**Call 911 if:**" on a line of its own read as a heading in plain text, so "When
    to get help" ended after its first line, and "when do i go to the ER" was answered
    with "Contact your care team..." and not the 911 list."""
    from chatbot.knowledge.sources import markdown_to_text

    markdown = (
        "## When to get help\n\nContact your care team if you need your inhaler more often.\n\n"
        "**Call 911 if:**\n\n- you cannot speak in full sentences\n- your lips look blue\n\n"
        "## Signs include:\n\n- wheezing\n"
    )
    text = markdown_to_text(markdown)
    assert "Call 911 if:\n- you cannot speak in full sentences" in text
    assert "Signs include:\n\n- wheezing" in text  # a Markdown heading stays a heading
    chunks = chunk_document("Asthma", text)
    [chunk] = [c for c in chunks if "full sentences" in c.text]
    assert chunk.text.startswith("When to get help:\nContact your care team")
    assert not any(c.text.startswith("Call 911 if:") for c in chunks)


def test_a_list_longer_than_a_chunk_is_cut_between_items_and_repeats_its_lead_in() -> None:
    items = "\n".join(f"- item {i} " + "word " * 20 for i in range(30))
    text = f"What should I pack?\n\nPack these things:\n{items}"
    chunks = chunk_document("T", text)
    assert len(chunks) > 1
    for chunk in chunks:
        lines = chunk.text.split("\n")
        assert lines[:2] == ["What should I pack?", "Pack these things:"]
        assert all(line.startswith("- item") for line in lines[2:])
        assert chunk.word_count <= MAX_WORDS
    assert sum(c.text.count("- item") for c in chunks) == 30


def test_a_lead_in_right_under_a_heading_stays_in_that_section() -> None:
    text = (
        "What causes hives?\n\nOther triggers include:\n\n- foods\n- heat\n\n"
        "How long do hives last?\n\nMost hives go away within a few days to a few weeks, and some last longer."
    )
    chunks = chunk_document("Hives", text)
    assert chunks[0].text.startswith("What causes hives?\nOther triggers include:\n- foods\n- heat")
    assert all(split_heading(c.text)[0] for c in chunks)


@pytest.mark.parametrize(
    ("line", "heading"),
    [
        ("How often should I check my feet?", True),
        ("When to get help:", True),
        ("- a list item that ends with a colon:", False),
        ("A fever is a body temperature of 100.4 F or higher.", False),
        ("Why? " + "word " * 30 + "end?", False),
        ("In children, colds are the most common cause. Other triggers include:", False),
        ("What is C. diff?", True),
        ("Stop. What now?", False),
        ("", False),
    ],
)
def test_is_heading(line: str, heading: bool) -> None:
    assert is_heading(line) is heading


def test_every_starter_heading_reads_as_a_heading() -> None:
    """Each "## " heading of a starter article (with the ":" ``markdown_to_text`` gives one
    that ends in neither "?" nor ":") heads a section of its own."""
    read = 0
    for path in sorted(STARTER.glob("*.md")):
        for line in path.read_text(encoding="utf-8").split("\n"):
            if line.startswith("## "):
                heading = line[3:].strip()
                heading = heading if heading.endswith(("?", ":")) else heading + ":"
                assert is_heading(heading), (path.stem, heading)
                read += 1
    assert read > 500


def test_a_heading_with_an_abbreviation_heads_its_own_section() -> None:
    """"What is C. diff?" once ran on as a sentence of the allergic-reaction section before
    it, so the section ranker could never choose it."""
    document = next(d for d in markdown_documents(STARTER) if d.slug == "antibiotic-side-effects")
    chunks = "\n\n".join(c.text for c in chunk_document(document.title, document.text))
    sections = dict(sections_of(Passage(1, document.title, chunks)))
    assert sections["What is C. diff?"][0].startswith("C. diff (Clostridioides difficile) is a germ")
    allergic = sections["What are the signs of an allergic reaction to an antibiotic?"]
    assert not any("C. diff" in unit for unit in allergic)


def test_no_starter_chunk_starts_mid_list_or_mid_sentence() -> None:
    documents = list(markdown_documents(STARTER))
    assert len(documents) >= 150
    for document in documents:
        for chunk in chunk_document(document.title, document.text):
            first = chunk.text.lstrip()
            assert not first.startswith(("-", "*", "•")), (document.slug, first[:60])
            assert first[0].isupper() or first[0].isdigit(), (document.slug, first[:60])
            assert chunk.word_count <= MAX_WORDS
            # every list item sits under a lead-in or a heading in the same chunk
            lines = chunk.text.split("\n")
            for i, line in enumerate(lines):
                if line.startswith("-"):
                    assert i > 0, (document.slug, line)
