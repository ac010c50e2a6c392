"""The escalation state machine: one service per transition, every move recorded,
illegal and stale moves refused with who got there first."""

from __future__ import annotations

import pytest

from chatbot import services
from chatbot.models import Escalation, EscalationRecord
from chatbot.services import IllegalTransition, StaleEscalation

pytestmark = pytest.mark.django_db

S = Escalation.Status


def _actions(escalation: Escalation) -> list[str]:
    return list(escalation.records.values_list("action", flat=True))


def test_it_walks_open_acknowledged_in_progress_resolved_and_records_each_step(crisis, clinicians) -> None:
    first, _ = clinicians
    services.escalation_acknowledge(escalation=crisis, by=first)
    services.escalation_claim(escalation=crisis, by=first)
    services.escalation_resolve(escalation=crisis, by=first, outcome="safety_plan", note="plan agreed")
    crisis.refresh_from_db()
    assert crisis.status == S.RESOLVED and crisis.outcome == "safety_plan"
    assert crisis.acknowledged_by == crisis.claimed_by == crisis.resolved_by == first
    assert _actions(crisis) == ["created", "acknowledged", "claimed", "resolved"]
    assert crisis.version == 4
    assert crisis.records.get(action="resolved").by == first


def test_it_reopens_a_resolved_escalation_and_restarts_its_clock(crisis, clinicians) -> None:
    first, second = clinicians
    services.escalation_resolve(escalation=crisis, by=first, outcome="no_action")
    services.escalation_reopen(escalation=crisis, by=second, note="patient wrote again")
    crisis.refresh_from_db()
    assert crisis.status == S.OPEN and crisis.outcome == "" and crisis.acknowledged_by is None
    assert crisis.reopened_at is not None and crisis.page_tier == 0
    assert crisis.records.get(action="reopened").note == "patient wrote again"


@pytest.mark.parametrize(
    ("setup", "move", "message"),
    [
        ([], "reopen", "Only a resolved escalation can be reopened"),
        (["acknowledge"], "acknowledge", "already acknowledged (by dr_first)"),
        (["claim"], "acknowledge", "already in progress (claimed by dr_first)"),
        (["claim"], "claim", "already in progress (claimed by dr_first)"),
        (["resolve"], "claim", "already resolved (by dr_first)"),
        (["resolve"], "resolve", "already resolved (by dr_first)"),
    ],
)
def test_it_refuses_an_illegal_move_naming_who_got_there_first(
    crisis, clinicians, setup, move, message
) -> None:
    first, second = clinicians
    moves = {
        "acknowledge": lambda by: services.escalation_acknowledge(escalation=crisis, by=by),
        "claim": lambda by: services.escalation_claim(escalation=crisis, by=by),
        "resolve": lambda by: services.escalation_resolve(escalation=crisis, by=by, outcome="referred"),
        "reopen": lambda by: services.escalation_reopen(escalation=crisis, by=by),
    }
    for step in setup:
        moves[step](first)
    before = crisis.records.count()
    with pytest.raises(IllegalTransition, match=message.replace("(", r"\(").replace(")", r"\)")):
        moves[move](second)
    assert crisis.records.count() == before  # nothing written


def test_a_stale_page_is_refused_and_told_who_acted(crisis, clinicians) -> None:
    first, second = clinicians
    seen = crisis.version
    services.escalation_claim(escalation=crisis, by=first, expected_version=seen)
    with pytest.raises(StaleEscalation, match="dr_first is already working on this escalation"):
        services.escalation_resolve(escalation=crisis, by=second, outcome="referred", expected_version=seen)
    crisis.refresh_from_db()
    assert crisis.status == S.IN_PROGRESS and crisis.claimed_by == first


@pytest.mark.parametrize(
    ("outcome", "rail", "detail", "ok"),
    [
        ("contacted_patient", "", "", True),
        ("emergency_services", "", "", True),
        ("false_alarm", "self_harm", "a song lyric, not intent", True),
        ("false_alarm", "self_harm", "", False),
        ("false_alarm", "", "a song lyric", False),
        ("made_up", "", "", False),
    ],
)
def test_resolving_takes_an_outcome_and_a_false_alarm_names_rail_and_error(
    crisis, clinicians, outcome, rail, detail, ok
) -> None:
    first, _ = clinicians
    if not ok:
        with pytest.raises(ValueError, match=r"outcome|false alarm"):
            services.escalation_resolve(
                escalation=crisis, by=first, outcome=outcome, false_alarm_rail=rail, false_alarm_detail=detail
            )
        crisis.refresh_from_db()
        assert crisis.status == S.OPEN
        return
    services.escalation_resolve(
        escalation=crisis, by=first, outcome=outcome, false_alarm_rail=rail, false_alarm_detail=detail
    )
    crisis.refresh_from_db()
    assert (
        crisis.outcome == outcome and crisis.false_alarm_rail == rail and crisis.false_alarm_detail == detail
    )


def test_notes_and_views_are_recorded_with_who(crisis, clinicians) -> None:
    first, second = clinicians
    services.escalation_note_add(escalation=crisis, by=first, text="left a voicemail")
    services.escalation_view_record(escalation=crisis, by=second)
    note = crisis.records.get(action=EscalationRecord.Action.NOTE)
    assert note.by == first and note.note == "left a voicemail"
    assert crisis.records.get(action=EscalationRecord.Action.VIEWED).by == second
    with pytest.raises(ValueError, match="empty note"):
        services.escalation_note_add(escalation=crisis, by=first, text="   ")


def test_each_transition_tells_the_portal_after_commit(
    crisis, clinicians, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    sent: list[tuple[str, dict]] = []
    monkeypatch.setattr(
        "chatbot.events._group_send_sync", lambda group, message: sent.append((group, message))
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.escalation_claim(escalation=crisis, by=clinicians[0])
    ((group, message),) = sent
    event = message["event"]
    assert group == "portal.staff" and event["type"] == "escalation" and event["change"] == "claimed"
    assert event["status"] == "in_progress" and event["by"] == "dr_first" and event["priority"] == "urgent"
    assert "Jane" not in str(event) and "life" not in str(event)  # ids and states, never patient text
