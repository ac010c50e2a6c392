"""Answer benchmark: does the extractive answering path answer what it should, with
the key facts, and decline the rest?

    python -m benchmarks.answers --data benchmarks/data/answers_dev.jsonl [--predictions OUT] [--baseline REF]

Rows: ``{"id", "question", "expect": "answer"|"decline", "keywords": [...]}``. A keyword
may list alternatives as ``"a|b"``; matching is case-insensitive. The knowledge base
is the starter articles (``chatbot/knowledge/starter/``), chunked and retrieved as
``steps.retrieve`` does (the best chunk of each of the top ``RETRIEVAL_TOP_K``
articles, cosine >= 0.2), then passed through the real steps: the own-record detector
(``record_questions``, as ``steps.route_record_question`` calls it: a question it
routes to the care team is a decline), the relevance gate
(``relevance.gate``, as ``steps.keep_relevant`` calls it; retrieval and the gate read
a Spanish question in English, ``relevance.english_question``) and ``answering.answer``
with no model configured, given the best accepted passage's whole article as
``steps.read_article`` gives it. De-identification is not run (the rows carry no PHI).

``--input-rails`` runs the input rails first, as the chat does (``guardrails.runner``
with ``INPUT_RAILS``, the functions NeMo Guardrails calls; ``chatbot.policy.decide``;
``steps.template_or_preface``): a question they answer with a template in place of an
answer (a crisis, an emergency, urgent-care advice, a refusal, a scope redirect, a rail
error) counts as declined, and a notice they say before the answer is part of its text.
That is what a patient gets; without it, the figures are the answering path's alone.

Figures (JSON):
- ``answered_relevant``: of the rows that expect an answer, answered with every keyword;
- ``off_target``: of the rows that expect an answer, answered without them (cited, wrong);
- ``declined_wrongly``: of the rows that expect an answer, declined;
- ``decline_accuracy``: of the rows that expect a decline, declined; ``answered_should_decline`` the rest;
- ``declined``: share of all rows declined;
- ``record_routed``: share of all rows sent to the care team as questions about the patient's own record,
  and ``record_routed_expect_answer``: of the rows that expect an answer;
- ``grade_median``/``grade_max``, ``words_median``/``words_max`` of the answers given;
- ``latency_ms``: p50/p95 of the relevance gate plus composition (retrieval apart), on a warm process.

``--max-words N`` and ``--max-units N`` run the current tree with the extractive length
cap set to ``N`` in place of ``chatbot.extractive.MAX_WORDS`` and ``MAX_UNITS`` (the
baseline keeps its own), so that each point of the grid the cap was chosen from is one
command; the report names the cap it ran with (``length_cap``).

``--baseline REF`` also runs git ``REF``'s whole answering path (its retrieval, gate,
model file and extractive answer, e.g. ``main``) on the same rows, in a copy of that
tree (``git archive``) run by this interpreter right after the current one, for a
comparison under the same load; the MiniLM files are shared (``GUARDRAILS_MODEL_DIR``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
STARTER = REPO / "chatbot" / "knowledge" / "starter"
MIN_SCORE = 0.2


def keyword_hit(keyword: str, text: str) -> bool:
    lowered = " ".join(text.lower().split())
    return any(" ".join(alt.lower().split()) in lowered for alt in keyword.split("|") if alt.strip())


def score(rows: Sequence[dict[str, Any]], predictions: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The figures for ``predictions`` (``{"answered": bool, "text": str, ...}``, one per row)."""
    expect_answer = [(r, p) for r, p in zip(rows, predictions, strict=True) if r["expect"] == "answer"]
    expect_decline = [(r, p) for r, p in zip(rows, predictions, strict=True) if r["expect"] == "decline"]
    relevant = sum(
        p["answered"] and all(keyword_hit(k, p["text"]) for k in r["keywords"]) for r, p in expect_answer
    )
    answered = sum(p["answered"] for _, p in expect_answer)
    declined_right = sum(not p["answered"] for _, p in expect_decline)
    given = [p for p in predictions if p["answered"]]
    n_a, n_d = max(len(expect_answer), 1), max(len(expect_decline), 1)
    latencies = [p["latency_ms"] for p in predictions if p.get("latency_ms") is not None] or [0.0]
    return {
        "rows": len(rows),
        "expect_answer": len(expect_answer),
        "expect_decline": len(expect_decline),
        "answered_relevant": round(relevant / n_a, 4),
        "off_target": round((answered - relevant) / n_a, 4),
        "declined_wrongly": round((len(expect_answer) - answered) / n_a, 4),
        "decline_accuracy": round(declined_right / n_d, 4),
        "answered_should_decline": round((len(expect_decline) - declined_right) / n_d, 4),
        "declined": round(sum(not p["answered"] for p in predictions) / max(len(predictions), 1), 4),
        "record_routed": round(
            sum(bool(p.get("record_question")) for p in predictions) / max(len(predictions), 1), 4
        ),
        "record_routed_expect_answer": round(
            sum(bool(p.get("record_question")) for _, p in expect_answer) / n_a, 4
        ),
        "grade_median": round(statistics.median(p["grade"] for p in given), 1) if given else None,
        "grade_max": round(max(p["grade"] for p in given), 1) if given else None,
        "words_median": statistics.median(p["words"] for p in given) if given else None,
        "words_max": max(p["words"] for p in given) if given else None,
        "latency_ms": {
            "p50": round(float(np.percentile(latencies, 50)), 2),
            "p95": round(float(np.percentile(latencies, 95)), 2),
        },
    }


def _index(chunks: Sequence[tuple[str, str, str]], embed: Callable[[list[str]], np.ndarray]) -> np.ndarray:
    """Chunk vectors, cached in ``var/`` by text (the same vectors, not re-encoded each run)."""
    texts = [f"{title}: {text}" if title else text for _, title, text in chunks]
    cache_file = REPO / "var" / "answers_benchmark_embeddings.npz"
    memo: dict[str, np.ndarray] = {}
    if cache_file.exists():
        stored = np.load(cache_file, allow_pickle=False)
        memo.update(zip(stored["texts"].tolist(), stored["vectors"], strict=True))
    missing = [t for t in dict.fromkeys(texts) if t not in memo]
    if missing:
        memo.update(zip(missing, embed(missing), strict=True))
        cache_file.parent.mkdir(exist_ok=True)
        np.savez(cache_file, texts=np.array(list(memo)), vectors=np.stack(list(memo.values())))
    return np.stack([memo[t] for t in texts])


def _retrieve(
    q_vec: np.ndarray, chunks: Sequence[tuple[str, str, str]], matrix: np.ndarray, top_k: int
) -> list[Any]:
    """What ``steps.retrieve`` returns (``relevance.passages_from`` over the top hits, and
    the best two chunks of the article ``relevance.proposed_article`` names, as
    ``knowledge.index.proposed`` gives them); the passage's ``url`` carries the article's
    slug here."""
    from chatbot.relevance import CHUNKS_PER_PASSAGE, Found, passages_from, proposed_article

    scores = matrix @ q_vec
    order = np.argsort(-scores, kind="stable")
    found = [
        Found(chunks[i][1], chunks[i][0], chunks[i][2], float(scores[i]), int(i))
        for i in order[: top_k * 3]
        if scores[i] >= MIN_SCORE
    ]
    title = proposed_article(q_vec)
    proposed = [
        Found(chunks[i][1], chunks[i][0], chunks[i][2], float(scores[i]), int(i)) for i in order if chunks[i][1] == title
    ]
    return passages_from(found, top_k=top_k, proposed=proposed[:CHUNKS_PER_PASSAGE])


def check_length_cap(max_words: int | None, max_units: int | None) -> None:
    """Raises ValueError unless each value given is at least 1."""
    if any(value is not None and value < 1 for value in (max_words, max_units)):
        raise ValueError("a length cap must be at least 1")


@contextlib.contextmanager
def length_cap(max_words: int | None = None, max_units: int | None = None) -> Iterator[dict[str, int]]:
    """The extractive length cap, ``MAX_WORDS`` and ``MAX_UNITS``, set to the values given
    (the committed ones where None) for the duration; yields the cap in force."""
    from chatbot import extractive

    check_length_cap(max_words, max_units)
    saved = extractive.MAX_WORDS, extractive.MAX_UNITS
    extractive.MAX_WORDS = saved[0] if max_words is None else max_words
    extractive.MAX_UNITS = saved[1] if max_units is None else max_units
    try:
        yield {"max_words": extractive.MAX_WORDS, "max_units": extractive.MAX_UNITS}
    finally:
        extractive.MAX_WORDS, extractive.MAX_UNITS = saved


def rails_first(question: str) -> tuple[str, str | None, str]:
    """What the input rails do before any answer, as ``steps.answer_from_template``
    does: ``(outcome, template, preface)``. ``outcome`` is the decision's route and lead
    category ("answer" when nothing acted); ``template`` the text that replaces the answer,
    or None; ``preface`` the notice said before it, or ""."""
    from chatbot import policy
    from chatbot.policy import Route
    from chatbot.steps import template_or_preface, urgent_reply
    from guardrails.base import RailContext
    from guardrails.registry import INPUT_RAILS
    from guardrails.runner import run_rails

    decision = policy.decide(run_rails(INPUT_RAILS, question, RailContext()))
    outcome = f"{decision.route.value}:{decision.reason}" if decision.lead is not None else "answer"
    if decision.route is Route.ANSWER:
        return outcome, None, ""
    if decision.route is Route.URGENT:
        return outcome, urgent_reply(decision, question), ""
    if decision.route is Route.FAIL:
        return outcome, "failed", ""
    template, preface = template_or_preface(decision, question)
    return outcome, template, preface


def run_current(
    rows: Sequence[dict[str, Any]], embed: Callable[[list[str]], np.ndarray], input_rails: bool = False
) -> list[dict[str, Any]]:
    from django.conf import settings

    from chatbot import answering, record_questions, relevance
    from chatbot.chunking import chunk_document
    from chatbot.extractive import grade
    from chatbot.knowledge.sources import markdown_documents
    from chatbot.turns import Deidentified

    documents = list(markdown_documents(STARTER))
    chunks = [(d.slug, d.title, c.text) for d in documents for c in chunk_document(d.title, d.text)]
    matrix = _index(chunks, embed)
    # What ``steps.read_article`` returns: a document's chunks in order, by slug here.
    articles: dict[str, str] = {}
    for slug, _, text in chunks:
        articles[slug] = f"{articles[slug]}\n\n{text}" if slug in articles else text
    predictions: list[dict[str, Any]] = []
    for warm in (True, False):  # the first pass fills the passage-side cache, as a running process has
        predictions = []
        for row in rows:
            outcome, template, preface = rails_first(row["question"]) if input_rails else ("", None, "")
            if template is not None:  # the rails answered in place of an answer
                predictions.append(
                    {"id": row["id"], "answered": False, "text": template, "rails": outcome, "latency_ms": None}
                )
                continue
            relevance.question_vector.cache_clear()
            # steps.retrieve and the detectors read the question in English (a Spanish one
            # through the glossary)
            question = relevance.english_question(row["question"])
            q_vec = relevance.question_vector(question)
            passages = _retrieve(q_vec, chunks, matrix, settings.RETRIEVAL_TOP_K)
            deid = Deidentified(row["question"], None)
            t0 = time.perf_counter()
            # steps.route_record_question: a question about the patient's own record is declined
            record = record_questions.needs_care_team(question, q_vec)
            judgement = relevance.gate(deid.text, passages if not record else [])
            accepted = list(judgement.accepted)
            article = articles[accepted[0].url] if accepted else ""
            answer = asyncio.run(answering.answer(None, deid, accepted, article))  # type: ignore[arg-type]
            elapsed = (time.perf_counter() - t0) * 1000
            answered = bool(answer.citations)
            cited = {c["number"] for c in answer.citations}
            predictions.append(
                {
                    "id": row["id"],
                    "answered": answered,
                    "text": f"{preface}\n\n{answer.text}" if preface else answer.text,
                    "rails": outcome,
                    "cited": [p.url for p in passages if p.number in cited],
                    "retrieved": [p.url for p in passages],
                    "actions": list(answer.actions),
                    "record_question": record,
                    "gate_best": round(max(judgement.probabilities, default=0.0), 4),
                    "grade": grade(answer.text) if answered else None,
                    "words": len(answer.text.split()),
                    "latency_ms": elapsed,
                }
            )
        if not warm:
            break
    return predictions


def run_baseline(data: Path, ref: str, input_rails: bool = False) -> dict[str, Any]:
    """``ref``'s own ``benchmarks.answers`` on ``data``, in a copy of that tree: its
    figures. Raises CalledProcessError when ``ref`` has no such benchmark or it fails."""
    from guardrails.embeddings import MODEL_DIR

    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(["git", "archive", ref], cwd=REPO, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", folder], input=archive.stdout, check=True)
        cache = REPO / "var" / "answers_benchmark_embeddings.npz"
        if cache.exists():  # the same texts, the same vectors: not encoded again
            (Path(folder) / "var").mkdir()
            shutil.copy(cache, Path(folder) / "var" / cache.name)
        env = {**os.environ, "GUARDRAILS_MODEL_DIR": str(MODEL_DIR), "PYTHONPATH": folder}
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.answers",
                "--data",
                str(data.resolve()),
                *(["--input-rails"] if input_rails else []),
            ],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
    report: dict[str, Any] = json.loads(run.stdout[run.stdout.index("{") :])
    return dict(report["current"])


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Answer relevance benchmark (extractive mode).")
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--predictions", type=Path, default=None, help="write one JSON line per row here")
    parser.add_argument(
        "--baseline", default=None, help="also run this git ref's extractive path (e.g. main)"
    )
    parser.add_argument(
        "--input-rails", action="store_true", help="run the input rails first, as the chat does"
    )
    parser.add_argument("--max-words", type=int, default=None, help="the extractive MAX_WORDS for this run")
    parser.add_argument("--max-units", type=int, default=None, help="the extractive MAX_UNITS for this run")
    args = parser.parse_args(argv)
    try:  # before the minutes of start-up that ``length_cap`` would otherwise fail after
        check_length_cap(args.max_words, args.max_units)
    except ValueError as error:
        parser.error(f"--max-words and --max-units: {error}")

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["LLM_BACKEND"] = "extractive"
    import django

    django.setup()
    from guardrails.embeddings import embed

    rows = [json.loads(line) for line in args.data.open(encoding="utf-8") if line.strip()]
    embed(["warm up"])
    load = os.getloadavg()
    report: dict[str, Any] = {"data": str(args.data), "load_average": [round(x, 2) for x in load]}
    with length_cap(args.max_words, args.max_units) as cap:
        predictions = run_current(rows, embed, input_rails=args.input_rails)
    report["current"] = score(rows, predictions)
    report["current"]["length_cap"] = cap
    if args.input_rails:
        report["current"]["rails_outcomes"] = dict(Counter(p["rails"] for p in predictions))
    if args.baseline:
        report[f"baseline_{args.baseline}"] = run_baseline(args.data, args.baseline, args.input_rails)
    if args.predictions:
        with args.predictions.open("w", encoding="utf-8") as out:
            for row, prediction in zip(rows, predictions, strict=True):
                out.write(json.dumps({**row, **prediction}) + "\n")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
