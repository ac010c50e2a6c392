"""Reads the portal owns: the inbox with its filters (mine, my pools, unassigned)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from chatbot import roles
from chatbot.inbox import selectors as inbox_selectors
from chatbot.models import Thread
from clinician_portal.models import CareTeam

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
