"""Retrieval benchmarks: search speed and recall@5.

    python -m benchmarks.retrieval speed [--n 20000]
    python -m benchmarks.retrieval quality [--sample 2000] [--seed 7]

``speed`` builds an n x 384 index of random unit vectors and times ``search``
(query embedding excluded), then times embedding one question on its own.

``quality`` builds the index from chunked MedQuAD answers (``chatbot.chunking``) of a
seeded random sample of rows, and asks each sampled row's templated question. A hit
is any of the top-5 chunks coming from a row with the same answer text (MedQuAD
repeats answers under different questions). Nothing is tuned here; the report is
split by a hash of the row id (even = could be used for tuning later, odd = held out).
Chunk embeddings are cached under ``var/`` (gitignored). The data are read, never copied.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import time
from pathlib import Path

import numpy as np

from chatbot.chunking import chunk_document
from chatbot.retrieval import VectorIndex

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("BENCHMARKS_DIR", REPO.parent / "shared" / "benchmarks")) / (
    "knowledge/medquad_answered.jsonl"
)


def speed(n: int) -> None:
    import torch

    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    matrix = rng.standard_normal((n, 384)).astype(np.float32)
    index = VectorIndex.from_matrix(list(range(n)), matrix)
    queries = rng.standard_normal((600, 384)).astype(np.float32)
    for q in queries[:50]:
        index.search(q, k=5)
    times = []
    for q in queries[50:]:
        t0 = time.perf_counter()
        index.search(q, k=5)
        times.append((time.perf_counter() - t0) * 1000)
    print(
        f"search, {n} x 384, k=5, 1 thread: p50 {statistics.median(times):.2f} ms, "
        f"p95 {np.percentile(times, 95):.2f} ms"
    )
    from guardrails.embeddings import embed

    embed(["warm up"])
    etimes = []
    for i in range(30):
        t0 = time.perf_counter()
        embed([f"What are the warning signs of a stroke? ({i})"])
        etimes.append((time.perf_counter() - t0) * 1000)
    print(
        f"query embedding (one question, torch, 1 thread): p50 {statistics.median(etimes):.1f} ms, "
        f"p95 {np.percentile(etimes, 95):.1f} ms"
    )


def quality(sample: int, seed: int) -> None:
    from guardrails.embeddings import embed

    rows = [json.loads(line) for line in DATA.open(encoding="utf-8")]
    rows = [r for r in rows if r["question"].strip() and "(are)  ?" not in r["question"]]
    random.Random(seed).shuffle(rows)
    rows = rows[:sample]
    chunk_rows: list[int] = []
    texts: list[str] = []
    for i, row in enumerate(rows):
        for chunk in chunk_document(row["title"], row["answer"]):
            chunk_rows.append(i)
            texts.append(chunk.embedding_text)
    cache = REPO / "var" / f"medquad_chunks_{sample}_{seed}.npy"
    if cache.exists():
        vectors = np.load(cache)
    else:
        t0 = time.perf_counter()
        vectors = embed(texts)
        print(f"embedded {len(texts)} chunks in {time.perf_counter() - t0:.0f} s")
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.save(cache, vectors)
    index = VectorIndex.from_matrix(list(range(len(texts))), vectors)
    questions = embed([r["question"] for r in rows])
    hits = {"even": [0, 0], "odd": [0, 0]}
    for i, row in enumerate(rows):
        half = "odd" if int(hashlib.sha256(row["id"].encode()).hexdigest(), 16) % 2 else "even"
        top = index.search(questions[i], k=5)
        found = any(rows[chunk_rows[int(str(h.chunk_id))]]["answer"] == row["answer"] for h in top)
        hits[half][0] += int(found)
        hits[half][1] += 1
    total = [hits["even"][0] + hits["odd"][0], hits["even"][1] + hits["odd"][1]]
    print(f"{len(rows)} rows (seed {seed}), {len(texts)} chunks")
    for name, (ok, n) in (
        ("held-out (odd id hash)", hits["odd"]),
        ("even id hash", hits["even"]),
        ("all", total),
    ):
        print(f"recall@5 {name}: {ok / n:.3f} ({ok}/{n})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=["speed", "quality"])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--sample", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.mode == "speed":
        speed(args.n)
    else:
        quality(args.sample, args.seed)


if __name__ == "__main__":
    main()
