"""Writes. Every change to conversations, messages and escalations happens here.

Functions are named ``<entity>_<action>`` and take keyword-only arguments. None of
them logs or raises patient text. Services import nothing above them: no pipeline,
task, consumer or view (the import-linter contract in ``make test`` holds this).

A state change (an escalation acknowledged or resolved, open risk cleared, a message
failed) is one function: it locks the row, refuses an illegal move with
``IllegalTransition``, and makes every write in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from chatbot import crypto
from chatbot.models import AccessLog, Conversation, Escalation, Message
from chatbot.ratelimit import message_rate_check
from guardrails.base import RiskState


class IllegalTransition(Exception):
    """A state change that the row's current state does not allow. Nothing was written.

    ``detail`` is safe to show staff: it names states, never patient text."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def conversation_start(*, patient: Any) -> Conversation:
    """A new conversation. Open risk from a recent conversation carries over, so a
    patient who starts a new chat after disclosing risk is not a blank slate."""
    since = timezone.now() - timedelta(hours=settings.RISK_CARRYOVER_HOURS)
    recent = (
        Conversation.objects.filter(patient=patient, updated_at__gte=since)
        .exclude(risk_level=0, risk_categories=[])
        .order_by("-risk_level", "-updated_at")
        .first()
    )
    conversation = Conversation(patient=patient)
    if recent is not None:
        conversation.risk_level = recent.risk_level
        conversation.risk_categories = list(recent.risk_categories)
        conversation.needs_review = True
    conversation.save()
    return conversation


class RateLimited(Exception):
    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"rate limited for {retry_after_s}s")
        self.retry_after_s = retry_after_s


def patient_message_submit(
    *, patient_id: int, conversation_id: int, text: str, client_id: str | None
) -> tuple[Message, bool]:
    """The socket's and the API's one call: apply the rate limit, then store.

    Raises RateLimited (nothing is stored). Returns ``(message, created)``; the caller
    hands a created message to ``tasks.patient_message_enqueue``.
    """
    existing = _resent(conversation_id, client_id)
    if existing is not None:  # a re-send is acknowledged, never counted or stored twice
        return existing, False
    rate = message_rate_check(user_id=patient_id)
    if not rate.allowed:
        raise RateLimited(rate.retry_after_s)
    return patient_message_receive(conversation_id=conversation_id, text=text, client_id=client_id)


@dataclass(frozen=True)
class Submission:
    """One patient message as it arrived on a socket, before it is stored."""

    patient_id: int
    conversation_id: int
    text: str
    client_id: str | None


def patient_messages_submit(*, submissions: Sequence[Submission]) -> list[tuple[Message, bool] | RateLimited]:
    """``patient_message_submit`` for messages that arrived together, in one transaction.

    The same rules hold for each submission: a re-sent ``client_id`` is acknowledged and
    not stored again (also within the batch), the rate limit is applied, and the rest
    are stored before anything else happens. Returns, in order, ``(message, created)``
    or the ``RateLimited`` refusal for each. Under a burst this is one query for
    re-sends and one INSERT for the batch instead of several round trips per message.
    """
    results: list[tuple[Message, bool] | RateLimited | None] = [None] * len(submissions)
    existing = _resent_many(submissions)
    first_of: dict[tuple[int, str], int] = {}  # a client_id sent twice within the batch
    to_store: list[int] = []
    for i, sub in enumerate(submissions):
        key = (sub.conversation_id, sub.client_id) if sub.client_id is not None else None
        if key is not None and key in existing:
            results[i] = (existing[key], False)
            continue
        if key is not None and key in first_of:
            continue  # resolved below, to the message stored for the first copy
        rate = message_rate_check(user_id=sub.patient_id)
        if not rate.allowed:
            results[i] = RateLimited(rate.retry_after_s)
            continue
        if key is not None:
            first_of[key] = i
        to_store.append(i)
    try:
        with transaction.atomic():
            stored = Message.objects.bulk_create(
                [
                    Message(
                        conversation_id=submissions[i].conversation_id,
                        role=Message.Role.PATIENT,
                        client_id=submissions[i].client_id,
                        text_encrypted=crypto.encrypt(submissions[i].text),
                    )
                    for i in to_store
                ]
            )
            conversation_ids = {submissions[i].conversation_id for i in to_store}
            Conversation.objects.filter(pk__in=conversation_ids).update(updated_at=timezone.now())
        for i, message in zip(to_store, stored, strict=True):
            results[i] = (message, True)
    except IntegrityError:  # a client_id raced in on another process: store one by one
        for i in to_store:
            sub = submissions[i]
            results[i] = patient_message_receive(
                conversation_id=sub.conversation_id, text=sub.text, client_id=sub.client_id
            )
    for i, sub in enumerate(submissions):
        if results[i] is None and sub.client_id is not None:  # a copy of an earlier one in this batch
            first = results[first_of[(sub.conversation_id, sub.client_id)]]
            assert isinstance(first, tuple)
            results[i] = (first[0], False)
    return [r for r in results if r is not None]


def _resent_many(submissions: Sequence[Submission]) -> dict[tuple[int, str], Message]:
    keys = {(s.conversation_id, s.client_id) for s in submissions if s.client_id is not None}
    if not keys:
        return {}
    found = Message.objects.filter(
        conversation_id__in={c for c, _ in keys}, client_id__in={k for _, k in keys}
    )
    return {
        (m.conversation_id, m.client_id or ""): m for m in found if (m.conversation_id, m.client_id) in keys
    }


def patient_message_receive(
    *, conversation_id: int, text: str, client_id: str | None
) -> tuple[Message, bool]:
    """Store a patient message before anything else happens.

    Returns ``(message, created)``. A repeated ``client_id`` in the conversation
    returns the stored message with ``created=False``, so it is not processed twice.
    """
    existing = _resent(conversation_id, client_id)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            message = Message.objects.create(
                conversation_id=conversation_id,
                role=Message.Role.PATIENT,
                client_id=client_id,
                text_encrypted=crypto.encrypt(text),
            )
            Conversation.objects.filter(pk=conversation_id).update(updated_at=timezone.now())
    except IntegrityError:  # the same client_id raced in on another socket
        return Message.objects.get(conversation_id=conversation_id, client_id=client_id), False
    return message, True


def _resent(conversation_id: int, client_id: str | None) -> Message | None:
    """The stored message with this ``client_id``, if the client is sending it again."""
    if client_id is None:
        return None
    return Message.objects.filter(conversation_id=conversation_id, client_id=client_id).first()


def message_start_processing(*, message_id: int) -> bool:
    """Claim a received message for processing; False if another worker has it or it is done."""
    claimed = Message.objects.filter(pk=message_id, status=Message.Status.RECEIVED).update(
        status=Message.Status.PROCESSING, processing_started_at=timezone.now()
    )
    return claimed == 1


def messages_stalled_fail(*, older_than_s: int) -> int:
    """Fail messages stuck in processing (a worker died mid-message): keep them, mark
    them and tell a person, so none is silently lost. Returns how many."""
    cutoff = timezone.now() - timedelta(seconds=older_than_s)
    stalled = list(
        Message.objects.filter(
            status=Message.Status.PROCESSING, processing_started_at__lt=cutoff
        ).values_list("pk", flat=True)
    )
    failed = 0
    for message_id in stalled:
        with transaction.atomic():
            message = Message.objects.select_for_update().get(pk=message_id)
            # The worker may have finished it since the query above: only a message still
            # stuck is failed.
            if message.status == Message.Status.PROCESSING:
                _message_fail(message, reason="processing_stalled", verdicts=())
                failed += 1
    return failed


def message_deid_store(*, message_id: int, text_deid: str, surrogates_json: str) -> None:
    message = Message.objects.select_related("conversation").get(pk=message_id)
    with transaction.atomic():
        Message.objects.filter(pk=message_id).update(text_deid=text_deid)
        Conversation.objects.filter(pk=message.conversation_id).update(
            surrogates_encrypted=crypto.encrypt(surrogates_json)
        )


def message_verdicts_store(*, message_id: int, verdicts: Sequence[dict[str, Any]]) -> None:
    message = Message.objects.get(pk=message_id)
    Message.objects.filter(pk=message_id).update(verdicts=[*message.verdicts, *verdicts])


def escalation_create(
    *,
    message_id: int,
    kind: str,
    reason: str,
    priority: int = Escalation.Priority.ROUTINE,
    verdicts: Sequence[dict[str, Any]] = (),
) -> Escalation:
    """Mark the message and its conversation for a person, and open an escalation."""
    with transaction.atomic():
        message = Message.objects.get(pk=message_id)
        Message.objects.filter(pk=message_id).update(needs_review=True, review_reason=reason[:64])
        Conversation.objects.filter(pk=message.conversation_id).update(needs_review=True)
        return Escalation.objects.create(
            conversation_id=message.conversation_id,
            message_id=message_id,
            kind=kind,
            reason=reason[:64],
            priority=priority,
            verdicts=list(verdicts),
        )


# A patient message may fail while in flight, or after its reply was stored if sending
# it then broke; a failed message cannot fail again.
_FAILABLE = frozenset({Message.Status.RECEIVED, Message.Status.PROCESSING, Message.Status.ANSWERED})


def message_fail(*, message_id: int, reason: str, verdicts: Sequence[dict[str, Any]] = ()) -> Escalation:
    """A step failed: keep the message, mark it failed and tell a person (one transaction).

    Returns the escalation. Raises IllegalTransition if the message already failed (the
    stalled-message sweep got there first) or is not a patient message.
    """
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        if message.role != Message.Role.PATIENT or message.status not in _FAILABLE:
            raise IllegalTransition(f"A {message.status} {message.role} message cannot be marked failed.")
        return _message_fail(message, reason=reason, verdicts=verdicts)


def _message_fail(message: Message, *, reason: str, verdicts: Sequence[dict[str, Any]]) -> Escalation:
    """The writes of ``message_fail``; the caller holds the row lock inside a transaction."""
    message.status = Message.Status.FAILED
    message.save(update_fields=["status"])
    return escalation_create(
        message_id=message.pk, kind=Escalation.Kind.PROCESSING_ERROR, reason=reason, verdicts=verdicts
    )


def conversation_risk_raise(*, conversation_id: int, level: int, categories: Sequence[str]) -> None:
    """Raise the conversation's open risk. It never goes down here: only a clinician clears it."""
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation_id)
        merged = sorted(set(conversation.risk_categories) | set(categories))
        conversation.risk_level = max(conversation.risk_level, level)
        conversation.risk_categories = merged
        conversation.save(update_fields=["risk_level", "risk_categories", "updated_at"])


def conversation_risk_clear(
    *, conversation: Conversation, by: Any, seen: RiskState | None = None
) -> Conversation:
    """A clinician clears the conversation's open risk. Returns the updated conversation.

    ``seen`` is the risk the clinician reviewed (the portal's form sends it). Raises
    IllegalTransition when no risk is open, or when the risk rose above ``seen`` since:
    risk raised after the page was loaded is never wiped unseen.
    """
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        current = locked.risk_state
        if not current.is_open:
            raise IllegalTransition("This conversation has no open risk to clear.")
        if seen is not None and (current.level > seen.level or not current.categories <= seen.categories):
            raise IllegalTransition(
                "The risk in this conversation rose after you opened the page. Review it again before clearing it."
            )
        locked.risk_level = 0
        locked.risk_categories = []
        locked.risk_cleared_by = by
        locked.risk_cleared_at = timezone.now()
        locked.save(update_fields=["risk_level", "risk_categories", "risk_cleared_by", "risk_cleared_at"])
    return locked


def reply_record(
    *,
    message_id: int,
    text: str,
    text_deid: str,
    mode: str,
    citations: Sequence[Mapping[str, Any]] = (),
    verdicts: Sequence[dict[str, Any]] = (),
) -> Message:
    """Store the assistant's reply (what the patient saw) and close the patient message."""
    message = Message.objects.get(pk=message_id)
    with transaction.atomic():
        reply = Message.objects.create(
            conversation_id=message.conversation_id,
            role=Message.Role.ASSISTANT,
            status=Message.Status.DELIVERED,
            reply_to_id=message_id,
            text_encrypted=crypto.encrypt(text),
            text_deid=text_deid,
            mode=mode,
            citations=[dict(c) for c in citations],
            verdicts=list(verdicts),
        )
        Message.objects.filter(pk=message_id).exclude(status=Message.Status.FAILED).update(
            status=Message.Status.ANSWERED
        )
    return reply


def escalation_acknowledge(*, escalation: Escalation, by: Any) -> Escalation:
    """Open → acknowledged. Returns the updated escalation; raises IllegalTransition
    unless it is open (a second acknowledgement would hide who took it first)."""
    with transaction.atomic():
        locked = Escalation.objects.select_for_update().get(pk=escalation.pk)
        if locked.status != Escalation.Status.OPEN:
            raise IllegalTransition(f"This escalation is already {locked.status}.")
        locked.status = Escalation.Status.ACKNOWLEDGED
        locked.acknowledged_by = by
        locked.acknowledged_at = timezone.now()
        locked.save(update_fields=["status", "acknowledged_by", "acknowledged_at"])
    return locked


def escalation_resolve(*, escalation: Escalation, by: Any, note: str = "") -> Escalation:
    """Open or acknowledged → resolved (an open one is acknowledged by the same person).

    Returns the updated escalation; raises IllegalTransition if it is already resolved,
    so ``resolved_by`` and the note are never overwritten."""
    with transaction.atomic():
        locked = Escalation.objects.select_for_update().get(pk=escalation.pk)
        if locked.status == Escalation.Status.RESOLVED:
            raise IllegalTransition("This escalation is already resolved.")
        locked.status = Escalation.Status.RESOLVED
        locked.resolved_by = by
        locked.resolved_at = timezone.now()
        locked.note = note
        if locked.acknowledged_by is None:
            locked.acknowledged_by, locked.acknowledged_at = by, locked.resolved_at
        locked.save(
            update_fields=[
                "status",
                "resolved_by",
                "resolved_at",
                "note",
                "acknowledged_by",
                "acknowledged_at",
            ]
        )
    return locked


def conversation_originals_for_staff(*, conversation: Conversation, viewer: Any) -> dict[int, str]:
    """Decrypt every message of ``conversation`` for a staff view, and log the access."""
    AccessLog.objects.create(user=viewer, conversation=conversation, action="view_original")
    return {m.pk: crypto.decrypt(m.text_encrypted) for m in conversation.messages.all()}
