"""Models only staff workflows use: the on-call rota and the log of every page sent."""

from __future__ import annotations

from datetime import datetime, time

from django.conf import settings
from django.db import models

from chatbot import roles
from chatbot.models import Escalation, Thread


class OnCallEntry(models.Model):
    """Who is paged for a role, at which tier, and when (edited in the admin).

    Tier 1 is paged at the first SLA breach, tier 2 at the next re-page, and so on; an
    entry marked ``is_fallback`` is paged whenever nobody of the tier due is on call."""

    class Role(models.TextChoices):
        CLINICIAN = roles.CLINICIAN, "Clinician"
        SAFETY_OFFICER = roles.SAFETY_OFFICER, "Safety officer"

    name = models.CharField(max_length=200, help_text="Who, as colleagues know them.")
    role = models.CharField(max_length=32, choices=Role.choices)
    tier = models.PositiveSmallIntegerField(default=1)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    transport = models.CharField(max_length=32, help_text="email, webhook, pagerduty or slack")
    target = models.CharField(
        max_length=500, help_text="An email address, a webhook URL, or a PagerDuty routing key."
    )
    weekdays = models.CharField(max_length=7, default="0123456", help_text="Monday=0 … Sunday=6.")
    starts_at = models.TimeField(default=time(0, 0))
    ends_at = models.TimeField(
        default=time(23, 59, 59), help_text="Before starts_at: the shift runs overnight."
    )
    is_fallback = models.BooleanField(default=False)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["role", "tier", "name"]
        verbose_name = "on-call rota entry"
        verbose_name_plural = "on-call rota"

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()}, tier {self.tier})"

    def on_call_at(self, moment: datetime) -> bool:
        """Is this shift running at ``moment`` (a local time)? An overnight shift
        (ends before it starts) belongs to the weekday it started on."""
        now, day = moment.time(), moment.weekday()
        if self.starts_at <= self.ends_at:
            return str(day) in self.weekdays and self.starts_at <= now <= self.ends_at
        if now >= self.starts_at:
            return str(day) in self.weekdays
        return now <= self.ends_at and str((day - 1) % 7) in self.weekdays


class Delivery(models.Model):
    """One notification to one contact, and what became of it (the delivery log)."""

    class Status(models.TextChoices):
        PENDING = "pending"
        SENT = "sent"
        RETRYING = "retrying"
        FAILED = "failed"

    escalation = models.ForeignKey(Escalation, on_delete=models.PROTECT, related_name="deliveries")
    entry = models.ForeignKey(OnCallEntry, null=True, blank=True, on_delete=models.SET_NULL)
    tier = models.PositiveSmallIntegerField()
    transport = models.CharField(max_length=32)
    target = models.CharField(max_length=500)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=200, blank=True, default="")  # a code, never text
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.transport} page for escalation {self.escalation_id}: {self.status}"


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
