"""The notification contract: ``Transport.notify(notification, target)``.

A transport returns None when the page is accepted, and raises ``TransportError``
otherwise; ``permanent`` says whether a retry can help (a bad address will not get
better, a timeout may). A ``Notification`` carries only the escalation's link, id,
priority, kind and tier: never patient text.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


class TransportError(Exception):
    """The page was not accepted. ``message`` is a short code safe to log."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


@dataclass(frozen=True)
class Notification:
    escalation_id: int
    url: str
    priority: str
    kind: str
    tier: int
    event: str = "sla_breach"

    @property
    def summary(self) -> str:
        return (
            f"{self.priority.upper()} {self.kind} escalation #{self.escalation_id} "
            f"not acknowledged in time (tier {self.tier})"
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Transport:
    """One way of paging a person. Subclasses implement ``notify``."""

    def notify(self, notification: Notification, target: str) -> None:
        """Send ``notification`` to ``target``; raises TransportError."""
        raise NotImplementedError
