"""The inbox's own steps; everything else it takes from the chat's ``chatbot.steps``.

Each returns what the next step needs. None logs or raises patient text.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from asgiref.sync import sync_to_async
from django.conf import settings

from chatbot import crypto, policy, responses, selectors, steps
from chatbot.inbox import drafting
from chatbot.inbox import services as inbox_services
from chatbot.inbox.triage import TriageResult
from chatbot.inbox.triage import triage as run_triage
from chatbot.models import Draft, Escalation, Message, Thread
from chatbot.policy import Route
from chatbot.rails import rail_context, runtime
from chatbot.turns import Answer, Deidentified, Flag, Turn
from guardrails.base import Action, Passage, Verdict
from guardrails.sentences import split_sentences

logger = logging.getLogger(__name__)

# Flags that still open an escalation in a portal thread. Scope ("can you prescribe")
# is what the care team is for, so it is not flagged here.
FLAGGED_KINDS = frozenset({Escalation.Kind.CRISIS, Escalation.Kind.THIRD_PARTY, Escalation.Kind.INJECTION})
UNTRIAGED = TriageResult(
    "urgent", "other", True, ({"source": "error", "reason": "triage could not run; treated as urgent"},)
)


async def thread_id_of(turn: Turn) -> int:
    return await Thread.objects.values_list("pk", flat=True).aget(conversation_id=turn.conversation_id)


async def answer_crisis(turn: Turn, verdicts: list[Verdict]) -> bool:
    """Crisis or emergency: the same templates as the chat, at once, an urgent
    escalation, and the thread becomes emergent. True if the templates answered.
    Other flags a person must see (self-harm content, concern for someone else,
    injection) open their escalation and the message goes on to triage."""
    decision = policy.decide(verdicts)
    if decision.route is Route.URGENT:
        await steps.escalate(turn, decision)
        reply = steps.urgent_reply(decision, turn.text)
        await steps.deliver(turn, Answer(reply, reply, Message.Mode.TEMPLATE, []))
        await sync_to_async(inbox_services.thread_mark_emergent)(thread_id=await thread_id_of(turn))
        return True
    if decision.route is Route.FLAG and decision.kind in FLAGGED_KINDS:
        await steps.flag(
            turn, Flag(decision.kind, decision.reason, decision.acting), priority=decision.priority
        )
    return False


async def mark_if_urgent(turn: Turn) -> None:
    """After a failed step: a crisis or emergency the local rails saw still tops the inbox."""
    if any(policy.is_urgent(v) for v in turn.verdicts):
        await sync_to_async(inbox_services.thread_mark_emergent)(thread_id=await thread_id_of(turn))


async def triage(turn: Turn, deid: Deidentified, verdicts: list[Verdict]) -> TriageResult:
    """Urgency, intent and reply-needed with evidence, stored. If triage itself fails
    the message is recorded as urgent and needing a reply (fail safe)."""
    try:
        result = await asyncio.to_thread(run_triage, deid.text, verdicts)
    except Exception as exc:
        logger.error("triage failed on message %s with %s", turn.message_id, type(exc).__name__)
        result = UNTRIAGED
    await sync_to_async(inbox_services.triage_record)(
        message_id=turn.message_id,
        urgency=result.urgency,
        intent=result.intent,
        reply_needed=result.reply_needed,
        evidence=result.evidence,
    )
    return result


async def queue_draft(turn: Turn, result: TriageResult) -> int | None:
    """A pending draft for the drafting task, or None when no reply is needed."""
    await sync_to_async(inbox_services.portal_message_processed)(message_id=turn.message_id)
    if not result.reply_needed or not settings.INBOX_DRAFTS:
        return None
    draft = await sync_to_async(inbox_services.draft_create)(
        thread_id=await thread_id_of(turn), message_id=turn.message_id
    )
    return draft.pk


@dataclass(frozen=True)
class DraftJob:
    draft_id: int
    turn: Turn
    deid: Deidentified
    urgency: str
    topic: str
    language: str
    instruction: str


async def begin_draft(draft_id: int) -> DraftJob | None:
    """What drafting needs, or None if the draft is no longer pending (discarded,
    regenerated or sent meanwhile)."""
    from deidentify import SurrogateMap  # Presidio loads with it; see ``turns.Deidentified``

    draft = await Draft.objects.select_related("message__conversation__thread").aget(pk=draft_id)
    if draft.status != Draft.Status.PENDING:
        return None
    message = draft.message
    conversation = message.conversation
    surrogates = await sync_to_async(selectors.surrogates_for_conversation)(conversation_id=conversation.pk)
    history = await sync_to_async(selectors.conversation_history_deid)(
        conversation_id=conversation.pk, before_message_id=message.pk
    )
    text = crypto.decrypt(message.text_encrypted)
    turn = Turn(message.pk, conversation.pk, text, history, conversation.risk_state, surrogates)
    mapping = SurrogateMap.from_json(surrogates) if surrogates else SurrogateMap()
    triage = await sync_to_async(lambda: getattr(message, "triage", None))()
    language = "es" if draft.instruction == "spanish" else responses.language_of(text)
    return DraftJob(
        draft.pk,
        turn,
        Deidentified(message.text_deid or "", mapping),
        triage.urgency if triage is not None else "urgent",
        conversation.thread.topic,
        language,
        draft.instruction,
    )


async def store_draft(job: DraftJob, answer: Answer, passages: list[Passage]) -> None:
    """Check the draft's answer with the output rails and store it re-identified for the
    clinician, or reject it with the reason. A draft that promises a diagnosis, a
    prescription or a time is rejected too."""
    grounded = bool(answer.citations) and not (
        job.language == "es" and answer.mode == Message.Mode.EXTRACTIVE
    )
    body = drafting.body_for(
        answer=answer.text_deid,
        grounded=grounded,
        topic=job.topic,
        language=job.language,
        instruction=job.instruction,
    )
    checked = await check_output(job, body, passages)
    verdicts = [v for _, v in checked]
    notes = [{"rail": "answer", "action": "flag", "category": f.reason} for f in answer.flags]
    blocking = [
        v
        for sentence, v in checked
        if v.action in (Action.BLOCK, Action.ESCALATE)
        and not _vetted_quote(v, sentence, answer, grounded, passages)
    ]
    if blocking:
        reason = f"{blocking[0].rail}:{blocking[0].category}"
        await sync_to_async(inbox_services.draft_reject)(
            draft_id=job.draft_id, reason=reason, verdicts=[v.to_dict() for v in blocking] + notes
        )
        return
    text_deid = drafting.compose(
        body=body, urgency=job.urgency, language=job.language, instruction=job.instruction
    )
    if drafting.promises(text_deid):
        await sync_to_async(inbox_services.draft_reject)(draft_id=job.draft_id, reason="promise_in_draft")
        return
    text = await asyncio.to_thread(job.deid.reidentify, text_deid)
    await sync_to_async(inbox_services.draft_store)(
        draft_id=job.draft_id,
        text=text,
        text_deid=text_deid,
        mode=answer.mode if grounded else Message.Mode.TEMPLATE,
        citations=answer.citations if grounded else [],
        verdicts=[v.to_dict() for v in verdicts if v.action is not Action.ALLOW] + notes,
        reading_grade=drafting.reading_grade(text_deid),
    )


def _vetted_quote(
    verdict: Verdict, sentence: str, answer: Answer, grounded: bool, passages: list[Passage]
) -> bool:
    """True when a blocking verdict does not reject the draft. An extractive body quotes
    reviewed articles verbatim. There, a harmful-advice hit
    ("do not take ibuprofen with ...") or a "PHI" span that the article itself prints
    (Poison Control's number) is shown to the clinician as a flag, not a rejection.
    Model-written text is always rejected."""
    if not grounded:
        # Our fixed acknowledgement ("Thank you for your refill request ..."): it makes no
        # medical claim for the passages to support; PHI and harmful advice still count.
        return verdict.rail == "grounding"
    if answer.mode != Message.Mode.EXTRACTIVE:
        return False
    if verdict.rail == "harmful_advice":
        return True
    if verdict.rail == "phi_leak" and verdict.evidence:
        quotes = [sentence[e.start : e.end] for e in verdict.evidence]
        return all(any(q and q in p.text for p in passages) for q in quotes)
    return False


async def check_output(job: DraftJob, body: str, passages: list[Passage]) -> list[tuple[str, Verdict]]:
    """Every sentence of the draft's body through the output rails (grounding, harmful
    advice, PHI), as the chat checks each sentence of an answer; with its sentence."""
    rails = runtime()
    context = rail_context(
        job.turn,
        question=job.deid.text,
        passages=tuple(passages),
        surrogates=job.deid.surrogates.surrogates(),
    )
    await rails.prepare_output(context)
    checked: list[tuple[str, Verdict]] = []
    for span in split_sentences(body):
        sentence = body[span.start : span.end]
        checked.extend((sentence, v) for v in await rails.check_output(sentence, context))
    return checked


async def reject_draft(draft_id: int, reason: str) -> None:
    await sync_to_async(inbox_services.draft_reject)(draft_id=draft_id, reason=reason)
