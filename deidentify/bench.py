"""Latency of de-identifying one realistic chat message: ``python -m deidentify.bench``.

Prints one JSON object with p50/p95 in milliseconds over N runs after a warm-up.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from deidentify import Deidentifier, get_deidentifier
from deidentify.analyzer import DEFAULT_SPACY_MODEL

# 40 words, with a name, a relative, a clinician, a date, a phone number and a dose.
MESSAGE = (
    "Hi, this is Maria Lopez. My daughter Anna drove me to Mercy Hospital on March 3rd "
    "because my chest hurt. Dr. Patel changed my metoprolol to 50 mg. "
    "Can you call me at 617-555-0134 tomorrow? My blood pressure was 150/90 this morning."
)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the result; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m deidentify.bench")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--spacy-model", default=DEFAULT_SPACY_MODEL)
    parser.add_argument("--no-tagger", action="store_true", help="leave the learned tagger out")
    parser.add_argument("--spacy-ner", action="store_true",
                        help="run spaCy's NER beside the tagger (as before the tagger tagged once)")
    args = parser.parse_args(argv)
    deid = (Deidentifier(spacy_model=args.spacy_model, spacy_ner=True) if args.spacy_ner
            else get_deidentifier(args.spacy_model, tagger=not args.no_tagger))
    for _ in range(args.warmup):
        deid.deidentify(MESSAGE)
    timings = []
    for _ in range(args.runs):
        start = time.perf_counter()
        deid.deidentify(MESSAGE)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    print(json.dumps({
        "words": len(MESSAGE.split()), "runs": args.runs, "spacy_model": args.spacy_model,
        "tagger": not args.no_tagger, "spacy_ner": args.spacy_ner or args.no_tagger,
        "latency_ms_p50": round(statistics.median(timings), 2),
        "latency_ms_p95": round(timings[int(0.95 * (len(timings) - 1))], 2),
        "deidentified": deid.deidentify(MESSAGE).text,
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
