"""The REST API for mobile clients. Thin views over the same services as the socket.

Posting a message stores it and hands it to the pipeline; the answer arrives on the
websocket, or by polling the conversation.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django_otp import match_token, user_has_device
from rest_framework import permissions, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import api_view, permission_classes
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import exception_handler as drf_exception_handler

from chatbot import protocol, roles, selectors, services, tasks
from chatbot.models import Conversation
from chatbot.parsers import JSONParser
from chatbot.protocol import ProtocolError, error_event


class IsPatient(permissions.BasePermission):
    message = "Only patients can use the chat API."

    def has_permission(self, request: Any, view: Any) -> bool:
        return roles.is_patient(request.user)


class TokenView(ObtainAuthToken):
    """``POST {"username", "password"}`` → ``{"token"}``; a patient who turned on
    two-step sign-in also sends ``"otp"``.

    Throttled per address (``auth_token`` rate); django-axes locks out a username or
    address after repeated failures (429). Staff get no token: they sign in on the web
    with their second factor."""

    throttle_scope = "auth_token"
    throttle_classes = [ScopedRateThrottle]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data if isinstance(request.data, dict) else {})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        if roles.requires_second_factor(user):
            services.audit_record(actor=user, action="token_refused", obj=user, detail={"why": "staff"})
            return Response(
                error_event("forbidden", "Staff accounts sign in on the web with two-step sign-in."), status=403
            )
        if user_has_device(user):
            otp = request.data.get("otp") if isinstance(request.data, dict) else None
            if not isinstance(otp, str) or match_token(user, otp.replace(" ", "")[:16]) is None:
                services.audit_record(actor=user, action="mfa_failed", obj=user, detail={"via": "token"})
                return Response(
                    error_event("second_factor_required", "Send the code from your authenticator app as otp."),
                    status=401,
                )
        token, _ = Token.objects.get_or_create(user=user)
        services.audit_record(actor=user, action="token_issued", obj=user)
        return Response({"token": token.key})


def exception_handler(exc: Exception, context: Any) -> Response | None:
    """DRF's handler, reshaped to the socket's ``{"type": "error", "code", "detail"}``."""
    response = drf_exception_handler(exc, context)
    if response is not None:
        code = getattr(exc, "default_code", "error")
        detail = response.data.get("detail") if isinstance(response.data, dict) else None
        response.data = {"type": "error", "code": code, "detail": str(detail or response.data)}
    return response


def _conversation(request: Request, conversation_id: int) -> Conversation:
    try:
        return selectors.conversation_for_patient(patient=request.user, conversation_id=conversation_id)
    except Conversation.DoesNotExist:
        raise Http404 from None


def _summary(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": conversation.pk,
        "created_at": conversation.created_at.isoformat(),
        "updated_at": conversation.updated_at.isoformat(),
        "risk_open": conversation.risk_state.is_open,
    }


@api_view(["GET", "POST"])
@permission_classes([permissions.IsAuthenticated, IsPatient])
def conversations(request: Request) -> Response:
    if request.method == "POST":
        return Response(
            _summary(services.conversation_start(patient=request.user)), status=status.HTTP_201_CREATED
        )
    return Response([_summary(c) for c in selectors.conversations_for_patient(patient=request.user)[:100]])


@api_view(["GET"])
@permission_classes([permissions.IsAuthenticated, IsPatient])
def conversation_detail(request: Request, conversation_id: int) -> Response:
    conversation = _conversation(request, conversation_id)
    return Response(
        {**_summary(conversation), "messages": selectors.conversation_transcript(conversation=conversation)}
    )


@api_view(["POST"])
@permission_classes([permissions.IsAuthenticated, IsPatient])
def message_create(request: Request, conversation_id: int) -> Response:
    conversation = _conversation(request, conversation_id)
    data = request.data if isinstance(request.data, dict) else {}
    try:
        frame = protocol.parse_message(data.get("text"), data.get("client_id"))
    except ProtocolError as exc:
        return Response(error_event(exc.code, exc.detail), status=400)
    try:
        message, created = services.patient_message_submit(
            patient_id=request.user.pk,
            conversation_id=conversation.pk,
            text=frame.text,
            client_id=frame.client_id,
        )
    except services.RateLimited as exc:
        return Response(
            error_event("rate_limited", "Too many messages; wait a moment.", retry_after_s=exc.retry_after_s),
            status=429,
            headers={"Retry-After": str(exc.retry_after_s)},
        )
    if created:
        tasks.patient_message_enqueue(message_id=message.pk)
    return Response(
        {
            "type": "accepted",
            "message_id": message.pk,
            "conversation_id": conversation.pk,
            "duplicate": not created,
        },
        status=status.HTTP_202_ACCEPTED,
    )
