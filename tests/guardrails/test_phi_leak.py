from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from guardrails.base import Action, RailContext
from guardrails.phi_leak import PhiLeakRail


@dataclass(frozen=True)
class FakeFinding:
    entity_type: str
    start: int
    end: int
    score: float
    recognizer: str = "fake"


def fake_analyze(text: str) -> Sequence[FakeFinding]:
    """Finds the literal identifiers the table uses, plus anything bracketed as a PERSON."""
    found = []
    for needle, kind in (
        ("John Smith", "PERSON"),
        ("555-123-4567", "PHONE_NUMBER"),
        ("12/03/1961", "DATE_TIME"),
    ):
        at = text.find(needle)
        if at >= 0:
            found.append(FakeFinding(kind, at, at + len(needle), 0.85))
    at = text.find("[NAME_1]")
    if at >= 0:  # real analyzers sometimes tag our own placeholder
        found.append(FakeFinding("PERSON", at + 1, at + 7, 0.6))
    return found


SURROGATES = frozenset({"[NAME_1]", "[DATE_1]"})


@pytest.mark.parametrize(
    ("text", "blocked"),
    [
        ("Drink plenty of fluids and rest.", False),
        ("Hello [NAME_1], your appointment on [DATE_1] is confirmed.", False),
        ("Hello [NAME_2], welcome back.", True),  # surrogate foreign to this conversation
        ("John Smith should call 555-123-4567.", True),
        ("Born 12/03/1961, you are due for screening.", True),
    ],
)
def test_it_blocks_phi_and_foreign_surrogates(text: str, blocked: bool) -> None:
    verdict = PhiLeakRail(analyze=fake_analyze).check(text, RailContext(surrogates=SURROGATES))
    assert (verdict.action is Action.BLOCK) is blocked, verdict
    if blocked:
        assert verdict.category == "phi" and verdict.evidence and verdict.score > 0.5
    else:
        assert verdict.score == 0.0


def test_low_confidence_findings_are_ignored() -> None:
    def weak(text: str) -> list[FakeFinding]:
        return [FakeFinding("PERSON", 0, 4, 0.3)]

    assert PhiLeakRail(analyze=weak).check("Rest well.", RailContext()).action is Action.ALLOW


def test_with_the_real_deidentifier() -> None:
    deidentify = pytest.importorskip("deidentify")
    if not hasattr(deidentify, "get_deidentifier"):
        pytest.skip("deidentify has no analyzer yet")
    rail = PhiLeakRail()
    ctx = RailContext(surrogates=SURROGATES)
    assert rail.check("Call John Smith at 555-123-4567 tomorrow.", ctx).action is Action.BLOCK
    assert (
        rail.check("Rest, drink fluids, and keep taking your medicine as prescribed.", ctx).action
        is Action.ALLOW
    )
