"""The care-team inbox in a real browser (Playwright, Debian's chromium).

``make test`` installs chromium when it is missing; these tests skip only when it
cannot be found (set ``CHROMIUM`` to another binary).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from chatbot import roles
from tests.factories import PatientFactory, UserFactory

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="chromium is not installed (make test installs it)"),
]
EMERGENCY = "crushing chest pain going down my left arm and im sweating a lot, started 20 min ago"


@pytest.fixture(scope="module")
def _models_loaded() -> None:
    """The live server runs the pipeline in-process (eager Celery): load the
    de-identifier, rails and embedder once, so no page waits for a cold start."""
    from chatbot.warmup import warm_up

    warm_up()


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch, _models_loaded: None) -> Iterator[Any]:
    # Playwright's sync API keeps an event loop in this thread; the test's own ORM calls
    # are ordinary synchronous ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


def _sign_in(browser: Any, base: str, username: str) -> Any:
    page = browser.new_context().new_page()
    page.set_default_timeout(90_000)  # a shared CI machine: the pipeline runs inside the request
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-for-tests-1")
    page.click("form.form button[type=submit]")
    page.wait_for_load_state()
    if "/accounts/mfa/" in page.url:  # staff pass a second factor
        from django_otp.oath import totp

        page.fill("#id_token", f"{totp(bytes.fromhex(TOTP_KEY)):06d}")
        page.click("form.form button[type=submit]")
        page.wait_for_load_state()
    return page


TOTP_KEY = "3132333435363738393031323334353637383930"


def _with_authenticator(user: Any) -> Any:
    """Staff sign in with an authenticator app: give ``user`` one with a known key."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=user, name="app", confirmed=True, key=TOTP_KEY)
    return user


def _send(page: Any, base: str, topic: str, text: str) -> None:
    page.goto(f"{base}/messages/")
    page.select_option("#topic", topic)
    page.fill("#text", text)
    page.click("#new-thread button[type=submit]")
    page.wait_for_url("**/messages/*/")


def test_patient_sends_clinician_edits_and_approves_patient_sees_the_reply(
    browser, live_server, settings, monkeypatch
) -> None:
    # No knowledge base is loaded here: one vetted passage answers, so there is a draft.
    from tests.chatbot.conftest import _keep_all, _vetted_passage

    monkeypatch.setattr("chatbot.steps.retrieve", _vetted_passage)
    monkeypatch.setattr("chatbot.steps.keep_relevant", _keep_all)
    settings.CHAT_RATE_LIMIT = 1000
    PatientFactory.create(username="pat")
    _with_authenticator(UserFactory.create(username="doc", roles=[roles.CLINICIAN]))
    patient = _sign_in(browser, live_server.url, "pat")
    _send(patient, live_server.url, "refill", "can you refill my metformin please, mail order")
    assert "Sent" in patient.inner_text("#thread-status")

    clinician = _sign_in(browser, live_server.url, "doc")
    clinician.goto(f"{live_server.url}/portal/inbox/")
    clinician.click("#inbox tbody tr a")
    assert "can you refill my metformin" in clinician.inner_text(".transcript")
    draft = clinician.input_value("#reply-text")
    assert draft, clinician.inner_text("main")
    clinician.fill("#reply-text", draft + "\n\nDr. Doc will send it to your mail-order pharmacy.")
    clinician.click("#approve-send")
    clinician.wait_for_url("**/portal/inbox/")

    patient.reload()
    replies = patient.locator("[data-role=care_team] .msg__text")
    assert "mail-order pharmacy" in replies.inner_text()
    assert "Answered" in patient.inner_text("#thread-status")


def test_an_emergency_shows_the_template_at_once_and_tops_the_inbox(browser, live_server, settings) -> None:
    settings.CHAT_RATE_LIMIT = 1000
    PatientFactory.create(username="pat")
    _with_authenticator(UserFactory.create(username="doc", roles=[roles.CLINICIAN]))
    patient = _sign_in(browser, live_server.url, "pat")
    _send(patient, live_server.url, "appointment", "can i move my physical to next week?")
    _send(patient, live_server.url, "symptom", EMERGENCY)
    template = patient.locator("[data-role=assistant] .msg__text").inner_text()
    assert "911" in template
    emergency_thread = patient.url.rstrip("/").rsplit("/", 1)[-1]

    clinician = _sign_in(browser, live_server.url, "doc")
    clinician.goto(f"{live_server.url}/portal/inbox/")
    first = clinician.locator("#inbox tbody tr").first
    assert first.get_attribute("data-thread") == emergency_thread
    assert "emergent" in first.inner_text()


def test_a_reloaded_chat_page_still_sends_a_declined_question_to_the_care_team(browser, live_server) -> None:
    """The decline's one-click action is stored with the reply: after a reload the page
    renders it, and the click creates the portal thread as the live button does."""
    from chatbot.extractive import NO_ANSWER
    from chatbot.models import Message, Thread
    from tests.factories import ConversationFactory, MessageFactory

    patient: Any = PatientFactory.create(username="reloading-patient")
    conversation: Any = ConversationFactory.create(patient=patient)
    question: Any = MessageFactory.create(
        conversation=conversation, text="what cream helps rosacea on my cheeks", status=Message.Status.ANSWERED
    )
    MessageFactory.create(
        conversation=conversation, role=Message.Role.ASSISTANT, reply_to=question, text=NO_ANSWER,
        text_deid=NO_ANSWER, mode=Message.Mode.TEMPLATE, actions=["send_to_care_team"],
    )  # fmt: skip
    page = _sign_in(browser, live_server.url, patient.username)
    page.goto(f"{live_server.url}/chat/{conversation.pk}/")
    page.click(f"button[data-send-to-care-team='{question.pk}']")
    page.wait_for_selector(".msg__action-status:has-text('Sent. Your care team will reply in the portal.')")
    assert Thread.objects.filter(from_chat_message=question).count() == 1
