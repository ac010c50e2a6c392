"""The model-based second opinion in the whole message path, against a scripted
OpenAI-compatible server: it can escalate on its own, and when it cannot answer the
local verdicts stand and a person is told."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from chatbot.models import Escalation
from tests.chatbot.test_pipeline import _send, _types
from tests.fakes import FakeSafetyServer

pytestmark = [pytest.mark.django_db(transaction=True)]

BENIGN = "What time does the clinic open on Saturday?"


@pytest.fixture
def safety_server(settings) -> Iterator[FakeSafetyServer]:
    server = FakeSafetyServer([])
    settings.SAFETY_LLM_BASE_URL = server.base_url
    settings.SAFETY_LLM_TIMEOUT_S = 0.5
    yield server
    server.close()
    assert server.overrun == 0, "the safety model was called more often than scripted"


def test_it_is_off_by_default() -> None:
    from chatbot.rails import runtime

    assert runtime().second_opinion is None


async def test_the_second_opinion_alone_can_open_the_crisis_path(safety_server, scripted_model) -> None:
    model = scripted_model([])
    safety_server.replies = ["unsafe\nS11"]
    events, message = await _send(BENIGN)
    assert any(e["type"] == "crisis" and e["kind"] == "crisis" for e in events)
    assert model.calls == []
    escalation = await Escalation.objects.aget(message=message)
    assert (escalation.kind, escalation.priority) == ("crisis", Escalation.Priority.URGENT)
    assert escalation.verdicts[0]["rail"] == "safety_llm"
    (request,) = safety_server.requests
    assert request["body"]["messages"][-1]["content"] == BENIGN  # the de-identified text


async def test_it_never_sees_phi(safety_server) -> None:
    safety_server.replies = ["safe"]
    await _send("I'm Margaret Oduya, call me at 617-555-0142. When is the clinic open?")
    sent = safety_server.requests[0]["body"]["messages"][-1]["content"]
    assert "Oduya" not in sent and "617-555-0142" not in sent


async def test_a_timeout_keeps_the_local_verdict_and_tells_a_person(
    safety_server, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    safety_server.replies = [("slow", 1.5, "unsafe\nS11")]
    events, message = await _send(BENIGN)
    assert _types(events)[-1] == "reply" and "crisis" not in _types(events)  # local verdict: answer
    escalation = await Escalation.objects.aget(message=message)
    assert (escalation.kind, escalation.reason) == ("processing_error", "unavailable")
    assert escalation.priority == Escalation.Priority.ROUTINE
    assert BENIGN not in caplog.text
