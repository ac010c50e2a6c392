"""A crisis reaches a clinician's open portal page live, and the clinician takes over
the chat — in a real browser (Playwright, Debian's chromium) against daphne.

Channels needs daphne for websockets, so this starts the product as a subprocess on
its own SQLite file (eager tasks, the real rails), like ``make run``. ``make test``
installs chromium when missing; the test skips only when it cannot be found.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks.chat_latency import REPO, _env, _manage, _port, _wait_http

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason="chromium is not installed (make test installs it)"
    ),
]
TOTP_KEY = "3132333435363738393031323334353637383930"  # staff must pass a second factor
CRISIS = "I am going to kill myself tonight. I have the pills ready."


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    var = Path(tempfile.mkdtemp(prefix="browser-escalation-"))
    env = _env(
        var,
        DATABASE_URL=f"sqlite:///{var / 'db.sqlite3'}",
        REDIS_URL="",
        CELERY_TASK_ALWAYS_EAGER="true",
        WARM_UP="false",
        ESCALATION_EMBEDDED_SCHEDULER="false",
        DB_CONN_MAX_AGE="0",
    )
    _manage(env, "migrate", "--noinput")
    _manage(
        env, "shell", "-c",
        "from tests.factories import PatientFactory, UserFactory;"
        "PatientFactory(username='pat');"
        "doc = UserFactory(username='doc', first_name='Dana', last_name='Okafor', roles=['clinician']);"
        "from django_otp.plugins.otp_totp.models import TOTPDevice;"
        f"TOTPDevice.objects.create(user=doc, name='app', confirmed=True, key='{TOTP_KEY}')",
    )  # fmt: skip
    port = _port()
    with (var / "daphne.log").open("w") as log:
        web = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            _wait_http(f"http://127.0.0.1:{port}/accounts/login/")
            yield f"http://127.0.0.1:{port}"
        finally:
            web.terminate()
            try:
                web.wait(20)
            except subprocess.TimeoutExpired:
                web.kill()


@pytest.fixture
def browser() -> Iterator[Any]:
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


def _sign_in(browser: Any, base: str, username: str) -> Any:
    page = browser.new_context().new_page()
    page.set_default_timeout(300_000)  # the first message loads the de-identifier and rails
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests-1")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    if "/accounts/mfa/" in page.url:
        from django_otp.oath import totp

        page.fill("#id_token", f"{totp(bytes.fromhex(TOTP_KEY)):06d}")
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
    return page


def test_crisis_live_portal_acknowledge_join_talk_and_hand_back(browser, server) -> None:
    clinician = _sign_in(browser, server, "doc")
    clinician.goto(f"{server}/portal/")
    clinician.wait_for_selector("[data-portal-live][data-live=connected]")

    patient = _sign_in(browser, server, "pat")
    patient.goto(f"{server}/chat/")
    patient.fill("#message-input", CRISIS)
    patient.wait_for_selector("#send-button:not([disabled])")  # enabled once there is text to send
    patient.click("#send-button")
    patient.wait_for_selector("#crisis-banner:not([hidden])")

    # 1-2. The clinician's open queue gets the urgent row without a reload, with an alert.
    row = clinician.wait_for_selector("table[data-queue] tbody tr.urgent[data-escalation-id]")
    assert clinician.title().startswith("(1) ")
    assert clinician.is_visible("#portal-alert")

    # 3. Acknowledge and join.
    row.query_selector("a").click()
    clinician.click("text=Acknowledge")
    assert "Acknowledged" in clinician.inner_text("[data-status]")
    clinician.click("text=Join the patient's chat")
    patient.wait_for_selector("text=Dana Okafor, clinician, has joined")
    clinician.wait_for_selector("[data-takeover]")

    # 4. The patient sees the clinician's message, and no assistant answer follows theirs.
    clinician.fill("#staff-text", "Hi, this is Dana from the clinic. I'm here with you.")
    clinician.click("[data-takeover] button[type=submit]")
    patient.wait_for_selector(".msg--staff >> text=I'm here with you")
    answers = patient.locator(".msg--assistant").count()
    patient.fill("#message-input", "ok. thank you for coming")
    patient.wait_for_selector("#send-button:not([disabled])")
    patient.click("#send-button")
    clinician.wait_for_selector("[data-chat-log] >> text=thank you for coming")
    patient.wait_for_timeout(1500)  # room for a wrong answer to show up; none may
    assert patient.locator(".msg--assistant").count() == answers

    # 5. Hand back: the patient is told the assistant answers again.
    clinician.click("text=Hand back to the assistant")
    patient.wait_for_selector("text=The assistant is answering again")
