"""Train the own-record detector (``chatbot.record_questions``) and write its model file.

    python -m chatbot.knowledge.train_record [--decisions] [--out FILE]
    python -m chatbot.knowledge.train_record [--decisions] --evaluate FILE.jsonl

``--decisions`` trains (or scores) the second detector, of questions only the patient's
clinician can decide (``record_questions.decisions``), from ``questions/decision_*.jsonl``
(two writers, ``questions/BRIEF_record_decisions.md``: half the patient's own dose, an
extra dose, stopping a medicine, which prescription, what they have; half general
questions that read alike) into ``chatbot/data/decision_questions.json``, the same way.

``--evaluate`` scores the committed model on a labelled file of the same row shape
(recall, false-positive rate, by language and by kind) and trains nothing; with
``--both``, the two detectors as the pipeline asks them (either one sends the question
to the care team).

Rows: ``questions/record_*.jsonl`` (``{"id", "question", "label", "kind", "lang"}``; label
1 = only the patient's own record answers it), one file per writer, written from
``questions/BRIEF_record.md``; and every question of the question bank
(``relevance.BANK_FILES``) as a negative: a starter article answers each of them.

The threshold is chosen on text the fit never saw. Each writer's rows are scored by a
fit on the other writers' rows (and the bank), and the bank's questions by a fit
without their fold of articles. The threshold is the lowest at which at most
``MAX_BANK_FPR`` of the bank's questions and ``MAX_WRITER_FPR`` of the writers'
look-alike negatives would be sent to the care team: a question sent there unanswered
costs the patient an answer the articles hold, while a record question let through
still meets the relevance gate. Prints those held-out figures as JSON, then fits on
everything.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from chatbot.knowledge.train_relevance import EmbeddingCache, _fold, files_sha256, glossary_files
from chatbot.record_questions import DECISIONS_FILE, MODEL_FILE, RecordModel, terms, tfidf
from chatbot.relevance import BANK_FILES, english_question

QUESTIONS = Path(__file__).resolve().parent / "questions"
RECORD_FILES = sorted(QUESTIONS.glob("record_*.jsonl"))
DECISION_FILES = sorted(QUESTIONS.glob("decision_*.jsonl"))
MAX_BANK_FPR = 0.01
MAX_WRITER_FPR = 0.05
# Held out by writer, C = 3 kept 0.77 of the record questions (C = 1: 0.75, 10: 0.78,
# whose weights grow large on rare word pairs); a term must be in two questions.
C = 3.0
MIN_DF = 2
FOLDS = 5


def data_sha256(files: Sequence[Path] = RECORD_FILES) -> str:
    """The hash of everything a detector is trained on (its writers' files, the bank and
    the glossary a Spanish question is read through)."""
    return files_sha256([*files, *BANK_FILES, *glossary_files()])


def _rows(files: Sequence[Path]) -> list[dict[str, Any]]:
    rows = []
    for path in files:
        writer = path.stem
        for line in path.open(encoding="utf-8"):
            if line.strip():
                row = json.loads(line)
                rows.append(
                    {
                        "text": row["question"],
                        "label": int(row["label"]),
                        "group": writer,
                        "lang": row.get("lang", "en"),
                        "kind": row.get("kind", ""),
                    }
                )
    for path in BANK_FILES:
        for line in path.open(encoding="utf-8"):
            if line.strip():
                row = json.loads(line)
                rows.append(
                    {
                        "text": row["question"],
                        "label": 0,
                        "group": f"bank{_fold(row['slug'], FOLDS)}",
                        "lang": "en",
                        "kind": "bank",
                    }
                )
    return rows


class Featurizer:
    """The TF-IDF vocabulary of a set of training questions, and the features
    (MiniLM vector, then TF-IDF terms) of any questions, as ``RecordModel`` reads them."""

    def __init__(self, texts: Sequence[str]) -> None:
        df: dict[str, int] = {}
        for text in texts:
            for term in set(terms(text)):
                df[term] = df.get(term, 0) + 1
        kept = sorted(t for t, c in df.items() if c >= MIN_DF)
        self.vocabulary = {t: i for i, t in enumerate(kept)}
        n = len(texts)
        self.idf = tuple(float(np.log((1 + n) / (1 + df[t])) + 1.0) for t in kept)

    def __call__(self, texts: Sequence[str], vectors: np.ndarray) -> Any:
        from scipy.sparse import csr_matrix, hstack

        data, rows, cols = [], [], []
        for r, text in enumerate(texts):
            for c, value in tfidf(text, self.vocabulary, self.idf).items():
                rows.append(r)
                cols.append(c)
                data.append(value)
        words = csr_matrix((data, (rows, cols)), shape=(len(texts), len(self.vocabulary)))
        return hstack([csr_matrix(vectors), words]).tocsr()


def fit(
    texts: Sequence[str], vectors: np.ndarray, y: np.ndarray, threshold: float, digest: str
) -> RecordModel:
    from sklearn.linear_model import LogisticRegression

    featurize = Featurizer(texts)
    clf = LogisticRegression(C=C, max_iter=4000, class_weight="balanced")
    clf.fit(featurize(texts, vectors), y)
    dim = vectors.shape[1]
    coef = clf.coef_[0].astype(np.float32)
    return RecordModel(
        weights=coef[:dim],
        term_weights=coef[dim:],
        vocabulary=featurize.vocabulary,
        idf=featurize.idf,
        bias=float(clf.intercept_[0]),
        threshold=threshold,
        data_sha256=digest,
    )


def _probabilities(model: RecordModel, texts: Sequence[str], vectors: np.ndarray) -> np.ndarray:
    return np.array([model.probability(t, v) for t, v in zip(texts, vectors, strict=True)])


def held_out_scores(texts: Sequence[str], x: np.ndarray, y: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Each row's probability from a fit that never saw its group (writer, or fold of
    bank articles): a writer's fit keeps every bank fold, a bank fold's every writer."""
    scores = np.zeros(len(y))
    for group in np.unique(groups):
        mask = groups == group
        train = np.where(~mask)[0]
        model = fit([texts[i] for i in train], x[train], y[train], 0.5, "")
        held = np.where(mask)[0]
        scores[held] = _probabilities(model, [texts[i] for i in held], x[held])
    return scores


def choose_threshold(scores: np.ndarray, y: np.ndarray, bank: np.ndarray) -> float:
    """The lowest threshold within both false-positive caps."""
    bank_cap = float(np.quantile(scores[bank], 1 - MAX_BANK_FPR))
    writer_negatives = scores[(y == 0) & ~bank]
    writer_cap = float(np.quantile(writer_negatives, 1 - MAX_WRITER_FPR)) if len(writer_negatives) else 0.0
    return max(bank_cap, writer_cap, 0.5)


def report(scores: np.ndarray, rows: Sequence[dict[str, Any]], threshold: float) -> dict[str, Any]:
    predicted = scores >= threshold
    y = np.array([r["label"] for r in rows])
    bank = np.array([r["kind"] == "bank" for r in rows])

    def rate(mask: np.ndarray) -> float | None:
        return round(float(predicted[mask].mean()), 4) if mask.any() else None

    out: dict[str, Any] = {
        "threshold": round(threshold, 4),
        "recall": rate(y == 1),
        "writer_negative_fpr": rate((y == 0) & ~bank),
        "bank_fpr": rate(bank),
        "positives": int((y == 1).sum()),
        "writer_negatives": int(((y == 0) & ~bank).sum()),
        "bank": int(bank.sum()),
    }
    for lang in ("en", "es"):
        mask = np.array([r.get("lang", "en") == lang for r in rows]) & ~bank
        out[f"recall_{lang}"] = rate(mask & (y == 1))
        out[f"writer_negative_fpr_{lang}"] = rate(mask & (y == 0))
    return out


def evaluate(path: Path, which: str = "record") -> dict[str, Any]:
    """The committed model's figures on a labelled file (nothing is fitted): the record
    detector, the decision detector, or ``both`` as the pipeline asks them
    (``record_questions.needs_care_team``)."""
    from chatbot import record_questions
    from guardrails.embeddings import embed

    rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    for row in rows:
        row["kind"] = row.get("kind", "")
    texts = [english_question(r["question"]) for r in rows]
    vectors = embed(texts)
    if which == "both":
        predicted = np.array([record_questions.needs_care_team(t, v) for t, v in zip(texts, vectors, strict=True)])
        figures = report(predicted.astype(float), rows, 0.5)
        figures["threshold"] = None
    else:
        detector = record_questions.decisions() if which == "decisions" else record_questions.model()
        scores = _probabilities(detector, texts, vectors)
        figures = report(scores, rows, detector.threshold)
        predicted = scores >= detector.threshold
    by_kind: dict[str, dict[str, Any]] = {}
    for kind in sorted({r["kind"] for r in rows}):
        mask = np.array([r["kind"] == kind for r in rows])
        by_kind[kind] = {"n": int(mask.sum()), "sent_to_care_team": round(float(predicted[mask].mean()), 4)}
    return {"data": str(path), **figures, "by_kind": by_kind}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--decisions", action="store_true", help="the clinician-decision detector")
    parser.add_argument("--both", action="store_true", help="with --evaluate: both detectors, as the pipeline asks")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--evaluate", type=Path, default=None, help="score the committed model on this file")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if args.evaluate:
        which = "both" if args.both else "decisions" if args.decisions else "record"
        print(json.dumps(evaluate(args.evaluate, which), indent=1))
        return
    files = DECISION_FILES if args.decisions else RECORD_FILES
    out = args.out or (DECISIONS_FILE if args.decisions else MODEL_FILE)
    if len(files) < 2:
        raise SystemExit("need at least two writers' files to choose a threshold")
    from guardrails.embeddings import embed

    rows = _rows(files)
    cache = EmbeddingCache(embed)
    texts = [english_question(r["text"]) for r in rows]
    x = cache(texts)
    cache.save()
    y = np.array([r["label"] for r in rows])
    groups = np.array([r["group"] for r in rows])
    bank = np.array([r["kind"] == "bank" for r in rows])
    scores = held_out_scores(texts, x, y, groups)
    threshold = choose_threshold(scores, y, bank)
    held_out = report(scores, rows, threshold)
    print(json.dumps({"held_out": held_out}, indent=1))
    model = fit(texts, x, y, threshold, data_sha256(files))
    out.write_text(json.dumps({**model.to_dict(), "held_out": held_out}) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
