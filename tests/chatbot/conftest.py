from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from tests.fakes import ScriptedChatModel


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()  # rate-limit counters must not leak between tests


@pytest.fixture
def scripted_model(monkeypatch: pytest.MonkeyPatch):
    """Install a scripted model as the pipeline's model; returns a setter."""

    def install(responses, **kwargs) -> ScriptedChatModel:
        model = ScriptedChatModel(responses, **kwargs)
        monkeypatch.setattr("chatbot.answering.get_chat_model", lambda: model)
        return model

    return install


@pytest.fixture
def no_rails(settings, monkeypatch: pytest.MonkeyPatch):
    """Transport tests: the message path without rails, so a scripted answer comes back
    verbatim. The rails have their own pipeline tests."""
    settings.INPUT_RAILS = []
    settings.OUTPUT_RAILS = []
    # Nor the relevance gate: one vetted passage always answers, so the scripted
    # model is asked (the gate has its own tests and pipeline tests).
    monkeypatch.setattr("chatbot.steps.retrieve", _vetted_passage)
    monkeypatch.setattr("chatbot.steps.keep_relevant", _keep_all)


@pytest.fixture
def vetted_passage(monkeypatch: pytest.MonkeyPatch):
    """The real rails, but one vetted passage that the relevance gate always accepts."""
    monkeypatch.setattr("chatbot.steps.retrieve", _vetted_passage)
    monkeypatch.setattr("chatbot.steps.keep_relevant", _keep_all)


async def _vetted_passage(turn: Any, deid: Any) -> list[Any]:
    from guardrails.base import Passage

    return [
        Passage(
            1,
            "Common cold",
            "How long does a cold last?\nMost colds get better in 7 to 10 days. Rest and drink plenty of "
            "fluids. Contact your care team if a fever lasts more than 3 days.",
            "https://medlineplus.gov/commoncold.html",
            0.6,
        )
    ]


async def _keep_all(turn: Any, deid: Any, passages: list[Any]) -> list[Any]:
    return passages


_EMBEDDINGS: dict[str, Any] = {}


@pytest.fixture
def starter_knowledge(monkeypatch: pytest.MonkeyPatch):
    """The starter knowledge base in the test database. Embeddings are memoised for
    the session: every test gets the same vectors without paying for them again."""
    from pathlib import Path

    import numpy as np

    from chatbot.knowledge.services import documents_upsert
    from chatbot.management.commands.load_knowledge import markdown_documents
    from guardrails import embeddings

    real_embed = embeddings.embed

    def memo_embed(texts):
        missing = [t for t in texts if t not in _EMBEDDINGS]
        if missing:
            for text, vector in zip(missing, real_embed(missing), strict=True):
                _EMBEDDINGS[text] = vector
        return np.stack([_EMBEDDINGS[t] for t in texts]) if texts else real_embed(texts)

    monkeypatch.setattr(embeddings, "embed", memo_embed)
    starter = Path(__file__).resolve().parents[2] / "chatbot" / "knowledge" / "starter"
    documents_upsert(documents=markdown_documents(starter))
