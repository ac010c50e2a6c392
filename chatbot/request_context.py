"""The source address of the request being served, for the audit record.

``chatbot.middleware.AuditContextMiddleware`` sets it for every HTTP request (and the
websocket consumer may set it from its scope); ``services.audit_record`` reads it, so
a service called from a view, an admin action or an auth signal records where the
request came from without every signature carrying it. Plain Python: no Django.
"""

from __future__ import annotations

import ipaddress
from contextvars import ContextVar

_source_ip: ContextVar[str | None] = ContextVar("audit_source_ip", default=None)


def set_source_ip(value: str | None) -> object:
    """Remember the client address (only a valid IP is kept); returns a reset token."""
    try:
        clean = str(ipaddress.ip_address(value)) if value else None
    except ValueError:
        clean = None
    return _source_ip.set(clean)


def reset(token: object) -> None:
    _source_ip.reset(token)  # type: ignore[arg-type]


def source_ip() -> str | None:
    return _source_ip.get()
