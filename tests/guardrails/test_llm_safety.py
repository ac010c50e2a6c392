"""The model-based second opinion against a scripted OpenAI-compatible server on
loopback: what it makes of each reply, that it runs beside the local rails, and that
it fails closed to the local verdicts without ever logging the text."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator

import pytest

from guardrails import runtime as runtime_module
from guardrails.base import Action, RailContext, Verdict
from guardrails.llm_safety import (
    BadReply,
    SafetyLLMConfig,
    SecondOpinion,
    parse_llama_guard,
    parse_prompt_reply,
)
from guardrails.runtime import RailsRuntime
from tests.fakes import FakeSafetyServer

TEXT = "sometimes I think everyone would be fine without me, [NAME_1] says I'm fine"


@pytest.fixture
def server() -> Iterator[FakeSafetyServer]:
    fake = FakeSafetyServer([])
    yield fake
    fake.close()


def opinion(server: FakeSafetyServer, style: str = "llama_guard", timeout_s: float = 2.0) -> SecondOpinion:
    return SecondOpinion(
        SafetyLLMConfig(server.base_url, "guard", api_key="k", style=style, timeout_s=timeout_s)  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("reply", "action", "category"),
    [
        ("safe", Action.ALLOW, "none"),
        ("\n\nsafe\n", Action.ALLOW, "none"),
        ("unsafe\nS11", Action.ESCALATE, "self_harm"),
        ("unsafe\nS1,S11", Action.ESCALATE, "self_harm"),
        ("unsafe\nS2", Action.FLAG, "unsafe"),
    ],
)
def test_llama_guard_replies(reply: str, action: Action, category: str) -> None:
    verdict = parse_llama_guard(reply)
    assert (verdict.rail, verdict.action, verdict.category) == ("safety_llm", action, category)


@pytest.mark.parametrize("reply", ["", "Safe!", "unsafe", "unsafe\nS99", "I think this is fine", "safe\nunsafe"])
def test_llama_guard_rejects_other_replies(reply: str) -> None:
    with pytest.raises(BadReply):
        parse_llama_guard(reply)


@pytest.mark.parametrize(
    ("reply", "action", "category"),
    [
        ('{"category": "none", "level": "none"}', Action.ALLOW, "none"),
        ('{"category": "self_harm", "level": "escalate"}', Action.ESCALATE, "self_harm"),
        ('{"category": "self_harm", "level": "flag"}', Action.FLAG, "self_harm"),
        ('{"category": "emergency", "level": "escalate"}', Action.ESCALATE, "emergency"),
        ('{"category": "injection", "level": "flag"}', Action.FLAG, "injection"),
    ],
)
def test_prompt_replies(reply: str, action: Action, category: str) -> None:
    verdict = parse_prompt_reply(reply)
    assert (verdict.action, verdict.category) == (action, category)


@pytest.mark.parametrize(
    "reply", ["yes", "[]", '{"category": "crime", "level": "flag"}', '{"category": "self_harm", "level": "high"}']
)
def test_prompt_style_rejects_other_replies(reply: str) -> None:
    with pytest.raises(BadReply):
        parse_prompt_reply(reply)


async def test_it_sends_the_message_and_reads_the_verdict(server: FakeSafetyServer) -> None:
    server.replies = ["unsafe\nS11"]
    verdict = await opinion(server).check(TEXT, RailContext())
    assert (verdict.action, verdict.category) == (Action.ESCALATE, "self_harm")
    (request,) = server.requests
    assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer k"
    assert request["body"]["model"] == "guard"
    assert request["body"]["messages"] == [{"role": "user", "content": TEXT}]


async def test_the_prompt_style_sends_the_safety_prompt(server: FakeSafetyServer) -> None:
    server.replies = ['{"category": "emergency", "level": "escalate"}']
    verdict = await opinion(server, style="prompt").check(TEXT, RailContext())
    assert (verdict.action, verdict.category) == (Action.ESCALATE, "emergency")
    system, user = server.requests[0]["body"]["messages"]
    assert system["role"] == "system" and "JSON" in system["content"] and user["content"] == TEXT


@pytest.mark.parametrize(
    ("script", "timeout_s", "why"),
    [
        ([("slow", 1.0, "unsafe\nS11")], 0.2, "timed out"),
        ([503], 2.0, "HTTPStatusError"),
        (["I'd rather not say"], 2.0, "unparseable"),
    ],
)
async def test_a_failure_is_unavailable_never_raised_never_logged(
    server: FakeSafetyServer, script, timeout_s: float, why: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server.replies = list(script)
    verdict = await opinion(server, timeout_s=timeout_s).check(TEXT, RailContext())
    assert (verdict.action, verdict.category, verdict.score) == (Action.FLAG, "unavailable", 0.0)
    assert why in verdict.evidence[0].reason
    assert TEXT not in caplog.text and "[NAME_1]" not in caplog.text
    assert "rather not" not in caplog.text  # nor the model's reply


async def test_no_server_is_unavailable(caplog: pytest.LogCaptureFixture) -> None:
    closed = SecondOpinion(SafetyLLMConfig("http://127.0.0.1:9/v1", "guard", timeout_s=0.5))
    verdict = await closed.check(TEXT, RailContext())
    assert verdict.category == "unavailable" and TEXT not in caplog.text


async def test_it_runs_in_parallel_with_the_local_rails(
    server: FakeSafetyServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The local rails wait until the safety model has the request: run one after the
    # other, this would time out.
    seen_in_parallel = threading.Event()

    def local_rails(names, text, context) -> tuple[Verdict, ...]:
        if server.received.wait(timeout=5):
            seen_in_parallel.set()
        return tuple(Verdict(n, Action.ALLOW, "none", 0.0) for n in names)

    monkeypatch.setattr(runtime_module, "run_rails", local_rails)
    server.replies = ["unsafe\nS11"]
    rt = RailsRuntime(("self_harm",), (), timeout_s=10, second_opinion=opinion(server))
    verdicts = await rt.check_input(TEXT, RailContext())
    assert seen_in_parallel.is_set()
    assert [(v.rail, v.action) for v in verdicts] == [("self_harm", Action.ALLOW), ("safety_llm", Action.ESCALATE)]


async def test_a_local_rails_failure_still_fails_and_cancels_the_second_opinion(
    server: FakeSafetyServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def stuck(names, text, context):
        import time

        time.sleep(1.0)
        return ()

    monkeypatch.setattr(runtime_module, "run_rails", stuck)
    server.replies = [("slow", 1.5, "safe")]
    rt = RailsRuntime(("self_harm",), (), timeout_s=0.2, second_opinion=opinion(server, timeout_s=5))
    with pytest.raises(runtime_module.RailsUnavailable):
        await rt.check_input(TEXT, RailContext())
    await asyncio.sleep(0)


async def test_the_rails_read_the_words_and_the_safety_model_the_deidentified_text(
    server: FakeSafetyServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    words = TEXT.replace("[NAME_1]", "Dr. Okafor")
    earlier = RailContext(history=("my name is Ana Ruiz",))
    shared = RailContext(history=("my name is [NAME_2]",))
    read: list[tuple[str, RailContext]] = []

    def local_rails(names, text, context) -> tuple[Verdict, ...]:
        read.append((text, context))
        return tuple(Verdict(n, Action.ALLOW, "none", 0.0) for n in names)

    monkeypatch.setattr(runtime_module, "run_rails", local_rails)
    server.replies = ["safe"]
    rt = RailsRuntime(("self_harm",), (), timeout_s=10, second_opinion=opinion(server))
    await rt.check_input(words, earlier, deidentified=(TEXT, shared))
    assert [(text, context.history) for text, context in read] == [(words, earlier.history)]
    sent = repr(server.requests)
    assert TEXT in sent and "Okafor" not in sent and "Ana Ruiz" not in sent
