"""Model backends behind one streaming contract (see ``base.ChatModel``).

``get_chat_model()`` builds the backend named by ``settings.LLM_BACKEND``, or
returns None in extractive mode, where answers come from the knowledge base alone.
"""

from __future__ import annotations

from functools import cache

from django.conf import settings

from chatbot.llm.base import (
    ChatModel,
    GenerationSettings,
    LLMBadResponse,
    LLMError,
    LLMNotConfigured,
    LLMTimeout,
    LLMUnavailable,
)

__all__ = [
    "ChatModel",
    "GenerationSettings",
    "LLMBadResponse",
    "LLMError",
    "LLMNotConfigured",
    "LLMTimeout",
    "LLMUnavailable",
    "generation_settings",
    "get_chat_model",
]


@cache
def _build(backend: str, base_url: str, model: str, model_dir: str) -> ChatModel | None:
    if backend == "extractive":
        return None
    if backend == "openai":
        from chatbot.llm.openai_compat import OpenAICompatibleChat

        return OpenAICompatibleChat(
            base_url=base_url,
            model=model,
            api_key=settings.LLM_API_KEY,
            connect_timeout_s=settings.LLM_CONNECT_TIMEOUT_S,
            read_timeout_s=settings.LLM_READ_TIMEOUT_S,
            max_retries=settings.LLM_MAX_RETRIES,
        )
    if backend == "transformers":
        from chatbot.llm.local import TransformersChat

        return TransformersChat(model_dir=model_dir, timeout_s=settings.LLM_READ_TIMEOUT_S)
    raise LLMNotConfigured(f"unknown LLM_BACKEND {backend!r}")


def get_chat_model() -> ChatModel | None:
    """The configured model, or None when the product answers extractively."""
    return _build(settings.LLM_BACKEND, settings.LLM_BASE_URL, settings.LLM_MODEL, settings.LLM_MODEL_DIR)


def generation_settings() -> GenerationSettings:
    return GenerationSettings(max_tokens=settings.LLM_MAX_TOKENS, temperature=settings.LLM_TEMPERATURE)
