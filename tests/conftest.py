from __future__ import annotations

import os
from pathlib import Path

import pytest

# `pytest` alone behaves like `make test`: tasks in-process, no background model
# loading, no connections kept open by worker threads.
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
os.environ.setdefault("WARM_UP", "false")
os.environ.setdefault("DB_CONN_MAX_AGE", "0")
# Tests run the SLA check themselves, with a controlled clock.
os.environ.setdefault("ESCALATION_EMBEDDED_SCHEDULER", "false")
for _offline in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "NEMO_GUARDRAILS_NO_USAGE_STATS"):
    os.environ.setdefault(_offline, "1")
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

REPO = Path(__file__).resolve().parents[1]
BENCHMARKS = Path(os.environ.get("BENCHMARKS_DIR", REPO.parent / "shared" / "benchmarks"))


@pytest.fixture
def benchmarks_dir() -> Path:
    """The shared labelled data sets; tests that need them skip cleanly when absent."""
    if not BENCHMARKS.is_dir():
        pytest.skip(f"benchmarks not found at {BENCHMARKS}")
    return BENCHMARKS
