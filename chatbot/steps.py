"""The pipeline's steps, one function each, in the order ``pipeline.respond`` calls them.

Each step either returns what the next step needs or ends the turn through a
template reply or ``fail``. What the verdicts mean is ``policy``'s decision; the
words the patient reads are in ``responses``. CPU-bound work (Presidio, rails) runs
in a thread so that one patient's message never stalls another's stream.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging

from asgiref.sync import sync_to_async
from django.conf import settings

from chatbot import crypto, metrics, policy, record_questions, relevance, responses, selectors, services
from chatbot.events import event_send
from chatbot.knowledge.index import article as indexed_article
from chatbot.knowledge.index import proposed
from chatbot.knowledge.index import retrieve as search
from chatbot.models import Conversation, Escalation, Message
from chatbot.policy import Decision, Route
from chatbot.protocol import DeltaEvent, ReplyEvent, ServerEvent, error_event, reply_actions
from chatbot.rails import input_context, rail_context, runtime
from chatbot.turns import SEND_TO_CARE_TEAM, Answer, Deidentified, Flag, Turn
from guardrails.base import Action, Evidence, Passage, Verdict
from guardrails.risk import next_risk_state
from guardrails.runner import LOCAL_RAILS, run_rails
from guardrails.runtime import RailsUnavailable

__all__ = ["DeidentificationFailed", "RailsUnavailable"]

logger = logging.getLogger(__name__)

# How many times de-identification is tried when its error says a retry may help
# (``DeidentificationError.permanent`` is False). It is fast (~10 ms), and the
# alternative is failing the patient's message.
DEID_ATTEMPTS = 2


class DeidentificationFailed(Exception):
    """De-identification could not run; the message must not reach the model."""


async def begin(message_id: int) -> Turn | None:
    if not await sync_to_async(services.message_start_processing)(message_id=message_id):
        return None
    return await _turn(await Message.objects.select_related("conversation").aget(pk=message_id))


async def resume(message_id: int) -> Turn | None:
    """The turn of a message left in processing (its turn was cut off part-way), to
    end it; None if it is not in processing any more."""
    message = await Message.objects.select_related("conversation").aget(pk=message_id)
    if message.status != Message.Status.PROCESSING:
        return None
    turn = await _turn(message)
    turn.verdicts.extend(Verdict.from_dict(v) for v in message.verdicts)  # what was seen before the cut
    return turn


async def resend_outcome(message_id: int) -> bool:
    """Send again the events that ended a message already answered or failed; True if
    it had ended. A repeated delivery, or a retry, comes when the first try's outcome
    is in doubt: the database may have committed the reply as the connection died, so
    that try raised before its events went out, and the patient would wait for good.
    Clients key a reply by ``reply_id`` and an error by ``message_id``, so a second copy
    changes nothing on the page. Nothing is sent for a message not yet claimed, still
    in processing (another try has it) or held for a person."""
    conversation_id, events = await sync_to_async(_outcome_events)(message_id)
    for event in events:
        await event_send(conversation_id=conversation_id, event=event)
    return bool(events)


def _outcome_events(message_id: int) -> tuple[int, list[ServerEvent]]:
    message = Message.objects.get(pk=message_id)
    outcome: list[ServerEvent] = []
    if message.status == Message.Status.ANSWERED:
        reply = message.replies.order_by("-pk").first()
        if reply is not None:
            outcome.append(
                ReplyEvent(
                    type="reply",
                    message_id=message.pk,
                    reply_id=reply.pk,
                    text=crypto.decrypt(reply.text_encrypted),
                    mode=reply.mode,
                    citations=reply.citations,
                    actions=reply_actions(tuple(reply.actions), message_id=message.pk),
                )
            )
    elif message.status == Message.Status.FAILED:
        outcome.append(error_event("processing_failed", responses.FAILURE_DETAIL, message_id=message.pk))
    if outcome and message.crisis_shown_at is not None:  # the resources come first, as they did
        language = responses.language_of(crypto.decrypt(message.text_encrypted))
        outcome.insert(0, responses.crisis_event(message.pk, language))
    return message.conversation_id, outcome


async def _turn(message: Message) -> Turn:
    conversation = message.conversation
    history = await sync_to_async(selectors.conversation_history_deid)(
        conversation_id=conversation.pk, before_message_id=message.pk
    )
    earlier_words = await sync_to_async(selectors.conversation_patient_words)(
        conversation_id=conversation.pk, before_message_id=message.pk
    )
    surrogates = await sync_to_async(selectors.surrogates_for_conversation)(conversation_id=conversation.pk)
    return Turn(
        message.pk,
        conversation.pk,
        crypto.decrypt(message.text_encrypted),
        history,
        conversation.risk_state,
        surrogates,
        earlier_words=earlier_words,
    )


async def deidentify(turn: Turn) -> Deidentified:
    """The message with its PHI replaced. A transient de-identification error is tried
    again (``DEID_ATTEMPTS``); a permanent one, or any other exception, is not. Raises
    DeidentificationFailed."""
    # Imported here: Presidio and spaCy load with it (see ``turns.Deidentified``).
    from deidentify import DeidentificationError, SurrogateMap, get_deidentifier

    def run() -> Deidentified:
        deidentifier = get_deidentifier(settings.DEID_SPACY_MODEL)
        known = SurrogateMap.from_json(turn.surrogates_json) if turn.surrogates_json else None
        result = deidentifier.deidentify(turn.text, known)
        return Deidentified(result.text, result.surrogates, result.pieces)

    for attempt in range(1, DEID_ATTEMPTS + 1):
        try:
            with metrics.timed(metrics.DEID_SECONDS):
                deid = await asyncio.to_thread(run)
            break
        except Exception as exc:
            transient = isinstance(exc, DeidentificationError) and not exc.permanent
            logger.error(
                "de-identification failed on message %s with %s (%s, attempt %d)",
                turn.message_id, type(exc).__name__, "transient" if transient else "permanent", attempt,
            )  # fmt: skip
            if not transient or attempt == DEID_ATTEMPTS:
                raise DeidentificationFailed from None
    await sync_to_async(services.message_deid_store)(
        message_id=turn.message_id, text_deid=deid.text, surrogates_json=deid.surrogates.to_json()
    )
    return deid


async def check_input(turn: Turn, deid: Deidentified) -> list[Verdict]:
    """The input rails read the patient's own words, as every rail figure measures them:
    a name or a word the de-identifier took for one must not hide a crisis. They run in
    this process; NeMo's message list and the second opinion get the de-identified text."""
    with metrics.timed(metrics.RAIL_SECONDS, stage="input"):
        found = await runtime().check_input(
            turn.text, input_context(turn), deidentified=(deid.text, rail_context(turn))
        )
    verdicts = [pointing_at(deid, v) if v.rail in settings.INPUT_RAILS else v for v in found]
    await record_verdicts(turn, verdicts)
    return verdicts


async def screen_locally(turn: Turn, deid: Deidentified | None = None) -> None:
    """Run the in-process rails (self-harm, emergency) on the patient's own words when an
    earlier step failed. Nothing leaves the process."""
    verdicts = list(await asyncio.to_thread(run_rails, LOCAL_RAILS, turn.text, input_context(turn)))
    if deid is not None:
        verdicts = [pointing_at(deid, v) for v in verdicts]
    await record_verdicts(turn, verdicts)
    decision = policy.decide(verdicts)
    if decision.route is Route.URGENT:
        await escalate(turn, decision)


def pointing_at(deid: Deidentified, verdict: Verdict) -> Verdict:
    """``verdict`` with its evidence spans moved from the patient's words to the same words
    in the de-identified text, which is what is stored and what the portal quotes."""
    evidence = tuple(Evidence(*deid.span(e.start, e.end), e.reason) for e in verdict.evidence)
    return dataclasses.replace(verdict, evidence=evidence)


async def record_verdicts(turn: Turn, verdicts: list[Verdict]) -> None:
    turn.verdicts.extend(verdicts)
    for verdict in verdicts:
        metrics.RAIL_VERDICTS.labels(rail=verdict.rail, action=verdict.action.value).inc()
    await sync_to_async(services.message_verdicts_store)(
        message_id=turn.message_id, verdicts=[v.to_dict() for v in verdicts]
    )
    risk = next_risk_state(turn.risk, verdicts)
    if risk != turn.risk:
        turn.risk = risk
        await sync_to_async(services.conversation_risk_raise)(
            conversation_id=turn.conversation_id, level=int(risk.level), categories=sorted(risk.categories)
        )


async def escalate(turn: Turn, decision: Decision) -> None:
    """Crisis and emergency: template resources at once (no model), an urgent escalation."""
    if decision.emergency is not None:
        event = responses.emergency_event(turn.message_id, decision.emergency, turn.text)
        await event_send(conversation_id=turn.conversation_id, event=event)
    if decision.self_harm_crisis or turn.risk.is_open:
        await show_crisis_resources(turn)
    assert decision.kind is not None
    await flag(turn, Flag(decision.kind, decision.reason, decision.acting), priority=decision.priority)


async def hold_for_staff(turn: Turn, verdicts: list[Verdict]) -> bool:
    """While a staff member is in the chat the assistant sends no answer: the message
    was stored, de-identified and screened, and goes to that person. A crisis still
    shows the resources at once and opens its escalation; any other rail's verdict
    still opens its escalation. True if a person has the chat."""
    joined = await Conversation.objects.filter(
        pk=turn.conversation_id, staff_joined_by__isnull=False
    ).aexists()
    if not joined:
        return False
    decision = policy.decide(verdicts)
    if decision.route is Route.URGENT:
        await escalate(turn, decision)
    elif decision.route is not Route.ANSWER and decision.kind is not None:
        await flag(turn, Flag(decision.kind, decision.reason, decision.acting), priority=decision.priority)
    await sync_to_async(services.message_hold_for_staff)(message_id=turn.message_id)
    return True


async def answer_from_template(turn: Turn, verdicts: list[Verdict]) -> bool:
    """Answer from a template when a rail decided; True if the turn is answered.

    ``policy.decide`` ranks the verdicts: a crisis or emergency outranks everything; a
    rail error is a failure (fail closed); then the flags: a language the rails cannot
    read, the self-harm help tier (support shown first), an emergency flag, injection and
    scope, each with an escalation for a person. The first acting verdict with a
    template answers (``Decision.reply_order``); with none, the answer goes on.
    """
    decision = policy.decide(verdicts)
    if decision.route is Route.ANSWER:
        return False
    if decision.route is Route.URGENT:
        await escalate(turn, decision)
        reply = urgent_reply(decision, turn.text)
        await deliver(turn, Answer(reply, reply, Message.Mode.TEMPLATE, []))
        return True
    if decision.route is Route.FAIL:
        await fail(turn, reason=decision.reason)
        return True
    assert decision.lead is not None and decision.kind is not None
    await flag(turn, Flag(decision.kind, decision.reason, decision.acting), priority=decision.priority)
    if decision.help_tier:  # a self-harm signal below crisis: gentle support, then the answer
        await show_help(turn)
    template, turn.preface = template_or_preface(decision, turn.text)
    if template is None:  # flagged for a person, answered normally (after the notice, if any)
        await show_preface(turn)
        return False
    await deliver(turn, Answer(template, template, Message.Mode.TEMPLATE, []))
    return True


def urgent_reply(decision: Decision, text: str) -> str:
    """The reply to an urgent ``decision``: every crisis and emergency verdict's template,
    in the patient's language, one after another."""
    return "\n\n".join(filter(None, (responses.reply_for(v, text) for v in decision.urgent)))


def template_or_preface(decision: Decision, text: str) -> tuple[str | None, str]:
    """For a flagged ``decision``: the template that answers in place of the answer
    (the first acting verdict in ``reply_order`` that has one), or else the notice said
    before the answer (a scope flag for a diagnosis, ``guardrails.responses.PREFACES``);
    ``(None, "")`` when the answer goes on as usual."""
    template = next(filter(None, (responses.reply_for(v, text) for v in decision.reply_order)), None)
    if template is not None:
        return template, ""
    return None, next(filter(None, (responses.preface_for(v, text) for v in decision.reply_order)), "")


async def show_preface(turn: Turn) -> None:
    """The notice the answer opens with, sent at once (the answer follows as usual, and
    its ``reply`` holds the notice too)."""
    if turn.preface:
        event = DeltaEvent(type="delta", message_id=turn.message_id, text=f"{turn.preface}\n\n")
        await event_send(conversation_id=turn.conversation_id, event=event)


async def flag(turn: Turn, flag: Flag, *, priority: int = policy.ROUTINE) -> None:
    """Open an escalation on the turn's message for a person to look at."""
    await sync_to_async(services.escalation_create)(
        message_id=turn.message_id,
        kind=flag.kind,
        reason=flag.reason,
        priority=priority,
        verdicts=[v.to_dict() for v in flag.verdicts],
    )


async def route_record_question(turn: Turn, deid: Deidentified) -> bool:
    """A question only the patient's own record or clinician can answer ("is my refill
    ready", "what was my a1c last week", "what dose should i be on") gets the honest "I
    can't see your record" with the action that sends it to the care team, instead of a
    general passage that looks like an answer. True if the turn is answered.

    If the detector cannot run, the question goes on to retrieval and the relevance
    gate, which still decline what no passage answers, and a person is told. Only the
    error's type is logged.
    """
    try:
        found = await asyncio.to_thread(_is_record_question, deid.text)
    except Exception as exc:
        logger.error("record detector failed on message %s with %s", turn.message_id, type(exc).__name__)
        await flag(turn, Flag(Escalation.Kind.PROCESSING_ERROR, "record_detector_failed"))
        return False
    if not found:
        return False
    text = record_questions.reply(responses.language_of(turn.text))
    await deliver(turn, Answer(text, text, Message.Mode.TEMPLATE, [], actions=(SEND_TO_CARE_TEAM,)))
    return True


def _is_record_question(text: str) -> bool:
    question = relevance.english_question(text)  # as the detectors were trained: Spanish glossed
    return record_questions.needs_care_team(question, relevance.question_vector(question))


async def retrieve(turn: Turn, deid: Deidentified) -> list[Passage]:
    """The best passages, one per document (up to two of its chunks), numbered for
    citation; and the article the article classifier proposes, when retrieval missed it."""
    # Surrogates ("[NAME_1]") say nothing about the question; retrieval reads it without
    # them, and a Spanish question in English, as the articles are written.
    question = relevance.english_question(deid.text)
    hits = await asyncio.to_thread(search, question, k=settings.RETRIEVAL_TOP_K * 3)
    extra = await asyncio.to_thread(proposed, question, k=relevance.CHUNKS_PER_PASSAGE)
    return relevance.passages_from(
        [relevance.Found(h.title, h.url, h.text, h.score, h.chunk_id) for h in hits],
        top_k=settings.RETRIEVAL_TOP_K,
        proposed=[relevance.Found(h.title, h.url, h.text, h.score, h.chunk_id) for h in extra],
    )


async def keep_relevant(turn: Turn, deid: Deidentified, passages: list[Passage]) -> list[Passage]:
    """The relevance gate: only the passages that answer the question, best first.

    Fails closed: if the gate cannot run, no passage goes on (the patient gets the
    honest "I don't have vetted information" with the care-team action) and a
    person is told. Only the error's type is logged.
    """
    try:
        judgement = await asyncio.to_thread(relevance.gate, deid.text, passages)
    except Exception as exc:
        logger.error("relevance gate failed on message %s with %s", turn.message_id, type(exc).__name__)
        await flag(turn, Flag(Escalation.Kind.PROCESSING_ERROR, "relevance_gate_failed"))
        return []
    return list(judgement.accepted)


async def read_article(passages: list[Passage]) -> str:
    """The whole article of the best accepted passage ("" with none): the gate judged
    the article on its retrieved chunks, and the section that answers may be another."""
    if not passages:
        return ""
    return await asyncio.to_thread(indexed_article, passages[0].title, passages[0].url)


async def deliver(turn: Turn, answer: Answer) -> None:
    """Tell a person what the answer was flagged for, store it, and send it (after the
    turn's notice, when a scope flag gave it one)."""
    if turn.preface:
        answer = dataclasses.replace(
            answer, text=f"{turn.preface}\n\n{answer.text}", text_deid=f"{turn.preface}\n\n{answer.text_deid}"
        )
    for answer_flag in answer.flags:
        await flag(turn, answer_flag)
    reply = await sync_to_async(services.reply_record)(
        message_id=turn.message_id,
        text=answer.text,
        text_deid=answer.text_deid,
        mode=answer.mode,
        citations=answer.citations,
        verdicts=answer.verdicts,
        actions=answer.actions,
    )
    event = ReplyEvent(
        type="reply",
        message_id=turn.message_id,
        reply_id=reply.pk,
        text=answer.text,
        mode=answer.mode,
        citations=answer.citations,
        actions=reply_actions(answer.actions, message_id=turn.message_id),
    )
    await event_send(conversation_id=turn.conversation_id, event=event)
    metrics.MESSAGES.labels(outcome=str(answer.mode)).inc()


async def fail(turn: Turn, *, reason: str) -> None:
    """End the turn honestly: keep the message, tell a person, tell the patient, and
    show crisis resources whenever risk is open or was seen on this message."""
    try:
        await sync_to_async(services.message_fail)(
            message_id=turn.message_id,
            reason=reason,
            verdicts=[v.to_dict() for v in turn.verdicts if v.action is not Action.ALLOW],
        )
    except services.IllegalTransition:
        # The stalled-message sweep failed it first, and told a person; the patient
        # still hears from us.
        logger.warning("message %s had already failed", turn.message_id)
    if turn.risk_seen:
        await show_crisis_resources(turn)
    await event_send(
        conversation_id=turn.conversation_id,
        event=error_event("processing_failed", responses.FAILURE_DETAIL, message_id=turn.message_id),
    )
    metrics.MESSAGES.labels(outcome="failed").inc()


async def show_help(turn: Turn) -> None:
    """The help tier: gentle support with the crisis lines, once per turn (a crisis
    banner already shown says more)."""
    if turn.crisis_shown:
        return
    turn.crisis_shown = True
    event = responses.help_event(turn.message_id, responses.language_of(turn.text))
    await event_send(conversation_id=turn.conversation_id, event=event)


async def show_crisis_resources(turn: Turn) -> None:
    if turn.crisis_shown:
        return
    turn.crisis_shown = True
    event = responses.crisis_event(turn.message_id, responses.language_of(turn.text))
    await event_send(conversation_id=turn.conversation_id, event=event)
    await sync_to_async(services.message_crisis_shown)(message_id=turn.message_id)
