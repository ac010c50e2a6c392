"""Classifier readings that tests make up, for rails whose classifier is monkeypatched."""

from __future__ import annotations

from guardrails.classifier import CLASSES, HEADS, HeadReading, Reading


def probs(head: str, **mass: float) -> tuple[float, ...]:
    """``head``'s class probabilities: ``mass`` per named class, the rest on ``none``."""
    classes = CLASSES[head]
    rest = 1.0 - sum(mass.values())
    return tuple(mass.get(c, rest if c == "none" else 0.0) for c in classes)


def reading(window: HeadReading | None = None, **per_head: dict[str, float]) -> Reading:
    """A reading with ``per_head`` class masses (every other head reads nothing)."""
    heads = {h: HeadReading(h, probs(h, **per_head.get(h, {}))) for h in HEADS}
    return Reading(heads, window)


def risk_reading(head: str, risk: float) -> Reading:
    """A reading in which ``head`` puts ``risk`` on its first class after ``none``."""
    heads = {h: HeadReading(h, probs(h)) for h in HEADS}
    heads[head] = HeadReading(head, probs(head, **{CLASSES[head][1]: risk}))
    return Reading(heads, None)
