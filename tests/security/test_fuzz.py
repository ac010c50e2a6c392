"""Fuzzing the two ways text comes in: websocket frames and REST bodies (Hypothesis).

Random JSON, deep nesting, huge numbers, lone surrogates, control characters, binary
frames, wrong types. The consumer must answer every frame with a protocol event and
never raise; the API must never answer 500; and every message that was accepted must
end answered or failed honestly (with a person told).

Counts: ``FUZZ_WS_FRAMES`` (default 9,000) frames and ``FUZZ_REST_BODIES`` (default
1,000) bodies, 10,000 inputs in all; raise them for a longer local run.
"""

from __future__ import annotations

import json
import os
from typing import Any
from unittest import mock

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token

from chatbot.models import Escalation, Message
from chatbot.pipeline import handle_patient_message
from config.asgi import application
from tests.factories import ConversationFactory

WS_FRAMES = int(os.environ.get("FUZZ_WS_FRAMES", "9000"))
REST_BODIES = int(os.environ.get("FUZZ_REST_BODIES", "1000"))
FRAMES_PER_SOCKET = 50
SOCKET_TIMEOUT = 30  # seconds: generous, so only a hang fails, never a slow machine

ERROR_CODES = {
    "invalid_json", "invalid_frame", "unknown_type", "empty_text", "text_too_long", "frame_too_large",
    "binary_not_supported", "invalid_client_id", "invalid_text", "rate_limited",
}  # fmt: skip

nasty_text = st.text(
    alphabet=st.characters(codec=None, categories=("Cc", "Cf", "Cs", "Zs", "Lu", "Ll", "Nd", "Po", "So")),
    max_size=60,
)
huge_numbers = st.integers(min_value=-(10**40), max_value=10**40) | st.floats(allow_nan=True, allow_infinity=True)
scalars = st.none() | st.booleans() | huge_numbers | nasty_text
json_values = st.recursive(
    scalars, lambda children: st.lists(children, max_size=4) | st.dictionaries(nasty_text, children, max_size=4),
    max_leaves=12,
)  # fmt: skip
message_like = st.fixed_dictionaries(
    {"type": st.sampled_from(["message", "Message", "", "ping"]) | json_values},
    optional={"text": json_values | nasty_text, "client_id": json_values | nasty_text},
)


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=True)  # lone surrogates travel as \\ud800 escapes, as on the wire


def _deep(depth: int, opener: str, closer: str) -> str:
    return opener * depth + closer * depth


text_frames = st.one_of(
    message_like.map(_dump),
    json_values.map(_dump),
    st.integers(min_value=1, max_value=40_000).map(lambda n: _deep(n, "[", "]")),
    st.integers(min_value=1, max_value=20_000).map(lambda n: '{"a":' * n + "1" + "}" * n),
    st.integers(min_value=4_000, max_value=20_000).map(lambda n: '{"type":"message","text":' + "9" * n + "}"),
    st.sampled_from(["NaN", "Infinity", "1e999999", "-0", '{"type":"message","text":"\\u0000"}']),
    nasty_text,
)
frames = st.one_of(text_frames.map(lambda t: ("text", t)), st.binary(max_size=64).map(lambda b: ("bytes", b)))


async def _exchange(patient_token: str, conversation_id: int, batch: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    headers = [(b"authorization", f"Token {patient_token}".encode())]
    communicator = WebsocketCommunicator(application, f"/ws/chat/?conversation={conversation_id}", headers=headers)
    # Channels' defaults wait one second; a loaded CI machine can take longer to open a
    # socket (it touches the database), which is not what this test is about.
    connected, _ = await communicator.connect(timeout=SOCKET_TIMEOUT)
    assert connected
    assert json.loads(await communicator.receive_from(timeout=SOCKET_TIMEOUT))["type"] == "ready"
    events = []
    try:
        for kind, payload in batch:
            if not payload:
                continue  # an empty frame is not a frame (the communicator cannot send one)
            if kind == "text":
                if not _utf8(payload):
                    continue  # a websocket text frame is UTF-8 by definition: the server never sees these
                await communicator.send_to(text_data=payload)
            else:
                await communicator.send_to(bytes_data=payload)
            events.append(json.loads(await communicator.receive_from(timeout=SOCKET_TIMEOUT)))
        assert await communicator.receive_nothing(timeout=0.05)
    finally:
        await communicator.disconnect(timeout=SOCKET_TIMEOUT)
    return events


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@pytest.mark.django_db(transaction=True)
def test_websocket_frames_never_break_the_consumer(monkeypatch, settings) -> None:
    settings.INPUT_RAILS, settings.OUTPUT_RAILS = [], []
    settings.CHAT_RATE_LIMIT = 10_000  # let accepted messages through: they are checked below
    accepted: list[int] = []
    monkeypatch.setattr("chatbot.tasks.patient_messages_enqueue", lambda *, message_ids: accepted.extend(message_ids))
    conversation = ConversationFactory()
    token = Token.objects.create(user=conversation.patient).key
    sent = {"frames": 0}

    @hsettings(
        max_examples=WS_FRAMES // FRAMES_PER_SOCKET, deadline=None, database=None, derandomize=True,
        suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    @given(st.lists(frames, min_size=FRAMES_PER_SOCKET, max_size=FRAMES_PER_SOCKET))
    def fuzz(batch: list[tuple[str, Any]]) -> None:
        events = async_to_sync(_exchange)(token, conversation.pk, batch)
        sent["frames"] += len(batch)
        for event in events:
            assert event["type"] in {"accepted", "error"}, event
            if event["type"] == "error":
                assert event["code"] in ERROR_CODES, event

    fuzz()
    assert sent["frames"] >= WS_FRAMES
    # Every accepted message is answered or failed honestly (a person told), through the real pipeline.
    for message_id in sorted(set(accepted))[:25]:
        async_to_sync(handle_patient_message)(message_id)
        message = Message.objects.get(pk=message_id)
        assert message.status in (Message.Status.ANSWERED, Message.Status.FAILED)
        if message.status == Message.Status.FAILED:
            assert Escalation.objects.filter(message=message).exists()
        else:
            assert message.replies.exists()


@pytest.mark.django_db
def test_rest_bodies_never_answer_500(settings, monkeypatch) -> None:
    from rest_framework.throttling import ScopedRateThrottle

    settings.CHAT_RATE_LIMIT = 10_000
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth_token": "100000/min"})
    conversation = ConversationFactory()
    token = Token.objects.create(user=conversation.patient).key
    client = Client(HTTP_AUTHORIZATION=f"Token {token}", raise_request_exception=True)
    url = f"/api/conversations/{conversation.pk}/messages/"
    seen = {"bodies": 0, "accepted": 0}

    bodies = st.one_of(
        text_frames.filter(_utf8).map(lambda t: t.encode()),
        st.binary(max_size=256),
    )

    @hsettings(max_examples=REST_BODIES, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(bodies, st.sampled_from([url, "/api/auth/token", "/api/conversations/"]))
    def fuzz(body: bytes, target: str) -> None:
        response = client.post(target, data=body, content_type="application/json")
        seen["bodies"] += 1
        assert response.status_code in (200, 201, 202, 400, 415), (response.status_code, response.content[:200])
        assert response.json()  # always a JSON answer
        seen["accepted"] += response.status_code == 202

    with mock.patch("chatbot.tasks.patient_message_enqueue"):
        fuzz()
    assert seen["bodies"] >= REST_BODIES
