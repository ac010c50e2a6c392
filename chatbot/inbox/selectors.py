"""Reads for the care-team inbox. What a patient may see never includes a draft."""

from __future__ import annotations

import statistics
from datetime import timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from chatbot import crypto
from chatbot.models import Conversation, Draft, Message, ReplyApproval, Thread, Triage, Urgency
from chatbot.services import staff_name, staff_role


def threads_for_patient(*, patient: Any) -> QuerySet[Thread]:
    return Thread.objects.filter(conversation__patient=patient).order_by("-updated_at")


def thread_for_patient(*, patient: Any, thread_id: int) -> Thread:
    """The patient's own thread; raises Thread.DoesNotExist for anyone else's."""
    return Thread.objects.select_related("conversation").get(pk=thread_id, conversation__patient=patient)


def thread_transcript_for_patient(*, thread: Thread) -> list[dict[str, Any]]:
    """What the patient sees: their messages, the safety templates the assistant sent at
    once, and care-team replies sent under an approval. Drafts are another table and
    never appear here; a care-team row without an approval is left out as well."""
    visible = Message.objects.filter(conversation_id=thread.conversation_id).filter(
        Q(role=Message.Role.PATIENT)
        | Q(role=Message.Role.ASSISTANT, mode=Message.Mode.TEMPLATE)
        | Q(role=Message.Role.CARE_TEAM, approval__isnull=False)
    )
    return [
        {
            "id": m.pk,
            "role": m.role,
            "text": crypto.decrypt(m.text_encrypted),
            "created_at": m.created_at.isoformat(),
        }
        for m in visible.order_by("created_at", "id")
    ]


def staff_messages_waiting(*, patient: Any) -> list[dict[str, Any]]:
    """Messages a care-team member wrote in the patient's live chat that no patient socket
    has received yet (the patient was offline): shown on the patient's messages page too,
    so a reply from a person is not missed by someone who checks messages, not the chat."""
    waiting = Message.objects.filter(
        conversation__patient=patient,
        conversation__channel=Conversation.Channel.CHAT,
        role=Message.Role.STAFF,
        status=Message.Status.WAITING,
    ).select_related("author")
    return [
        {
            "conversation_id": m.conversation_id,
            "who": f"{staff_name(m.author)}, {staff_role(m.author).lower()}",
            "text": crypto.decrypt(m.text_encrypted),
            "created_at": m.created_at,
        }
        for m in waiting.order_by("created_at", "id")[:50]
    ]


def chat_for_thread(*, thread: Thread) -> Conversation | None:
    """The live chat a clinician joins from this thread: the chat the thread was sent
    from, else the patient's most recent chat; None when the patient has never chatted."""
    if thread.from_chat_message_id is not None:
        return Conversation.objects.get(messages__pk=thread.from_chat_message_id)
    return (
        Conversation.objects.filter(patient_id=thread.conversation.patient_id, channel=Conversation.Channel.CHAT)
        .order_by("-updated_at", "-id")
        .first()
    )


def thread_summary(thread: Thread) -> dict[str, Any]:
    return {
        "id": thread.pk,
        "topic": thread.topic,
        "status": thread.status,
        "created_at": thread.created_at.isoformat(),
        "updated_at": thread.updated_at.isoformat(),
    }


# --- Staff ------------------------------------------------------------------------------


def threads_open() -> QuerySet[Thread]:
    """Threads waiting for the care team, most urgent first, then the nearest SLA."""
    return (
        Thread.objects.filter(status__in=[Thread.Status.SENT, Thread.Status.READ])
        .select_related("conversation__patient")
        .order_by("urgency_rank", "due_at", "pk")
    )


def thread_for_staff(*, thread_id: int) -> Thread:
    """Raises Thread.DoesNotExist."""
    return Thread.objects.select_related("conversation__patient").get(pk=thread_id)


def thread_messages(*, thread: Thread) -> QuerySet[Message]:
    return Message.objects.filter(conversation_id=thread.conversation_id).select_related("triage")


def thread_live_draft(*, thread: Thread) -> Draft | None:
    """The thread's newest draft that is pending, ready or rejected (a rejection shows why)."""
    return (
        Draft.objects.filter(
            thread=thread,
            status__in=[
                Draft.Status.PENDING,
                Draft.Status.READY,
                Draft.Status.REJECTED,
                Draft.Status.SKIPPED,
            ],
        )
        .order_by("-created_at", "-id")
        .first()
    )


def draft_text_for_staff(*, draft: Draft) -> str:
    return crypto.decrypt(draft.text_encrypted) if draft.text_encrypted else ""


def latest_patient_message(*, thread: Thread) -> Message | None:
    return (
        Message.objects.filter(conversation_id=thread.conversation_id, role=Message.Role.PATIENT)
        .order_by("-created_at", "-id")
        .first()
    )


def inbox_metrics(*, days: int) -> dict[str, Any]:
    """The clinic's figures over the last ``days``: draft use rate, median edit distance,
    median minutes to reply by urgency, SLA breaches, and how often a message judged
    "no reply needed" was answered anyway."""
    since = timezone.now() - timedelta(days=days)
    approvals = list(ReplyApproval.objects.filter(approved_at__gte=since))
    distances = [a.edit_distance for a in approvals if a.edit_distance is not None]
    by_urgency: dict[str, float | None] = {}
    for urgency in Urgency.values:
        times = [
            a.seconds_open_to_send / 60
            for a in approvals
            if a.urgency == urgency and a.seconds_open_to_send is not None
        ]
        by_urgency[urgency] = round(statistics.median(times), 1) if times else None
    no_reply = Triage.objects.filter(created_at__gte=since, reply_needed=False)
    answered_anyway = no_reply.filter(
        message__conversation__thread__approvals__approved_at__gt=timezone.now() - timedelta(days=days)
    ).distinct()
    open_breached = threads_open().filter(due_at__lt=timezone.now()).count()
    return {
        "days": days,
        "replies": len(approvals),
        "draft_use_rate": round(sum(a.ai_drafted for a in approvals) / len(approvals), 3)
        if approvals
        else None,
        "median_edit_distance": round(statistics.median(distances), 3) if distances else None,
        "median_minutes_to_reply": by_urgency,
        "sla_breaches": sum(a.sla_breached for a in approvals) + open_breached,
        "no_reply_judged": no_reply.count(),
        "no_reply_answered_anyway": (answered_anyway.count() / no_reply.count())
        if no_reply.count()
        else None,
    }


def approvals_since(*, since: Any) -> QuerySet[ReplyApproval]:
    return ReplyApproval.objects.filter(approved_at__gte=since, draft__isnull=False).select_related(
        "draft", "draft__message", "thread", "sent_message"
    )
