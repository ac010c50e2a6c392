"""A turn cut off part-way (a killed worker, the database gone after the claim) ends
honestly: failed, escalated, crisis resources shown if risk was seen; never run twice."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync

from chatbot import pipeline
from chatbot.models import Escalation, Message
from tests.factories import MessageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []

    async def record(*, conversation_id: int, event: Any) -> None:
        events.append(dict(event))

    monkeypatch.setattr("chatbot.steps.event_send", record)
    return events


def test_a_message_left_in_processing_is_failed_and_escalated(sent) -> None:
    message: Any = MessageFactory.create(status=Message.Status.PROCESSING)
    async_to_sync(pipeline.handle_interrupted_message)(message.pk, reason="worker_lost")
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert Escalation.objects.filter(message=message, reason="worker_lost").count() == 1
    assert [e["type"] for e in sent] == ["error"] and sent[0]["message_id"] == message.pk


@pytest.mark.parametrize("status", [Message.Status.RECEIVED, Message.Status.WITH_STAFF])
def test_a_message_not_claimed_or_held_for_a_person_is_left_alone(sent, status) -> None:
    message: Any = MessageFactory.create(status=status)
    over = async_to_sync(pipeline.handle_interrupted_message)(message.pk, reason="worker_lost")
    message.refresh_from_db()
    assert not over  # a message never claimed is still to run
    assert message.status == status and not Escalation.objects.exists() and not sent


def test_a_message_answered_as_the_cut_came_gets_its_reply_sent_again(sent) -> None:
    """The reply committed, then the connection died before the database said so: the
    worker raised before sending the reply, so the patient would wait for good."""
    message: Any = MessageFactory.create(status=Message.Status.ANSWERED)
    reply: Any = MessageFactory.create(
        conversation=message.conversation, role=Message.Role.ASSISTANT, status=Message.Status.DELIVERED,
        reply_to=message, text="Rest and fluids [1].", mode=Message.Mode.EXTRACTIVE,
        citations=[{"number": 1, "title": "Colds", "url": "https://example.org/colds"}],
    )  # fmt: skip

    over = async_to_sync(pipeline.handle_interrupted_message)(message.pk, reason="worker_lost")

    assert over
    assert sent == [
        {
            "type": "reply", "message_id": message.pk, "reply_id": reply.pk, "text": "Rest and fluids [1].",
            "mode": "extractive", "citations": reply.citations, "actions": [],
        }
    ]  # fmt: skip
    assert Message.objects.filter(reply_to=message).count() == 1 and not Escalation.objects.exists()


def test_a_declined_question_sent_again_keeps_its_care_team_action(sent) -> None:
    from chatbot.extractive import NO_ANSWER

    message: Any = MessageFactory.create(status=Message.Status.ANSWERED)
    MessageFactory.create(
        conversation=message.conversation, role=Message.Role.ASSISTANT, reply_to=message,
        text=NO_ANSWER, text_deid=NO_ANSWER, mode=Message.Mode.TEMPLATE, actions=["send_to_care_team"],
    )  # fmt: skip
    async_to_sync(pipeline.handle_interrupted_message)(message.pk, reason="worker_lost")
    assert [a["type"] for a in sent[0]["actions"]] == ["send_to_care_team"]
    assert sent[0]["actions"][0]["message_id"] == message.pk


def test_a_failed_message_gets_its_failure_and_crisis_resources_sent_again(sent) -> None:
    from django.utils import timezone

    message: Any = MessageFactory.create(status=Message.Status.FAILED, crisis_shown_at=timezone.now())
    over = async_to_sync(pipeline.handle_interrupted_message)(message.pk, reason="worker_lost")
    assert over
    assert [e["type"] for e in sent] == ["crisis", "error"]
    assert sent[0]["kind"] == "crisis" and any(r["contact"] == "988" for r in sent[0]["resources"])
    assert sent[1]["code"] == "processing_failed" and sent[1]["message_id"] == message.pk
    assert not Escalation.objects.exists()  # the first try told a person; not told twice


def test_a_repeated_delivery_of_an_answered_message_sends_its_reply_again(sent) -> None:
    message: Any = MessageFactory.create(status=Message.Status.ANSWERED)
    MessageFactory.create(conversation=message.conversation, role=Message.Role.ASSISTANT, reply_to=message, text="Ok.")
    async_to_sync(pipeline.handle_patient_message)(message.pk)
    assert [(e["type"], e["text"]) for e in sent] == [("reply", "Ok.")]
    assert Message.objects.filter(reply_to=message).count() == 1  # nothing ran again


def test_a_repeated_delivery_of_a_message_in_processing_sends_nothing(sent) -> None:
    from django.utils import timezone

    message: Any = MessageFactory.create(status=Message.Status.PROCESSING, processing_started_at=timezone.now())
    async_to_sync(pipeline.handle_patient_message)(message.pk)
    message.refresh_from_db()
    assert message.status == Message.Status.PROCESSING and not sent  # another try has it


def test_risk_seen_before_the_cut_still_shows_crisis_resources(sent) -> None:
    from guardrails.base import Action, RiskLevel, Verdict

    crisis = Verdict(
        rail="self_harm",
        action=Action.ESCALATE,
        category="suicide",
        score=0.9,
        risk_level=RiskLevel.INTENT_OR_PLAN,
    )
    message: Any = MessageFactory.create(status=Message.Status.PROCESSING, verdicts=[crisis.to_dict()])
    async_to_sync(pipeline.handle_interrupted_message)(message.pk, reason="worker_lost")
    assert [e["type"] for e in sent] == ["crisis", "error"]
