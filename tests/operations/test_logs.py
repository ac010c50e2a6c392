"""Structured logs carry ids and never text (the pipeline's PHI test checks them too)."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import Client

from chatbot import logs


def _format(record: logging.LogRecord) -> dict:
    logs.ContextFilter().filter(record)
    return json.loads(logs.JsonFormatter().format(record))


def test_a_line_carries_the_ids_in_context() -> None:
    token_m, token_c = logs.message_id.set(7), logs.conversation_id.set(3)
    try:
        record = logging.LogRecord(
            "chatbot.pipeline", logging.INFO, __file__, 1, "processing message %s", (7,), None
        )
        line = _format(record)
    finally:
        logs.message_id.reset(token_m)
        logs.conversation_id.reset(token_c)
    assert (
        line["event"] == "processing message 7" and line["message_id"] == 7 and line["conversation_id"] == 3
    )
    assert line["level"] == "INFO" and line["logger"] == "chatbot.pipeline"


def test_an_exception_is_logged_by_its_type_only() -> None:
    try:
        raise ValueError("Jane Doe, 617-555-0100")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = _format(record)
    assert line["exc_type"] == "ValueError"
    # The phone number whole, and its line number: "617" alone is in one timestamp in a
    # thousand (…:07.617), and failed a full run that way.
    assert "Jane" not in json.dumps(line) and "555-0100" not in json.dumps(line)


@pytest.mark.django_db
def test_each_request_gets_an_id_or_keeps_a_sane_one_from_the_proxy() -> None:
    assert len(Client().get("/healthz")["X-Request-ID"]) == 32
    assert Client().get("/healthz", HTTP_X_REQUEST_ID="edge-42")["X-Request-ID"] == "edge-42"
    assert Client().get("/healthz", HTTP_X_REQUEST_ID="<script>")["X-Request-ID"] != "<script>"
