"""What staff read: risk levels and outcomes in words, never a bare number or a code."""

from __future__ import annotations

from guardrails.base import RiskLevel

# The C-SSRS level, written out (the triage queue never says "Level 2").
RISK_WORDS = {
    RiskLevel.NONE: "No suicide risk recorded",
    RiskLevel.PASSIVE_WISH: "Passive wish to be dead",
    RiskLevel.ACTIVE_IDEATION: "Active suicidal thoughts, no method",
    RiskLevel.METHOD: "Suicidal thoughts with a method in mind",
    RiskLevel.INTENT_OR_PLAN: "Suicidal ideation with intent or plan",
    RiskLevel.BEHAVIOR: "Recent suicidal behaviour",
}


def risk_in_words(level: int) -> str:
    return RISK_WORDS[RiskLevel(max(0, min(int(level), max(RiskLevel))))]
