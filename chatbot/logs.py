"""Structured logs: one JSON object a line, with the request, conversation and message
ids of whatever was being handled, and never text.

``LOG_FORMAT=json`` switches them on (``config/settings.py``). The ids travel in
context variables, set by the request middleware, the chat consumer and the pipeline,
so a log line written anywhere below them carries them. What the line says is the
logger's own message (codes and ids by the house rule: no patient text); an
exception is logged by its type only, never its text or traceback, which can quote
input.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
conversation_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("conversation_id", default=None)
message_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("message_id", default=None)

_IDS: dict[str, contextvars.ContextVar[Any]] = {
    "request_id": request_id,
    "conversation_id": conversation_id,
    "message_id": message_id,
}
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class ContextFilter(logging.Filter):
    """Copy the ids in context onto each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in _IDS.items():
            if not hasattr(record, name):
                setattr(record, name, var.get())
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
        }
        for name in _IDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info and record.exc_info[0] is not None:
            entry["exc_type"] = record.exc_info[0].__name__
        return json.dumps(entry, ensure_ascii=False)


class RequestIdMiddleware:
    """Give each HTTP request an id (the proxy's ``X-Request-ID`` when it is sane), for
    its log lines and its response."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        offered = request.headers.get("X-Request-ID", "")
        token = request_id.set(offered if _REQUEST_ID.match(offered) else uuid.uuid4().hex)
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id.get()
            return response
        finally:
            request_id.reset(token)
