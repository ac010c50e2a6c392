"""Measure the grounding rail on MedHallu (``grounding/medhallu_dev.jsonl``).

    python -m benchmarks.grounding [--data PATH] [--tune] [--latency]

Reports AUROC and F1 (prediction = action != ALLOW) on the full file, on the odd
pair_ids (held out: nothing was tuned on them) and on length-matched pairs (the two
answers of a pair differ in length by < 20%), next to the trivial length baseline.
``--tune`` fits the answer model's weights and the thresholds on the EVEN pair_ids only and
prints them for ``guardrails/grounding.py``. The data are read, never copied.

Token encodings of the benchmark's sentences are cached under ``var/`` (gitignored, token
vectors stored as float16) so iterating does not re-encode; ``--latency`` times the rail
with the real encoder, one thread, and no cache.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from guardrails import grounding
from guardrails.base import Action, Passage, RailContext

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = Path(os.environ.get("BENCHMARKS_DIR", REPO.parent / "shared" / "benchmarks")) / (
    "grounding/medhallu_dev.jsonl"
)
CACHE = REPO / "var" / "embed_cache"


def auroc(labels: list[int], scores: list[float]) -> float:
    """Rank-based AUROC (ties count half); 0.5 when one class is missing."""
    pos = [s for s, y in zip(scores, labels, strict=True) if y == 1]
    neg = [s for s, y in zip(scores, labels, strict=True) if y == 0]
    if not pos or not neg:
        return 0.5
    order = np.argsort(np.array(pos + neg), kind="mergesort")
    values = np.array(pos + neg)[order]
    ranks = np.empty(len(values))
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[j + 1] == values[i]:
            j += 1
        ranks[i : j + 1] = (i + j) / 2 + 1
        i = j + 1
    rank_of = np.empty(len(values))
    rank_of[order] = ranks
    pos_ranks = rank_of[: len(pos)].sum()
    return float((pos_ranks - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def f1(labels: list[int], predictions: list[int]) -> float:
    tp = sum(1 for y, p in zip(labels, predictions, strict=True) if y == 1 and p == 1)
    fp = sum(1 for y, p in zip(labels, predictions, strict=True) if y == 0 and p == 1)
    fn = sum(1 for y, p in zip(labels, predictions, strict=True) if y == 1 and p == 0)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def load(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def install_disk_cache() -> None:
    """Wrap the rail's token encoder with an on-disk cache (benchmark iteration only)."""
    from guardrails.token_embeddings import TokenEncoding

    CACHE.mkdir(parents=True, exist_ok=True)
    store_path = CACHE / "minilm_int8_tokens.pkl"
    store: dict[str, tuple[tuple[str, ...], np.ndarray, np.ndarray]] = {}
    if store_path.exists():
        with store_path.open("rb") as handle:
            store = pickle.load(handle)  # noqa: S301 - our own cache file, written below
    real = grounding.encode
    size = len(store)

    def cached(texts: list[str]) -> list[TokenEncoding]:
        keys = [hashlib.sha256(t.encode()).hexdigest() for t in texts]
        missing = [t for t, k in zip(texts, keys, strict=True) if k not in store]
        for t, e in zip(missing, real(missing), strict=True):
            store[hashlib.sha256(t.encode()).hexdigest()] = (
                e.pieces,
                e.vectors.astype(np.float16),
                e.sentence,
            )
        return [TokenEncoding(store[k][0], store[k][1].astype(np.float32), store[k][2]) for k in keys]

    grounding.encode = cached  # type: ignore[assignment]
    import atexit

    def save() -> None:
        if len(store) != size:
            with store_path.open("wb") as handle:
                pickle.dump(store, handle)

    atexit.register(save)


def context_for(row: dict[str, Any]) -> RailContext:
    # The same context guardrails/evaluate.py builds for rows with knowledge.
    return RailContext(question=row["question"], passages=(Passage(1, "", row["knowledge"]),))


def features(row: dict[str, Any]) -> list[float]:
    """The pooled features ``ANSWER_WEIGHTS`` apply to (for --tune)."""
    ctx = context_for(row)
    sups = grounding.check_sentences(row["response"], ctx)
    if not any(s.is_claim for s in sups):
        return [0.0] * len(grounding.ANSWER_WEIGHTS)
    return grounding.answer_features(sups, ctx)


def report(rows: list[dict[str, Any]]) -> dict[str, float]:
    rail = grounding.GroundingRail()
    scores, preds, labels, lengths = [], [], [], []
    for row in rows:
        verdict = rail.check(row["response"], context_for(row))
        scores.append(verdict.score)
        preds.append(int(verdict.action is not Action.ALLOW))
        labels.append(int(row["label"]))
        lengths.append(len(row["response"].split()))
    pairs: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        pairs.setdefault(row["pair_id"], []).append(i)
    matched: set[int] = set()
    for idx in pairs.values():
        if len(idx) == 2:
            a, b = lengths[idx[0]], lengths[idx[1]]
            if abs(a - b) / max(a, b) < 0.2:
                matched.update(idx)
    odd = {i for i, row in enumerate(rows) if int(row["pair_id"].split("-")[1]) % 2 == 1}
    even = set(range(len(rows))) - odd
    shorter = [-n for n in lengths]  # the length baseline: shorter = more suspect
    out: dict[str, float] = {}
    for name, subset in (
        ("full", set(range(len(rows)))),
        ("even(tuned)", even),
        ("odd(held-out)", odd),
        ("length-matched", matched),
    ):
        ids = sorted(subset)
        y = [labels[i] for i in ids]
        out[f"{name} auroc"] = auroc(y, [scores[i] for i in ids])
        out[f"{name} f1"] = f1(y, [preds[i] for i in ids])
        out[f"{name} length-baseline auroc"] = auroc(y, [shorter[i] for i in ids])
        print(
            f"{name:15s} n={len(ids):4d}  AUROC {out[f'{name} auroc']:.3f}  F1 {out[f'{name} f1']:.3f}"
            f"  (length baseline AUROC {out[f'{name} length-baseline auroc']:.3f})"
        )
    by_cat: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        by_cat.setdefault(row["hallucination_category"], []).append(i)
    for cat, ids in sorted(by_cat.items()):
        y = [labels[i] for i in ids]
        print(f"  category {cat[:40]:40s} n={len(ids):4d} AUROC {auroc(y, [scores[i] for i in ids]):.3f}")
    return out


def tune(rows: list[dict[str, Any]]) -> None:
    from sklearn.linear_model import LogisticRegression  # benchmark-only dependency

    even = [r for r in rows if int(r["pair_id"].split("-")[1]) % 2 == 0]
    x = np.array([features(r) for r in even])
    y = np.array([r["label"] for r in even])
    model = LogisticRegression(C=1.0).fit(x, y)
    print(
        "ANSWER_WEIGHTS (gap, token gap, unsupported share, novel number, contradiction,"
        " lead gap, lead token gap, question similarity):",
        tuple(float(w) for w in np.round(model.coef_[0], 2)),
    )
    print("bias:", round(float(model.intercept_[0]), 2))
    probs = model.predict_proba(x)[:, 1]
    best = max((f1(list(y), [int(p >= t) for p in probs]), t) for t in np.arange(0.2, 0.8, 0.01))
    print(f"best answer threshold on even half: {best[1]:.2f} (F1 {best[0]:.3f})")


def cpu_description() -> str:
    """The CPU model and whether it has the int8 dot-product instructions (VNNI) that
    ONNX Runtime's int8 kernels use; the int8 speed-up depends on them."""
    try:
        info = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace")
    except OSError:
        import platform

        return platform.processor() or "unknown CPU"
    model = next(
        (line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")),
        "unknown CPU",
    )
    flags = set(
        next((line.split(":", 1)[1].split() for line in info.splitlines() if line.startswith("flags")), [])
    )
    vnni = sorted(flags & {"avx512_vnni", "avx_vnni", "amx_int8"})
    return f"{model}, {os.cpu_count()} cores, int8 dot product: {', '.join(vnni) or 'none'}"


def latency(rows: list[dict[str, Any]]) -> None:
    """Time the rail on ~120-word answers, one thread, as the pipeline runs it: the
    passages and question are encoded (``prepare``) while the model writes, then the
    answer is checked, whole (``check``) and sentence by sentence (``check_sentence``).
    The float32 encoder is timed on the same answers in the same run as the baseline."""
    from functools import partial

    from guardrails.sentences import split_sentences
    from guardrails.token_embeddings import encode

    rail = grounding.GroundingRail()
    # Answers of about 120 words: a response padded with its own knowledge.
    answers = []
    for row in rows[:120]:
        words = (row["response"] + " " + row["knowledge"]).split()[:120]
        answers.append((" ".join(words), row))
    encoders = {"int8": encode, "float32 (baseline)": partial(encode, quantized=False)}
    times: dict[str, dict[str, list[float]]] = {name: {} for name in encoders}

    def timed(name: str, what: str, call: Any) -> None:
        t0 = time.perf_counter()
        call()
        times[name].setdefault(what, []).append((time.perf_counter() - t0) * 1000)

    for i, (text, row) in enumerate(answers):
        for name, encoder in encoders.items():
            grounding.encode = encoder  # type: ignore[assignment]
            grounding._LRU.clear()
            ctx = context_for(row)
            timed(name, "prepare", partial(grounding.prepare, ctx))
            timed(name, "check", partial(rail.check, text, ctx))
            ctx = context_for(row)
            grounding.prepare(ctx)
            for span in split_sentences(text):
                timed(name, "sentence", partial(grounding.check_sentence, span.text, ctx, start=span.start))
            grounding._LRU.clear()
            timed(name, "cold", partial(rail.check, text, context_for(row)))
            if i < 3:  # warm-up rows are not counted
                times[name] = {}
    grounding.encode = encode
    print(cpu_description())
    sentences_per_answer = len(times["int8"]["sentence"]) / len(times["int8"]["check"])
    for name, t in times.items():
        print(
            f"{name:18s} check() p50 {statistics.median(t['check']):5.1f} ms (p95 {np.percentile(t['check'], 95):5.1f})"
            f" | per sentence p50 {statistics.median(t['sentence']):4.1f} ms"
            f" (x{sentences_per_answer:.1f} sentences = {statistics.median(t['sentence']) * sentences_per_answer:5.1f} ms)"
            f" | prepare p50 {statistics.median(t['prepare']):5.1f} ms | nothing prepared p50 {statistics.median(t['cold']):5.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--tune", action="store_true")
    parser.add_argument("--latency", action="store_true")
    parser.add_argument("--no-cache", action="store_true")
    args = parser.parse_args()
    rows = load(args.data)
    if args.latency:
        latency(rows)
        return
    if not args.no_cache:
        install_disk_cache()
    if args.tune:
        tune(rows)
    report(rows)


if __name__ == "__main__":
    main()
