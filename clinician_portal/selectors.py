"""The portal's reads: who is on call, and which escalations are due a page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from chatbot import roles
from chatbot import selectors as chatbot_selectors
from chatbot.inbox import selectors as inbox_selectors
from chatbot.models import Escalation, Thread
from clinician_portal.models import CareTeam, OnCallEntry

# Who is paged for which kind: people's safety goes to clinicians, the rest to safety officers.
ROLE_FOR_KIND = {
    Escalation.Kind.CRISIS: roles.CLINICIAN,
    Escalation.Kind.EMERGENCY: roles.CLINICIAN,
    Escalation.Kind.THIRD_PARTY: roles.CLINICIAN,
}


def role_for_kind(kind: str) -> str:
    return ROLE_FOR_KIND.get(kind, roles.SAFETY_OFFICER)  # type: ignore[call-overload]


def escalations_due_for_page(*, now: datetime) -> list[int]:
    """Open escalations past their acknowledgement SLA that were never paged, or whose
    re-page is due, urgent first."""
    due = Q(next_page_at__lte=now)
    for priority in Escalation.Priority:
        deadline = chatbot_selectors.ack_deadline(priority.name.lower(), now=now)
        due |= Q(priority=priority.value, breached_at__isnull=True, clock_from__lte=deadline)
    return list(
        Escalation.objects.filter(status=Escalation.Status.OPEN)
        .annotate(clock_from=Coalesce("reopened_at", "created_at"))
        .filter(due)
        .order_by("-priority", "clock_from")
        .values_list("pk", flat=True)
    )


@dataclass(frozen=True)
class Contact:
    entry: OnCallEntry | None
    transport: str
    target: str


def rota_contacts(*, role: str, tier: int, now: datetime) -> list[Contact]:
    """Who to page: the role's entries on call now at ``tier`` (past the last tier, the
    last tier again), else the fallback entries on call now, else any fallback, else
    ``ESCALATION_FALLBACK_EMAIL``. Never empty while that setting is set."""
    local = timezone.localtime(now)
    entries = [e for e in OnCallEntry.objects.filter(active=True) if e.on_call_at(local)]
    of_role = [e for e in entries if e.role == role and not e.is_fallback]
    tiers = sorted({e.tier for e in of_role})
    if tiers:
        wanted = max((t for t in tiers if t <= tier), default=tiers[0])
        return [Contact(e, e.transport, e.target) for e in of_role if e.tier == wanted]
    fallbacks = [e for e in entries if e.is_fallback] or list(
        OnCallEntry.objects.filter(active=True, is_fallback=True)
    )
    if fallbacks:
        return [Contact(e, e.transport, e.target) for e in fallbacks]
    if settings.ESCALATION_FALLBACK_EMAIL:
        return [Contact(None, "email", settings.ESCALATION_FALLBACK_EMAIL)]
    return []


VIEWS = ("all", "mine", "pools", "unassigned")


def inbox_threads(*, user: Any, view: str = "all") -> QuerySet[Thread]:
    """Waiting threads, most urgent first, then nearest SLA; filtered by ``view``."""
    queryset = inbox_selectors.threads_open().select_related("assignment__assignee", "assignment__pool")
    if view == "mine":
        return queryset.filter(assignment__assignee=user)
    if view == "unassigned":
        return queryset.filter(Q(assignment__isnull=True) | Q(assignment__assignee__isnull=True))
    if view == "pools":
        teams = list(CareTeam.objects.filter(members=user))
        if any(not team.topics for team in teams):
            return queryset  # a pool with no topics takes every thread
        topics = {topic for team in teams for topic in team.topics}
        return queryset.filter(Q(topic__in=topics) | Q(assignment__pool__in=teams))
    return queryset


def care_teams() -> QuerySet[CareTeam]:
    return CareTeam.objects.all()


def clinicians() -> QuerySet[Any]:
    return get_user_model().objects.filter(groups__name=roles.CLINICIAN).order_by("username")
