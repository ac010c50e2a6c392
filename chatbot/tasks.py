"""Celery tasks, and the one place a message is handed to them.

A task is an API: it takes ids, never text, and calls one function. The consumer and
the REST API enqueue through ``patient_message_enqueue``, after the message is stored.
"""

from __future__ import annotations

from asgiref.sync import async_to_sync
from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction

from chatbot.pipeline import handle_patient_message
from chatbot.services import audit_anchor_publish, messages_stalled_fail

# What a retry can help: the database unreachable or its connection dropped (a restart,
# a failover). Nothing else is retried: the pipeline ends every other failure itself,
# closed, and a bug would only fail again.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)


def patient_message_enqueue(*, message_id: int) -> None:
    """Hand a stored message to the pipeline once its transaction commits."""
    transaction.on_commit(lambda: process_patient_message.delay(message_id))


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=2,  # seconds: 2, 4, 8, ... with jitter, so workers do not retry in step
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=5,
)
def process_patient_message(message_id: int) -> None:
    """Run the pipeline on one stored message. A repeated delivery does nothing: the
    message is claimed first (see ``services.message_start_processing``)."""
    # Called from a thread spawned by the consumer (eager mode), async_to_sync runs
    # the pipeline on the server's event loop; in a worker it gets a loop of its own.
    async_to_sync(handle_patient_message)(message_id)


@shared_task(ignore_result=True)
def fail_stalled_messages() -> int:
    """Periodic (Celery beat): no message may sit in processing unseen."""
    return messages_stalled_fail(older_than_s=settings.CHAT_STALL_AFTER_S)


@shared_task(ignore_result=True)
def audit_anchor_write() -> None:
    """Daily (Celery beat): the audit chain's head hash to the log and outside the database."""
    audit_anchor_publish(path=settings.AUDIT_ANCHOR_FILE, webhook_url=settings.AUDIT_ANCHOR_WEBHOOK)
