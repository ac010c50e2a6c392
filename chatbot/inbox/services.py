"""Writes for the care-team inbox. Like ``chatbot.services``: ``<entity>_<action>``,
keyword-only, no patient text in logs or exceptions, nothing imported from above.

``portal_reply_send`` is the one function that puts a care-team reply in front of a
patient. It refuses unless the sender holds ``chatbot.send_portal_reply``, and it
records the approval (who, AI-drafted or not, edited or not, the edit distance, the
time from opening the thread) in the same transaction as the message. The database
refuses a care-team message without an approval (``care_team_message_needs_approval``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rapidfuzz.distance import Indel

from chatbot import crypto, services
from chatbot.models import (
    URGENCY_RANK,
    Conversation,
    Draft,
    Message,
    ReplyApproval,
    Thread,
    Triage,
    Urgency,
)
from chatbot.ratelimit import message_rate_check
from chatbot.services import IllegalTransition, RateLimited

SEND_PERMISSION = "chatbot.send_portal_reply"


class NotAllowedToSend(Exception):
    """The user may not send a care-team reply (no ``send_portal_reply`` permission)."""


def sla_due(*, urgency: str, since: datetime) -> datetime:
    """When a thread waiting since ``since`` must be answered: minutes for emergent and
    urgent, business days (Monday to Friday) for routine."""
    if urgency == Urgency.EMERGENT:
        return since + timedelta(minutes=settings.INBOX_SLA_EMERGENT_MINUTES)
    if urgency == Urgency.URGENT:
        return since + timedelta(minutes=settings.INBOX_SLA_URGENT_MINUTES)
    due, left = since, settings.INBOX_SLA_ROUTINE_BUSINESS_DAYS
    while left > 0:
        due += timedelta(days=1)
        if due.weekday() < 5:
            left -= 1
    return due


def _rate_check(patient: Any) -> None:
    rate = message_rate_check(user_id=patient.pk)
    if not rate.allowed:
        raise RateLimited(rate.retry_after_s)


def thread_start(
    *,
    patient: Any,
    topic: str,
    text: str,
    client_id: str | None = None,
    from_chat_message: Message | None = None,
) -> tuple[Thread, Message]:
    """A new thread with its first message, stored encrypted. Until triage runs, the
    thread waits as urgent: an untriaged message is never treated as routine.
    Raises RateLimited (nothing stored) and ValueError for an unknown topic."""
    if topic not in Thread.Topic.values:
        raise ValueError("unknown topic")
    _rate_check(patient)
    with transaction.atomic():
        conversation = Conversation.objects.create(patient=patient, channel=Conversation.Channel.PORTAL)
        thread = Thread.objects.create(
            conversation=conversation, topic=topic, from_chat_message=from_chat_message
        )
        message = _receive(thread, text, client_id)
    return thread, message


def thread_message_receive(
    *, thread: Thread, text: str, client_id: str | None = None
) -> tuple[Message, bool]:
    """The patient writes again in a thread. Returns ``(message, created)`` (a re-sent
    ``client_id`` is not stored twice); the thread waits for the care team again."""
    if client_id is not None:
        existing = Message.objects.filter(conversation_id=thread.conversation_id, client_id=client_id).first()
        if existing is not None:
            return existing, False
    _rate_check(thread.conversation.patient)
    with transaction.atomic():
        return _receive(thread, text, client_id), True


def thread_from_chat(
    *, patient: Any, message: Message, topic: str = Thread.Topic.OTHER
) -> tuple[Thread, bool]:
    """ "Send to my care team" from the live chat: the patient's chat message starts a
    thread, exactly as if written on the messages page. Returns ``(thread, created)``;
    sending the same chat message again returns its thread. Raises ValueError if the
    message is not the patient's own chat message."""
    if message.role != Message.Role.PATIENT or message.conversation.patient_id != patient.pk:
        raise ValueError("not the patient's own message")
    if message.conversation.channel != Conversation.Channel.CHAT:
        raise ValueError("not a chat message")
    existing = Thread.objects.filter(from_chat_message=message).first()
    if existing is not None:
        return existing, False
    thread, _ = thread_start(
        patient=patient, topic=topic, text=crypto.decrypt(message.text_encrypted), from_chat_message=message
    )
    return thread, True


def _receive(thread: Thread, text: str, client_id: str | None) -> Message:
    message, _ = services.patient_message_receive(
        conversation_id=thread.conversation_id, text=text, client_id=client_id
    )
    now = message.created_at
    Thread.objects.filter(pk=thread.pk).update(
        status=Thread.Status.SENT,
        waiting_since=now,
        opened_at=None,
        triaged=False,
        urgency=Urgency.URGENT,
        urgency_rank=URGENCY_RANK[Urgency.URGENT],
        due_at=sla_due(urgency=Urgency.URGENT, since=now),
        reply_needed=True,
    )
    return message


def triage_record(
    *, message_id: int, urgency: str, intent: str, reply_needed: bool, evidence: Sequence[Mapping[str, Any]]
) -> Triage:
    """Store a message's triage and re-rank its thread. A thread's urgency never drops
    below what a message still waiting in it showed (the most urgent wins)."""
    with transaction.atomic():
        message = Message.objects.select_related("conversation__thread").get(pk=message_id)
        thread = Thread.objects.select_for_update().get(pk=message.conversation.thread.pk)
        triage, _ = Triage.objects.update_or_create(
            message=message,
            defaults={
                "urgency": urgency,
                "intent": intent[:40],
                "reply_needed": reply_needed,
                "evidence": [dict(e) for e in evidence],
            },
        )
        waiting = Triage.objects.filter(
            message__conversation_id=thread.conversation_id,
            message__created_at__gte=thread.waiting_since or message.created_at,
        )
        ranks = [URGENCY_RANK[Urgency(t.urgency)] for t in waiting] or [URGENCY_RANK[Urgency(urgency)]]
        top = min(ranks)
        thread.urgency = next(u for u, r in URGENCY_RANK.items() if r == top)
        thread.urgency_rank = top
        thread.reply_needed = any(t.reply_needed for t in waiting) or not waiting
        thread.triaged = True
        thread.due_at = sla_due(urgency=thread.urgency, since=thread.waiting_since or message.created_at)
        thread.save(
            update_fields=["urgency", "urgency_rank", "reply_needed", "triaged", "due_at", "updated_at"]
        )
    return triage


def thread_mark_emergent(*, thread_id: int) -> None:
    """A crisis or emergency in the thread: it tops the inbox with the emergent SLA."""
    with transaction.atomic():
        thread = Thread.objects.select_for_update().get(pk=thread_id)
        thread.urgency, thread.urgency_rank = Urgency.EMERGENT, URGENCY_RANK[Urgency.EMERGENT]
        thread.due_at = sla_due(urgency=Urgency.EMERGENT, since=thread.waiting_since or timezone.now())
        thread.reply_needed = True
        thread.save(update_fields=["urgency", "urgency_rank", "due_at", "reply_needed", "updated_at"])


def portal_message_processed(*, message_id: int) -> None:
    """The inbox pipeline is done with a patient message (the care team takes it from here)."""
    Message.objects.filter(pk=message_id, status=Message.Status.PROCESSING).update(
        status=Message.Status.ANSWERED
    )


def draft_create(*, thread_id: int, message_id: int, instruction: str = "") -> Draft:
    """A pending draft; earlier drafts still under review are discarded (one live draft)."""
    with transaction.atomic():
        Draft.objects.filter(
            thread_id=thread_id, status__in=[Draft.Status.PENDING, Draft.Status.READY]
        ).update(status=Draft.Status.DISCARDED)
        return Draft.objects.create(thread_id=thread_id, message_id=message_id, instruction=instruction[:40])


def draft_store(
    *,
    draft_id: int,
    text: str,
    text_deid: str,
    mode: str,
    citations: Sequence[Mapping[str, Any]],
    verdicts: Sequence[Mapping[str, Any]],
    reading_grade: float | None,
) -> Draft:
    """A draft that passed the output rails, re-identified for the clinician only."""
    return _draft_finish(
        draft_id,
        status=Draft.Status.READY,
        text_encrypted=crypto.encrypt(text),
        text_deid=text_deid,
        mode=mode,
        citations=[dict(c) for c in citations],
        verdicts=[dict(v) for v in verdicts],
        reading_grade=reading_grade,
    )


def draft_reject(*, draft_id: int, reason: str, verdicts: Sequence[Mapping[str, Any]] = ()) -> Draft:
    """No draft: the rails rejected it (or drafting failed). ``reason`` is a machine code."""
    return _draft_finish(
        draft_id, status=Draft.Status.REJECTED, reason=reason[:64], verdicts=[dict(v) for v in verdicts]
    )


def draft_skip(*, draft_id: int, reason: str) -> Draft:
    """No draft on purpose: no reply is needed, or a crisis template answered."""
    return _draft_finish(draft_id, status=Draft.Status.SKIPPED, reason=reason[:64])


def _draft_finish(draft_id: int, **fields: Any) -> Draft:
    with transaction.atomic():
        draft = Draft.objects.select_for_update().get(pk=draft_id)
        if draft.status != Draft.Status.PENDING:  # discarded meanwhile (regenerated, sent)
            return draft
        for name, value in fields.items():
            setattr(draft, name, value)
        draft.save()
    return draft


def draft_discard(*, draft: Draft) -> Draft:
    """ "Write my own": the clinician sets the draft aside."""
    with transaction.atomic():
        locked = Draft.objects.select_for_update().get(pk=draft.pk)
        if locked.status not in (Draft.Status.READY, Draft.Status.PENDING):
            raise IllegalTransition(f"This draft is already {locked.status}.")
        locked.status = Draft.Status.DISCARDED
        locked.save(update_fields=["status"])
    return locked


def thread_open(*, thread: Thread, by: Any) -> dict[int, str]:
    """A clinician opens a thread: it is marked read, the time it was opened is kept for
    the time-to-reply figure, and the originals are decrypted with an access-log entry."""
    now = timezone.now()
    Thread.objects.filter(pk=thread.pk, status=Thread.Status.SENT).update(status=Thread.Status.READ)
    Thread.objects.filter(pk=thread.pk, opened_at__isnull=True).update(opened_at=now)
    return services.conversation_originals_for_staff(conversation=thread.conversation, viewer=by)


def thread_close_no_reply(*, thread: Thread, by: Any) -> Thread:
    """ "No reply needed": the thread leaves the queue; the patient sees it closed."""
    with transaction.atomic():
        locked = Thread.objects.select_for_update().get(pk=thread.pk)
        if locked.status in (Thread.Status.ANSWERED, Thread.Status.CLOSED):
            raise IllegalTransition(f"This thread is already {locked.status}.")
        locked.status = Thread.Status.CLOSED
        locked.save(update_fields=["status", "updated_at"])
        Draft.objects.filter(thread=locked, status__in=[Draft.Status.PENDING, Draft.Status.READY]).update(
            status=Draft.Status.DISCARDED
        )
    return locked


def edit_distance(draft: str, final: str) -> float:
    """rapidfuzz's normalised Indel distance: 0 unchanged, 1 nothing in common."""
    return float(Indel.normalized_distance(draft.strip(), final.strip()))


def portal_reply_send(*, thread: Thread, by: Any, text: str, draft: Draft | None = None) -> Message:
    """Send ``text`` to the patient as the care team's reply, under a recorded approval.

    The only way a care-team message is made. Raises NotAllowedToSend unless ``by``
    holds ``send_portal_reply``; IllegalTransition if the draft is not the thread's
    live draft; ValueError for empty text. Returns the sent message; the caller
    announces it to the patient after commit.
    """
    if not getattr(by, "is_authenticated", False) or not by.has_perm(SEND_PERMISSION):
        raise NotAllowedToSend("This user may not send replies to patients.")
    if not text.strip():
        raise ValueError("A reply needs text.")
    with transaction.atomic():
        locked = Thread.objects.select_for_update().get(pk=thread.pk)
        source = ""
        if draft is not None:
            live = Draft.objects.select_for_update().get(pk=draft.pk)
            if live.thread_id != locked.pk or live.status != Draft.Status.READY:
                raise IllegalTransition("That draft is no longer the thread's current draft.")
            source = crypto.decrypt(live.text_encrypted)
            live.status = Draft.Status.SENT
            live.save(update_fields=["status"])
        now = timezone.now()
        distance = edit_distance(source, text) if draft is not None else None
        approval = ReplyApproval.objects.create(
            thread=locked,
            draft=draft,
            approver=by,
            ai_drafted=draft is not None,
            edited=distance is not None and distance > 0,
            edit_distance=distance,
            seconds_open_to_send=(now - locked.opened_at).total_seconds() if locked.opened_at else None,
            urgency=locked.urgency,
            sla_breached=locked.due_at is not None and now > locked.due_at,
        )
        message = Message.objects.create(
            conversation_id=locked.conversation_id,
            role=Message.Role.CARE_TEAM,
            status=Message.Status.DELIVERED,
            text_encrypted=crypto.encrypt(text.strip()),
            approval=approval,
        )
        Draft.objects.filter(thread=locked, status__in=[Draft.Status.PENDING, Draft.Status.READY]).update(
            status=Draft.Status.DISCARDED
        )
        locked.status = Thread.Status.ANSWERED
        locked.save(update_fields=["status", "updated_at"])
        Conversation.objects.filter(pk=locked.conversation_id).update(updated_at=now)
    return message
