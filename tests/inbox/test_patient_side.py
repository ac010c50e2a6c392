"""The patient's pages and REST API: clear 4xx for bad input, own threads only, and
"send to my care team" from the chat."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from chatbot import crypto, selectors, services
from chatbot.inbox import services as inbox_services
from chatbot.models import Conversation, Message, Thread
from tests.factories import PatientFactory

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def enqueued(monkeypatch):
    """These tests are about the edges; the pipeline has its own tests."""
    enqueued: list[int] = []
    monkeypatch.setattr("chatbot.tasks.portal_message_enqueue", lambda *, message_id: enqueued.append(message_id))
    return enqueued


def _api(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")


def test_a_patient_starts_a_thread_over_the_api_and_sees_its_status(patient, enqueued) -> None:
    api = _api(patient)
    created = api.post("/api/threads/", {"topic": "refill", "text": "need my metformin refilled"}, content_type="application/json")
    assert created.status_code == 201
    assert created.json()["status"] == "sent" and enqueued == [created.json()["message_id"]]
    listing = api.get("/api/threads/").json()
    assert [t["id"] for t in listing] == [created.json()["id"]]
    detail = api.get(f"/api/threads/{created.json()['id']}/").json()
    assert [m["text"] for m in detail["messages"]] == ["need my metformin refilled"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"topic": "refill"}, "empty_text"),
        ({"topic": "refill", "text": "   "}, "empty_text"),
        ({"topic": "nope", "text": "hi"}, "invalid_topic"),
        ({"text": "hi"}, "invalid_topic"),
        ({"topic": "refill", "text": "x" * 5000}, "text_too_long"),
    ],
)
def test_bad_input_gets_a_clear_400(patient, body, code) -> None:
    response = _api(patient).post("/api/threads/", body, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == code


def test_another_patients_thread_is_404(patient) -> None:
    thread, _ = inbox_services.thread_start(patient=PatientFactory.create(), topic="other", text="mine")
    api = _api(patient)
    assert api.get(f"/api/threads/{thread.pk}/").status_code == 404
    assert api.post(f"/api/threads/{thread.pk}/messages/", {"text": "x"}, content_type="application/json").status_code == 404


def test_a_reply_in_a_thread_waits_again_and_resends_are_not_stored_twice(patient, enqueued) -> None:
    thread, _ = inbox_services.thread_start(patient=patient, topic="other", text="first")
    api = _api(patient)
    for _ in range(2):
        response = api.post(
            f"/api/threads/{thread.pk}/messages/", {"text": "second", "client_id": "c-1"}, content_type="application/json"
        )
        assert response.status_code == 202
    assert Message.objects.filter(conversation_id=thread.conversation_id).count() == 2
    assert len(enqueued) == 1


def test_send_to_my_care_team_from_the_chat_makes_one_thread(patient, enqueued) -> None:
    conversation = services.conversation_start(patient=patient)
    message, _ = services.patient_message_receive(conversation_id=conversation.pk, text="is my rash contagious?", client_id=None)
    api = _api(patient)
    first = api.post("/api/threads/from-chat/", {"message_id": message.pk, "topic": "symptom"}, content_type="application/json")
    again = api.post("/api/threads/from-chat/", {"message_id": message.pk}, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    thread = Thread.objects.get()
    first_message = Message.objects.get(conversation_id=thread.conversation_id)
    assert crypto.decrypt(first_message.text_encrypted) == "is my rash contagious?"
    assert enqueued == [first_message.pk]
    bad = api.post("/api/threads/from-chat/", {"message_id": "x"}, content_type="application/json")
    assert bad.status_code == 400


def test_the_chat_never_opens_a_care_team_thread(patient) -> None:
    thread, _ = inbox_services.thread_start(patient=patient, topic="other", text="portal")
    assert selectors.conversation_latest(patient=patient) is None
    with pytest.raises(Conversation.DoesNotExist):
        selectors.conversation_for_patient(patient=patient, conversation_id=thread.conversation_id)


def test_the_messages_pages(patient, enqueued) -> None:
    client = Client()
    client.force_login(patient)
    assert client.get("/messages/").status_code == 200
    response = client.post("/messages/new/", {"topic": "appointment", "text": "can i move my visit?"})
    thread = Thread.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/messages/{thread.pk}/"
    page = client.get(f"/messages/{thread.pk}/")
    assert b"can i move my visit?" in page.content and b"Sent" in page.content
    assert client.post("/messages/new/", {"topic": "bogus", "text": "x"}).status_code == 302
    assert Thread.objects.count() == 1


def test_a_staff_message_the_offline_patient_has_not_received_shows_on_the_messages_page(patient) -> None:
    from tests.factories import ConversationFactory, UserFactory, signed_in

    clinician = UserFactory(roles=["clinician"], first_name="Ayo", last_name="Bello")
    conversation: Any = ConversationFactory(patient=patient)
    services.conversation_staff_join(conversation=conversation, by=clinician)
    message = services.staff_message_send(conversation=conversation, by=clinician, text="please call us at the clinic")
    page = signed_in(patient).get("/messages/").content.decode()
    assert 'id="staff-waiting"' in page and "please call us at the clinic" in page
    assert f"/chat/{conversation.pk}/" in page

    services.staff_messages_delivered(message_ids=[message.pk])  # the patient's chat socket got it
    assert 'id="staff-waiting"' not in signed_in(patient).get("/messages/").content.decode()
    other = PatientFactory()
    assert "please call us" not in signed_in(other).get("/messages/").content.decode()
