"""CI prints only the end of its log, so a hung test's summary line must say where it hung."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_a_hung_test_says_where_each_thread_was(tmp_path: Path) -> None:
    (tmp_path / "test_hangs.py").write_text(
        "import time\n\n\ndef test_sleeps_past_its_timeout():\n    time.sleep(30)\n", encoding="utf-8"
    )
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "tests.conftest", "-q", "-rE", "-rf",
         "-o", "timeout=1", "-o", "addopts=", str(tmp_path / "test_hangs.py")],
        cwd=REPO, capture_output=True, text=True, timeout=120, env={"COLUMNS": "1000", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    summary = [line for line in run.stdout.splitlines() if line.startswith("FAILED")]
    assert run.returncode == 1, run.stdout[-2000:]
    assert len(summary) == 1
    assert "Timeout (>1.0s) from pytest-timeout. Threads: [MainThread] test_hangs.py:5 test_sleeps_past_its_timeout" in summary[0]
