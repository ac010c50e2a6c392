"""Counterfactual pairs: training rows rewritten in another register or with a stated
identity, for teaching the rails classifier that the same message gets the same decision.

A training row is rewritten by a writer who keeps its meaning and its risk exactly and
changes only how it is written (limited-English phrasing, texting shorthand, formal
English) or who the patient says they are (race, ethnicity, gender, sexual orientation,
religion, age, disability, insurance). The rewrite takes its source row's labels, and
training also pulls the two rows' logits together (counterfactual logit pairing, Garg et
al. 2019, "Counterfactual Fairness in Text Classification through Robustness").

``python -m guardrails.counterfactual sample OUT_DIR`` writes the source rows the
writers get (deterministic: English rows of the training writers, never a held-out
writer's, balanced by rail and label). The rewrites live in ``data/pairs/*.jsonl``, one
object a line: ``{"source": "<row id>", "variant": "<kind>", "text": "..."}``.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TRAIN = HERE / "data" / "train"
PAIRS = HERE / "data" / "pairs"
SEED = 20261205
VARIANTS = ("limited_english", "shorthand", "formal", "identity")
# (files, positives, negatives) per rail: English rows only, and no held-out writer's
# (``classifier.VALIDATION``: sha, emb's English rows, ijc, scb).
SOURCES: dict[str, tuple[tuple[str, ...], int, int]] = {
    "self_harm": (("shb", "shd", "she", "shf", "shg"), 320, 320),
    "emergency": (("ema", "emc", "emd", "emf", "emg"), 240, 240),
    "injection": (("ija", "ijb", "ijd", "ije", "ijf"), 160, 160),
    "scope": (("sc",), 80, 80),
}
WRITERS = 8


def _read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def sample_sources(seed: int = SEED) -> list[dict[str, Any]]:
    """The rows to rewrite: ``{"id", "rail", "label", "text"}``, in a fixed order."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    for rail, (names, n_pos, n_neg) in SOURCES.items():
        rows = [r for name in names for r in _read(TRAIN / f"{name}.jsonl") if r.get("lang", "en") == "en"]
        for label, n in ((1, n_pos), (0, n_neg)):
            pool = [r for r in rows if int(r["label"]) == label]
            for r in rng.sample(pool, n):
                out.append({"id": r["id"], "rail": rail, "label": label, "text": r["text"]})
    rng.shuffle(out)
    return out


def load_pairs(directory: Path = PAIRS) -> list[dict[str, Any]]:
    """Every rewrite in ``directory`` (sorted by file, then line): ``source``, ``variant``,
    ``text``. A row with another shape raises ``ValueError`` naming the file and line."""
    out = []
    for path in sorted(directory.glob("*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if not (
                isinstance(row.get("source"), str)
                and row.get("variant") in VARIANTS
                and isinstance(row.get("text"), str)
                and row["text"].strip()
            ):
                raise ValueError(f"{path.name}:{n}: needs source, a variant of {VARIANTS} and text")
            out.append({"source": row["source"], "variant": row["variant"], "text": row["text"]})
    return out


def main(argv: Sequence[str]) -> int:
    if len(argv) != 2 or argv[0] != "sample":
        print("usage: python -m guardrails.counterfactual sample OUT_DIR", file=sys.stderr)
        return 2
    out_dir = Path(argv[1])
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = sample_sources()
    size = -(-len(rows) // WRITERS)
    for w in range(WRITERS):
        part = rows[w * size : (w + 1) * size]
        (out_dir / f"sources_{w + 1}.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in part), encoding="utf-8"
        )
    print(f"{len(rows)} rows in {WRITERS} files under {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
