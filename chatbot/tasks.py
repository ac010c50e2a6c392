"""Celery tasks. A task is an API: it takes ids, never text, and calls one function."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def process_patient_message(message_id: int) -> None:
    from chatbot.pipeline import handle_patient_message

    # Called from a thread spawned by the consumer (eager mode), async_to_sync runs
    # the pipeline on the server's event loop; in a worker it gets a loop of its own.
    async_to_sync(handle_patient_message)(message_id)


@shared_task(ignore_result=True)
def fail_stalled_messages() -> int:
    """Periodic (Celery beat): no message may sit in processing unseen."""
    from django.conf import settings

    from chatbot.services import messages_stalled_fail

    return messages_stalled_fail(older_than_s=settings.CHAT_STALL_AFTER_S)
