"""Steps 4-6: the answer, with no unchecked token reaching the patient.

The model's stream (through NeMo Guardrails) is held back sentence by sentence.
Each sentence passes the output rails before its ``delta`` goes out, re-identified.
An unsupported claim is dropped and flagged; harmful advice or leaked PHI, a model
failure, or an answer that loses most of its claims is withdrawn and replaced by
the extractive answer, which needs no model. With no model configured, the
extractive answer is the answer. What a person must look at travels with the answer
(``Answer.flags``); ``steps.deliver`` writes it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import time
from dataclasses import dataclass, field

from chatbot import metrics, prompts
from chatbot.events import event_send
from chatbot.extractive import NO_ANSWER, NO_ANSWER_ES, extractive_answer
from chatbot.llm import ChatModel, LLMError, generation_settings, get_chat_model
from chatbot.models import Escalation, Message
from chatbot.protocol import Citation, DeltaEvent, WithdrawEvent
from chatbot.rails import rail_context, runtime
from chatbot.relevance import english_question, passage_embedder, question_vector
from chatbot.responses import WITHDRAW_DETAIL, language_of
from chatbot.turns import SEND_TO_CARE_TEAM, Answer, Deidentified, Flag, Turn
from guardrails.base import Action, Passage, RailContext, Verdict
from guardrails.runtime import RailsRuntime
from guardrails.sentences import StreamSplitter

logger = logging.getLogger(__name__)

# Rails whose failure on any sentence withdraws the whole answer: the rest of an
# answer that told someone to double a dose cannot be trusted either.
WITHDRAW_RAILS = frozenset({"harmful_advice", "phi_leak"})
CITATION = re.compile(r"\[(\d{1,2})\]")


class AnswerRejected(Exception):
    def __init__(self, reason: str, verdicts: list[Verdict]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.verdicts = verdicts


@dataclass
class _Stream:
    """What has been shown to the patient so far."""

    text_deid: str = ""
    text: str = ""
    consumed: int = 0  # stream offset up to which sentences were handled
    kept: int = 0
    dropped: list[Verdict] = field(default_factory=list)
    flagged: list[Verdict] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)  # escalations for a person, in order


async def answer(turn: Turn, deid: Deidentified, passages: list[Passage], article: str = "") -> Answer:
    """The answer from ``passages``, which the relevance gate accepted (best first).
    ``article`` is the first passage's whole article (``steps.read_article``): the
    extractive answer may quote any section of it; the model is given the passages.

    With none, the honest "I don't have vetted information" with the one-click
    action to send the question to the care team; the model is not asked, so it is
    never handed passages that do not answer the question.
    """
    if not passages:
        return declined(language_of(deid.text))
    model = get_chat_model()
    if model is None:
        return await asyncio.to_thread(extractive, deid, passages, article)
    shown = _Stream()
    try:
        return await answer_with_model(turn, deid, passages, model, shown)
    except LLMError as exc:
        metrics.MODEL_ERRORS.labels(type=type(exc).__name__).inc()
        reason = f"model_{type(exc).__name__.removeprefix('LLM').lower()}"
        shown.flags.append(Flag(Escalation.Kind.PROCESSING_ERROR, reason))
    except AnswerRejected as exc:
        shown.flags.append(Flag(Escalation.Kind.OUTPUT_RAIL, exc.reason, tuple(exc.verdicts)))
    except Exception:  # rails down or a bug: the turn fails, and nothing shown may stay
        if shown.text:
            await _withdraw(turn)
        raise
    if shown.text:
        await _withdraw(turn)
    fallback = await asyncio.to_thread(extractive, deid, passages, article)
    return dataclasses.replace(fallback, flags=tuple(shown.flags))


async def _withdraw(turn: Turn) -> None:
    event = WithdrawEvent(type="withdraw", message_id=turn.message_id, detail=WITHDRAW_DETAIL)
    await event_send(conversation_id=turn.conversation_id, event=event)


async def answer_with_model(
    turn: Turn, deid: Deidentified, passages: list[Passage], model: ChatModel, shown: _Stream
) -> Answer:
    rails = runtime()
    context = rail_context(
        turn, question=deid.text, passages=tuple(passages), surrogates=deid.surrogates.surrogates()
    )
    messages = prompts.build_messages(deid.text, passages, turn.history)
    # Encode the passages while the model writes its first sentence, so each sentence
    # check pays only for the sentence.
    prepared = asyncio.create_task(rails.prepare_output(context))
    splitter = StreamSplitter()
    stream = ""
    asked = time.perf_counter()
    try:
        async for chunk in rails.stream(model, messages, settings=generation_settings()):
            if chunk and not stream:
                metrics.MODEL_FIRST_TOKEN_SECONDS.observe(time.perf_counter() - asked)
            stream += chunk
            for sentence in splitter.feed(chunk):
                await prepared
                await _check_and_send(turn, deid, rails, context, stream, sentence.start, sentence.end, shown)
        for sentence in splitter.flush():
            await prepared
            await _check_and_send(turn, deid, rails, context, stream, sentence.start, sentence.end, shown)
    finally:
        await prepared  # never leave the encoding thread unowned
    if shown.dropped and shown.kept <= len(shown.dropped):
        raise AnswerRejected("unsupported_claims", shown.dropped)
    if shown.dropped or shown.flagged:
        reason = "unsupported_claim_removed" if shown.dropped else "output_rail_flag"
        shown.flags.append(Flag(Escalation.Kind.OUTPUT_RAIL, reason, tuple(shown.dropped + shown.flagged)))
    if not shown.text.strip():
        raise AnswerRejected("empty_answer", [])
    return Answer(
        text=shown.text.strip(),
        text_deid=shown.text_deid.strip(),
        mode=Message.Mode.MODEL,
        citations=_citations(shown.text_deid, passages),
        verdicts=[v.to_dict() for v in shown.dropped + shown.flagged],
        flags=tuple(shown.flags),
    )


async def _check_and_send(
    turn: Turn,
    deid: Deidentified,
    rails: RailsRuntime,
    context: RailContext,
    stream: str,
    start: int,
    end: int,
    shown: _Stream,
) -> None:
    sentence = stream[start:end]
    # The piece keeps the whitespace before the sentence, so the stream reads as written.
    piece = stream[shown.consumed : end]
    shown.consumed = end
    with metrics.timed(metrics.RAIL_SECONDS, stage="output"):
        verdicts = list(await rails.check_output(sentence, context))
    for verdict in verdicts:
        metrics.RAIL_VERDICTS.labels(rail=verdict.rail, action=verdict.action.value).inc()
    blocking = [v for v in verdicts if v.action in (Action.BLOCK, Action.ESCALATE)]
    if any(v.rail in WITHDRAW_RAILS or v.category == "rail_error" for v in blocking):
        raise AnswerRejected(blocking[0].category, blocking)
    if blocking:  # an unsupported claim: leave it out, keep a record
        shown.dropped.extend(blocking)
        return
    shown.flagged.extend(v for v in verdicts if v.action is Action.FLAG)
    text = await asyncio.to_thread(deid.reidentify, piece)
    shown.text_deid += piece
    shown.text += text
    shown.kept += 1
    event = DeltaEvent(type="delta", message_id=turn.message_id, text=text)
    await event_send(conversation_id=turn.conversation_id, event=event)


def declined(language: str = "en") -> Answer:
    """The honest "I don't have vetted information on that" in the patient's language
    (Spanish or English), with the action that sends the question to the care team as a
    portal message."""
    text = NO_ANSWER_ES if language == "es" else NO_ANSWER
    return Answer(
        text=text,
        text_deid=text,
        mode=Message.Mode.TEMPLATE,
        citations=[],
        actions=(SEND_TO_CARE_TEAM,),
    )


def extractive(deid: Deidentified, passages: list[Passage], article: str = "") -> Answer:
    """An answer built from the passages themselves (the gate's best first, or any
    section of its ``article``), or the honest "I don't know". Runs in a thread: it
    may encode sentences."""
    question = english_question(deid.text)
    result = extractive_answer(question, passages, passage_embedder(), question_vector(question), article)
    if not result.grounded:
        return declined(language_of(deid.text))
    return Answer(
        text=result.text,
        text_deid=result.text,
        mode=Message.Mode.EXTRACTIVE,
        citations=[_citation(p) for p in passages if p.number in result.citations],
    )


def _citation(passage: Passage) -> Citation:
    return Citation(number=passage.number, title=passage.title, url=passage.url)


def _citations(text: str, passages: list[Passage]) -> list[Citation]:
    cited = {int(n) for n in CITATION.findall(text)}
    return [_citation(p) for p in passages if p.number in cited]
