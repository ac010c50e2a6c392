"""The transports, by name: an explicit table, resolved on first use."""

from __future__ import annotations

from functools import cache

from django.utils.module_loading import import_string

from clinician_portal.notify.base import Transport, TransportError

TRANSPORTS = {
    "email": "clinician_portal.notify.email.Email",
    "webhook": "clinician_portal.notify.webhook.Webhook",
    "pagerduty": "clinician_portal.notify.pagerduty.PagerDuty",
    "slack": "clinician_portal.notify.slack.Slack",
}


@cache
def get_transport(name: str) -> Transport:
    """The transport called ``name``; raises TransportError (permanent) for an unknown one."""
    if name not in TRANSPORTS:
        raise TransportError("unknown_transport", permanent=True)
    transport: Transport = import_string(TRANSPORTS[name])()
    return transport
