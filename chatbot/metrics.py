"""What operators see: the product's own Prometheus metrics.

Each metric is defined once here and recorded by the step that knows the fact
(``steps``, ``answering``, the consumer). Labels are closed sets of codes (a reply
mode, a rail name, an exception's type): never text, never an id.

With ``PROMETHEUS_MULTIPROC_DIR`` set (several web or worker processes on one host),
``prometheus_client`` keeps the values in files there and ``/metrics`` adds them up;
without it they live in the process that serves ``/metrics``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from prometheus_client import Counter, Gauge, Histogram

# Seconds: from a few ms (a rail check) to the read timeout of a model server.
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

MESSAGES = Counter(
    "chat_messages_total",
    "Patient messages by how they ended: a reply's mode (model, extractive, template) or failed.",
    ["outcome"],
)
RAIL_VERDICTS = Counter("chat_rail_verdicts_total", "Rail verdicts by rail and action.", ["rail", "action"])
RAIL_SECONDS = Histogram(
    "chat_rail_check_seconds",
    "Time to run the rails once: the input rails on a message, the output rails on a sentence.",
    ["stage"],
    buckets=_LATENCY_BUCKETS,
)
DEID_SECONDS = Histogram(
    "chat_deidentify_seconds", "Time to de-identify one message.", buckets=_LATENCY_BUCKETS
)
MODEL_FIRST_TOKEN_SECONDS = Histogram(
    "chat_model_first_token_seconds",
    "From asking the model to its first streamed text.",
    buckets=_LATENCY_BUCKETS,
)
MODEL_ERRORS = Counter("chat_model_errors_total", "Model errors by exception type.", ["type"])
ACCEPT_SECONDS = Histogram(
    "chat_accept_seconds",
    "From a message frame's arrival to its 'accepted' event (the message stored).",
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
OPEN_SOCKETS = Gauge("chat_open_sockets", "Patient chat sockets open now.", multiprocess_mode="livesum")
# Set by each pipeline process at warm-up (``guardrails.classifier.check``): above 0.01 the
# rails' thresholds, chosen on another machine's readings, do not hold here as measured.
RAIL_READINGS_MOVED = Gauge(
    "chat_rail_reference_moved",
    "Most a rails classifier head's reading of the fixed reference texts moved on this machine "
    "from the machine that chose its thresholds (python -m guardrails.classifier check).",
    ["head"],
    multiprocess_mode="max",
)


def rail_readings_moved(moved: Mapping[str, float]) -> None:
    """Export ``guardrails.classifier.warm_up``'s result: the most each head moved."""
    for head, value in moved.items():
        RAIL_READINGS_MOVED.labels(head=head).set(value)


@contextmanager
def timed(histogram: Histogram, **labels: str) -> Iterator[None]:
    """Observe the block's wall time in ``histogram``, also when it raises."""
    started = time.perf_counter()
    try:
        yield
    finally:
        child = histogram.labels(**labels) if labels else histogram
        child.observe(time.perf_counter() - started)
