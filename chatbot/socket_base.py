"""The base of every websocket consumer here.

Channels 4.2 made ``AsyncConsumer.dispatch`` call ``aclose_old_connections()`` before
every handler, for consumers that use Django's async ORM directly (django/channels#2090).
That call is a hop onto the web process's one database thread, so under a burst every
incoming frame, and every pipeline event on its way to a socket, waited in line behind
the batched message stores: with 1,000 patients sending at once, frames reached the
consumer up to a second after they arrived.

These consumers never touch the ORM on the event loop. Every database call goes through
``database_sync_to_async``, which closes stale connections on the database thread
itself, before and after the call. So dispatch here runs the handler straight away.
``tests/chatbot/test_socket_dispatch.py`` keeps the ORM's async methods out of the
consumer modules.
"""

from __future__ import annotations

from typing import Any

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer


class SocketConsumer(AsyncWebsocketConsumer):
    async def dispatch(self, message: dict[str, Any]) -> None:
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)
