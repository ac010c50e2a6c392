from __future__ import annotations

import pytest

from guardrails.base import Action, RiskLevel, RiskState, Verdict
from guardrails.risk import next_risk_state


def v(rail: str, action: Action, category: str, level: RiskLevel | None = None) -> Verdict:
    return Verdict(rail, action, category, 0.9, level)


@pytest.mark.parametrize(
    ("state", "verdicts", "level", "categories"),
    [
        (RiskState(), [v("self_harm", Action.ALLOW, "none")], RiskLevel.NONE, set()),
        (
            RiskState(),
            [v("self_harm", Action.ESCALATE, "suicide", RiskLevel.METHOD)],
            RiskLevel.METHOD,
            {"suicide"},
        ),
        (
            RiskState(RiskLevel.INTENT_OR_PLAN, frozenset({"suicide"})),
            [v("self_harm", Action.ESCALATE, "suicide", RiskLevel.PASSIVE_WISH)],
            RiskLevel.INTENT_OR_PLAN,
            {"suicide"},
        ),
        (RiskState(RiskLevel.BEHAVIOR), [], RiskLevel.BEHAVIOR, set()),
        (RiskState(), [v("injection", Action.BLOCK, "jailbreak")], RiskLevel.NONE, set()),
        (RiskState(), [v("emergency", Action.ESCALATE, "stroke")], RiskLevel.NONE, {"emergency:stroke"}),
    ],
)
def test_it_never_lowers(
    state: RiskState, verdicts: list[Verdict], level: RiskLevel, categories: set[str]
) -> None:
    after = next_risk_state(state, verdicts)
    assert after.level == level
    assert set(after.categories) == categories
    assert after.level >= state.level and after.categories >= state.categories
