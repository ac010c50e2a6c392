"""The patient's "Message my care team" pages. Thin: authenticate, validate, one call."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, user_passes_test
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from chatbot import roles, selectors, services, tasks
from chatbot.inbox import selectors as inbox_selectors
from chatbot.inbox import services as inbox_services
from chatbot.models import Message, Thread

patient_required = user_passes_test(roles.is_patient)


def _text(request: HttpRequest) -> str | None:
    text = (request.POST.get("text") or "").strip()
    if not text or len(text) > settings.CHAT_MAX_MESSAGE_CHARS:
        return None
    return text


def _thread(request: HttpRequest, thread_id: int) -> Thread:
    try:
        return inbox_selectors.thread_for_patient(patient=request.user, thread_id=thread_id)
    except Thread.DoesNotExist:
        raise Http404 from None


@login_required
@patient_required
def thread_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "chatbot/inbox/list.html",
        {
            "threads": inbox_selectors.threads_for_patient(patient=request.user)[:100],
            "staff_waiting": inbox_selectors.staff_messages_waiting(patient=request.user),
            "topics": Thread.Topic.choices,
            "max_chars": settings.CHAT_MAX_MESSAGE_CHARS,
        },
    )


@require_POST
@login_required
@patient_required
def thread_new(request: HttpRequest) -> HttpResponse:
    text, topic = _text(request), request.POST.get("topic", "")
    if text is None or topic not in Thread.Topic.values:
        messages.error(request, "Choose a topic and write your message (up to the length shown).")
        return redirect("inbox:list")
    try:
        thread, message = inbox_services.thread_start(patient=request.user, topic=topic, text=text)
    except services.RateLimited:
        messages.error(request, "You're sending messages quickly. Please wait a minute and try again.")
        return redirect("inbox:list")
    tasks.portal_message_enqueue(message_id=message.pk)
    return redirect("inbox:thread", thread.pk)


@login_required
@patient_required
def thread_detail(request: HttpRequest, thread_id: int) -> HttpResponse:
    thread = _thread(request, thread_id)
    return render(
        request,
        "chatbot/inbox/thread.html",
        {
            "thread": thread,
            "transcript": inbox_selectors.thread_transcript_for_patient(thread=thread),
            "max_chars": settings.CHAT_MAX_MESSAGE_CHARS,
        },
    )


@require_POST
@login_required
@patient_required
def thread_reply(request: HttpRequest, thread_id: int) -> HttpResponse:
    thread = _thread(request, thread_id)
    text = _text(request)
    if text is None:
        messages.error(request, "Write your message (up to the length shown).")
        return redirect("inbox:thread", thread.pk)
    try:
        message, created = inbox_services.thread_message_receive(thread=thread, text=text)
    except services.RateLimited:
        messages.error(request, "You're sending messages quickly. Please wait a minute and try again.")
        return redirect("inbox:thread", thread.pk)
    if created:
        tasks.portal_message_enqueue(message_id=message.pk)
    return redirect("inbox:thread", thread.pk)


@require_POST
@login_required
@patient_required
def thread_from_chat(request: HttpRequest) -> HttpResponse:
    """"Send to my care team" from the live chat (form or fetch): ``message_id`` (and an
    optional ``topic``). Answers JSON ``{"thread_id", "url"}`` to a fetch, else redirects."""
    try:
        message = selectors.message_for_patient(patient=request.user, message_id=int(request.POST["message_id"]))
        thread, created = inbox_services.thread_from_chat(
            patient=request.user, message=message, topic=request.POST.get("topic") or Thread.Topic.OTHER
        )
    except (KeyError, ValueError, Message.DoesNotExist):
        if request.headers.get("Accept") == "application/json":
            return JsonResponse({"type": "error", "code": "invalid", "detail": "No such chat message."}, status=400)
        raise Http404 from None
    except services.RateLimited as exc:
        return JsonResponse({"type": "error", "code": "rate_limited", "detail": "Wait a moment.", "retry_after_s": exc.retry_after_s}, status=429)
    first = inbox_selectors.latest_patient_message(thread=thread)
    if created and first is not None:
        tasks.portal_message_enqueue(message_id=first.pk)
    if request.headers.get("Accept") == "application/json":
        return JsonResponse({"thread_id": thread.pk, "url": f"/messages/{thread.pk}/"}, status=201 if created else 200)
    return redirect("inbox:thread", thread.pk)
