"""The own-record detector: a question only the patient's chart answers goes to the
care team with an honest reply, a general question that reads alike goes on."""

from __future__ import annotations

import json

import numpy as np
import pytest

from chatbot import record_questions
from chatbot.knowledge.train_record import choose_threshold, data_sha256
from chatbot.relevance import english_question
from guardrails.embeddings import embed


def test_the_committed_detector_was_trained_on_the_committed_questions() -> None:
    """Any edit to a record_*.jsonl or a question-bank file means re-training:
    ``python -m chatbot.knowledge.train_record``."""
    stored = json.loads(record_questions.MODEL_FILE.read_text(encoding="utf-8"))
    assert stored["data_sha256"] == data_sha256()
    assert len(stored["weights"]) == 384 and 0.5 <= stored["threshold"] < 1.0
    # Chosen on questions the fit never saw: answerable questions stay answered.
    assert stored["held_out"]["bank_fpr"] <= 0.011
    assert stored["held_out"]["writer_negative_fpr"] <= 0.06


def test_the_committed_decision_detector_was_trained_on_the_committed_questions() -> None:
    """``python -m chatbot.knowledge.train_record --decisions`` after any edit."""
    from chatbot.knowledge.train_record import DECISION_FILES

    stored = json.loads(record_questions.DECISIONS_FILE.read_text(encoding="utf-8"))
    assert len(DECISION_FILES) >= 2 and stored["data_sha256"] == data_sha256(DECISION_FILES)
    assert stored["held_out"]["bank_fpr"] <= 0.011 and stored["held_out"]["writer_negative_fpr"] <= 0.06


def _needs_care_team(text: str) -> bool:
    question = english_question(text)
    return record_questions.needs_care_team(question, embed([question])[0])


@pytest.mark.parametrize(
    "text",
    [
        "my bp is 160/100 today, should i take another lisinopril",
        "i'm 45 and 210 pounds, what dose of metformin should i be on",
        "what was my a1c from the labs last week",  # the record detector still answers for its kind
    ],
)
def test_a_decision_only_the_patients_clinician_makes_goes_to_the_care_team(text: str) -> None:
    assert _needs_care_team(text)


@pytest.mark.xfail(strict=True, reason="a known miss (2026-12-04): held-out recall of the decision detector is 0.50")
def test_stopping_a_medicine_on_ones_own_goes_to_the_care_team() -> None:
    assert _needs_care_team("should i stop taking my sertraline, i feel better now")


@pytest.mark.parametrize(
    "text",
    [
        "what is the most tylenol an adult can take in a day",
        "what should i do if i miss a dose of my blood pressure pill",
        "what are the signs of strep throat",
        "my 4 year old has a fever of 102 what should i do",
    ],
)
def test_general_dose_and_symptom_questions_go_on_to_the_articles(text: str) -> None:
    assert not _needs_care_team(text)


def _detects(text: str) -> bool:
    question = english_question(text)
    return record_questions.model().is_record_question(question, embed([question])[0])


@pytest.mark.parametrize(
    "text",
    [
        "what was my a1c from the labs last week",
        "is my refill for lisinopril ready yet",
        "what time is my appointment with dr patel tomorrow",
    ],
)
def test_questions_only_the_record_answers_are_detected(text: str) -> None:
    assert _detects(text)


@pytest.mark.parametrize(
    "text",
    [
        "what should my a1c be if i have diabetes",
        "what are the side effects of metformin",
        "my 4 year old has a fever of 102 what should i do",
    ],
)
def test_general_questions_that_read_alike_go_on_to_the_articles(text: str) -> None:
    assert not _detects(text)


def test_the_reply_is_in_the_patients_language_and_english_otherwise() -> None:
    assert record_questions.reply("es").startswith("No puedo ver su expediente")
    assert record_questions.reply("vi") == record_questions.reply("en")
    assert "care team" in record_questions.reply("en") and "emergency" in record_questions.reply("en")


def test_the_model_round_trips_through_its_file_format() -> None:
    model = record_questions.RecordModel(
        weights=np.array([0.5, -0.25], dtype=np.float32),
        term_weights=np.array([1.5, -2.0], dtype=np.float32),
        vocabulary={"refill": 0, "my refill": 1},
        idf=(1.2, 2.0),
        bias=0.1,
        threshold=0.7,
        data_sha256="abc",
    )
    again = record_questions.RecordModel.from_dict(json.loads(json.dumps(model.to_dict())))
    assert again.threshold == 0.7 and again.data_sha256 == "abc" and again.vocabulary == model.vocabulary
    vector = np.array([1.0, 1.0])
    assert again.probability("is my refill ready", vector) == pytest.approx(
        model.probability("is my refill ready", vector)
    )


def test_an_extreme_score_is_a_probability_not_an_overflow() -> None:
    model = record_questions.RecordModel(
        weights=np.array([1e6], dtype=np.float32),
        term_weights=np.zeros(0, dtype=np.float32),
        vocabulary={},
        idf=(),
        bias=0.0,
        threshold=0.7,
        data_sha256="abc",
    )
    assert model.probability("anything", np.array([-1.0])) == pytest.approx(0.0)
    assert model.probability("anything", np.array([1.0])) == pytest.approx(1.0)


def test_words_and_word_pairs_are_weighted_by_idf_and_normalised() -> None:
    assert record_questions.terms("Is MY refill ready?") == [
        "is",
        "my",
        "refill",
        "ready",
        "is my",
        "my refill",
        "refill ready",
    ]
    weights = record_questions.tfidf(
        "my refill my refill", {"refill": 0, "my refill": 1, "a1c": 2}, (1.0, 2.0, 3.0)
    )
    assert set(weights) == {0, 1} and weights[1] == pytest.approx(2 * weights[0])
    assert sum(w * w for w in weights.values()) == pytest.approx(1.0)
    assert record_questions.tfidf("nothing known", {"refill": 0}, (1.0,)) == {}


def test_the_threshold_keeps_both_false_positive_caps() -> None:
    rng = np.random.default_rng(0)
    scores = rng.random(2000)
    y = np.zeros(2000, dtype=int)
    y[:200] = 1
    bank = np.zeros(2000, dtype=bool)
    bank[1000:] = True
    threshold = choose_threshold(scores, y, bank)
    assert (scores[bank] >= threshold).mean() <= 0.011
    assert (scores[(y == 0) & ~bank] >= threshold).mean() <= 0.051


def test_the_evaluation_scores_either_detector_or_both_as_the_pipeline_asks(tmp_path) -> None:
    from chatbot.knowledge.train_record import evaluate

    rows = [
        {"question": "is my refill for lisinopril ready yet", "label": 1, "kind": "refill_status"},
        {"question": "i'm 45 and 210 pounds, what dose of metformin should i be on", "label": 1, "kind": "dose"},
        {"question": "what are the side effects of metformin", "label": 0, "kind": "medicine_general"},
    ]
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    both = evaluate(path, "both")
    assert both["recall"] == 1.0 and both["writer_negative_fpr"] == 0.0
    assert both["by_kind"]["dose"]["sent_to_care_team"] == 1.0
    assert evaluate(path, "record")["by_kind"]["refill_status"]["sent_to_care_team"] == 1.0
    assert evaluate(path, "decisions")["by_kind"]["medicine_general"]["sent_to_care_team"] == 0.0
