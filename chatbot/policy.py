"""What a message's verdicts mean for the turn. Pure: no I/O, no clock, table-tested.

Each acting verdict (any action but ALLOW) is matched against ``RULES``, first row
wins. A row says where the turn goes (its ``Route``), which escalation a person gets,
and at what priority. Then the routes are ranked: an urgent verdict (a self-harm
crisis or a medical emergency) outranks a rail error, which outranks a flag. A new
outcome is a new ``Route`` member and its rows (the help tier needed none: it is a FLAG
row at HIGH priority); a new priority is a new ``Escalation.Priority`` member used by a row.

The words used here are defined once, in README's safety glossary:

* ``is_self_harm_crisis``: the self-harm rail escalated (suicide risk at or above
  active ideation, or a self-injury happening now);
* ``is_medical_emergency``: the emergency rail escalated;
* ``is_urgent``: either of the two. ``Verdict.is_escalation`` is any rail's ESCALATE;
* ``is_help_tier``: a self-harm signal below the crisis threshold (the self-harm rail
  flagged, for anyone but a third party): gentle support with the crisis lines, and a
  HIGH-priority review in the mental-health queue. A patient showing risk is never left
  with nothing.

The model-based second opinion (``guardrails.llm_safety``, rail ``safety_llm``) speaks
for the rail its category names: its ``self_harm`` escalation is a self-harm crisis.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from chatbot.models import Escalation
from guardrails.base import Action, Verdict

SECOND_OPINION = "safety_llm"


def speaks_for(verdict: Verdict, rail: str) -> bool:
    """``verdict`` is rail ``rail``'s, or the second opinion's on that rail's category."""
    return verdict.rail == rail or (verdict.rail == SECOND_OPINION and verdict.category == rail)


def is_self_harm_crisis(verdict: Verdict) -> bool:
    """The self-harm rail escalated: suicide risk from a passive wish to be dead up, or a
    self-injury happening now. Crisis resources show at once."""
    return speaks_for(verdict, "self_harm") and verdict.is_escalation


def is_medical_emergency(verdict: Verdict) -> bool:
    """The emergency rail escalated: the patient describes a medical emergency now."""
    return speaks_for(verdict, "emergency") and verdict.is_escalation


def is_help_tier(verdict: Verdict) -> bool:
    """A self-harm signal below the crisis threshold, about the patient (a concern for
    someone else has its own row): support and crisis lines shown, a HIGH review."""
    return (
        speaks_for(verdict, "self_harm")
        and verdict.action is Action.FLAG
        and verdict.category not in ("third_party", "rail_error")
    )


def is_urgent(verdict: Verdict) -> bool:
    """A self-harm crisis or a medical emergency: templates at once, no model, a person now."""
    return is_self_harm_crisis(verdict) or is_medical_emergency(verdict)


def is_emergency_flag(verdict: Verdict) -> bool:
    """A symptom below the 911 threshold: urgent-care advice, reviewed today."""
    return speaks_for(verdict, "emergency") and verdict.action is Action.FLAG


def is_second_opinion_unavailable(verdict: Verdict) -> bool:
    """The model-based second opinion could not answer (timeout, error, bad reply)."""
    return verdict.rail == SECOND_OPINION and verdict.category == "unavailable"


class Route(StrEnum):
    """Where the turn goes after the input rails, in order of precedence (last wins)."""

    ANSWER = "answer"  # nothing acted: answer from the knowledge base
    FLAG = "flag"  # a person looks; a template answers when one exists, else the answer goes on
    # (the help tier is a FLAG: support shows first, then a template or the answer)
    FAIL = "fail"  # a rail could not check the message: fail closed
    URGENT = "urgent"  # crisis or emergency templates at once, an urgent escalation, no model

    @property
    def precedence(self) -> int:
        return list(Route).index(self)


@dataclass(frozen=True)
class Rule:
    """One row: verdicts that ``matches`` take ``route`` and open a ``kind`` escalation."""

    name: str
    matches: Callable[[Verdict], bool]
    route: Route
    kind: Escalation.Kind
    priority: Escalation.Priority


URGENT, HIGH, ROUTINE = Escalation.Priority.URGENT, Escalation.Priority.HIGH, Escalation.Priority.ROUTINE
Kind = Escalation.Kind

# First matching row wins. Among urgent rows the order also says which verdict leads
# the escalation: an emergency before a self-harm crisis.
RULES: tuple[Rule, ...] = (
    Rule("medical emergency", is_medical_emergency, Route.URGENT, Kind.EMERGENCY, URGENT),
    Rule("self-harm crisis", is_self_harm_crisis, Route.URGENT, Kind.CRISIS, URGENT),
    Rule("rail error", lambda v: v.category == "rail_error", Route.FAIL, Kind.PROCESSING_ERROR, ROUTINE),
    # The rails cannot read the message: a person must, today (it may be an emergency).
    Rule("unreadable language", lambda v: v.rail == "language", Route.FLAG, Kind.LANGUAGE, HIGH),
    Rule("concern for someone else", lambda v: v.category == "third_party", Route.FLAG, Kind.THIRD_PARTY, ROUTINE),
    # Self-harm content, history, a weak classifier signal: support now, the mental-health queue.
    Rule("self-harm help tier", is_help_tier, Route.FLAG, Kind.CRISIS, HIGH),
    # Below the 911 threshold but not routine: urgent-care advice, reviewed today.
    Rule("emergency flag: urgent care", is_emergency_flag, Route.FLAG, Kind.EMERGENCY, HIGH),
    # The second opinion could not answer: the local verdicts stand, a person is told.
    Rule("second opinion unavailable", is_second_opinion_unavailable, Route.FLAG, Kind.PROCESSING_ERROR, ROUTINE),
    Rule("injection: refusal", lambda v: speaks_for(v, "injection"), Route.FLAG, Kind.INJECTION, ROUTINE),
    Rule("out of scope: redirect", lambda v: v.rail == "scope", Route.FLAG, Kind.SCOPE, ROUTINE),
    Rule("any other rail", lambda v: True, Route.FLAG, Kind.SCOPE, ROUTINE),
)


def rule_for(verdict: Verdict) -> Rule:
    """The first row of ``RULES`` that ``verdict`` matches (the last row matches all)."""
    return next(rule for rule in RULES if rule.matches(verdict))


@dataclass(frozen=True)
class Decision:
    """What the turn does. ``lead`` is the verdict that decided (its category is the
    escalation's reason); ``urgent`` holds every crisis and emergency verdict, each of
    which gets its template; ``acting`` is every verdict that is not ALLOW."""

    route: Route
    lead: Verdict | None = None
    kind: Escalation.Kind | None = None
    priority: Escalation.Priority = ROUTINE
    urgent: tuple[Verdict, ...] = ()
    acting: tuple[Verdict, ...] = ()

    @property
    def reason(self) -> str:
        return self.lead.category if self.lead is not None else ""

    @property
    def emergency(self) -> Verdict | None:
        """The first medical-emergency verdict, whose condition the patient is told."""
        return next((v for v in self.urgent if is_medical_emergency(v)), None)

    @property
    def self_harm_crisis(self) -> bool:
        return any(is_self_harm_crisis(v) for v in self.urgent)

    @property
    def help_tier(self) -> bool:
        """A help-tier verdict acted and nothing urgent did: show gentle support now."""
        return not self.urgent and any(is_help_tier(v) for v in self.acting)

    @property
    def reply_order(self) -> tuple[Verdict, ...]:
        """The acting verdicts in the order their templates are tried (the first that has
        one answers): the lead first, then by priority, severity and score."""
        return tuple(sorted(self.acting, key=lambda v: (v is not self.lead, *_rank(v))))


def decide(verdicts: Sequence[Verdict]) -> Decision:
    """Return the Decision for one message's verdicts (input rails, or the local rails
    when an earlier step failed). Never raises for well-formed verdicts."""
    acting = tuple(v for v in verdicts if v.action is not Action.ALLOW)
    if not acting:
        return Decision(Route.ANSWER)
    ruled = [(v, rule_for(v)) for v in acting]
    route = max((rule.route for _, rule in ruled), key=lambda r: r.precedence)
    candidates = [(v, rule) for v, rule in ruled if rule.route is route]
    if route is Route.URGENT:
        # Row order leads (an emergency first), then the order the rails ran in.
        lead, rule = min(candidates, key=lambda c: RULES.index(c[1]))
    else:
        # The highest priority (a help-tier risk before an injection), then the most
        # severe verdict, then the most confident.
        lead, rule = min(candidates, key=lambda c: _rank(c[0]))
    urgent = tuple(v for v in acting if is_urgent(v))
    return Decision(route, lead, rule.kind, rule.priority, urgent, acting)


def _rank(verdict: Verdict) -> tuple[int, int, float]:
    """Sort key, first is most important: priority, severity, score (all descending)."""
    return (-rule_for(verdict).priority, -verdict.action.severity, -verdict.score)
