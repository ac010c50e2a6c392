"""Template replies and crisis resources, with this deployment's overrides.

The wording lives in ``guardrails.responses``; this module adds the structured
resources the chat page turns into call and text links, and reads the deployment's
``CRISIS_RESOURCES_FILE``:

    {"resources": {"en": [{"name": ..., "contact": ..., "how": ...}], "es": [...]},
     "templates": {"en": {"crisis_resources": ...}, "es": {...}}}

Either key may be left out; what is given replaces the default for that language.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings

from guardrails import responses as templates
from guardrails.base import Verdict

DEFAULT_RESOURCES: dict[str, list[dict[str, str]]] = {
    "en": [
        {"name": "Emergency services", "contact": "911", "how": "Call 911 if you are in immediate danger."},
        {"name": "988 Suicide & Crisis Lifeline", "contact": "988", "how": "Call or text 988, any time."},
        {"name": "Crisis Text Line", "contact": "741741", "how": "Text HOME to 741741."},
    ],
    "es": [
        {"name": "Emergencias", "contact": "911", "how": "Llama al 911 si estás en peligro inmediato."},
        {
            "name": "Línea 988 de Prevención del Suicidio y Crisis",
            "contact": "988",
            "how": "Llama o envía un texto al 988; al llamar, marca 2 para español.",
        },
        {
            "name": "Crisis Text Line",
            "contact": "741741",
            "how": "Envía AYUDA por mensaje de texto al 741741.",
        },
    ],
}


@cache
def _deployment(path: str) -> tuple[dict[str, list[dict[str, str]]], dict[str, dict[str, str]]]:
    data: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8")) if path else {}
    resources = {**DEFAULT_RESOURCES, **data.get("resources", {})}
    return resources, templates.load_templates(data.get("templates"))


def _config() -> tuple[dict[str, list[dict[str, str]]], dict[str, dict[str, str]]]:
    return _deployment(settings.CRISIS_RESOURCES_FILE or "")


def language_of(text: str) -> str:
    return templates.detect_language(text)


def crisis_resources_for_display(language: str = "en") -> list[dict[str, str]]:
    resources, _ = _config()
    return [dict(r) for r in resources.get(language, resources["en"])]


def crisis_event(message_id: int, language: str) -> dict[str, Any]:
    _, texts = _config()
    return {
        "type": "crisis",
        "message_id": message_id,
        "kind": "crisis",
        "language": language,
        "text": texts[language]["crisis_resources"],
        "resources": crisis_resources_for_display(language),
    }


def emergency_event(message_id: int, verdict: Verdict, text: str) -> dict[str, Any]:
    language = language_of(text)
    return {
        "type": "crisis",
        "message_id": message_id,
        "kind": "emergency",
        "language": language,
        "text": templates.response_for(verdict, text, _config()[1]) or "",
        "resources": [r for r in crisis_resources_for_display(language) if r["contact"] == "911"],
    }


def reply_for(verdict: Verdict, text: str) -> str | None:
    """The template reply for ``verdict`` in the patient's language, or None."""
    return templates.response_for(verdict, text, _config()[1])
