"""What the patient reads: template replies, crisis resources, and the pipeline's own
messages (a failure, a withdrawn answer), with this deployment's overrides.

The rails' template wording lives in ``guardrails.responses``; this module adds the structured
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
from typing import Any, cast

from django.conf import settings

from chatbot.protocol import CrisisEvent, CrisisResource
from guardrails import responses as templates
from guardrails.base import Verdict

# When a step fails: the message is kept and a person told (``steps.fail``).
FAILURE_DETAIL = (
    "Sorry, I couldn't answer that just now. Your message is saved and a member of "
    "your care team has been told. If this is urgent, call your clinic, or 911 in an emergency."
)
# When an answer already shown is taken back (``answering``).
WITHDRAW_DETAIL = (
    "Part of that answer did not pass a safety check, so I've removed it. Here is what our vetted articles say."
)

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


def crisis_resources_for_display(language: str = "en") -> list[CrisisResource]:
    resources, _ = _config()
    # A deployment's file gives the same three keys as DEFAULT_RESOURCES.
    return [cast(CrisisResource, dict(r)) for r in resources.get(language, resources["en"])]


def crisis_event(message_id: int, language: str) -> CrisisEvent:
    _, texts = _config()
    return CrisisEvent(
        type="crisis",
        message_id=message_id,
        kind="crisis",
        language=language,
        text=texts[language]["crisis_resources"],
        resources=crisis_resources_for_display(language),
    )


def help_event(message_id: int, language: str) -> CrisisEvent:
    """The help tier's banner: gentle support text and the same crisis lines."""
    _, texts = _config()
    return CrisisEvent(
        type="crisis",
        message_id=message_id,
        kind="help",
        language=language,
        text=texts[language]["help"],
        resources=crisis_resources_for_display(language),
    )


def emergency_event(message_id: int, verdict: Verdict, text: str) -> CrisisEvent:
    language = language_of(text)
    return CrisisEvent(
        type="crisis",
        message_id=message_id,
        kind="emergency",
        language=language,
        text=templates.response_for(verdict, text, _config()[1]) or "",
        resources=[r for r in crisis_resources_for_display(language) if r["contact"] == "911"],
    )


def reply_for(verdict: Verdict, text: str) -> str | None:
    """The template reply for ``verdict`` in the patient's language, or None."""
    return templates.response_for(verdict, text, _config()[1])


def preface_for(verdict: Verdict, text: str) -> str | None:
    """The notice said before the answer for ``verdict``, in the patient's language, or
    None (``guardrails.responses.PREFACES``)."""
    return templates.preface_for(verdict, text, _config()[1])
