"""Websocket authentication: the session cookie (web) or ``Authorization: Token <key>`` (mobile).

Browsers always send an Origin header, and it is checked against ALLOWED_HOSTS to
stop cross-site socket hijacking. Native mobile clients send none; they must then
authenticate with a token, which a cross-site page cannot read.
"""

from __future__ import annotations

from typing import Any

from channels.auth import AuthMiddleware
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from channels.security.websocket import OriginValidator as _ChannelsOriginValidator
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django_otp import DEVICE_ID_SESSION_KEY, user_has_device

from chatbot import roles


@database_sync_to_async
def _user_for_token(key: str) -> Any:
    from rest_framework.authtoken.models import Token

    try:
        token = Token.objects.select_related("user").get(key=key)
    except Token.DoesNotExist:
        return AnonymousUser()
    return token.user if token.user.is_active else AnonymousUser()


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


class TokenAuthMiddleware(BaseMiddleware):
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        authorization = _header(scope, b"authorization")
        if authorization and authorization.startswith("Token "):
            scope = dict(scope, user=await _user_for_token(authorization[6:].strip()), auth_method="token")
        return await super().__call__(scope, receive, send)


@database_sync_to_async
def _owes_second_factor(user: Any, session: Any) -> bool:
    """A session-signed-in user who must (staff) or chose to (patients) use a second
    factor and has not passed it in this session."""
    if not getattr(user, "is_authenticated", False):
        return False
    if not (roles.requires_second_factor(user) or user_has_device(user)):
        return False
    return not (session is not None and session.get(DEVICE_ID_SESSION_KEY))


class SecondFactorMiddleware(BaseMiddleware):
    """A socket signed in by session cookie counts as signed out until the session has
    passed its second factor, as every page does (``chatbot.middleware``). A token is
    only issued after the second factor, so token sockets pass."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope.get("auth_method") != "token" and await _owes_second_factor(scope.get("user"), scope.get("session")):
            scope = dict(scope, user=AnonymousUser())
        return await super().__call__(scope, receive, send)


class SessionAuthMiddleware(AuthMiddleware):
    """Channels' session sign-in, skipped when the socket presented a token: the token
    decides, and a lookup whose answer is thrown away would queue on the database
    thread that every socket of the process shares."""

    def populate_scope(self, scope: dict[str, Any]) -> None:
        if scope.get("auth_method") != "token":
            super().populate_scope(scope)

    async def resolve_scope(self, scope: dict[str, Any]) -> None:
        if scope.get("auth_method") != "token":
            await super().resolve_scope(scope)


class OriginValidator(_ChannelsOriginValidator):
    def valid_origin(self, parsed_origin: Any) -> bool:
        # No Origin header: not a browser, so cookie-riding CSRF is not possible.
        if parsed_origin is None:
            return True
        return bool(super().valid_origin(parsed_origin))


def websocket_auth_stack(inner: Any) -> Any:
    # A token, when sent, decides who the user is (an invalid one signs the socket out);
    # otherwise the session cookie does.
    return OriginValidator(
        TokenAuthMiddleware(
            CookieMiddleware(SessionMiddleware(SessionAuthMiddleware(SecondFactorMiddleware(inner))))
        ),
        settings.ALLOWED_HOSTS,
    )
