"""Hardening: `check --deploy` is clean with deploy/env.example, and every page sends the
security headers with a Content Security Policy that allows no inline script."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import PatientFactory, UserFactory, signed_in

REPO = Path(__file__).resolve().parents[2]


def _example_env(tmp_path: Path) -> dict[str, str]:
    env = {}
    for line in (REPO / "deploy" / "env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            env[name.strip()] = value.strip()
    # Secrets the example names by file: give them throwaway values here.
    for name, value in list(env.items()):
        if name.endswith("_FILE") and value.startswith("/run/secrets/"):
            secret = tmp_path / name.lower()
            secret.write_text(secrets.token_urlsafe(50))
            env[name] = str(secret)
    env["AUDIT_ANCHOR_FILE"] = str(tmp_path / "anchors.jsonl")
    return env


def test_check_deploy_is_clean_with_the_example_environment(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DEBUG")}
    env.update(_example_env(tmp_path), VAR_DIR=str(tmp_path), WARM_UP="false")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "path"),
    [("anonymous", "/accounts/login/"), ("patient", "/chat/"), ("clinician", "/portal/"), ("admin", "/admin/")],
)
def test_pages_send_the_security_headers(who, path) -> None:
    if who == "anonymous":
        from django.test import Client

        client = Client()
    elif who == "patient":
        client = signed_in(PatientFactory())
    elif who == "clinician":
        client = signed_in(UserFactory(roles=["clinician"]))
    else:
        client = signed_in(UserFactory(is_staff=True, is_superuser=True))
    response = client.get(path, follow=True)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", csp)
    assert script_src and script_src.group(1).strip() == "'self'"
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    # No inline script in our own pages: every <script> is a src= file or a JSON data block.
    if who != "admin":
        for tag in re.findall(rb"<script[^>]*>", response.content):
            assert b"src=" in tag or b'type="application/json"' in tag, tag
        assert not re.search(rb"\son[a-z]+=", response.content)  # no inline event handlers
