"""An OpenAI-compatible ``/v1/chat/completions`` server over a local transformers model.

For development and tests: it lets the ``openai`` backend be exercised for real
over loopback. Production serves models with vLLM (see deploy/).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from chatbot.llm.base import GenerationSettings, LLMError
from chatbot.llm.local import TransformersChat


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": "invalid_request_error"}}, status_code=status)


def build_app(model: TransformersChat, *, model_name: str = "local") -> Starlette:
    async def completions(request: Request) -> Response:
        try:
            body = await request.json()
            messages = body["messages"]
            if not isinstance(messages, list) or not all(
                isinstance(m, dict) and isinstance(m.get("content"), str) for m in messages
            ):
                raise ValueError
        except (ValueError, KeyError, TypeError):
            return _error(400, "body must be JSON with a 'messages' list of {role, content}")
        settings = GenerationSettings(
            max_tokens=int(body.get("max_tokens") or 256), temperature=float(body.get("temperature") or 0.0)
        )
        completion_id = f"chatcmpl-{uuid.uuid4().hex}"
        created = int(time.time())

        def event(delta: dict[str, Any], finish: str | None = None) -> str:
            choice = {"index": 0, "delta": delta, "finish_reason": finish}
            payload = {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model_name,
                "choices": [choice],
            }
            return f"data: {json.dumps(payload)}\n\n"

        if body.get("stream"):

            async def sse() -> AsyncIterator[str]:
                yield event({"role": "assistant"})
                try:
                    async for chunk in model.stream(messages, settings=settings):
                        yield event({"content": chunk})
                except LLMError as exc:
                    yield f"data: {json.dumps({'error': {'message': str(exc)}})}\n\n"
                    return
                yield event({}, "stop")
                yield "data: [DONE]\n\n"

            return StreamingResponse(sse(), media_type="text/event-stream")

        try:
            text = "".join([chunk async for chunk in model.stream(messages, settings=settings)])
        except LLMError as exc:
            return _error(503, str(exc))
        return JSONResponse(
            {
                "id": completion_id,
                "object": "chat.completion",
                "created": created,
                "model": model_name,
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                ],
            }
        )

    async def models(request: Request) -> Response:
        return JSONResponse({"object": "list", "data": [{"id": model_name, "object": "model"}]})

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/v1/chat/completions", completions, methods=["POST"]),
            Route("/v1/models", models, methods=["GET"]),
            Route("/health", health, methods=["GET"]),
        ]
    )
