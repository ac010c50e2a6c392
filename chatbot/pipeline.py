"""The life of a patient message, read top to bottom in ``handle_patient_message``.

Step 1 (store) happened before this runs: ``services.patient_message_receive`` saved
the message and the Celery task ``process_patient_message`` calls in with its id
alone. Every failure ends in ``fail``: the patient is told honestly (with crisis
resources whenever risk is open or was seen), the message stays stored and marked,
and a person is told. Nothing here logs or raises patient text.
"""

from __future__ import annotations

import logging

from chatbot import answering, logs, steps
from chatbot.turns import Turn

logger = logging.getLogger(__name__)


async def handle_patient_message(message_id: int) -> None:
    logs.message_id.set(message_id)
    turn = await steps.begin(message_id)
    if turn is None:  # already claimed or processed: a repeated delivery runs nothing,
        await steps.resend_outcome(message_id)  # but an ended turn's events go again
        return
    logs.conversation_id.set(turn.conversation_id)
    logger.info("processing message %s", message_id)
    try:
        await respond(turn)
    except Exception as exc:
        # The type only: a library's exception text may quote its input.
        logger.error("pipeline failed on message %s with %s", message_id, type(exc).__name__)
        await steps.fail(turn, reason="pipeline_error")


async def respond(turn: Turn) -> None:
    try:
        deid = await steps.deidentify(turn)  # 2. the model, NeMo and logs never see PHI
    except steps.DeidentificationFailed:
        await steps.screen_locally(turn)  # self-harm and emergency still run, in-process
        return await steps.fail(turn, reason="deidentification_failed")

    try:
        verdicts = await steps.check_input(turn, deid)  # 3. input rails, in-process, on the patient's words
    except steps.RailsUnavailable:
        await steps.screen_locally(turn, deid)
        return await steps.fail(turn, reason="input_rails_unavailable")
    if await steps.hold_for_staff(turn, verdicts):  # a person joined the chat: no assistant answer
        return
    if await steps.answer_from_template(turn, verdicts):  # crisis, emergency, injection, scope
        return
    if await steps.route_record_question(turn, deid):  # only the care team can see the record
        return

    passages = await steps.retrieve(turn, deid)  # 4. vetted knowledge-base passages
    passages = await steps.keep_relevant(turn, deid, passages)  # only those that answer it
    article = await steps.read_article(passages)  # the best one's whole article, to quote from
    try:
        answer = await answering.answer(turn, deid, passages, article)  # 4-6. model via NeMo, output rails
    except steps.RailsUnavailable:  # per sentence, re-identified deltas
        return await steps.fail(turn, reason="output_rails_unavailable")
    await steps.deliver(turn, answer)


async def handle_interrupted_message(message_id: int, *, reason: str) -> bool:
    """A message whose turn was cut off part-way (its worker was killed, or the database
    went away after the message was claimed) is failed honestly, with crisis resources
    if risk was seen, rather than run a second time. A message that ended meanwhile may
    have ended just as the cut came, before its events went out (the database committed
    the reply, and the connection died before it said so): its outcome is sent again.
    True if the turn is over; False for a message never claimed, which is still to run."""
    turn = await steps.resume(message_id)
    if turn is not None:
        logger.warning("message %s was interrupted (%s)", message_id, reason)
        await steps.fail(turn, reason=reason)
        return True
    return await steps.resend_outcome(message_id)
