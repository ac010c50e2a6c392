from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from chatbot import services
from chatbot.models import Escalation
from tests.factories import MessageFactory, UserFactory


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()  # presence counters must not leak between tests


@pytest.fixture
def clinicians() -> tuple[Any, Any]:
    return UserFactory(username="dr_first", roles=["clinician"]), UserFactory(
        username="dr_second", roles=["clinician"]
    )


@pytest.fixture
def crisis(db) -> Escalation:
    """An urgent crisis escalation on a message whose text names the patient."""
    message = MessageFactory(
        text="I am Jane Roe and I want to end my life tonight",
        text_deid="I am [NAME_1] and I want to end my life tonight",
    )
    return services.escalation_create(
        message_id=message.pk,
        kind=Escalation.Kind.CRISIS,
        reason="intent_or_plan",
        priority=Escalation.Priority.URGENT,
        verdicts=[
            {"rail": "self_harm", "action": "escalate", "category": "suicide", "score": 0.97, "risk_level": "intent_or_plan",
             "evidence": [{"start": 16, "end": 39, "reason": "intent with a time"}]},
        ],
    )  # fmt: skip
