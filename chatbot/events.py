"""Server events reach every socket watching a conversation through the channel layer."""

from __future__ import annotations

from channels.layers import get_channel_layer

from chatbot.protocol import ServerEvent


def conversation_group(conversation_id: int) -> str:
    return f"chat.conversation.{conversation_id}"


async def event_send(*, conversation_id: int, event: ServerEvent) -> None:
    """Send ``event`` to every socket on the conversation (a channel-layer group)."""
    layer = get_channel_layer()
    assert layer is not None
    await layer.group_send(conversation_group(conversation_id), {"type": "chat.event", "event": dict(event)})
