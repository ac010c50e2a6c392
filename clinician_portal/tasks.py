"""The portal's Celery tasks. Each takes ids (or nothing) and calls one service."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from clinician_portal import services


@shared_task(ignore_result=True)
def check_escalation_slas() -> int:
    """Periodic (beat, every ``ESCALATION_SLA_CHECK_S``): page for breached escalations."""
    return len(services.escalations_sla_check(now=timezone.now(), enqueue=deliver_notification.delay))


@shared_task(
    ignore_result=True,
    autoretry_for=(services.DeliveryRetry,),
    retry_backoff=5,  # seconds: 5, 10, 20 ... with jitter
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=10,  # the service gives up first, at NOTIFY_MAX_ATTEMPTS
)
def deliver_notification(delivery_id: int) -> str:
    """Send one page; a transient failure is retried with backoff."""
    return services.delivery_attempt(delivery_id=delivery_id).status
