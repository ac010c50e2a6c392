from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from chatbot.inbox.services import sla_due

FRIDAY_NOON = datetime(2026, 12, 4, 12, 0)


@pytest.mark.parametrize(
    ("urgency", "due"),
    [
        ("emergent", FRIDAY_NOON + timedelta(minutes=15)),
        ("urgent", FRIDAY_NOON + timedelta(hours=4)),
        ("routine", datetime(2026, 12, 8, 12, 0)),  # two business days: Monday, Tuesday
    ],
)
def test_the_default_slas(urgency: str, due: datetime) -> None:
    assert sla_due(urgency=urgency, since=FRIDAY_NOON) == due


def test_slas_are_settings(settings) -> None:
    settings.INBOX_SLA_URGENT_MINUTES = 60
    assert sla_due(urgency="urgent", since=FRIDAY_NOON) == FRIDAY_NOON + timedelta(hours=1)
