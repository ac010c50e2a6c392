"""The embedded scheduler (``make run`` without beat) runs the SLA check on its period
and survives a failing tick."""

from __future__ import annotations

import threading

from clinician_portal import scheduler


def test_it_runs_the_check_repeatedly_and_survives_an_error(monkeypatch, settings) -> None:
    settings.ESCALATION_SLA_CHECK_S = 0.01
    ticks: list[int] = []
    twice = threading.Event()

    def check() -> int:
        ticks.append(1)
        if len(ticks) == 1:
            raise RuntimeError("database away")  # the next tick still comes
        twice.set()
        return 0

    monkeypatch.setattr(scheduler, "check_escalation_slas", check)
    monkeypatch.setattr(scheduler, "close_old_connections", lambda: None)
    monkeypatch.setattr(scheduler, "_started", threading.Event())
    stop = scheduler.start_in_background()
    assert stop is not None and scheduler.start_in_background() is None  # once per process
    try:
        assert twice.wait(timeout=10)
    finally:
        stop.set()
    assert len(ticks) >= 2
