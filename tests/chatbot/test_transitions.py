"""State changes: each one locks its row, refuses an illegal move with a typed error
and writes nothing then, and makes all its writes in one transaction."""

from __future__ import annotations

import pytest

from chatbot import services
from chatbot.models import Conversation, Escalation, Message
from chatbot.services import IllegalTransition
from guardrails.base import RiskLevel, RiskState
from tests.factories import MessageFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def escalation() -> Escalation:
    message = MessageFactory()
    return services.escalation_create(message_id=message.pk, kind=Escalation.Kind.CRISIS, reason="suicide")


@pytest.fixture
def clinicians():
    return UserFactory(roles=["clinician"]), UserFactory(roles=["clinician"])


def test_it_acknowledges_an_open_escalation(escalation, clinicians) -> None:
    first, _ = clinicians
    done = services.escalation_acknowledge(escalation=escalation, by=first)
    escalation.refresh_from_db()
    assert done.status == escalation.status == Escalation.Status.ACKNOWLEDGED
    assert escalation.acknowledged_by == first and escalation.acknowledged_at is not None


@pytest.mark.parametrize("status", [Escalation.Status.ACKNOWLEDGED, Escalation.Status.RESOLVED])
def test_it_refuses_to_acknowledge_unless_open(escalation, clinicians, status) -> None:
    first, second = clinicians
    Escalation.objects.filter(pk=escalation.pk).update(status=status, acknowledged_by=first)
    with pytest.raises(IllegalTransition, match=f"already {status}"):
        services.escalation_acknowledge(escalation=escalation, by=second)
    escalation.refresh_from_db()
    assert escalation.status == status and escalation.acknowledged_by == first


def test_resolving_an_open_escalation_acknowledges_it_too(escalation, clinicians) -> None:
    first, _ = clinicians
    services.escalation_resolve(escalation=escalation, by=first, outcome="contacted_patient", note="called the patient")
    escalation.refresh_from_db()
    assert escalation.status == Escalation.Status.RESOLVED and escalation.note == "called the patient"
    assert escalation.resolved_by == escalation.acknowledged_by == first


def test_it_refuses_to_resolve_twice_and_keeps_who_resolved_it(escalation, clinicians) -> None:
    first, second = clinicians
    services.escalation_resolve(escalation=escalation, by=first, outcome="contacted_patient", note="first")
    # A stale copy (loaded before the first resolve) must not get through either.
    with pytest.raises(IllegalTransition, match="already resolved"):
        services.escalation_resolve(escalation=escalation, by=second, outcome="contacted_patient", note="second")
    escalation.refresh_from_db()
    assert escalation.resolved_by == first and escalation.note == "first"


def _risky(level: int = 3, categories: tuple[str, ...] = ("suicide",)) -> Conversation:
    conversation: Conversation = MessageFactory().conversation  # type: ignore[assignment]
    services.conversation_risk_raise(conversation_id=conversation.pk, level=level, categories=categories)
    conversation.refresh_from_db()
    return conversation


@pytest.mark.parametrize(
    "seen",
    [None, RiskState(RiskLevel.METHOD, frozenset({"suicide"})),
     RiskState(RiskLevel.BEHAVIOR, frozenset({"suicide", "self_injury"}))],
)
def test_a_clinician_clears_the_risk_they_saw(clinicians, seen) -> None:
    conversation = _risky()
    cleared = services.conversation_risk_clear(conversation=conversation, by=clinicians[0], seen=seen)
    conversation.refresh_from_db()
    assert not cleared.risk_state.is_open and not conversation.risk_state.is_open
    assert conversation.risk_cleared_by == clinicians[0]


@pytest.mark.parametrize(
    ("level", "categories"),
    [(4, ["suicide"]), (3, ["suicide", "possible_preparation"])],
)
def test_risk_raised_after_the_page_loaded_is_not_cleared(clinicians, level, categories) -> None:
    conversation = _risky()
    seen = conversation.risk_state  # what the clinician's page showed
    services.conversation_risk_raise(conversation_id=conversation.pk, level=level, categories=categories)
    with pytest.raises(IllegalTransition, match="rose after you opened the page"):
        services.conversation_risk_clear(conversation=conversation, by=clinicians[0], seen=seen)
    conversation.refresh_from_db()
    assert conversation.risk_level == level and conversation.risk_cleared_by is None


def test_it_refuses_to_clear_when_no_risk_is_open(clinicians) -> None:
    conversation: Conversation = MessageFactory().conversation  # type: ignore[assignment]
    with pytest.raises(IllegalTransition, match="no open risk"):
        services.conversation_risk_clear(conversation=conversation, by=clinicians[0])
    conversation.refresh_from_db()
    assert conversation.risk_cleared_by is None


@pytest.mark.parametrize("status", [Message.Status.RECEIVED, Message.Status.PROCESSING, Message.Status.ANSWERED])
def test_failing_a_message_marks_it_and_tells_a_person(status) -> None:
    message = MessageFactory(status=status)
    escalation = services.message_fail(message_id=message.pk, reason="rail_error")
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED and message.needs_review
    assert (escalation.kind, escalation.reason, escalation.message_id) == (
        Escalation.Kind.PROCESSING_ERROR, "rail_error", message.pk)


@pytest.mark.parametrize(
    ("role", "status"),
    [(Message.Role.PATIENT, Message.Status.FAILED), (Message.Role.ASSISTANT, Message.Status.DELIVERED)],
)
def test_it_refuses_to_fail_a_failed_or_assistant_message(role, status) -> None:
    message = MessageFactory(role=role, status=status)
    with pytest.raises(IllegalTransition):
        services.message_fail(message_id=message.pk, reason="processing_stalled")
    assert not Escalation.objects.exists()


def test_failing_a_message_is_one_transaction(monkeypatch: pytest.MonkeyPatch) -> None:
    message = MessageFactory(status=Message.Status.PROCESSING)

    def broken(**kwargs: object) -> Escalation:
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "escalation_create", broken)
    with pytest.raises(RuntimeError):
        services.message_fail(message_id=message.pk, reason="rail_error")
    message.refresh_from_db()
    assert message.status == Message.Status.PROCESSING  # not failed with nobody told
