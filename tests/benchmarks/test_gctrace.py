"""The load benchmark's garbage-collector trace (``benchmarks/gctrace.py``)."""

from __future__ import annotations

import os
import subprocess
import sys

from benchmarks import gctrace
from benchmarks.stack import REPO


def test_a_process_started_with_the_site_directory_records_its_full_collections(tmp_path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(gctrace.SITE_DIR), str(REPO)]),
        gctrace.TRACE_ENV: str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-c", "import gc, os; gc.collect(); print(os.getpid())"],
        env=env, capture_output=True, text=True, check=True, timeout=60,
    )
    lines = (tmp_path / f"{done.stdout.strip()}.log").read_text().splitlines()
    assert any(line.split()[1] == "2" for line in lines)


def test_without_the_variable_the_site_directory_records_nothing(tmp_path) -> None:
    env = {**os.environ, "PYTHONPATH": str(gctrace.SITE_DIR)}
    env.pop(gctrace.TRACE_ENV, None)
    subprocess.run(
        [sys.executable, "-c", "import gc; gc.collect()"], env=env, cwd=tmp_path, check=True, timeout=60
    )
    assert list(tmp_path.iterdir()) == []


def test_pauses_are_those_in_the_window_and_long_enough_by_role(tmp_path) -> None:
    (tmp_path / "101.log").write_text("1000.0100 2 198.60\n1000.0200 0 1.20\n999.0000 2 80.00\n")
    (tmp_path / "202.log").write_text("1000.0500 1 6.00\n1000.0300 2 40.00\n1002.0000 2 90.00\n")
    (tmp_path / "303.log").write_text("1000.1000 1 7.50\n")
    found = gctrace.pauses(tmp_path, {101: "web", 202: "load_generator"}, 1000.0, 1001.0)
    assert found == {
        "web": [{"generation": 2, "ms": 198.6, "at_ms": 10}],
        "load_generator": [
            {"generation": 2, "ms": 40.0, "at_ms": 30},
            {"generation": 1, "ms": 6.0, "at_ms": 50},
        ],
        "other": [{"generation": 1, "ms": 7.5, "at_ms": 100}],
    }
