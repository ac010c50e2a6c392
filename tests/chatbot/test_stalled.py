"""No message may sit in processing unseen when a worker dies mid-message."""

from __future__ import annotations

import pytest

from chatbot.models import Message
from tests.factories import MessageFactory

pytestmark = pytest.mark.django_db


def test_a_message_stuck_in_processing_is_failed_and_shown_to_a_person() -> None:
    from datetime import timedelta

    from django.utils import timezone

    from chatbot.models import Escalation
    from chatbot.tasks import fail_stalled_messages

    stuck = MessageFactory.create(
        status=Message.Status.PROCESSING, processing_started_at=timezone.now() - timedelta(minutes=10)
    )
    fresh = MessageFactory.create(status=Message.Status.PROCESSING, processing_started_at=timezone.now())

    assert fail_stalled_messages() == 1

    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert stuck.status == Message.Status.FAILED and stuck.needs_review
    assert Escalation.objects.filter(message=stuck, reason="processing_stalled").exists()
    assert fresh.status == Message.Status.PROCESSING


def test_a_message_never_picked_up_is_handed_over_again(monkeypatch) -> None:
    """Its 'accepted' went out, then the broker refused the hand-over: the sweep hands it
    over again (the claim makes a second delivery safe), and leaves fresh ones alone."""
    from datetime import timedelta

    from django.utils import timezone

    from chatbot import tasks

    old = MessageFactory.create(status=Message.Status.RECEIVED)
    Message.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(minutes=10))
    MessageFactory.create(status=Message.Status.RECEIVED)  # still in the queue
    done = MessageFactory.create(status=Message.Status.ANSWERED)
    Message.objects.filter(pk=done.pk).update(created_at=timezone.now() - timedelta(minutes=10))
    handed: list[int] = []
    monkeypatch.setattr(tasks, "patient_messages_enqueue", lambda *, message_ids: handed.extend(message_ids))

    assert tasks.hand_over_unpicked_messages() == 1
    assert handed == [old.pk]
