"""Chat latency, end to end, with baselines measured in the same run.

    python -m benchmarks.chat_latency loopback [--messages 100]
    python -m benchmarks.chat_latency holdback [--messages 30]

``loopback`` starts the product (daphne) and ``serve_model`` with the tiny
random-weight model on loopback ports, connects a websocket client with a token,
and sends messages one at a time. It reports the median time from sending a frame
to the ``accepted`` event and to the first ``delta``. Baselines: the socket round
trip of a frame the server rejects without touching the database, and the model
server's own time to first token, asked directly.

``holdback`` runs the pipeline in-process with a model that streams a grounded
answer at a steady 40 tokens/s, and reports what holding the stream back sentence
by sentence, and checking each sentence with the output rails, adds to the time to
the first ``delta``, against the model's own first token.

Prints one JSON object. Medians are what to quote; the machine is noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def _ms(values: list[float]) -> dict[str, float]:
    """p50/p95 in ms; a NaN (the event never came) is counted apart, not averaged in."""
    import math

    import numpy as np

    seen = [v for v in values if not math.isnan(v)]
    return {
        "p50": round(statistics.median(seen) * 1000, 1),
        "p95": round(float(np.percentile(seen, 95)) * 1000, 1),
        "n": len(seen),
        "missing": len(values) - len(seen),
    }


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_http(url: str, seconds: float = 120) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.TransportError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not come up")


def _env(var: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "VAR_DIR": str(var),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "NEMO_GUARDRAILS_NO_USAGE_STATS": "1",
        "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "",
        "CHAT_RATE_LIMIT": "100000",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def _manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, check=True, capture_output=True, text=True
    ).stdout


async def _loopback(args: argparse.Namespace) -> dict[str, Any]:
    import aiohttp

    from chatbot.llm.openai_compat import OpenAICompatibleChat
    from chatbot.llm.tiny import build_tiny_model

    var = Path(tempfile.mkdtemp(prefix="chat-bench-"))
    model_dir = build_tiny_model(var / "tiny")
    model_port, web_port = _port(), _port()
    env = _env(
        var,
        LLM_BACKEND="openai",
        LLM_BASE_URL=f"http://127.0.0.1:{model_port}/v1",
        LLM_MAX_TOKENS=str(args.max_tokens),
        # The tiny model's output is noise: the grounding rail would (rightly) withhold
        # every answer. Output rails are measured by the holdback benchmark instead.
        OUTPUT_RAILS="",
    )
    _manage(env, "migrate", "--noinput")
    token = (
        _manage(
            env,
            "shell",
            "-c",
            (
                "from tests.factories import PatientFactory;"
                "from rest_framework.authtoken.models import Token;"
                "print(Token.objects.create(user=PatientFactory(username='bench')).key)"
            ),
        )
        .strip()
        .splitlines()[-1]
    )
    server = subprocess.Popen(
        [sys.executable, "manage.py", "serve_model", "--model", str(model_dir), "--port", str(model_port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    web = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(web_port), "config.asgi:application"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_http(f"http://127.0.0.1:{model_port}/health")
        _wait_http(f"http://127.0.0.1:{web_port}/accounts/login/")
        accepted: list[float] = []
        first_delta: list[float] = []
        rejected: list[float] = []
        outcomes: dict[str, int] = {}  # how each message ended: reply mode or error code
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(
                f"ws://127.0.0.1:{web_port}/ws/chat/", headers={"Authorization": f"Token {token}"}
            ) as ws,
        ):
            assert (await ws.receive_json())["type"] == "ready"
            for n in range(args.warmup + args.messages):
                started = time.perf_counter()
                await ws.send_str(json.dumps({"type": "ping"}))
                assert (await ws.receive_json())["code"] == "unknown_type"
                reject_s = time.perf_counter() - started

                started = time.perf_counter()
                await ws.send_str(
                    json.dumps({"type": "message", "text": f"What helps a cold? ({n})", "client_id": f"b{n}"})
                )
                got_accepted = got_delta = None
                while True:
                    event = await ws.receive_json(timeout=120)
                    now = time.perf_counter() - started
                    if event["type"] == "accepted":
                        got_accepted = now
                    elif event["type"] == "delta" and got_delta is None:
                        got_delta = now
                    elif event["type"] in ("reply", "error"):
                        break
                if n >= args.warmup:
                    ending = event.get("mode") or event.get("code") or event["type"]
                    outcomes[ending] = outcomes.get(ending, 0) + 1
                    rejected.append(reject_s)
                    accepted.append(got_accepted or float("nan"))
                    if got_delta is not None:
                        first_delta.append(got_delta)
        # Baselines: the model asked directly, with the prompt the pipeline builds (no
        # knowledge base is loaded here, so no passages): its first text chunk, and the
        # moment its stream first completes a sentence, which is what hold-back waits for.
        from chatbot.llm.base import GenerationSettings
        from chatbot.prompts import build_messages
        from guardrails.sentences import StreamSplitter

        client = OpenAICompatibleChat(base_url=f"http://127.0.0.1:{model_port}/v1", model="local")
        first_token: list[float] = []
        first_sentence: list[float] = []
        for n in range(args.messages):
            messages = build_messages(f"What helps a cold? ({n})", [], [])
            splitter = StreamSplitter()
            started = time.perf_counter()
            token_at = sentence_at = None
            async for chunk in client.stream(messages, settings=GenerationSettings(args.max_tokens, 0.2)):
                token_at = token_at or time.perf_counter() - started
                if sentence_at is None and splitter.feed(chunk):
                    sentence_at = time.perf_counter() - started
            first_token.append(token_at or float("nan"))
            first_sentence.append(sentence_at or time.perf_counter() - started)  # else: the flush at the end
    finally:
        web.terminate()
        server.terminate()
        web.wait(10)
        server.wait(10)
    return {
        "benchmark": "loopback",
        "messages": args.messages,
        "frame_to_accepted_ms": _ms(accepted),
        "frame_to_first_delta_ms": _ms(first_delta) if first_delta else None,
        "outcomes": outcomes,
        "baseline_rejected_frame_roundtrip_ms": _ms(rejected),
        "baseline_model_first_token_ms": _ms(first_token),
        "baseline_model_first_sentence_ms": _ms(first_sentence),
        "max_tokens": args.max_tokens,
    }


ANSWER = (
    "Warning signs of a stroke include face drooping, arm weakness and speech difficulty [1]. "
    "Other signs can be sudden trouble with balance or vision [1]. "
    "If you see any of these signs, call 911 right away [1]."
)


class PacedModel:
    """Streams a fixed, grounded answer word by word at ``tokens_per_s``."""

    name = "paced"

    def __init__(self, tokens_per_s: float) -> None:
        self.delay = 1 / tokens_per_s
        self.first_token_at: float | None = None

    async def stream(self, messages: Any, **kwargs: Any) -> Any:
        words = ANSWER.split(" ")
        for i, word in enumerate(words):
            await asyncio.sleep(self.delay)
            if self.first_token_at is None:
                self.first_token_at = time.perf_counter()
            yield word if i == len(words) - 1 else word + " "


def _constant(value: Any) -> Any:
    return lambda: value


async def _holdback(args: argparse.Namespace) -> dict[str, Any]:
    var = Path(tempfile.mkdtemp(prefix="chat-bench-"))
    os.environ.update(_env(var, WARM_UP="false"))
    _manage(dict(os.environ), "migrate", "--noinput")
    _manage(dict(os.environ), "load_knowledge", "chatbot/knowledge/starter")
    import django

    django.setup()
    from asgiref.sync import sync_to_async
    from channels.layers import get_channel_layer
    from django.conf import settings

    from chatbot import answering, services
    from chatbot.events import conversation_group
    from chatbot.pipeline import handle_patient_message
    from chatbot.warmup import warm_up
    from tests.factories import ConversationFactory

    await sync_to_async(warm_up)()
    layer = get_channel_layer()
    results: dict[str, Any] = {}
    for label, rails in (("no_output_rails", []), ("output_rails", list(settings.OUTPUT_RAILS))):
        settings.OUTPUT_RAILS = rails
        added: list[float] = []
        first_delta: list[float] = []
        for n in range(args.warmup + args.messages):
            model = PacedModel(args.tokens_per_s)
            answering.get_chat_model = _constant(model)
            conversation: Any = await sync_to_async(ConversationFactory)()
            channel = await layer.new_channel()
            await layer.group_add(conversation_group(conversation.pk), channel)
            message, _ = await sync_to_async(services.patient_message_receive)(
                conversation_id=conversation.pk,
                text="what are the warning signs of a stroke?",
                client_id=None,
            )
            started = time.perf_counter()
            task = asyncio.create_task(handle_patient_message(message.pk))
            delta_at = None
            while delta_at is None:
                event = (await layer.receive(channel))["event"]
                if event["type"] == "delta":
                    delta_at = time.perf_counter()
                elif event["type"] in ("reply", "error"):
                    break
            await task
            if n >= args.warmup and delta_at is not None and model.first_token_at is not None:
                added.append(delta_at - model.first_token_at)
                first_delta.append(delta_at - started)
        results[label] = {"first_delta_ms": _ms(first_delta), "added_after_first_token_ms": _ms(added)}
    return {"benchmark": "holdback", "tokens_per_s": args.tokens_per_s, "messages": args.messages, **results}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("mode", choices=["loopback", "holdback"])
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=24)
    parser.add_argument("--tokens-per-s", type=float, default=40.0)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    run = _loopback if args.mode == "loopback" else _holdback
    print(json.dumps(asyncio.run(run(args)), indent=2))


if __name__ == "__main__":
    main()
