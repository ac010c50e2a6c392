"""Staff sign-in: second factor, lockout, throttling, session limits, and their audit events."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from chatbot.models import AuditEvent, Conversation
from tests.factories import PatientFactory, UserFactory, signed_in

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-1"


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


def _password_only(user) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.mark.parametrize("role", ["clinician", "safety_officer"])
def test_staff_with_a_password_alone_are_sent_to_the_second_factor(role) -> None:
    client = _password_only(UserFactory(roles=[role]))
    response = client.get("/portal/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/mfa/")


def test_an_admin_needs_the_second_factor_for_the_admin_site() -> None:
    client = _password_only(UserFactory(is_staff=True, is_superuser=True))
    assert client.get("/admin/").headers["Location"].startswith("/accounts/mfa/")


def test_enrolment_on_first_sign_in_gives_recovery_codes_and_opens_the_portal() -> None:
    clinician = UserFactory(roles=["clinician"])
    client = _password_only(clinician)
    page = client.get("/accounts/mfa/?next=/portal/")
    assert page.status_code == 200 and b"<svg" in page.content and b"<script>" not in page.content
    device = TOTPDevice.objects.get(user=clinician, confirmed=False)
    done = client.post("/accounts/mfa/", {"token": _code(device), "next": "/portal/"})
    assert done.status_code == 200 and len(done.context["codes"]) == 10
    assert client.get("/portal/").status_code == 200
    assert AuditEvent.objects.filter(action="mfa_enrol", actor_id=clinician.pk).exists()


def test_a_recovery_code_works_once() -> None:
    clinician = UserFactory(roles=["clinician"])
    client = _password_only(clinician)
    client.get("/accounts/mfa/")
    device = TOTPDevice.objects.get(user=clinician)
    code = client.post("/accounts/mfa/", {"token": _code(device)}).context["codes"][0]

    again = _password_only(clinician)
    assert again.post("/accounts/mfa/", {"token": code, "next": "/portal/"}).headers["Location"] == "/portal/"
    third = _password_only(clinician)
    assert third.post("/accounts/mfa/", {"token": code}).status_code == 400
    assert AuditEvent.objects.filter(action="mfa_verify", detail__method="recovery_code").count() == 1


def test_wrong_codes_lock_the_second_factor_with_a_clear_message(settings) -> None:
    clinician = UserFactory(roles=["clinician"])
    client = _password_only(clinician)
    client.get("/accounts/mfa/")
    for _ in range(settings.MFA_FAILURE_LIMIT):
        assert client.post("/accounts/mfa/", {"token": "000000"}).status_code == 400
    locked = client.post("/accounts/mfa/", {"token": "000000"})
    assert locked.status_code == 429 and b"Too many wrong codes" in locked.content
    assert AuditEvent.objects.filter(action="mfa_failed").count() == settings.MFA_FAILURE_LIMIT


def test_a_patient_may_opt_in_and_then_needs_the_code() -> None:
    patient = PatientFactory()
    client = _password_only(patient)
    assert client.get("/chat/").status_code == 302  # no device: the chat opens as before
    client.get("/accounts/mfa/")
    client.post("/accounts/mfa/", {"token": _code(TOTPDevice.objects.get(user=patient))})
    later = _password_only(patient)
    assert later.get("/chat/").headers["Location"].startswith("/accounts/mfa/")
    token = APIClient().post("/api/auth/token", {"username": patient.username, "password": PASSWORD}, format="json")
    assert token.status_code == 401 and token.json()["code"] == "second_factor_required"


def test_repeated_failed_sign_ins_lock_the_account_with_a_clear_message(settings) -> None:
    patient = PatientFactory()
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": patient.username, "password": "wrong"})
    locked = client.post("/accounts/login/", {"username": patient.username, "password": PASSWORD})
    assert locked.status_code == 429 and b"Sign-in paused" in locked.content
    assert AuditEvent.objects.filter(action="sign_in_failed", actor_name=patient.username).count() >= settings.AXES_FAILURE_LIMIT
    assert not AuditEvent.objects.filter(action="sign_in").exists()


def test_the_token_endpoint_is_throttled_per_address(monkeypatch) -> None:
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth_token": "3/min"})
    patient = PatientFactory()
    client = APIClient()
    codes = [
        client.post("/api/auth/token", {"username": patient.username, "password": PASSWORD}, format="json").status_code
        for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]


def test_sign_in_and_sign_out_are_audited_with_the_address() -> None:
    patient = PatientFactory()
    client = _password_only(patient)
    client.post("/accounts/logout/")
    events = list(AuditEvent.objects.filter(actor_id=patient.pk).values_list("action", "source_ip", "role"))
    assert events == [("sign_in", "127.0.0.1", "patient"), ("sign_out", "127.0.0.1", "patient")]


@pytest.mark.parametrize(
    ("idle_s", "age_s", "signed_out"),
    [(60, 3600, False), (16 * 60, 3600, True), (60, 13 * 3600, True)],
)
def test_staff_sessions_end_when_idle_or_too_old(idle_s, age_s, signed_out) -> None:
    clinician = UserFactory(roles=["clinician"])
    client = signed_in(clinician)
    session = client.session
    now = int(time.time())
    session["staff_last_seen"], session["staff_session_started"] = now - idle_s, now - age_s
    session.save()
    response = client.get("/portal/")
    if signed_out:
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
        assert AuditEvent.objects.filter(action="session_expired", actor_id=clinician.pk).exists()
    else:
        assert response.status_code == 200


def test_the_staff_page_carries_the_session_warning_script() -> None:
    page = signed_in(UserFactory(roles=["clinician"])).get("/portal/")
    assert b'data-session-idle-s="900"' in page.content and b"js/session.js" in page.content


@pytest.mark.django_db(transaction=True)
def test_a_socket_signed_in_by_cookie_needs_the_second_factor_too() -> None:
    from asgiref.sync import async_to_sync
    from channels.testing import WebsocketCommunicator

    from config.asgi import application

    patient: Any = PatientFactory()
    TOTPDevice.objects.create(user=patient, name="app", confirmed=True)  # opted in
    password_only = Client()
    password_only.force_login(patient)
    verified = signed_in(patient)

    async def close_code(client: Client):
        cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
        communicator = WebsocketCommunicator(application, "/ws/chat/", headers=[(b"cookie", cookie)])
        await communicator.connect(timeout=10)
        first = await communicator.receive_output(timeout=5)
        await communicator.disconnect()
        return first

    assert '"unauthenticated"' in async_to_sync(close_code)(password_only)["text"]
    assert '"ready"' in async_to_sync(close_code)(verified)["text"]


@pytest.mark.django_db(transaction=True)  # the socket's database thread closes connections
def test_a_socket_that_sends_a_token_is_signed_in_by_the_token_alone() -> None:
    """The token decides: a valid one signs in its own user, whatever the cookie says,
    and an invalid one signs the socket out even beside a signed-in session cookie."""
    from asgiref.sync import async_to_sync
    from channels.testing import WebsocketCommunicator
    from rest_framework.authtoken.models import Token

    from config.asgi import application

    cookie_patient: Any = PatientFactory()
    token_patient: Any = PatientFactory()
    token = Token.objects.create(user=token_patient)
    session = signed_in(cookie_patient)
    cookie = f"sessionid={session.cookies['sessionid'].value}".encode()

    async def first_event(authorization: str) -> dict[str, Any]:
        headers = [(b"cookie", cookie), (b"authorization", authorization.encode())]
        communicator = WebsocketCommunicator(application, "/ws/chat/?conversation=new", headers=headers)
        await communicator.connect(timeout=10)
        first = await communicator.receive_json_from(timeout=10)
        await communicator.disconnect()
        return first

    signed_in_by_token = async_to_sync(first_event)(f"Token {token.key}")
    assert signed_in_by_token["type"] == "ready"
    assert Conversation.objects.get(pk=signed_in_by_token["conversation_id"]).patient_id == token_patient.pk
    assert async_to_sync(first_event)("Token not-a-real-token")["code"] == "unauthenticated"
