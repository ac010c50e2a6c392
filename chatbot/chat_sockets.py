"""What opening a patient's chat socket does, as one call on the database thread.

Django's ORM runs on one thread per web process in async code, so every
``database_sync_to_async`` call queues behind every other. Opening a socket used to
make four such calls (the role check, the conversation, presence, the care team's
catch-up); under a burst of connections those queued calls held up the frames of
sockets that were already open. This makes them one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chatbot import protocol, roles, selectors, services
from chatbot.models import Conversation
from chatbot.protocol import ServerEvent


class Refused(Exception):
    """The socket may not open: the error event's code and detail, and the close code."""

    def __init__(self, code: str, detail: str, close_code: int) -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail
        self.close_code = close_code


@dataclass(frozen=True)
class Opening:
    conversation_id: int
    risk_open: bool
    # Who from the care team is in the chat, and their messages still waiting.
    catch_up: list[ServerEvent]


def chat_socket_open(*, user: Any, wanted: str | None) -> Opening:
    """Open ``user``'s chat socket on the conversation ``wanted`` names: ``None`` for the
    latest (or a new one), ``"new"``, or an id. Counts the socket in the conversation's
    presence. Raises ``Refused`` for anyone but a patient, and for a conversation that is
    not theirs."""
    if not roles.is_patient(user):
        raise Refused("forbidden", "Only patients can use the chat.", protocol.CLOSE_FORBIDDEN)
    conversation = _conversation(user, wanted)
    if conversation is None:
        raise Refused("not_found", "No such conversation.", protocol.CLOSE_NOT_FOUND)
    services.patient_presence_change(conversation_id=conversation.pk, delta=1)
    return Opening(
        conversation_id=conversation.pk,
        risk_open=conversation.risk_state.is_open,
        catch_up=selectors.takeover_catch_up(conversation=conversation),
    )


def _conversation(user: Any, wanted: str | None) -> Conversation | None:
    if wanted is None:
        return selectors.conversation_latest(patient=user) or services.conversation_start(patient=user)
    if wanted == "new":
        return services.conversation_start(patient=user)
    try:
        return selectors.conversation_for_patient(patient=user, conversation_id=int(wanted))
    except (ValueError, Conversation.DoesNotExist):
        return None
