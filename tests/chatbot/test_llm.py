"""The model backends, for real: the tiny model in-process, and the OpenAI-compatible
client against ``manage.py serve_model`` started on a loopback port."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from chatbot.llm.base import GenerationSettings, LLMBadResponse, LLMError, LLMTimeout, LLMUnavailable
from chatbot.llm.local import TransformersChat
from chatbot.llm.openai_compat import OpenAICompatibleChat
from chatbot.llm.tiny import build_tiny_model

REPO = Path(__file__).resolve().parents[2]
MESSAGES = [
    {"role": "system", "content": "You are helpful."},
    {"role": "user", "content": "What is a fever?"},
]


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model")


async def _collect(model, **kwargs) -> list[str]:
    return [chunk async for chunk in model.stream(MESSAGES, **kwargs)]


@pytest.mark.slow
async def test_the_transformers_backend_streams_from_the_tiny_model(tiny_model_dir: Path) -> None:
    chunks = await _collect(
        TransformersChat(model_dir=str(tiny_model_dir)), settings=GenerationSettings(12, 0.0)
    )
    assert len(chunks) >= 2  # streamed, not one blob
    assert "".join(chunks)  # random weights: noise, possibly whitespace, but generated


async def test_the_transformers_backend_says_when_no_model_is_configured(tmp_path: Path) -> None:
    from chatbot.llm.base import LLMNotConfigured

    with pytest.raises(LLMNotConfigured):
        await _collect(TransformersChat(model_dir=str(tmp_path)))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def model_server(tiny_model_dir: Path) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "serve_model", "--model", str(tiny_model_dir), "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("serve_model did not start")
        yield f"{base}/v1"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.slow
async def test_the_openai_backend_streams_from_serve_model(model_server: str) -> None:
    client = OpenAICompatibleChat(base_url=model_server, model="local")
    chunks = await _collect(client, settings=GenerationSettings(12, 0.0))
    assert len(chunks) >= 2
    assert "".join(chunks)  # random weights: noise, possibly whitespace, but generated


@pytest.mark.slow
def test_serve_model_answers_a_bad_request_with_400(model_server: str) -> None:
    response = httpx.post(f"{model_server}/chat/completions", json={"messages": "nope"})
    assert response.status_code == 400


async def test_a_refused_connection_is_unavailable_and_retryable() -> None:
    client = OpenAICompatibleChat(
        base_url=f"http://127.0.0.1:{_free_port()}/v1", model="x", max_retries=1, backoff_s=0
    )
    with pytest.raises(LLMUnavailable) as caught:
        await _collect(client)
    assert caught.value.retryable


def _client(handler, **kwargs) -> OpenAICompatibleChat:
    return OpenAICompatibleChat(
        base_url="http://model/v1", model="m", transport=httpx.MockTransport(handler), backoff_s=0, **kwargs
    )


def _sse(*events: str) -> bytes:
    return "".join(f"data: {e}\n\n" for e in events).encode()


async def test_it_retries_transient_errors_then_streams() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) < 3:
            return httpx.Response(503)
        return httpx.Response(200, content=_sse('{"choices":[{"delta":{"content":"Hi"}}]}', "[DONE]"))

    assert await _collect(_client(handler, max_retries=2)) == ["Hi"]
    assert len(calls) == 3


@pytest.mark.parametrize(
    ("status", "error", "retryable"),
    [
        (500, LLMUnavailable, True),
        (429, LLMUnavailable, True),
        (400, LLMBadResponse, False),
        (401, LLMBadResponse, False),
    ],
)
async def test_http_errors_are_typed(status: int, error: type[LLMError], retryable: bool) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(status, json={"error": {"message": "secret prompt text"}})

    with pytest.raises(error) as caught:
        await _collect(_client(handler, max_retries=2))
    assert caught.value.retryable is retryable
    assert len(calls) == (3 if retryable else 1)  # bounded retries
    assert "secret prompt text" not in str(caught.value)


async def test_a_read_timeout_is_typed_and_bounded() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    started = time.monotonic()
    with pytest.raises(LLMTimeout):
        await _collect(_client(handler, max_retries=1))
    assert time.monotonic() - started < 5


async def test_it_does_not_retry_after_the_first_token() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, content=_sse('{"choices":[{"delta":{"content":"Half"}}]}'))  # no [DONE]

    with pytest.raises(LLMBadResponse):
        await _collect(_client(handler, max_retries=3))
    assert len(calls) == 1


async def test_a_malformed_event_is_a_bad_response() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=_sse("{not json"))

    with pytest.raises(LLMBadResponse):
        await _collect(_client(handler, max_retries=0))


async def test_a_real_socket_timeout_is_enforced() -> None:
    """A server that accepts and then says nothing trips the read timeout."""
    server = await asyncio.start_server(lambda r, w: asyncio.sleep(30), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = OpenAICompatibleChat(
        base_url=f"http://127.0.0.1:{port}/v1", model="m", read_timeout_s=0.3, max_retries=0
    )
    async with server:
        with pytest.raises(LLMTimeout):
            await _collect(client)
