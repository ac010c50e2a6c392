"""The portal's writes: paging on SLA breaches and the delivery log.

``escalations_sla_check`` is what the beat task runs: every open escalation whose
acknowledgement SLA has passed is marked breached (through chatbot's service) and
the next tier of the on-call rota is paged, again every ``ESCALATION_REPAGE_S``
until a person acknowledges it. Pages go out from a Celery task after commit, with
retries (``deliver_notification``); each one is a ``Delivery`` row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from chatbot import services as chatbot_services
from chatbot.models import Escalation, Thread
from chatbot.services import IllegalTransition
from clinician_portal import selectors
from clinician_portal.models import CareTeam, Delivery, ThreadAssignment
from clinician_portal.notify.base import Notification, TransportError
from clinician_portal.notify.registry import get_transport


def escalations_sla_check(*, now: datetime, enqueue: Callable[[int], None]) -> list[int]:
    """Page for every breached, unacknowledged escalation that is due. ``enqueue``
    gets each new delivery's id after commit. Returns the ids of the escalations paged."""
    paged = []
    for escalation_id in selectors.escalations_due_for_page(now=now):
        with transaction.atomic():
            escalation = chatbot_services.escalation_breach_mark(
                escalation_id=escalation_id, now=now, repage_after_s=settings.ESCALATION_REPAGE_S
            )
            if escalation is None:
                continue  # acknowledged since the query above
            for delivery in deliveries_create(escalation=escalation, now=now):
                transaction.on_commit(lambda d=delivery.pk: enqueue(d))  # type: ignore[misc]
        paged.append(escalation_id)
    return paged


def deliveries_create(*, escalation: Escalation, now: datetime) -> list[Delivery]:
    """One pending delivery per contact of the tier due (or the fallback)."""
    contacts = selectors.rota_contacts(
        role=selectors.role_for_kind(escalation.kind), tier=escalation.page_tier, now=now
    )
    return [
        Delivery.objects.create(
            escalation=escalation,
            entry=c.entry,
            tier=escalation.page_tier,
            transport=c.transport,
            target=c.target,
        )
        for c in contacts
    ]


class DeliveryRetry(Exception):
    """A page failed in a way a retry may help; the task retries it with backoff."""


@dataclass(frozen=True)
class Attempt:
    status: str
    error: str = ""


def delivery_attempt(*, delivery_id: int) -> Attempt:
    """Send one delivery. A sent or failed one is not sent again. A transient error
    raises DeliveryRetry until ``NOTIFY_MAX_ATTEMPTS``, then the delivery is failed."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().select_related("escalation").get(pk=delivery_id)
        if delivery.status in (Delivery.Status.SENT, Delivery.Status.FAILED):
            return Attempt(delivery.status, delivery.error)
        delivery.attempts += 1
        delivery.save(update_fields=["attempts"])
    notification = notification_for(delivery.escalation, tier=delivery.tier)
    try:
        get_transport(delivery.transport).notify(notification, delivery.target)
    except TransportError as exc:
        give_up = exc.permanent or delivery.attempts >= settings.NOTIFY_MAX_ATTEMPTS
        status = Delivery.Status.FAILED if give_up else Delivery.Status.RETRYING
        Delivery.objects.filter(pk=delivery_id).update(status=status, error=exc.message[:200])
        if not give_up:
            raise DeliveryRetry(exc.message) from None
        return Attempt(status, exc.message)
    Delivery.objects.filter(pk=delivery_id).update(
        status=Delivery.Status.SENT, sent_at=timezone.now(), error=""
    )
    return Attempt(Delivery.Status.SENT)


def notification_for(escalation: Escalation, *, tier: int) -> Notification:
    """What a page says: the link, priority, kind and tier. Never patient text."""
    path = reverse("portal:escalation", args=[escalation.pk])
    return Notification(
        escalation_id=escalation.pk,
        url=settings.PORTAL_BASE_URL.rstrip("/") + path,
        priority=escalation.priority_name,
        kind=escalation.kind,
        tier=tier,
    )


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
