"""A model server for the chaos runs: OpenAI-compatible, streaming a fixed answer at
a set pace, so that a run can kill it mid-answer (``python -m benchmarks.chaos_model``).

    python -m benchmarks.chaos_model --port 8001 [--seconds-per-word 0.2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import AsyncIterator

ANSWER = (
    "Rest and drink plenty of fluids while a cold runs its course [1]. "
    "Most colds get better on their own within about ten days [1]. "
    "See a doctor if a fever is high or lasts more than a few days [1]."
)


def build_app(seconds_per_word: float) -> object:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response, StreamingResponse
    from starlette.routing import Route

    def chunk(delta: dict[str, str], finish: str | None = None) -> str:
        payload = {
            "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        return f"data: {json.dumps(payload)}\n\n"

    async def completions(request: Request) -> Response:
        await request.json()

        async def sse() -> AsyncIterator[str]:
            yield chunk({"role": "assistant"})
            for word in ANSWER.split(" "):
                await asyncio.sleep(seconds_per_word)
                yield chunk({"content": word + " "})
            yield chunk({}, "stop")
            yield "data: [DONE]\n\n"

        return StreamingResponse(sse(), media_type="text/event-stream")

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/v1/chat/completions", completions, methods=["POST"]),
            Route("/health", health, methods=["GET"]),
        ]
    )


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--seconds-per-word", type=float, default=0.2)
    args = parser.parse_args()
    uvicorn.run(build_app(args.seconds_per_word), host="127.0.0.1", port=args.port, log_level="warning")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
