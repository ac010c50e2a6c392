"""The patient's inbox socket (``/ws/inbox/?thread=<id>``): read-only. It authenticates,
checks the thread is the patient's own, and passes on the thread's events: the crisis
and emergency templates at once, and care-team replies. A draft is never sent to any
group (``events.silenced``), and this socket accepts no frames."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async

from chatbot import protocol, roles
from chatbot.events import conversation_group
from chatbot.inbox import selectors as inbox_selectors
from chatbot.models import Thread
from chatbot.protocol import error_event
from chatbot.socket_base import SocketConsumer

# What a patient's inbox page may receive; anything else on the group is dropped.
PASSED_EVENTS = frozenset({"crisis", "reply", "care_team_reply", "error"})


class InboxConsumer(SocketConsumer):
    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if not getattr(user, "is_authenticated", False):
            await self._reject("unauthenticated", protocol.CLOSE_UNAUTHENTICATED)
            return
        if not await database_sync_to_async(roles.is_patient)(user):
            await self._reject("forbidden", protocol.CLOSE_FORBIDDEN)
            return
        thread = await database_sync_to_async(self._thread)(user)
        if thread is None:
            await self._reject("not_found", protocol.CLOSE_NOT_FOUND)
            return
        self.group = conversation_group(thread.conversation_id)
        # Joined before the socket opens: nothing sent after the client sees it open is missed.
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    def _thread(self, user: Any) -> Thread | None:
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        try:
            return inbox_selectors.thread_for_patient(patient=user, thread_id=int(query.get("thread", [""])[0]))
        except (ValueError, Thread.DoesNotExist):
            return None

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        await self.send(text_data=json.dumps(error_event("unknown_type", "This socket only delivers replies.")))

    async def chat_event(self, message: dict[str, Any]) -> None:
        event = message["event"]
        if event.get("type") in PASSED_EVENTS:
            await self.send(text_data=json.dumps(event))

    async def _reject(self, code: str, close_code: int) -> None:
        await self.accept()
        await self.send(text_data=json.dumps(error_event(code, "Not allowed.")))
        await self.close(code=close_code)
