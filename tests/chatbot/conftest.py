from __future__ import annotations

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
        monkeypatch.setattr("chatbot.pipeline.get_chat_model", lambda: model)
        return model

    return install
