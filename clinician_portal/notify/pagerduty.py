"""PagerDuty Events API v2: a ``trigger`` event; the target is the integration's
routing key. ``dedup_key`` is per escalation, so re-pages update one incident."""

from __future__ import annotations

import json

from django.conf import settings

from clinician_portal.notify.base import Notification, Transport
from clinician_portal.notify.http import post


class PagerDuty(Transport):
    def notify(self, notification: Notification, target: str) -> None:
        body = {
            "routing_key": target,
            "event_action": "trigger",
            "dedup_key": f"escalation-{notification.escalation_id}",
            "payload": {
                "summary": notification.summary,
                "source": "clinic-assistant",
                "severity": "critical" if notification.priority == "urgent" else "warning",
                "component": "escalations",
                "class": notification.kind,
                "custom_details": notification.to_dict(),
            },
            "links": [{"href": notification.url, "text": f"Escalation #{notification.escalation_id}"}],
        }
        post(settings.PAGERDUTY_EVENTS_URL, json.dumps(body).encode(), {})
