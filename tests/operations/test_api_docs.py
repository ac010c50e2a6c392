"""The API documents stay true: the served OpenAPI schema equals docs/openapi.yaml, and
docs/asyncapi.yaml documents every typed server event in chatbot/protocol.py."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest
import yaml
from django.test import Client

from chatbot import protocol

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.django_db
def test_the_served_openapi_schema_is_the_committed_one() -> None:
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    assert response.status_code == 200
    served = yaml.safe_load(response.content)
    committed = yaml.safe_load((DOCS / "openapi.yaml").read_text())
    assert served == committed, "run: python manage.py spectacular --file docs/openapi.yaml"
    assert served["openapi"].startswith("3.")
    assert "/api/conversations/{conversation_id}/messages/" in served["paths"]


def _events() -> dict[str, set[str]]:
    """Each server event's type and its fields, from the TypedDicts."""
    events = {}
    for event in typing.get_args(protocol.ServerEvent):
        hints = typing.get_type_hints(event)
        (kind,) = typing.get_args(hints["type"])
        events[kind] = set(hints)
    return events


def test_every_server_event_is_documented_field_for_field() -> None:
    doc = yaml.safe_load((DOCS / "asyncapi.yaml").read_text())
    messages = doc["components"]["messages"]
    sent = {ref["$ref"].rsplit("/", 1)[-1] for ref in doc["operations"]["serverEvents"]["messages"]}
    for kind, fields in _events().items():
        assert kind in sent, kind
        assert set(messages[kind]["payload"]["properties"]) == fields, kind


def test_every_error_code_the_server_sends_is_documented() -> None:
    doc = yaml.safe_load((DOCS / "asyncapi.yaml").read_text())
    documented = set(doc["components"]["messages"]["error"]["payload"]["properties"]["code"]["enum"])
    source = "\n".join(p.read_text() for p in (DOCS.parent / "chatbot").glob("*.py"))
    used = set(re.findall(r'error_event\(\s*"([a-z_]+)"', source)) | set(
        re.findall(r'ProtocolError\(\s*"([a-z_]+)"', source)
    )
    assert used and used <= documented, used - documented
