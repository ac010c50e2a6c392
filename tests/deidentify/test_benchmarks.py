"""Run the evaluator on slices of the shared benchmark sets; floors sit a little under the
figures measured on the full sets so a regression fails, not noise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deidentify import evaluate


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    assert evaluate.main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_physionet_slice(benchmarks_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deid = benchmarks_dir / "deid" / "physionet_dev"
    report = _run(capsys, "physionet", "--text", str(deid / "id.text"),
                  "--phi", str(deid / "id-phi.phrase"), "--limit", "150", "--no-tagger")
    assert report["documents"] == 150
    assert report["recall"] >= 0.85  # type: ignore[operator]
    assert report["precision"] >= 0.65  # type: ignore[operator]


def test_presidio_synth_slice(benchmarks_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = _run(capsys, "presidio", str(benchmarks_dir / "deid" / "presidio_synth.json"),
                  "--limit", "300")
    assert report["documents"] == 300
    assert report["recall"] >= 0.58  # type: ignore[operator]
    assert "TITLE" in report["per_type"]  # type: ignore[operator]


def test_jsonl_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = tmp_path / "rows.jsonl"
    rows.write_text(json.dumps({"text": "Call Dr. Patel at 617-555-0134 about 500 mg",
                                "spans": [{"start": 9, "end": 14, "type": "NAME"},
                                          {"start": 18, "end": 30, "type": "PHONE"}]}) + "\n")
    report = _run(capsys, "jsonl", str(rows))
    assert report["recall"] == 1.0 and report["precision"] == 1.0
    assert report["tokens"] == 10
