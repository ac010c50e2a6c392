"""Request middleware: the audit context, staff second factor and staff session limits."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import user_has_device

from chatbot import request_context, roles, services


class AuditContextMiddleware:
    """Records the client address for audit events written while serving the request.

    ``REMOTE_ADDR`` is what the ASGI server saw; behind nginx, daphne's
    ``--proxy-headers`` turns the proxy's ``X-Forwarded-For`` into it (deploy/)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = request_context.set_source_ip(request.META.get("REMOTE_ADDR"))
        try:
            return self.get_response(request)
        finally:
            request_context.reset(token)


# Where a signed-in user who still owes a second factor may go.
_SECOND_FACTOR_FREE = ("/accounts/mfa/", "/accounts/logout/", "/accounts/login/", "/static/")


class SecondFactorMiddleware:
    """Staff (clinicians, safety officers, admins) and patients who opted in must pass
    their second factor before any other page: until then every request is sent to
    ``/accounts/mfa/`` (enrolment on first sign-in, then verification).

    JSON API clients get 403 instead of a redirect; staff cannot use the patient API
    or socket at all."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(_SECOND_FACTOR_FREE)
            and (roles.requires_second_factor(user) or user_has_device(user))
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"type": "error", "code": "second_factor_required", "detail": "Sign in with your second factor."},
                    status=403,
                )
            return redirect(f"{reverse('mfa')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class StaffSessionMiddleware:
    """Staff are signed out after ``STAFF_SESSION_IDLE_S`` without a request and at the
    latest ``STAFF_SESSION_MAX_S`` after signing in (HIPAA automatic logoff). The
    page script (static/js/session.js) warns before the idle limit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and roles.requires_second_factor(user):
            now = int(time.time())
            started = request.session.setdefault("staff_session_started", now)
            last_seen = request.session.get("staff_last_seen", now)
            if now - last_seen > settings.STAFF_SESSION_IDLE_S or now - started > settings.STAFF_SESSION_MAX_S:
                reason = "idle" if now - last_seen > settings.STAFF_SESSION_IDLE_S else "max_age"
                services.audit_record(actor=user, action="session_expired", obj=user, detail={"reason": reason})
                logout(request)
                messages.info(request, "You were signed out to protect patient information. Sign in again.")
                return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")
            request.session["staff_last_seen"] = now
        return self.get_response(request)
