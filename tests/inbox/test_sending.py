"""Nothing reaches a patient without a recorded human approval: the one service that
sends, and every other path tried (API, admin, a task, a direct model save)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from rest_framework.authtoken.models import Token

from chatbot import crypto, roles
from chatbot.inbox import selectors as inbox_selectors
from chatbot.inbox import services as inbox_services
from chatbot.models import Draft, Message, ReplyApproval, Thread
from tests.factories import UserFactory, signed_in

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def thread(patient) -> Thread:
    thread, _ = inbox_services.thread_start(patient=patient, topic="medication", text="can i take tylenol with my meds?")
    return thread


@pytest.fixture
def ready_draft(thread) -> Draft:
    message = Message.objects.get(conversation_id=thread.conversation_id, role="patient")
    draft = inbox_services.draft_create(thread_id=thread.pk, message_id=message.pk)
    return inbox_services.draft_store(
        draft_id=draft.pk,
        text="Acetaminophen is usually safe with most medicines [1].\n\nYour care team",
        text_deid="Acetaminophen is usually safe with most medicines [1].\n\nYour care team",
        mode="extractive",
        citations=[{"number": 1, "title": "Acetaminophen safety", "url": ""}],
        verdicts=[],
        reading_grade=6.0,
    )


def _care_team_messages(thread: Thread) -> list[Message]:
    return list(Message.objects.filter(conversation_id=thread.conversation_id, role=Message.Role.CARE_TEAM))


def test_it_sends_an_edited_draft_and_records_the_approval(thread, ready_draft, clinician) -> None:
    inbox_services.thread_open(thread=thread, by=clinician)
    final = "Acetaminophen (Tylenol) is usually safe with your medicines [1]. Your care team"
    sent = inbox_services.portal_reply_send(thread=thread, by=clinician, text=final, draft=ready_draft)
    approval = ReplyApproval.objects.get()
    assert sent.approval == approval
    assert approval.approver == clinician and approval.ai_drafted and approval.edited
    assert approval.edit_distance is not None and 0 < approval.edit_distance < 0.5
    assert approval.seconds_open_to_send is not None
    thread.refresh_from_db()
    ready_draft.refresh_from_db()
    assert thread.status == Thread.Status.ANSWERED and ready_draft.status == Draft.Status.SENT
    transcript = inbox_selectors.thread_transcript_for_patient(thread=thread)
    assert transcript[-1] == {**transcript[-1], "role": "care_team", "text": final}


def test_it_records_my_own_reply_as_not_drafted(thread, ready_draft, clinician) -> None:
    inbox_services.draft_discard(draft=ready_draft)
    inbox_services.portal_reply_send(thread=thread, by=clinician, text="Yes, that is fine.")
    approval = ReplyApproval.objects.get()
    assert not approval.ai_drafted and approval.edit_distance is None


def test_it_refuses_a_user_without_the_send_permission(thread, ready_draft) -> None:
    officer = UserFactory.create(roles=[roles.SAFETY_OFFICER])
    with pytest.raises(inbox_services.NotAllowedToSend):
        inbox_services.portal_reply_send(thread=thread, by=officer, text="hi", draft=ready_draft)
    assert not _care_team_messages(thread) and not ReplyApproval.objects.exists()


def test_it_refuses_a_draft_that_is_no_longer_live(thread, ready_draft, clinician) -> None:
    inbox_services.draft_discard(draft=ready_draft)
    with pytest.raises(inbox_services.IllegalTransition):
        inbox_services.portal_reply_send(thread=thread, by=clinician, text="x", draft=ready_draft)
    assert not _care_team_messages(thread)


def test_a_draft_is_never_in_what_the_patient_sees(thread, ready_draft, patient) -> None:
    client = Client()
    client.force_login(patient)
    page = client.get(f"/messages/{thread.pk}/")
    assert page.status_code == 200
    assert b"Acetaminophen is usually safe" not in page.content
    token = Token.objects.create(user=patient)
    api = Client(HTTP_AUTHORIZATION=f"Token {token.key}").get(f"/api/threads/{thread.pk}/")
    assert api.status_code == 200 and "Acetaminophen is usually safe" not in api.content.decode()


def test_a_direct_model_save_without_an_approval_is_refused(thread) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(
            conversation_id=thread.conversation_id,
            role=Message.Role.CARE_TEAM,
            text_encrypted=crypto.encrypt("unapproved"),
        )
    assert not _care_team_messages(thread)


def test_the_admin_cannot_create_a_care_team_message_or_an_approval(thread, admin_user) -> None:
    admin_client = signed_in(admin_user)  # the admin passes its second factor first
    response = admin_client.post(
        "/admin/chatbot/message/add/",
        {"conversation": thread.conversation_id, "role": "care_team", "status": "delivered", "text_encrypted": "x"},
    )
    assert response.status_code == 403
    assert admin_client.get("/admin/chatbot/replyapproval/add/").status_code == 403
    assert admin_client.get("/admin/chatbot/draft/add/").status_code == 403
    assert not _care_team_messages(thread)


def test_the_patient_api_offers_no_way_to_send_as_the_care_team(thread, clinician) -> None:
    token = Token.objects.create(user=clinician)
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.post(f"/api/threads/{thread.pk}/messages/", {"text": "reply"}, content_type="application/json")
    assert response.status_code == 403
    assert not _care_team_messages(thread)


def test_the_drafting_task_never_sends(thread, ready_draft, monkeypatch) -> None:
    from chatbot import tasks

    message = Message.objects.get(conversation_id=thread.conversation_id, role="patient")
    draft = inbox_services.draft_create(thread_id=thread.pk, message_id=message.pk, instruction="shorter")
    monkeypatch.setattr("chatbot.inbox.steps.check_output", _no_verdicts)
    tasks.draft_portal_reply.delay(draft.pk)
    assert not _care_team_messages(thread)
    assert Draft.objects.get(pk=draft.pk).status in (Draft.Status.READY, Draft.Status.REJECTED)


async def _no_verdicts(job, body, passages):
    return []


def test_the_portal_send_view_refuses_without_permission(thread, ready_draft) -> None:
    officer = UserFactory.create(roles=[roles.SAFETY_OFFICER])
    client = signed_in(officer)
    response = client.post(f"/portal/inbox/{thread.pk}/send/", {"text": "hi", "draft_id": ready_draft.pk})
    assert response.status_code == 403
    assert not _care_team_messages(thread)


def test_the_portal_approve_and_send_flow(thread, ready_draft, clinician) -> None:
    client = signed_in(clinician)
    page = client.get(f"/portal/inbox/{thread.pk}/")
    assert b"can i take tylenol" in page.content and b"Approve and send" in page.content
    assert client.post(f"/portal/inbox/{thread.pk}/send/", {"text": "Edited reply.", "draft_id": ready_draft.pk}).status_code == 302
    assert [crypto.decrypt(m.text_encrypted) for m in _care_team_messages(thread)] == ["Edited reply."]
