"""Measure one rail on a labelled JSONL file and print one JSON object.

    python -m guardrails.evaluate --rail self_harm --data FILE.jsonl \
        [--positive flag|block|escalate] [--predictions OUT.jsonl] [--by FIELD] [--limit N] [--deid]
    python -m guardrails.evaluate --heldout [--limit N]

``--heldout`` measures each input rail (patterns and classifier together) on the
held-out writers' rows that chose the classifier's thresholds (see
``guardrails.train_classifier.VALIDATION``; and, as ``self_harm_es``, the Spanish
self-harm writer ``SPANISH_VALIDATION`` that chose nothing): recall, FPR and AUROC per
rail and positive mode, Spanish rows separately, and the multi-turn conversations;
beside them the classifier-only figures recorded in the manifest. ``emergency_asked``
is the emergency writer's rows with a patient's question added (``asked``).

Row shapes:

* ``{"text", "label"}``: the rail checks ``text``.
* ``{"turns": [...], "label"}``: the turns are one conversation's patient messages;
  the rail checks each with the earlier turns as history and the running RiskState
  (``risk.next_risk_state``). The prediction is the conversation's state after the
  last turn: open (``flag``) or escalated at any point (``escalate``).
* ``{"knowledge", "question", "response", "label"}``: an output-rail row; the rail
  checks ``response`` with the question and the knowledge as passage 1.

``--positive flag`` counts any action but ALLOW as positive (a person looks);
``block`` BLOCK or ESCALATE (the model does not answer: a refusal or a template);
``escalate`` only ESCALATE. AUROC comes from the verdict's score and is null when only one class is
present. Latency is per row, through the runner (normalisation included).

``--deid`` first runs each patient message through the de-identifier, as the chat did
before its input rails until 2026-12-06 (``chatbot.steps.deidentify``): the rails then
read typed surrogates ("[NAME_1]") where the message had names, dates or numbers, with
one surrogate map per conversation, and the latency includes the de-identifier. Without
it the rails read the patient's own words, as the chat's in-process input rails now do
(``chatbot.steps.check_input``).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from guardrails.base import Action, Passage, RailContext, RiskState, Verdict
from guardrails.risk import next_risk_state
from guardrails.runner import run_rails


def _positive(action: Action, mode: str) -> bool:
    if mode == "escalate":
        return action is Action.ESCALATE
    if mode == "block":
        return action.severity >= Action.BLOCK.severity
    return action is not Action.ALLOW


def predict_row(
    rail: str, row: dict[str, Any], mode: str, deid: Deid | None = None
) -> tuple[bool, Action, float]:
    """Return (prediction, most severe action, score) for one row; with ``deid``, the
    patient's messages are de-identified first."""
    read = _reader(deid)
    if "turns" in row:
        state = RiskState()
        history: tuple[str, ...] = ()
        escalated = False
        worst = Action.ALLOW
        score = 0.0
        for raw in row["turns"]:
            turn = read(raw)
            verdicts = run_rails([rail], turn, RailContext(history=history, risk=state))
            state = next_risk_state(state, verdicts)
            for v in verdicts:
                escalated |= v.action is Action.ESCALATE
                worst = max(worst, v.action, key=lambda a: a.severity)
                score = max(score, v.score)
            history = (*history, turn)
        pred = escalated if mode == "escalate" else (state.is_open or worst is not Action.ALLOW)
        return pred, worst, score
    if "knowledge" in row:
        context = RailContext(question=row.get("question", ""), passages=(Passage(1, "", row["knowledge"]),))
        text = row["response"]
    else:
        context = RailContext()
        text = read(row["text"])
    verdict: Verdict = run_rails([rail], text, context)[0]
    return _positive(verdict.action, mode), verdict.action, verdict.score


class Deid(Protocol):
    """What ``predict_row`` needs of ``deidentify.Deidentifier``."""

    def deidentify(self, text: str, surrogates: Any = None) -> Any: ...


def _reader(deid: Deid | None) -> Callable[[str], str]:
    """The text the rails read for each of one row's messages: the raw text, or the
    de-identified text with one surrogate map for the whole row (a conversation)."""
    if deid is None:
        return lambda text: text
    surrogates = None

    def read(text: str) -> str:
        nonlocal surrogates
        result = deid.deidentify(text, surrogates)
        surrogates = result.surrogates
        return str(result.text)

    return read


def _auroc(labels: list[int], scores: list[float]) -> float | None:
    if len(set(labels)) < 2:
        return None
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores))


def evaluate(
    rail: str,
    rows: Sequence[dict[str, Any]],
    mode: str = "flag",
    predictions: Path | None = None,
    by: str | None = None,
    deid: Deid | None = None,
) -> dict[str, Any]:
    """Return the metrics dict printed by the command; with ``by``, also recall and FPR
    for each value of that row field (``lang``, ``kind``, ``has_trigger``...)."""
    if rows:  # warm-up, so model loading does not count as latency
        predict_row(rail, rows[0], mode, deid)
    tp = fp = tn = fn = 0
    labels: list[int] = []
    scores: list[float] = []
    latencies: list[float] = []
    groups: dict[str, list[tuple[int, bool]]] = {}
    out = predictions.open("w", encoding="utf-8") if predictions else None
    try:
        for index, row in enumerate(rows):
            start = time.perf_counter()
            pred, action, score = predict_row(rail, row, mode, deid)
            latencies.append((time.perf_counter() - start) * 1000)
            label = int(row["label"])
            labels.append(label)
            scores.append(score)
            tp += pred and label == 1
            fp += pred and label == 0
            tn += (not pred) and label == 0
            fn += (not pred) and label == 1
            if by is not None:
                groups.setdefault(str(row.get(by)), []).append((label, pred))
            if out:
                record = {
                    "id": row.get("id", index),
                    "prediction": int(pred),
                    "action": action.value,
                    "score": round(score, 4),
                }
                out.write(json.dumps(record) + "\n")
    finally:
        if out:
            out.close()
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    report = {
        "rail": rail,
        "positive": mode,
        "deidentified": deid is not None,
        "n": len(rows),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "fpr": round(fp / (fp + tn), 4) if fp + tn else None,
        "auroc": None if (a := _auroc(labels, scores)) is None else round(a, 4),
        "latency_ms_p50": round(float(np.percentile(latencies, 50)), 2) if latencies else None,
        "latency_ms_p95": round(float(np.percentile(latencies, 95)), 2) if latencies else None,
        "confusion": {"tp": tp, "fp": fp, "tn": tn, "fn": fn},
    }
    if by is not None:
        report["by"] = {by: {value: _group_figures(pairs) for value, pairs in sorted(groups.items())}}
    return report


def _group_figures(pairs: Sequence[tuple[int, bool]]) -> dict[str, Any]:
    pos = [pred for label, pred in pairs if label == 1]
    neg = [pred for label, pred in pairs if label == 0]
    return {
        "n": len(pairs),
        "recall": round(sum(pos) / len(pos), 4) if pos else None,
        "fpr": round(sum(neg) / len(neg), 4) if neg else None,
    }


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Read a JSONL file; raises OSError or ValueError on a bad file."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


# (rail, positive mode, name) for the held-out report. A row's label is the same for
# every mode: a patient at risk (a passive wish included) is a positive for the crisis
# path and for the help tier alike.
HELDOUT_CHECKS: tuple[tuple[str, str, str], ...] = (
    ("self_harm", "escalate", "escalate"),
    ("self_harm", "flag", "help"),
    ("self_harm_es", "escalate", "escalate"),
    ("self_harm_es", "flag", "help"),
    ("conversation", "escalate", "escalate"),
    ("conversation", "flag", "help"),
    ("emergency", "escalate", "escalate"),
    ("emergency_asked", "escalate", "escalate"),
    ("injection", "block", "block"),
    ("injection", "flag", "flag"),
    ("scope", "flag", "flag"),
)


# Questions a frightened patient adds, none of them in an emergency training row or among
# the counterfactual copies' (``train_classifier.QUESTIONS``): until 2026-12-05
# the emergency head read a question as the absence of an emergency (README).
ASKED = (
    "any advice?", "is that something to worry about?", "do i go to urgent care or wait?",
    "what are my options?", "is it safe to stay home?", "do i need a doctor for this?",
    "should i drive there myself?", "is tylenol ok for now?",
)  # fmt: skip


def asked(rows: Sequence[dict[str, Any]], seed: int = 5) -> list[dict[str, Any]]:
    """``rows`` without a question of their own, each with one of ``ASKED`` after it."""
    rng = random.Random(seed)
    return [
        {**r, "text": r["text"].rstrip(".") + ". " + rng.choice(ASKED)} for r in rows if "?" not in r["text"]
    ]


def heldout_rows(rail: str) -> list[dict[str, Any]]:
    """The held-out writer's rows for ``rail``, with 0/1 labels."""
    from guardrails.classifier import HERE
    from guardrails.train_classifier import FILES, SPANISH_VALIDATION, VALIDATION

    train = HERE / "data" / "train"
    if rail == "self_harm_es":
        return read_rows(SPANISH_VALIDATION)
    if rail == "emergency_asked":
        return asked(heldout_rows("emergency"))
    if rail == "conversation":
        return [
            {"id": r["id"], "turns": r["turns"], "label": int(any(r["labels"])), "lang": r["lang"]}
            for r in read_rows(train / "cv.jsonl")
            if int(r["id"].split("-")[1]) % 4 == 0
        ]
    writer, _, lang = VALIDATION[rail].partition(":")
    assert writer in FILES[rail]
    return [r for r in read_rows(train / f"{writer}.jsonl") if not lang or r.get("lang", "en") == lang]


def heldout_report(limit: int | None = None) -> dict[str, Any]:
    """Each input rail on its held-out writer, all rows and Spanish rows apart."""
    from guardrails.classifier import manifest

    report: dict[str, Any] = {"rails": {}, "classifier_only": manifest()["heldout"]}
    for rail, mode, what in HELDOUT_CHECKS:
        rows = heldout_rows(rail)[:limit]
        name = {"conversation": "self_harm", "self_harm_es": "self_harm", "emergency_asked": "emergency"}.get(rail, rail)
        key = f"{rail}:{what}"
        report["rails"][key] = _brief(evaluate(name, rows, mode))
        spanish = [r for r in rows if r.get("lang") == "es"]
        if spanish and len(spanish) < len(rows):
            report["rails"][f"{key}:es"] = _brief(evaluate(name, spanish, mode))
    return report


def _brief(m: dict[str, Any]) -> dict[str, Any]:
    return {k: m[k] for k in ("n", "recall", "fpr", "auroc", "precision", "latency_ms_p50")}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m guardrails.evaluate", description=__doc__)
    parser.add_argument("--heldout", action="store_true", help="the input rails on the held-out writers")
    parser.add_argument("--rail")
    parser.add_argument("--data", type=Path)
    parser.add_argument("--positive", choices=("flag", "block", "escalate"), default="flag")
    parser.add_argument("--predictions", type=Path)
    parser.add_argument("--by", help="also report recall and FPR per value of this row field")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--deid", action="store_true", help="de-identify each message first, as the chat did before its rails until 2026-12-06")
    args = parser.parse_args(argv)
    if args.heldout:
        print(json.dumps(heldout_report(args.limit)))
        return 0
    if not args.rail or not args.data:
        parser.error("--rail and --data are required (or --heldout)")
    rows = read_rows(args.data)[: args.limit]
    deid = None
    if args.deid:
        from deidentify import get_deidentifier  # Presidio and spaCy load with it

        deid = get_deidentifier()
    print(json.dumps(evaluate(args.rail, rows, args.positive, args.predictions, args.by, deid)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
