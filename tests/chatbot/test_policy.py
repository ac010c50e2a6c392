"""What a message's verdicts mean: each row of ``policy.RULES`` and the ranking between them."""

from __future__ import annotations

import pytest

from chatbot import policy
from chatbot.models import Escalation
from chatbot.policy import Route
from guardrails.base import Action, RiskLevel, Verdict

Kind, Priority = Escalation.Kind, Escalation.Priority


def v(rail: str, action: str, category: str, score: float = 0.9) -> Verdict:
    level = RiskLevel.ACTIVE_IDEATION if (rail, action) == ("self_harm", "escalate") else None
    return Verdict(rail, Action(action), category, score, level)


CRISIS = v("self_harm", "escalate", "suicide")
INJURY_NOW = v("self_harm", "escalate", "self_injury")
EMERGENCY = v("emergency", "escalate", "stroke")
PASSIVE = v("self_harm", "flag", "passive_wish", 0.8)
THIRD_PARTY = v("self_harm", "flag", "third_party", 0.7)
INJECTION = v("injection", "block", "prompt_injection", 0.95)
INJECTION_FLAG = v("injection", "flag", "prompt_injection", 0.6)
SCOPE = v("scope", "block", "diagnosis_request", 0.8)
EMERGENCY_FLAG = v("emergency", "flag", "chest_pain", 0.5)
RAIL_ERROR = v("scope", "block", "rail_error", 1.0)
ALLOW = v("injection", "allow", "none", 0.1)


@pytest.mark.parametrize(
    ("verdict", "rule"),
    [
        (EMERGENCY, "medical emergency"),
        (CRISIS, "self-harm crisis"),
        (INJURY_NOW, "self-harm crisis"),  # a self-injury happening now is a crisis too
        (RAIL_ERROR, "rail error"),
        (v("self_harm", "block", "rail_error", 1.0), "rail error"),
        (THIRD_PARTY, "concern for someone else"),
        (PASSIVE, "self-harm flag"),
        (v("self_harm", "flag", "history", 0.6), "self-harm flag"),
        (INJECTION, "injection: refusal"),
        (INJECTION_FLAG, "injection: refusal"),
        (SCOPE, "out of scope: redirect"),
        (EMERGENCY_FLAG, "any other rail"),  # an emergency rail that did not escalate
        (v("phi_leak", "block", "phi"), "any other rail"),
    ],
)
def test_each_verdict_matches_its_row(verdict: Verdict, rule: str) -> None:
    assert policy.rule_for(verdict).name == rule


@pytest.mark.parametrize(
    ("verdicts", "route", "lead", "kind", "priority"),
    [
        ([], Route.ANSWER, None, None, Priority.ROUTINE),
        ([ALLOW], Route.ANSWER, None, None, Priority.ROUTINE),
        ([CRISIS], Route.URGENT, CRISIS, Kind.CRISIS, Priority.URGENT),
        ([EMERGENCY], Route.URGENT, EMERGENCY, Kind.EMERGENCY, Priority.URGENT),
        # An emergency leads a crisis, whatever their order or scores.
        ([CRISIS, EMERGENCY], Route.URGENT, EMERGENCY, Kind.EMERGENCY, Priority.URGENT),
        ([INJURY_NOW, CRISIS], Route.URGENT, INJURY_NOW, Kind.CRISIS, Priority.URGENT),
        # Urgent outranks a rail error; a rail error outranks any flag.
        ([RAIL_ERROR, CRISIS], Route.URGENT, CRISIS, Kind.CRISIS, Priority.URGENT),
        ([INJECTION, RAIL_ERROR], Route.FAIL, RAIL_ERROR, Kind.PROCESSING_ERROR, Priority.ROUTINE),
        ([PASSIVE], Route.FLAG, PASSIVE, Kind.CRISIS, Priority.ROUTINE),
        ([THIRD_PARTY], Route.FLAG, THIRD_PARTY, Kind.THIRD_PARTY, Priority.ROUTINE),
        ([INJECTION], Route.FLAG, INJECTION, Kind.INJECTION, Priority.ROUTINE),
        ([SCOPE], Route.FLAG, SCOPE, Kind.SCOPE, Priority.ROUTINE),
        ([EMERGENCY_FLAG], Route.FLAG, EMERGENCY_FLAG, Kind.SCOPE, Priority.ROUTINE),
        # Among flags the most severe action leads, then the higher score.
        ([PASSIVE, INJECTION], Route.FLAG, INJECTION, Kind.INJECTION, Priority.ROUTINE),
        ([SCOPE, INJECTION], Route.FLAG, INJECTION, Kind.INJECTION, Priority.ROUTINE),
        ([INJECTION_FLAG, PASSIVE], Route.FLAG, PASSIVE, Kind.CRISIS, Priority.ROUTINE),
        ([ALLOW, THIRD_PARTY], Route.FLAG, THIRD_PARTY, Kind.THIRD_PARTY, Priority.ROUTINE),
    ],
)
def test_it_decides_route_lead_kind_and_priority(verdicts, route, lead, kind, priority) -> None:
    decision = policy.decide(verdicts)
    assert (decision.route, decision.lead, decision.kind, decision.priority) == (route, lead, kind, priority)
    assert decision.reason == (lead.category if lead else "")


def test_every_urgent_verdict_is_kept_and_only_acting_ones_are_recorded() -> None:
    decision = policy.decide([ALLOW, CRISIS, SCOPE, EMERGENCY])
    assert decision.urgent == (CRISIS, EMERGENCY)
    assert decision.acting == (CRISIS, SCOPE, EMERGENCY)
    assert decision.emergency == EMERGENCY and decision.self_harm_crisis


@pytest.mark.parametrize(
    ("verdict", "self_harm_crisis", "medical_emergency", "escalation"),
    [
        (CRISIS, True, False, True),
        (EMERGENCY, False, True, True),
        (PASSIVE, False, False, False),
        (EMERGENCY_FLAG, False, False, False),
        # Any rail's ESCALATE is an escalation; only these two rails' are urgent.
        (v("injection", "escalate", "prompt_injection"), False, False, True),
    ],
)
def test_the_safety_words_mean_one_thing_each(verdict, self_harm_crisis, medical_emergency, escalation) -> None:
    assert policy.is_self_harm_crisis(verdict) is self_harm_crisis
    assert policy.is_medical_emergency(verdict) is medical_emergency
    assert policy.is_urgent(verdict) is (self_harm_crisis or medical_emergency)
    assert verdict.is_escalation is escalation


@pytest.mark.parametrize(
    ("level", "expected"),
    [(RiskLevel.NONE, False), (RiskLevel.PASSIVE_WISH, False), (RiskLevel.ACTIVE_IDEATION, True),
     (RiskLevel.BEHAVIOR, True)],
)
def test_at_or_above_active_ideation(level: RiskLevel, expected: bool) -> None:
    assert level.at_or_above_active_ideation is expected
