"""The Grafana dashboard plots only metrics the product exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "clinic-assistant.json"
SOURCES = [Path(__file__).resolve().parents[2] / "chatbot" / name for name in ("metrics.py", "operations.py")]


def test_every_panel_queries_an_exported_metric() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    exported = set(re.findall(r'"(chat_[a-z_]+)"', "".join(p.read_text() for p in SOURCES)))
    assert len(dashboard["panels"]) >= 10
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            for name in re.findall(r"\bchat_[a-z_]+", target["expr"]):
                assert name.removesuffix("_bucket") in exported, (panel["title"], name)


def test_the_operators_signals_named_in_the_issue_each_have_a_panel() -> None:
    exprs = " ".join(t["expr"] for p in json.loads(DASHBOARD.read_text())["panels"] for t in p["targets"])
    for metric in ("chat_messages_total", "chat_rail_verdicts_total", "chat_rail_check_seconds",
                   "chat_deidentify_seconds", "chat_model_first_token_seconds", "chat_model_errors_total",
                   "chat_celery_queue_depth", "chat_escalations_open", "chat_escalations_past_sla",
                   "chat_open_sockets"):  # fmt: skip
        assert metric in exprs, metric
