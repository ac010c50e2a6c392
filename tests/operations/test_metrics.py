"""/metrics: Prometheus text behind a bearer token, with the product's own metrics."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from chatbot import metrics
from chatbot.models import Escalation
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-for-tests"


@pytest.fixture
def metrics_token(settings) -> str:
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def _scrape() -> str:
    response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def test_metrics_are_off_without_a_token(settings) -> None:
    settings.METRICS_TOKEN = ""
    response = Client().get("/metrics")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


@pytest.mark.parametrize("header", ["", "Bearer wrong", f"Token {TOKEN}", f"Bearer {TOKEN}x"])
def test_metrics_refuse_a_missing_or_wrong_token(metrics_token, header) -> None:
    response = Client().get("/metrics", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def test_metrics_carry_django_and_the_products_own_series(metrics_token) -> None:
    metrics.MESSAGES.labels(outcome="extractive").inc()
    metrics.RAIL_VERDICTS.labels(rail="self_harm", action="escalate").inc()
    metrics.OPEN_SOCKETS.inc()
    try:
        text = _scrape()
    finally:
        metrics.OPEN_SOCKETS.dec()
    for name in (
        'chat_messages_total{outcome="extractive"}',
        'chat_rail_verdicts_total{action="escalate",rail="self_harm"}',
        "# TYPE chat_rail_check_seconds histogram",
        "# TYPE chat_deidentify_seconds histogram",
        "# TYPE chat_model_first_token_seconds histogram",
        "# TYPE chat_model_errors_total counter",
        "# TYPE chat_accept_seconds histogram",
        "chat_open_sockets 1.0",
        "# TYPE chat_celery_queue_depth gauge",
        "django_http_requests_before_middlewares_total",
    ):
        assert name in text, name


def test_how_far_the_rails_readings_moved_on_this_machine_is_a_metric(metrics_token) -> None:
    # What warm-up exports from guardrails.classifier.check: operators alert on it.
    metrics.rail_readings_moved({"scope": 0.036, "self_harm": 0.0001})
    text = _scrape()
    assert 'chat_rail_reference_moved{head="scope"} 0.036' in text
    assert 'chat_rail_reference_moved{head="self_harm"} 0.0001' in text


def test_open_escalations_and_sla_breaches_are_counted_by_priority(metrics_token, settings) -> None:
    settings.ESCALATION_ACK_SLA_S = {"urgent": 600, "high": 1800, "routine": 86_400}
    conversation: Any = ConversationFactory()
    urgent = Escalation.Priority.URGENT
    for age_s, priority, status in [
        (30, urgent, Escalation.Status.OPEN),
        (3600, urgent, Escalation.Status.OPEN),  # past its 10-minute SLA
        (3600, urgent, Escalation.Status.ACKNOWLEDGED),  # someone has it: not open
        (30, Escalation.Priority.ROUTINE, Escalation.Status.OPEN),
    ]:
        escalation = Escalation.objects.create(
            conversation=conversation, kind="crisis", reason="test", priority=priority, status=status
        )
        Escalation.objects.filter(pk=escalation.pk).update(
            created_at=timezone.now() - timedelta(seconds=age_s)
        )
    text = _scrape()
    assert 'chat_escalations_open{priority="urgent"} 2.0' in text
    assert 'chat_escalations_open{priority="routine"} 1.0' in text
    assert 'chat_escalations_past_sla{priority="urgent"} 1.0' in text
    assert 'chat_escalations_past_sla{priority="routine"} 0.0' in text
    assert 'chat_escalations_past_sla{priority="high"} 0.0' in text


def test_the_pipeline_records_outcomes_verdicts_and_latencies(metrics_token) -> None:
    """One message through the real pipeline moves the counters it should."""
    from asgiref.sync import async_to_sync

    from chatbot import services
    from chatbot.pipeline import handle_patient_message

    # With no knowledge loaded the relevance gate declines (a template); either way one
    # message ends with one outcome.
    before = _value("chat_messages_total", outcome="extractive") + _value("chat_messages_total", outcome="template")
    deid_before = _value("chat_deidentify_seconds_count")
    conversation = ConversationFactory()
    message, _ = services.patient_message_receive(
        conversation_id=conversation.pk, text="What helps a cold?", client_id=None
    )
    async_to_sync(handle_patient_message)(message.pk)
    after = _value("chat_messages_total", outcome="extractive") + _value("chat_messages_total", outcome="template")
    assert after == before + 1
    assert _value("chat_deidentify_seconds_count") == deid_before + 1
    assert _value("chat_rail_verdicts_total", rail="self_harm", action="allow") >= 1


def _value(name: str, **labels: str) -> float:
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value(name, labels) or 0.0
