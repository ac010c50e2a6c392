"""The rails as this deployment configures them, and what a turn lets them read."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from chatbot.models import Message
from chatbot.turns import Turn
from guardrails.base import RailContext
from guardrails.runtime import RailsRuntime


def runtime() -> RailsRuntime:
    """The input and output rails that settings name, behind NeMo Guardrails."""
    return RailsRuntime(
        input_rails=tuple(settings.INPUT_RAILS),
        output_rails=tuple(settings.OUTPUT_RAILS),
        timeout_s=settings.RAILS_TIMEOUT_S,
    )


def rail_context(turn: Turn, **kwargs: Any) -> RailContext:
    """The turn's earlier patient messages (de-identified) and open risk, plus ``kwargs``."""
    earlier = tuple(text for role, text in turn.history if role == Message.Role.PATIENT)
    return RailContext(history=earlier, risk=turn.risk, **kwargs)
