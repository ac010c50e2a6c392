"""The staff socket, ``/ws/portal/``: every open portal page gets new escalations,
state changes and claims as they happen, and a clinician who joined a patient's chat
talks over it. It authenticates (the chat's auth: session or token), checks the staff
role, and makes one service call per frame. No business logic."""

from __future__ import annotations

import json
from typing import Any

from channels.db import database_sync_to_async

from chatbot import protocol, roles, selectors, services
from chatbot.events import STAFF_GROUP, staff_conversation_group
from chatbot.models import Conversation
from chatbot.protocol import ProtocolError, StaffEvent, StaffFrame, error_event
from chatbot.socket_base import SocketConsumer


class PortalConsumer(SocketConsumer):
    user: Any = None

    async def connect(self) -> None:
        await self.accept()
        user = self.scope.get("user")
        if not getattr(user, "is_authenticated", False):
            await self.reject("unauthenticated", "Sign in first.", protocol.CLOSE_UNAUTHENTICATED)
            return
        if not await database_sync_to_async(roles.is_staff_reviewer)(user):
            await self.reject("forbidden", "Only the care team can use the portal.", protocol.CLOSE_FORBIDDEN)
            return
        self.user = user
        self.joined: set[int] = set()
        await self.channel_layer.group_add(STAFF_GROUP, self.channel_name)

    async def disconnect(self, code: int) -> None:
        if self.user is None:
            return
        await self.channel_layer.group_discard(STAFF_GROUP, self.channel_name)
        for conversation_id in self.joined:
            await self.channel_layer.group_discard(
                staff_conversation_group(conversation_id), self.channel_name
            )

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.user is None:
            return
        try:
            frame = protocol.parse_staff_frame(text_data, bytes_data)
            await database_sync_to_async(self._act)(frame)
        except ProtocolError as exc:
            await self.send_event(error_event(exc.code, exc.detail))
            return
        except Conversation.DoesNotExist:
            await self.send_event(error_event("not_found", "No such conversation."))
            return
        except services.IllegalTransition as exc:
            await self.send_event(error_event("refused", exc.detail))
            return
        group = staff_conversation_group(frame.conversation_id)
        if frame.type == "join":
            self.joined.add(frame.conversation_id)
            await self.channel_layer.group_add(group, self.channel_name)
        elif frame.type == "leave":
            self.joined.discard(frame.conversation_id)
            await self.channel_layer.group_discard(group, self.channel_name)

    def _act(self, frame: StaffFrame) -> None:
        conversation = selectors.conversation_for_staff(conversation_id=frame.conversation_id)
        if frame.type == "join":
            services.conversation_staff_join(conversation=conversation, by=self.user)
        elif frame.type == "leave":
            services.conversation_staff_leave(conversation=conversation, by=self.user, then=frame.then)
        else:
            services.staff_message_send(conversation=conversation, by=self.user, text=frame.text)

    async def portal_event(self, message: dict[str, Any]) -> None:
        """A staff event from a service (``events.staff_event_on_commit``), passed on as it is."""
        await self.send(text_data=json.dumps(message["event"]))

    async def send_event(self, event: StaffEvent) -> None:
        await self.send(text_data=json.dumps(event))

    async def reject(self, code: str, detail: str, close_code: int) -> None:
        await self.send_event(error_event(code, detail))
        await self.close(code=close_code)
