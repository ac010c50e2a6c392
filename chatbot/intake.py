"""Messages that arrive together on one web process are stored together.

Under a burst (a thousand patients pressing send in the same second) storing each
message alone costs several database round trips, one after another on the single
thread Django's ORM uses in async code, and the last patient waits for all of them.
``submit`` queues the message; while one batch is in the database, the messages that
arrive meanwhile form the next one, stored in one transaction by
``services.patient_messages_submit``. A lone message is stored at once, as before:
there is no timer, only the queue that forms while the database is busy. The stored
messages are then handed to the pipeline together (``tasks.patient_messages_enqueue``):
one thread hop and one broker connection, not one per message, and only once no more
messages are waiting to be stored (for a burst, once none has arrived for ``QUIET_S``;
at the latest after ``HANDOVER_DELAY_S``), so that a patient's 'accepted' never waits
behind other patients' hand-overs or the pipeline work they start.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async

from chatbot import services, tasks
from chatbot.models import Message

logger = logging.getLogger(__name__)

# The most messages in one transaction: bounds how long one batch holds the thread.
MAX_BATCH = 200
# The longest stored messages wait to be handed over while more keep arriving.
HANDOVER_DELAY_S = 0.5
# More messages than this stored together are a burst: handed over after QUIET_S
# without arrivals, not the moment the queue first empties.
BURST = 20
QUIET_S = 0.05


class _Intake:
    def __init__(self) -> None:
        self.pending: list[tuple[services.Submission, asyncio.Future[tuple[Message, bool]]]] = []
        self.flusher: asyncio.Task[None] | None = None
        self.handovers: set[asyncio.Task[None]] = set()
        self.deferred: list[int] = []  # stored, not yet handed over
        self.since = 0.0  # when the oldest of them was stored
        self.quiet: asyncio.TimerHandle | None = None

    async def flush(self) -> None:
        # Hand-overs wait while messages are still arriving: publishing a task costs the
        # web process more than storing the message, and a patient waiting for
        # 'accepted' should not wait behind other patients' hand-overs. The workers are
        # busy under a burst anyway; a steady stream is handed over at least every
        # HANDOVER_DELAY_S.
        if self.quiet is not None:  # more arrived: the burst goes on
            self.quiet.cancel()
            self.quiet = None
        try:
            while self.pending:
                batch, self.pending = self.pending[:MAX_BATCH], self.pending[MAX_BATCH:]
                handover = await self.store(batch)
                if handover and not self.deferred:
                    self.since = time.monotonic()
                self.deferred += handover
                if self.deferred and time.monotonic() - self.since >= HANDOVER_DELAY_S:
                    self.hand_over_deferred()
        finally:
            self.settle()

    def settle(self) -> None:
        """Nothing is waiting to be stored. A few messages (a patient chatting) are handed
        over at once. A burst's are handed over once no message has arrived for
        QUIET_S: the queue empties for a moment whenever the senders' side stalls, and
        pipeline workers started in the middle of a burst slowed the storing of the rest
        (on the benchmark's two cores, traced: a 165-message batch took 320 ms, not ~40).
        HANDOVER_DELAY_S still bounds the wait. Messages left waiting by a process that
        stops are handed over by the ``hand_over_unpicked_messages`` sweep."""
        if not self.deferred:
            return
        waited = time.monotonic() - self.since
        if len(self.deferred) <= BURST or waited >= HANDOVER_DELAY_S:
            self.hand_over_deferred()
            return
        loop = asyncio.get_running_loop()
        self.quiet = loop.call_later(min(QUIET_S, HANDOVER_DELAY_S - waited), self.hand_over_deferred)

    def hand_over_deferred(self) -> None:
        message_ids, self.deferred, self.quiet = self.deferred, [], None
        self.hand_over(message_ids)

    async def store(
        self, batch: list[tuple[services.Submission, asyncio.Future[tuple[Message, bool]]]]
    ) -> list[int]:
        """Store one batch and answer its waiters; returns the ids to hand over."""
        try:
            results = await database_sync_to_async(services.patient_messages_submit)(
                submissions=[submission for submission, _ in batch]
            )
        except Exception as exc:  # the database or cache is down: every waiter hears it
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return []
        handover: list[int] = []
        for (_, future), result in zip(batch, results, strict=True):
            if isinstance(result, services.RateLimited):
                if not future.done():
                    future.set_exception(result)
                continue
            message, created = result
            # A re-send of a message never picked up (its first 'accepted' was lost with
            # the database connection) is handed over again; the claim makes that safe.
            # A message whose socket went away while it waited is stored, so it is
            # handed over too.
            if created or message.status == Message.Status.RECEIVED:
                handover.append(message.pk)
            if not future.done():
                future.set_result(result)
        return handover

    def hand_over(self, message_ids: list[int]) -> None:
        """Stored messages to the pipeline, in one call on a pool thread, after their
        'accepted' events (the waiters resume first). Not awaited: in eager mode the
        pipeline runs in this process and its events must reach the sockets while it
        runs. A failed hand-over is logged (ids and the error's type, never text), and
        the ``hand_over_unpicked_messages`` sweep hands those messages over again."""
        task = asyncio.create_task(
            sync_to_async(tasks.patient_messages_enqueue, thread_sensitive=False)(message_ids=message_ids)
        )
        self.handovers.add(task)
        task.add_done_callback(self.handovers.discard)
        task.add_done_callback(lambda done: _log_failed_handover(done, message_ids))


def _log_failed_handover(task: asyncio.Task[None], message_ids: list[int]) -> None:
    if not task.cancelled() and (exc := task.exception()) is not None:
        logger.error("handing messages %s to the pipeline failed with %s", message_ids, type(exc).__name__)


_intakes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Intake] = weakref.WeakKeyDictionary()


async def submit(submission: services.Submission) -> tuple[Message, bool]:
    """Store one message, batched with any arriving at the same time on this process.

    The message is handed to the pipeline once stored. Returns ``(message, created)``;
    raises ``services.RateLimited`` (nothing stored), or the database's or cache's error
    when they are unreachable (nothing stored).
    """
    loop = asyncio.get_running_loop()
    intake = _intakes.setdefault(loop, _Intake())
    future: asyncio.Future[tuple[Message, bool]] = loop.create_future()
    intake.pending.append((submission, future))
    if intake.flusher is None or intake.flusher.done():
        intake.flusher = asyncio.create_task(intake.flush())
    return await future
