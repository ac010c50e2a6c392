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
