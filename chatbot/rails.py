"""The rails as this deployment configures them, and what a turn lets them read."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from chatbot.models import Message
from chatbot.turns import Turn
from guardrails.base import RailContext
from guardrails.llm_safety import SafetyLLMConfig, SecondOpinion, Style
from guardrails.runtime import RailsRuntime


def runtime() -> RailsRuntime:
    """The input and output rails that settings name, behind NeMo Guardrails, with the
    model-based second opinion when ``SAFETY_LLM_BASE_URL`` is set."""
    return RailsRuntime(
        input_rails=tuple(settings.INPUT_RAILS),
        output_rails=tuple(settings.OUTPUT_RAILS),
        timeout_s=settings.RAILS_TIMEOUT_S,
        second_opinion=second_opinion(),
    )


def second_opinion() -> SecondOpinion | None:
    """The configured safety model, or None (the default: no GPU model)."""
    if not settings.SAFETY_LLM_BASE_URL:
        return None
    if settings.SAFETY_LLM_STYLE not in ("llama_guard", "prompt"):
        raise ImproperlyConfigured("SAFETY_LLM_STYLE must be 'llama_guard' or 'prompt'")
    return SecondOpinion(
        SafetyLLMConfig(
            base_url=settings.SAFETY_LLM_BASE_URL,
            model=settings.SAFETY_LLM_MODEL,
            api_key=settings.SAFETY_LLM_API_KEY,
            style=cast(Style, settings.SAFETY_LLM_STYLE),
            timeout_s=settings.SAFETY_LLM_TIMEOUT_S,
        )
    )


def rail_context(turn: Turn, **kwargs: Any) -> RailContext:
    """The turn's earlier patient messages (de-identified) and open risk, plus ``kwargs``:
    for the output rails and for anything outside this process (the second opinion)."""
    earlier = tuple(text for role, text in turn.history if role == Message.Role.PATIENT)
    return RailContext(history=earlier, risk=turn.risk, **kwargs)


def input_context(turn: Turn) -> RailContext:
    """What the in-process input rails read beside the message: the patient's earlier
    messages in their own words, as every rail figure measures them, and the open risk.
    Nothing the rails read leaves the process; their verdicts carry no text."""
    return RailContext(history=turn.earlier_words, risk=turn.risk)
