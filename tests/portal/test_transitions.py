"""A state change the portal may not make is a clear message to the clinician, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from chatbot import services
from chatbot.models import Conversation, Escalation
from tests.factories import MessageFactory, UserFactory, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinician() -> Client:
    user: Any = UserFactory(roles=["clinician"])
    return signed_in(user)


@pytest.fixture
def escalation() -> Escalation:
    message = MessageFactory()
    return services.escalation_create(message_id=message.pk, kind=Escalation.Kind.CRISIS, reason="suicide")


def test_acknowledging_twice_says_so(clinician, escalation) -> None:
    clinician.post(f"/portal/escalations/{escalation.pk}/acknowledge/")
    response = clinician.post(f"/portal/escalations/{escalation.pk}/acknowledge/", follow=True)
    assert response.status_code == 200
    assert b"This escalation is already acknowledged (by " in response.content


def test_resolving_twice_says_so_and_keeps_the_first_note(clinician, escalation) -> None:
    clinician.post(f"/portal/escalations/{escalation.pk}/resolve/", {"note": "called", "outcome": "contacted_patient"})
    response = clinician.post(
        f"/portal/escalations/{escalation.pk}/resolve/", {"note": "again", "outcome": "referred"}, follow=True
    )
    assert response.status_code == 200 and b"This escalation is already resolved (by " in response.content
    escalation.refresh_from_db()
    assert escalation.note == "called"


@pytest.mark.parametrize("path", ["/portal/escalations/999999/acknowledge/", "/portal/escalations/999999/resolve/",
                                  "/portal/conversations/999999/clear-risk/"])
def test_an_unknown_id_is_a_404(clinician, path) -> None:
    assert clinician.post(path).status_code == 404


def test_the_page_sends_the_risk_it_showed_and_risk_raised_since_is_kept(clinician) -> None:
    conversation = MessageFactory().conversation
    services.conversation_risk_raise(conversation_id=conversation.pk, level=2, categories=["suicide"])
    page = clinician.get(f"/portal/conversations/{conversation.pk}/").content.decode()
    assert 'name="seen_level" value="2"' in page and 'name="seen_categories" value="suicide"' in page

    services.conversation_risk_raise(conversation_id=conversation.pk, level=4, categories=["suicide"])
    response = clinician.post(
        f"/portal/conversations/{conversation.pk}/clear-risk/",
        {"seen_level": "2", "seen_categories": "suicide"},
        follow=True,
    )
    assert response.status_code == 200 and b"rose after you opened the page" in response.content
    conversation.refresh_from_db()
    assert conversation.risk_level == 4


def test_clearing_the_risk_that_was_shown_works(clinician) -> None:
    conversation = MessageFactory().conversation
    services.conversation_risk_raise(conversation_id=conversation.pk, level=2, categories=["suicide"])
    clinician.post(f"/portal/conversations/{conversation.pk}/clear-risk/",
                   {"seen_level": "2", "seen_categories": "suicide"})
    assert not Conversation.objects.get(pk=conversation.pk).risk_state.is_open


@pytest.mark.parametrize(("form", "message"), [
    ({}, b"no open risk to clear"),
    ({"seen_level": "eleven"}, b"The form was not understood"),
    ({"seen_level": "9"}, b"The form was not understood"),
])
def test_a_refused_or_malformed_clear_is_a_message(clinician, form, message) -> None:
    conversation = MessageFactory().conversation
    response = clinician.post(f"/portal/conversations/{conversation.pk}/clear-risk/", form, follow=True)
    assert response.status_code == 200 and message in response.content
