"""The help tier and the other-language reply over the chat socket, with the real rails."""

from __future__ import annotations

import json

import pytest

from chatbot.models import Escalation
from tests.chatbot.test_consumer import _connect, _events_until, _ready, _sync_patient

pytestmark = [pytest.mark.django_db(transaction=True)]


async def test_a_help_tier_message_shows_the_lines_and_opens_a_review(scripted_model) -> None:
    model = scripted_model([])
    communicator = await _connect(await _sync_patient())
    await _ready(communicator)
    await communicator.send_to(
        text_data=json.dumps({"type": "message", "text": "i used to cut in high school, been clean 8 years", "client_id": "h1"})
    )
    events = await _events_until(communicator, "reply", wait_s=90)
    accepted = events[0]
    (help_event,) = [e for e in events if e["type"] == "crisis"]
    assert help_event["kind"] == "help" and help_event["language"] == "en"
    assert [r["contact"] for r in help_event["resources"]] == ["911", "988", "741741"]
    assert model.calls == []
    escalation = await Escalation.objects.aget(message_id=accepted["message_id"])
    assert (escalation.kind, escalation.priority) == ("crisis", Escalation.Priority.HIGH)
    await communicator.disconnect()


async def test_another_language_gets_the_bilingual_reply(scripted_model) -> None:
    scripted_model([])
    communicator = await _connect(await _sync_patient())
    await _ready(communicator)
    await communicator.send_to(text_data=json.dumps({"type": "message", "text": "Tôi bị đau ngực và khó thở"}))
    reply = (await _events_until(communicator, "reply", wait_s=90))[-1]
    assert "English and Spanish" in reply["text"] and "911" in reply["text"] and "988" in reply["text"]
    await communicator.disconnect()
