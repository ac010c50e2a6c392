from __future__ import annotations

import pytest

from chatbot.extractive import NO_ANSWER, extractive_answer
from guardrails.base import Passage

STROKE = Passage(
    1,
    "Stroke: know the warning signs",
    "A stroke happens when blood flow to part of the brain is blocked. Every minute counts.\n\n"
    "Use BE FAST to remember the warning signs of a stroke:\n"
    "- B is for balance: sudden loss of balance or dizziness.\n"
    "- E is for eyes: sudden trouble seeing in one or both eyes.\n"
    "- F is for face: one side of the face droops.\n"
    "- A is for arms: one arm is weak or numb.\n"
    "- S is for speech: slurred or strange speech.\n"
    "- T is for time: call 911 right away.",
)
FLU = Passage(2, "Flu vaccine", "Everyone 6 months and older should get a flu vaccine every season.")


def test_it_answers_stroke_warning_signs_with_be_fast() -> None:
    answer = extractive_answer("what are the warning signs of a stroke?", [FLU, STROKE], [0.3, 0.6])
    assert answer.grounded and answer.citations == (1,)
    for sign in ("balance", "eyes", "face", "arms", "speech", "call 911"):
        assert sign in answer.text
    assert answer.text.endswith("[1]")


@pytest.mark.parametrize(
    ("question", "grounded"),
    [
        ("when should I get a flu shot?", True),
        ("how do I renew my passport?", False),
        ("", False),
    ],
)
def test_it_answers_only_when_a_passage_matches(question: str, grounded: bool) -> None:
    answer = extractive_answer(question, [FLU, STROKE])
    assert answer.grounded is grounded
    if not grounded:
        assert answer.text == NO_ANSWER and answer.citations == ()


def test_no_passages_gives_the_honest_reply() -> None:
    assert extractive_answer("what are stroke signs?", []).text == NO_ANSWER


def test_the_stroke_answer_keeps_every_be_fast_sign() -> None:
    """Half of BE FAST (no Arm, no Speech, no 'call 911') would be a dangerous answer."""
    from pathlib import Path

    from chatbot.chunking import chunk_document
    from chatbot.management.commands.load_knowledge import markdown_documents

    starter = Path(__file__).resolve().parents[2] / "chatbot" / "knowledge" / "starter"
    article = next(d for d in markdown_documents(starter) if d.slug == "stroke-warning-signs")
    passages = [Passage(1, article.title, c.text, "") for c in chunk_document(article.title, article.text)]

    answer = extractive_answer("what are the warning signs of a stroke?", passages)

    for sign in ("Balance", "Eyes", "Face drooping", "Arm weakness", "Speech difficulty", "call 911"):
        assert sign in answer.text
    assert "**" not in answer.text and "#" not in answer.text
    assert answer.citations == (1,)
