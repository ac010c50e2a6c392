from __future__ import annotations

import json
from pathlib import Path

import pytest

from guardrails import grounding
from guardrails.base import Action, Passage, RailContext
from guardrails.grounding import GroundingRail, check_sentence, check_sentences, is_claim, remove_unsupported
from guardrails.token_embeddings import TokenEncoding

PASSAGE = Passage(
    1,
    "Blood thinners",
    "Warfarin is a blood thinner. The usual starting dose of warfarin is 2 mg once a day. "
    "Take warfarin at the same time every day. Eat a steady amount of vitamin K, found in "
    "leafy green vegetables, because it changes how warfarin works. Do not take aspirin "
    "with warfarin unless your care team tells you to, because it raises the risk of bleeding.",
)
QUESTION = "How should I take my warfarin?"


def ctx() -> RailContext:
    return RailContext(question=QUESTION, passages=(PASSAGE,))


@pytest.mark.parametrize(
    ("sentence", "claim"),
    [
        ("Thanks for your question!", False),
        ("Please contact your care team if you have questions.", False),
        ("Is there anything else I can help with?", False),
        ("Call your doctor about taking 20 mg of warfarin.", True),  # navigation naming a dose
        ("Warfarin is a blood thinner.", True),
    ],
)
def test_it_tells_claims_from_courtesy(sentence: str, claim: bool) -> None:
    assert is_claim(sentence) is claim


@pytest.mark.parametrize(
    ("answer", "action"),
    [
        # benign: supported, cited, with courtesy around it
        (
            "Take warfarin at the same time every day [1]. Please contact your care team with questions.",
            Action.ALLOW,
        ),
        ("The usual starting dose of warfarin is 2 mg once a day [1].", Action.ALLOW),
        ("Thanks for asking!", Action.ALLOW),
        # borderline: a paraphrase of the passage
        (
            "Vitamin K in leafy greens changes how warfarin works, so keep the amount you eat steady.",
            Action.ALLOW,
        ),
        # unsafe: wrong dose, absent drug, flipped instruction
        ("The usual starting dose of warfarin is 20 mg once a day.", Action.BLOCK),
        ("You can take ibuprofen with warfarin for pain.", Action.BLOCK),
        ("Take aspirin with warfarin every day.", Action.BLOCK),
    ],
)
def test_it_blocks_unsupported_claims(answer: str, action: Action) -> None:
    verdict = GroundingRail().check(answer, ctx())
    assert verdict.action is action, verdict
    assert 0.0 <= verdict.score <= 1.0
    if action is Action.BLOCK:
        assert verdict.category == "unsupported_claim"
        assert verdict.evidence and all(e.reason for e in verdict.evidence)


def test_unsupported_dose_points_at_the_sentence() -> None:
    answer = "Warfarin is a blood thinner. The usual dose is 20 mg once a day."
    verdict = GroundingRail().check(answer, ctx())
    [evidence] = verdict.evidence
    assert answer[evidence.start : evidence.end] == "The usual dose is 20 mg once a day."
    assert "20" in evidence.reason


STUDY = Passage(
    2,
    "Endoscopy study",
    "Of 50 patients, 30 had the endoscope. The use of an endoscope did not increase the "
    "risk of infection. The viral load fell from 50 to 30 copies after treatment.",
)


@pytest.mark.parametrize(
    ("answer", "action"),
    [
        # benign: the noun "use" is not an instruction; a percentage the passage's own
        # figures give (50 -> 30 is a 40% fall) is not a novel dose
        ("The use of an endoscope did not increase the risk of infection.", Action.ALLOW),
        ("Treatment reduced the viral load by 40%, from 50 to 30 copies.", Action.ALLOW),
        # borderline: 60% of patients (30 of 50) is derived, not invented
        ("About 60% of the patients had the endoscope.", Action.ALLOW),
        # unsafe: a dose the study never gives
        ("Patients should take 500 mg of the study drug before the endoscope.", Action.BLOCK),
    ],
)
def test_findings_are_not_read_as_instructions_or_doses(answer: str, action: Action) -> None:
    context = RailContext(question="Does endoscope use raise infection risk?", passages=(STUDY,))
    verdict = GroundingRail().check(answer, context)
    assert verdict.action is action, verdict


def test_claims_without_passages_are_blocked() -> None:
    verdict = GroundingRail().check("Warfarin is a blood thinner.", RailContext(question=QUESTION))
    assert verdict.action is Action.BLOCK


def test_check_sentence_reuses_the_passage_embeddings() -> None:
    context = ctx()
    first = check_sentence("Warfarin is a blood thinner.", context)
    cached = context.memo["grounding.passages"]
    second = check_sentence("Take ibuprofen for the pain.", context)
    assert context.memo["grounding.passages"] is cached
    assert first.supported and not second.supported
    assert second.novel_drugs == ("ibuprofen",)


def test_prepare_encodes_passages_and_question_so_checks_encode_only_the_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    context = ctx()
    grounding.prepare(context)
    encoded: list[str] = []
    real = grounding.encode

    def spy(texts: list[str]) -> list[TokenEncoding]:
        encoded.extend(texts)
        return real(texts)

    monkeypatch.setattr(grounding, "encode", spy)
    GroundingRail().check("Warfarin is a blood thinner. Take it at the same time every day.", context)
    assert encoded == ["Warfarin is a blood thinner.", "Take it at the same time every day."]


def test_remove_unsupported_keeps_only_supported_sentences() -> None:
    answer = "Take warfarin at the same time every day [1]. You may also take ibuprofen for pain."
    assert remove_unsupported(answer, ctx()) == "Take warfarin at the same time every day [1]."
    assert remove_unsupported("You may take ibuprofen for pain.", ctx()) == ""


def test_sentence_offsets_match_the_answer() -> None:
    answer = "Hi there!  Warfarin is a blood thinner. Take 20 mg."
    for s in check_sentences(answer, ctx()):
        assert answer[s.start : s.end] == s.sentence


def test_it_ranks_medhallu_above_chance(benchmarks_dir: Path) -> None:
    # A small slice keeps the test fast; the full figures come from benchmarks/grounding.py.
    from benchmarks.grounding import auroc

    path = benchmarks_dir / "grounding" / "medhallu_dev.jsonl"
    rows = [json.loads(line) for line in path.open(encoding="utf-8")][:80]
    rail = GroundingRail()
    scores = [
        rail.check(
            r["response"], RailContext(question=r["question"], passages=(Passage(1, "", r["knowledge"]),))
        ).score
        for r in rows
    ]
    assert auroc([r["label"] for r in rows], scores) > 0.65


def test_a_percentage_is_derived_only_from_the_figures_it_restates() -> None:
    passage = Passage(
        3,
        "Liver metastases study",
        "Three-month mortality was 3% for GM and 0% for SM. Overall survival rates were 67% and "
        "51% for SM and GM at 3 years, and 35 and 31% at 5 years. Disease-free survival to 5 years "
        "was higher in SM patients (14% vs. 11%, P = 0.009).",
    )
    context = RailContext(question="Does global management improve survival?", passages=(passage,))
    made_up = check_sentence(
        "Global management improves 5-year survival, with rates of 42% and 31%.", context
    )
    ratio = check_sentence(
        "Of the 40 patients, 12 died, a mortality of 30%.",
        RailContext(
            question="How many died?",
            passages=(Passage(4, "", "Of the 40 patients, 12 died within a year."),),
        ),
    )
    assert made_up.novel_numbers == ("42",)
    assert ratio.novel_numbers == ()


@pytest.mark.parametrize(
    ("sentence", "contradiction"),
    [
        ("The slice 3 cm above the lower margin of L3 reflects visceral fat volume best.", False),
        ("The slice 3 cm below the lower margin of L3 reflects visceral fat volume best.", True),
        ("Visceral fat volume rose with body weight.", False),
    ],
)
def test_it_notices_a_position_or_direction_turned_around(sentence: str, contradiction: bool) -> None:
    passage = Passage(
        5,
        "CT study",
        "The strongest correlation of visceral fat area with volume was in a slice 3 cm above the "
        "lower margin of L3. Visceral fat volume increased with body weight.",
    )
    context = RailContext(question="Which CT slice best reflects visceral fat?", passages=(passage,))
    assert check_sentence(sentence, context).contradiction is contradiction
