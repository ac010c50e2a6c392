"""Two clinicians claim the same escalation at the same instant: exactly one wins and
the other is told who did. Row locks need a real database (PostgreSQL in CI)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from chatbot import services
from chatbot.models import Escalation
from tests.factories import MessageFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: run with DATABASE_URL=postgres://…")
def test_only_one_of_two_simultaneous_claims_wins() -> None:
    message = MessageFactory()
    escalation = services.escalation_create(
        message_id=message.pk, kind=Escalation.Kind.CRISIS, reason="r", priority=Escalation.Priority.URGENT
    )
    staff = [UserFactory(username=f"claimer{i}", roles=["clinician"]) for i in range(2)]
    start = threading.Barrier(2)
    won: list[str] = []
    refused: list[str] = []

    def claim(user) -> None:
        try:
            start.wait()
            services.escalation_claim(escalation=escalation, by=user, expected_version=escalation.version)
            won.append(user.username)
        except services.IllegalTransition as exc:
            refused.append(exc.detail)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(u,)) for u in staff]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1 and len(refused) == 1
    assert f"{won[0]} is already working on this escalation" in refused[0]
    escalation.refresh_from_db()
    assert escalation.claimed_by.username == won[0] and escalation.version == 2
    assert escalation.records.filter(action="claimed").count() == 1
