"""Endpoints for operators and orchestrators: liveness, readiness and metrics.

- ``/healthz``: the process answers (Kubernetes liveness). Touches nothing else.
- ``/readyz``: the process can do its work: the database, Redis, the Celery broker
  and, when one is configured, the model server (Kubernetes readiness). 200 or 503,
  with each check's result; a failure names the exception's type, never its text.
- ``/metrics``: Prometheus text, for a scraper holding ``METRICS_TOKEN`` (bearer).
  Without a token configured it is off (403): a metrics page can reveal load and
  escalation counts, so it is never public by default.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Iterator
from functools import cache

import httpx
import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from chatbot import selectors
from chatbot.models import Escalation

# A readiness probe must answer well inside the orchestrator's probe timeout.
CHECK_TIMEOUT_S = 1.5


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    results = {name: _run(check) for name, check in readiness_checks().items()}
    ready = all(result == "ok" for result in results.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": results}, status=200 if ready else 503
    )


def readiness_checks() -> dict[str, Callable[[], None]]:
    """What this deployment depends on, by name; each check raises when it is down."""
    checks: dict[str, Callable[[], None]] = {"database": _check_database}
    if settings.REDIS_URL:
        checks["redis"] = lambda: _check_redis(settings.REDIS_URL)
    if settings.CELERY_BROKER_URL and not settings.CELERY_TASK_ALWAYS_EAGER:
        checks["broker"] = lambda: _check_redis(settings.CELERY_BROKER_URL)
    if settings.LLM_BACKEND == "openai":
        checks["model"] = _check_model
    return checks


def _run(check: Callable[[], None]) -> str:
    try:
        check()
    except Exception as exc:  # the type only: a driver's message can quote a query or a URL
        return f"error: {type(exc).__name__}"
    return "ok"


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_redis(url: str) -> None:
    _redis(url).ping()


def _check_model() -> None:
    response = httpx.get(settings.LLM_HEALTH_URL, timeout=CHECK_TIMEOUT_S)
    response.raise_for_status()


@cache
def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=CHECK_TIMEOUT_S, socket_connect_timeout=CHECK_TIMEOUT_S)


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not settings.METRICS_TOKEN:
        return JsonResponse(
            {"type": "error", "code": "forbidden", "detail": "Metrics are off: set METRICS_TOKEN."},
            status=403,
        )
    offered = request.headers.get("Authorization", "")
    if not hmac.compare_digest(offered.encode(), f"Bearer {settings.METRICS_TOKEN}".encode()):
        return JsonResponse(
            {"type": "error", "code": "unauthenticated", "detail": "Send 'Authorization: Bearer <token>'."},
            status=401,
        )
    output = generate_latest(_process_registry()) + generate_latest(_scrape_registry())
    return HttpResponse(output, content_type=CONTENT_TYPE_LATEST)


def _process_registry() -> CollectorRegistry:
    """This process's metrics, or every process's when they share a multiprocess dir."""
    if not settings.PROMETHEUS_MULTIPROC_DIR:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=settings.PROMETHEUS_MULTIPROC_DIR)
    return registry


def _scrape_registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StateCollector())
    return registry


class StateCollector(Collector):
    """Gauges read at scrape time from shared state: the Celery queue in the broker and
    open escalations in the database. They are the same from every process."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        queue = GaugeMetricFamily(
            "chat_celery_queue_depth", "Tasks waiting in the broker, by queue.", labels=["queue"]
        )
        depth = _queue_depth()
        if depth is not None:
            queue.add_metric([settings.CELERY_TASK_DEFAULT_QUEUE], depth)
        yield queue

        names = {p.value: p.name.lower() for p in Escalation.Priority}
        open_ = GaugeMetricFamily(
            "chat_escalations_open",
            "Escalations no one has acknowledged yet, by priority.",
            labels=["priority"],
        )
        for priority, n in selectors.escalations_open_by_priority().items():
            open_.add_metric([names[priority]], n)
        yield open_

        breaches = GaugeMetricFamily(
            "chat_escalations_past_sla",
            "Open escalations past their priority's acknowledgement SLA (ESCALATION_ACK_SLA_S).",
            labels=["priority"],
        )
        past = selectors.escalations_past_sla_by_priority(now=timezone.now())
        for priority, n in past.items():
            breaches.add_metric([names[priority]], n)
        yield breaches

        up = GaugeMetricFamily("chat_scrape_timestamp_seconds", "When these gauges were read.")
        up.add_metric([], time.time())
        yield up


def _queue_depth() -> int | None:
    """Messages waiting in the Redis broker's default queue; None with no Redis broker."""
    url = settings.CELERY_BROKER_URL
    if settings.CELERY_TASK_ALWAYS_EAGER or not url.startswith(("redis://", "rediss://")):
        return None
    try:
        return int(_redis(url).llen(settings.CELERY_TASK_DEFAULT_QUEUE))
    except redis.RedisError:
        return None
