"""Care-team inbox: triage and drafts, measured on any labelled JSON Lines file.

    python -m benchmarks.drafts --data FILE [--predictions OUT] [--tiny-model N]

Each row is ``{"id", "text", "topic"?, "urgency": "emergent|urgent|routine",
"reply_needed": true|false}``. Every row goes through the real inbox path in a fresh
temporary database with the starter knowledge base: stored, de-identified, input
rails, crisis templates, triage and, when a reply is judged needed, a draft through
the output rails (extractive backend). Prints one JSON object:

* ``recall_emergent_urgent``: of rows labelled emergent or urgent, the share triaged
  emergent or urgent (target ≥ 0.98);
* ``routine_precision``: of rows triaged routine, the share labelled routine;
* ``reply_needed_accuracy``;
* ``drafts_passed_rails``: of drafts written, the share that passed the output rails;
* ``median_reading_grade`` and ``median_draft_words`` of the drafts that passed;
* ``draft_latency_ms_p50``: the drafting task's own time (retrieval, answer, rails),
  extractive backend; and with ``--tiny-model N``, the same on N rows with the tiny
  random-weight model served by ``serve_model`` over loopback (its text is noise: the
  figure is latency only). The load average is printed beside the timings.

``--predictions OUT`` writes one ``{"id", "urgency", "reply_needed",
"draft_passed_rails"}`` per row (``draft_passed_rails`` is null when no draft was
written).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.chat_latency import _env, _manage, _port, _wait_http

REPO = Path(__file__).resolve().parents[1]


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _run(rows: list[dict[str, Any]], *, label: str) -> tuple[list[dict[str, Any]], list[float], list[dict[str, Any]]]:
    """Every row through the inbox; returns predictions, draft latencies (ms), drafts."""
    from asgiref.sync import async_to_sync

    from chatbot.inbox import pipeline
    from chatbot.inbox import services as inbox_services
    from chatbot.models import Draft, Thread
    from tests.factories import PatientFactory

    patient = PatientFactory.create(username=f"bench-{label}")
    predictions, latencies, drafts = [], [], []
    for row in rows:
        topic = str(row["topic"]) if row.get("topic") in Thread.Topic.values else "other"
        thread, message = inbox_services.thread_start(patient=patient, topic=topic, text=row["text"])
        draft_id = async_to_sync(pipeline.handle_portal_message)(message.pk)
        passed = None
        if draft_id is not None:
            started = time.perf_counter()
            async_to_sync(pipeline.draft_reply)(draft_id)
            latencies.append((time.perf_counter() - started) * 1000)
            draft = Draft.objects.get(pk=draft_id)
            passed = draft.status == Draft.Status.READY
            drafts.append({"passed": passed, "grade": draft.reading_grade, "words": len(draft.text_deid.split()), "reason": draft.reason})
        thread.refresh_from_db()
        predictions.append(
            {"id": row["id"], "urgency": thread.urgency, "reply_needed": thread.reply_needed, "draft_passed_rails": passed}
        )
    return predictions, latencies, drafts


def _p50(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--predictions", type=Path)
    parser.add_argument("--tiny-model", type=int, default=0, metavar="N", help="also time N drafts with the tiny model")
    args = parser.parse_args(argv)
    rows = _rows(args.data)

    var = Path(tempfile.mkdtemp(prefix="drafts-bench-"))
    os.environ.update(_env(var, WARM_UP="false", CELERY_TASK_ALWAYS_EAGER="true", LLM_BACKEND="extractive"))
    _manage(dict(os.environ), "migrate", "--noinput")
    _manage(dict(os.environ), "load_knowledge", "chatbot/knowledge/starter")
    import django

    django.setup()
    from django.conf import settings

    from chatbot.warmup import warm_up

    warm_up()
    predictions, latencies, drafts = _run(rows, label="extractive")

    gold = {r["id"]: r for r in rows}
    flagged = [p for p in predictions if gold[p["id"]]["urgency"] != "routine"]
    routine = [p for p in predictions if p["urgency"] == "routine"]
    passed = [d for d in drafts if d["passed"]]
    result: dict[str, Any] = {
        "rows": len(rows),
        "recall_emergent_urgent": round(sum(p["urgency"] != "routine" for p in flagged) / len(flagged), 4) if flagged else None,
        "routine_precision": round(sum(gold[p["id"]]["urgency"] == "routine" for p in routine) / len(routine), 4) if routine else None,
        "routine_rows_triaged_routine": len(routine),
        "reply_needed_accuracy": round(sum(p["reply_needed"] == gold[p["id"]]["reply_needed"] for p in predictions) / len(rows), 4),
        "drafts_written": len(drafts),
        "drafts_passed_rails": round(len(passed) / len(drafts), 4) if drafts else None,
        "draft_rejections": sorted({d["reason"] for d in drafts if not d["passed"]}),
        "median_reading_grade": _p50([d["grade"] for d in passed if d["grade"] is not None]),
        "median_draft_words": _p50([d["words"] for d in passed]),
        "draft_latency_ms_p50": {"extractive": _p50(latencies)},
    }
    if args.tiny_model:
        result["draft_latency_ms_p50"]["tiny_model_serve_model"] = _tiny_model_latency(rows, args.tiny_model, var, settings)
    result["load_average"] = [round(x, 2) for x in os.getloadavg()]
    if args.predictions:
        args.predictions.write_text("".join(json.dumps(p) + "\n" for p in predictions), encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


def _tiny_model_latency(rows: list[dict[str, Any]], n: int, var: Path, settings: Any) -> float | None:
    """Drafting latency with the tiny model behind ``serve_model`` (OpenAI-compatible)."""
    from chatbot.llm.tiny import build_tiny_model

    model_dir = build_tiny_model(var / "tiny")
    port = _port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "serve_model", "--model", str(model_dir), "--port", str(port)],
        cwd=REPO,
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_http(f"http://127.0.0.1:{port}/v1/models")
        settings.LLM_BACKEND, settings.LLM_BASE_URL, settings.LLM_MAX_TOKENS = "openai", f"http://127.0.0.1:{port}/v1", 60
        needing = [r for r in rows if r["reply_needed"] and r["urgency"] == "routine"][:n]
        _, latencies, _ = _run(needing, label="tiny")
        return _p50(latencies)
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
