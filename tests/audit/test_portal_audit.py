"""Staff actions write audit events in their own transaction; the safety officer reads them."""

from __future__ import annotations

import csv
import io

import pytest

from chatbot import services
from chatbot.models import AccessLog, AuditEvent, Escalation
from tests.factories import MessageFactory, UserFactory, signed_in

pytestmark = pytest.mark.django_db
PATIENT_TEXT = "Jane Roe here, I keep thinking about ending it"


@pytest.fixture
def escalation() -> Escalation:
    message = MessageFactory(text=PATIENT_TEXT)
    return services.escalation_create(message_id=message.pk, kind=Escalation.Kind.CRISIS, reason="suicide")


def _no_patient_text() -> None:
    for event in AuditEvent.objects.all():
        assert "Jane" not in event.canonical_content() and "ending" not in event.canonical_content()


def test_each_staff_action_is_one_audit_event(escalation) -> None:
    clinician = UserFactory(roles=["clinician"])
    client = signed_in(clinician)
    conversation_id = escalation.conversation_id
    services.conversation_risk_raise(conversation_id=conversation_id, level=3, categories=["suicide"])
    client.get(f"/portal/conversations/{conversation_id}/")
    client.post(f"/portal/escalations/{escalation.pk}/acknowledge/")
    client.post(f"/portal/conversations/{conversation_id}/clear-risk/")
    client.post(f"/portal/escalations/{escalation.pk}/resolve/", {"note": "called the patient", "outcome": "contacted_patient"})
    actions = list(
        AuditEvent.objects.filter(actor_id=clinician.pk).exclude(action="sign_in").values_list("action", "object_type", "role")
    )
    assert actions == [
        ("view_original", "conversation", "clinician"),
        ("escalation_acknowledge", "escalation", "clinician"),
        ("risk_clear", "conversation", "clinician"),
        ("escalation_resolve", "escalation", "clinician"),
    ]
    assert AccessLog.objects.get().conversation_id == conversation_id  # the access log is a view of the chain
    assert AuditEvent.objects.filter(source_ip="127.0.0.1").count() == 4
    _no_patient_text()


def test_a_refused_transition_writes_no_event(escalation) -> None:
    clinician = UserFactory(roles=["clinician"])
    services.escalation_resolve(escalation=escalation, by=clinician, outcome="no_action")
    with pytest.raises(services.IllegalTransition):
        services.escalation_acknowledge(escalation=escalation, by=clinician)
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["escalation_resolve"]


@pytest.mark.parametrize("target", ["https://evil.example/phish", "//evil.example", "javascript:alert(1)"])
def test_acknowledge_never_redirects_off_site(escalation, target) -> None:
    response = signed_in(UserFactory(roles=["clinician"])).post(
        f"/portal/escalations/{escalation.pk}/acknowledge/", {"next": target}
    )
    # Back to the escalation's own page, never the address in ``next``.
    assert response.status_code == 302 and response["Location"].startswith("/portal/")


def test_acknowledge_returns_to_a_page_on_this_site(escalation) -> None:
    response = signed_in(UserFactory(roles=["clinician"])).post(
        f"/portal/escalations/{escalation.pk}/acknowledge/", {"next": "/portal/triage/"}
    )
    assert response["Location"] == "/portal/triage/"


def test_the_safety_officer_filters_and_exports_the_audit_record(escalation) -> None:
    clinician = UserFactory(roles=["clinician"], username="dr-who")
    services.escalation_acknowledge(escalation=escalation, by=clinician)
    services.audit_record(actor=None, action="other_thing")
    officer = signed_in(UserFactory(roles=["safety_officer"]))

    page = officer.get("/portal/audit/", {"actor": "dr-who"})
    assert page.status_code == 200 and b"escalation_acknowledge" in page.content and b"other_thing" not in page.content

    export = officer.get("/portal/audit/", {"action": "escalation_acknowledge", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert export["Content-Type"].startswith("text/csv")
    assert [(r["actor_name"], r["action"], r["object_id"]) for r in rows] == [
        ("dr-who", "escalation_acknowledge", str(escalation.pk))
    ]
    exported = AuditEvent.objects.get(action="audit_export")
    assert exported.detail == {"action": "escalation_acknowledge"}


def test_a_bad_filter_is_a_400() -> None:
    officer = signed_in(UserFactory(roles=["safety_officer"]))
    assert officer.get("/portal/audit/", {"since": "not-a-date"}).status_code == 400


def test_clinicians_do_not_read_the_audit_record() -> None:
    response = signed_in(UserFactory(roles=["clinician"])).get("/portal/audit/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_admin_changes_are_audited_with_field_names_only() -> None:
    admin = UserFactory(is_staff=True, is_superuser=True)
    target = UserFactory(username="someone")
    client = signed_in(admin)
    page = client.get(f"/admin/auth/user/{target.pk}/change/")
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k not in ("groups", "user_permissions", "password")}
    data.update({"first_name": "Changed", "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"})
    data.pop("date_joined", None)
    data.pop("last_login", None)
    response = client.post(f"/admin/auth/user/{target.pk}/change/", data)
    assert response.status_code == 302, response.content[:2000]
    event = AuditEvent.objects.get(action="admin_change")
    assert (event.object_type, event.object_id, event.role) == ("user", str(target.pk), "admin")
    assert "First name" in event.detail["fields"] and "Changed" not in event.canonical_content()
