"""Celery tasks, and the one place a message is handed to them.

A task is an API: it takes ids, never text, and calls one function. The consumer and
the REST API enqueue through ``patient_message_enqueue``, after the message is stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from asgiref.sync import async_to_sync
from billiard.exceptions import WorkerLostError
from celery import Task, shared_task
from celery.signals import task_failure
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction

from chatbot.events import event_send
from chatbot.inbox.pipeline import draft_reply, handle_portal_message
from chatbot.pipeline import handle_interrupted_message, handle_patient_message
from chatbot.protocol import CareTeamReplyEvent
from chatbot.services import audit_anchor_publish, message_unclaimed, messages_stalled_fail, messages_unpicked

# What a retry can help: the database unreachable or its connection dropped (a restart,
# a failover). Nothing else is retried: the pipeline ends every other failure itself,
# closed, and a bug would only fail again.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)


def patient_message_enqueue(*, message_id: int) -> None:
    """Hand a stored message to the pipeline once its transaction commits."""
    patient_messages_enqueue(message_ids=[message_id])


def patient_messages_enqueue(*, message_ids: Sequence[int]) -> None:
    """Hand stored messages to the pipeline once their transaction commits.

    One message is published as its own task. Several (a burst's batch) are published as
    one ``hand_over_messages`` task that a worker fans out: a broker round trip per
    message cost the web process about a third of its CPU during a 1,000-message burst,
    time its sockets' 'accepted' events waited for. A fan-out lost with its worker is
    caught by the ``hand_over_unpicked_messages`` sweep; a second hand-over is safe (the
    claim)."""
    ids = list(message_ids)

    def publish() -> None:
        if process_patient_message.app.conf.task_always_eager:
            for message_id in ids:
                process_patient_message.delay(message_id)
        elif len(ids) == 1:
            process_patient_message.delay(ids[0])
        elif ids:
            hand_over_messages.delay(ids)

    transaction.on_commit(publish)


@shared_task(ignore_result=True, acks_late=True)
def hand_over_messages(message_ids: list[int]) -> None:
    """A batch of stored messages to the pipeline, one task each, over one producer."""
    with process_patient_message.app.producer_or_acquire() as producer:
        for message_id in message_ids:
            process_patient_message.apply_async((message_id,), producer=producer)


@shared_task(
    bind=True,
    acks_late=True,
    ignore_result=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=2,  # seconds: 2, 4, 8, ... with jitter, so workers do not retry in step
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=5,
)
def process_patient_message(self: Task, message_id: int) -> None:
    """Run the pipeline on one stored message. A repeated delivery runs nothing: the
    message is claimed first (see ``services.message_start_processing``); if it has
    ended, its outcome is sent to the patient again (the first send may never have
    gone out).

    A retry after a database error first fails the message if the earlier try had
    claimed it (its turn stopped part-way: some events and escalations may be out, so
    it must not run twice), or sends the outcome again if it ended (the reply may have
    committed as the connection died); a message never claimed is processed as usual."""
    if self.request.retries and async_to_sync(handle_interrupted_message)(message_id, reason="database_interrupted"):
        return  # the earlier try's turn is over: failed now, or its outcome sent again
    # Called from a thread spawned by the consumer (eager mode), async_to_sync runs
    # the pipeline on the server's event loop; in a worker it gets a loop of its own.
    async_to_sync(handle_patient_message)(message_id)


@shared_task(ignore_result=True)
def fail_stalled_messages() -> int:
    """Periodic (Celery beat): no message may sit in processing unseen."""
    return messages_stalled_fail(older_than_s=settings.CHAT_STALL_AFTER_S)


@shared_task(ignore_result=True)
def hand_over_unpicked_messages() -> int:
    """Periodic (Celery beat): a message whose hand-over failed is handed over again, so
    an acknowledged message is never left unanswered. Returns how many."""
    message_ids = messages_unpicked(older_than_s=settings.CHAT_UNPICKED_AFTER_S)
    if message_ids:
        patient_messages_enqueue(message_ids=message_ids)
    return len(message_ids)


@shared_task(ignore_result=True)
def audit_anchor_write() -> None:
    """Daily (Celery beat): the audit chain's head hash to the log and outside the database."""
    audit_anchor_publish(path=settings.AUDIT_ANCHOR_FILE, webhook_url=settings.AUDIT_ANCHOR_WEBHOOK)


# --- The care-team inbox ------------------------------------------------------------------


# The inbox's tasks retry what a retry can help, like the chat's message task.
PORTAL_TASK_RETRIES: dict[str, Any] = {
    "acks_late": True,
    "ignore_result": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 5,
}


def portal_message_enqueue(*, message_id: int) -> None:
    """Hand a stored portal message to the inbox pipeline once its transaction commits."""
    transaction.on_commit(lambda: process_portal_message.delay(message_id))


def portal_reply_announce(*, thread_id: int, conversation_id: int, message_id: int, text: str) -> None:
    """After the sending transaction commits, the patient's open inbox page gets the
    reply as a ``care_team_reply`` event (in-process; not a task, so no text in a queue)."""
    event = CareTeamReplyEvent(type="care_team_reply", thread_id=thread_id, message_id=message_id, text=text)
    transaction.on_commit(lambda: async_to_sync(event_send)(conversation_id=conversation_id, event=event))


def portal_draft_enqueue(*, draft_id: int) -> None:
    """Write a pending draft (first or regenerated) once its transaction commits."""
    transaction.on_commit(lambda: draft_portal_reply.delay(draft_id))


@shared_task(**PORTAL_TASK_RETRIES)
def process_portal_message(message_id: int) -> None:
    """Run the inbox pipeline on one stored portal message, then queue its draft, if any."""
    draft_id = async_to_sync(handle_portal_message)(message_id)
    if draft_id is not None:
        portal_draft_enqueue(draft_id=draft_id)


@shared_task(**PORTAL_TASK_RETRIES)
def draft_portal_reply(draft_id: int) -> None:
    """Write one draft for the care team. It never sends anything to the patient."""
    async_to_sync(draft_reply)(draft_id)


@shared_task(
    ignore_result=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=10,
)
def fail_interrupted_message(message_id: int) -> None:
    """A worker died (SIGKILL, out of memory) while it held the message: fail it now,
    honestly, instead of after ``CHAT_STALL_AFTER_S`` (or, if its turn had ended, send the
    outcome again: it may have died before sending it). If it died before it claimed the
    message, nothing of the turn ran: the message is handed over again, not lost (the
    broker has already dropped the task)."""
    async_to_sync(handle_interrupted_message)(message_id, reason="worker_lost")
    if message_unclaimed(message_id=message_id):
        patient_messages_enqueue(message_ids=[message_id])


@task_failure.connect
def _worker_lost(
    sender: Any = None, exception: BaseException | None = None, args: Any = None, **_: Any
) -> None:
    # Runs in the worker's main process, which saw its pool child die under the task.
    if not isinstance(exception, WorkerLostError):
        return
    name = getattr(sender, "name", None)
    if name == process_patient_message.name:
        fail_interrupted_message.delay(int(args[0]))
    elif name == hand_over_messages.name:
        # A fan-out cut short: publish its batch again now rather than wait for the
        # sweep (the claim makes a message published twice run once).
        hand_over_messages.delay(list(args[0]))
