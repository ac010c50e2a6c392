"""Load the heavy parts (spaCy/Presidio, MiniLM, the rails, NeMo) at process start,
so that no patient's first message pays for it."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.conf import settings

from chatbot import metrics

logger = logging.getLogger(__name__)


def warm_up() -> None:
    started = time.monotonic()
    from chatbot.extractive import grade, section_bank
    from chatbot.record_questions import decisions as decision_model
    from chatbot.record_questions import model as record_model
    from chatbot.relevance import passage_embedder
    from chatbot.relevance import warm_up as warm_up_relevance
    from deidentify import get_deidentifier
    from guardrails.classifier import warm_up as warm_up_classifier
    from guardrails.embeddings import warm_up as warm_up_embedder
    from guardrails.registry import load_rails
    from guardrails.runtime import warm_up as warm_up_runtime

    get_deidentifier(settings.DEID_SPACY_MODEL).deidentify("warm up")
    load_rails([*settings.INPUT_RAILS, *settings.OUTPUT_RAILS])
    warm_up_embedder()
    metrics.rail_readings_moved(warm_up_classifier())  # operators alert on this, not on a log line
    warm_up_runtime()
    warm_up_relevance()  # the question bank's vectors
    section_bank().matrix(passage_embedder())  # the section bank's (memoised: the same questions)
    record_model()  # the own-record detector's weights and vocabulary
    decision_model()  # ...and the clinician-decision detector's
    grade("The reading grade loads its pronouncing dictionary once.")  # ~1.4 s, not on a patient
    logger.info("warm-up finished in %.1fs", time.monotonic() - started)


def warm_up_hand_over() -> None:
    """A web process's first hand-over to the workers builds Celery's app (its tasks,
    its result backend, found by scanning every installed package's entry points) and
    connects and declares the queue: about 50 ms of one web process's CPU, measured with
    py-spy, spent in the middle of the first burst of patients it serves. Its message
    sender imports and builds Celery's event dispatcher on first use (another ~15 ms).
    Do it once at start instead. Nothing is published."""
    from chatbot.tasks import process_patient_message

    app = process_patient_message.app
    app.finalize(auto=True)
    _ = app.backend  # what each publish's AsyncResult looks up
    _ = app.amqp.send_task_message  # builds the sender and its event dispatcher
    queue = app.amqp.queues[app.conf.task_default_queue]
    with app.producer_or_acquire() as producer:  # back to the pool, connected
        producer.connection.ensure_connection(max_retries=1)
        producer.maybe_declare(queue)


def warm_up_web_in_background() -> None:
    """A web process warms what it will run: the whole pipeline in eager mode (no
    broker: the pipeline runs in the web process), otherwise only the hand-over (the
    Celery workers load the models, and each web process stays small)."""
    warm_up_in_background(warm_up if settings.CELERY_TASK_ALWAYS_EAGER else warm_up_hand_over)


def warm_up_in_background(warm: Callable[[], None]) -> None:
    def run() -> None:
        try:
            warm()
        except Exception as exc:  # the first use pays for it instead (the pipeline fails closed)
            logger.error("warm-up %s failed with %s", warm.__name__, type(exc).__name__)

    threading.Thread(target=run, name="warm-up", daemon=True).start()
