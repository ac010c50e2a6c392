"""Template context: what the page chrome needs to know about the signed-in user."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from chatbot import roles


def account(request: HttpRequest) -> dict[str, Any]:
    """``is_safety_officer`` for the portal's menu, and the idle limit (seconds) that the
    session-warning script counts down for staff (0 for everyone else)."""
    user = getattr(request, "user", None)
    staff = roles.requires_second_factor(user)
    return {
        "is_safety_officer": roles.has_role(user, roles.SAFETY_OFFICER),
        "session_idle_s": settings.STAFF_SESSION_IDLE_S if staff else 0,
    }
