"""Escalations on the real stack: daphne, a Celery worker with beat, Redis, PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/escalation_bench \\
    REDIS_URL=redis://127.0.0.1:6379/13 python -m benchmarks.escalation [--crises 20] [--breaches 10]

1. **Crisis → portal**: a patient socket sends a crisis message; a portal socket (a
   clinician's, token auth) waits for the ``escalation`` event. Reported: p50/p95 of
   the time from sending the frame to the event (target p95 < 2 s). Baseline in the
   same run: frame → ``accepted`` on the patient socket.
2. **SLA breach → webhook**: urgent escalations are opened with a short SLA
   (``--sla-s``); the beat task (every ``ESCALATION_SLA_CHECK_S``, 15 s by default)
   pages a signed webhook served by this script. Reported: p50/p95 of receipt time
   minus the breach time (target ≤ 35 s), and whether each signature verified.

The database named in DATABASE_URL is created if missing and migrated; the script
prints one JSON object. Run on an idle machine and say the load (``uptime``) beside
the figures: they are wall-clock times.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from benchmarks.chat_latency import REPO, _env, _manage, _ms, _port, _wait_http

CRISIS = "I am going to kill myself tonight. I have the pills ready."
SECRET = "bench-webhook-secret"  # noqa: S105  (a throwaway key for the local receiver)


def _create_database(url: str) -> None:
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    with psycopg.connect(
        host=cfg["HOST"], port=cfg["PORT"] or 5432, user=cfg["USER"], password=cfg["PASSWORD"] or None,
        dbname="postgres", autocommit=True,
    ) as conn:  # fmt: skip
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (cfg["NAME"],)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{cfg["NAME"]}"')


class Receiver:
    """A local webhook receiver: records when each escalation's page arrived."""

    def __init__(self) -> None:
        self.pages: dict[int, tuple[float, bool]] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                at = time.time()
                signed = hmac.new(
                    SECRET.encode(), self.headers["X-Clinic-Timestamp"].encode() + b"." + body, hashlib.sha256
                ).hexdigest()
                ok = hmac.compare_digest(self.headers["X-Clinic-Signature"], f"sha256={signed}")
                receiver.pages.setdefault(int(json.loads(body)["escalation_id"]), (at, ok))
                self.send_response(202)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def _setup_data(receiver_url: str) -> tuple[str, str]:
    """Users, tokens and a rota whose tier 1 is the local webhook. Returns (patient, clinician) tokens."""
    from rest_framework.authtoken.models import Token

    from clinician_portal.models import OnCallEntry
    from tests.factories import PatientFactory, UserFactory

    patient = PatientFactory(username=f"bench-patient-{os.getpid()}")
    clinician = UserFactory(username=f"bench-clinician-{os.getpid()}", roles=["clinician"])
    OnCallEntry.objects.all().delete()
    OnCallEntry.objects.create(
        name="bench", role="clinician", tier=1, transport="webhook", target=receiver_url
    )
    return Token.objects.create(user=patient).key, Token.objects.create(user=clinician).key


async def _reader(ws: Any, queue: asyncio.Queue[tuple[float, dict[str, Any]]]) -> None:
    """Read a socket all the time (so pings get their pongs), stamping each event."""
    async for msg in ws:
        if msg.type.name == "TEXT":
            queue.put_nowait((time.perf_counter(), json.loads(msg.data)))


async def _until(
    queue: asyncio.Queue[tuple[float, dict[str, Any]]], match: Any, wait_s: float = 300
) -> float | None:
    """The time the first event ``match``es arrived, or None after ``wait_s``."""
    deadline = time.perf_counter() + wait_s
    while (left := deadline - time.perf_counter()) > 0:
        try:
            at, event = await asyncio.wait_for(queue.get(), timeout=left)
        except TimeoutError:
            return None
        if match(event):
            return at
    return None


async def _crises(web_port: int, patient_token: str, staff_token: str, n: int, warmup: int) -> dict[str, Any]:
    import aiohttp

    to_portal: list[float] = []
    to_accepted: list[float] = []
    base = f"ws://127.0.0.1:{web_port}"
    portal_q: asyncio.Queue[tuple[float, dict[str, Any]]] = asyncio.Queue()
    chat_q: asyncio.Queue[tuple[float, dict[str, Any]]] = asyncio.Queue()
    async with aiohttp.ClientSession() as session:
        portal = await session.ws_connect(
            f"{base}/ws/portal/", headers={"Authorization": f"Token {staff_token}"}
        )
        chat = await session.ws_connect(
            f"{base}/ws/chat/?conversation=new", headers={"Authorization": f"Token {patient_token}"}
        )
        readers = [asyncio.create_task(_reader(portal, portal_q)), asyncio.create_task(_reader(chat, chat_q))]
        ready_at = await _until(chat_q, lambda e: e["type"] == "ready")
        assert ready_at is not None
        conversation_id = None
        for i in range(warmup + n):
            started = time.perf_counter()
            await chat.send_str(json.dumps({"type": "message", "text": CRISIS, "client_id": f"c{i}"}))
            accepted: dict[str, Any] = {}

            def is_accepted(e: dict[str, Any], box: dict[str, Any] = accepted) -> bool:
                box.update(e)
                return e["type"] == "accepted"

            accepted_at = await _until(chat_q, is_accepted)
            conversation_id = accepted.get("conversation_id", conversation_id)
            portal_at = await _until(
                portal_q,
                lambda e, cid=conversation_id: (
                    e.get("type") == "escalation" and e.get("change") == "created" and e.get("conversation_id") == cid
                ),
            )
            await _until(chat_q, lambda e: e["type"] in ("reply", "error"), wait_s=120)  # the turn ends
            if i >= warmup:
                to_portal.append(portal_at - started if portal_at else float("nan"))
                to_accepted.append(accepted_at - started if accepted_at else float("nan"))
        for task in readers:
            task.cancel()
        await chat.close()
        await portal.close()
    return {"frame_to_portal_event_ms": _ms(to_portal), "baseline_frame_to_accepted_ms": _ms(to_accepted)}


def _breaches(receiver: Receiver, n: int, sla_s: float) -> dict[str, Any]:
    from chatbot import services
    from chatbot.models import Escalation
    from tests.factories import MessageFactory

    due: dict[int, float] = {}
    for _ in range(n):
        message: Any = MessageFactory(text="benchmark")
        escalation = services.escalation_create(
            message_id=message.pk,
            kind=Escalation.Kind.CRISIS,
            reason="bench",
            priority=Escalation.Priority.URGENT,
        )
        due[escalation.pk] = escalation.created_at.timestamp() + sla_s
        time.sleep(1.3)  # spread the breaches over the check period
    deadline = time.time() + sla_s + 120
    while time.time() < deadline and not all(e in receiver.pages for e in due):
        time.sleep(0.5)
    delays = [receiver.pages[e][0] - at if e in receiver.pages else float("nan") for e, at in due.items()]
    return {
        "breach_to_webhook_ms": _ms(delays),
        "signatures_verified": sum(1 for e in due if e in receiver.pages and receiver.pages[e][1]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--crises", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--breaches", type=int, default=10)
    parser.add_argument("--sla-s", type=int, default=5)
    args = parser.parse_args()
    if not (os.environ.get("DATABASE_URL", "").startswith("postgres") and os.environ.get("REDIS_URL")):
        sys.exit("Set DATABASE_URL (PostgreSQL) and REDIS_URL: this benchmark runs the real stack.")
    _create_database(os.environ["DATABASE_URL"])
    receiver = Receiver()
    var = Path(tempfile.mkdtemp(prefix="escalation-bench-"))
    env = _env(
        var,
        CELERY_TASK_ALWAYS_EAGER="false",
        WARM_UP="true",
        ESCALATION_EMBEDDED_SCHEDULER="false",
        ESCALATION_ACK_SLA_S=f"urgent={int(args.sla_s)},high={int(args.sla_s)},routine=86400",
        NOTIFY_WEBHOOK_SECRET=SECRET,
        DB_CONN_MAX_AGE="0",
    )
    os.environ.update(env)
    _manage(env, "migrate", "--noinput")
    import django

    django.setup()
    patient_token, staff_token = _setup_data(receiver.url)
    web_port = _port()
    log = (var / "servers.log").open("w")  # daphne's and the worker's output, for a failed run
    quiet: dict[str, Any] = {"stdout": log, "stderr": subprocess.STDOUT, "cwd": REPO, "env": env}
    web = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(web_port), "config.asgi:application"],
        **quiet,
    )
    # A thread pool: in this benchmark's runs the prefork children hung in their
    # model warm-up (see the report); threads load the models on the first task.
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--beat", "--pool=threads", "--concurrency=4",
         "--loglevel=WARNING", "-s", str(var / "beat-schedule")],
        **quiet,
    )  # fmt: skip
    try:
        _wait_http(f"http://127.0.0.1:{web_port}/accounts/login/")
        crisis = asyncio.run(_crises(web_port, patient_token, staff_token, args.crises, args.warmup))
        breach = _breaches(receiver, args.breaches, float(args.sla_s))
    finally:
        web.terminate()
        worker.terminate()
        web.wait(20)
        try:
            worker.wait(60)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()
    from django.conf import settings

    print(
        json.dumps(
            {
                "benchmark": "escalation",
                "crises": args.crises,
                **crisis,
                "breaches": args.breaches,
                "sla_s": int(args.sla_s),
                "sla_check_every_s": settings.ESCALATION_SLA_CHECK_S,
                **breach,
                "load": os.getloadavg(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
