"""Writes. Every change to conversations, messages and escalations happens here.

Functions are named ``<entity>_<action>`` and take keyword-only arguments. None of
them logs or raises patient text. Services import nothing above them: no pipeline,
task, consumer or view (the import-linter contract in ``make test`` holds this).

A state change (an escalation acknowledged or resolved, open risk cleared, a message
failed) is one function: it locks the row, refuses an illegal move with
``IllegalTransition``, and makes every write in one transaction.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from chatbot import crypto, request_context, roles
from chatbot.bulk import bulk_insert, rows_matching
from chatbot.events import patient_event_on_commit, staff_event_on_commit
from chatbot.models import (
    AUDIT_GENESIS,
    AuditEvent,
    AuditHead,
    Conversation,
    Draft,
    Escalation,
    EscalationRecord,
    Message,
    PatientProfile,
    ReplyApproval,
    TakeoverRecord,
    Thread,
    Triage,
)
from chatbot.protocol import (
    EscalationChangedEvent,
    PatientMessageEvent,
    StaffJoinedEvent,
    StaffLeftEvent,
    StaffMessageEvent,
    TakeoverChangedEvent,
)
from chatbot.ratelimit import message_rate_check, message_rate_checks
from guardrails.base import RiskState

logger = logging.getLogger(__name__)


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
    counted: list[int] = []  # new messages, each counted against its sender's limit
    for i, sub in enumerate(submissions):
        key = (sub.conversation_id, sub.client_id) if sub.client_id is not None else None
        if key is not None and key in existing:
            results[i] = (existing[key], False)
            continue
        if key is not None and key in first_of:
            continue  # resolved below, to the message stored for the first copy
        if key is not None:
            first_of[key] = i
        counted.append(i)
    rates = message_rate_checks(user_ids=[submissions[i].patient_id for i in counted])
    to_store: list[int] = []
    for i, rate in zip(counted, rates, strict=True):
        if rate.allowed:
            to_store.append(i)
        else:
            results[i] = RateLimited(rate.retry_after_s)
    try:
        with transaction.atomic():
            stored = bulk_insert(
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
            assert first is not None
            # The first copy's refusal, or its message acknowledged as a duplicate.
            results[i] = first if isinstance(first, RateLimited) else (first[0], False)
    return [r for r in results if r is not None]


def _resent_many(submissions: Sequence[Submission]) -> dict[tuple[int, str], Message]:
    keys = {(s.conversation_id, s.client_id) for s in submissions if s.client_id is not None}
    if not keys:
        return {}
    found = rows_matching(Message, "conversation", "client_id", keys)
    return {(m.conversation_id, m.client_id or ""): m for m in found}


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


def _unclaimed_messages() -> QuerySet[Message]:
    """Patient messages still as stored: the pipeline has not claimed them."""
    return Message.objects.filter(role=Message.Role.PATIENT, status=Message.Status.RECEIVED)


def message_unclaimed(*, message_id: int) -> bool:
    """True while the pipeline has not claimed the patient message (it is still as stored)."""
    return _unclaimed_messages().filter(pk=message_id).exists()


def messages_unpicked(*, older_than_s: int) -> list[int]:
    """Patient messages stored and acknowledged but never picked up: their hand-over to
    the pipeline failed after the commit (the broker was unreachable). Ids only; a second
    hand-over is safe, since the pipeline claims a message before it works on it."""
    cutoff = timezone.now() - timedelta(seconds=older_than_s)
    return list(_unclaimed_messages().filter(created_at__lt=cutoff).values_list("pk", flat=True)[:1000])


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
    """Mark the message and its conversation for a person, and open an escalation.
    Every open portal page hears of it once the transaction commits."""
    with transaction.atomic():
        message = Message.objects.get(pk=message_id)
        Message.objects.filter(pk=message_id).update(needs_review=True, review_reason=reason[:64])
        Conversation.objects.filter(pk=message.conversation_id).update(needs_review=True)
        escalation = Escalation.objects.create(
            conversation_id=message.conversation_id,
            message_id=message_id,
            kind=kind,
            reason=reason[:64],
            priority=priority,
            verdicts=list(verdicts),
        )
        record(escalation=escalation, by=None, action=EscalationRecord.Action.CREATED)
        escalation_announce(escalation=escalation, change="created")
    return escalation


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
        audit_record(
            actor=by,
            action="risk_clear",
            obj=locked,
            detail={"level": int(current.level), "categories": sorted(current.categories)},
        )
    return locked


def reply_record(
    *,
    message_id: int,
    text: str,
    text_deid: str,
    mode: str,
    citations: Sequence[Mapping[str, Any]] = (),
    verdicts: Sequence[dict[str, Any]] = (),
    actions: Sequence[str] = (),
) -> Message:
    """Store the assistant's reply (what the patient saw, with the follow-ups it offered)
    and close the patient message."""
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
            actions=list(actions),
            verdicts=list(verdicts),
        )
        Message.objects.filter(pk=message_id).exclude(status=Message.Status.FAILED).update(
            status=Message.Status.ANSWERED
        )
    return reply


# --- The escalation lifecycle -------------------------------------------------------------
# open -> acknowledged -> in_progress -> resolved, and resolved -> open (reopen). One
# function per transition; each locks the row, checks the state (and the version the
# caller saw, when given), writes its record in the same transaction, and tells every
# open portal page after commit.


_AUDIT_ACTIONS = {"acknowledged": "escalation_acknowledge", "resolved": "escalation_resolve"}


class StaleEscalation(IllegalTransition):
    """Someone else changed the escalation after the caller loaded it (optimistic locking)."""


def record(
    *, escalation: Escalation, by: Any, action: str, note: str = "", **detail: Any
) -> EscalationRecord:
    """The one call site that records a staff or system action on an escalation (who,
    what, when). ``detail`` takes machine values only. Every staff action is also an
    event in the audit chain, in the same transaction (the note's text is never copied);
    the system's own (created, breached, paged) stay in this record."""
    if by is not None and getattr(by, "pk", None):
        audit_record(
            actor=by,
            action=_AUDIT_ACTIONS.get(action, f"escalation_{action}"),
            obj=escalation,
            detail={k: v for k, v in detail.items() if isinstance(v, (int, str, bool)) and k != "note"},
        )
    return EscalationRecord.objects.create(
        escalation=escalation,
        by=by if by is not None and by.pk else None,
        action=action,
        note=note,
        detail=detail,
    )


def staff_name(user: Any) -> str:
    """How a staff member is named to colleagues and patients."""
    if user is None:
        return ""
    return str(user.get_full_name() or user.get_username())


def staff_role(user: Any) -> str:
    """The staff member's role in words ("Clinician", "Safety officer")."""
    if roles.has_role(user, roles.CLINICIAN):
        return "Clinician"
    if roles.has_role(user, roles.SAFETY_OFFICER):
        return "Safety officer"
    return "Care team"


def _lock(escalation: Escalation, expected_version: int | None) -> Escalation:
    # No select_related: after waiting for a lock, PostgreSQL re-reads the locked row
    # but not the joined ones, so who got there first is read after the lock.
    locked = Escalation.objects.select_for_update().get(pk=escalation.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleEscalation(_who_got_there_first(locked))
    return locked


def _who_got_there_first(locked: Escalation) -> str:
    """What changed since the caller looked, named, so nobody overwrites it silently."""
    status = locked.get_status_display().lower()
    if locked.status == Escalation.Status.RESOLVED and locked.resolved_by is not None:
        return f"{staff_name(locked.resolved_by)} already resolved this escalation. Reload to see it."
    if locked.status == Escalation.Status.IN_PROGRESS and locked.claimed_by is not None:
        return f"{staff_name(locked.claimed_by)} is already working on this escalation. Reload to see it."
    if locked.status == Escalation.Status.ACKNOWLEDGED and locked.acknowledged_by is not None:
        return f"{staff_name(locked.acknowledged_by)} already acknowledged this escalation. Reload to see it."
    return f"This escalation changed since you loaded it (it is now {status}). Reload to see it."


def _save(
    locked: Escalation, fields: list[str], *, by: Any, change: str, note: str = "", **detail: Any
) -> None:
    locked.version += 1
    locked.save(update_fields=[*fields, "version"])
    record(escalation=locked, by=by, action=change, note=note, **detail)
    escalation_announce(escalation=locked, change=change, by=by)


def escalation_announce(*, escalation: Escalation, change: str, by: Any = None) -> None:
    """Tell every open portal page, after commit, that ``escalation`` changed."""
    staff_event_on_commit(
        EscalationChangedEvent(
            type="escalation",
            change=change,
            escalation_id=escalation.pk,
            conversation_id=escalation.conversation_id,
            kind=escalation.kind,
            priority=escalation.priority_name,
            status=escalation.status,
            version=escalation.version,
            by=staff_name(by),
            at=timezone.now().isoformat(),
        )
    )


def escalation_acknowledge(
    *, escalation: Escalation, by: Any, expected_version: int | None = None
) -> Escalation:
    """Open → acknowledged. Returns the updated escalation; raises IllegalTransition
    unless it is open (a second acknowledgement names who took it first), and
    StaleEscalation if it changed since ``expected_version``."""
    with transaction.atomic():
        locked = _lock(escalation, expected_version)
        if locked.status != Escalation.Status.OPEN:
            raise IllegalTransition(_already(locked))
        locked.status = Escalation.Status.ACKNOWLEDGED
        locked.acknowledged_by = by
        locked.acknowledged_at = timezone.now()
        locked.next_page_at = None  # paging stops once a person has it
        _save(
            locked,
            ["status", "acknowledged_by", "acknowledged_at", "next_page_at"],
            by=by,
            change="acknowledged",
        )
    return locked


def _already(locked: Escalation) -> str:
    """The refusal for a transition someone else already made, naming them."""
    if locked.status == Escalation.Status.ACKNOWLEDGED and locked.acknowledged_by is not None:
        return f"This escalation is already acknowledged (by {staff_name(locked.acknowledged_by)})."
    if locked.status == Escalation.Status.IN_PROGRESS and locked.claimed_by is not None:
        return f"This escalation is already in progress (claimed by {staff_name(locked.claimed_by)})."
    if locked.status == Escalation.Status.RESOLVED and locked.resolved_by is not None:
        return f"This escalation is already resolved (by {staff_name(locked.resolved_by)})."
    return f"This escalation is already {locked.get_status_display().lower()}."


def escalation_claim(*, escalation: Escalation, by: Any, expected_version: int | None = None) -> Escalation:
    """Open or acknowledged → in progress: ``by`` is working on it (an open one is
    acknowledged by the same person). Raises IllegalTransition if someone already
    claimed or resolved it: two staff never silently work one item."""
    with transaction.atomic():
        locked = _lock(escalation, expected_version)
        if locked.status not in (Escalation.Status.OPEN, Escalation.Status.ACKNOWLEDGED):
            raise IllegalTransition(_already(locked))
        now = timezone.now()
        if locked.acknowledged_by is None:
            locked.acknowledged_by, locked.acknowledged_at = by, now
        locked.status = Escalation.Status.IN_PROGRESS
        locked.claimed_by, locked.claimed_at = by, now
        locked.next_page_at = None
        _save(
            locked,
            ["status", "claimed_by", "claimed_at", "acknowledged_by", "acknowledged_at", "next_page_at"],
            by=by,
            change="claimed",
        )
    return locked


def escalation_resolve(
    *,
    escalation: Escalation,
    by: Any,
    outcome: str,
    note: str = "",
    false_alarm_rail: str = "",
    false_alarm_detail: str = "",
    expected_version: int | None = None,
) -> Escalation:
    """Open, acknowledged or in progress → resolved, with an outcome code (an open one
    is acknowledged by the same person). A false alarm must name the rail and say what
    it got wrong. Raises ValueError for a bad outcome, IllegalTransition if already
    resolved (``resolved_by`` and the note are never overwritten)."""
    if outcome not in Escalation.Outcome.values:
        raise ValueError("unknown outcome")
    false_alarm_rail, false_alarm_detail = false_alarm_rail.strip(), false_alarm_detail.strip()
    if outcome == Escalation.Outcome.FALSE_ALARM and not (false_alarm_rail and false_alarm_detail):
        raise ValueError("a false alarm names the rail and what it got wrong")
    if outcome != Escalation.Outcome.FALSE_ALARM:
        false_alarm_rail = false_alarm_detail = ""
    with transaction.atomic():
        locked = _lock(escalation, expected_version)
        if locked.status == Escalation.Status.RESOLVED:
            raise IllegalTransition(_already(locked))
        locked.status = Escalation.Status.RESOLVED
        locked.resolved_by = by
        locked.resolved_at = timezone.now()
        locked.note = note
        locked.outcome = outcome
        locked.false_alarm_rail = false_alarm_rail[:32]
        locked.false_alarm_detail = false_alarm_detail[:500]
        locked.next_page_at = None
        if locked.acknowledged_by is None:
            locked.acknowledged_by, locked.acknowledged_at = by, locked.resolved_at
        _save(
            locked,
            ["status", "resolved_by", "resolved_at", "note", "outcome", "false_alarm_rail",
             "false_alarm_detail", "acknowledged_by", "acknowledged_at", "next_page_at"],
            by=by,
            change="resolved",
            note=note,
            outcome=outcome,
            false_alarm_rail=locked.false_alarm_rail,
        )  # fmt: skip
    return locked


def escalation_reopen(
    *, escalation: Escalation, by: Any, note: str = "", expected_version: int | None = None
) -> Escalation:
    """Resolved → open again, for a person to take afresh; its SLA clock restarts now.
    Raises IllegalTransition unless it is resolved."""
    with transaction.atomic():
        locked = _lock(escalation, expected_version)
        if locked.status != Escalation.Status.RESOLVED:
            raise IllegalTransition(
                f"Only a resolved escalation can be reopened; this one is {locked.get_status_display().lower()}."
            )
        locked.status = Escalation.Status.OPEN
        locked.reopened_at = timezone.now()
        locked.acknowledged_by = locked.acknowledged_at = None
        locked.claimed_by = locked.claimed_at = None
        locked.resolved_by = locked.resolved_at = None
        locked.outcome = locked.false_alarm_rail = locked.false_alarm_detail = ""
        locked.breached_at = locked.next_page_at = None
        locked.page_tier = 0
        _save(
            locked,
            ["status", "reopened_at", "acknowledged_by", "acknowledged_at", "claimed_by", "claimed_at",
             "resolved_by", "resolved_at", "outcome", "false_alarm_rail", "false_alarm_detail",
             "breached_at", "next_page_at", "page_tier"],
            by=by,
            change="reopened",
            note=note,
        )  # fmt: skip
    return locked


def escalation_note_add(*, escalation: Escalation, by: Any, text: str) -> EscalationRecord:
    """A staff note on an escalation, in any state. Raises ValueError when empty."""
    text = text.strip()
    if not text:
        raise ValueError("empty note")
    with transaction.atomic():
        locked = _lock(escalation, None)
        entry = record(escalation=locked, by=by, action=EscalationRecord.Action.NOTE, note=text[:4000])
        escalation_announce(escalation=locked, change="note", by=by)
    return entry


def escalation_view_record(*, escalation: Escalation, by: Any) -> None:
    """A staff member opened the escalation's page."""
    record(escalation=escalation, by=by, action=EscalationRecord.Action.VIEWED)


def escalation_breach_mark(*, escalation_id: int, now: datetime, repage_after_s: int) -> Escalation | None:
    """The acknowledgement SLA has passed: mark the breach (first time), move paging
    to the next tier and set when to page again. Returns the escalation with its new
    ``page_tier``, or None if a person acknowledged it meanwhile or it is not due."""
    with transaction.atomic():
        locked = Escalation.objects.select_for_update().get(pk=escalation_id)
        if locked.status != Escalation.Status.OPEN:
            return None
        if locked.next_page_at is not None and locked.next_page_at > now:
            return None
        first = locked.breached_at is None
        if first:
            locked.breached_at = now
        locked.page_tier += 1
        locked.next_page_at = now + timedelta(seconds=repage_after_s)
        locked.version += 1
        locked.save(update_fields=["breached_at", "page_tier", "next_page_at", "version"])
        record(
            escalation=locked,
            by=None,
            action=EscalationRecord.Action.BREACHED if first else EscalationRecord.Action.PAGED,
            tier=locked.page_tier,
        )
        escalation_announce(escalation=locked, change="breached" if first else "paged")
    return locked


# --- Human takeover of a patient's chat ------------------------------------------------------


def takeover_record(
    *, conversation: Conversation, by: Any, action: str, message: Message | None = None
) -> TakeoverRecord:
    """The one call site that records a join, staff message, hand-back or end (who,
    when; never text). Each is also an event in the audit chain."""
    audit_record(actor=by, action=f"takeover_{action}", obj=conversation)
    return TakeoverRecord.objects.create(conversation=conversation, by=by, action=action, message=message)


def conversation_staff_join(*, conversation: Conversation, by: Any) -> Conversation:
    """A staff member joins the patient's chat: the assistant stops answering, the
    patient is told who joined. Raises IllegalTransition if someone else is in it."""
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.staff_joined_by_id == by.pk:
            return locked  # a second tab of the same person: nothing changes
        if locked.staff_joined_by is not None:
            raise IllegalTransition(f"{staff_name(locked.staff_joined_by)} is already in this chat.")
        locked.staff_joined_by = by
        locked.staff_joined_at = timezone.now()
        locked.save(update_fields=["staff_joined_by", "staff_joined_at"])
        takeover_record(conversation=locked, by=by, action=TakeoverRecord.Action.JOINED)
        name, role = staff_name(by), staff_role(by)
        patient_event_on_commit(
            conversation_id=locked.pk,
            event=StaffJoinedEvent(
                type="staff_joined",
                conversation_id=locked.pk,
                name=name,
                role=role,
                text=f"{name}, {role.lower()}, has joined the chat. You are talking with a person now.",
            ),
        )
        staff_event_on_commit(
            TakeoverChangedEvent(type="takeover", conversation_id=locked.pk, joined=True, by=name)
        )
    return locked


def conversation_staff_leave(*, conversation: Conversation, by: Any, then: str) -> Conversation:
    """The staff member leaves: ``then`` is ``assistant`` (hand the chat back) or
    ``ended`` (the chat is over). The patient is told which. Raises IllegalTransition
    if ``by`` is not the one in the chat, ValueError for another ``then``."""
    if then not in ("assistant", "ended"):
        raise ValueError("then must be 'assistant' or 'ended'")
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.staff_joined_by_id != by.pk:
            raise IllegalTransition("You are not in this chat.")
        locked.staff_joined_by = None
        locked.staff_joined_at = None
        locked.save(update_fields=["staff_joined_by", "staff_joined_at"])
        action = TakeoverRecord.Action.HANDED_BACK if then == "assistant" else TakeoverRecord.Action.ENDED
        takeover_record(conversation=locked, by=by, action=action)
        name = staff_name(by)
        text = (
            f"{name} has left the chat. The assistant is answering again."
            if then == "assistant"
            else f"{name} has ended the chat. Start a new message any time; the assistant will answer."
        )
        patient_event_on_commit(
            conversation_id=locked.pk,
            event=StaffLeftEvent(
                type="staff_left",
                conversation_id=locked.pk,
                name=name,
                then="assistant" if then == "assistant" else "ended",
                text=text,
            ),
        )
        staff_event_on_commit(
            TakeoverChangedEvent(type="takeover", conversation_id=locked.pk, joined=False, by=name)
        )
    return locked


def staff_message_send(*, conversation: Conversation, by: Any, text: str) -> Message:
    """Store a joined staff member's message and send it to the patient's sockets (and
    the portal's) after commit. It waits (``WAITING``) until a patient socket has it.
    Raises IllegalTransition if ``by`` has not joined the chat."""
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.staff_joined_by_id != by.pk:
            raise IllegalTransition("Join the chat before writing to the patient.")
        message = Message.objects.create(
            conversation=locked,
            role=Message.Role.STAFF,
            status=Message.Status.WAITING,
            author=by,
            text_encrypted=crypto.encrypt(text),
        )
        Conversation.objects.filter(pk=locked.pk).update(updated_at=timezone.now())
        takeover_record(conversation=locked, by=by, action=TakeoverRecord.Action.MESSAGE, message=message)
        event = staff_message_event(message, text=text)
        patient_event_on_commit(conversation_id=locked.pk, event=event)
        staff_event_on_commit(event, conversation_id=locked.pk)
    return message


def staff_message_event(message: Message, *, text: str) -> StaffMessageEvent:
    return StaffMessageEvent(
        type="staff_message",
        conversation_id=message.conversation_id,
        message_id=message.pk,
        name=staff_name(message.author),
        role=staff_role(message.author),
        text=text,
        created_at=message.created_at.isoformat(),
    )


def staff_messages_delivered(*, message_ids: Sequence[int]) -> int:
    """A patient socket received these staff messages. Returns how many were waiting."""
    return Message.objects.filter(
        pk__in=list(message_ids), role=Message.Role.STAFF, status=Message.Status.WAITING
    ).update(status=Message.Status.DELIVERED)


def message_crisis_shown(*, message_id: int) -> None:
    """The patient was shown the crisis resources for this message (the triage queue says so)."""
    Message.objects.filter(pk=message_id, crisis_shown_at__isnull=True).update(crisis_shown_at=timezone.now())


def message_hold_for_staff(*, message_id: int) -> None:
    """A patient message screened while a person is in the chat: not answered by the
    assistant; the joined staff member sees it (after commit)."""
    with transaction.atomic():
        message = Message.objects.get(pk=message_id)
        Message.objects.filter(pk=message_id, status=Message.Status.PROCESSING).update(
            status=Message.Status.WITH_STAFF
        )
        staff_event_on_commit(
            PatientMessageEvent(
                type="patient_message",
                conversation_id=message.conversation_id,
                message_id=message.pk,
                text=crypto.decrypt(message.text_encrypted),
                created_at=message.created_at.isoformat(),
            ),
            conversation_id=message.conversation_id,
        )


PRESENCE_TTL_S = 6 * 3600


def patient_presence_change(*, conversation_id: int, delta: int) -> None:
    """Count the patient's open sockets on a conversation (the cache, shared through
    Redis in production): ``selectors.patients_online`` reads it."""
    key = presence_key(conversation_id)
    cache.add(key, 0, PRESENCE_TTL_S)
    try:
        value = cache.incr(key, delta)
    except ValueError:  # expired between add and incr
        value = delta
        cache.set(key, max(0, value), PRESENCE_TTL_S)
    if value < 0:
        cache.set(key, 0, PRESENCE_TTL_S)


def presence_key(conversation_id: int) -> str:
    return f"presence:conversation:{conversation_id}"


def patient_profile_upsert(*, patient: Any, **fields: str) -> PatientProfile:
    profile, _ = PatientProfile.objects.update_or_create(patient=patient, defaults=fields)
    return profile


def conversation_originals_for_staff(*, conversation: Conversation, viewer: Any) -> dict[int, str]:
    """Decrypt every message of ``conversation`` for a staff view, and audit the access
    (the access log is a view over these events)."""
    with transaction.atomic():
        audit_record(actor=viewer, action="view_original", obj=conversation)
        return {m.pk: crypto.decrypt(m.text_encrypted) for m in conversation.messages.all()}


def conversation_break_glass(*, conversation: Conversation, by: Any, reason: str) -> None:
    """Record that ``by`` opened a conversation outside their work, and why.

    Raises ValueError when the reason is too short to mean anything (under 10 characters)."""
    reason = " ".join(reason.split())
    if len(reason) < 10:
        raise ValueError("Give a reason of at least 10 characters.")
    audit_record(actor=by, action="break_glass", obj=conversation, reason=reason)


@dataclass(frozen=True)
class PurgeResult:
    conversations: int
    messages: int
    escalations: int


def conversations_purge(*, older_than_days: int, dry_run: bool = False) -> PurgeResult:
    """Delete conversations untouched for ``older_than_days`` (retention policy), with
    their messages and resolved escalations, and for a care-team thread its triage,
    drafts and approvals. Never one under legal hold, with an escalation still open or
    acknowledged, or a thread still waiting for the care team. Each deletion is audited
    (counts only); the audit record itself is kept. Returns what was (or, dry run,
    would be) purged."""
    if older_than_days < 1:
        raise ValueError("older_than_days must be at least 1")
    cutoff = timezone.now() - timedelta(days=older_than_days)
    candidates = (
        Conversation.objects.filter(updated_at__lt=cutoff, legal_hold=False)
        .exclude(escalations__status__in=[Escalation.Status.OPEN, Escalation.Status.ACKNOWLEDGED])
        .exclude(thread__status__in=_THREAD_WAITING)
        .values_list("pk", flat=True)
        .distinct()
    )
    totals = [0, 0, 0]
    for conversation_id in list(candidates):
        with transaction.atomic():
            conversation = Conversation.objects.select_for_update().get(pk=conversation_id)
            escalations = Escalation.objects.filter(conversation=conversation)
            thread = Thread.objects.filter(conversation=conversation).first()
            if (
                conversation.legal_hold
                or escalations.exclude(status=Escalation.Status.RESOLVED).exists()
                or (thread is not None and thread.status in _THREAD_WAITING)
            ):
                continue  # changed since the query above
            messages = Message.objects.filter(conversation=conversation)
            counts = {"messages": messages.count(), "escalations": escalations.count()}
            if thread is not None:
                counts["thread"] = 1
            if not dry_run:
                _thread_records_delete(conversation=conversation, thread=thread)
                # The escalations' and takeovers' own records go with them (the audit
                # chain keeps who did what, without patient text).
                EscalationRecord.objects.filter(escalation__conversation=conversation).delete()
                TakeoverRecord.objects.filter(conversation=conversation).delete()
                escalations.delete()
                messages.filter(reply_to__isnull=False).delete()
                messages.delete()
                audit_record(
                    actor=None,
                    action="purge",
                    obj=conversation,
                    detail={**counts, "older_than_days": older_than_days},
                )
                conversation.delete()
            totals = [totals[0] + 1, totals[1] + counts["messages"], totals[2] + counts["escalations"]]
    return PurgeResult(*totals)


_THREAD_WAITING = (Thread.Status.SENT, Thread.Status.READ)


def _thread_records_delete(*, conversation: Conversation, thread: Thread | None) -> None:
    """Before a purged conversation's messages go: its care-team thread with its
    approvals, drafts and triage; and a link from a thread the patient started from one
    of its chat messages (that thread stays, without the link)."""
    Thread.objects.filter(from_chat_message__conversation=conversation).update(from_chat_message=None)
    if thread is not None:
        # Sent replies point at their approval, approvals at their draft, drafts at the
        # patient's message: delete in that order.
        Message.objects.filter(conversation=conversation, approval__isnull=False).delete()
        ReplyApproval.objects.filter(thread=thread).delete()
        Draft.objects.filter(thread=thread).delete()
    Draft.objects.filter(message__conversation=conversation).delete()
    Triage.objects.filter(message__conversation=conversation).delete()
    if thread is not None:
        thread.delete()  # its assignment goes with it (CASCADE)


# --- The audit record ---------------------------------------------------------------------


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: Any = None,
    object_type: str = "",
    object_id: object = "",
    reason: str = "",
    detail: Mapping[str, Any] | None = None,
    source_ip: str | None = None,
) -> AuditEvent:
    """Append one event to the hash chain and return it.

    Call it inside the transaction of the change it records, so both commit or
    neither does. It locks the chain's head row (``SELECT ... FOR UPDATE``) until that
    transaction ends: concurrent writers append one after another and every event
    links to the one before. ``obj`` gives the object type (model name) and id;
    ``detail`` holds machine facts only, never patient text. ``source_ip`` defaults to
    the current request's address (``request_context``).
    """
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        object_id = object_id or obj.pk
    user = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        head = AuditHead.objects.select_for_update().filter(pk=1).first()
        if head is None:  # a database built without migration 0004's data step
            head, _ = AuditHead.objects.get_or_create(pk=1, defaults={"last_hash": AUDIT_GENESIS})
            head = AuditHead.objects.select_for_update().get(pk=1)
        event = AuditEvent(
            at=timezone.now(),
            actor=user,
            actor_name=user.get_username() if user is not None else str(actor or "system")[:150],
            role=roles.role_of(user) if user is not None else ("system" if actor is None else "anonymous"),
            action=action[:64],
            object_type=str(object_type)[:64],
            object_id=str(object_id)[:64],
            source_ip=source_ip or request_context.source_ip(),
            reason=reason[:500],
            detail=dict(detail or {}),
            prev_hash=head.last_hash,
        )
        event.hash = event.compute_hash()
        event.save(force_insert=True)
        AuditHead.objects.filter(pk=1).update(last_id=event.pk, last_hash=event.hash, count=head.count + 1)
    return event


def audit_anchor_publish(*, path: str = "", webhook_url: str = "") -> dict[str, Any]:
    """Write the chain's head (an anchor) outside the database: to the log, appended as
    a JSON line to ``path``, and POSTed to ``webhook_url`` when set. Returns the anchor.

    Once an anchor is out of the database's reach, a rewrite of the chain, even by a
    database superuser who recomputes every hash, no longer matches it
    (``manage.py audit_verify --anchors FILE``). Raises OSError or httpx.HTTPError
    when the file or the webhook fails, so the beat task's failure is visible.
    """
    head = AuditHead.objects.filter(pk=1).first()
    anchor = {
        "at": timezone.now().isoformat(),
        "id": head.last_id if head else 0,
        "hash": head.last_hash if head else AUDIT_GENESIS,
        "count": head.count if head else 0,
    }
    logger.info("audit anchor id=%s count=%s hash=%s", anchor["id"], anchor["count"], anchor["hash"])
    if path:
        with Path(path).open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(anchor, sort_keys=True) + "\n")
    if webhook_url:
        httpx.post(webhook_url, json=anchor, timeout=10.0).raise_for_status()
    return anchor


# --- Second factor ---------------------------------------------------------------------------


def mfa_totp_pending(*, user: Any) -> TOTPDevice:
    """The user's unconfirmed authenticator-app device, created on first use."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=False)


def mfa_enrol_complete(*, device: TOTPDevice) -> list[str]:
    """Confirm the authenticator app and issue fresh recovery codes (each works once).

    Returns the codes: they are shown to the user once and stored only in the device
    table. Earlier recovery codes stop working. Audited."""
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
        StaticDevice.objects.filter(user=device.user).delete()
        recovery = StaticDevice.objects.create(user=device.user, name="recovery codes", confirmed=True)
        codes = [StaticToken.random_token() for _ in range(settings.MFA_RECOVERY_CODES)]
        StaticToken.objects.bulk_create([StaticToken(device=recovery, token=code) for code in codes])
        audit_record(actor=device.user, action="mfa_enrol", obj=device.user)
    return codes
