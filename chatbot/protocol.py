"""The websocket protocol: client frames in, typed server events out.

README documents it; this module is the one place that parses client frames, so
every bad frame gets the same clear ``error`` event.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal, NotRequired, TypedDict

from django.conf import settings


class ProtocolError(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class ClientMessage:
    text: str
    client_id: str | None


def parse_frame(text_data: str | None, bytes_data: bytes | None) -> ClientMessage:
    """Parse one client frame; raise ProtocolError with a code the client can act on."""
    if bytes_data is not None:
        raise ProtocolError("binary_not_supported", "Send JSON text frames, not binary frames.")
    if text_data is None or len(text_data.encode("utf-8", "surrogatepass")) > settings.CHAT_MAX_FRAME_BYTES:
        raise ProtocolError(
            "frame_too_large", f"Frames may be at most {settings.CHAT_MAX_FRAME_BYTES} bytes."
        )
    try:
        frame = json.loads(text_data)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser allows
        raise ProtocolError("invalid_json", "The frame is not valid JSON.") from None
    if not isinstance(frame, dict):
        raise ProtocolError("invalid_frame", "A frame must be a JSON object with a 'type'.")
    kind = frame.get("type")
    if kind != "message":
        raise ProtocolError("unknown_type", "Unknown frame type. Supported: 'message'.")
    return parse_message(frame.get("text"), frame.get("client_id"))


def _storable(text: str) -> bool:
    """Text that UTF-8 and PostgreSQL can hold: no lone surrogate (JSON's "\\ud800"
    escapes decode to one), no NUL."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_message(text: Any, client_id: Any) -> ClientMessage:
    """Validate a message's text and client id (shared by the socket and the REST API)."""
    if not isinstance(text, str) or not text.strip():
        raise ProtocolError("empty_text", "The message text is empty.")
    if not _storable(text):
        raise ProtocolError("invalid_text", "The message contains characters that are not text (NUL or a lone surrogate).")
    if len(text) > settings.CHAT_MAX_MESSAGE_CHARS:
        raise ProtocolError(
            "text_too_long", f"Messages may be at most {settings.CHAT_MAX_MESSAGE_CHARS} characters."
        )
    if client_id is not None and (
        not isinstance(client_id, str) or not 0 < len(client_id) <= 64 or not client_id.isprintable()
    ):
        raise ProtocolError("invalid_client_id", "client_id must be a string of 1 to 64 characters.")
    return ClientMessage(text=text, client_id=client_id)


# --- Server events -------------------------------------------------------------------
# Every event the server sends is built through one of these types, and
# ``events.event_send`` and the consumer accept only ``ServerEvent``, so mypy checks the
# protocol that README documents.


class Citation(TypedDict):
    number: int
    title: str
    url: str


class ReadyEvent(TypedDict):
    type: Literal["ready"]
    conversation_id: int
    risk_open: bool  # the conversation's open risk (``RiskState.is_open``)


class AcceptedEvent(TypedDict):
    type: Literal["accepted"]
    message_id: int
    client_id: str | None
    conversation_id: int
    duplicate: bool


class DeltaEvent(TypedDict):
    type: Literal["delta"]
    message_id: int
    text: str


class ReplyAction(TypedDict):
    """A one-click follow-up the client offers under a reply. ``send_to_care_team``
    sends the patient's message ``message_id`` to the care team's inbox as a portal
    message; the client posts it to ``chat-config.send_to_care_team_url`` when the
    page provides one, and always dispatches a ``chat:send-to-care-team`` DOM event."""

    type: Literal["send_to_care_team"]
    label: str
    message_id: int


class ReplyEvent(TypedDict):
    type: Literal["reply"]
    message_id: int
    reply_id: int
    text: str
    mode: str
    citations: list[Citation]
    actions: list[ReplyAction]


SEND_TO_CARE_TEAM_LABEL = "Send my question to my care team"


def reply_actions(kinds: tuple[str, ...], *, message_id: int) -> list[ReplyAction]:
    """The typed actions for a reply; unknown kinds are a bug and raise ValueError."""
    actions: list[ReplyAction] = []
    for kind in kinds:
        if kind != "send_to_care_team":
            raise ValueError(f"unknown reply action {kind!r}")
        actions.append(
            ReplyAction(type="send_to_care_team", label=SEND_TO_CARE_TEAM_LABEL, message_id=message_id)
        )
    return actions


class WithdrawEvent(TypedDict):
    type: Literal["withdraw"]
    message_id: int
    detail: str


class CrisisResource(TypedDict):
    name: str
    contact: str
    how: str


class CrisisEvent(TypedDict):
    type: Literal["crisis"]
    message_id: int
    kind: str
    language: str
    text: str
    resources: list[CrisisResource]


class ErrorEvent(TypedDict):
    type: Literal["error"]
    code: str
    detail: str
    message_id: NotRequired[int]
    retry_after_s: NotRequired[int]


class StaffJoinedEvent(TypedDict):
    """A named member of the care team joined the chat: the assistant stops answering."""

    type: Literal["staff_joined"]
    conversation_id: int
    name: str
    role: str
    text: str


class StaffMessageEvent(TypedDict):
    """A care-team member's message (on the patient's socket and on the portal's)."""

    type: Literal["staff_message"]
    conversation_id: int
    message_id: int
    name: str
    role: str
    text: str
    created_at: str


class StaffLeftEvent(TypedDict):
    """The care-team member left: ``then`` is ``assistant`` (handed back) or ``ended``."""

    type: Literal["staff_left"]
    conversation_id: int
    name: str
    then: Literal["assistant", "ended"]
    text: str


class CareTeamReplyEvent(TypedDict):
    """A reply from the care team in a portal thread (never a draft)."""

    type: Literal["care_team_reply"]
    thread_id: int
    message_id: int
    text: str


ServerEvent = (
    ReadyEvent
    | AcceptedEvent
    | DeltaEvent
    | ReplyEvent
    | WithdrawEvent
    | CrisisEvent
    | ErrorEvent
    | StaffJoinedEvent
    | StaffMessageEvent
    | StaffLeftEvent
    | CareTeamReplyEvent
)


# --- Staff (portal) events: ``/ws/portal/`` ----------------------------------------------
# Queue events carry ids, kinds, priorities, states and staff names: never patient text.
# Only ``patient_message`` carries text, and only to a portal socket that joined that
# conversation (its access is logged).


class EscalationChangedEvent(TypedDict):
    """An escalation was opened, or its state changed (``change`` says how)."""

    type: Literal["escalation"]
    change: str  # created, acknowledged, claimed, resolved, reopened, note, breached
    escalation_id: int
    conversation_id: int
    kind: str
    priority: str  # routine, urgent ...
    status: str
    version: int
    by: str  # a staff member's name; "" for the system
    at: str


class PatientMessageEvent(TypedDict):
    """A patient's message in a conversation a staff member has joined."""

    type: Literal["patient_message"]
    conversation_id: int
    message_id: int
    text: str
    created_at: str


class TakeoverChangedEvent(TypedDict):
    """Someone joined or left a patient's chat (queue pages show who is in it)."""

    type: Literal["takeover"]
    conversation_id: int
    joined: bool
    by: str


StaffEvent = (
    EscalationChangedEvent | PatientMessageEvent | TakeoverChangedEvent | StaffMessageEvent | ErrorEvent
)


@dataclass(frozen=True)
class StaffFrame:
    """A portal client frame: ``join``/``leave`` a conversation, or a ``staff_message``."""

    type: str
    conversation_id: int
    text: str = ""
    then: str = "assistant"


STAFF_FRAME_TYPES = ("join", "leave", "staff_message")


def parse_staff_frame(text_data: str | None, bytes_data: bytes | None) -> StaffFrame:
    """Parse one portal frame; raise ProtocolError with a code the client can act on."""
    if bytes_data is not None:
        raise ProtocolError("binary_not_supported", "Send JSON text frames, not binary frames.")
    if text_data is None or len(text_data.encode()) > settings.CHAT_MAX_FRAME_BYTES:
        raise ProtocolError(
            "frame_too_large", f"Frames may be at most {settings.CHAT_MAX_FRAME_BYTES} bytes."
        )
    try:
        frame = json.loads(text_data)
    except ValueError:
        raise ProtocolError("invalid_json", "The frame is not valid JSON.") from None
    if not isinstance(frame, dict):
        raise ProtocolError("invalid_frame", "A frame must be a JSON object with a 'type'.")
    kind = frame.get("type")
    if kind not in STAFF_FRAME_TYPES:
        raise ProtocolError("unknown_type", f"Unknown frame type. Supported: {', '.join(STAFF_FRAME_TYPES)}.")
    conversation_id = frame.get("conversation_id")
    if not isinstance(conversation_id, int) or isinstance(conversation_id, bool) or conversation_id < 1:
        raise ProtocolError("invalid_conversation", "conversation_id must be a positive integer.")
    then = frame.get("then", "assistant")
    if kind == "leave" and then not in ("assistant", "ended"):
        raise ProtocolError("invalid_frame", "'then' must be 'assistant' or 'ended'.")
    text = ""
    if kind == "staff_message":
        text = parse_message(frame.get("text"), None).text
    return StaffFrame(type=kind, conversation_id=conversation_id, text=text, then=then)


def error_event(
    code: str, detail: str, *, message_id: int | None = None, retry_after_s: int | None = None
) -> ErrorEvent:
    """An ``error`` event; ``message_id`` and ``retry_after_s`` appear only when given."""
    event = ErrorEvent(type="error", code=code, detail=detail)
    if message_id is not None:
        event["message_id"] = message_id
    if retry_after_s is not None:
        event["retry_after_s"] = retry_after_s
    return event


# Close codes (4000-4999 are the application's).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
