"""The authorization matrix: every URL pattern (pages, REST, admin, websocket routes) for
every role, against ONE table (``MATRIX``). A route with no row fails, so the table
cannot fall behind: adding a URL means adding its row here.

Each cell is the expected outcome: a status code, ``"302>/prefix"`` for a redirect to
a path starting with that prefix, or for websockets ``"accept"`` or a close code.
Staff clients have passed their second factor (``tests.factories.signed_in``).
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from axes.models import AccessAttempt, AccessFailureLog
from axes.models import AccessLog as AxesAccessLog
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from chatbot import crypto, services
from chatbot.inbox import services as inbox_services
from chatbot.models import AccessLog, AuditEvent, Document, Escalation, EscalationRecord, Message
from config import asgi
from tests.factories import MessageFactory, PatientFactory, UserFactory, signed_in

ROLES = ("anonymous", "owner", "other_patient", "clinician", "safety_officer", "admin")


def E(anonymous: Any, owner: Any, other_patient: Any, clinician: Any, safety_officer: Any, admin: Any) -> dict[str, Any]:
    return dict(zip(ROLES, (anonymous, owner, other_patient, clinician, safety_officer, admin), strict=True))


LOGIN = "302>/accounts/login/"
ADMIN_LOGIN = "302>/admin/login/"
MFA = "302>/accounts/mfa/"
GONE = "302>/admin/"


def admin_only(admin: Any) -> dict[str, Any]:
    """Admin-site pages: everyone but an admin is sent to the admin sign-in."""
    return E(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, admin)


def model_admin(
    changelist: Any = 200, add: Any = 200, history: Any = 200, delete: Any = 200, change: Any = 200, bare: Any = 302
) -> dict[str, tuple[str, dict[str, Any]]]:
    """The six routes Django's admin makes for one registered model."""
    return {
        "": ("GET", admin_only(changelist)),
        "add/": ("GET", admin_only(add)),
        "<path:object_id>/history/": ("GET", admin_only(history)),
        "<path:object_id>/delete/": ("GET", admin_only(delete)),
        "<path:object_id>/change/": ("GET", admin_only(change)),
        "<path:object_id>/": ("GET", admin_only(bare)),
    }


def _admin_rows(prefix: str, rows: dict[str, tuple[str, dict[str, Any]]]) -> dict[str, tuple[str, dict[str, Any]]]:
    return {f"admin/{prefix}/{route}": row for route, row in rows.items()}


# route pattern -> (method, expected outcome per role)
MATRIX: dict[str, tuple[str, dict[str, Any]]] = {
    # --- patient pages -------------------------------------------------------------------------
    "": ("GET", E(LOGIN, "302>/chat/", "302>/chat/", "302>/portal/", "302>/portal/", "302>/admin/")),
    "chat/": ("GET", E(LOGIN, "302>/chat/", "302>/chat/", LOGIN, LOGIN, LOGIN)),
    "chat/new/": ("POST", E(LOGIN, "302>/chat/", "302>/chat/", LOGIN, LOGIN, LOGIN)),
    "chat/<int:conversation_id>/": ("GET", E(LOGIN, 200, 404, LOGIN, LOGIN, LOGIN)),
    "me/data.json": ("GET", E(LOGIN, 200, 200, LOGIN, LOGIN, LOGIN)),
    # --- REST API ----------------------------------------------------------------------------------
    "api/auth/token": ("POST", E(400, 400, 400, 400, 400, 400)),  # public; an empty body is a 400
    "api/conversations/": ("GET", E(401, 200, 200, 403, 403, 403)),
    "api/conversations/<int:conversation_id>/": ("GET", E(401, 200, 404, 403, 403, 403)),
    "api/conversations/<int:conversation_id>/messages/": ("POST", E(401, 400, 404, 403, 403, 403)),
    # --- clinician portal ----------------------------------------------------------------------
    "portal/": ("GET", E(LOGIN, LOGIN, LOGIN, 200, 200, LOGIN)),
    "portal/triage/": ("GET", E(LOGIN, LOGIN, LOGIN, 200, 200, LOGIN)),
    "portal/flagged/": ("GET", E(LOGIN, LOGIN, LOGIN, 200, 200, LOGIN)),
    "portal/conversations/<int:conversation_id>/": ("GET", E(LOGIN, LOGIN, LOGIN, 200, 200, LOGIN)),
    "portal/conversations/<int:conversation_id>/clear-risk/": (
        "POST", E(LOGIN, LOGIN, LOGIN, "302>/portal/conversations/", LOGIN, LOGIN),
    ),
    "portal/conversations/<int:conversation_id>/break-glass/": ("POST", E(LOGIN, LOGIN, LOGIN, 400, 400, LOGIN)),
    "portal/escalations/<int:escalation_id>/": ("GET", E(LOGIN, LOGIN, LOGIN, 200, 200, LOGIN)),
    "portal/escalations/<int:escalation_id>/acknowledge/": (
        "POST", E(LOGIN, LOGIN, LOGIN, "302>/portal/escalations/", "302>/portal/escalations/", LOGIN),
    ),
    "portal/escalations/<int:escalation_id>/claim/": (
        "POST", E(LOGIN, LOGIN, LOGIN, "302>/portal/escalations/", "302>/portal/escalations/", LOGIN),
    ),
    "portal/escalations/<int:escalation_id>/resolve/": (
        "POST", E(LOGIN, LOGIN, LOGIN, "302>/portal/escalations/", "302>/portal/escalations/", LOGIN),
    ),
    "portal/escalations/<int:escalation_id>/reopen/": (
        "POST", E(LOGIN, LOGIN, LOGIN, "302>/portal/escalations/", "302>/portal/escalations/", LOGIN),
    ),
    "portal/escalations/<int:escalation_id>/note/": (
        "POST", E(LOGIN, LOGIN, LOGIN, "302>/portal/escalations/", "302>/portal/escalations/", LOGIN),
    ),
    "portal/conversations/<int:conversation_id>/join/": (
        "POST", E(LOGIN, LOGIN, LOGIN, "302>/portal/conversations/", "302>/portal/conversations/", LOGIN),
    ),
    "portal/conversations/<int:conversation_id>/leave/": (
        "POST", E(LOGIN, LOGIN, LOGIN, "302>/portal/conversations/", "302>/portal/conversations/", LOGIN),
    ),
    "portal/dashboard/": ("GET", E(LOGIN, LOGIN, LOGIN, LOGIN, 200, LOGIN)),
    "portal/access-log/": ("GET", E(LOGIN, LOGIN, LOGIN, 200, 200, LOGIN)),
    "portal/audit/": ("GET", E(LOGIN, LOGIN, LOGIN, LOGIN, 200, LOGIN)),
    # --- care-team inbox (patient pages, REST, portal) ------------------------------------------
    "messages/": ("GET", E(LOGIN, 200, 200, LOGIN, LOGIN, LOGIN)),
    "messages/new/": ("POST", E(LOGIN, "302>/messages/", "302>/messages/", LOGIN, LOGIN, LOGIN)),  # form errors shown
    "messages/from-chat/": ("POST", E(LOGIN, 404, 404, LOGIN, LOGIN, LOGIN)),  # no such chat message
    "messages/<int:thread_id>/": ("GET", E(LOGIN, 200, 404, LOGIN, LOGIN, LOGIN)),
    "messages/<int:thread_id>/reply/": ("POST", E(LOGIN, "302>/messages/", 404, LOGIN, LOGIN, LOGIN)),
    "api/threads/": ("GET", E(401, 200, 200, 403, 403, 403)),
    "api/threads/from-chat/": ("POST", E(401, 400, 400, 403, 403, 403)),
    "api/threads/<int:thread_id>/": ("GET", E(401, 200, 404, 403, 403, 403)),
    "api/threads/<int:thread_id>/messages/": ("POST", E(401, 400, 404, 403, 403, 403)),
    "portal/inbox/": ("GET", E(LOGIN, LOGIN, LOGIN, 200, 200, LOGIN)),
    "portal/inbox/metrics/": ("GET", E(LOGIN, LOGIN, LOGIN, 200, 200, LOGIN)),
    "portal/inbox/<int:thread_id>/": ("GET", E(LOGIN, LOGIN, LOGIN, 200, 200, LOGIN)),
    "portal/inbox/<int:thread_id>/send/": ("POST", E(LOGIN, LOGIN, LOGIN, "302>/portal/inbox/", 403, LOGIN)),
    "portal/inbox/<int:thread_id>/discard/": ("POST", E(LOGIN, LOGIN, LOGIN, 302, 302, LOGIN)),
    "portal/inbox/<int:thread_id>/regenerate/": ("POST", E(LOGIN, LOGIN, LOGIN, 302, 302, LOGIN)),
    "portal/inbox/<int:thread_id>/no-reply/": ("POST", E(LOGIN, LOGIN, LOGIN, 302, 302, LOGIN)),
    "portal/inbox/<int:thread_id>/escalate/": ("POST", E(LOGIN, LOGIN, LOGIN, 302, 302, LOGIN)),
    "portal/inbox/<int:thread_id>/takeover/": ("POST", E(LOGIN, LOGIN, LOGIN, 302, 302, LOGIN)),
    "portal/inbox/<int:thread_id>/claim/": ("POST", E(LOGIN, LOGIN, LOGIN, 302, 302, LOGIN)),
    "portal/inbox/<int:thread_id>/assign/": ("POST", E(LOGIN, LOGIN, LOGIN, 302, 302, LOGIN)),
    # --- operations (same for every role) -------------------------------------------------------
    "healthz": ("GET", E(200, 200, 200, 200, 200, 200)),
    "readyz": ("GET", E(200, 200, 200, 200, 200, 200)),
    "metrics": ("GET", E(403, 403, 403, 403, 403, 403)),  # off until METRICS_TOKEN is set; then a bearer token, never a session
    "api/schema/": ("GET", E(200, 200, 200, 200, 200, 200)),
    # --- accounts ----------------------------------------------------------------------------------
    "accounts/login/": ("GET", E(200, 200, 200, 200, 200, 200)),
    "accounts/logout/": ("POST", E(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN)),
    "accounts/mfa/": ("GET", E(LOGIN, 200, 200, "302>/", "302>/", "302>/")),
    "accounts/keepalive/": ("GET", E(LOGIN, 204, 204, 204, 204, 204)),
    # --- Django admin ------------------------------------------------------------------------------
    "admin/": ("GET", admin_only(200)),
    "admin/login/": ("GET", E(200, 200, 200, 200, 200, "302>/admin/")),
    # Signing out is open to anyone; after it the admin lands on the site's sign-in page.
    "admin/logout/": ("POST", E("302>/admin/", "302>/admin/", "302>/admin/", "302>/admin/", "302>/admin/", LOGIN)),
    "admin/password_change/": ("GET", admin_only(200)),
    "admin/password_change/done/": ("GET", admin_only(200)),
    "admin/autocomplete/": ("GET", admin_only(403)),
    "admin/jsi18n/": ("GET", admin_only(200)),
    "admin/r/<path:content_type_id>/<path:object_id>/": ("GET", admin_only(404)),
    "admin/^(?P<app_label>authtoken|otp_totp|otp_static|axes|auth|chatbot|clinician_portal)/$": ("GET", admin_only(200)),
    "admin/(?P<url>.*)$": ("GET", admin_only(404)),
    "admin/auth/user/<id>/password/": ("GET", admin_only(200)),
    "admin/otp_totp/totpdevice/<int:pk>/config/": ("GET", admin_only(200)),
    "admin/otp_totp/totpdevice/<int:pk>/qrcode/": ("GET", admin_only(200)),
    **_admin_rows("authtoken/tokenproxy", model_admin(change=200)),
    **_admin_rows("otp_totp/totpdevice", model_admin()),
    **_admin_rows("otp_static/staticdevice", model_admin()),
    **_admin_rows("axes/accessattempt", model_admin(add=403)),
    **_admin_rows("axes/accesslog", model_admin(add=403)),
    **_admin_rows("axes/accessfailurelog", model_admin(add=403)),
    **_admin_rows("auth/user", model_admin()),
    **_admin_rows("auth/group", model_admin()),
    **_admin_rows("chatbot/conversation", model_admin()),
    **_admin_rows("chatbot/message", model_admin(add=403)),  # care-team replies only through the send service
    **_admin_rows("chatbot/escalation", model_admin()),
    **_admin_rows("chatbot/accesslog", model_admin(add=403, delete=403)),
    **_admin_rows("chatbot/auditevent", model_admin(add=403, delete=403)),
    **_admin_rows("chatbot/document", model_admin()),
    **_admin_rows("chatbot/thread", model_admin(add=403, delete=403)),
    **_admin_rows("chatbot/draft", model_admin(add=403, history=GONE, delete=403, change=GONE)),
    **_admin_rows("chatbot/replyapproval", model_admin(add=403, history=GONE, delete=403, change=GONE)),
    **_admin_rows("clinician_portal/careteam", model_admin(history=GONE, delete=GONE, change=GONE)),
    **_admin_rows("chatbot/escalationrecord", model_admin(add=403, delete=403)),
    # No such row in the world: an admin is sent back to the index, everyone else to sign-in.
    **_admin_rows("chatbot/patientprofile", model_admin(history=GONE, delete=GONE, change=GONE)),
    **_admin_rows("clinician_portal/oncallentry", model_admin(history=GONE, delete=GONE, change=GONE)),
    **_admin_rows("clinician_portal/delivery", model_admin(add=403, history=GONE, delete=403, change=GONE)),
    # --- websocket routes (config.asgi.websocket_urlpatterns) ------------------------------------
    "ws/chat/": ("WS", E(4401, "accept", 4404, 4403, 4403, 4403)),
    "ws/inbox/": ("WS", E(4401, "accept", 4404, 4403, 4403, 4403)),
    "ws/portal/": ("WS", E(4401, 4403, 4403, "accept", "accept", 4403)),
}


def _walk(patterns: list[Any], prefix: str = "") -> list[str]:
    routes = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            routes += _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            routes.append(prefix + str(pattern.pattern))
    return routes


def all_routes() -> list[str]:
    return _walk(get_resolver().url_patterns) + [str(p.pattern) for p in asgi.websocket_urlpatterns]


ROUTES = all_routes()


def test_every_route_has_a_row_and_every_row_a_route() -> None:
    assert len(ROUTES) == len(set(ROUTES))
    missing = [r for r in ROUTES if r not in MATRIX]
    stale = [r for r in MATRIX if r not in ROUTES]
    assert not missing, f"routes with no row in MATRIX (add one): {missing}"
    assert not stale, f"rows for routes that no longer exist: {stale}"


def test_matrix_size() -> None:
    """The number of cases, for the record: routes x roles."""
    assert len(ROUTES) * len(ROLES) >= 700


# --- the world every case runs in -------------------------------------------------------------


@pytest.fixture
def world(settings) -> dict[str, Any]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()  # the message rate limit counts in the cache
    message: Any = MessageFactory(text="hello")
    conversation: Any = message.conversation
    owner = conversation.patient
    Message.objects.create(
        conversation=conversation, role=Message.Role.ASSISTANT, text_encrypted=crypto.encrypt("hi"), reply_to=message
    )
    escalation = services.escalation_create(message_id=message.pk, kind=Escalation.Kind.CRISIS, reason="suicide")
    users = {
        "owner": owner,
        "other_patient": PatientFactory(),
        "clinician": UserFactory(roles=["clinician"]),
        "safety_officer": UserFactory(roles=["safety_officer"]),
        "admin": UserFactory(is_staff=True, is_superuser=True),
    }
    services.conversation_originals_for_staff(conversation=conversation, viewer=users["clinician"])
    document = Document.objects.create(title="Flu", slug="flu", text="Rest and fluids.")
    thread, _ = inbox_services.thread_start(patient=owner, topic="other", text="a question")
    Token.objects.get_or_create(user=owner)
    static = StaticDevice.objects.create(user=users["admin"], name="recovery codes")
    attempt = AccessAttempt.objects.create(username="x", ip_address="10.0.0.1", failures_since_start=1)
    axes_log = AxesAccessLog.objects.create(username="x", ip_address="10.0.0.1")
    failure = AccessFailureLog.objects.create(username="x", ip_address="10.0.0.1", locked_out=False)
    clients = {role: signed_in(user) for role, user in users.items()}
    totp = TOTPDevice.objects.get(user=users["admin"])
    ids = {
        "authtoken/tokenproxy": owner.pk,
        "otp_totp/totpdevice": totp.pk,
        "otp_static/staticdevice": static.pk,
        "axes/accessattempt": attempt.pk,
        "axes/accesslog": axes_log.pk,
        "axes/accessfailurelog": failure.pk,
        "auth/user": owner.pk,
        "auth/group": Group.objects.get(name="patient").pk,
        "chatbot/conversation": conversation.pk,
        "chatbot/message": message.pk,
        "chatbot/escalation": escalation.pk,
        "chatbot/accesslog": AccessLog.objects.get().pk,
        "chatbot/auditevent": AuditEvent.objects.first().pk,  # type: ignore[union-attr]
        "chatbot/document": document.pk,
        "chatbot/escalationrecord": EscalationRecord.objects.first().pk,  # type: ignore[union-attr]
        "chatbot/thread": thread.pk,
    }
    return {
        "clients": {"anonymous": Client(), **clients},
        "conversation": conversation,
        "escalation": escalation,
        "thread": thread,
        "document": document,
        "ids": ids,
        "totp": totp,
    }


def _url(route: str, world: dict[str, Any]) -> str:
    if route.startswith("admin/^"):
        return "/admin/chatbot/"
    if route.startswith("admin/(?P<url>"):
        return "/admin/no-such-page/"
    model = "/".join(route.split("/")[1:3])
    values = {
        "conversation_id": world["conversation"].pk,
        "escalation_id": world["escalation"].pk,
        "thread_id": world["thread"].pk,
        "object_id": world["ids"].get(model, world["document"].pk),
        "pk": world["totp"].pk,
        "id": world["ids"]["auth/user"],
        "content_type_id": ContentType.objects.get_for_model(Document).pk,
    }
    if route.startswith("admin/r/"):
        values["object_id"] = 999_999  # no such object: nothing to view on site
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)


def _outcome(response: Any) -> Any:
    if response.status_code in (301, 302):
        location = response["Location"]
        return response.status_code, location
    return response.status_code, ""


def _matches(expected: Any, status: int, location: str) -> bool:
    if isinstance(expected, str) and expected.startswith("302>"):
        return status == 302 and location.startswith(expected[4:])
    return status == expected


def _ws_outcome(path: str, client: Client) -> Any:
    cookie = client.cookies.get("sessionid")
    headers = [(b"origin", b"http://localhost")]
    if cookie is not None:
        headers.append((b"cookie", f"sessionid={cookie.value}".encode()))

    async def run() -> Any:
        communicator = WebsocketCommunicator(asgi.application, path, headers=headers)
        connected, code = await communicator.connect(timeout=10)
        if not connected:
            return code
        try:
            while True:
                try:
                    output = await communicator.receive_output(timeout=2 if ("/ws/portal/" in path or "/ws/inbox/" in path) else 5)
                except (TimeoutError, asyncio.CancelledError):
                    if ("/ws/portal/" in path or "/ws/inbox/" in path):
                        return "accept"  # accepted and left open: the portal socket need not speak first
                    raise
                if output["type"] == "websocket.close":
                    return output.get("code")
                if output["type"] == "websocket.send" and json.loads(output["text"])["type"] == "ready":
                    return "accept"
        finally:
            try:
                await communicator.disconnect()
            except (TimeoutError, asyncio.CancelledError):
                pass  # the consumer already closed: nothing left to tear down

    return async_to_sync(run)()


HTTP_ROUTES = [r for r in ROUTES if MATRIX.get(r, ("GET",))[0] != "WS"]
WS_ROUTES = [r for r in ROUTES if MATRIX.get(r, ("GET",))[0] == "WS"]


@pytest.mark.django_db
@pytest.mark.parametrize("route", HTTP_ROUTES)
def test_http_route(route: str, world: dict[str, Any]) -> None:
    assert route in MATRIX, f"no row for {route}"
    method, expected = MATRIX[route]
    url = _url(route, world)
    wrong = {}
    for role in ROLES:
        client = world["clients"][role]
        response = client.post(url, {}) if method == "POST" else client.get(url)
        status, location = _outcome(response)
        if not _matches(expected[role], status, location):
            wrong[role] = (status, location, expected[role])
        assert status != 500
    assert not wrong, f"{method} {url}: {wrong}"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("route", WS_ROUTES)
def test_websocket_route(route: str, world: dict[str, Any]) -> None:
    _, expected = MATRIX[route]
    query = f"thread={world['thread'].pk}" if route == "ws/inbox/" else f"conversation={world['conversation'].pk}"
    path = "/" + route + "?" + query
    observed = {role: _ws_outcome(path, world["clients"][role]) for role in ROLES}
    assert observed == expected
