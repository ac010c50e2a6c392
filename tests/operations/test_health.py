"""/healthz and /readyz: the shapes Kubernetes probes expect."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_touching_anything(django_assert_num_queries) -> None:
    with django_assert_num_queries(0):
        response = Client().get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_is_200_when_the_database_answers(settings) -> None:
    settings.REDIS_URL = ""
    settings.LLM_BACKEND = "extractive"
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


def test_readyz_is_503_and_names_the_failing_dependency(settings) -> None:
    # Nothing listens on port 9 of loopback: Redis and the model server are both down.
    settings.REDIS_URL = "redis://127.0.0.1:9/0"
    settings.LLM_BACKEND = "openai"
    settings.LLM_HEALTH_URL = "http://127.0.0.1:9/health"
    response = Client().get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("error: ")
    assert body["checks"]["model"].startswith("error: ")
    assert "127.0.0.1" not in response.content.decode()  # the type only, never a URL or a query


def test_readyz_checks_the_model_server_when_one_is_configured(settings, monkeypatch) -> None:
    settings.REDIS_URL = ""
    settings.LLM_BACKEND = "openai"
    asked: list[str] = []

    class Healthy:
        def raise_for_status(self) -> None:
            return None

    def get(url: str, timeout: float) -> Healthy:
        asked.append(url)
        return Healthy()

    monkeypatch.setattr("chatbot.operations.httpx.get", get)
    response = Client().get("/readyz")
    assert response.status_code == 200 and response.json()["checks"]["model"] == "ok"
    assert asked == [settings.LLM_HEALTH_URL]


def test_readyz_refuses_other_methods() -> None:
    assert Client().post("/readyz").status_code == 405
