"""Sign-in, sign-out and failed sign-in go into the audit chain.

Receivers are connected explicitly in ``ChatbotConfig.ready``. Only the attempted
username is recorded for a failure, never the password or other credentials.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from chatbot import services


def _on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    services.audit_record(actor=user, action="sign_in", obj=user)
    if request is not None and hasattr(request, "session"):
        # The staff session limits count from here (chatbot.middleware.StaffSessionMiddleware).
        now = int(time.time())
        request.session["staff_session_started"] = now
        request.session["staff_last_seen"] = now


def _on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        services.audit_record(actor=user, action="sign_out", obj=user)


def _on_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    username = str(credentials.get("username", ""))[:150]
    services.audit_record(actor=username or "unknown", action="sign_in_failed", object_type="user")


def connect() -> None:
    user_logged_in.connect(_on_login, dispatch_uid="audit_sign_in")
    user_logged_out.connect(_on_logout, dispatch_uid="audit_sign_out")
    user_login_failed.connect(_on_login_failed, dispatch_uid="audit_sign_in_failed")
