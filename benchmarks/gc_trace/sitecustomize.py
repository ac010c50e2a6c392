"""Loaded by every Python process started with this directory on ``PYTHONPATH``: the
load benchmark's ``--gc-trace`` (see ``benchmarks/gctrace.py``). Does nothing unless
``BENCH_GC_TRACE_DIR`` names a directory."""

import os

if os.environ.get("BENCH_GC_TRACE_DIR"):
    from benchmarks.gctrace import install

    install(os.environ["BENCH_GC_TRACE_DIR"])
