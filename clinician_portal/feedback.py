"""Rail feedback: what clinicians decided about the rails' escalations, as labels a
clinic can measure and retrain its rails on.

One row per rail that acted on a resolved escalation's message: ``{text, rail,
verdict, outcome}``. ``text`` is the de-identified message; a row whose text the
PHI-leak rail still flags is left out (counted, never printed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chatbot import selectors
from guardrails.base import Action, RailContext, Verdict
from guardrails.phi_leak import SURROGATE, PhiLeakRail

Check = Callable[[str, RailContext], Verdict]


@dataclass
class Export:
    rows: list[dict[str, Any]]
    withheld: int  # rows whose text the PHI-leak rail flagged


def rail_feedback(*, since: datetime, check: Check | None = None) -> Export:
    """The feedback rows for escalations resolved since ``since``, oldest first."""
    check = check or PhiLeakRail().check
    rows: list[dict[str, Any]] = []
    withheld = 0
    for escalation in selectors.escalations_resolved_since(since=since):
        message = escalation.message
        if message is None or not message.text_deid:
            continue
        text = message.text_deid
        acted = list(_acting(escalation.verdicts))
        if not acted:
            continue
        # Our own placeholders ([NAME_1]) are the de-identification, not a leak.
        context = RailContext(surrogates=frozenset(m.group(0) for m in SURROGATE.finditer(text)))
        if check(text, context).action is not Action.ALLOW:
            withheld += len(acted)
            continue
        for rail, verdict in acted:
            outcome = escalation.outcome
            if (
                outcome == "false_alarm"
                and escalation.false_alarm_rail
                and escalation.false_alarm_rail != rail
            ):
                outcome = "false_alarm_other_rail"
            rows.append({"text": text, "rail": rail, "verdict": verdict, "outcome": outcome})
    return Export(rows, withheld)


def _acting(verdicts: list[Any]) -> Iterator[tuple[str, str]]:
    seen = set()
    for v in verdicts:
        if not isinstance(v, dict) or v.get("action") in (None, "allow"):
            continue
        key = (str(v.get("rail")), str(v.get("action")))
        if key not in seen:
            seen.add(key)
            yield key
