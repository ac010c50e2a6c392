"""The REST API for mobile clients."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from chatbot.models import Message
from tests.factories import ConversationFactory, MessageFactory, PatientFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_rails")]


def _client_for(user) -> APIClient:
    client = APIClient()
    token = client.post(
        "/api/auth/token", {"username": user.username, "password": "pw-for-tests-1"}, format="json"
    )
    assert token.status_code == 200, token.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    return client


def test_a_token_is_issued_for_a_json_username_and_password() -> None:
    patient = PatientFactory()
    response = APIClient().post(
        "/api/auth/token", {"username": patient.username, "password": "pw-for-tests-1"}, format="json"
    )
    assert response.status_code == 200 and len(response.json()["token"]) == 40


def test_a_wrong_password_gets_a_clear_400() -> None:
    patient = PatientFactory()
    response = APIClient().post(
        "/api/auth/token", {"username": patient.username, "password": "no"}, format="json"
    )
    assert response.status_code == 400 and response.json()["type"] == "error"


def test_it_requires_authentication() -> None:
    response = APIClient().get("/api/conversations/")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_non_patients_are_forbidden() -> None:
    clinician = UserFactory(roles=["clinician"])
    token = APIClient().post(
        "/api/auth/token", {"username": clinician.username, "password": "pw-for-tests-1"}, format="json"
    )
    assert token.status_code == 403  # staff get no token: they sign in on the web with a second factor
    client = APIClient()
    client.force_authenticate(clinician)
    assert client.get("/api/conversations/").status_code == 403


def test_a_patient_lists_only_their_own_conversations() -> None:
    mine = ConversationFactory()
    ConversationFactory()
    response = _client_for(mine.patient).get("/api/conversations/")
    assert [c["id"] for c in response.json()] == [mine.pk]


def test_a_patient_cannot_read_another_patients_conversation() -> None:
    theirs = MessageFactory(text="my secret").conversation
    response = _client_for(PatientFactory()).get(f"/api/conversations/{theirs.pk}/")
    assert response.status_code == 404
    assert "my secret" not in response.content.decode()


def test_a_patient_cannot_post_into_another_patients_conversation() -> None:
    theirs = ConversationFactory()
    response = _client_for(PatientFactory()).post(
        f"/api/conversations/{theirs.pk}/messages/", {"text": "hi"}, format="json"
    )
    assert response.status_code == 404
    assert not Message.objects.exists()


def test_posting_a_message_stores_it_and_the_answer_can_be_polled(
    scripted_model, django_capture_on_commit_callbacks
) -> None:
    scripted_model(["Rest and fluids help."])
    conversation = ConversationFactory()
    client = _client_for(conversation.patient)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/conversations/{conversation.pk}/messages/",
            {"text": "I have a cold", "client_id": "m-1"},
            format="json",
        )
    assert response.status_code == 202 and response.json()["duplicate"] is False

    detail = client.get(f"/api/conversations/{conversation.pk}/").json()
    assert [(m["role"], m["text"]) for m in detail["messages"]] == [
        ("patient", "I have a cold"),
        ("assistant", "Rest and fluids help."),
    ]


def test_a_repeated_client_id_is_not_stored_twice(scripted_model, django_capture_on_commit_callbacks) -> None:
    model = scripted_model(["once"])
    conversation = ConversationFactory()
    client = _client_for(conversation.patient)
    url = f"/api/conversations/{conversation.pk}/messages/"
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, {"text": "hi", "client_id": "dup"}, format="json").json()
        second = client.post(url, {"text": "hi", "client_id": "dup"}, format="json").json()
    assert first["message_id"] == second["message_id"] and second["duplicate"] is True
    assert len(model.calls) == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"text": ""}, "empty_text"),
        ({}, "empty_text"),
        ({"text": "a" * 4001}, "text_too_long"),
        ("not an object", "empty_text"),
    ],
)
def test_bad_message_bodies_get_a_clear_400(body, code) -> None:
    conversation = ConversationFactory()
    response = _client_for(conversation.patient).post(
        f"/api/conversations/{conversation.pk}/messages/", body, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == code


def test_malformed_json_gets_a_clear_400() -> None:
    conversation = ConversationFactory()
    response = _client_for(conversation.patient).generic(
        "POST", f"/api/conversations/{conversation.pk}/messages/", "{nope", content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == "parse_error"


def test_a_declined_reply_offers_the_care_team_in_the_api_and_on_a_reloaded_page() -> None:
    """The "send my question to my care team" action is stored with the reply, so the
    REST API and a reloaded chat page offer it, not only the live reply event."""
    from tests.factories import signed_in

    question = MessageFactory(text="what is the best cream for rosacea", status=Message.Status.ANSWERED)
    MessageFactory(
        conversation=question.conversation, role=Message.Role.ASSISTANT, reply_to=question,
        text="I don't have vetted information on that.", mode=Message.Mode.TEMPLATE,
        actions=["send_to_care_team"],
    )  # fmt: skip
    MessageFactory(conversation=question.conversation, role=Message.Role.ASSISTANT, reply_to=question, text="Ok.")

    body = _client_for(question.conversation.patient).get(f"/api/conversations/{question.conversation.pk}/").json()
    offered = [m["actions"] for m in body["messages"] if m["role"] == "assistant"]
    assert offered == [
        [{"type": "send_to_care_team", "label": "Send my question to my care team", "message_id": question.pk}],
        [],
    ]
    page = signed_in(question.conversation.patient).get(f"/chat/{question.conversation.pk}/").content.decode()
    assert page.count("data-send-to-care-team=") == 1 and f'data-send-to-care-team="{question.pk}"' in page


def test_the_migration_offers_the_care_team_on_declines_stored_before_it() -> None:
    import importlib

    from django.apps import apps

    from chatbot.extractive import NO_ANSWER

    migration = importlib.import_module("chatbot.migrations.0011_reply_actions")
    assert migration.NO_ANSWER == NO_ANSWER  # the decline it looks for is today's text
    question = MessageFactory(status=Message.Status.ANSWERED)
    declined = MessageFactory(
        conversation=question.conversation, role=Message.Role.ASSISTANT, reply_to=question,
        text=NO_ANSWER, text_deid=NO_ANSWER, mode=Message.Mode.TEMPLATE,
    )  # fmt: skip
    answered = MessageFactory(
        conversation=question.conversation, role=Message.Role.ASSISTANT, reply_to=question,
        text="Rest.", text_deid="Rest.", mode=Message.Mode.EXTRACTIVE,
    )  # fmt: skip
    migration.offer_the_care_team_on_past_declines(apps, None)
    declined.refresh_from_db()
    answered.refresh_from_db()
    assert declined.actions == ["send_to_care_team"] and answered.actions == []
