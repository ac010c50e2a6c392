"""What only staff workflows use: care-team pools and who holds an inbox thread.

Threads, triage, drafts and approvals are chatbot's (its pipeline writes them and its
one send function reads them); the portal adds who works on what.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from chatbot.models import Thread


class CareTeam(models.Model):
    """A pool of clinicians; a new thread joins the pool whose topics include its topic."""

    name = models.CharField(max_length=100, unique=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="care_teams", blank=True)
    topics = models.JSONField(default=list, blank=True)  # Thread.Topic values; empty = every topic

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ThreadAssignment(models.Model):
    thread = models.OneToOneField(Thread, on_delete=models.CASCADE, related_name="assignment")
    pool = models.ForeignKey(
        CareTeam, null=True, blank=True, on_delete=models.SET_NULL, related_name="threads"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Thread {self.thread_id} → {self.assignee_id or self.pool_id}"
