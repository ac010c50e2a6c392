"""The clinician side: order, filters, claim, actions, metrics and the feedback export."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from chatbot import roles
from chatbot.inbox import selectors as inbox_selectors
from chatbot.inbox import services as inbox_services
from chatbot.models import AccessLog, Draft, Escalation, Message, Thread
from clinician_portal import selectors
from clinician_portal.models import CareTeam
from tests.factories import UserFactory, signed_in

pytestmark = [pytest.mark.django_db]


def _thread(patient, urgency: str, topic: str = "other", text: str = "hello") -> Thread:
    thread, message = inbox_services.thread_start(patient=patient, topic=topic, text=text)
    inbox_services.triage_record(
        message_id=message.pk, urgency=urgency, intent="other", reply_needed=True, evidence=[]
    )
    thread.refresh_from_db()
    return thread


@pytest.fixture(autouse=True)
def _many_messages(settings) -> None:
    settings.CHAT_RATE_LIMIT = 1000


def test_the_inbox_is_sorted_by_urgency_then_due_time(patient, clinician) -> None:
    routine = _thread(patient, "routine")
    urgent = _thread(patient, "urgent")
    emergent = _thread(patient, "emergent")
    assert list(selectors.inbox_threads(user=clinician)) == [emergent, urgent, routine]


def test_filters_mine_pools_and_unassigned(patient, clinician) -> None:
    from clinician_portal import services as portal_services

    refill = _thread(patient, "routine", topic="refill")
    billing = _thread(patient, "routine", topic="paperwork_billing")
    team = CareTeam.objects.create(name="Pharmacy", topics=["refill"])
    team.members.add(clinician)
    assert list(selectors.inbox_threads(user=clinician, view="pools")) == [refill]
    portal_services.thread_claim(thread=billing, by=clinician)
    assert list(selectors.inbox_threads(user=clinician, view="mine")) == [billing]
    assert list(selectors.inbox_threads(user=clinician, view="unassigned")) == [refill]
    other = UserFactory.create(roles=[roles.CLINICIAN])
    with pytest.raises(inbox_services.IllegalTransition):
        portal_services.thread_claim(thread=billing, by=other)


def test_opening_a_thread_logs_access_and_marks_it_read(patient, clinician) -> None:
    thread = _thread(patient, "routine", text="my secret question")
    client = signed_in(clinician)
    page = client.get(f"/portal/inbox/{thread.pk}/")
    assert b"my secret question" in page.content
    assert AccessLog.objects.filter(user=clinician, conversation_id=thread.conversation_id).exists()
    thread.refresh_from_db()
    assert thread.status == Thread.Status.READ and thread.opened_at is not None


def test_the_inbox_page_marks_a_breached_sla(patient, clinician) -> None:
    thread = _thread(patient, "urgent")
    Thread.objects.filter(pk=thread.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    client = signed_in(clinician)
    assert b"SLA breached" in client.get("/portal/inbox/").content


def test_no_reply_escalate_and_regenerate(patient, clinician, monkeypatch) -> None:
    queued: list[int] = []
    monkeypatch.setattr("chatbot.tasks.portal_draft_enqueue", lambda *, draft_id: queued.append(draft_id))
    thread = _thread(patient, "routine")
    client = signed_in(clinician)
    client.post(f"/portal/inbox/{thread.pk}/regenerate/", {"instruction": "shorter"})
    assert Draft.objects.get(pk=queued[0]).instruction == "shorter"
    assert client.post(f"/portal/inbox/{thread.pk}/regenerate/", {"instruction": "rude"}).status_code == 302
    assert len(queued) == 1
    client.post(f"/portal/inbox/{thread.pk}/escalate/")
    assert Escalation.objects.filter(
        kind="inbox", priority=Escalation.Priority.URGENT, conversation_id=thread.conversation_id
    ).exists()
    client.post(f"/portal/inbox/{thread.pk}/no-reply/")
    thread.refresh_from_db()
    assert thread.status == Thread.Status.CLOSED
    assert not inbox_selectors.threads_open().filter(pk=thread.pk).exists()


def test_metrics_and_the_feedback_export(patient, clinician, tmp_path) -> None:
    thread = _thread(patient, "urgent")
    message = Message.objects.get(conversation_id=thread.conversation_id)
    Message.objects.filter(pk=message.pk).update(text_deid="can i take tylenol?")
    draft = inbox_services.draft_create(thread_id=thread.pk, message_id=message.pk)
    inbox_services.draft_store(
        draft_id=draft.pk, text="Tylenol is usually fine.", text_deid="Tylenol is usually fine.",
        mode="extractive", citations=[], verdicts=[], reading_grade=5.0,
    )  # fmt: skip
    inbox_services.thread_open(thread=thread, by=clinician)
    inbox_services.portal_reply_send(
        thread=thread, by=clinician, text="Tylenol is usually fine for you.", draft=draft
    )
    figures = inbox_selectors.inbox_metrics(days=7)
    assert figures["replies"] == 1 and figures["draft_use_rate"] == 1.0
    assert figures["median_edit_distance"] > 0
    client = signed_in(clinician)
    assert b"Draft use rate" in client.get("/portal/inbox/metrics/").content
    out = tmp_path / "feedback.jsonl"
    call_command("export_draft_feedback", "--since", "2000-01-01", "--out", str(out))
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows == [
        {
            "prompt": "can i take tylenol?",
            "draft": "Tylenol is usually fine.",
            "final": "Tylenol is usually fine for you.",
            "edit_distance": rows[0]["edit_distance"],
            "urgency": "urgent",
            "topic": "other",
        }
    ]


def test_the_export_refuses_a_bad_date() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("export_draft_feedback", "--since", "yesterday")


def test_a_clinician_joins_the_chat_a_thread_was_sent_from(patient, clinician) -> None:
    from chatbot.models import Conversation
    from tests.factories import MessageFactory

    older_chat = MessageFactory(conversation__patient=patient).conversation
    chat_message: Any = MessageFactory(conversation__patient=patient, text="is this rash serious?")
    Conversation.objects.filter(pk=older_chat.pk).update(updated_at=timezone.now() + timedelta(hours=1))
    thread, _ = inbox_services.thread_from_chat(patient=patient, message=chat_message)
    client = signed_in(clinician)
    assert b'id="takeover"' in client.get(f"/portal/inbox/{thread.pk}/").content

    response = client.post(f"/portal/inbox/{thread.pk}/takeover/")

    assert response.status_code == 302 and response["Location"] == f"/portal/conversations/{chat_message.conversation_id}/"
    joined = Conversation.objects.get(pk=chat_message.conversation_id)
    assert joined.staff_joined_by_id == clinician.pk
    assert client.get(response["Location"]).status_code == 200  # joined: in their work, no break-the-glass
    assert b"say why" not in client.get(response["Location"]).content


def test_a_thread_without_a_chat_cannot_be_taken_over(patient, clinician) -> None:
    thread = _thread(patient, "routine")
    client = signed_in(clinician)
    assert b'id="takeover"' not in client.get(f"/portal/inbox/{thread.pk}/").content
    response = client.post(f"/portal/inbox/{thread.pk}/takeover/", follow=True)
    assert b"no chat conversation to join" in response.content
