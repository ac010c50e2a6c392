"""Human takeover of a live chat, over the real ASGI stack: the patient's socket and
the portal's socket, both through WebsocketCommunicator."""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from chatbot import services, steps
from chatbot.models import Conversation, Escalation, Message, TakeoverRecord
from chatbot.turns import Turn
from config.asgi import application
from guardrails.base import Action, RiskLevel, RiskState, Verdict
from tests.factories import ConversationFactory, UserFactory, signed_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_rails")]


async def _socket(user: Any, path: str) -> WebsocketCommunicator:
    client = await sync_to_async(signed_in)(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    communicator = WebsocketCommunicator(application, path, headers=[(b"cookie", cookie)])
    connected, _ = await communicator.connect(timeout=10)
    assert connected
    return communicator


async def _next(communicator: WebsocketCommunicator, kind: str, wait_s: float = 10) -> dict:
    while True:
        event = json.loads(await communicator.receive_from(timeout=wait_s))
        if event["type"] == kind:
            return event


@pytest.fixture
def people(db) -> tuple[Any, Any, Conversation]:
    conversation: Any = ConversationFactory()
    clinician = UserFactory(username="dr_ayo", first_name="Ayo", last_name="Bello", roles=["clinician"])
    return conversation.patient, clinician, conversation


async def test_a_clinician_joins_talks_hands_back_and_the_assistant_stays_silent_meanwhile(
    people, scripted_model
) -> None:
    patient, clinician, conversation = people
    model = scripted_model([])  # the assistant must not be asked while a person is in the chat
    chat = await _socket(patient, f"/ws/chat/?conversation={conversation.pk}")
    assert (await _next(chat, "ready"))["conversation_id"] == conversation.pk
    portal = await _socket(clinician, "/ws/portal/")

    await portal.send_to(text_data=json.dumps({"type": "join", "conversation_id": conversation.pk}))
    joined = await _next(chat, "staff_joined")
    assert (
        joined["name"] == "Ayo Bello"
        and joined["role"] == "Clinician"
        and "Ayo Bello, clinician, has joined" in joined["text"]
    )

    await portal.send_to(
        text_data=json.dumps(
            {"type": "staff_message", "conversation_id": conversation.pk, "text": "Hi, I'm here with you."}
        )
    )
    said = await _next(chat, "staff_message")
    assert said["text"] == "Hi, I'm here with you." and said["name"] == "Ayo Bello"

    await chat.send_to(
        text_data=json.dumps({"type": "message", "text": "thank you, I feel awful", "client_id": "p1"})
    )
    accepted = await _next(chat, "accepted")
    relayed = await _next(portal, "patient_message", wait_s=120)  # the first message loads the de-identifier
    assert relayed["text"] == "thank you, I feel awful" and relayed["message_id"] == accepted["message_id"]
    assert await chat.receive_nothing(timeout=0.5)  # no reply, no delta from the assistant
    assert model.calls == []
    stored = await Message.objects.aget(pk=accepted["message_id"])
    assert stored.status == Message.Status.WITH_STAFF and stored.text_deid  # still de-identified and stored
    staff_message = await Message.objects.aget(role=Message.Role.STAFF)
    assert staff_message.author_id == clinician.pk and staff_message.status == Message.Status.DELIVERED

    await portal.send_to(
        text_data=json.dumps({"type": "leave", "conversation_id": conversation.pk, "then": "assistant"})
    )
    left = await _next(chat, "staff_left")
    assert left["then"] == "assistant" and "assistant is answering again" in left["text"]
    actions = [a async for a in TakeoverRecord.objects.order_by("at", "id").values_list("action", flat=True)]
    assert actions == ["joined", "message", "handed_back"]
    await chat.disconnect()
    await portal.disconnect()


async def test_an_offline_patient_gets_the_messages_on_reconnect(people) -> None:
    patient, clinician, conversation = people
    await sync_to_async(services.conversation_staff_join)(conversation=conversation, by=clinician)
    await sync_to_async(services.staff_message_send)(
        conversation=conversation, by=clinician, text="Please call us back."
    )
    message = await Message.objects.aget(role=Message.Role.STAFF)
    assert message.status == Message.Status.WAITING

    chat = await _socket(patient, f"/ws/chat/?conversation={conversation.pk}")
    await _next(chat, "ready")
    assert (await _next(chat, "staff_joined"))["name"] == "Ayo Bello"
    assert (await _next(chat, "staff_message"))["text"] == "Please call us back."
    await message.arefresh_from_db()
    assert message.status == Message.Status.DELIVERED
    await chat.disconnect()


async def test_ending_the_chat_tells_the_patient_it_ended(people) -> None:
    patient, clinician, conversation = people
    chat = await _socket(patient, f"/ws/chat/?conversation={conversation.pk}")
    await _next(chat, "ready")
    await sync_to_async(services.conversation_staff_join)(conversation=conversation, by=clinician)
    await sync_to_async(services.conversation_staff_leave)(
        conversation=conversation, by=clinician, then="ended"
    )
    left = await _next(chat, "staff_left")
    assert left["then"] == "ended"
    await chat.disconnect()


def test_only_the_joined_person_may_write_or_leave(people) -> None:
    _, clinician, conversation = people
    other = UserFactory(roles=["clinician"])
    with pytest.raises(services.IllegalTransition, match="Join the chat"):
        services.staff_message_send(conversation=conversation, by=clinician, text="hello")
    services.conversation_staff_join(conversation=conversation, by=clinician)
    with pytest.raises(services.IllegalTransition, match="Ayo Bello is already in this chat"):
        services.conversation_staff_join(conversation=conversation, by=other)
    with pytest.raises(services.IllegalTransition, match="not in this chat"):
        services.conversation_staff_leave(conversation=conversation, by=other, then="assistant")


async def test_a_crisis_while_a_person_is_in_the_chat_still_shows_resources_and_escalates(people) -> None:
    patient, clinician, conversation = people
    await sync_to_async(services.conversation_staff_join)(conversation=conversation, by=clinician)
    message, _ = await sync_to_async(services.patient_message_receive)(
        conversation_id=conversation.pk, text="I have pills and tonight is the night", client_id=None
    )
    await sync_to_async(services.message_start_processing)(message_id=message.pk)
    chat = await _socket(patient, f"/ws/chat/?conversation={conversation.pk}")
    await _next(chat, "ready")
    turn = Turn(message.pk, conversation.pk, "I have pills and tonight is the night", [], RiskState(), None)
    crisis = Verdict(
        rail="self_harm",
        action=Action.ESCALATE,
        category="suicide",
        score=0.95,
        risk_level=RiskLevel.INTENT_OR_PLAN,
    )

    assert await steps.hold_for_staff(turn, [crisis]) is True
    assert (await _next(chat, "crisis"))["resources"]
    escalation = await Escalation.objects.aget(message_id=message.pk)
    assert escalation.priority == Escalation.Priority.URGENT and escalation.kind == Escalation.Kind.CRISIS
    await message.arefresh_from_db()
    assert message.status == Message.Status.WITH_STAFF and message.crisis_shown_at is not None
    assert await chat.receive_nothing(timeout=0.3)  # no template reply either: the person answers
    await chat.disconnect()
