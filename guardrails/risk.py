"""The conversation's risk state: it only ever rises.

A patient typing "jk" or "never mind" after a disclosure does not close the risk;
only a clinician can, and that happens on the Django side, outside this module.
"""

from __future__ import annotations

from collections.abc import Iterable

from guardrails.base import Action, RiskLevel, RiskState, Verdict

# Categories that keep a conversation open for review even without a C-SSRS level.
RISK_CATEGORIES = frozenset(
    {
        "suicide",
        "self_harm",
        "self_injury",
        "eating_disorder",
        "possible_preparation",
        "third_party",
        "self_harm_content",
        "history",
        "risk_retraction",
    }
)


def next_risk_state(state: RiskState, verdicts: Iterable[Verdict]) -> RiskState:
    """Return the state after this message's verdicts: never lower than ``state``.

    Levels take the maximum; categories accumulate. Only self-harm and emergency
    verdicts that are not ALLOW raise anything, so an injection block never opens a
    risk.
    """
    level = state.level
    categories = set(state.categories)
    for verdict in verdicts:
        if verdict.action is Action.ALLOW:
            continue
        if verdict.rail == "self_harm":
            if verdict.risk_level is not None:
                level = max(level, verdict.risk_level)
            if verdict.category in RISK_CATEGORIES:
                categories.add(verdict.category)
        elif verdict.rail == "emergency" and verdict.action is Action.ESCALATE:
            categories.add(f"emergency:{verdict.category}")
    return RiskState(level=RiskLevel(level), categories=frozenset(categories))
