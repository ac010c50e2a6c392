"""The message task retries only what a retry can help: the database unreachable."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import InterfaceError, OperationalError

from chatbot import tasks


def test_the_retry_policy_is_declared_on_the_task() -> None:
    task = tasks.process_patient_message
    assert set(task.autoretry_for) == {OperationalError, InterfaceError}
    assert task.retry_backoff and task.retry_jitter and task.max_retries == 5 and task.acks_late


def _flaky(monkeypatch: pytest.MonkeyPatch, errors: list[Exception]) -> list[int]:
    calls: list[int] = []

    async def handle(message_id: int) -> None:
        calls.append(message_id)
        if errors:
            raise errors.pop(0)

    async def interrupted(message_id: int, *, reason: str) -> bool:
        assert reason == "database_interrupted"
        return False  # never claimed: the message is still to run

    monkeypatch.setattr(tasks, "handle_patient_message", handle)
    monkeypatch.setattr(tasks, "handle_interrupted_message", interrupted)
    return calls


@pytest.mark.parametrize(
    "error", [OperationalError("server closed the connection"), InterfaceError("closed")]
)
def test_a_transient_error_is_retried(monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    calls = _flaky(monkeypatch, [error, error])
    tasks.process_patient_message.apply(args=[7]).get()
    assert calls == [7, 7, 7]


@pytest.mark.parametrize("error", [ValueError("bug"), RuntimeError("bug"), KeyError("message")])
def test_anything_else_is_not_retried(monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    calls = _flaky(monkeypatch, [error, error])
    with pytest.raises(type(error)):
        tasks.process_patient_message.apply(args=[7]).get()
    assert calls == [7]


def test_a_retry_whose_earlier_try_ended_the_turn_runs_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    async def handle(message_id: int) -> None:
        calls.append(message_id)
        if len(calls) == 1:
            raise OperationalError("server closed the connection")

    async def interrupted(message_id: int, *, reason: str) -> bool:
        return True  # failed honestly now, or its outcome sent again

    monkeypatch.setattr(tasks, "handle_patient_message", handle)
    monkeypatch.setattr(tasks, "handle_interrupted_message", interrupted)
    tasks.process_patient_message.apply(args=[7]).get()
    assert calls == [7]


def test_retries_stop_after_max_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    errors: list[Any] = [OperationalError("down")] * 10
    calls = _flaky(monkeypatch, errors)
    with pytest.raises(OperationalError):
        tasks.process_patient_message.apply(args=[7]).get()
    assert len(calls) == 1 + tasks.process_patient_message.max_retries


def test_a_worker_lost_under_a_message_enqueues_its_honest_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    from billiard.exceptions import WorkerLostError

    enqueued: list[int] = []
    monkeypatch.setattr(tasks.fail_interrupted_message, "delay", enqueued.append)
    tasks._worker_lost(sender=tasks.process_patient_message, exception=WorkerLostError("SIGKILL"), args=[42])
    tasks._worker_lost(sender=tasks.process_patient_message, exception=ValueError("bug"), args=[43])
    tasks._worker_lost(sender=tasks.fail_stalled_messages, exception=WorkerLostError("SIGKILL"), args=[])
    assert enqueued == [42]


def test_a_fan_out_cut_short_by_a_lost_worker_is_published_again(monkeypatch: pytest.MonkeyPatch) -> None:
    from billiard.exceptions import WorkerLostError

    republished: list[list[int]] = []
    monkeypatch.setattr(tasks.hand_over_messages, "delay", republished.append)
    tasks._worker_lost(sender=tasks.hand_over_messages, exception=WorkerLostError("SIGKILL"), args=[[7, 8]])
    tasks._worker_lost(sender=tasks.hand_over_messages, exception=ValueError("bug"), args=[[9]])
    assert republished == [[7, 8]]


def test_a_batch_is_handed_to_a_worker_as_one_task_and_a_lone_message_directly(monkeypatch) -> None:
    """The web process publishes once per burst's batch (a worker fans it out), and a
    lone message without the extra hop."""
    from django.db import transaction

    from chatbot import tasks

    monkeypatch.setitem(tasks.process_patient_message.app.conf, "task_always_eager", False)
    direct: list[int] = []
    batches: list[list[int]] = []
    monkeypatch.setattr(tasks.process_patient_message, "delay", direct.append)
    monkeypatch.setattr(tasks.hand_over_messages, "delay", batches.append)
    monkeypatch.setattr(transaction, "on_commit", lambda fn: fn())
    tasks.patient_messages_enqueue(message_ids=[7, 8, 9])
    tasks.patient_messages_enqueue(message_ids=[10])
    tasks.patient_messages_enqueue(message_ids=[])
    assert batches == [[7, 8, 9]]
    assert direct == [10]


def test_the_fan_out_publishes_each_message_as_its_own_task_over_one_producer(monkeypatch) -> None:
    from chatbot import tasks

    published: list[tuple[tuple[int, ...], object]] = []
    monkeypatch.setattr(
        tasks.process_patient_message,
        "apply_async",
        lambda args, producer=None: published.append((tuple(args), producer)),
    )
    tasks.hand_over_messages.run([7, 8, 9])
    assert [args for args, _ in published] == [(7,), (8,), (9,)]
    producers = {id(p) for _, p in published}
    assert len(producers) == 1 and published[0][1] is not None


def test_in_eager_mode_every_message_runs_in_process(monkeypatch) -> None:
    from django.db import transaction

    from chatbot import tasks

    monkeypatch.setitem(tasks.process_patient_message.app.conf, "task_always_eager", True)
    ran: list[int] = []
    monkeypatch.setattr(tasks.process_patient_message, "delay", ran.append)
    monkeypatch.setattr(tasks.hand_over_messages, "delay", lambda ids: pytest.fail("no fan-out when eager"))
    monkeypatch.setattr(transaction, "on_commit", lambda fn: fn())
    tasks.patient_messages_enqueue(message_ids=[4, 5])
    assert ran == [4, 5]


@pytest.mark.django_db
def test_a_worker_lost_before_it_claimed_the_message_hands_it_over_again(monkeypatch) -> None:
    """Killed between taking the task and claiming the message: the broker has dropped
    the task, so the message would sit in 'received' for good. It is handed over again;
    a message the worker had claimed is failed honestly instead, never run twice."""
    from django.utils import timezone

    from chatbot.models import Message
    from tests.factories import MessageFactory

    handed: list[int] = []
    monkeypatch.setattr(tasks, "patient_messages_enqueue", lambda *, message_ids: handed.extend(message_ids))
    unclaimed = MessageFactory.create(status=Message.Status.RECEIVED)
    claimed = MessageFactory.create(status=Message.Status.PROCESSING, processing_started_at=timezone.now())

    tasks.fail_interrupted_message(unclaimed.pk)
    tasks.fail_interrupted_message(claimed.pk)

    assert handed == [unclaimed.pk]
    claimed.refresh_from_db()
    assert claimed.status == Message.Status.FAILED
