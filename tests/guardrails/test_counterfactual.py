"""Counterfactual rewrites: how their source rows are drawn, how the rewrites are read and
joined to their sources, and the logit-pairing loss that trains on them."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from guardrails import counterfactual


def test_the_sources_are_english_training_rows_of_writers_who_are_not_held_out() -> None:
    rows = counterfactual.sample_sources()
    assert rows == counterfactual.sample_sources()  # deterministic
    assert len(rows) == len({r["id"] for r in rows}) == 1600
    by_rail = Counter((r["rail"], r["label"]) for r in rows)
    assert by_rail == {
        ("self_harm", 1): 320, ("self_harm", 0): 320, ("emergency", 1): 240, ("emergency", 0): 240,
        ("injection", 1): 160, ("injection", 0): 160, ("scope", 1): 80, ("scope", 0): 80,
    }  # fmt: skip
    held_out = ("sha-", "emb-", "ijc-", "scb-")
    assert not [r for r in rows if r["id"].startswith(held_out)]
    texts = {
        json.loads(line)["id"]: json.loads(line)
        for path in counterfactual.TRAIN.glob("*.jsonl")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    assert all(texts[r["id"]].get("lang", "en") == "en" and texts[r["id"]]["text"] == r["text"] for r in rows)


def test_sample_writes_one_file_a_writer(tmp_path: Path) -> None:
    assert counterfactual.main(["sample", str(tmp_path)]) == 0
    files = sorted(tmp_path.glob("sources_*.jsonl"))
    assert len(files) == counterfactual.WRITERS
    assert sum(len(f.read_text().splitlines()) for f in files) == 1600
    assert counterfactual.main(["other"]) == 2


def test_a_rewrite_of_another_shape_is_refused_with_its_place(tmp_path: Path) -> None:
    good = {"source": "shb-0001", "variant": "shorthand", "text": "i keep praying"}
    (tmp_path / "a.jsonl").write_text(json.dumps(good) + "\n\n")
    assert counterfactual.load_pairs(tmp_path) == [good]
    (tmp_path / "b.jsonl").write_text(json.dumps({**good, "variant": "pirate"}) + "\n")
    with pytest.raises(ValueError, match=r"b\.jsonl:1"):
        counterfactual.load_pairs(tmp_path)


def test_the_written_rewrites_each_name_a_drawn_row_and_a_known_variant() -> None:
    """All 6,398 are trained on, in ``data/pairs``."""
    pairs = counterfactual.load_pairs()
    assert len(pairs) == 6398
    sources = {r["id"] for r in counterfactual.sample_sources()}
    assert {p["source"] for p in pairs} <= sources
    assert Counter(p["variant"] for p in pairs) == {
        "limited_english": 1599, "shorthand": 1599, "formal": 1600, "identity": 1600,
    }  # fmt: skip


def test_a_rewrite_takes_its_source_rows_labels_and_points_at_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from guardrails import train_classifier as tc

    rows = [tc.Row("i want to die tonight", {"self_harm": 4}, "train", "shb", kind="plan"),
            tc.Row("held out", {"self_harm": 0}, "val", "sha")]  # fmt: skip
    monkeypatch.setattr(
        tc, "load_pairs", lambda: [{"source": "shb-0001", "variant": "shorthand", "text": "I Want 2 Die Tonite"}]
    )
    (pair,) = tc.pair_rows(rows, {"shb-0001": 0, "sha-0001": 1})
    assert (pair.text, pair.targets, pair.partner, pair.source, pair.split) == (
        "i want 2 die tonite", {"self_harm": 4}, 0, "shb", "train",
    )  # fmt: skip
    pair.targets["self_harm"] = 0  # a copy, not the source's own dict
    assert rows[0].targets == {"self_harm": 4}
    for missing in ("sha-0001", "gone-0001"):
        monkeypatch.setattr(tc, "load_pairs", lambda m=missing: [{"source": m, "variant": "formal", "text": "x"}])
        with pytest.raises(ValueError, match="not a training row"):
            tc.pair_rows(rows, {"shb-0001": 0, "sha-0001": 1})


def test_the_pairing_loss_is_zero_for_equal_logits_and_grows_with_their_distance() -> None:
    torch = pytest.importorskip("torch")
    from guardrails import train_classifier as tc

    rows = [
        tc.Row("source", {"self_harm": 4, "emergency": 0, "scope": -1}, "train", "shb"),
        tc.Row("rewrite", {"self_harm": 4}, "train", "shb", partner=0),
        tc.Row("other", {"self_harm": 0}, "train", "shb"),
    ]
    batch = [1, 2]  # the rewrite and an ordinary row; its source is appended after them
    same = {"self_harm": torch.tensor([[1.0, 2.0], [0.0, 0.0], [1.0, 2.0]]),
            "emergency": torch.tensor([[3.0, 0.0], [0.0, 0.0], [3.0, 0.0]])}  # fmt: skip
    assert float(tc._pairing_loss(torch, rows, batch, same)) == 0.0
    apart = {"self_harm": torch.tensor([[1.0, 2.0], [9.0, 9.0], [3.0, 2.0]]), "emergency": same["emergency"]}
    # (1 - 3)^2 and (2 - 2)^2 averaged over the two classes; the ordinary row counts for nothing.
    assert float(tc._pairing_loss(torch, rows, batch, apart)) == pytest.approx(tc.PAIR_WEIGHT * 2.0)
    assert tc._pairing_loss(torch, rows, [2], {"self_harm": same["self_harm"][:1]}) is None


def test_the_keeping_loss_is_zero_where_the_readings_are_unchanged_and_sums_over_rows() -> None:
    torch = pytest.importorskip("torch")
    import numpy as np

    from guardrails import train_classifier as tc

    readings = np.array([[1.0, 2.0], [0.0, 0.0], [5.0, 5.0]], dtype=np.float32)
    same = {"injection": torch.tensor([[5.0, 5.0], [1.0, 2.0]])}
    assert float(tc._keeping_loss(torch, [2, 0], same, {"injection": readings})) == 0.0
    moved = {"injection": torch.tensor([[5.0, 7.0], [3.0, 2.0]])}
    # Row 2: (0, 2) -> 2.0; row 0: (2, 0) -> 2.0; summed over the rows, as ``_loss`` sums.
    assert float(tc._keeping_loss(torch, [2, 0], moved, {"injection": readings})) == pytest.approx(
        tc.KEEP_WEIGHT * 4.0
    )
