"""Messages that arrive together are stored together (``intake``, ``patient_messages_submit``)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import OperationalError
from rest_framework.authtoken.models import Token

from chatbot import crypto, intake, ratelimit, services, tasks
from chatbot.models import Message
from config.asgi import application
from tests.factories import ConversationFactory, PatientFactory


def _sub(conversation: Any, text: str, client_id: str | None = None) -> services.Submission:
    return services.Submission(
        patient_id=conversation.patient_id, conversation_id=conversation.pk, text=text, client_id=client_id
    )


def _record_batches_and_handovers(monkeypatch: pytest.MonkeyPatch) -> tuple[list[int], list[list[int]]]:
    """The size of each stored batch, and each hand-over's ids, as they happen."""
    batches: list[int] = []
    handovers: list[list[int]] = []
    real = services.patient_messages_submit

    def counting(*, submissions: list[services.Submission]) -> Any:
        batches.append(len(submissions))
        return real(submissions=submissions)

    monkeypatch.setattr(services, "patient_messages_submit", counting)
    monkeypatch.setattr(
        tasks, "patient_messages_enqueue", lambda *, message_ids: handovers.append(list(message_ids))
    )
    return batches, handovers


@pytest.mark.django_db
def test_a_batch_is_stored_in_order_with_its_text_encrypted() -> None:
    a, b = ConversationFactory(), ConversationFactory()
    results = services.patient_messages_submit(
        submissions=[_sub(a, "one", "c1"), _sub(b, "two"), _sub(a, "three")]
    )
    messages = [r[0] for r in results if isinstance(r, tuple)]
    assert [r[1] for r in results if isinstance(r, tuple)] == [True, True, True]
    assert [crypto.decrypt(m.text_encrypted) for m in messages] == ["one", "two", "three"]
    assert all(m.pk for m in messages)
    assert Message.objects.filter(role="patient").count() == 3


@pytest.mark.django_db
def test_a_resent_client_id_is_acknowledged_not_stored_again() -> None:
    conversation = ConversationFactory()
    (first, created), *_ = services.patient_messages_submit(submissions=[_sub(conversation, "hi", "c1")])  # type: ignore[misc]
    assert created
    results = services.patient_messages_submit(
        submissions=[
            _sub(conversation, "hi", "c1"),
            _sub(conversation, "new", "c2"),
            _sub(conversation, "new", "c2"),
        ]
    )
    assert results[0] == (first, False)
    assert isinstance(results[1], tuple) and results[1][1] is True
    assert isinstance(results[2], tuple) and results[2] == (
        results[1][0],
        False,
    )  # the copy in the same batch
    assert Message.objects.filter(role="patient").count() == 2


@pytest.mark.django_db
def test_the_rate_limit_holds_inside_a_batch(settings) -> None:
    settings.CHAT_RATE_LIMIT = 2
    conversation = ConversationFactory()
    results = services.patient_messages_submit(submissions=[_sub(conversation, f"m{n}") for n in range(3)])
    assert [type(r).__name__ for r in results] == ["tuple", "tuple", "RateLimited"]
    assert Message.objects.filter(role="patient").count() == 2


@pytest.mark.django_db
def test_a_copy_of_a_refused_message_in_the_same_batch_is_refused_too(settings) -> None:
    settings.CHAT_RATE_LIMIT = 1
    conversation, other = ConversationFactory(), ConversationFactory()
    results = services.patient_messages_submit(
        submissions=[
            _sub(conversation, "first", "c1"),
            _sub(conversation, "second", "c2"),
            _sub(conversation, "second", "c2"),
            _sub(other, "someone else's first"),
        ]
    )
    assert [type(r).__name__ for r in results] == ["tuple", "RateLimited", "RateLimited", "tuple"]
    assert Message.objects.filter(role="patient").count() == 2


@pytest.mark.django_db
def test_the_counts_carry_over_between_batches_and_single_messages(settings) -> None:
    settings.CHAT_RATE_LIMIT = 3
    conversation = ConversationFactory()
    assert all(
        isinstance(r, tuple)
        for r in services.patient_messages_submit(
            submissions=[_sub(conversation, "a"), _sub(conversation, "b")]
        )
    )
    assert ratelimit.message_rate_check(user_id=conversation.patient_id).allowed
    (refused,) = services.patient_messages_submit(submissions=[_sub(conversation, "d")])
    assert isinstance(refused, services.RateLimited) and refused.retry_after_s > 0


@pytest.mark.django_db(transaction=True)
async def test_messages_arriving_together_share_transactions(monkeypatch, settings) -> None:
    settings.CHAT_RATE_LIMIT = 1000
    conversation = await sync_to_async(ConversationFactory)()
    batches, handovers = _record_batches_and_handovers(monkeypatch)
    results = await asyncio.gather(*(intake.submit(_sub(conversation, f"m{n}", f"c{n}")) for n in range(30)))
    assert len({m.pk for m, _ in results}) == 30 and all(created for _, created in results)
    assert sum(batches) == 30 and len(batches) < 30  # the first alone, the rest together
    await asyncio.sleep(0.2)
    # Handed over once no more were waiting to be stored: together, each message once,
    # in the order stored.
    assert len(handovers) <= len(batches)
    assert [pk for h in handovers for pk in h] == [m.pk for m, _ in results]


@pytest.mark.django_db(transaction=True)
async def test_a_message_whose_socket_left_while_it_was_stored_is_still_handed_over(monkeypatch) -> None:
    conversation = await sync_to_async(ConversationFactory)()
    handed: list[int] = []
    monkeypatch.setattr(tasks, "patient_messages_enqueue", lambda *, message_ids: handed.extend(message_ids))
    waiter = asyncio.ensure_future(intake.submit(_sub(conversation, "are you there", "c1")))
    await asyncio.sleep(0)
    waiter.cancel()  # the patient closed the app
    for _ in range(50):
        if handed:
            break
        await asyncio.sleep(0.05)
    stored = await Message.objects.aget(conversation_id=conversation.pk, client_id="c1")
    assert handed == [stored.pk]


@pytest.mark.django_db(transaction=True)
async def test_a_database_outage_gets_an_honest_error_and_the_socket_stays(monkeypatch) -> None:
    patient = await sync_to_async(PatientFactory)()
    token, _ = await Token.objects.aget_or_create(user=patient)
    communicator = WebsocketCommunicator(
        application, "/ws/chat/", headers=[(b"authorization", f"Token {token.key}".encode())]
    )
    assert (await communicator.connect(timeout=10))[0]
    assert json.loads(await communicator.receive_from(timeout=10))["type"] == "ready"

    def down(**_: Any) -> Any:
        raise OperationalError("connection refused to 10.0.0.5 for patient text")

    monkeypatch.setattr(services, "patient_messages_submit", down)
    await communicator.send_to(text_data=json.dumps({"type": "message", "text": "hello", "client_id": "c1"}))
    event = json.loads(await communicator.receive_from(timeout=10))
    assert event["type"] == "error" and event["code"] == "unavailable" and event["retry_after_s"] > 0
    assert "10.0.0.5" not in event["detail"]
    await communicator.send_to(text_data=json.dumps({"type": "nope"}))  # still open
    assert json.loads(await communicator.receive_from(timeout=10))["code"] == "unknown_type"
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_resend_of_a_message_never_picked_up_is_handed_over_again(monkeypatch) -> None:
    """The first 'accepted' was lost with the database connection, after the commit."""
    patient = await sync_to_async(PatientFactory)()
    conversation = await sync_to_async(ConversationFactory)(patient=patient)
    await sync_to_async(services.patient_message_receive)(
        conversation_id=conversation.pk, text="hi", client_id="c1"
    )
    enqueued: list[int] = []
    monkeypatch.setattr(tasks, "patient_messages_enqueue", lambda *, message_ids: enqueued.extend(message_ids))
    token, _ = await Token.objects.aget_or_create(user=patient)
    communicator = WebsocketCommunicator(
        application,
        f"/ws/chat/?conversation={conversation.pk}",
        headers=[(b"authorization", f"Token {token.key}".encode())],
    )
    assert (await communicator.connect(timeout=10))[0]
    assert json.loads(await communicator.receive_from(timeout=10))["type"] == "ready"
    await communicator.send_to(text_data=json.dumps({"type": "message", "text": "hi", "client_id": "c1"}))
    event = json.loads(await communicator.receive_from(timeout=10))
    assert event["type"] == "accepted" and event["duplicate"] is True
    await asyncio.sleep(0.2)
    assert enqueued == [event["message_id"]]
    await communicator.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_a_steady_stream_is_handed_over_without_waiting_for_a_pause(monkeypatch, settings) -> None:
    """Hand-overs wait for a pause in arrivals, but never longer than HANDOVER_DELAY_S:
    with no delay allowed, each stored batch is handed over as soon as it is stored."""
    settings.CHAT_RATE_LIMIT = 1000
    monkeypatch.setattr(intake, "HANDOVER_DELAY_S", 0.0)
    conversation = await sync_to_async(ConversationFactory)()
    batches, handovers = _record_batches_and_handovers(monkeypatch)
    monkeypatch.setattr(intake, "MAX_BATCH", 4)
    await asyncio.gather(*(intake.submit(_sub(conversation, f"m{n}", f"c{n}")) for n in range(10)))
    await asyncio.sleep(0.2)
    assert batches == [4, 4, 2]
    assert [len(h) for h in handovers] == batches


@pytest.mark.django_db(transaction=True)
async def test_a_failed_hand_over_is_logged_without_text(monkeypatch, caplog) -> None:
    """The broker refused: a person reading the logs sees which ids and why, never the
    patient's words; the sweep hands them over again later."""
    import logging

    conversation = await sync_to_async(ConversationFactory)()

    def refused(*, message_ids: list[int]) -> None:
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks, "patient_messages_enqueue", refused)
    caplog.set_level(logging.ERROR, logger="chatbot.intake")
    message, _ = await intake.submit(_sub(conversation, "my secret symptom", "c1"))
    for _ in range(50):
        if caplog.records:
            break
        await asyncio.sleep(0.05)
    assert [r.getMessage() for r in caplog.records] == [
        f"handing messages [{message.pk}] to the pipeline failed with ConnectionError"
    ]
    assert "secret" not in caplog.text


@pytest.mark.django_db(transaction=True)
async def test_a_lone_message_is_handed_over_at_once(monkeypatch) -> None:
    """A patient chatting is not a burst: no quiet period is waited for."""
    monkeypatch.setattr(intake, "QUIET_S", 30.0)
    conversation = await sync_to_async(ConversationFactory)()
    _, handovers = _record_batches_and_handovers(monkeypatch)
    message, _ = await intake.submit(_sub(conversation, "is my refill ready", "c1"))
    for _ in range(40):
        if handovers:
            break
        await asyncio.sleep(0.05)
    assert handovers == [[message.pk]]


@pytest.mark.django_db(transaction=True)
async def test_a_burst_is_handed_over_once_arrivals_go_quiet(monkeypatch, settings) -> None:
    """The queue emptying for a moment does not end a burst: messages arriving within
    QUIET_S join it, and the lot is handed over together once arrivals stop."""
    settings.CHAT_RATE_LIMIT = 1000
    monkeypatch.setattr(intake, "BURST", 2)
    monkeypatch.setattr(intake, "QUIET_S", 0.4)
    conversation = await sync_to_async(ConversationFactory)()
    _, handovers = _record_batches_and_handovers(monkeypatch)
    first = await asyncio.gather(*(intake.submit(_sub(conversation, f"m{n}", f"a{n}")) for n in range(5)))
    await asyncio.sleep(0.1)
    assert handovers == []  # the queue is empty, but arrivals have not gone quiet
    second = await asyncio.gather(*(intake.submit(_sub(conversation, f"n{n}", f"b{n}")) for n in range(3)))
    await asyncio.sleep(0.2)
    assert handovers == []  # the late arrivals restarted the quiet period
    for _ in range(40):
        if handovers:
            break
        await asyncio.sleep(0.05)
    assert handovers == [[m.pk for m, _ in [*first, *second]]]


@pytest.mark.django_db(transaction=True)
async def test_a_burst_waits_no_longer_than_the_handover_delay(monkeypatch, settings) -> None:
    settings.CHAT_RATE_LIMIT = 1000
    monkeypatch.setattr(intake, "BURST", 2)
    monkeypatch.setattr(intake, "QUIET_S", 30.0)
    monkeypatch.setattr(intake, "HANDOVER_DELAY_S", 0.3)
    conversation = await sync_to_async(ConversationFactory)()
    _, handovers = _record_batches_and_handovers(monkeypatch)
    stored = await asyncio.gather(*(intake.submit(_sub(conversation, f"m{n}", f"c{n}")) for n in range(5)))
    for _ in range(40):
        if handovers:
            break
        await asyncio.sleep(0.05)
    assert handovers == [[m.pk for m, _ in stored]]
