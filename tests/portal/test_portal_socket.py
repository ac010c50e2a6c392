"""The staff socket /ws/portal/: staff only, and every open page hears of new
escalations and state changes as they happen."""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from chatbot import services
from chatbot.models import Escalation
from config.asgi import application
from tests import sockets
from tests.factories import MessageFactory, PatientFactory, UserFactory, signed_in

pytestmark = pytest.mark.django_db(transaction=True)


async def _portal(user: Any = None) -> WebsocketCommunicator:
    headers = []
    if user is not None:
        client = await sync_to_async(signed_in)(user)
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    communicator = WebsocketCommunicator(application, "/ws/portal/", headers=headers)
    connected, _ = await communicator.connect(timeout=10)
    assert connected
    return communicator


@pytest.mark.parametrize(("who", "close_code"), [(None, 4401), ("patient", 4403)])
async def test_only_staff_may_connect(who, close_code) -> None:
    user = await sync_to_async(PatientFactory)() if who == "patient" else None
    communicator = await _portal(user)
    assert json.loads(await communicator.receive_from(timeout=10))["type"] == "error"
    assert await sockets.close_code(communicator) == close_code


async def test_every_open_page_gets_new_escalations_and_claims_live() -> None:
    first = await sync_to_async(UserFactory)(username="dr_one", roles=["clinician"])
    second = await sync_to_async(UserFactory)(username="officer", roles=["safety_officer"])
    pages = [await _portal(first), await _portal(second)]
    message = await sync_to_async(MessageFactory)(text="Jane Roe: I want to die")
    escalation = await sync_to_async(services.escalation_create)(
        message_id=message.pk,
        kind=Escalation.Kind.CRISIS,
        reason="active_ideation",
        priority=Escalation.Priority.URGENT,
    )
    for page in pages:
        event = json.loads(await page.receive_from(timeout=5))
        assert event["type"] == "escalation" and event["change"] == "created"
        assert (
            event["escalation_id"] == escalation.pk
            and event["priority"] == "urgent"
            and event["kind"] == "crisis"
        )
        assert "Jane" not in json.dumps(event) and "die" not in json.dumps(event)

    await sync_to_async(services.escalation_claim)(escalation=escalation, by=first)
    for page in pages:
        event = json.loads(await page.receive_from(timeout=5))
        assert event["change"] == "claimed" and event["by"] == "dr_one" and event["status"] == "in_progress"
    for page in pages:
        await page.disconnect()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("{oops", "invalid_json"),
        ('{"type": "shout", "conversation_id": 1}', "unknown_type"),
        ('{"type": "join", "conversation_id": "1"}', "invalid_conversation"),
        ('{"type": "join", "conversation_id": 999999}', "not_found"),
        ('{"type": "leave", "conversation_id": 1, "then": "sideways"}', "invalid_frame"),
        ('{"type": "staff_message", "conversation_id": 1, "text": ""}', "empty_text"),
    ],
)
async def test_a_bad_frame_gets_a_clear_error_and_the_socket_stays_open(frame, code) -> None:
    page = await _portal(await sync_to_async(UserFactory)(roles=["clinician"]))
    await page.send_to(text_data=frame)
    event = json.loads(await page.receive_from(timeout=5))
    assert event == {"type": "error", "code": code, "detail": event["detail"]}
    await page.send_to(text_data="{oops")
    assert json.loads(await page.receive_from(timeout=5))["code"] == "invalid_json"
    await page.disconnect()
