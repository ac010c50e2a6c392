"""The systemd units run what the load benchmark measured: uvicorn for the web, and a
worker with the beat (the sweeps and SLA checks) at the lowest CPU priority."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

UNITS = Path(__file__).resolve().parents[2] / "deploy" / "systemd"


def _service(name: str) -> configparser.SectionProxy:
    unit = configparser.ConfigParser(interpolation=None, strict=False)
    text = (UNITS / name).read_text().replace("\\\n", " ")  # systemd's line continuations
    unit.read_string(text)
    return unit["Service"]


def test_the_web_unit_serves_with_uvicorn_as_benchmarked() -> None:
    argv = shlex.split(_service("clinic-assistant-web.service")["ExecStart"])
    assert Path(argv[0]).name == "uvicorn" and "config.asgi:application" in argv
    assert argv[argv.index("--loop") + 1] == "uvloop" and argv[argv.index("--ws") + 1] == "websockets"
    assert argv[argv.index("--host") + 1] == "127.0.0.1"  # behind nginx, never on a public address


def test_the_worker_unit_runs_the_beat_at_the_lowest_priority() -> None:
    service = _service("clinic-assistant-worker.service")
    argv = shlex.split(service["ExecStart"])
    assert Path(argv[0]).name == "celery" and "worker" in argv and "--beat" in argv
    assert service["Nice"] == "19"
    schedule = Path(argv[argv.index("--schedule") + 1])
    assert schedule.parent == Path("/var/lib") / service["StateDirectory"]


def test_every_unit_restarts_and_runs_as_its_own_user() -> None:
    for unit in sorted(UNITS.glob("*.service")):
        service = _service(unit.name)
        assert service.get("Restart") == "on-failure", unit.name
        assert service.get("User") not in (None, "root"), unit.name
