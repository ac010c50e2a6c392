"""Is a question about the patient's own record? Plain Python.

The assistant cannot see a chart or an account. "what was my a1c from the labs last
week", "is my refill ready", "when is my appointment with dr lee" can only be answered
by someone who can, yet each retrieves a passage that looks like an answer (the A1C
ranges, how refills work, how to book). So can a decision only the patient's clinician
makes: "i'm 68 and weigh 150 pounds, what dose of levothyroxine should i be on", "my bp
is 150/95, should i take an extra pill", "burning when i pee and a fever, what do i
have" (each got the article's general paragraph). Such a question gets its own honest
reply, that the assistant cannot see the record or decide the patient's care, with the
one-click action that sends it to the care team, before any retrieval
(``steps.route_record_question``, through ``needs_care_team``).

The decisions have a second detector of the same kind (``decisions``), trained apart
with its own threshold: fitted as one, the decision questions, which read like the
bank's general dose and symptom questions, pushed the shared threshold up, and the
record questions' held-out recall fell from 0.78 to 0.55.

The model is a logistic regression over the question's MiniLM vector (the one retrieval
and the relevance gate use: ``relevance.question_vector``) and the TF-IDF of its words
and word pairs. The words carry what MiniLM, an English encoder, reads poorly in
Spanish ("ya mandaron mi receta"); held out by writer, they raised recall from 0.57 to
0.77 at the same false-positive caps. It costs two dot products. Both detectors read the
question as the article path does, a Spanish one through the glossary
(``relevance.english_question``), in training and at run time: held out by writer, that
raised Spanish recall from 0.59 to 0.83 (record) and from 0.27 to 0.58 (decisions).
It was trained on patient-register questions from writers who wrote about both sides of
the line: a patient's own results, medicines, refills, appointments, referrals, bills and
chart, and (two more writers) their own dose, an extra or a double dose, stopping or
changing a medicine, which prescription to get, what they have; and general questions
that read alike ("what should my a1c be", "how do i ask for
a refill"); and on the question bank, every one of which a starter article answers.
Its threshold was chosen on a writer it never trained on, to keep answerable questions
answered (``python -m chatbot.knowledge.train_record``).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

import numpy as np

MODEL_FILE = Path(__file__).resolve().parent / "data" / "record_questions.json"
# The second detector, of the same kind: a decision only the patient's clinician makes.
DECISIONS_FILE = Path(__file__).resolve().parent / "data" / "decision_questions.json"

REPLY = {
    "en": (
        "I can't see your medical record or make decisions about your care, so I can't answer "
        "questions about your own results, medicines and doses, refills, appointments or "
        "bills, or tell you what you have. Your care team can: you can "
        "send them this question as a message with the button below, or call the clinic. "
        "If this is an emergency, call your local emergency number now."
    ),
    "es": (
        "No puedo ver su expediente médico ni decidir sobre su atención, así que no puedo "
        "responder preguntas sobre sus propios resultados, medicinas y dosis, recetas, citas "
        "o cuentas, ni decirle qué tiene. Su equipo de atención sí "
        "puede: envíeles esta pregunta como mensaje con el botón de abajo, o llame a la "
        "clínica. Si es una emergencia, llame ahora a su número local de emergencias."
    ),
}


_TOKEN = re.compile(r"\b\w\w+\b")


def terms(text: str) -> list[str]:
    """Lower-cased words of two or more letters, and each pair of neighbouring words."""
    words = _TOKEN.findall(text.lower())
    return words + [f"{a} {b}" for a, b in pairwise(words)]


def tfidf(text: str, vocabulary: dict[str, int], idf: Sequence[float]) -> dict[int, float]:
    """The text's known terms as ``{index: weight}``: (1 + log count) x idf, L2-normalised."""
    counts = Counter(t for t in terms(text) if t in vocabulary)
    weights = {vocabulary[t]: (1.0 + math.log(c)) * idf[vocabulary[t]] for t, c in counts.items()}
    norm = math.sqrt(sum(w * w for w in weights.values()))
    return {i: w / norm for i, w in weights.items()} if norm else {}


@dataclass(frozen=True)
class RecordModel:
    """A fitted detector: ``probability`` of a question (its text and MiniLM vector);
    ``threshold`` decides."""

    weights: np.ndarray  # over the MiniLM vector
    term_weights: np.ndarray  # over ``vocabulary``
    vocabulary: dict[str, int]
    idf: tuple[float, ...]
    bias: float
    threshold: float
    data_sha256: str

    def probability(self, text: str, q_vec: np.ndarray) -> float:
        z = float(q_vec @ self.weights) + self.bias
        z += sum(w * float(self.term_weights[i]) for i, w in tfidf(text, self.vocabulary, self.idf).items())
        return 1.0 / (1.0 + math.exp(-min(max(z, -50.0), 50.0)))  # no overflow on an odd input

    def is_record_question(self, text: str, q_vec: np.ndarray) -> bool:
        return self.probability(text, q_vec) >= self.threshold

    def to_dict(self) -> dict[str, object]:
        ordered = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        return {
            "weights": [round(float(w), 6) for w in self.weights],
            "terms": ordered,
            "idf": [round(float(v), 6) for v in self.idf],
            "term_weights": [round(float(w), 6) for w in self.term_weights],
            "bias": round(self.bias, 6),
            "threshold": round(self.threshold, 6),
            "data_sha256": self.data_sha256,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> RecordModel:
        ordered = list(data["terms"])  # type: ignore[call-overload]
        return cls(
            weights=np.asarray(data["weights"], dtype=np.float32),
            term_weights=np.asarray(data["term_weights"], dtype=np.float32),
            vocabulary={t: i for i, t in enumerate(ordered)},
            idf=tuple(float(v) for v in data["idf"]),  # type: ignore[attr-defined]
            bias=float(data["bias"]),  # type: ignore[arg-type]
            threshold=float(data["threshold"]),  # type: ignore[arg-type]
            data_sha256=str(data["data_sha256"]),
        )


@cache
def model() -> RecordModel:
    """The committed detector, read once per process."""
    return RecordModel.from_dict(json.loads(MODEL_FILE.read_text()))


@cache
def decisions() -> RecordModel:
    """The committed detector of questions only the patient's clinician can decide
    (their dose, an extra dose, stopping a medicine, which prescription, what they have)."""
    return RecordModel.from_dict(json.loads(DECISIONS_FILE.read_text()))


def needs_care_team(text: str, q_vec: np.ndarray) -> bool:
    """Only the patient's own record or clinician can answer: either detector says so.
    Raises when a model file is missing or broken (the caller fails open to the gate)."""
    return model().is_record_question(text, q_vec) or decisions().is_record_question(text, q_vec)


def reply(language: str) -> str:
    """The honest "I can't see your record" in the patient's language (English otherwise)."""
    return REPLY.get(language, REPLY["en"])
