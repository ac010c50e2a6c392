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


@pytest.mark.parametrize("status", [Message.Status.RECEIVED, Message.Status.ANSWERED, Message.Status.FAILED])
def test_a_message_not_in_processing_is_left_alone(sent, status) -> None:
    message: Any = MessageFactory.create(status=status)
    async_to_sync(pipeline.handle_interrupted_message)(message.pk, reason="worker_lost")
    message.refresh_from_db()
    assert message.status == status and not Escalation.objects.exists() and not sent


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
