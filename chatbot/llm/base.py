"""The one contract every model backend implements: streaming chat completions.

``ChatModel.stream(messages)`` is an async iterator of text chunks. It raises only
``LLMError`` subclasses; ``retryable`` says whether trying again can help, so the
caller (and Celery) never has to guess from exception types.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Protocol


class LLMError(Exception):
    """The model could not answer. Messages never contain prompt or answer text."""

    retryable: bool = False

    def __init__(self, message: str, *, retryable: bool | None = None) -> None:
        super().__init__(message)
        if retryable is not None:
            self.retryable = retryable


class LLMTimeout(LLMError):
    retryable = True


class LLMUnavailable(LLMError):
    """Connection refused, DNS failure, server overloaded (429/502/503/504)."""

    retryable = True


class LLMBadResponse(LLMError):
    """The server answered, but not with a usable completion (4xx, broken stream)."""

    retryable = False


class LLMNotConfigured(LLMError):
    retryable = False


@dataclass(frozen=True)
class GenerationSettings:
    max_tokens: int = 400
    temperature: float = 0.2


class ChatModel(Protocol):
    name: str

    def stream(
        self, messages: Sequence[dict[str, str]], *, settings: GenerationSettings = GenerationSettings()
    ) -> AsyncIterator[str]:
        """Yield the answer's text in chunks as the model produces them."""
        ...
