"""Test doubles. ``ScriptedChatModel`` answers from a script and raises when it runs out,
so a test that calls the model more often than it expects fails loudly."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

from chatbot.llm.base import GenerationSettings, LLMError


class ScriptExhausted(AssertionError):
    pass


class ScriptedChatModel:
    name = "scripted"

    def __init__(
        self, responses: Sequence[str | LLMError], *, chunk_words: int = 1, delay_s: float = 0.0
    ) -> None:
        self.responses = list(responses)
        self.calls: list[list[dict[str, str]]] = []
        self.chunk_words = chunk_words
        self.delay_s = delay_s

    async def stream(
        self, messages: Sequence[dict[str, str]], *, settings: GenerationSettings = GenerationSettings()
    ) -> AsyncIterator[str]:
        self.calls.append([dict(m) for m in messages])
        if not self.responses:
            raise ScriptExhausted("the scripted model was called more times than scripted")
        response = self.responses.pop(0)
        if isinstance(response, LLMError):
            raise response
        words = response.split(" ")
        for i in range(0, len(words), self.chunk_words):
            if self.delay_s:
                await asyncio.sleep(self.delay_s)
            piece = " ".join(words[i : i + self.chunk_words])
            yield piece if i + self.chunk_words >= len(words) else piece + " "
