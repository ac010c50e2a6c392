"""The life of a portal message, read top to bottom in ``receive``; then its draft.

1. Stored encrypted and acknowledged before this runs (``inbox.services.thread_start``
   or ``thread_message_receive``); the Celery task calls in with the id alone.
2. De-identified, 3. screened by the input rails: the chat's own steps.
4. A crisis or emergency gets the chat's templates at once (988, 911), an urgent
   escalation, and the thread turns emergent: nobody waits for a clinician.
5. Triage: urgency, intent and reply-needed, with evidence, stored.
6. A draft is queued only if a reply is needed; ``draft_reply`` (a second task) writes
   it with the chat's retrieval and answering, nothing sent to the patient, checks it
   with the output rails and 7. re-identifies it for the clinician only.

Every failure ends in the chat's ``steps.fail``: the message is kept, a person told,
and the thread stays in the inbox as urgent (untriaged is never routine).
"""

from __future__ import annotations

import logging

from chatbot import answering, steps
from chatbot.events import silenced
from chatbot.inbox import steps as inbox
from chatbot.turns import Turn

logger = logging.getLogger(__name__)


async def handle_portal_message(message_id: int) -> int | None:
    """Run ``receive``; returns the id of a draft to write, or None."""
    turn = await steps.begin(message_id)
    if turn is None:
        return None  # already claimed or processed
    try:
        return await receive(turn)
    except Exception as exc:
        logger.error("inbox pipeline failed on message %s with %s", message_id, type(exc).__name__)
        await steps.fail(turn, reason="pipeline_error")
        return None


async def receive(turn: Turn) -> int | None:
    try:
        deid = await steps.deidentify(turn)  # 2. nothing downstream but the rails sees PHI
    except steps.DeidentificationFailed:
        await steps.screen_locally(turn)  # self-harm and emergency still run, in-process
        await inbox.mark_if_urgent(turn)
        await steps.fail(turn, reason="deidentification_failed")
        return None
    try:
        verdicts = await steps.check_input(turn, deid)  # 3. input rails, in-process, on the patient's words
    except steps.RailsUnavailable:
        await steps.screen_locally(turn, deid)
        await inbox.mark_if_urgent(turn)
        await steps.fail(turn, reason="input_rails_unavailable")
        return None
    crisis = await inbox.answer_crisis(turn, verdicts)  # 4. templates at once, thread emergent
    result = await inbox.triage(turn, deid, verdicts)  # 5. urgency, intent, reply needed
    if crisis:
        return None  # a person is on it through the urgent escalation; no draft
    return await inbox.queue_draft(turn, result)  # 6. only when a reply is needed


async def draft_reply(draft_id: int) -> None:
    """Write one pending draft (first or regenerated). Never sends anything to the patient."""
    job = await inbox.begin_draft(draft_id)
    if job is None:
        return
    try:
        passages = await steps.retrieve(job.turn, job.deid)
        with silenced():  # the answering code streams as in the chat: here, to nobody
            answer = await answering.answer(job.turn, job.deid, passages)
        await inbox.store_draft(job, answer, passages)  # output rails, then re-identified
    except Exception as exc:
        logger.error("drafting failed on draft %s with %s", draft_id, type(exc).__name__)
        await inbox.reject_draft(draft_id, "drafting_failed")
