"""deploy/docker-compose.yml: the whole stack with one command, a CPU profile with no GPU.
Checked by ``docker compose config`` when Docker's compose plugin is present, and by a
JSON-schema and invariant check always."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

COMPOSE = Path(__file__).resolve().parents[2] / "deploy" / "docker-compose.yml"
SPEC: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())

# The part of the Compose specification this file uses.
SCHEMA = {
    "type": "object",
    "required": ["services"],
    "properties": {
        "services": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "anyOf": [{"required": ["image"]}, {"required": ["build"]}],
                "properties": {
                    "image": {"type": "string"},
                    "build": {"type": "object", "required": ["context"]},
                    "command": {"type": ["array", "string"]},
                    "profiles": {"type": "array", "items": {"enum": ["cpu", "gpu"]}},
                    "ports": {"type": "array", "items": {"type": "string"}},
                    "depends_on": {"type": ["object", "array"]},
                    "environment": {"type": ["object", "array"]},
                    "healthcheck": {"type": "object", "required": ["test"]},
                    "restart": {"enum": ["no", "always", "unless-stopped", "on-failure"]},
                },
            },
        },
        "volumes": {"type": "object"},
    },
}


def test_the_file_matches_the_compose_schema_subset() -> None:
    jsonschema.validate(SPEC, SCHEMA)


def _started(profile: str | None) -> set[str]:
    return {name for name, s in SPEC["services"].items() if not s.get("profiles") or profile in s["profiles"]}


@pytest.mark.parametrize("profile", [None, "cpu", "gpu"])
def test_every_dependency_starts_in_the_same_profile(profile) -> None:
    started = _started(profile)
    for name in started:
        for dependency in SPEC["services"][name].get("depends_on", {}):
            assert dependency in started, (profile, name, dependency)


def test_the_cpu_profile_needs_no_gpu() -> None:
    for name in _started("cpu"):
        assert "deploy" not in SPEC["services"][name], name
    assert "vllm" not in _started("cpu") and "model-cpu" in _started("cpu")


def test_only_web_publishes_a_port_and_only_on_loopback() -> None:
    published = {name: s["ports"] for name, s in SPEC["services"].items() if s.get("ports")}
    assert list(published) == ["web"]
    assert all(p.startswith("127.0.0.1:") for p in published["web"])


def test_passwords_come_from_the_environment_never_the_file() -> None:
    text = COMPOSE.read_text()
    assert "${POSTGRES_PASSWORD:?" in text and "${REDIS_PASSWORD:?" in text
    db = SPEC["services"]["db"]["environment"]["POSTGRES_PASSWORD"]
    assert db.startswith("${")


def test_the_long_running_services_have_healthchecks() -> None:
    for name in ("db", "redis", "web", "worker", "vllm"):
        assert "healthcheck" in SPEC["services"][name], name


def _compose_plugin() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _compose_plugin(), reason="docker compose is not installed")
@pytest.mark.parametrize("profile", ["cpu", "gpu"])
def test_docker_compose_config_accepts_it(profile) -> None:
    env = {**os.environ, "POSTGRES_PASSWORD": "x", "REDIS_PASSWORD": "y", "MODEL_DIR": "m"}
    subprocess.run(
        ["docker", "compose", "-f", str(COMPOSE), "--profile", profile, "config", "-q"], env=env, check=True
    )
