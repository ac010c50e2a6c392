"""The grounding rail's support tables, row by row, on measures made by hand (no encoder)."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

from guardrails import grounding
from guardrails.grounding import HARD_FAILURE_SCORE, HARD_FAILURES, WEAK_SUPPORT_REASONS, _Measures
from guardrails.sentences import Span

SUPPORTED = _Measures(
    text="Rest and fluids help most colds get better.",
    best=("Most colds get better with rest and fluids.",),
    passage_sim=0.8,
    question_sim=0.5,
    token_gap=-0.2,
    unsupported_share=0.0,
    novel_numbers=(),
    dose_numbers=(),
    novel_drugs=(),
    contradiction=False,
)


def measures(**changes: Any) -> _Measures:
    return dataclasses.replace(SUPPORTED, **changes)


FLIPPED = measures(text="Take aspirin with warfarin.", best=("Do not take aspirin with warfarin.",))


@pytest.mark.parametrize(
    ("m", "rule", "reason"),
    [
        (measures(novel_drugs=("ibuprofen",)), "medicine not in the sources",
         "medicine not in the sources: ibuprofen"),
        (measures(novel_numbers=("20",), dose_numbers=("20",)), "dose not in the sources",
         "dose or amount not in the sources: 20"),
        (FLIPPED, "instruction negated differently", "instruction negated differently from the sources"),
    ],
)
def test_a_hard_failure_row_applies(m: _Measures, rule: str, reason: str) -> None:
    assert [(r.name, r.reason(m)) for r in HARD_FAILURES if r.applies(m)] == [(rule, reason)]
    assert next(r.score for r in HARD_FAILURES if r.name == rule) == HARD_FAILURE_SCORE


@pytest.mark.parametrize(
    "m",
    [
        SUPPORTED,
        measures(novel_numbers=("40",)),  # a number that is no dose is not a hard failure
        dataclasses.replace(FLIPPED, passage_sim=0.3),  # too far from the passage to be the same instruction
        measures(text="Do not take aspirin with warfarin.", best=("Do not take aspirin with warfarin.",)),
    ],
)
def test_no_hard_failure_row_applies(m: _Measures) -> None:
    assert [r.name for r in HARD_FAILURES if r.applies(m)] == []


@pytest.mark.parametrize(
    ("m", "reasons"),
    [
        (SUPPORTED, []),
        (measures(contradiction=True), ["contradicts the sources (direction or effect)"]),
        (measures(novel_numbers=("40", "7")), ["number not in the sources: 40, 7"]),
        (measures(unsupported_share=0.75), ["75% of the words it adds to the question are not in the sources"]),
        (measures(unsupported_share=0.5), []),  # half is not more than half
        (measures(question_sim=0.75), ["closer to the question than to any source passage"]),
        (measures(question_sim=0.7), []),  # gap -0.1 is not above -0.1
        (measures(contradiction=True, question_sim=0.9),
         ["contradicts the sources (direction or effect)", "closer to the question than to any source passage"]),
    ],
)
def test_weak_support_reasons(m: _Measures, reasons: list[str]) -> None:
    assert [r.reason(m) for r in WEAK_SUPPORT_REASONS if r.applies(m)] == reasons
    assert all(r.score is None for r in WEAK_SUPPORT_REASONS)


def test_every_rule_has_a_distinct_name() -> None:
    names = [r.name for r in HARD_FAILURES + WEAK_SUPPORT_REASONS]
    assert len(set(names)) == len(names) == 7


def _empty_sources() -> grounding._Sources:
    index = grounding._PassageIndex((), np.zeros((0, 384), np.float32), np.zeros((0, 384), np.float32),
                                    frozenset(), frozenset(), frozenset(), ())
    return grounding._Sources(index, "", None)


@pytest.mark.parametrize(
    ("sentence", "claim", "supported", "score", "reason"),
    [
        ("Thanks for asking!", False, True, 0.0, ""),
        ("Is the pain worse at night?", False, True, 0.0, ""),
        ("Ibuprofen reduces fever in most adults.", True, False, 1.0, "no passages to support a claim"),
    ],
)
def test_before_any_measure(sentence: str, claim: bool, supported: bool, score: float, reason: str) -> None:
    support = grounding._sentence_support(Span(sentence, 0, len(sentence)), None, 0.0, _empty_sources())
    assert (support.is_claim, support.supported, support.score, support.reason) == (claim, supported, score, reason)
    assert support.hard_failure is (claim and not supported)
