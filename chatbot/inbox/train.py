"""Fit the triage head: ``python -m chatbot.inbox.train``. Deterministic (seeded).

Reads ``chatbot/data/portal_train/{pta,ptb}.jsonl`` (our own labelled portal messages:
text, urgency, reply_needed, intent), embeds them with the local MiniLM, fits three
L2-regularised softmax regressions by full-batch gradient descent, and picks the
thresholds by 5-fold cross-validation on the same rows (never on a benchmark set):

* ``not_routine``: the smallest P(emergent)+P(urgent) cut that keeps out-of-fold recall
  of emergent+urgent at ``TARGET_RECALL`` — recall first, as the issue asks;
* ``emergent``: likewise for emergent alone;
* ``no_reply``: P(reply needed) below which a routine message is judged to need no
  reply, chosen so that out-of-fold at most ``MAX_MISSED_REPLY`` of messages that do
  need one are judged not to.

Writes ``chatbot/inbox/data/triage_head.npz`` and ``triage_head.json`` (the data's
sha256, the thresholds, the counts) and prints what it built.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from chatbot.inbox.head import HEAD_FILE, MANIFEST_FILE, TRAIN_DIR, URGENCIES, softmax

SEED = 12
L2 = 1e-4
STEPS = 3000
LEARNING_RATE = 4.0
FOLDS = 5
TARGET_RECALL = 0.99
MAX_MISSED_REPLY = 0.02
# Intents with fewer rows than this are folded into "other": too few to learn from.
MIN_INTENT_ROWS = 15


def data_files() -> list[Path]:
    return sorted(TRAIN_DIR.glob("*.jsonl"))


def data_hash(files: Sequence[Path] | None = None) -> str:
    digest = hashlib.sha256()
    for path in files or data_files():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def load_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for path in data_files():
        rows.extend(
            json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
        )
    return rows


def fit_softmax(x: np.ndarray, y: np.ndarray, classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Class-balanced multinomial logistic regression; returns (weights, bias)."""
    n, d = x.shape
    w = np.zeros((d, classes), dtype=np.float64)
    b = np.zeros(classes, dtype=np.float64)
    onehot = np.eye(classes)[y]
    counts = np.bincount(y, minlength=classes).astype(np.float64)
    sample_weight = (n / (classes * np.clip(counts, 1, None)))[y][:, None]
    for _ in range(STEPS):
        p = softmax(x @ w + b)
        grad = (p - onehot) * sample_weight / n
        w -= LEARNING_RATE * (x.T @ grad + L2 * w)
        b -= LEARNING_RATE * grad.sum(axis=0)
    return w.astype(np.float32), b.astype(np.float32)


def recall_threshold(scores: np.ndarray, positive: np.ndarray, target: float) -> float:
    """The largest cut that keeps recall of ``positive`` at ``target`` or more."""
    positives = np.sort(scores[positive])
    allowed_misses = int(np.floor((1 - target) * len(positives)))
    return float(positives[allowed_misses]) if len(positives) else 0.5


def main(argv: Sequence[str] = ()) -> int:
    from guardrails.embeddings import embed

    rows = load_rows()
    texts = [str(r["text"]) for r in rows]
    urgency = np.array([URGENCIES.index(str(r["urgency"])) for r in rows])
    reply = np.array([1 if r["reply_needed"] else 0 for r in rows])
    intent_counts = Counter(str(r.get("intent") or "other") for r in rows)
    intents = sorted(i for i, c in intent_counts.items() if c >= MIN_INTENT_ROWS)
    if "other" not in intents:
        intents.append("other")
    intent = np.array(
        [
            intents.index(str(r.get("intent"))) if r.get("intent") in intents else intents.index("other")
            for r in rows
        ]
    )
    print(f"embedding {len(texts)} rows ...", file=sys.stderr)
    x = embed(texts).astype(np.float64)

    # Out-of-fold probabilities for the thresholds.
    order = np.random.default_rng(SEED).permutation(len(rows))
    folds = np.array_split(order, FOLDS)
    oof_urgency = np.zeros((len(rows), 3))
    oof_reply = np.zeros(len(rows))
    for fold in folds:
        train = np.setdiff1d(order, fold)
        w, b = fit_softmax(x[train], urgency[train], 3)
        oof_urgency[fold] = softmax(x[fold] @ w + b)
        w, b = fit_softmax(x[train], reply[train], 2)
        oof_reply[fold] = softmax(x[fold] @ w + b)[:, 1]
    not_routine = oof_urgency[:, 0] + oof_urgency[:, 1]
    thresholds = {
        "not_routine": recall_threshold(not_routine, urgency != 2, TARGET_RECALL),
        "emergent": recall_threshold(oof_urgency[:, 0], urgency == 0, 0.95),
        "no_reply": recall_threshold(oof_reply, reply == 1, 1 - MAX_MISSED_REPLY),
    }
    flagged = not_routine >= thresholds["not_routine"]
    oof = {
        "recall_emergent_urgent": float(flagged[urgency != 2].mean()),
        "routine_precision": float((urgency[~flagged] == 2).mean()) if (~flagged).any() else 0.0,
        "routine_kept_routine": float((~flagged)[urgency == 2].mean()),
        "reply_accuracy": float(((oof_reply >= thresholds["no_reply"]) == (reply == 1)).mean()),
    }

    uw, ub = fit_softmax(x, urgency, 3)
    rw, rb = fit_softmax(x, reply, 2)
    iw, ib = fit_softmax(x, intent, len(intents))
    HEAD_FILE.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        HEAD_FILE, urgency_w=uw, urgency_b=ub, reply_w=rw, reply_b=rb, intent_w=iw, intent_b=ib
    )
    manifest = {
        "data_sha256": data_hash(),
        "files": [p.name for p in data_files()],
        "rows": len(rows),
        "urgency_counts": {u: int((urgency == i).sum()) for i, u in enumerate(URGENCIES)},
        "reply_needed": int(reply.sum()),
        "intents": intents,
        "seed": SEED,
        "thresholds": {k: round(v, 6) for k, v in thresholds.items()},
        "out_of_fold": {k: round(v, 4) for k, v in oof.items()},
    }
    MANIFEST_FILE.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(manifest, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
