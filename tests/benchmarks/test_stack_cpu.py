"""The load benchmark's CPU accounting (``benchmarks.stack._cpu_seconds``), read from /proc."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.stack import _cpu_seconds

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")


def test_it_counts_the_cpu_a_process_has_used() -> None:
    busy = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\nend = time.process_time() + 0.5\nwhile time.process_time() < end: pass\ntime.sleep(30)",
        ]
    )
    try:
        deadline = time.monotonic() + 20
        while (used := _cpu_seconds(busy.pid)) < 0.4 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert 0.4 <= used < 5.0
    finally:
        busy.kill()
        busy.wait()


def test_a_process_that_is_gone_counts_nothing() -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    assert _cpu_seconds(gone.pid) == 0.0
    assert _cpu_seconds(os.getpid()) > 0.0
