"""What a message's verdicts mean: each row of ``policy.RULES`` and the ranking between them."""

from __future__ import annotations

import pytest

from chatbot import policy
from chatbot.models import Escalation
from chatbot.policy import Route
from guardrails.base import Action, RiskLevel, Verdict
from guardrails.fairness import outcome

Kind, Priority = Escalation.Kind, Escalation.Priority


def v(rail: str, action: str, category: str, score: float = 0.9) -> Verdict:
    level = RiskLevel.ACTIVE_IDEATION if (rail, action) == ("self_harm", "escalate") else None
    return Verdict(rail, Action(action), category, score, level)


CRISIS = v("self_harm", "escalate", "suicide")
INJURY_NOW = v("self_harm", "escalate", "self_injury")
EMERGENCY = v("emergency", "escalate", "stroke")
EATING = v("self_harm", "flag", "eating_disorder", 0.75)
THIRD_PARTY = v("self_harm", "flag", "third_party", 0.7)
INJECTION = v("injection", "block", "prompt_injection", 0.95)
INJECTION_FLAG = v("injection", "flag", "prompt_injection", 0.6)
SCOPE = v("scope", "block", "diagnosis_request", 0.8)
EMERGENCY_FLAG = v("emergency", "flag", "chest_pain", 0.5)
RAIL_ERROR = v("scope", "block", "rail_error", 1.0)
ALLOW = v("injection", "allow", "none", 0.1)
# The learned classifier's help-tier flag, and other self-harm flags below the crisis path.
HELP = v("self_harm", "flag", "self_harm", 0.3)
HISTORY = v("self_harm", "flag", "history", 0.6)
OTHER_LANGUAGE = v("language", "block", "other_language", 0.99)
READ_LANGUAGE = v("language", "allow", "es", 0.0)
# The second opinion speaks for the rail its category names.
LLM_CRISIS = v("safety_llm", "escalate", "self_harm", 0.9)
LLM_EMERGENCY = v("safety_llm", "escalate", "emergency", 0.9)
LLM_HELP = v("safety_llm", "flag", "self_harm", 0.7)
LLM_UNAVAILABLE = v("safety_llm", "flag", "unavailable", 0.0)


@pytest.mark.parametrize(
    ("verdict", "rule"),
    [
        (EMERGENCY, "medical emergency"),
        (CRISIS, "self-harm crisis"),
        (INJURY_NOW, "self-harm crisis"),  # a self-injury happening now is a crisis too
        (RAIL_ERROR, "rail error"),
        (v("self_harm", "block", "rail_error", 1.0), "rail error"),
        (THIRD_PARTY, "concern for someone else"),
        (OTHER_LANGUAGE, "unreadable language"),
        (EATING, "self-harm help tier"),
        (HISTORY, "self-harm help tier"),
        (HELP, "self-harm help tier"),
        (v("self_harm", "flag", "risk_retraction", 0.5), "self-harm help tier"),
        (v("self_harm", "flag", "self_harm_content", 0.65), "self-harm help tier"),
        (LLM_HELP, "self-harm help tier"),
        (LLM_CRISIS, "self-harm crisis"),
        (LLM_EMERGENCY, "medical emergency"),
        (LLM_UNAVAILABLE, "second opinion unavailable"),
        (v("safety_llm", "flag", "injection", 0.8), "injection: refusal"),
        (v("safety_llm", "flag", "unsafe", 0.8), "any other rail"),
        (EMERGENCY_FLAG, "emergency flag: urgent care"),  # below the 911 threshold
        (INJECTION, "injection: refusal"),
        (INJECTION_FLAG, "injection: refusal"),
        (SCOPE, "out of scope: redirect"),
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
        # The help tier: any self-harm signal below crisis is reviewed at HIGH, not paged.
        ([EATING], Route.FLAG, EATING, Kind.CRISIS, Priority.HIGH),
        ([HELP], Route.FLAG, HELP, Kind.CRISIS, Priority.HIGH),
        ([HISTORY], Route.FLAG, HISTORY, Kind.CRISIS, Priority.HIGH),
        ([THIRD_PARTY], Route.FLAG, THIRD_PARTY, Kind.THIRD_PARTY, Priority.ROUTINE),
        ([INJECTION], Route.FLAG, INJECTION, Kind.INJECTION, Priority.ROUTINE),
        ([SCOPE], Route.FLAG, SCOPE, Kind.SCOPE, Priority.ROUTINE),
        ([EMERGENCY_FLAG], Route.FLAG, EMERGENCY_FLAG, Kind.EMERGENCY, Priority.HIGH),
        # Another language: a person reads it today; it outranks what rails made of it.
        ([OTHER_LANGUAGE], Route.FLAG, OTHER_LANGUAGE, Kind.LANGUAGE, Priority.HIGH),
        ([OTHER_LANGUAGE, INJECTION], Route.FLAG, OTHER_LANGUAGE, Kind.LANGUAGE, Priority.HIGH),
        ([READ_LANGUAGE], Route.ANSWER, None, None, Priority.ROUTINE),
        # ...but never outranks a crisis or an emergency.
        ([OTHER_LANGUAGE, EMERGENCY], Route.URGENT, EMERGENCY, Kind.EMERGENCY, Priority.URGENT),
        # Among flags the higher priority leads: a patient's risk before an injection.
        ([EATING, INJECTION], Route.FLAG, EATING, Kind.CRISIS, Priority.HIGH),
        ([HELP, SCOPE], Route.FLAG, HELP, Kind.CRISIS, Priority.HIGH),
        # Then the most severe action, then the higher score.
        ([SCOPE, INJECTION], Route.FLAG, INJECTION, Kind.INJECTION, Priority.ROUTINE),
        ([INJECTION_FLAG, EATING], Route.FLAG, EATING, Kind.CRISIS, Priority.HIGH),
        ([ALLOW, THIRD_PARTY], Route.FLAG, THIRD_PARTY, Kind.THIRD_PARTY, Priority.ROUTINE),
        # The second opinion can escalate on its own, and its silence only tells a person.
        ([LLM_CRISIS], Route.URGENT, LLM_CRISIS, Kind.CRISIS, Priority.URGENT),
        ([ALLOW, LLM_EMERGENCY], Route.URGENT, LLM_EMERGENCY, Kind.EMERGENCY, Priority.URGENT),
        ([LLM_UNAVAILABLE], Route.FLAG, LLM_UNAVAILABLE, Kind.PROCESSING_ERROR, Priority.ROUTINE),
        ([LLM_UNAVAILABLE, CRISIS], Route.URGENT, CRISIS, Kind.CRISIS, Priority.URGENT),
        ([LLM_UNAVAILABLE, INJECTION], Route.FLAG, INJECTION, Kind.INJECTION, Priority.ROUTINE),
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
    ("verdicts", "help_tier"),
    [
        ([EATING], True),
        ([HELP], True),
        ([HISTORY, INJECTION], True),  # support shows even when another row leads
        ([OTHER_LANGUAGE, HELP], True),
        ([LLM_HELP], True),
        ([THIRD_PARTY], False),  # someone else's risk has its own reply
        ([CRISIS], False),  # the crisis banner says more
        ([HELP, EMERGENCY], False),
        ([INJECTION], False),
        ([ALLOW], False),
    ],
)
def test_a_self_harm_signal_below_crisis_shows_help(verdicts, help_tier) -> None:
    assert policy.decide(verdicts).help_tier is help_tier


@pytest.mark.parametrize(
    ("verdicts", "order"),
    [
        # The lead's template first: a passive wish answers before the injection refusal.
        ([INJECTION, EATING], [EATING, INJECTION]),
        # A help-tier flag with no template of its own falls to the refusal.
        ([HISTORY, INJECTION], [HISTORY, INJECTION]),
        ([SCOPE, OTHER_LANGUAGE, INJECTION], [OTHER_LANGUAGE, INJECTION, SCOPE]),
    ],
)
def test_templates_are_tried_lead_first(verdicts, order) -> None:
    assert list(policy.decide(verdicts).reply_order) == order


@pytest.mark.parametrize(
    ("verdict", "self_harm_crisis", "medical_emergency", "escalation"),
    [
        (CRISIS, True, False, True),
        (EMERGENCY, False, True, True),
        (EATING, False, False, False),
        (EMERGENCY_FLAG, False, False, False),
        (LLM_CRISIS, True, False, True),
        (LLM_EMERGENCY, False, True, True),
        (LLM_HELP, False, False, False),
        # Any rail's ESCALATE is an escalation; only these two rails' are urgent.
        (v("injection", "escalate", "prompt_injection"), False, False, True),
    ],
)
def test_the_safety_words_mean_one_thing_each(verdict, self_harm_crisis, medical_emergency, escalation) -> None:
    assert policy.is_self_harm_crisis(verdict) is self_harm_crisis
    assert policy.is_medical_emergency(verdict) is medical_emergency
    assert policy.is_urgent(verdict) is (self_harm_crisis or medical_emergency)
    assert verdict.is_escalation is escalation


# ``guardrails.fairness.outcome`` names the decision without importing this policy (the
# layers forbid it); these rows hold the two together.
_MIXES = [
    [], [ALLOW], [CRISIS], [EMERGENCY], [CRISIS, EMERGENCY], [RAIL_ERROR], [RAIL_ERROR, CRISIS],
    [INJECTION, RAIL_ERROR], [EATING], [HELP], [HISTORY], [THIRD_PARTY], [INJECTION], [SCOPE],
    [EMERGENCY_FLAG], [OTHER_LANGUAGE], [OTHER_LANGUAGE, HELP], [OTHER_LANGUAGE, EMERGENCY],
    [EATING, INJECTION], [HISTORY, INJECTION], [THIRD_PARTY, INJECTION], [INJECTION_FLAG],
    [HELP, EMERGENCY_FLAG], [LLM_CRISIS], [LLM_EMERGENCY], [LLM_HELP], [LLM_UNAVAILABLE],
    [LLM_UNAVAILABLE, SCOPE], [SCOPE, INJECTION], [v("phi_leak", "block", "phi")],
]  # fmt: skip


@pytest.mark.parametrize("verdicts", _MIXES)
def test_the_fairness_outcome_agrees_with_the_policy(verdicts) -> None:
    decision, name = policy.decide(verdicts), outcome(verdicts)
    assert (name == "allow") is (decision.route is Route.ANSWER)
    assert (name == "error") is (decision.route is Route.FAIL)
    assert (name in ("crisis", "emergency")) is (decision.route is Route.URGENT)
    if name == "crisis":
        assert decision.self_harm_crisis and decision.emergency is None
    if name == "emergency":
        assert decision.emergency is not None
    if name == "help":
        assert decision.help_tier and decision.kind is not None
    if name == "language":
        assert decision.kind is Kind.LANGUAGE
    if name == "urgent_care":
        assert decision.kind is Kind.EMERGENCY and decision.priority is Priority.HIGH
    if name == "refuse":
        assert any(a.action is Action.BLOCK for a in decision.acting) and not decision.help_tier
    if name == "third_party":
        assert decision.kind is Kind.THIRD_PARTY
