from __future__ import annotations

import os
import sys
import threading
import traceback
from pathlib import Path
from typing import Any

import pytest
import pytest_timeout

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


_HERE = __file__


def _where_threads_are(frames_per_thread: int = 4) -> str:
    """Each thread's innermost frames, in one line: CI prints only the end of its log, so
    a hung test's summary line must say where it hung (the full stacks go to stderr)."""
    names = {t.ident: t.name for t in threading.enumerate()}
    parts = []
    for ident, frame in sys._current_frames().items():
        # Less the alarm's own frames: pytest-timeout's and this handler's.
        stack = [f for f in traceback.extract_stack(frame) if f.filename not in (_HERE, pytest_timeout.__file__)]
        where = " < ".join(
            f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(stack[-frames_per_thread:])
        )
        parts.append(f"[{names.get(ident, ident)}] {where}")
    return "; ".join(parts)


def _timeout_with_where(item: pytest.Item, settings: Any) -> None:
    __tracebackhide__ = True
    terminal = item.config.get_terminal_writer()
    pytest_timeout.dump_stacks(terminal)
    pytest.fail(pytest_timeout.PYTEST_FAILURE_MESSAGE % settings.timeout + " Threads: " + _where_threads_are())


# pytest-timeout's signal handler looks this name up when the alarm fires.
pytest_timeout.timeout_sigalrm = _timeout_with_where
