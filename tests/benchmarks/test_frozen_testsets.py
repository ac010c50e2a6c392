"""The frozen test sets never change after they were written: a changed file is no
longer a held-out measure. Their hashes were recorded before anything was trained."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

TESTSETS = Path(__file__).resolve().parents[2] / "benchmarks" / "testsets"


def _recorded() -> list[tuple[str, str]]:
    lines = (TESTSETS / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    return [(name.strip(), digest) for digest, name in (line.split(maxsplit=1) for line in lines if line)]


@pytest.mark.parametrize(("name", "digest"), _recorded())
def test_a_frozen_test_set_is_unchanged(name: str, digest: str) -> None:
    assert hashlib.sha256((TESTSETS / name).read_bytes()).hexdigest() == digest


def test_every_test_set_in_the_folder_is_frozen() -> None:
    recorded = {name for name, _ in _recorded()}
    assert {p.name for p in TESTSETS.glob("*.jsonl")} == recorded
