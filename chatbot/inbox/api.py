"""REST endpoints for the care-team inbox (mobile). Same services as the pages.

``GET/POST /api/threads/``, ``GET /api/threads/<id>/``, ``POST /api/threads/<id>/messages/``
and ``POST /api/threads/from-chat/``. A patient never receives a draft: the thread
detail is ``selectors.thread_transcript_for_patient``.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from rest_framework import permissions, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from chatbot import protocol, selectors, services, tasks
from chatbot.api import IsPatient
from chatbot.inbox import selectors as inbox_selectors
from chatbot.inbox import services as inbox_services
from chatbot.models import Message, Thread
from chatbot.protocol import ProtocolError, error_event


def _thread(request: Request, thread_id: int) -> Thread:
    try:
        return inbox_selectors.thread_for_patient(patient=request.user, thread_id=thread_id)
    except Thread.DoesNotExist:
        raise Http404 from None


def _data(request: Request) -> dict[str, Any]:
    return request.data if isinstance(request.data, dict) else {}


def _rate_limited(exc: services.RateLimited) -> Response:
    return Response(
        error_event("rate_limited", "Too many messages; wait a moment.", retry_after_s=exc.retry_after_s),
        status=429,
        headers={"Retry-After": str(exc.retry_after_s)},
    )


@api_view(["GET", "POST"])
@permission_classes([permissions.IsAuthenticated, IsPatient])
def threads(request: Request) -> Response:
    """GET: your threads with their status. POST ``{"topic", "text"}``: a new thread."""
    if request.method == "GET":
        return Response([inbox_selectors.thread_summary(t) for t in inbox_selectors.threads_for_patient(patient=request.user)[:100]])
    data = _data(request)
    if data.get("topic") not in Thread.Topic.values:
        return Response(error_event("invalid_topic", f"topic must be one of {', '.join(Thread.Topic.values)}."), status=400)
    try:
        frame = protocol.parse_message(data.get("text"), None)
        thread, message = inbox_services.thread_start(patient=request.user, topic=data["topic"], text=frame.text)
    except ProtocolError as exc:
        return Response(error_event(exc.code, exc.detail), status=400)
    except services.RateLimited as exc:
        return _rate_limited(exc)
    tasks.portal_message_enqueue(message_id=message.pk)
    return Response({**inbox_selectors.thread_summary(thread), "message_id": message.pk}, status=status.HTTP_201_CREATED)


@api_view(["GET"])
@permission_classes([permissions.IsAuthenticated, IsPatient])
def thread_detail(request: Request, thread_id: int) -> Response:
    thread = _thread(request, thread_id)
    return Response(
        {**inbox_selectors.thread_summary(thread), "messages": inbox_selectors.thread_transcript_for_patient(thread=thread)}
    )


@api_view(["POST"])
@permission_classes([permissions.IsAuthenticated, IsPatient])
def thread_message(request: Request, thread_id: int) -> Response:
    """``{"text", "client_id"?}`` → 202, the message stored in the thread."""
    thread = _thread(request, thread_id)
    data = _data(request)
    try:
        frame = protocol.parse_message(data.get("text"), data.get("client_id"))
        message, created = inbox_services.thread_message_receive(thread=thread, text=frame.text, client_id=frame.client_id)
    except ProtocolError as exc:
        return Response(error_event(exc.code, exc.detail), status=400)
    except services.RateLimited as exc:
        return _rate_limited(exc)
    if created:
        tasks.portal_message_enqueue(message_id=message.pk)
    return Response(
        {"type": "accepted", "thread_id": thread.pk, "message_id": message.pk, "duplicate": not created},
        status=status.HTTP_202_ACCEPTED,
    )


@api_view(["POST"])
@permission_classes([permissions.IsAuthenticated, IsPatient])
def thread_from_chat(request: Request) -> Response:
    """``{"message_id", "topic"?}``: the chat message goes to the care team as a thread.
    201 with the thread when new, 200 with the same thread when sent before."""
    data = _data(request)
    try:
        message = selectors.message_for_patient(patient=request.user, message_id=int(data.get("message_id", "")))
        thread, created = inbox_services.thread_from_chat(
            patient=request.user, message=message, topic=data.get("topic") or Thread.Topic.OTHER
        )
    except (TypeError, ValueError, Message.DoesNotExist):
        return Response(error_event("invalid_message", "message_id must be one of your chat messages."), status=400)
    except services.RateLimited as exc:
        return _rate_limited(exc)
    first = inbox_selectors.latest_patient_message(thread=thread)
    if created and first is not None:
        tasks.portal_message_enqueue(message_id=first.pk)
    return Response(inbox_selectors.thread_summary(thread), status=201 if created else 200)
