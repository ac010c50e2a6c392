"""The safety officer's dashboard and the rail-feedback export."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from chatbot import services
from chatbot.models import Escalation
from clinician_portal import dashboard, feedback
from guardrails.base import Action, Verdict
from tests.factories import MessageFactory, UserFactory, signed_in

pytestmark = pytest.mark.django_db


def _escalation(kind: str, rail: str, text_deid: str = "I feel [NAME_1] is after me") -> Escalation:
    message = MessageFactory(text="raw text with Jane Roe", text_deid=text_deid)
    return services.escalation_create(
        message_id=message.pk, kind=kind, reason="r",
        verdicts=[{"rail": rail, "action": "flag", "category": "c", "score": 0.6, "evidence": []}],
    )  # fmt: skip


@pytest.fixture
def history(clinicians) -> list[Escalation]:
    first, _ = clinicians
    rows = [_escalation("crisis", "self_harm") for _ in range(3)] + [_escalation("injection", "injection")]
    services.escalation_resolve(
        escalation=rows[0], by=first, outcome="false_alarm", false_alarm_rail="self_harm",
        false_alarm_detail="a song lyric",
    )  # fmt: skip
    services.escalation_resolve(escalation=rows[1], by=first, outcome="contacted_patient")
    services.escalation_resolve(escalation=rows[3], by=first, outcome="no_action")
    Escalation.objects.filter(pk=rows[2].pk).update(breached_at=timezone.now())
    return rows


def test_the_report_counts_medians_breaches_and_false_alarm_rates(history) -> None:
    report = dashboard.build(days=7, now=timezone.now() + timedelta(seconds=1))
    assert report.total == 4 and report.breaches == 1
    assert report.false_alarm_rate == {"injection": 0.0, "self_harm": 0.5}
    assert report.median_ack_min is not None and report.median_resolve_min is not None
    assert report.per_day_svg.startswith("<svg") and "<title>" in report.per_day_svg
    assert "Crisis" in report.per_day_svg and "Injection" in report.per_day_svg


@pytest.mark.parametrize("days", [7, 30, 90])
def test_the_dashboard_is_for_safety_officers(history, days) -> None:
    officer = signed_in(UserFactory(roles=["safety_officer"]))
    clinician = signed_in(UserFactory(roles=["clinician"]))
    page = officer.get(f"/portal/dashboard/?days={days}")
    assert page.status_code == 200 and b"<svg" in page.content and b"50%" in page.content
    assert b"Jane" not in page.content
    assert clinician.get(f"/portal/dashboard/?days={days}").status_code == 302  # to sign-in


def test_the_export_writes_deidentified_labels(history, tmp_path) -> None:
    out = tmp_path / "feedback.jsonl"
    call_command(
        "export_rail_feedback",
        "--since",
        (timezone.now() - timedelta(days=1)).date().isoformat(),
        "--output",
        str(out),
    )
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert {"text", "rail", "verdict", "outcome"} == set(rows[0])
    assert sorted((r["rail"], r["outcome"]) for r in rows) == [
        ("injection", "no_action"), ("self_harm", "contacted_patient"), ("self_harm", "false_alarm"),
    ]  # fmt: skip
    assert all(r["text"] == "I feel [NAME_1] is after me" for r in rows)
    assert "Jane" not in out.read_text()


def test_a_row_the_phi_leak_rail_flags_is_withheld(history) -> None:
    def leaky(text, context):
        return Verdict(
            rail="phi_leak",
            action=Action.BLOCK if "after" in text else Action.ALLOW,
            category="phi",
            score=1.0,
        )

    export = feedback.rail_feedback(since=timezone.now() - timedelta(days=1), check=leaky)
    assert export.rows == [] and export.withheld == 3


def test_the_export_checks_its_text_with_the_phi_leak_rail_by_default(history, monkeypatch) -> None:
    seen: list[tuple[str, frozenset[str]]] = []

    def fake_check(self, text, context):
        seen.append((text, context.surrogates))
        return Verdict(rail="phi_leak", action=Action.ALLOW, category="none", score=0.0)

    monkeypatch.setattr("guardrails.phi_leak.PhiLeakRail.check", fake_check)
    feedback.rail_feedback(since=timezone.now() - timedelta(days=1))
    assert seen and all(s == frozenset({"[NAME_1]"}) for _, s in seen)


def test_a_bad_since_is_a_clear_error() -> None:
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("export_rail_feedback", "--since", "last week")
