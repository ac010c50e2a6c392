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


def test_a_malformed_line_is_skipped_not_fatal(tmp_path) -> None:
    # A process killed while writing leaves half a line; the run's report must survive it.
    (tmp_path / "101.log").write_text("1000.0100 2 198.60\n1000.02")
    assert gctrace.pauses(tmp_path, {101: "web"}, 1000.0, 1001.0) == {
        "web": [{"generation": 2, "ms": 198.6, "at_ms": 10}]
    }


def test_the_accept_phase_pauses_name_the_load_generator_and_need_a_measured_phase(
    tmp_path, monkeypatch
) -> None:
    from benchmarks import load

    monkeypatch.setattr(load, "pids_by_role", lambda stack: {"web": [101], "worker": [202]})
    (tmp_path / "101.log").write_text("1000.0500 1 12.00\n")
    (tmp_path / "202.log").write_text("1000.4000 2 90.00\n")  # after the last 'accepted'
    (tmp_path / f"{os.getpid()}.log").write_text("1000.0300 2 40.00\n")
    phase = {"began_unix": 1000.0, "wall_ms": 200.0}
    assert load.accept_phase_pauses(None, str(tmp_path), phase) == {  # type: ignore[arg-type]
        "web": [{"generation": 1, "ms": 12.0, "at_ms": 50}],
        "load_generator": [{"generation": 2, "ms": 40.0, "at_ms": 30}],
    }
    assert load.accept_phase_pauses(None, str(tmp_path), {}) is None  # type: ignore[arg-type]


def test_each_process_writes_under_its_own_pid_even_after_a_fork(tmp_path) -> None:
    # Celery's pool processes are forked from a process that installed the hook.
    script = (
        "import gc, os, sys\n"
        "from benchmarks import gctrace\n"
        "gctrace.install(sys.argv[1])\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    gc.collect(); os._exit(0)\n"
        "os.waitpid(pid, 0)\n"
        "print(pid)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, check=True, timeout=60,
    )
    lines = (tmp_path / f"{done.stdout.strip()}.log").read_text().splitlines()
    assert any(line.split()[1] == "2" for line in lines)
