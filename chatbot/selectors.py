"""Reads. Views, the consumer and the pipeline fetch through these."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, QuerySet

from chatbot import crypto
from chatbot.models import AccessLog, Conversation, Escalation, Message


def conversations_for_patient(*, patient: Any) -> QuerySet[Conversation]:
    return Conversation.objects.filter(patient=patient)


def conversation_for_patient(*, patient: Any, conversation_id: int) -> Conversation:
    """The patient's own conversation; raises Conversation.DoesNotExist for anyone else's."""
    return Conversation.objects.get(pk=conversation_id, patient=patient)


def conversation_latest(*, patient: Any) -> Conversation | None:
    return Conversation.objects.filter(patient=patient).order_by("-updated_at").first()


def message_for_patient(*, patient: Any, message_id: int) -> Message:
    return Message.objects.get(pk=message_id, conversation__patient=patient)


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
        }
        for m in conversation.messages.all()
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


def escalation_for_staff(*, escalation_id: int) -> Escalation:
    """Raises Escalation.DoesNotExist."""
    return Escalation.objects.get(pk=escalation_id)


def conversations_flagged() -> QuerySet[Conversation]:
    """Conversations marked for review, most recently active first."""
    return Conversation.objects.filter(needs_review=True).select_related("patient").order_by("-updated_at")


def conversation_for_staff(*, conversation_id: int) -> Conversation:
    """Any patient's conversation, with its patient; raises Conversation.DoesNotExist."""
    return Conversation.objects.select_related("patient").get(pk=conversation_id)


def access_log_entries() -> QuerySet[AccessLog]:
    """Every staff view of original patient text, newest first."""
    return AccessLog.objects.select_related("user").all()


def conversation_messages(*, conversation: Conversation) -> QuerySet[Message]:
    return conversation.messages.all()


def conversation_escalations(*, conversation: Conversation) -> QuerySet[Escalation]:
    return conversation.escalations.all()



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


def escalations_past_sla_by_priority(*, sla_s: Mapping[int, int], now: datetime) -> dict[int, int]:
    """Open escalations older than their priority's SLA (``sla_s``: seconds by priority)."""
    return {
        priority: Escalation.objects.filter(
            status=Escalation.Status.OPEN, priority=priority, created_at__lt=now - timedelta(seconds=limit)
        ).count()
        for priority, limit in sla_s.items()
    }
