"""Request middleware: the audit context, staff second factor and staff session limits."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from chatbot import request_context


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
