"""Chaos against the real stack (``benchmarks/stack.py``): each case breaks one piece
while patients are chatting, then checks that every message was answered, or failed
honestly and escalated, with none lost and none processed twice.

    python -m benchmarks.chaos [--cases redis_restart,worker_killed,...] [--messages 6]

Cases:

- ``redis_restart``: Redis stopped and started again while messages are in flight;
- ``worker_killed``: the Celery pool process SIGKILLed while it processes a message;
- ``model_killed``: the model server SIGKILLed while it streams an answer;
- ``model_hang``: a model server that accepts the connection and never sends a byte;
- ``database_refusing``: PostgreSQL refusing connections (and cutting open ones) for 3 s,
  from the moment a message is stored and not yet answered;
- ``crisis_model_down``: no model server at all; crisis messages must still get the
  crisis template, within 1 s (p95 reported).

A patient's client does what the protocol tells it: on ``unavailable`` it waits
``retry_after_s`` and sends the same ``client_id`` again; if its socket closes, it
reconnects to the same conversation and reads the message's fate from the REST API.
Prints one JSON object: a row per case.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import psycopg

from benchmarks.stack import Stack

QUESTION = "What helps a cold?"
CRISIS = "I want to kill myself tonight, I have the pills ready"
FINAL_STATUSES = ("answered", "failed")
# A conversation's own deadline (``converse``), and the hard limit on the whole of it.
CONVERSE_TIMEOUT_S = 180
CONVERSE_LIMIT_S = CONVERSE_TIMEOUT_S + 30


@dataclass
class Sent:
    client_id: str
    conversation_id: int = 0
    message_id: int | None = None
    final: str | None = None  # reply mode or error code, as the socket told it
    crisis_after_s: float = math.nan
    reconnected: bool = False
    reopened: int = 0  # sockets that would not open and were tried again
    resent: int = 0
    events: list[str] = field(default_factory=list)


async def converse(stack: Stack, token: str, sent: Sent, text: str, *, timeout_s: float = CONVERSE_TIMEOUT_S) -> None:
    """One patient: a new conversation, one message, then wait for its final event."""
    import aiohttp

    headers = {"Authorization": f"Token {token}"}
    deadline = time.monotonic() + timeout_s
    # Every wait is bounded: a handshake the server never finishes must not hang the run.
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        while True:  # a socket that cannot open now (Redis or the database down) is retried
            ws = None
            try:
                ws = await session.ws_connect(
                    f"{stack.ws_url}?conversation=new",
                    headers=headers,
                    timeout=aiohttp.ClientWSTimeout(ws_close=5),
                )
                ready = await ws.receive_json(timeout=30)
                break
            except (aiohttp.ClientError, TypeError, ValueError, TimeoutError):
                if ws is not None:  # never left half-open: it can stall the session's close
                    await ws.close()
                sent.reopened += 1
                if time.monotonic() > deadline:
                    return
                await asyncio.sleep(1)
        sent.conversation_id = ready["conversation_id"]
        started = time.perf_counter()
        await ws.send_str(json.dumps({"type": "message", "text": text, "client_id": sent.client_id}))
        while time.monotonic() < deadline:
            try:
                msg = await ws.receive(timeout=max(0.1, deadline - time.monotonic()))
            except TimeoutError:
                break
            if msg.type != aiohttp.WSMsgType.TEXT:
                sent.reconnected = True
                break
            event = json.loads(msg.data)
            sent.events.append(event["type"])
            if event["type"] == "accepted":
                sent.message_id = event["message_id"]
            elif event["type"] == "crisis" and math.isnan(sent.crisis_after_s):
                sent.crisis_after_s = time.perf_counter() - started
            elif event["type"] == "error" and event["code"] == "unavailable":
                await asyncio.sleep(event.get("retry_after_s", 1))
                sent.resent += 1
                await ws.send_str(json.dumps({"type": "message", "text": text, "client_id": sent.client_id}))
            elif event["type"] == "reply" or (event["type"] == "error" and event.get("message_id")):
                sent.final = event.get("mode") or event.get("code")
                break
        if not ws.closed:
            await ws.close()
        if sent.final is None and sent.message_id is None and sent.conversation_id:
            # The socket closed before the message was acknowledged: it may not be stored.
            # Send it again (the same client_id: never stored twice) over the API.
            await resend(stack, session, headers, sent, text, deadline)
        if sent.final is None:  # the socket went away: read the message's fate from the API
            sent.final = await poll(stack, session, headers, sent, deadline)


async def resend(
    stack: Stack, session: Any, headers: dict[str, str], sent: Sent, text: str, deadline: float
) -> None:
    url = f"http://127.0.0.1:{stack.web_port}/api/conversations/{sent.conversation_id}/messages/"
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            async with session.post(
                url, headers=headers, json={"text": text, "client_id": sent.client_id}
            ) as r:
                if r.status == 202:
                    sent.resent += 1
                    sent.message_id = (await r.json())["message_id"]
                    return
        await asyncio.sleep(1)


async def poll(
    stack: Stack, session: Any, headers: dict[str, str], sent: Sent, deadline: float
) -> str | None:
    url = f"http://127.0.0.1:{stack.web_port}/api/conversations/{sent.conversation_id}/"
    while time.monotonic() < deadline:
        # The web process or the database may still be coming back: try again.
        with contextlib.suppress(Exception):
            async with session.get(url, headers=headers) as response:
                if response.status == 200:
                    body = await response.json()
                    mine = [m for m in body["messages"] if m["role"] == "patient"]
                    if mine and mine[-1]["status"] in FINAL_STATUSES:
                        sent.message_id = mine[-1]["id"]
                        return f"polled_{mine[-1]['status']}"
        await asyncio.sleep(1)
    return None


def verdict(stack: Stack, sents: list[Sent]) -> dict[str, Any]:
    """What the database says about the case's messages."""
    rows = stack.sql(
        "SELECT m.id, m.client_id, m.status, "
        " (SELECT count(*) FROM chatbot_message r WHERE r.reply_to_id = m.id), "
        " (SELECT count(*) FROM chatbot_escalation e WHERE e.message_id = m.id) "
        "FROM chatbot_message m WHERE m.role = 'patient' AND m.client_id = ANY(%s)",
        [[s.client_id for s in sents]],
    )
    by_client = {row[1]: row for row in rows}
    statuses = Counter(str(row[2]) for row in rows)
    lost = [
        s.client_id
        for s in sents
        if s.client_id not in by_client or by_client[s.client_id][2] not in FINAL_STATUSES
    ]
    failed_without_escalation = [row[1] for row in rows if row[2] == "failed" and row[4] == 0]
    processed_twice = [row[1] for row in rows if row[3] > 1]
    return {
        "messages": len(sents),
        "stored": len(rows),
        "by_status": dict(statuses),
        "client_saw": dict(Counter(str(s.final) for s in sents)),
        "reconnected": sum(s.reconnected for s in sents),
        "socket_open_retries": sum(s.reopened for s in sents),
        "resent_after_unavailable": sum(s.resent for s in sents),
        "client_gave_up": sum("client_gave_up" in s.events for s in sents),
        "lost": len(lost),
        "failed_without_escalation": len(failed_without_escalation),
        "processed_twice": len(processed_twice),
        "ok": not lost and not failed_without_escalation and not processed_twice,
    }


async def wave(stack: Stack, tokens: list[str], name: str, text: str, count: int,
               during: Callable[[], None] | None = None, at_s: float = 0.5) -> list[Sent]:  # fmt: skip
    """``count`` patients send at once; ``during`` breaks something ``at_s`` later."""
    sents = [Sent(client_id=f"{name}-{i}") for i in range(count)]
    timer = threading.Timer(at_s, during) if during is not None else None
    if timer is not None:
        timer.start()
    await asyncio.gather(*(bounded(converse(stack, tokens[i % len(tokens)], s, text), s) for i, s in enumerate(sents)))
    if timer is not None:
        # The break ends inside its own case: a wave answered before its outage began
        # must not leave that outage to land on the next case's patients.
        await asyncio.to_thread(timer.join)
    return sents


async def bounded(conversation: Coroutine[Any, Any, None], sent: Sent) -> None:
    """One patient's conversation, cut off after CONVERSE_LIMIT_S whatever it awaits.
    A CI run once stalled here for an hour with every message answered in the database:
    the client was still awaiting something (aiohttp's session close, which waits for
    every socket's ``connection_lost``, is the likeliest; not confirmed). The message's
    fate is then read from the database, as for any other."""
    try:
        await asyncio.wait_for(conversation, CONVERSE_LIMIT_S)
    except TimeoutError:
        sent.events.append("client_gave_up")


def wait_for(stack: Stack, query: str, seconds: float = 60) -> bool:
    """Poll ``query`` every few milliseconds over one connection until it counts
    something. A message without passages is processed in tens of milliseconds, so a
    new connection per poll (and 50 ms between polls) missed it about half the time."""
    deadline = time.monotonic() + seconds
    with psycopg.connect(stack.database_url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(query).fetchone()
            if row and row[0]:
                return True
            time.sleep(0.002)
    return False


# --- the cases ----------------------------------------------------------------------------


def redis_restart(stack: Stack, tokens: list[str], n: int) -> dict[str, Any]:
    sents = asyncio.run(wave(stack, tokens, "redis", QUESTION, n, lambda: stack.restart_redis(1.0), at_s=0.3))
    return verdict(stack, sents)


def worker_killed(stack: Stack, tokens: list[str], n: int) -> dict[str, Any]:
    stack.start_paced_model(0.3)  # answers take seconds: the kill lands mid-message
    killed: list[int] = []

    def kill() -> None:
        if wait_for(stack, "SELECT count(*) FROM chatbot_message WHERE status = 'processing'"):
            for pid in stack.worker_children()[:1]:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

    try:
        sents = asyncio.run(wave(stack, tokens, "worker", QUESTION, n, kill, at_s=0.1))
    finally:
        stack.kill("model")
    return verdict(stack, sents) | {"pool_processes_killed": len(killed)}


def model_killed(stack: Stack, tokens: list[str], n: int) -> dict[str, Any]:
    stack.start_paced_model(0.3)
    sents = asyncio.run(wave(stack, tokens, "modelkill", QUESTION, n, lambda: stack.kill("model"), at_s=2.0))
    result = verdict(stack, sents)
    result["withdrawn_or_fallback"] = sum("withdraw" in s.events or s.final == "extractive" for s in sents)
    return result


def model_hang(stack: Stack, tokens: list[str], n: int) -> dict[str, Any]:
    stack.start_hanging_model()
    try:
        sents = asyncio.run(wave(stack, tokens, "hang", QUESTION, n))
    finally:
        stack.stop_hanging_model()
    return verdict(stack, sents)


def database_refusing(stack: Stack, tokens: list[str], n: int) -> dict[str, Any]:
    assert stack.gate is not None
    gate = stack.gate

    in_flight: list[bool] = []

    def outage() -> None:
        # The break begins once a message is stored and not yet answered, so that it
        # catches replies in flight (a fixed 0.2 s came before any socket had opened).
        in_flight.append(
            wait_for(
                stack,
                "SELECT count(*) FROM chatbot_message WHERE role = 'patient' "
                "AND status IN ('received', 'processing') AND client_id LIKE 'database-%'",
                seconds=30,
            )
        )
        gate.close()
        time.sleep(3)
        gate.open()

    sents = asyncio.run(wave(stack, tokens, "database", QUESTION, n, outage, at_s=0.0))
    return verdict(stack, sents) | {"outage_began_with_a_message_in_flight": all(in_flight)}


def crisis_model_down(stack: Stack, tokens: list[str], n: int) -> dict[str, Any]:
    # Nothing listens on the model port. One at a time: the figure is the crisis path's
    # own latency, not a queue.
    sents: list[Sent] = []
    for i in range(n):
        sents += asyncio.run(wave(stack, tokens[i % len(tokens) :], f"crisis{i}", CRISIS, 1))
    seen = sorted(s.crisis_after_s for s in sents if not math.isnan(s.crisis_after_s))
    p95 = seen[min(len(seen) - 1, math.ceil(0.95 * len(seen)) - 1)] if seen else math.nan
    result = verdict(stack, sents)
    result |= {
        "crisis_shown": len(seen),
        "crisis_ms_p50": round(seen[len(seen) // 2] * 1000, 1) if seen else None,
        "crisis_ms_p95": round(p95 * 1000, 1) if seen else None,
    }
    result["ok"] = result["ok"] and len(seen) == n and p95 <= 1.0
    return result


CASES: dict[str, Callable[[Stack, list[str], int], dict[str, Any]]] = {
    "redis_restart": redis_restart,
    "worker_killed": worker_killed,
    "model_killed": model_killed,
    "model_hang": model_hang,
    "database_refusing": database_refusing,
    "crisis_model_down": crisis_model_down,
}


def run(cases: list[str], messages: int) -> dict[str, Any]:
    # The model port is configured, with nothing on it until a case starts a server.
    # No knowledge base: loading it costs minutes on a busy machine, and an honest "no vetted
    # information" reply is as much an answer for these checks.
    with Stack(model="down", knowledge=False, extra_env={"CHAT_STALL_AFTER_S": "120"}) as stack:
        tokens = stack.tokens(messages * 2, prefix="chaos")
        results: dict[str, Any] = {}
        for name in cases:
            started = time.monotonic()
            try:
                results[name] = CASES[name](stack, tokens, messages)
            except Exception as exc:  # the case's own harness broke: a failed row, not a lost run
                results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            results[name]["seconds"] = round(time.monotonic() - started, 1)
    return {"cases": results, "all_ok": all(r["ok"] for r in results.values()), "uptime": os.getloadavg()}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument("--messages", type=int, default=6, help="patients sending at once in each case")
    args = parser.parse_args()
    print(json.dumps(run(args.cases.split(","), args.messages), indent=1))


if __name__ == "__main__":
    main()
