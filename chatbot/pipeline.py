"""The life of a patient message, read top to bottom in ``handle_patient_message``.

The message was stored (step 1) by ``services.patient_message_receive`` before this
runs; the Celery task ``process_patient_message`` calls in with its id alone.
Every failure ends in ``fail``: the patient is told honestly, the message stays
stored and marked, and a person is told.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from asgiref.sync import sync_to_async

from chatbot import crypto, selectors, services
from chatbot.events import event_send
from chatbot.llm import LLMError, LLMTimeout, generation_settings, get_chat_model
from chatbot.models import Message
from chatbot.protocol import error_event

logger = logging.getLogger(__name__)


async def handle_patient_message(message_id: int) -> None:
    turn = await begin(message_id)
    if turn is None:
        return  # already claimed or processed: a repeated delivery does nothing
    try:
        answer = await stream_answer(turn)
        await deliver(turn, answer)
    except LLMError as exc:
        await fail(turn, reason=_model_reason(exc))
    except Exception as exc:
        # Log the type only: exception text from a library may quote its input.
        logger.error("pipeline failed on message %s with %s", turn.message_id, type(exc).__name__)
        await fail(turn, reason="pipeline_error")


@dataclass
class Turn:
    """One patient message in flight. ``text`` is the original and lives only in memory."""

    message_id: int
    conversation_id: int
    text: str
    history: list[tuple[str, str]]


@dataclass(frozen=True)
class Answer:
    text: str
    text_deid: str
    mode: str


async def begin(message_id: int) -> Turn | None:
    if not await sync_to_async(services.message_start_processing)(message_id=message_id):
        return None
    message = await Message.objects.aget(pk=message_id)
    history = await sync_to_async(selectors.conversation_history_deid)(
        conversation_id=message.conversation_id, before_message_id=message_id
    )
    return Turn(message_id, message.conversation_id, crypto.decrypt(message.text_encrypted), history)


async def stream_answer(turn: Turn) -> Answer:
    model = get_chat_model()
    if model is None:
        raise LLMError("no model configured")
    messages = [
        {"role": role if role == "assistant" else "user", "content": text} for role, text in turn.history
    ]
    messages.append({"role": "user", "content": turn.text})
    chunks: list[str] = []
    async for chunk in model.stream(messages, settings=generation_settings()):
        chunks.append(chunk)
        await event_send(
            conversation_id=turn.conversation_id,
            event={"type": "delta", "message_id": turn.message_id, "text": chunk},
        )
    text = "".join(chunks)
    return Answer(text=text, text_deid=text, mode=Message.Mode.MODEL)


async def deliver(turn: Turn, answer: Answer) -> None:
    reply = await sync_to_async(services.reply_record)(
        message_id=turn.message_id, text=answer.text, text_deid=answer.text_deid, mode=answer.mode
    )
    await event_send(
        conversation_id=turn.conversation_id,
        event={
            "type": "reply",
            "message_id": turn.message_id,
            "reply_id": reply.pk,
            "text": answer.text,
            "mode": answer.mode,
            "citations": [],
        },
    )


FAILURE_DETAIL = (
    "Sorry, I couldn't answer that just now. Your message is saved and a member of "
    "your care team has been told. If this is urgent, call your clinic, or 911 in an emergency."
)


async def fail(turn: Turn, *, reason: str) -> None:
    await sync_to_async(services.message_fail)(message_id=turn.message_id, reason=reason)
    await event_send(
        conversation_id=turn.conversation_id,
        event=error_event("processing_failed", FAILURE_DETAIL, message_id=turn.message_id),
    )


def _model_reason(exc: LLMError) -> str:
    if isinstance(exc, LLMTimeout):
        return "model_timeout"
    return f"model_{type(exc).__name__.removeprefix('LLM').lower()}"
