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
