"""Template responses and crisis resources, with this deployment's overrides applied."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def crisis_resources_for_display(language: str = "en") -> list[dict[str, Any]]:
    from guardrails import responses

    return [
        dict(r)
        for r in responses.crisis_resources(language, override_path=settings.CRISIS_RESOURCES_FILE or None)
    ]
