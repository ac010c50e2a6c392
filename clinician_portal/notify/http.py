"""The HTTP transports' one POST, with errors typed by whether a retry can help."""

from __future__ import annotations

import httpx
from django.conf import settings

from clinician_portal.notify.base import TransportError


def post(url: str, body: bytes, headers: dict[str, str]) -> None:
    """POST ``body``; raises TransportError (permanent for a 4xx other than 408/429)."""
    try:
        response = httpx.post(
            url,
            content=body,
            headers={"Content-Type": "application/json", **headers},
            timeout=settings.NOTIFY_TIMEOUT_S,
        )
    except httpx.InvalidURL:
        raise TransportError("invalid_url", permanent=True) from None
    except httpx.HTTPError as exc:
        raise TransportError(f"http_{type(exc).__name__}") from None
    if response.status_code >= 400:
        permanent = response.status_code < 500 and response.status_code not in (408, 429)
        raise TransportError(f"http_status_{response.status_code}", permanent=permanent)
