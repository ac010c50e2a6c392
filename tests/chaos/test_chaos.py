"""Chaos against the real stack: Redis, PostgreSQL, uvicorn, a Celery worker and a model
server on loopback (``benchmarks/chaos.py``). One stack serves every case, so the whole
file costs one start-up. Skips cleanly without ``redis-server`` or a PostgreSQL server."""

from __future__ import annotations

import shutil
from typing import Any

import psycopg
import pytest

from benchmarks import chaos
from benchmarks.stack import PG_ADMIN_URL

pytestmark = [pytest.mark.chaos, pytest.mark.slow]


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    try:
        psycopg.connect(PG_ADMIN_URL, connect_timeout=3).close()
    except psycopg.Error:
        pytest.skip(f"no PostgreSQL server at {PG_ADMIN_URL} (set SCALE_PG_URL)")
    return chaos.run(list(chaos.CASES), messages=3)["cases"]


@pytest.mark.parametrize("case", list(chaos.CASES))
def test_every_message_is_answered_or_failed_honestly_none_lost_none_twice(results, case) -> None:
    row = results[case]
    assert row["lost"] == 0, row
    assert row["failed_without_escalation"] == 0, row
    assert row["processed_twice"] == 0, row
    assert row["stored"] == row["messages"], row
    assert row["ok"], row


def test_a_crisis_gets_the_template_within_a_second_with_the_model_down(results) -> None:
    row = results["crisis_model_down"]
    assert row["crisis_shown"] == row["messages"] and row["crisis_ms_p95"] <= 1000, row


def test_the_killed_worker_case_really_killed_a_pool_process(results) -> None:
    assert results["worker_killed"]["pool_processes_killed"] == 1
