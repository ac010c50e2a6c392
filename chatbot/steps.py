"""The pipeline's steps, one function each, in the order ``pipeline.respond`` calls them.

Each step either returns what the next step needs or ends the turn through a
template reply or ``fail``. CPU-bound work (Presidio, rails) runs in a thread so
that one patient's message never stalls another's stream.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings

from chatbot import crypto, responses, selectors, services
from chatbot.events import event_send
from chatbot.models import Escalation, Message
from chatbot.protocol import error_event
from guardrails.base import Action, Passage, RailContext, RiskLevel, RiskState, Verdict
from guardrails.risk import next_risk_state
from guardrails.runtime import RailsRuntime, RailsUnavailable

__all__ = ["DeidentificationFailed", "RailsUnavailable", "Turn"]

logger = logging.getLogger(__name__)


class DeidentificationFailed(Exception):
    """De-identification could not run; the message must not reach the model."""


@dataclass
class Turn:
    """One patient message in flight. ``text`` is the original and lives only in memory."""

    message_id: int
    conversation_id: int
    text: str
    history: list[tuple[str, str]]
    risk: RiskState
    surrogates_json: str | None
    verdicts: list[Verdict] = field(default_factory=list)
    crisis_shown: bool = False

    @property
    def risk_seen(self) -> bool:
        """Open risk in the conversation, or a crisis-level verdict on this message."""
        return self.risk.is_open or any(_is_crisis(v) or _is_emergency(v) for v in self.verdicts)


@dataclass(frozen=True)
class Deidentified:
    text: str
    surrogates: Any  # deidentify.SurrogateMap

    def reidentify(self, text: str) -> str:
        from deidentify import get_deidentifier

        return get_deidentifier(settings.DEID_SPACY_MODEL).reidentify(text, self.surrogates)


@dataclass(frozen=True)
class Answer:
    text: str  # what the patient sees (re-identified)
    text_deid: str  # what the model wrote
    mode: str
    citations: list[dict[str, Any]]
    verdicts: list[dict[str, Any]] = field(default_factory=list)


def runtime() -> RailsRuntime:
    return RailsRuntime(
        input_rails=tuple(settings.INPUT_RAILS),
        output_rails=tuple(settings.OUTPUT_RAILS),
        timeout_s=settings.RAILS_TIMEOUT_S,
    )


async def begin(message_id: int) -> Turn | None:
    if not await sync_to_async(services.message_start_processing)(message_id=message_id):
        return None
    message = await Message.objects.select_related("conversation").aget(pk=message_id)
    conversation = message.conversation
    history = await sync_to_async(selectors.conversation_history_deid)(
        conversation_id=conversation.pk, before_message_id=message_id
    )
    surrogates = await sync_to_async(selectors.surrogates_for_conversation)(conversation_id=conversation.pk)
    risk = RiskState(RiskLevel(conversation.risk_level), frozenset(conversation.risk_categories))
    return Turn(
        message_id, conversation.pk, crypto.decrypt(message.text_encrypted), history, risk, surrogates
    )


async def deidentify(turn: Turn) -> Deidentified:
    from deidentify import SurrogateMap, get_deidentifier

    def run() -> Deidentified:
        deidentifier = get_deidentifier(settings.DEID_SPACY_MODEL)
        known = SurrogateMap.from_json(turn.surrogates_json) if turn.surrogates_json else None
        result = deidentifier.deidentify(turn.text, known)
        return Deidentified(result.text, result.surrogates)

    try:
        deid = await asyncio.to_thread(run)
    except Exception as exc:
        logger.error("de-identification failed on message %s with %s", turn.message_id, type(exc).__name__)
        raise DeidentificationFailed from None
    await sync_to_async(services.message_deid_store)(
        message_id=turn.message_id, text_deid=deid.text, surrogates_json=deid.surrogates.to_json()
    )
    return deid


def rail_context(turn: Turn, **kwargs: Any) -> RailContext:
    earlier = tuple(text for role, text in turn.history if role == Message.Role.PATIENT)
    return RailContext(history=earlier, risk=turn.risk, **kwargs)


async def check_input(turn: Turn, deid: Deidentified) -> list[Verdict]:
    verdicts = list(await runtime().check_input(deid.text, rail_context(turn)))
    await record_verdicts(turn, verdicts)
    return verdicts


async def screen_locally(turn: Turn, deid: Deidentified | None = None) -> None:
    """Run the in-process rails (self-harm, emergency) when an earlier step failed,
    on the original text if de-identification itself failed. Nothing leaves the process."""
    from guardrails.runner import LOCAL_RAILS, run_rails

    text = deid.text if deid is not None else turn.text
    verdicts = list(await asyncio.to_thread(run_rails, LOCAL_RAILS, text, rail_context(turn)))
    await record_verdicts(turn, verdicts)
    if any(_is_crisis(v) or _is_emergency(v) for v in verdicts):
        await escalate(turn, verdicts)


async def record_verdicts(turn: Turn, verdicts: list[Verdict]) -> None:
    turn.verdicts.extend(verdicts)
    await sync_to_async(services.message_verdicts_store)(
        message_id=turn.message_id, verdicts=[v.to_dict() for v in verdicts]
    )
    risk = next_risk_state(turn.risk, verdicts)
    if risk != turn.risk:
        turn.risk = risk
        await sync_to_async(services.conversation_risk_raise)(
            conversation_id=turn.conversation_id, level=int(risk.level), categories=sorted(risk.categories)
        )


def _is_crisis(verdict: Verdict) -> bool:
    return verdict.rail == "self_harm" and verdict.action is Action.ESCALATE


def _is_emergency(verdict: Verdict) -> bool:
    return verdict.rail == "emergency" and verdict.action is Action.ESCALATE


async def escalate(turn: Turn, verdicts: list[Verdict]) -> None:
    """Crisis and emergency: template resources at once (no model), an urgent escalation."""
    crisis = [v for v in verdicts if _is_crisis(v)]
    emergency = [v for v in verdicts if _is_emergency(v)]
    if emergency:
        event = responses.emergency_event(turn.message_id, emergency[0], turn.text)
        await event_send(conversation_id=turn.conversation_id, event=event)
    if crisis or turn.risk.is_open:
        await show_crisis_resources(turn)
    await sync_to_async(services.escalation_create)(
        message_id=turn.message_id,
        kind=Escalation.Kind.EMERGENCY if emergency else Escalation.Kind.CRISIS,
        reason=(emergency or crisis)[0].category,
        urgent=True,
        verdicts=[v.to_dict() for v in verdicts if v.action is not Action.ALLOW],
    )


# Which escalation a template reply opens, by rail and category.
_FLAG_KIND = {
    "self_harm": Escalation.Kind.CRISIS,  # passive wish, non-crisis self-harm: the triage queue
    "injection": Escalation.Kind.INJECTION,
    "scope": Escalation.Kind.SCOPE,
}


async def answer_from_template(turn: Turn, verdicts: list[Verdict]) -> bool:
    """Answer from a template when a rail decided; True if the turn is answered.

    Order matters: a crisis or emergency outranks everything; a rail error is a
    failure (fail closed); then self-harm flags, injection and scope, each with
    its own template and an escalation for a person.
    """
    acting = [v for v in verdicts if v.action is not Action.ALLOW]
    if not acting:
        return False
    urgent = [v for v in acting if _is_crisis(v) or _is_emergency(v)]
    if urgent:
        await escalate(turn, acting)
        reply = "\n\n".join(filter(None, (responses.reply_for(v, turn.text) for v in urgent)))
        await deliver(turn, Answer(reply, reply, Message.Mode.TEMPLATE, []))
        return True
    if any(v.category == "rail_error" for v in acting):
        await fail(turn, reason="rail_error")
        return True
    verdict = max(acting, key=lambda v: (v.action.severity, v.score))
    kind = Escalation.Kind.THIRD_PARTY if verdict.category == "third_party" else _FLAG_KIND.get(verdict.rail)
    await flag(turn, kind or Escalation.Kind.SCOPE, verdict.category, acting)
    template = responses.reply_for(verdict, turn.text)
    if template is None:  # flagged for a person, answered normally
        return False
    await deliver(turn, Answer(template, template, Message.Mode.TEMPLATE, []))
    return True


async def flag(turn: Turn, kind: str, reason: str, verdicts: list[Verdict] | None = None) -> None:
    await sync_to_async(services.escalation_create)(
        message_id=turn.message_id,
        kind=kind,
        reason=reason,
        verdicts=[v.to_dict() for v in verdicts or []],
    )


async def retrieve(turn: Turn, deid: Deidentified) -> list[Passage]:
    """The best passages, one per document, numbered for citation."""
    from chatbot.knowledge.index import retrieve as search

    hits = await asyncio.to_thread(search, deid.text, k=settings.RETRIEVAL_TOP_K * 3)
    passages: list[Passage] = []
    seen: set[str] = set()
    for hit in hits:
        if hit.title in seen:
            continue
        seen.add(hit.title)
        passages.append(Passage(len(passages) + 1, hit.title, hit.text, hit.url))
        if len(passages) == settings.RETRIEVAL_TOP_K:
            break
    return passages


async def deliver(turn: Turn, answer: Answer) -> None:
    reply = await sync_to_async(services.reply_record)(
        message_id=turn.message_id,
        text=answer.text,
        text_deid=answer.text_deid,
        mode=answer.mode,
        citations=answer.citations,
        verdicts=answer.verdicts,
    )
    await event_send(
        conversation_id=turn.conversation_id,
        event={
            "type": "reply",
            "message_id": turn.message_id,
            "reply_id": reply.pk,
            "text": answer.text,
            "mode": answer.mode,
            "citations": answer.citations,
        },
    )


FAILURE_DETAIL = (
    "Sorry, I couldn't answer that just now. Your message is saved and a member of "
    "your care team has been told. If this is urgent, call your clinic, or 911 in an emergency."
)


async def fail(turn: Turn, *, reason: str) -> None:
    """End the turn honestly: keep the message, tell a person, tell the patient, and
    show crisis resources whenever risk is open or was seen on this message."""
    await sync_to_async(services.message_fail)(
        message_id=turn.message_id,
        reason=reason,
        verdicts=[v.to_dict() for v in turn.verdicts if v.action is not Action.ALLOW],
    )
    if turn.risk_seen:
        await show_crisis_resources(turn)
    await event_send(
        conversation_id=turn.conversation_id,
        event=error_event("processing_failed", FAILURE_DETAIL, message_id=turn.message_id),
    )


async def show_crisis_resources(turn: Turn) -> None:
    if turn.crisis_shown:
        return
    turn.crisis_shown = True
    event = responses.crisis_event(turn.message_id, responses.language_of(turn.text))
    await event_send(conversation_id=turn.conversation_id, event=event)
