"""The clinician portal: who sees what, and that every view of original text is logged."""

from __future__ import annotations

import pytest
from django.test import Client

from chatbot import services
from chatbot.models import AccessLog, Conversation, Escalation
from tests.factories import MessageFactory, PatientFactory, UserFactory, signed_in

pytestmark = pytest.mark.django_db


def _signed_in(user) -> Client:
    return signed_in(user)


@pytest.fixture
def flagged_message():
    message = MessageFactory(text="Jane Roe here, I can't sleep")
    services.escalation_create(
        message_id=message.pk, kind=Escalation.Kind.CRISIS, reason="passive_wish",
        priority=Escalation.Priority.URGENT,
    )
    return message


@pytest.mark.parametrize("role", ["clinician", "safety_officer"])
def test_staff_see_the_escalation_queue(role, flagged_message) -> None:
    response = _signed_in(UserFactory(roles=[role])).get("/portal/")
    assert response.status_code == 200
    assert b"passive_wish" in response.content
    assert b"Jane Roe" not in response.content  # the queue shows no patient text


def test_the_triage_queue_holds_mental_health_escalations(flagged_message) -> None:
    response = _signed_in(UserFactory(roles=["clinician"])).get("/portal/triage/")
    assert f'data-escalation-id="{Escalation.objects.get().pk}"'.encode() in response.content
    assert b"No suicide risk recorded" in response.content  # in words, never a level number
    assert b"Jane Roe" not in response.content


@pytest.mark.parametrize("path", ["/portal/", "/portal/triage/", "/portal/flagged/", "/portal/access-log/"])
def test_patients_cannot_open_the_portal(path) -> None:
    response = _signed_in(PatientFactory()).get(path)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_viewing_original_text_is_written_to_the_access_log(flagged_message) -> None:
    clinician = UserFactory(roles=["clinician"])
    response = _signed_in(clinician).get(f"/portal/conversations/{flagged_message.conversation_id}/")
    assert b"Jane Roe here" in response.content
    entry = AccessLog.objects.get()
    assert (entry.user, entry.conversation_id, entry.action) == (
        clinician,
        flagged_message.conversation_id,
        "view_original",
    )


def test_only_a_clinician_clears_risk(flagged_message) -> None:
    conversation = Conversation.objects.get(pk=flagged_message.conversation_id)
    services.conversation_risk_raise(conversation_id=conversation.pk, level=3, categories=["suicide"])

    _signed_in(UserFactory(roles=["safety_officer"])).post(
        f"/portal/conversations/{conversation.pk}/clear-risk/"
    )
    conversation.refresh_from_db()
    assert conversation.risk_level == 3

    clinician = UserFactory(roles=["clinician"])
    _signed_in(clinician).post(f"/portal/conversations/{conversation.pk}/clear-risk/")
    conversation.refresh_from_db()
    assert conversation.risk_level == 0 and conversation.risk_cleared_by == clinician


def test_risk_never_goes_down_except_by_a_clinician() -> None:
    conversation = MessageFactory().conversation
    services.conversation_risk_raise(conversation_id=conversation.pk, level=4, categories=["suicide"])
    services.conversation_risk_raise(conversation_id=conversation.pk, level=1, categories=[])
    conversation.refresh_from_db()
    assert conversation.risk_level == 4 and conversation.risk_categories == ["suicide"]


def test_a_new_chat_within_the_window_starts_with_the_open_risk() -> None:
    conversation = MessageFactory().conversation
    services.conversation_risk_raise(conversation_id=conversation.pk, level=2, categories=["suicide"])
    fresh = services.conversation_start(patient=conversation.patient)
    assert fresh.risk_level == 2 and fresh.needs_review


def test_acknowledging_and_resolving_an_escalation(flagged_message) -> None:
    clinician = UserFactory(roles=["clinician"])
    escalation = Escalation.objects.get()
    client = _signed_in(clinician)
    client.post(f"/portal/escalations/{escalation.pk}/acknowledge/")
    escalation.refresh_from_db()
    assert escalation.status == "acknowledged" and escalation.acknowledged_by == clinician
    client.post(
        f"/portal/escalations/{escalation.pk}/resolve/", {"note": "called the patient", "outcome": "contacted_patient"}
    )
    escalation.refresh_from_db()
    assert escalation.status == "resolved" and escalation.note == "called the patient"


def test_the_patient_chat_page_renders_their_history() -> None:
    message = MessageFactory(text="my own words")
    response = _signed_in(message.conversation.patient).get(f"/chat/{message.conversation_id}/")
    assert response.status_code == 200 and b"my own words" in response.content


def test_a_patient_cannot_open_another_patients_chat_page() -> None:
    message = MessageFactory(text="private")
    response = _signed_in(PatientFactory()).get(f"/chat/{message.conversation_id}/")
    assert response.status_code == 404


def test_a_clinician_reviews_and_activates_a_document_in_the_admin() -> None:
    from django.contrib.auth.models import Permission

    from chatbot.models import Document

    document = Document.objects.create(title="Flu", slug="flu", text="Rest and fluids.")
    clinician = UserFactory(roles=["clinician"])
    clinician.is_staff = True
    clinician.save()
    clinician.user_permissions.add(*Permission.objects.filter(
        codename__in=["view_document", "change_document", "review_document"]))
    client = _signed_in(clinician)

    client.post("/admin/chatbot/document/", {"action": "activate", "_selected_action": [document.pk]})
    document.refresh_from_db()
    assert not document.is_active  # not reviewed yet: it cannot be activated

    client.post("/admin/chatbot/document/", {"action": "mark_reviewed", "_selected_action": [document.pk]})
    client.post("/admin/chatbot/document/", {"action": "activate", "_selected_action": [document.pk]})
    document.refresh_from_db()
    assert document.is_active and document.reviewed_by == clinician.username and document.is_retrievable


def test_the_conversation_page_shows_verdicts_with_quoted_evidence() -> None:
    message = MessageFactory(text="I want to end it all")
    message.text_deid = "I want to end it all"
    message.verdicts = [{"rail": "self_harm", "action": "escalate", "category": "suicide", "score": 0.9,
                         "risk_level": "active_ideation",
                         "evidence": [{"start": 2, "end": 20, "reason": "wish to die"}]}]
    message.save()
    Conversation.objects.filter(pk=message.conversation_id).update(needs_review=True)  # in the flagged pool
    response = _signed_in(UserFactory(roles=["clinician"])).get(f"/portal/conversations/{message.conversation_id}/")
    body = response.content.decode()
    assert "“want to end it all” — wish to die" in body
    assert "{&#x27;message&#x27;" not in body and "{'message'" not in body


def test_the_queue_orders_urgent_then_high_then_routine_and_marks_each() -> None:
    for reason, priority in (("routine_one", "ROUTINE"), ("help_tier", "HIGH"), ("crisis_now", "URGENT")):
        message = MessageFactory(text="x")
        services.escalation_create(
            message_id=message.pk, kind=Escalation.Kind.CRISIS, reason=reason,
            priority=Escalation.Priority[priority],
        )  # fmt: skip
    html = _signed_in(UserFactory(roles=["clinician"])).get("/portal/").content.decode()
    assert html.index("crisis_now") < html.index("help_tier") < html.index("routine_one")
    assert '<tr class="urgent"' in html and '<tr class="high"' in html and ">High<" in html
