"""The safety officer's figures for the last 7, 30 or 90 days (computed, not stored)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import median

from django.utils import timezone

from chatbot import selectors
from chatbot.models import Escalation
from clinician_portal import charts

PERIODS = (7, 30, 90)


@dataclass
class Report:
    days: int
    total: int = 0
    breaches: int = 0
    median_ack_min: float | None = None
    median_resolve_min: float | None = None
    false_alarm_rate: dict[str, float] = field(
        default_factory=dict
    )  # rail -> share of its resolved escalations
    per_day_svg: str = ""
    breaches_svg: str = ""
    false_alarm_svg: str = ""


def build(*, days: int, now: datetime) -> Report:
    since = now - timedelta(days=days)
    rows = list(selectors.escalations_since(since=since))
    report = Report(days=days, total=len(rows))
    day_labels = [(timezone.localtime(now).date() - timedelta(days=d)) for d in range(days - 1, -1, -1)]
    per_kind: dict[str, Counter[date]] = defaultdict(Counter)
    breaches: Counter[date] = Counter()
    for e in rows:
        day = timezone.localtime(e.created_at).date()
        per_kind[e.get_kind_display()][day] += 1
        if e.breached_at is not None:
            breaches[day] += 1
    report.breaches = sum(breaches.values())
    labels = [d.isoformat() for d in day_labels]
    report.per_day_svg = charts.stacked_bars(
        f"Escalations per day by kind, last {days} days",
        labels,
        {kind: [counts[d] for d in day_labels] for kind, counts in sorted(per_kind.items())},
    )
    report.breaches_svg = charts.stacked_bars(
        f"SLA breaches per day, last {days} days", labels, {"breached": [breaches[d] for d in day_labels]}
    )
    ack = [(e.acknowledged_at - e.created_at).total_seconds() / 60 for e in rows if e.acknowledged_at]
    done = [(e.resolved_at - e.created_at).total_seconds() / 60 for e in rows if e.resolved_at]
    report.median_ack_min = round(median(ack), 1) if ack else None
    report.median_resolve_min = round(median(done), 1) if done else None
    report.false_alarm_rate = false_alarm_rates([e for e in rows if e.status == Escalation.Status.RESOLVED])
    report.false_alarm_svg = charts.bars(
        f"False-alarm rate per rail (resolved escalations), last {days} days",
        {rail: round(100 * rate, 1) for rail, rate in report.false_alarm_rate.items()},
        unit="%",
    )
    return report


def false_alarm_rates(resolved: list[Escalation]) -> dict[str, float]:
    """Per rail: of the resolved escalations a rail acted on, the share a clinician
    resolved as a false alarm naming that rail."""
    acted: Counter[str] = Counter()
    false: Counter[str] = Counter()
    for e in resolved:
        rails = {str(v.get("rail")) for v in e.verdicts if isinstance(v, dict) and v.get("action") != "allow"}
        if e.false_alarm_rail:
            rails.add(e.false_alarm_rail)
            false[e.false_alarm_rail] += 1
        acted.update(rails)
    return {rail: false[rail] / n for rail, n in sorted(acted.items()) if n}
