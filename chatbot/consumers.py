"""The patient chat socket. It authenticates, validates frames, stores each message
through one service call, and forwards the pipeline's events. No business logic."""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async

from chatbot import chat_sockets, intake, logs, metrics, protocol, services
from chatbot.events import conversation_group
from chatbot.protocol import AcceptedEvent, ProtocolError, ReadyEvent, ServerEvent, error_event
from chatbot.socket_base import SocketConsumer

logger = logging.getLogger(__name__)

UNAVAILABLE_DETAIL = (
    "Your message was not saved because the service is briefly unavailable. "
    "Please send it again in a few seconds."
)
UNAVAILABLE_RETRY_S = 5


class ChatConsumer(SocketConsumer):
    conversation_id: int | None = None

    async def connect(self) -> None:
        await self.accept()
        user = self.scope.get("user")
        if not getattr(user, "is_authenticated", False):
            await self.reject(
                "unauthenticated",
                "Sign in, or send 'Authorization: Token <key>'.",
                protocol.CLOSE_UNAUTHENTICATED,
            )
            return
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        try:
            opening = await database_sync_to_async(chat_sockets.chat_socket_open)(
                user=user, wanted=query.get("conversation", [None])[0]
            )
        except chat_sockets.Refused as refused:
            await self.reject(refused.code, refused.detail, refused.close_code)
            return
        self.conversation_id = opening.conversation_id  # counted in presence: disconnect uncounts it
        logs.conversation_id.set(opening.conversation_id)
        metrics.OPEN_SOCKETS.inc()
        await self.channel_layer.group_add(conversation_group(opening.conversation_id), self.channel_name)
        await self.send_event(
            ReadyEvent(type="ready", conversation_id=opening.conversation_id, risk_open=opening.risk_open)
        )
        # Who is in the chat, and what the care team wrote while the patient was away.
        for event in opening.catch_up:
            await self.send_event(event)
        if delivered := [e["message_id"] for e in opening.catch_up if e["type"] == "staff_message"]:
            await database_sync_to_async(services.staff_messages_delivered)(message_ids=delivered)

    async def disconnect(self, code: int) -> None:
        if self.conversation_id is not None:
            await database_sync_to_async(services.patient_presence_change)(
                conversation_id=self.conversation_id, delta=-1
            )
            metrics.OPEN_SOCKETS.dec()
            await self.channel_layer.group_discard(
                conversation_group(self.conversation_id), self.channel_name
            )

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.conversation_id is None:
            return
        arrived = time.perf_counter()
        try:
            frame = protocol.parse_frame(text_data, bytes_data)
        except ProtocolError as exc:
            await self.send_event(error_event(exc.code, exc.detail))
            return
        submission = services.Submission(
            patient_id=self.scope["user"].pk,
            conversation_id=self.conversation_id,
            text=frame.text,
            client_id=frame.client_id,
        )
        try:
            message, created = await intake.submit(submission)
        except services.RateLimited as exc:
            detail = "You're sending messages faster than I can answer. Please wait a moment."
            await self.send_event(error_event("rate_limited", detail, retry_after_s=exc.retry_after_s))
            return
        except Exception as exc:  # the database or Redis is unreachable: nothing was stored
            logger.error("storing a message failed with %s", type(exc).__name__)
            await self.send_event(
                error_event("unavailable", UNAVAILABLE_DETAIL, retry_after_s=UNAVAILABLE_RETRY_S)
            )
            return
        await self.send_event(
            AcceptedEvent(
                type="accepted",
                message_id=message.pk,
                client_id=frame.client_id,
                conversation_id=self.conversation_id,
                duplicate=not created,
            )
        )
        metrics.ACCEPT_SECONDS.observe(time.perf_counter() - arrived)

    async def chat_event(self, message: dict[str, Any]) -> None:
        """A server event from the pipeline or the care team, passed on as it is."""
        event = message["event"]
        await self.send(text_data=json.dumps(event))
        if event.get("type") == "staff_message":  # it reached the patient: no longer waiting
            await database_sync_to_async(services.staff_messages_delivered)(message_ids=[event["message_id"]])

    async def send_event(self, event: ServerEvent) -> None:
        await self.send(text_data=json.dumps(event))

    async def reject(self, code: str, detail: str, close_code: int) -> None:
        await self.send_event(error_event(code, detail))
        await self.close(code=close_code)
