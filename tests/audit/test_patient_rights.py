"""Right of access (/me/data.json), retention (`manage.py purge`) and break the glass."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from chatbot import services
from chatbot.models import AuditEvent, Conversation, Escalation, Message
from tests.factories import ConversationFactory, MessageFactory, PatientFactory, UserFactory, signed_in

pytestmark = pytest.mark.django_db


def test_a_patient_downloads_all_their_data_and_only_theirs() -> None:
    mine = MessageFactory(text="my own words")
    MessageFactory(text="someone else's words")
    response = signed_in(mine.conversation.patient).get("/me/data.json")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert [m["text"] for c in data["conversations"] for m in c["messages"]] == ["my own words"]
    event = AuditEvent.objects.get(action="data_export")
    assert event.actor_id == mine.conversation.patient.pk and "my own" not in event.canonical_content()


def test_staff_cannot_use_the_patient_download() -> None:
    assert signed_in(UserFactory(roles=["clinician"])).get("/me/data.json").status_code == 302


def _old(conversation: Any, days: int) -> Any:
    Conversation.objects.filter(pk=conversation.pk).update(updated_at=timezone.now() - timedelta(days=days))
    return conversation


def test_purge_deletes_old_conversations_but_never_open_escalations_or_legal_holds() -> None:
    old = _old(MessageFactory().conversation, 400)
    reply = Message.objects.create(
        conversation=old, role=Message.Role.ASSISTANT, text_encrypted="x", reply_to=old.messages.first()
    )
    held = ConversationFactory(legal_hold=True)
    MessageFactory(conversation=held)
    _old(held, 400)
    escalated = MessageFactory()
    services.escalation_create(message_id=escalated.pk, kind=Escalation.Kind.CRISIS, reason="suicide")
    _old(escalated.conversation, 400)
    resolved = MessageFactory()
    esc = services.escalation_create(message_id=resolved.pk, kind=Escalation.Kind.SCOPE, reason="scope")
    services.escalation_resolve(escalation=esc, by=UserFactory(roles=["clinician"]), outcome="no_action")
    _old(resolved.conversation, 400)
    recent = MessageFactory().conversation

    call_command("purge", "--older-than", "365")

    remaining = set(Conversation.objects.values_list("pk", flat=True))
    assert remaining == {held.pk, escalated.conversation_id, recent.pk}
    assert not Message.objects.filter(pk=reply.pk).exists()
    purged = AuditEvent.objects.filter(action="purge")
    assert {e.object_id for e in purged} == {str(old.pk), str(resolved.conversation_id)}
    assert purged.get(object_id=str(old.pk)).detail == {"messages": 2, "escalations": 0, "older_than_days": 365}


def test_purge_dry_run_deletes_nothing(capsys) -> None:
    _old(MessageFactory().conversation, 40)
    call_command("purge", "--older-than", "30", "--dry-run")
    assert "would purge 1 conversations" in capsys.readouterr().out
    assert Conversation.objects.count() == 1 and not AuditEvent.objects.filter(action="purge").exists()


def test_opening_a_conversation_outside_ones_work_needs_a_reason() -> None:
    conversation = MessageFactory(text="private words").conversation
    clinician = UserFactory(roles=["clinician"])
    client = signed_in(clinician)
    page = client.get(f"/portal/conversations/{conversation.pk}/")
    assert page.status_code == 200 and b"private words" not in page.content and b"say why" in page.content
    assert client.post(f"/portal/conversations/{conversation.pk}/break-glass/", {"reason": "short"}).status_code == 400
    reason = "Patient called the clinic and asked me to review"
    done = client.post(f"/portal/conversations/{conversation.pk}/break-glass/", {"reason": reason})
    assert done.status_code == 302
    assert b"private words" in client.get(f"/portal/conversations/{conversation.pk}/").content
    event = AuditEvent.objects.get(action="break_glass")
    assert (event.actor_id, event.object_id, event.reason) == (clinician.pk, str(conversation.pk), reason)


def test_a_conversation_in_the_queue_opens_without_a_reason() -> None:
    message = MessageFactory(text="queued words")
    services.escalation_create(message_id=message.pk, kind=Escalation.Kind.CRISIS, reason="suicide")
    page = signed_in(UserFactory(roles=["clinician"])).get(f"/portal/conversations/{message.conversation_id}/")
    assert b"queued words" in page.content
    assert not AuditEvent.objects.filter(action="break_glass").exists()


def test_a_patient_cannot_break_the_glass() -> None:
    conversation = ConversationFactory()
    response = signed_in(PatientFactory()).post(
        f"/portal/conversations/{conversation.pk}/break-glass/", {"reason": "I want to read it please"}
    )
    assert response.status_code == 302 and not AuditEvent.objects.filter(action="break_glass").exists()


def _answered_thread(patient: Any, text: str) -> Any:
    from chatbot.inbox import services as inbox

    clinician = UserFactory(roles=["clinician"])
    thread, _ = inbox.thread_start(patient=patient, topic="refill", text=text)
    inbox.portal_reply_send(thread=thread, by=clinician, text="Sent to your pharmacy.")
    thread.refresh_from_db()
    return thread


def test_the_download_includes_care_team_threads() -> None:
    patient = PatientFactory()
    _answered_thread(patient, "please refill my metformin")
    data = json.loads(signed_in(patient).get("/me/data.json").content)
    (portal,) = [c for c in data["conversations"] if c["channel"] == "portal"]
    assert portal["thread"] == {"topic": "Prescription refill", "status": "answered"}
    assert [m["text"] for m in portal["messages"]] == ["please refill my metformin", "Sent to your pharmacy."]


def test_purge_deletes_an_old_answered_thread_and_keeps_one_still_waiting() -> None:
    from chatbot.inbox import services as inbox
    from chatbot.models import Draft, ReplyApproval, Thread, Triage

    patient = PatientFactory()
    answered = _answered_thread(patient, "refill please")
    Triage.objects.create(message=answered.conversation.messages.first(), urgency="routine")
    waiting, _ = inbox.thread_start(patient=patient, topic="symptom", text="my rash is worse")
    _old(answered.conversation, 400)
    _old(waiting.conversation, 400)

    call_command("purge", "--older-than", "365")

    assert list(Thread.objects.values_list("pk", flat=True)) == [waiting.pk]
    assert not ReplyApproval.objects.exists()
    assert not Triage.objects.filter(message__conversation_id=answered.conversation_id).exists()
    assert not Draft.objects.filter(thread_id=answered.pk).exists()
    event = AuditEvent.objects.get(action="purge")
    assert event.object_id == str(answered.conversation_id) and event.detail["thread"] == 1


def test_purging_a_chat_keeps_the_thread_sent_from_it() -> None:
    from chatbot.inbox import services as inbox
    from chatbot.models import Thread

    chat_message: Any = MessageFactory(text="is this rash serious?")
    patient = chat_message.conversation.patient
    thread, _ = inbox.thread_from_chat(patient=patient, message=chat_message)
    _old(chat_message.conversation, 400)

    call_command("purge", "--older-than", "365")

    assert not Conversation.objects.filter(pk=chat_message.conversation_id).exists()
    thread = Thread.objects.get(pk=thread.pk)
    assert thread.from_chat_message_id is None
    assert thread.conversation.messages.count() == 1
