"""A Slack-style incoming webhook (also Mattermost, Rocket.Chat): ``{"text": ...}``."""

from __future__ import annotations

import json

from clinician_portal.notify.base import Notification, Transport
from clinician_portal.notify.http import post


class Slack(Transport):
    def notify(self, notification: Notification, target: str) -> None:
        text = f":rotating_light: {notification.summary}: <{notification.url}|open it>"
        post(target, json.dumps({"text": text}).encode(), {})
