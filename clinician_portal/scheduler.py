"""A beat-like scheduler for the embedded default (no Celery beat, eager tasks).

``make run`` serves everything from one daphne process; this thread runs the SLA
check every ``ESCALATION_SLA_CHECK_S`` so that breaches page people there too. With
a broker, Celery beat runs the same task instead (``make worker``)."""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.db import close_old_connections

from clinician_portal.tasks import check_escalation_slas

logger = logging.getLogger(__name__)
_started = threading.Event()


def _loop(stop: threading.Event) -> None:
    while not stop.wait(settings.ESCALATION_SLA_CHECK_S):
        try:
            check_escalation_slas()
        except Exception as exc:  # the next tick tries again; never kill the thread
            logger.error("SLA check failed with %s", type(exc).__name__)
        finally:
            close_old_connections()


def start_in_background() -> threading.Event | None:
    """Start the thread once per process. Returns its stop event (None if already running)."""
    if _started.is_set():
        return None
    _started.set()
    stop = threading.Event()
    threading.Thread(target=_loop, args=(stop,), name="sla-check", daemon=True).start()
    return stop
