"""Audit-record benchmarks, on PostgreSQL (a benchmark, not a test).

    python -m benchmarks.audit [--events 1000000] [--actions 300]
        [--server postgres://postgres@127.0.0.1:5432/postgres]

Creates a throwaway database on ``--server`` (``audit_bench_<pid>``), migrates it,
and drops it at the end. Then:

1. ``verify``: builds a valid chain of ``--events`` events (hashes computed in Python,
   rows loaded with COPY) and times ``selectors.audit_chain_verify`` over all of it,
   which is what ``manage.py audit_verify`` runs.
2. ``write overhead``: times the same staff action (``services.escalation_acknowledge``
   on a fresh escalation) ``--actions`` times with its audit event and ``--actions``
   times with ``audit_record`` replaced by a no-op, interleaved, in the same run, and
   reports p50 and p95 of each and the p50 difference.

Say the machine's load (``uptime``) beside any figure.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit


def _database_url(server: str, name: str) -> str:
    parts = urlsplit(server)
    return urlunsplit(parts._replace(path=f"/{name}"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--actions", type=int, default=300)
    parser.add_argument("--server", default=os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args()

    import psycopg

    name = f"audit_bench_{os.getpid()}"
    with psycopg.connect(args.server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        os.environ["DATABASE_URL"] = _database_url(args.server, name)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        os.environ["WARM_UP"] = "false"
        os.environ["DB_CONN_MAX_AGE"] = "0"
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        verify_benchmark(args.events)
        overhead_benchmark(args.actions)
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(args.server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} (1/5/15 min)")


def verify_benchmark(events: int) -> None:
    from django.db import connection

    from chatbot import selectors
    from chatbot.models import AUDIT_GENESIS, audit_canonical, audit_chain_hash

    started = time.perf_counter()
    base = datetime(2026, 1, 1, tzinfo=UTC)
    prev = AUDIT_GENESIS
    actions = ("view_original", "escalation_acknowledge", "escalation_resolve", "sign_in", "risk_clear")
    with connection.cursor() as cursor:
        raw = cursor.connection
        with raw.cursor().copy(
            "COPY chatbot_auditevent (id, at, actor_id, actor_name, role, action, object_type, object_id, "
            "source_ip, reason, detail, prev_hash, hash) FROM STDIN"
        ) as copy:
            for i in range(1, events + 1):
                at = base + timedelta(microseconds=i * 1_000)
                values = {
                    "at": at, "actor_id": 1 + i % 50, "actor_name": f"staff{i % 50}", "role": "clinician",
                    "action": actions[i % 5], "object_type": "conversation", "object_id": str(i % 10_000),
                    "source_ip": "10.0.0.1", "reason": "", "detail": {},
                }  # fmt: skip
                digest = audit_chain_hash(prev, audit_canonical(**values))  # type: ignore[arg-type]
                copy.write_row((
                    i, at, values["actor_id"], values["actor_name"], "clinician", values["action"], "conversation",
                    values["object_id"], "10.0.0.1", "", "{}", prev, digest,
                ))  # fmt: skip
                prev = digest
        cursor.execute("SELECT setval(pg_get_serial_sequence('chatbot_auditevent', 'id'), %s)", [events])
        cursor.execute(
            "INSERT INTO chatbot_audithead (id, last_id, last_hash, count) VALUES (1, %s, %s, %s) "
            "ON CONFLICT (id) DO UPDATE SET last_id = EXCLUDED.last_id, last_hash = EXCLUDED.last_hash, "
            "count = EXCLUDED.count",
            [events, prev, events],
        )
        cursor.execute("ANALYZE chatbot_auditevent")
    print(f"built {events:,} chained events in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    result = selectors.audit_chain_verify()
    elapsed = time.perf_counter() - started
    assert result.ok and result.checked == events, result
    print(f"audit_verify: {events:,} events in {elapsed:.1f} s ({events / elapsed:,.0f} events/s), chain OK")


def overhead_benchmark(actions: int) -> None:
    from django.contrib.auth import get_user_model

    from chatbot import services
    from chatbot.models import Conversation, Escalation, Message

    user = get_user_model().objects.create(username="bench-clinician")
    patient = get_user_model().objects.create(username="bench-patient")
    conversation = Conversation.objects.create(patient=patient)
    message = Message.objects.create(conversation=conversation, role=Message.Role.PATIENT, text_encrypted="x")

    def fresh() -> Escalation:
        return Escalation.objects.create(conversation=conversation, message=message, kind="crisis", reason="bench")

    real = services.audit_record

    def timed(audited: bool) -> float:
        escalation = fresh()
        services.audit_record = real if audited else (lambda **kwargs: None)  # type: ignore[assignment]
        try:
            started = time.perf_counter()
            services.escalation_acknowledge(escalation=escalation, by=user)
            return time.perf_counter() - started
        finally:
            services.audit_record = real

    for _ in range(20):  # warm up both paths
        timed(True)
        timed(False)
    with_audit, without = [], []
    for _ in range(actions):
        with_audit.append(timed(True))
        without.append(timed(False))

    def ms(values: list[float], q: int) -> float:
        return statistics.quantiles(values, n=100)[q - 1] * 1000

    p50_with, p50_without = statistics.median(with_audit) * 1000, statistics.median(without) * 1000
    print(
        f"escalation_acknowledge x{actions} each, interleaved: with audit p50 {p50_with:.2f} ms "
        f"(p95 {ms(with_audit, 95):.2f}), without p50 {p50_without:.2f} ms (p95 {ms(without, 95):.2f}); "
        f"overhead p50 {p50_with - p50_without:+.2f} ms per audited action"
    )


if __name__ == "__main__":
    main()
