"""The chat socket, driven through WebsocketCommunicator and the real ASGI stack."""

from __future__ import annotations

import json
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from rest_framework.authtoken.models import Token

from chatbot.models import Escalation, Message
from config.asgi import application
from tests.factories import ConversationFactory, PatientFactory, UserFactory
from tests.sockets import close_code

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_rails")]


async def _connect(user: Any = None, *, path: str = "/ws/chat/", headers: list | None = None):
    headers = list(headers or [])
    if user is not None:
        token, _ = await Token.objects.aget_or_create(user=user)
        headers.append((b"authorization", f"Token {token.key}".encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect(timeout=10)
    assert connected
    return communicator


async def _events_until(communicator: WebsocketCommunicator, kind: str, wait_s: float = 30) -> list[dict]:
    # 30 s: the first message of a run loads the de-identifier (about 8 s here, alone).
    events = []
    while True:
        event = json.loads(await communicator.receive_from(timeout=wait_s))
        events.append(event)
        if event["type"] == kind:
            return events


async def _ready(communicator: WebsocketCommunicator) -> dict:
    event = json.loads(await communicator.receive_from(timeout=10))
    assert event["type"] == "ready"
    return event


async def test_it_accepts_streams_and_replies(scripted_model) -> None:
    scripted_model(["Drink plenty of water. Rest as much as you can."])
    patient = await _sync_patient()
    communicator = await _connect(patient)
    await _ready(communicator)

    await communicator.send_to(
        text_data=json.dumps({"type": "message", "text": "I have a cold", "client_id": "c1"})
    )
    events = await _events_until(communicator, "reply")

    accepted, *deltas, reply = events
    assert accepted["type"] == "accepted" and accepted["client_id"] == "c1" and not accepted["duplicate"]
    # Held back and sent sentence by sentence, after each was checked.
    assert [e["text"] for e in deltas] == ["Drink plenty of water.", " Rest as much as you can."]
    assert reply["text"] == "Drink plenty of water. Rest as much as you can."
    stored = await Message.objects.aget(pk=accepted["message_id"])
    assert stored.status == Message.Status.ANSWERED
    assert await Message.objects.filter(reply_to=stored, role="assistant").aexists()
    await communicator.disconnect()


async def _sync_patient():
    from asgiref.sync import sync_to_async

    return await sync_to_async(PatientFactory)()


async def test_a_repeated_client_id_is_not_processed_twice(scripted_model) -> None:
    model = scripted_model(["One answer."])
    communicator = await _connect(await _sync_patient())
    await _ready(communicator)
    frame = json.dumps({"type": "message", "text": "hello", "client_id": "same"})

    await communicator.send_to(text_data=frame)
    first = await _events_until(communicator, "reply")
    await communicator.send_to(text_data=frame)
    again = json.loads(await communicator.receive_from(timeout=10))

    assert again == {**first[0], "duplicate": True}
    assert await communicator.receive_nothing(timeout=0.3)
    assert len(model.calls) == 1
    assert await Message.objects.filter(role="patient").acount() == 1
    await communicator.disconnect()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("{not json", "invalid_json"),
        ("[1, 2]", "invalid_frame"),
        ('"text"', "invalid_frame"),
        ('{"type": "subscribe"}', "unknown_type"),
        ('{"text": "no type"}', "unknown_type"),
        ('{"type": "message", "text": ""}', "empty_text"),
        ('{"type": "message", "text": "   \\n\\t "}', "empty_text"),
        ('{"type": "message", "text": 42}', "empty_text"),
        (json.dumps({"type": "message", "text": "a" * 4001}), "text_too_long"),
        (json.dumps({"type": "message", "text": "hi", "client_id": 7}), "invalid_client_id"),
        (json.dumps({"type": "message", "text": "x" * 40_000}), "frame_too_large"),
    ],
)
async def test_it_rejects_bad_frames_with_a_clear_error(frame: str, code: str, scripted_model) -> None:
    model = scripted_model([])
    communicator = await _connect(await _sync_patient())
    await _ready(communicator)

    await communicator.send_to(text_data=frame)
    event = json.loads(await communicator.receive_from(timeout=10))

    assert event["type"] == "error" and event["code"] == code and event["detail"]
    assert not await Message.objects.aexists()
    assert model.calls == []
    # The socket stays open and usable after a bad frame.
    await communicator.send_to(text_data='{"type": "ping"}')
    assert json.loads(await communicator.receive_from(timeout=10))["code"] == "unknown_type"
    await communicator.disconnect()


async def test_it_rejects_binary_frames() -> None:
    communicator = await _connect(await _sync_patient())
    await _ready(communicator)
    await communicator.send_to(bytes_data=b"\x00\x01binary")
    event = json.loads(await communicator.receive_from(timeout=10))
    assert event["code"] == "binary_not_supported"
    await communicator.disconnect()


async def test_it_accepts_text_at_the_size_limit(scripted_model) -> None:
    scripted_model(["ok"])
    communicator = await _connect(await _sync_patient())
    await _ready(communicator)
    await communicator.send_to(text_data=json.dumps({"type": "message", "text": "a" * 4000}))
    assert (await _events_until(communicator, "reply"))[0]["type"] == "accepted"
    await communicator.disconnect()


async def test_it_closes_unauthenticated_sockets_with_4401() -> None:
    communicator = WebsocketCommunicator(application, "/ws/chat/")
    connected, _ = await communicator.connect(timeout=10)
    assert connected
    event = json.loads(await communicator.receive_from(timeout=10))
    assert event["code"] == "unauthenticated"
    assert await close_code(communicator) == 4401


async def test_it_closes_a_bad_token_with_4401() -> None:
    communicator = WebsocketCommunicator(
        application, "/ws/chat/", headers=[(b"authorization", b"Token nope")]
    )
    await communicator.connect(timeout=10)
    assert json.loads(await communicator.receive_from(timeout=10))["code"] == "unauthenticated"
    assert await close_code(communicator) == 4401


async def test_it_closes_non_patients_with_4403() -> None:
    from asgiref.sync import sync_to_async

    clinician = await sync_to_async(UserFactory)(roles=["clinician"])
    communicator = await _connect(clinician)
    assert json.loads(await communicator.receive_from(timeout=10))["code"] == "forbidden"
    assert await close_code(communicator) == 4403


async def test_a_patient_cannot_open_another_patients_conversation() -> None:
    from asgiref.sync import sync_to_async

    other = await sync_to_async(ConversationFactory)()
    communicator = await _connect(await _sync_patient(), path=f"/ws/chat/?conversation={other.pk}")
    assert json.loads(await communicator.receive_from(timeout=10))["code"] == "not_found"
    assert await close_code(communicator) == 4404


async def test_a_browser_origin_must_be_an_allowed_host() -> None:
    communicator = WebsocketCommunicator(
        application, "/ws/chat/", headers=[(b"origin", b"https://evil.example")]
    )
    connected, _ = await communicator.connect(timeout=10)
    assert not connected


async def test_it_rate_limits_with_a_clear_error(scripted_model, settings) -> None:
    settings.CHAT_RATE_LIMIT = 2
    scripted_model(["a", "b"])
    communicator = await _connect(await _sync_patient())
    await _ready(communicator)
    for n in range(2):
        await communicator.send_to(
            text_data=json.dumps({"type": "message", "text": f"m{n}", "client_id": f"r{n}"})
        )
        await _events_until(communicator, "reply")
    await communicator.send_to(text_data=json.dumps({"type": "message", "text": "m3", "client_id": "r3"}))
    event = json.loads(await communicator.receive_from(timeout=10))
    assert event["code"] == "rate_limited" and event["retry_after_s"] > 0
    assert await Message.objects.filter(role="patient").acount() == 2
    await communicator.disconnect()


async def test_a_model_failure_falls_back_to_the_knowledge_base_and_is_flagged(scripted_model) -> None:
    from chatbot.llm import LLMUnavailable

    scripted_model([LLMUnavailable("connection refused")])
    communicator = await _connect(await _sync_patient())
    await _ready(communicator)
    await communicator.send_to(text_data=json.dumps({"type": "message", "text": "hello", "client_id": "f1"}))
    # Generous: the fallback's first answer in a process loads the encoder and textstat's dictionary.
    events = await _events_until(communicator, "reply", wait_s=90)

    reply = events[-1]
    assert reply["mode"] == "extractive"
    assert "care team" in reply["text"]  # the vetted passage, answered without the model
    stored = await Message.objects.aget(pk=events[0]["message_id"])
    assert stored.needs_review
    assert await Escalation.objects.filter(message=stored, reason="model_unavailable").aexists()
    await communicator.disconnect()
