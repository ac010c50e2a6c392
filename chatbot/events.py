"""Server events reach every socket watching a conversation through the channel layer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from channels.layers import get_channel_layer

from chatbot.protocol import ServerEvent

# Set while the care-team inbox drafts a reply: the answering code streams as it does in
# the chat, and a draft must never reach the patient, so nothing is sent at all.
_silenced: ContextVar[bool] = ContextVar("events_silenced", default=False)


def conversation_group(conversation_id: int) -> str:
    return f"chat.conversation.{conversation_id}"


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
