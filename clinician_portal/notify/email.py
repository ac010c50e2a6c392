"""Email through Django's mail backend."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import send_mail

from clinician_portal.notify.base import Notification, Transport, TransportError


class Email(Transport):
    def notify(self, notification: Notification, target: str) -> None:
        body = f"{notification.summary}.\n\nOpen it: {notification.url}\n"
        try:
            send_mail(notification.summary, body, settings.DEFAULT_FROM_EMAIL, [target])
        except smtplib.SMTPRecipientsRefused:
            raise TransportError("smtp_recipients_refused", permanent=True) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise TransportError(f"smtp_{type(exc).__name__}") from None
