"""The patient's inbox socket passes on templates and care-team replies, nothing else."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from chatbot.events import event_send, silenced
from chatbot.inbox import services as inbox_services
from chatbot.protocol import CareTeamReplyEvent, DeltaEvent
from config.asgi import application

pytestmark = [pytest.mark.django_db(transaction=True)]


async def _connect(user, thread_id: int) -> WebsocketCommunicator:
    from rest_framework.authtoken.models import Token

    token, _ = await Token.objects.aget_or_create(user=user)
    headers = [(b"authorization", f"Token {token.key}".encode())]
    communicator = WebsocketCommunicator(application, f"/ws/inbox/?thread={thread_id}", headers=headers)
    connected, _ = await communicator.connect(timeout=10)
    assert connected
    return communicator


async def test_a_care_team_reply_arrives_and_a_silenced_draft_never_does(patient) -> None:
    thread, _ = await sync_to_async(inbox_services.thread_start)(patient=patient, topic="other", text="hello")
    communicator = await _connect(patient, thread.pk)
    with silenced():
        await event_send(conversation_id=thread.conversation_id, event=DeltaEvent(type="delta", message_id=1, text="draft"))
    await event_send(conversation_id=thread.conversation_id, event=DeltaEvent(type="delta", message_id=1, text="other"))
    reply = CareTeamReplyEvent(type="care_team_reply", thread_id=thread.pk, message_id=2, text="Hi from the clinic")
    await event_send(conversation_id=thread.conversation_id, event=reply)
    assert await communicator.receive_json_from(timeout=2) == dict(reply)
    assert await communicator.receive_nothing(timeout=0.2)
    await communicator.disconnect()


async def test_another_patients_thread_is_refused(patient) -> None:
    from tests.factories import PatientFactory

    other = await sync_to_async(PatientFactory.create)()
    thread, _ = await sync_to_async(inbox_services.thread_start)(patient=other, topic="other", text="theirs")
    communicator = await _connect(patient, thread.pk)
    assert (await communicator.receive_json_from(timeout=10))["code"] == "not_found"
    await communicator.disconnect()
