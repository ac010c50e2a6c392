"""A generic webhook: JSON, signed with HMAC-SHA256 over ``<timestamp>.<body>``.

Headers: ``X-Clinic-Timestamp`` (Unix seconds) and ``X-Clinic-Signature``
(``sha256=<hex>``). A receiver recomputes the HMAC with the shared secret
(``NOTIFY_WEBHOOK_SECRET``) and rejects old timestamps to stop replays."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from django.conf import settings

from clinician_portal.notify.base import Notification, Transport
from clinician_portal.notify.http import post


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class Webhook(Transport):
    def notify(self, notification: Notification, target: str) -> None:
        body = json.dumps({**notification.to_dict(), "summary": notification.summary}).encode()
        timestamp = str(int(time.time()))
        headers = {
            "X-Clinic-Timestamp": timestamp,
            "X-Clinic-Signature": sign(settings.NOTIFY_WEBHOOK_SECRET, timestamp, body),
        }
        post(target, body, headers)
