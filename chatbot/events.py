"""Server events reach every socket watching a conversation through the channel layer.

Patient sockets join ``conversation_group``; every open portal page joins
``STAFF_GROUP``, and a portal socket that joined a patient's chat also joins
``staff_conversation_group``. Services send staff events only after their
transaction commits (``staff_event_on_commit``), so a page never sees a row that a
rollback then removes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from chatbot.protocol import ServerEvent, StaffEvent

logger = logging.getLogger(__name__)

STAFF_GROUP = "portal.staff"

# Set while the care-team inbox drafts a reply: the answering code streams as it does in
# the chat, and a draft must never reach the patient, so nothing is sent at all.
_silenced: ContextVar[bool] = ContextVar("events_silenced", default=False)


def conversation_group(conversation_id: int) -> str:
    return f"chat.conversation.{conversation_id}"


def staff_conversation_group(conversation_id: int) -> str:
    return f"portal.conversation.{conversation_id}"


@contextmanager
def silenced() -> Iterator[None]:
    """Inside this block ``event_send`` sends nothing (drafts for the care team)."""
    token = _silenced.set(True)
    try:
        yield
    finally:
        _silenced.reset(token)


async def event_send(*, conversation_id: int, event: ServerEvent) -> None:
    """Send ``event`` to every socket on the conversation (a channel-layer group);
    nothing inside ``silenced()``."""
    if _silenced.get():
        return
    layer = get_channel_layer()
    assert layer is not None
    await layer.group_send(conversation_group(conversation_id), {"type": "chat.event", "event": dict(event)})


def _group_send_sync(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception as exc:  # a push is best effort: the row is committed, pages reload it
        logger.error("group send to %s failed with %s", group, type(exc).__name__)


def staff_event_on_commit(event: StaffEvent, *, conversation_id: int | None = None) -> None:
    """After commit, send ``event`` to every open portal page, or only to the portal
    sockets that joined ``conversation_id`` when it is given."""
    group = STAFF_GROUP if conversation_id is None else staff_conversation_group(conversation_id)
    message = {"type": "portal.event", "event": dict(event)}
    transaction.on_commit(lambda: _group_send_sync(group, message))


def patient_event_on_commit(*, conversation_id: int, event: ServerEvent) -> None:
    """After commit, send ``event`` to the patient's sockets on the conversation."""
    message = {"type": "chat.event", "event": dict(event)}
    transaction.on_commit(lambda: _group_send_sync(conversation_group(conversation_id), message))
