"""The learned triage head: softmax regressions on MiniLM embeddings. Plain numpy.

``python -m chatbot.inbox.train`` fits it from ``chatbot/data/portal_train/*.jsonl`` and
writes ``chatbot/inbox/data/triage_head.npz`` with a manifest (data sha256, thresholds)
beside it. ``make test`` checks the manifest's hash against the training data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parent / "data"
HEAD_FILE = DATA / "triage_head.npz"
MANIFEST_FILE = DATA / "triage_head.json"
TRAIN_DIR = Path(__file__).resolve().parents[1] / "data" / "portal_train"

URGENCIES = ("emergent", "urgent", "routine")


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class HeadScores:
    """One message's probabilities: ``urgency`` over URGENCIES, ``reply`` P(reply needed)."""

    urgency: dict[str, float]
    reply: float
    intent: str
    intent_p: float

    @property
    def p_not_routine(self) -> float:
        return self.urgency["emergent"] + self.urgency["urgent"]


@dataclass(frozen=True)
class Head:
    urgency_w: np.ndarray
    urgency_b: np.ndarray
    reply_w: np.ndarray
    reply_b: np.ndarray
    intent_w: np.ndarray
    intent_b: np.ndarray
    intents: tuple[str, ...]
    thresholds: dict[str, float]

    def score(self, vectors: np.ndarray) -> list[HeadScores]:
        urgency = softmax(vectors @ self.urgency_w + self.urgency_b)
        reply = softmax(vectors @ self.reply_w + self.reply_b)[:, 1]
        intent = softmax(vectors @ self.intent_w + self.intent_b)
        rows = []
        for i in range(len(vectors)):
            best = int(intent[i].argmax())
            rows.append(
                HeadScores(
                    {u: float(urgency[i, j]) for j, u in enumerate(URGENCIES)},
                    float(reply[i]),
                    self.intents[best],
                    float(intent[i, best]),
                )
            )
        return rows


@cache
def load_head() -> Head:
    """The committed head; raises FileNotFoundError if it was never built."""
    arrays = np.load(HEAD_FILE)
    manifest = json.loads(MANIFEST_FILE.read_text(encoding="utf-8"))
    return Head(
        arrays["urgency_w"],
        arrays["urgency_b"],
        arrays["reply_w"],
        arrays["reply_b"],
        arrays["intent_w"],
        arrays["intent_b"],
        tuple(manifest["intents"]),
        dict(manifest["thresholds"]),
    )
