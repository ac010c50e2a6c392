"""The escalation page and its forms: a refused or stale move is a message, bad input a 4xx."""

from __future__ import annotations

import pytest
from django.test import Client

from chatbot import services
from chatbot.models import AccessLog, Escalation
from tests.factories import UserFactory, signed_in

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    return signed_in(user)


def test_the_escalation_page_shows_risk_in_words_contact_and_every_escalation_of_the_patient(
    crisis, clinicians
) -> None:
    services.patient_profile_upsert(
        patient=crisis.conversation.patient, phone="555-0100", emergency_contact="Sam (brother) 555-0101",
        preferred_language="Spanish", clinic="Northside",
    )  # fmt: skip
    other = services.escalation_create(
        message_id=crisis.message_id, kind=Escalation.Kind.SCOPE, reason="dose"
    )
    page = _client(clinicians[0]).get(f"/portal/escalations/{crisis.pk}/").content.decode()
    assert "Suicidal ideation with intent or plan" in page and "Level 4" not in page
    assert "555-0100" in page and "Sam (brother)" in page and "Spanish" in page and "Northside" in page
    assert f'href="/portal/escalations/{other.pk}/"' in page
    assert "to end my life tonight" in page  # the evidence quote
    assert AccessLog.objects.filter(conversation=crisis.conversation).exists()
    assert crisis.records.filter(action="viewed", by=clinicians[0]).exists()


def test_the_second_clinician_is_told_who_claimed_first(crisis, clinicians) -> None:
    first, second = clinicians
    _client(first).post(f"/portal/escalations/{crisis.pk}/claim/", {"version": crisis.version})
    response = _client(second).post(
        f"/portal/escalations/{crisis.pk}/resolve/",
        {"version": crisis.version, "outcome": "referred"},
        follow=True,
    )
    assert response.status_code == 200
    assert b"dr_first is already working on this escalation" in response.content
    crisis.refresh_from_db()
    assert crisis.status == Escalation.Status.IN_PROGRESS


def test_a_false_alarm_without_its_rail_is_a_message_not_a_500(crisis, clinicians) -> None:
    response = _client(clinicians[0]).post(
        f"/portal/escalations/{crisis.pk}/resolve/", {"outcome": "false_alarm"}, follow=True
    )
    assert response.status_code == 200 and b"must name the rail" in response.content


@pytest.mark.parametrize(
    ("path", "data", "status"),
    [
        ("/portal/escalations/{pk}/claim/", {"version": "abc"}, 400),
        ("/portal/escalations/999999/claim/", {}, 404),
        ("/portal/escalations/999999/", None, 404),
        ("/portal/dashboard/?days=12", None, 400),
    ],
)
def test_bad_input_is_a_4xx(crisis, path, data, status) -> None:
    client = _client(UserFactory(roles=["clinician", "safety_officer"]))
    url = path.format(pk=crisis.pk)
    response = client.get(url) if data is None else client.post(url, data)
    assert response.status_code == status


def test_next_never_redirects_off_site(crisis, clinicians) -> None:
    response = _client(clinicians[0]).post(
        f"/portal/escalations/{crisis.pk}/acknowledge/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == f"/portal/escalations/{crisis.pk}/"


@pytest.mark.parametrize(
    ("stored", "level"), [("intent_or_plan", 4), ("passive_wish", 1), (3, 3), (None, 0), ("nonsense", 0)]
)
def test_a_stored_verdict_level_is_read_by_name_or_number(stored, level) -> None:
    from chatbot.selectors import verdict_risk_level

    assert verdict_risk_level({"rail": "self_harm", "risk_level": stored}) == level
