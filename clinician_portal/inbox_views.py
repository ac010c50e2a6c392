"""The care-team inbox in the portal. Thin views: authenticate, validate, one call.

The thread page is where staff read a patient's original portal messages, and each
visit writes the access log (``inbox.services.thread_open``). Sending goes through
``portal_reply_send`` alone, which refuses anyone without ``send_portal_reply``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, user_passes_test
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from chatbot import crypto, roles, services, tasks
from chatbot.inbox import drafting
from chatbot.inbox import selectors as inbox_selectors
from chatbot.inbox import services as inbox_services
from chatbot.models import Draft, Escalation, Thread
from clinician_portal import selectors
from clinician_portal import services as portal_services
from clinician_portal.models import CareTeam

staff_required = user_passes_test(roles.is_staff_reviewer)


def _thread(thread_id: int) -> Thread:
    try:
        return inbox_selectors.thread_for_staff(thread_id=thread_id)
    except Thread.DoesNotExist:
        raise Http404 from None


def _quotes(evidence: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """Each piece of triage evidence with the words it points at (in the de-identified text)."""
    rows = []
    for item in evidence:
        start, end = item.get("start"), item.get("end")
        quote = text[int(start) : int(end)] if isinstance(start, int) and isinstance(end, int) else ""
        rows.append({**item, "quote": quote})
    return rows


@login_required
@staff_required
def inbox(request: HttpRequest) -> HttpResponse:
    view = request.GET.get("view", "all")
    if view not in selectors.VIEWS:
        view = "all"
    now = timezone.now()
    threads = selectors.inbox_threads(user=request.user, view=view)[:200]
    rows = [{"thread": t, "breached": t.due_at is not None and t.due_at < now} for t in threads]
    return render(request, "clinician_portal/inbox.html", {"rows": rows, "view": view, "views": selectors.VIEWS})


@login_required
@staff_required
def thread(request: HttpRequest, thread_id: int) -> HttpResponse:
    item = _thread(thread_id)
    originals = inbox_services.thread_open(thread=item, by=request.user)
    item.refresh_from_db()  # now read
    rows = []
    for message in inbox_selectors.thread_messages(thread=item):
        triage = getattr(message, "triage", None)
        rows.append(
            {
                "message": message,
                "original": originals.get(message.pk, ""),
                "triage": triage,
                "evidence": _quotes(triage.evidence, message.text_deid) if triage else [],
            }
        )
    draft = inbox_selectors.thread_live_draft(thread=item)
    draft_text = inbox_selectors.draft_text_for_staff(draft=draft) if draft is not None else ""
    assignment = getattr(item, "assignment", None)
    return render(
        request,
        "clinician_portal/inbox_thread.html",
        {
            "thread": item,
            "rows": rows,
            "draft": draft,
            "draft_text": draft_text,
            "instructions": drafting.INSTRUCTIONS,
            "assignment": assignment,
            "teams": selectors.care_teams(),
            "clinicians": selectors.clinicians(),
            "can_send": request.user.has_perm(inbox_services.SEND_PERMISSION),
            "chat": inbox_selectors.chat_for_thread(thread=item),
        },
    )


@require_POST
@login_required
@staff_required
def send(request: HttpRequest, thread_id: int) -> HttpResponse:
    """Approve and send (the draft as edited), or send my own words (no draft)."""
    item = _thread(thread_id)
    text = (request.POST.get("text") or "").strip()
    draft = None
    if request.POST.get("draft_id"):
        try:
            draft = Draft.objects.get(pk=int(request.POST["draft_id"]), thread=item)
        except (ValueError, Draft.DoesNotExist):
            messages.error(request, "That draft no longer exists. Reload the page.")
            return redirect("portal:inbox_thread", item.pk)
    try:
        sent = inbox_services.portal_reply_send(thread=item, by=request.user, text=text, draft=draft)
    except inbox_services.NotAllowedToSend:
        messages.error(request, "You do not have permission to send replies to patients.")
        return HttpResponse(status=403, content=b"You do not have permission to send replies to patients.")
    except ValueError:
        messages.error(request, "Write a reply before sending.")
        return redirect("portal:inbox_thread", item.pk)
    except services.IllegalTransition as exc:
        messages.error(request, exc.detail)
        return redirect("portal:inbox_thread", item.pk)
    tasks.portal_reply_announce(
        thread_id=item.pk, conversation_id=item.conversation_id, message_id=sent.pk, text=crypto.decrypt(sent.text_encrypted)
    )
    messages.success(request, "Reply sent.")
    return redirect("portal:inbox")


@require_POST
@login_required
@staff_required
def discard(request: HttpRequest, thread_id: int) -> HttpResponse:
    """"Write my own": the draft is set aside; the editor opens empty."""
    item = _thread(thread_id)
    draft = inbox_selectors.thread_live_draft(thread=item)
    if draft is not None:
        try:
            inbox_services.draft_discard(draft=draft)
        except services.IllegalTransition as exc:
            messages.error(request, exc.detail)
    return redirect("portal:inbox_thread", item.pk)


@require_POST
@login_required
@staff_required
def regenerate(request: HttpRequest, thread_id: int) -> HttpResponse:
    item = _thread(thread_id)
    instruction = request.POST.get("instruction", "")
    if instruction not in drafting.INSTRUCTIONS:
        messages.error(request, "Choose one of the instructions offered.")
        return redirect("portal:inbox_thread", item.pk)
    message = inbox_selectors.latest_patient_message(thread=item)
    if message is None:
        raise Http404
    draft = inbox_services.draft_create(thread_id=item.pk, message_id=message.pk, instruction=instruction)
    tasks.portal_draft_enqueue(draft_id=draft.pk)
    return redirect("portal:inbox_thread", item.pk)


@require_POST
@login_required
@staff_required
def no_reply(request: HttpRequest, thread_id: int) -> HttpResponse:
    item = _thread(thread_id)
    try:
        inbox_services.thread_close_no_reply(thread=item, by=request.user)
    except services.IllegalTransition as exc:
        messages.error(request, exc.detail)
    return redirect("portal:inbox")


@require_POST
@login_required
@staff_required
def escalate(request: HttpRequest, thread_id: int) -> HttpResponse:
    """Escalate to a safety officer: an urgent escalation on the latest patient message."""
    item = _thread(thread_id)
    message = inbox_selectors.latest_patient_message(thread=item)
    if message is None:
        raise Http404
    services.escalation_create(
        message_id=message.pk, kind=Escalation.Kind.INBOX, reason="clinician_escalated", priority=Escalation.Priority.URGENT
    )
    messages.success(request, "Escalated to the safety officers.")
    return redirect("portal:inbox_thread", item.pk)


@require_POST
@login_required
@staff_required
def takeover(request: HttpRequest, thread_id: int) -> HttpResponse:
    """Convert the thread to a chat takeover: join the patient's live chat and open it."""
    chat = inbox_selectors.chat_for_thread(thread=_thread(thread_id))
    if chat is None:
        messages.error(request, "This patient has no chat conversation to join.")
        return redirect("portal:inbox_thread", thread_id)
    try:
        services.conversation_staff_join(conversation=chat, by=request.user)
    except services.IllegalTransition as exc:
        messages.error(request, exc.detail)
        return redirect("portal:inbox_thread", thread_id)
    return redirect("portal:conversation", chat.pk)


@require_POST
@login_required
@staff_required
def claim(request: HttpRequest, thread_id: int) -> HttpResponse:
    item = _thread(thread_id)
    try:
        portal_services.thread_claim(thread=item, by=request.user)
    except services.IllegalTransition as exc:
        messages.error(request, exc.detail)
    return redirect("portal:inbox_thread", item.pk)


@require_POST
@login_required
@staff_required
def assign(request: HttpRequest, thread_id: int) -> HttpResponse:
    item = _thread(thread_id)
    try:
        to = selectors.clinicians().get(pk=int(request.POST["assignee"])) if request.POST.get("assignee") else None
        pool = CareTeam.objects.get(pk=int(request.POST["pool"])) if request.POST.get("pool") else None
    except (ValueError, CareTeam.DoesNotExist, Exception):
        messages.error(request, "Choose a clinician or a care team from the list.")
        return redirect("portal:inbox_thread", item.pk)
    portal_services.thread_assign(thread=item, to=to, pool=pool)
    return redirect("portal:inbox_thread", item.pk)


@login_required
@staff_required
def metrics(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "clinician_portal/inbox_metrics.html",
        {"periods": [inbox_selectors.inbox_metrics(days=7), inbox_selectors.inbox_metrics(days=30)]},
    )
