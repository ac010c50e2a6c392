"""Latency of all input rails together, through the runner (normalisation included),
and what NeMo Guardrails adds on top, measured in the same run.

    python -m guardrails.bench [--text TEXT] [--runs N] [--nemo] [--per-rail]

With ``--nemo`` each message is also checked through ``RailsRuntime.check_input``
(the NeMo Guardrails flow that the pipeline uses); ``nemo_overhead_ms_p50`` is the
median of the paired differences (NeMo minus direct, same message, back to back).

Threads are pinned to one (torch, ONNX Runtime, BLAS) before any model loads, so the
figure is for one core. Prints one JSON object with p50/p95 in milliseconds after a
warm-up.
"""

from __future__ import annotations

import os

# Pin threads before numpy/torch/onnxruntime are imported anywhere.
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "GUARDRAILS_EMBED_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from guardrails.base import RailContext  # noqa: E402
from guardrails.registry import INPUT_RAILS  # noqa: E402
from guardrails.runner import run_rails  # noqa: E402

# Realistic 40-word patient messages: an ordinary one, and one whose words pass the
# self-harm gate, so the embedding classifier runs.
MESSAGES = {
    "routine": (
        "Hi, I started the new blood pressure pill last Tuesday and since then I get dizzy "
        "when I stand up quickly in the morning. Is that a normal side effect, and should "
        "I call the clinic before my next appointment?"
    ),
    "gated": (
        "Hi, I have been feeling really tired and hopeless since my surgery, I barely eat "
        "and I cannot sleep. My pills make me feel strange. Is that normal after an "
        "operation, or should I call the clinic this week?"
    ),
}


def measure(text: str, runs: int = 200, warmup: int = 20) -> dict[str, float]:
    """Return p50/p95 latency in ms of all input rails on ``text``."""
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:  # torch only matters for the fallback embedder
        pass
    for _ in range(warmup):
        run_rails(INPUT_RAILS, text, RailContext())
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run_rails(INPUT_RAILS, text, RailContext())
        times.append((time.perf_counter() - start) * 1000)
    return {
        "words": len(text.split()),
        "latency_ms_p50": round(float(np.percentile(times, 50)), 2),
        "latency_ms_p95": round(float(np.percentile(times, 95)), 2),
    }


def measure_each(text: str, runs: int = 200, warmup: int = 20) -> dict[str, float]:
    """p50 in ms of each input rail alone on ``text`` (normalisation included), in the same
    run, so a rail's share of the whole is read against its neighbours."""
    out = {}
    for name in INPUT_RAILS:
        for _ in range(warmup):
            run_rails((name,), text, RailContext())
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            run_rails((name,), text, RailContext())
            times.append((time.perf_counter() - start) * 1000)
        out[name] = round(float(np.percentile(times, 50)), 3)
    return out


def measure_nemo(text: str, runs: int = 200, warmup: int = 20) -> dict[str, float]:
    """Paired latency: the same rails directly and through NeMo Guardrails."""
    import asyncio

    from guardrails.runtime import RailsRuntime, warm_up

    warm_up()
    runtime = RailsRuntime(input_rails=INPUT_RAILS, output_rails=(), timeout_s=30)

    async def run() -> tuple[list[float], list[float]]:
        direct, nemo = [], []
        for n in range(warmup + runs):
            start = time.perf_counter()
            run_rails(INPUT_RAILS, text, RailContext())
            middle = time.perf_counter()
            await runtime.check_input(text, RailContext())
            end = time.perf_counter()
            if n >= warmup:
                direct.append((middle - start) * 1000)
                nemo.append((end - middle) * 1000)
        return direct, nemo

    direct, nemo = asyncio.run(run())
    overhead = [b - a for a, b in zip(direct, nemo, strict=True)]
    return {
        "direct_ms_p50": round(float(np.percentile(direct, 50)), 2),
        "through_nemo_ms_p50": round(float(np.percentile(nemo, 50)), 2),
        "nemo_overhead_ms_p50": round(float(np.percentile(overhead, 50)), 2),
        "nemo_overhead_ms_p95": round(float(np.percentile(overhead, 95)), 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m guardrails.bench", description=__doc__)
    parser.add_argument("--text")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--nemo", action="store_true", help="also measure what NeMo Guardrails adds")
    parser.add_argument("--per-rail", action="store_true", help="also each input rail alone (p50 ms)")
    args = parser.parse_args()
    texts = {"custom": args.text} if args.text else MESSAGES
    result: dict[str, object] = {
        "rails": list(INPUT_RAILS),
        **{k: measure(v, args.runs) for k, v in texts.items()},
    }
    if args.per_rail:
        result["per_rail_ms_p50"] = {k: measure_each(v, args.runs) for k, v in texts.items()}
    if args.nemo:
        result["nemo"] = {k: measure_nemo(v, args.runs) for k, v in texts.items()}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
