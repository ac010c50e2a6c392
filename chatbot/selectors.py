"""Reads. Views, the consumer and the pipeline fetch through these."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from chatbot import crypto
from chatbot.models import (
    AUDIT_GENESIS,
    AccessLog,
    AuditEvent,
    AuditHead,
    Conversation,
    Escalation,
    EscalationRecord,
    Message,
    PatientProfile,
    TakeoverRecord,
    audit_canonical,
    audit_chain_hash,
)
from chatbot.protocol import ServerEvent, StaffJoinedEvent, reply_actions
from chatbot.services import presence_key, staff_message_event, staff_name, staff_role
from guardrails.base import RiskLevel

# The chat's selectors see only chat conversations: a care-team thread (channel
# ``portal``) is never opened by the chat socket, where a message would go to the model.
_CHAT = Conversation.Channel.CHAT

logger = logging.getLogger(__name__)


def conversations_for_patient(*, patient: Any) -> QuerySet[Conversation]:
    return Conversation.objects.filter(patient=patient, channel=_CHAT)


def conversation_for_patient(*, patient: Any, conversation_id: int) -> Conversation:
    """The patient's own chat conversation; raises Conversation.DoesNotExist for anyone
    else's, and for a care-team thread."""
    return Conversation.objects.get(pk=conversation_id, patient=patient, channel=_CHAT)


def conversation_latest(*, patient: Any) -> Conversation | None:
    return Conversation.objects.filter(patient=patient, channel=_CHAT).order_by("-updated_at").first()


def message_for_patient(*, patient: Any, message_id: int) -> Message:
    return Message.objects.select_related("conversation").get(pk=message_id, conversation__patient=patient)


def conversation_transcript(*, conversation: Conversation) -> list[dict[str, Any]]:
    """The patient's own view of a conversation: their text and the replies they saw."""
    return [
        {
            "id": m.pk,
            "role": m.role,
            "text": crypto.decrypt(m.text_encrypted),
            "status": m.status,
            "created_at": m.created_at.isoformat(),
            "reply_to": m.reply_to_id,
            "mode": m.mode,
            "citations": m.citations,
            # The follow-ups the reply offered (the same objects as the reply event's).
            "actions": reply_actions(tuple(m.actions), message_id=m.reply_to_id) if m.reply_to_id else [],
            "who": f"{staff_name(m.author)}, {staff_role(m.author).lower()}" if m.author_id else "",
        }
        for m in conversation.messages.select_related("author")
    ]


def conversation_history_deid(*, conversation_id: int, before_message_id: int) -> list[tuple[str, str]]:
    """Earlier turns as ``(role, de-identified text)``, oldest first, for rails and prompts.

    Only de-identified text is returned: this is what the model and rails may see.
    """
    limit = settings.CHAT_HISTORY_TURNS * 2
    rows = (
        Message.objects.filter(conversation_id=conversation_id, pk__lt=before_message_id)
        .exclude(text_deid="")
        .order_by("-created_at", "-id")
        .values_list("role", "text_deid")[:limit]
    )
    return [(role, text) for role, text in reversed(rows)]


def conversation_patient_words(*, conversation_id: int, before_message_id: int) -> tuple[str, ...]:
    """The patient's earlier messages in their own words, oldest first, as many as
    ``conversation_history_deid`` could hold: for the in-process input rails alone,
    which read them with the message and never let text leave the process. An earlier
    message no configured key decrypts (a key retired too soon) is read de-identified
    instead: it must neither stop this turn nor drop out of the conversation's risk."""
    limit = settings.CHAT_HISTORY_TURNS * 2
    rows = (
        Message.objects.filter(
            conversation_id=conversation_id, pk__lt=before_message_id, role=Message.Role.PATIENT
        )
        .order_by("-created_at", "-id")
        .values_list("pk", "text_encrypted", "text_deid")[:limit]
    )
    return tuple(_patient_words(pk, token, text_deid) for pk, token, text_deid in reversed(rows))


def _patient_words(message_id: int, token: str, text_deid: str) -> str:
    try:
        return crypto.decrypt(token)
    except crypto.DecryptionError:
        logger.error("message %s could not be decrypted; the rails read it de-identified", message_id)
        return text_deid


def takeover_catch_up(*, conversation: Conversation) -> list[ServerEvent]:
    """What a patient socket must be told on connecting: who from the care team is in
    the chat, and their messages that are still waiting (oldest first)."""
    conversation_id = conversation.pk
    events: list[ServerEvent] = []
    if conversation.staff_joined_by is not None:
        name, role = staff_name(conversation.staff_joined_by), staff_role(conversation.staff_joined_by)
        events.append(
            StaffJoinedEvent(
                type="staff_joined",
                conversation_id=conversation_id,
                name=name,
                role=role,
                text=f"{name}, {role.lower()}, is in this chat with you.",
            )
        )
    waiting = Message.objects.filter(
        conversation_id=conversation_id, role=Message.Role.STAFF, status=Message.Status.WAITING
    ).select_related("author")
    events.extend(staff_message_event(m, text=crypto.decrypt(m.text_encrypted)) for m in waiting)
    return events


def patients_online(*, conversation_ids: Iterable[int]) -> set[int]:
    """The conversations whose patient has a socket open now."""
    ids = list(conversation_ids)
    counts = cache.get_many([presence_key(i) for i in ids])
    return {i for i in ids if (counts.get(presence_key(i)) or 0) > 0}


def escalations_open(*, urgent_only: bool = False) -> QuerySet[Escalation]:
    queryset = Escalation.objects.exclude(status=Escalation.Status.RESOLVED).select_related("conversation")
    if urgent_only:
        queryset = queryset.filter(priority=Escalation.Priority.URGENT)
    return queryset.order_by("-priority", "created_at")


def surrogates_for_conversation(*, conversation_id: int) -> str | None:
    """The conversation's decrypted de-identification mapping (JSON), or None if it has none."""
    token = Conversation.objects.values_list("surrogates_encrypted", flat=True).get(pk=conversation_id)
    return crypto.decrypt(token) if token else None


# --- Staff ------------------------------------------------------------------------------

# The mental-health triage queue: crisis (self-harm) and concern-for-someone-else escalations.
MENTAL_HEALTH_KINDS = (Escalation.Kind.CRISIS, Escalation.Kind.THIRD_PARTY)


def escalations_triage() -> QuerySet[Escalation]:
    """Open mental-health escalations (``MENTAL_HEALTH_KINDS``), urgent first."""
    return escalations_open().filter(kind__in=MENTAL_HEALTH_KINDS)


def verdict_risk_level(verdict: Any) -> int:
    """A stored verdict's C-SSRS level as a number (stored by name, e.g. "intent_or_plan"); 0 if none."""
    if not isinstance(verdict, dict):
        return 0
    value = verdict.get("risk_level")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.upper() in RiskLevel.__members__:
        return int(RiskLevel[value.upper()])
    return 0


def escalation_risk_level(escalation: Escalation) -> int:
    """The highest C-SSRS level the escalation's verdicts or its conversation's open risk show."""
    return max([escalation.conversation.risk_level, *(verdict_risk_level(v) for v in escalation.verdicts)])


def escalations_triage_ordered(*, limit: int = 200) -> list[Escalation]:
    """The triage queue: highest risk first, then longest waiting. Each row carries
    ``risk_level``."""
    rows = list(escalations_triage().select_related("message", "claimed_by", "acknowledged_by")[:limit])
    for row in rows:
        row.risk_level = escalation_risk_level(row)  # type: ignore[attr-defined]
    return sorted(rows, key=lambda e: (-e.risk_level, -e.priority, e.created_at))  # type: ignore[attr-defined]


def conversations_risk_timeline(*, conversation_ids: Iterable[int]) -> dict[int, list[int]]:
    """Per conversation, the C-SSRS level each patient turn showed, oldest first."""
    timeline: dict[int, list[int]] = {}
    rows = (
        Message.objects.filter(conversation_id__in=list(conversation_ids), role=Message.Role.PATIENT)
        .order_by("created_at", "id")
        .values_list("conversation_id", "verdicts")
    )
    for conversation_id, verdicts in rows:
        levels = [verdict_risk_level(v) for v in verdicts or []]
        timeline.setdefault(conversation_id, []).append(max(levels, default=0))
    return timeline


def escalation_evidence(escalation: Escalation) -> list[dict[str, str]]:
    """The rails' evidence on the escalated message, quoted from its de-identified text."""
    message = escalation.message
    if message is None:
        return []
    text = message.text_deid
    quotes = []
    for verdict in escalation.verdicts:
        for e in verdict.get("evidence") or []:
            if isinstance(e, dict) and text:
                quotes.append(
                    {
                        "rail": str(verdict.get("rail", "")),
                        "quote": text[int(e["start"]) : int(e["end"])],
                        "reason": str(e["reason"]),
                    }
                )
    return quotes


def escalation_for_page(*, escalation_id: int) -> Escalation:
    """One escalation with what its page shows; raises Escalation.DoesNotExist."""
    return Escalation.objects.select_related(
        "conversation", "conversation__patient", "conversation__staff_joined_by", "message",
        "acknowledged_by", "claimed_by", "resolved_by",
    ).get(pk=escalation_id)  # fmt: skip


def escalation_records(*, escalation: Escalation) -> QuerySet[EscalationRecord]:
    return escalation.records.select_related("by").all()


def escalations_of_patient(*, patient: Any) -> QuerySet[Escalation]:
    """Every escalation of the patient, across conversations, newest first."""
    return (
        Escalation.objects.filter(conversation__patient=patient)
        .select_related("resolved_by")
        .order_by("-created_at")
    )


def patient_profile(*, patient: Any) -> PatientProfile | None:
    return PatientProfile.objects.filter(patient=patient).first()


def takeover_records(*, conversation: Conversation) -> QuerySet[TakeoverRecord]:
    return conversation.takeover_records.select_related("by").all()


def escalations_since(*, since: datetime) -> QuerySet[Escalation]:
    """Escalations opened since ``since`` (the safety officer's dashboard)."""
    return Escalation.objects.filter(created_at__gte=since).order_by("created_at")


def escalations_resolved_since(*, since: datetime) -> QuerySet[Escalation]:
    """Resolved escalations with their message (for rail feedback), oldest first."""
    return (
        Escalation.objects.filter(status=Escalation.Status.RESOLVED, resolved_at__gte=since)
        .select_related("message")
        .order_by("resolved_at")
    )


def days_ago(days: int, *, now: datetime) -> datetime:
    return now - timedelta(days=days)


def escalation_for_staff(*, escalation_id: int) -> Escalation:
    """Raises Escalation.DoesNotExist."""
    return Escalation.objects.get(pk=escalation_id)


def conversations_flagged() -> QuerySet[Conversation]:
    """Conversations marked for review, most recently active first."""
    return Conversation.objects.filter(needs_review=True).select_related("patient").order_by("-updated_at")


def conversation_for_staff(*, conversation_id: int) -> Conversation:
    """Any patient's conversation, with its patient; raises Conversation.DoesNotExist."""
    return Conversation.objects.select_related("patient").get(pk=conversation_id)


def conversation_in_staff_scope(*, conversation: Conversation, user: Any) -> bool:
    """Whether ``conversation`` is in ``user``'s work: flagged for review (the pool),
    with open risk or an unresolved escalation (the queues), or an escalation this
    person handled, or a chat this person has joined. Anything else is "break the
    glass": the portal asks for a reason."""
    if conversation.needs_review or conversation.risk_state.is_open or conversation.staff_joined_by_id == user.pk:
        return True
    escalations = Escalation.objects.filter(conversation=conversation)
    return (
        escalations.exclude(status=Escalation.Status.RESOLVED).exists()
        or escalations.filter(Q(acknowledged_by=user) | Q(resolved_by=user)).exists()
    )


def patient_data_export(*, patient: Any) -> dict[str, Any]:
    """Everything stored about ``patient`` that they may have (HIPAA right of access):
    the account and every conversation (live chat and care-team threads) with its
    messages, as the patient saw them. AI drafts a clinician has not sent are not the
    patient's record and are not included."""
    return {
        "account": {
            "username": patient.get_username(),
            "email": patient.email,
            "date_joined": patient.date_joined.isoformat(),
        },
        "conversations": [
            {
                "id": c.pk,
                "channel": c.channel,
                "created_at": c.created_at.isoformat(),
                "updated_at": c.updated_at.isoformat(),
                **_thread_export(c),
                "messages": conversation_transcript(conversation=c),
            }
            for c in Conversation.objects.filter(patient=patient)
            .order_by("created_at")
            .select_related("thread")
            .prefetch_related("messages")
        ],
    }


def _thread_export(conversation: Conversation) -> dict[str, Any]:
    thread = getattr(conversation, "thread", None) if conversation.channel == Conversation.Channel.PORTAL else None
    if thread is None:
        return {}
    return {"thread": {"topic": thread.get_topic_display(), "status": thread.status}}


def access_log_entries() -> QuerySet[AccessLog]:
    """Every staff view of original patient text, newest first."""
    return AccessLog.objects.select_related("user").all()


def conversation_messages(*, conversation: Conversation) -> QuerySet[Message]:
    return conversation.messages.all()


def conversation_escalations(*, conversation: Conversation) -> QuerySet[Escalation]:
    return conversation.escalations.all()


# --- The audit record ---------------------------------------------------------------------


@dataclass(frozen=True)
class AuditVerifyResult:
    """What ``audit_chain_verify`` found: ``ok``, or the first broken link."""

    ok: bool
    checked: int
    head_id: int
    head_hash: str
    broken_at: int | None = None
    problem: str = ""


def audit_chain_verify(*, anchors: Iterable[tuple[int, str]] = (), chunk_size: int = 20_000) -> AuditVerifyResult:
    """Walk the whole chain in sequence order and recompute every hash.

    A row whose content was edited fails its own hash; a deleted row breaks the next
    row's ``prev_hash``; a deleted tail no longer matches the head row's count and
    hash; ``anchors`` (``(event id, hash)`` pairs written outside the database by
    ``tasks.audit_anchor_write``) catch a rewrite of the whole chain and its head.
    Returns the first problem found, in chain order.
    """
    fields = (
        "id", "at", "actor_id", "actor_name", "role", "action", "object_type", "object_id",
        "source_ip", "reason", "detail", "prev_hash", "hash",
    )  # fmt: skip
    expected_anchors = dict(anchors)
    prev, checked, last_id = AUDIT_GENESIS, 0, 0

    def broken(event_id: int, problem: str) -> AuditVerifyResult:
        return AuditVerifyResult(False, checked, last_id, prev, broken_at=event_id, problem=problem)

    for row in AuditEvent.objects.order_by("id").values_list(*fields).iterator(chunk_size=chunk_size):
        event_id, at, actor_id, actor_name, role, action, otype, oid, ip, reason, detail, prev_hash, digest = row
        if prev_hash != prev:
            return broken(event_id, "previous-hash link broken: an event before it was deleted or changed")
        canonical = audit_canonical(
            at=at, actor_id=actor_id, actor_name=actor_name, role=role, action=action, object_type=otype,
            object_id=oid, source_ip=ip, reason=reason, detail=detail,
        )  # fmt: skip
        if audit_chain_hash(prev_hash, canonical) != digest:
            return broken(event_id, "content does not match its hash: the event was edited")
        if event_id in expected_anchors and expected_anchors.pop(event_id) != digest:
            return broken(event_id, "hash differs from the anchor written outside the database")
        prev, checked, last_id = digest, checked + 1, event_id
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.last_hash != prev or head.count != checked):
        return broken(head.last_id, f"the chain ends at #{last_id} but its head says #{head.last_id} "
                      f"({head.count} events): events at the end were deleted")  # fmt: skip
    if expected_anchors:
        missing = min(expected_anchors)
        return broken(missing, "an anchored event is missing from the chain")
    return AuditVerifyResult(True, checked, last_id, prev)


def audit_head() -> tuple[int, str, int]:
    """The chain's head: ``(last event id, its hash, number of events)``."""
    head = AuditHead.objects.filter(pk=1).first()
    return (head.last_id, head.last_hash, head.count) if head else (0, AUDIT_GENESIS, 0)


def audit_events(
    *,
    actor: str = "",
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    since: Any = None,
    until: Any = None,
) -> QuerySet[AuditEvent]:
    """Audit events, newest first, filtered by actor name, action, object and time."""
    queryset = AuditEvent.objects.order_by("-id")
    if actor:
        queryset = queryset.filter(actor_name=actor)
    if action:
        queryset = queryset.filter(action=action)
    if object_type:
        queryset = queryset.filter(object_type=object_type)
    if object_id:
        queryset = queryset.filter(object_id=object_id)
    if since is not None:
        queryset = queryset.filter(at__gte=since)
    if until is not None:
        queryset = queryset.filter(at__lt=until)
    return queryset

def escalations_open_by_priority() -> dict[int, int]:
    """Open escalations (no one has acknowledged them yet), by priority; every priority
    appears, with 0 when there are none."""
    counts = dict.fromkeys(Escalation.Priority.values, 0)
    rows = (
        Escalation.objects.filter(status=Escalation.Status.OPEN)
        .values("priority")
        .annotate(n=Count("pk"))
        .values_list("priority", "n")
    )
    counts.update(rows)
    return counts


def ack_sla_s(priority_name: str) -> int:
    """Seconds to acknowledge an escalation of this priority (``ESCALATION_ACK_SLA_S``):
    the one SLA that pages people and that /metrics counts breaches against."""
    sla = settings.ESCALATION_ACK_SLA_S
    return int(sla.get(priority_name, sla["routine"]))


def ack_deadline(priority_name: str, *, now: datetime) -> datetime:
    """An open escalation of this priority whose clock started at or before the returned
    time is past its acknowledgement SLA. For the priorities in
    ``ESCALATION_BUSINESS_DAY_PRIORITIES`` (routine by default) the clock runs Monday to
    Friday only, in the clinic's ``TIME_ZONE``: "one business day" is 86,400 s of weekday
    time, so a routine escalation raised on Friday evening is due on Monday evening."""
    seconds = ack_sla_s(priority_name)
    if priority_name not in settings.ESCALATION_BUSINESS_DAY_PRIORITIES:
        return now - timedelta(seconds=seconds)
    return weekday_clock_back(now, seconds=seconds)


def weekday_clock_back(now: datetime, *, seconds: float) -> datetime:
    """The time ``seconds`` of weekday (Monday–Friday, local) time before ``now``."""
    t, left = timezone.localtime(now), float(seconds)
    while True:
        midnight = t.replace(hour=0, minute=0, second=0, microsecond=0)
        if midnight == t:
            midnight -= timedelta(days=1)
        span = (t - midnight).total_seconds()
        if midnight.weekday() < 5:
            if span >= left:
                return t - timedelta(seconds=left)
            left -= span
        t = midnight


def escalations_past_sla_by_priority(*, now: datetime) -> dict[int, int]:
    """Open escalations whose clock (created, or reopened) started longer ago than their
    priority's acknowledgement SLA, by priority."""
    open_ = Escalation.objects.filter(status=Escalation.Status.OPEN).annotate(
        clock_from=Coalesce("reopened_at", "created_at")
    )
    return {
        priority.value: open_.filter(
            priority=priority.value, clock_from__lte=ack_deadline(priority.name.lower(), now=now)
        ).count()
        for priority in Escalation.Priority
    }
