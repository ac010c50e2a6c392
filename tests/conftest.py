from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BENCHMARKS = Path(os.environ.get("BENCHMARKS_DIR", REPO.parent / "shared" / "benchmarks"))


@pytest.fixture
def benchmarks_dir() -> Path:
    """The shared labelled data sets; tests that need them skip cleanly when absent."""
    if not BENCHMARKS.is_dir():
        pytest.skip(f"benchmarks not found at {BENCHMARKS}")
    return BENCHMARKS
