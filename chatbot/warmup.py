"""Load the heavy parts (spaCy/Presidio, MiniLM, the rails, NeMo) at process start,
so that no patient's first message pays for it."""

from __future__ import annotations

import logging
import threading
import time

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


def warm_up_in_background() -> None:
    def run() -> None:
        try:
            warm_up()
        except Exception as exc:  # the pipeline fails closed on first use instead
            logger.error("warm-up failed with %s", type(exc).__name__)

    threading.Thread(target=run, name="warm-up", daemon=True).start()
