"""Garbage-collector pauses in the load benchmark's processes (``--gc-trace``).

Python's cyclic collector stops the process that runs it, and a full pass walks every
object the process holds. A pause in the middle of a burst delays every message that
process holds, and wall-clock figures cannot tell it from queueing. ``install`` adds a
``gc.callbacks`` hook that writes one line per collection that took at least 1 ms or
was not of the youngest generation: ``<unix time at its end> <generation> <ms>``, to
``<directory>/<pid>.log``. The stack's processes load it at start through
``benchmarks/gc_trace/sitecustomize.py`` (put on ``PYTHONPATH``; it does nothing unless
``BENCH_GC_TRACE_DIR`` names a directory); the load generator calls it itself.

Durations are wall time: on a busy machine they include time the process waited for a
core, so they say when a process was stopped, not how much CPU collecting took.
"""

from __future__ import annotations

import gc
import os
import time
from pathlib import Path
from typing import Any

TRACE_ENV = "BENCH_GC_TRACE_DIR"
SITE_DIR = Path(__file__).resolve().parent / "gc_trace"


def install(directory: str | os.PathLike[str]) -> None:
    """Record this process's collections under ``directory``, and those of any process
    forked from it, each under its own pid (Celery's pool processes are forked)."""
    started: list[float] = [0.0]

    def record(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
            return
        ms = (time.perf_counter() - started[0]) * 1000
        if info["generation"] >= 1 or ms >= 1.0:
            with (Path(directory) / f"{os.getpid()}.log").open("a") as out:
                out.write(f"{time.time():.4f} {info['generation']} {ms:.2f}\n")

    gc.callbacks.append(record)


def pauses(
    directory: str | os.PathLike[str],
    roles: dict[int, str],
    start_unix: float,
    end_unix: float,
    at_least_ms: float = 5.0,
) -> dict[str, list[dict[str, Any]]]:
    """The collections of at least ``at_least_ms`` that ended between ``start_unix`` and
    ``end_unix``, by process role (``roles``: pid to role; any other pid is "other"),
    each as its generation, its length and when it ended (ms after ``start_unix``)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for log in sorted(Path(directory).glob("*.log")):
        role = roles.get(int(log.stem), "other")
        for line in log.read_text().splitlines():
            try:
                fields = line.split()
                ended, generation, ms = float(fields[0]), int(fields[1]), float(fields[2])
            except (ValueError, IndexError):  # half a line, from a process killed while writing it
                continue
            if start_unix <= ended <= end_unix and ms >= at_least_ms:
                found.setdefault(role, []).append(
                    {"generation": generation, "ms": round(ms, 1), "at_ms": round((ended - start_unix) * 1000)}
                )
    for entries in found.values():
        entries.sort(key=lambda entry: entry["at_ms"])
    return found
