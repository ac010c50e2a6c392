"""Measure de-identification against labelled data; prints one JSON object.

    python -m deidentify.evaluate physionet --text id.text --phi id-phi.phrase [--baseline]
    python -m deidentify.evaluate presidio presidio_synth.json [--limit 200]
    python -m deidentify.evaluate physionet ... --patients 42-82   # held-out patients
    python -m deidentify.evaluate presidio ... --templates odd     # held-out templates
    python -m deidentify.evaluate jsonl rows.jsonl      # {"text", "spans": [{start,end,type}]}
    python -m deidentify.evaluate jsonl rows.jsonl --rows odd   # odd lines (threshold choice)
    python -m deidentify.evaluate ... --no-tagger       # rules and spaCy only (no learned tagger)
    python -m deidentify.evaluate ... --no-tagger --truecase   # the truecasing lever instead
    python -m deidentify.evaluate ... --threshold 0.4   # the tagger's span threshold
    python -m deidentify.evaluate ... --spacy-ner       # spaCy's NER beside the tagger (slower)

Scoring is token-level and type-agnostic. Tokens are the regex ``\\w+`` matches of each
document. A token is gold PHI when it overlaps a gold span, predicted PHI when it overlaps a
finding. recall = caught gold tokens / gold tokens; precision = predicted tokens that are
gold / predicted tokens; f2 weights recall 4x (a missed identifier costs more than a
redacted word). ``per_type`` is recall per gold type.

The headline excludes gold types that are not HIPAA Safe Harbor identifiers (presidio_synth's
TITLE "Mr/Dr", NRP nationality/religion/politics, ORGANIZATION, i.e. employers and
companies, and AGE spans under 90, relabelled AGE_UNDER_90 on reading: Safe Harbor keeps
ages up to 89 and only folds 90 and over, which stay AGE and count): their tokens are
neither counted as misses nor, when we redact them, as false positives. They are still reported in ``per_type``, and ``all_types`` gives the figures with
every gold type counted. Latency is per document, after a warm-up, for the whole pipeline.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from deidentify.analyzer import DEFAULT_SPACY_MODEL, build_baseline_analyzer, find_phi
from deidentify.base import Finding
from deidentify.tagger import THRESHOLD
from deidentify.truecase import truecase

TOKEN = re.compile(r"\w+")
NON_HIPAA_TYPES = frozenset({"TITLE", "NRP", "ORGANIZATION", "AGE_UNDER_90"})
WARMUP_DOCS = 5


@dataclass(frozen=True)
class Document:
    text: str
    spans: tuple[tuple[int, int, str], ...]  # (start, end, type)
    group: int = 0  # PhysioNet patient number or presidio template_id (for tune/held-out splits)


def read_physionet(text_path: Path, phi_path: Path) -> list[Document]:
    """Return PhysioNet deid notes with their gold phrases (offsets into each note)."""
    notes: dict[tuple[str, str], str] = {}
    pattern = re.compile(r"START_OF_RECORD=(\d+)\|\|\|\|(\d+)\|\|\|\|\n(.*?)\|\|\|\|END_OF_RECORD", re.S)
    for m in pattern.finditer(text_path.read_text(encoding="ascii")):
        notes[(m.group(1), m.group(2))] = m.group(3)
    gold: dict[tuple[str, str], list[tuple[int, int, str]]] = defaultdict(list)
    for line in phi_path.read_text(encoding="ascii").splitlines():
        patient, note, start, end, kind = line.split(" ", 5)[:5]
        gold[(patient, note)].append((int(start), int(end), kind))
    return [Document(text, tuple(gold.get(key, ())), int(key[0])) for key, text in notes.items()]


def _presidio_type(text: str, kind: str) -> str:
    """Return the gold type, with ages under 90 (not Safe Harbor PHI) relabelled."""
    if kind == "AGE":
        number = re.search(r"\d+", text)
        if number and int(number.group()) < 90:
            return "AGE_UNDER_90"
    return kind


def read_presidio(path: Path) -> list[Document]:
    """Return presidio-research synthetic sentences and their spans."""
    rows = json.loads(path.read_text(encoding="utf-8"))
    return [Document(r["full_text"], tuple(
        (s["start_position"], s["end_position"],
         _presidio_type(r["full_text"][s["start_position"]:s["end_position"]], s["entity_type"]))
        for s in r["spans"]),
        int(r.get("template_id") or 0)) for r in rows]


def read_jsonl(path: Path) -> list[Document]:
    """Return rows of {"text", "spans": [{"start", "end", "type"}]}."""
    docs: list[Document] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            docs.append(Document(row["text"], tuple(
                (s["start"], s["end"], s.get("type", "PHI")) for s in row.get("spans", [])),
                len(docs) + 1))  # the row number, for the odd/even halves
    return docs


def select(docs: list[Document], *, patients: str | None = None, templates: str | None = None
           ) -> list[Document]:
    """Return the documents of patients "A-B" (inclusive) and/or "even"/"odd" template ids
    (for jsonl, row numbers); raises ValueError for a malformed range."""
    if patients:
        low, _, high = patients.partition("-")
        lo, hi = int(low), int(high or low)
        docs = [d for d in docs if lo <= d.group <= hi]
    if templates:
        parity = 0 if templates == "even" else 1
        docs = [d for d in docs if d.group % 2 == parity]
    return docs


def _covered(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)


def score(docs: list[Document], predict: Callable[[str], list[Finding]]) -> dict[str, object]:
    """Return token-level metrics and latency for `predict` over `docs`."""
    for doc in docs[:WARMUP_DOCS]:
        predict(doc.text)
    counts = {"head": [0, 0, 0, 0], "all": [0, 0, 0, 0]}  # gold, caught, predicted, correct
    per_type: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    latencies = []
    for doc in docs:
        t0 = time.perf_counter()
        findings = predict(doc.text)
        latencies.append((time.perf_counter() - t0) * 1000)
        pred = [(f.start, f.end) for f in findings]
        for tok in TOKEN.finditer(doc.text):
            types = {k for s, e, k in doc.spans if s < tok.end() and tok.start() < e}
            hit = _covered(tok.start(), tok.end(), pred)
            for kind in types:
                per_type[kind][0] += 1
                per_type[kind][1] += hit
            excluded = bool(types) and types <= NON_HIPAA_TYPES
            for name, skip in (("head", excluded), ("all", False)):
                if skip:
                    continue
                c = counts[name]
                c[0] += bool(types)
                c[1] += bool(types) and hit
                c[2] += hit
                c[3] += hit and bool(types)
    result = _metrics(*counts["head"])
    result["all_types"] = _metrics(*counts["all"])
    result["per_type"] = {k: {"tokens": v[0], "recall": round(v[1] / v[0], 4) if v[0] else None}
                          for k, v in sorted(per_type.items())}
    result["documents"] = len(docs)
    result["tokens"] = sum(len(TOKEN.findall(d.text)) for d in docs)
    result["latency_ms_p50"] = round(statistics.median(latencies), 2) if latencies else None
    result["latency_ms_p95"] = round(_percentile(latencies, 95), 2) if latencies else None
    return result


def _metrics(gold: int, caught: int, predicted: int, correct: int) -> dict[str, object]:
    recall = caught / gold if gold else 1.0
    precision = correct / predicted if predicted else 1.0
    f2 = 5 * precision * recall / (4 * precision + recall) if precision + recall else 0.0
    return {"recall": round(recall, 4), "precision": round(precision, 4), "f2": round(f2, 4),
            "gold_tokens": gold, "predicted_tokens": predicted}


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, evaluate, print one JSON object; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m deidentify.evaluate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("format", choices=("physionet", "presidio", "jsonl"))
    parser.add_argument("path", nargs="?", type=Path, help="data file (presidio, jsonl)")
    parser.add_argument("--text", type=Path, help="physionet id.text")
    parser.add_argument("--phi", type=Path, help="physionet id-phi.phrase")
    parser.add_argument("--limit", type=int, default=None, help="only the first N documents")
    parser.add_argument("--patients", help="physionet: only patients A-B, e.g. 42-82 (held out)")
    parser.add_argument("--templates", "--rows", choices=("even", "odd"),
                        help="presidio: only even (tuning) or odd (held-out) template ids; "
                             "jsonl: only even or odd row numbers")
    parser.add_argument("--baseline", action="store_true", help="also score plain Presidio")
    parser.add_argument("--spacy-model", default=DEFAULT_SPACY_MODEL)
    parser.add_argument("--no-tagger", action="store_true", help="leave the learned tagger out")
    parser.add_argument("--threshold", type=float, default=THRESHOLD,
                        help="the tagger's threshold on P(not O) (default: the shipped one)")
    parser.add_argument("--spacy-ner", action="store_true",
                        help="run spaCy's NER beside the tagger instead of tagging entities once")
    parser.add_argument("--truecase", action="store_true",
                        help="truecase the text first (deidentify.truecase)")
    args = parser.parse_args(argv)

    if args.format == "physionet":
        if not (args.text and args.phi):
            parser.error("physionet needs --text and --phi")
        docs = read_physionet(args.text, args.phi)
    elif args.path is None:
        parser.error(f"{args.format} needs a PATH")
    else:
        docs = read_presidio(args.path) if args.format == "presidio" else read_jsonl(args.path)
    try:
        docs = select(docs, patients=args.patients, templates=args.templates)
    except ValueError:
        parser.error("--patients takes A-B, e.g. 42-82")
    docs = docs[: args.limit] if args.limit else docs

    from deidentify import Deidentifier  # after argument errors, which need no model

    deid = Deidentifier(spacy_model=args.spacy_model, tagger=not args.no_tagger,
                        tagger_threshold=args.threshold, spacy_ner=args.spacy_ner)
    report: dict[str, object] = {"format": args.format, "spacy_model": args.spacy_model,
                                 "tagger": not args.no_tagger, "truecase": args.truecase}
    if not args.no_tagger:
        report.update(threshold=args.threshold, spacy_ner=args.spacy_ner)
    report.update(score(docs, (lambda text: deid.find(truecase(text))) if args.truecase else deid.find))
    if args.baseline:
        engine = build_baseline_analyzer(args.spacy_model)
        report["baseline"] = score(docs, lambda text: find_phi(engine, text, deid.score_threshold))
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
