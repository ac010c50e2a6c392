"""Writes the portal owns: who holds an inbox thread. Everything a patient could see
goes through chatbot's services (``chatbot.inbox.services.portal_reply_send``)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from chatbot.models import Thread
from chatbot.services import IllegalTransition
from clinician_portal.models import CareTeam, ThreadAssignment


def thread_claim(*, thread: Thread, by: Any) -> ThreadAssignment:
    """Take an unassigned thread. Raises IllegalTransition if someone else holds it."""
    with transaction.atomic():
        assignment, _ = ThreadAssignment.objects.select_for_update().get_or_create(thread=thread)
        if assignment.assignee_id not in (None, by.pk):
            raise IllegalTransition("Someone else has claimed this thread; ask them, or assign it.")
        assignment.assignee = by
        assignment.assigned_at = timezone.now()
        assignment.save(update_fields=["assignee", "assigned_at"])
    return assignment


def thread_assign(*, thread: Thread, to: Any | None, pool: CareTeam | None) -> ThreadAssignment:
    """Assign a thread to a person and/or a pool (either may be None to clear it)."""
    with transaction.atomic():
        assignment, _ = ThreadAssignment.objects.select_for_update().get_or_create(thread=thread)
        assignment.assignee = to
        assignment.pool = pool
        assignment.assigned_at = timezone.now()
        assignment.save(update_fields=["assignee", "pool", "assigned_at"])
    return assignment
