"""Output rail ``phi_leak``: an answer may carry no identifier except this
conversation's own surrogates (``context.surrogates``, e.g. "[NAME_1]").

Detection is the de-identification service's Presidio analyzer (``deidentify``),
imported lazily so this module loads without it; tests inject a fake ``analyze``.
A surrogate-shaped token that is not in the mapping is flagged too: it means the
model invented or copied a placeholder from another conversation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from guardrails.base import Action, Evidence, RailContext, Verdict

NAME = "phi_leak"

# Matches our surrogate shape: an upper-case entity label, underscore, a number.
SURROGATE = re.compile(r"\[[A-Z][A-Z_]*_\d+\]")

Analyze = Callable[[str], Sequence[Any]]


def _default_analyze(text: str) -> Sequence[Any]:
    from deidentify import get_deidentifier  # lazy: the rail loads without Presidio

    findings: Sequence[Any] = get_deidentifier().analyze(text)
    return findings


class PhiLeakRail:
    """Blocks answers that contain PHI or surrogates foreign to this conversation.

    ``analyze(text)`` returns findings with ``entity_type``, ``start``, ``end`` and
    ``score`` (the ``deidentify`` Finding); it defaults to the real analyzer.
    """

    name = NAME

    def __init__(self, analyze: Analyze | None = None, min_score: float = 0.5) -> None:
        self._analyze = analyze or _default_analyze
        self._min_score = min_score

    def check(self, text: str, context: RailContext) -> Verdict:
        """Return BLOCK (category ``phi``) with one evidence span per identifier, or
        ALLOW. Raises whatever the analyzer raises; the runner fails closed on it."""
        evidence: list[Evidence] = []
        allowed: list[tuple[int, int]] = []
        for m in SURROGATE.finditer(text):
            if m.group(0) in context.surrogates:
                allowed.append((m.start(), m.end()))
            else:
                evidence.append(Evidence(m.start(), m.end(), "surrogate not in this conversation's mapping"))
        best = 0.9 if evidence else 0.0
        for finding in self._analyze(text):
            score = float(getattr(finding, "score", 1.0))
            start, end = int(finding.start), int(finding.end)
            if score < self._min_score:
                continue
            # A finding inside (or equal to) a known surrogate is our own placeholder.
            if any(s <= start and end <= e for s, e in allowed):
                continue
            if any(s <= start and end <= e for s, e in ((ev.start, ev.end) for ev in evidence)):
                continue
            evidence.append(Evidence(start, end, f"possible {finding.entity_type}"))
            best = max(best, score)
        if not evidence:
            return Verdict(rail=NAME, action=Action.ALLOW, category="none", score=0.0)
        evidence.sort(key=lambda e: e.start)
        return Verdict(rail=NAME, action=Action.BLOCK, category="phi", score=best, evidence=tuple(evidence))
