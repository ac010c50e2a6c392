"""What a web process warms at start (``chatbot.warmup``)."""

from __future__ import annotations

from typing import Any

import pytest
import redis
from django.conf import settings as django_settings

from chatbot import warmup
from chatbot.tasks import process_patient_message


@pytest.mark.parametrize(("eager", "expected"), [(True, "warm_up"), (False, "warm_up_hand_over")])
def test_a_web_process_warms_what_it_runs(monkeypatch, settings, eager: bool, expected: str) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = eager
    started: list[Any] = []
    monkeypatch.setattr(warmup, "warm_up_in_background", started.append)
    warmup.warm_up_web_in_background()
    assert [f.__name__ for f in started] == [expected]


@pytest.mark.skipif(not django_settings.CELERY_BROKER_URL.startswith("redis"), reason="needs the Redis broker")
def test_the_hand_over_warm_up_connects_and_publishes_nothing() -> None:
    broker = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    queue = django_settings.CELERY_TASK_DEFAULT_QUEUE
    before = broker.llen(queue)
    app = process_patient_message.app
    for built_on_first_publish in ("send_task_message", "_event_dispatcher"):
        vars(app.amqp).pop(built_on_first_publish, None)
    warmup.warm_up_hand_over()
    assert app.finalized
    assert {"send_task_message", "_event_dispatcher"} <= vars(app.amqp).keys()
    with app.producer_or_acquire() as producer:  # the warmed one, from the pool
        assert producer.connection.connected
    assert broker.llen(queue) == before
