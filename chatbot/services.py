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
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from chatbot import crypto, request_context, roles
from chatbot.models import AUDIT_GENESIS, AuditEvent, AuditHead, Conversation, Escalation, Message
from chatbot.ratelimit import message_rate_check
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
        audit_record(actor=by, action="escalation_acknowledge", obj=locked)
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
            update_fields=["status", "resolved_by", "resolved_at", "note", "acknowledged_by", "acknowledged_at"]
        )
        audit_record(actor=by, action="escalation_resolve", obj=locked)
    return locked


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
    their messages and resolved escalations. Never one under legal hold or with an
    escalation still open or acknowledged. Each deletion is audited (counts only);
    the audit record itself is kept. Returns what was (or, dry run, would be) purged."""
    if older_than_days < 1:
        raise ValueError("older_than_days must be at least 1")
    cutoff = timezone.now() - timedelta(days=older_than_days)
    candidates = (
        Conversation.objects.filter(updated_at__lt=cutoff, legal_hold=False)
        .exclude(escalations__status__in=[Escalation.Status.OPEN, Escalation.Status.ACKNOWLEDGED])
        .values_list("pk", flat=True)
        .distinct()
    )
    totals = [0, 0, 0]
    for conversation_id in list(candidates):
        with transaction.atomic():
            conversation = Conversation.objects.select_for_update().get(pk=conversation_id)
            escalations = Escalation.objects.filter(conversation=conversation)
            if conversation.legal_hold or escalations.exclude(status=Escalation.Status.RESOLVED).exists():
                continue  # changed since the query above
            messages = Message.objects.filter(conversation=conversation)
            counts = {"messages": messages.count(), "escalations": escalations.count()}
            if not dry_run:
                escalations.delete()
                messages.filter(reply_to__isnull=False).delete()
                messages.delete()
                audit_record(actor=None, action="purge", obj=conversation, detail={**counts, "older_than_days": older_than_days})
                conversation.delete()
            totals = [totals[0] + 1, totals[1] + counts["messages"], totals[2] + counts["escalations"]]
    return PurgeResult(*totals)


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
