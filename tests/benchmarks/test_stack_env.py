"""Where the benchmark stack's processes reach the database (``benchmarks.stack.Stack.env``)."""

from __future__ import annotations

import shutil
from types import SimpleNamespace

import psycopg

from benchmarks.stack import PG_ADMIN_URL, Stack


def _port(url: str) -> int:
    return int(str(psycopg.conninfo.conninfo_to_dict(url.replace("postgres://", "postgresql://", 1))["port"]))


def test_the_load_stack_reaches_the_database_directly_and_the_chaos_stack_through_its_gate() -> None:
    direct, gated = Stack(db_gate=False), Stack()
    try:
        pg_port = int(str(psycopg.conninfo.conninfo_to_dict(PG_ADMIN_URL).get("port") or 5432))
        assert _port(direct.env()["DATABASE_URL"]) == pg_port
        gated.gate = SimpleNamespace(port=pg_port + 1)  # type: ignore[assignment]
        assert _port(gated.env()["DATABASE_URL"]) == pg_port + 1
    finally:
        shutil.rmtree(direct.dir)
        shutil.rmtree(gated.dir)
