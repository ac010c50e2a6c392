"""A streaming client for any OpenAI-compatible ``/v1/chat/completions`` server.

vLLM, TGI, llama.cpp's server and ``manage.py serve_model`` all speak this. The
stream is Server-Sent Events: ``data: {json}`` lines ending with ``data: [DONE]``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Sequence

import httpx

from chatbot.llm.base import GenerationSettings, LLMBadResponse, LLMError, LLMTimeout, LLMUnavailable

logger = logging.getLogger(__name__)

RETRYABLE_STATUS = {429, 500, 502, 503, 504}


class OpenAICompatibleChat:
    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str = "",
        connect_timeout_s: float = 3.0,
        read_timeout_s: float = 30.0,
        max_retries: int = 2,
        backoff_s: float = 0.25,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.name = f"openai:{model}"
        self.model = model
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        # read= is the longest silence allowed between two chunks of the stream.
        self.timeout = httpx.Timeout(connect=connect_timeout_s, read=read_timeout_s, write=5.0, pool=5.0)
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.transport = transport

    async def stream(
        self, messages: Sequence[dict[str, str]], *, settings: GenerationSettings = GenerationSettings()
    ) -> AsyncIterator[str]:
        body = {
            "model": self.model,
            "messages": list(messages),
            "stream": True,
            "max_tokens": settings.max_tokens,
            "temperature": settings.temperature,
        }
        attempt = 0
        while True:
            started = False
            try:
                async for chunk in self._stream_once(body):
                    started = True
                    yield chunk
                return
            except LLMError as exc:
                # Retry only before the first token: after it, the patient has seen
                # part of an answer and a second attempt would not continue it.
                if started or not exc.retryable or attempt >= self.max_retries:
                    raise
                attempt += 1
                logger.warning(
                    "model call failed (%s), retry %d of %d", type(exc).__name__, attempt, self.max_retries
                )
                await asyncio.sleep(self.backoff_s * 2 ** (attempt - 1))

    async def _stream_once(self, body: dict[str, object]) -> AsyncIterator[str]:
        try:
            async with (
                httpx.AsyncClient(timeout=self.timeout, transport=self.transport) as client,
                client.stream("POST", self.url, json=body, headers=self.headers) as response,
            ):
                if response.status_code != 200:
                    await response.aread()
                    error = LLMUnavailable if response.status_code in RETRYABLE_STATUS else LLMBadResponse
                    raise error(f"model server answered HTTP {response.status_code}")
                async for line in response.aiter_lines():
                    text = _parse_sse_line(line)
                    if text is _DONE:
                        return
                    if text:
                        yield str(text)
                raise LLMBadResponse("model stream ended without [DONE]", retryable=True)
        except httpx.TimeoutException as exc:
            raise LLMTimeout(f"model server timed out ({type(exc).__name__})") from None
        except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError) as exc:
            raise LLMUnavailable(f"model server unreachable ({type(exc).__name__})") from None


_DONE = object()


def _parse_sse_line(line: str) -> str | object | None:
    """Return the content delta in one SSE line, ``_DONE`` at the end, or None."""
    if not line.startswith("data:"):
        return None
    payload = line[5:].strip()
    if payload == "[DONE]":
        return _DONE
    try:
        event = json.loads(payload)
        choice = event["choices"][0]
    except (ValueError, KeyError, IndexError, TypeError):
        raise LLMBadResponse("model stream carried a malformed event") from None
    if "error" in event:
        raise LLMBadResponse("model stream reported an error")
    delta = choice.get("delta") or {}
    content = delta.get("content")
    return content if isinstance(content, str) else None
