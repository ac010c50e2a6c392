"""The REST API for mobile clients. Thin views over the same services as the socket.

Posting a message stores it and hands it to the pipeline; the answer arrives on the
websocket, or by polling the conversation.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django_otp import match_token, user_has_device
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import api_view, permission_classes
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import exception_handler as drf_exception_handler

from chatbot import protocol, roles, selectors, services, tasks
from chatbot.models import Conversation, Message
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


# --- The OpenAPI description (drf-spectacular; docs/openapi.yaml is generated from it) ---
_ERROR = inline_serializer(
    "Error",
    {"type": serializers.CharField(), "code": serializers.CharField(), "detail": serializers.CharField(),
     "retry_after_s": serializers.IntegerField(required=False)},
)  # fmt: skip
_SUMMARY_FIELDS = {
    "id": serializers.IntegerField(), "created_at": serializers.DateTimeField(),
    "updated_at": serializers.DateTimeField(), "risk_open": serializers.BooleanField(),
}  # fmt: skip
_SUMMARY = inline_serializer("Conversation", _SUMMARY_FIELDS)
_SUMMARIES = inline_serializer("ConversationList", _SUMMARY_FIELDS, many=True)
_TRANSCRIPT = inline_serializer(
    "ConversationDetail",
    {"id": serializers.IntegerField(), "created_at": serializers.DateTimeField(),
     "updated_at": serializers.DateTimeField(), "risk_open": serializers.BooleanField(),
     "messages": inline_serializer(
         "TranscriptMessage",
         {"id": serializers.IntegerField(), "role": serializers.CharField(), "text": serializers.CharField(),
          "status": serializers.CharField(), "created_at": serializers.DateTimeField(),
          "reply_to": serializers.IntegerField(allow_null=True)},
         many=True,
     )},
)  # fmt: skip
_MESSAGE_IN = inline_serializer(
    "MessageIn", {"text": serializers.CharField(), "client_id": serializers.CharField(required=False)}
)
_ACCEPTED = inline_serializer(
    "Accepted",
    {"type": serializers.CharField(), "message_id": serializers.IntegerField(),
     "conversation_id": serializers.IntegerField(), "duplicate": serializers.BooleanField()},
)  # fmt: skip


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


@extend_schema(methods=["GET"], responses={200: _SUMMARIES, 401: _ERROR, 403: _ERROR})
@extend_schema(methods=["POST"], request=None, responses={201: _SUMMARY, 401: _ERROR, 403: _ERROR})
@api_view(["GET", "POST"])
@permission_classes([permissions.IsAuthenticated, IsPatient])
def conversations(request: Request) -> Response:
    if request.method == "POST":
        return Response(
            _summary(services.conversation_start(patient=request.user)), status=status.HTTP_201_CREATED
        )
    return Response([_summary(c) for c in selectors.conversations_for_patient(patient=request.user)[:100]])


@extend_schema(responses={200: _TRANSCRIPT, 401: _ERROR, 403: _ERROR, 404: _ERROR})
@api_view(["GET"])
@permission_classes([permissions.IsAuthenticated, IsPatient])
def conversation_detail(request: Request, conversation_id: int) -> Response:
    conversation = _conversation(request, conversation_id)
    return Response(
        {**_summary(conversation), "messages": selectors.conversation_transcript(conversation=conversation)}
    )


@extend_schema(
    request=_MESSAGE_IN,
    responses={
        202: OpenApiResponse(_ACCEPTED, description="Stored; the answer comes on the socket or by polling."),
        400: _ERROR, 401: _ERROR, 403: _ERROR, 404: _ERROR,
        429: OpenApiResponse(_ERROR, description="Rate limited: nothing stored; see retry_after_s."),
    },
)  # fmt: skip
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
    # A re-send of a message never picked up (its first 'accepted' was lost with the
    # database connection) is handed over again; the claim makes that safe.
    if created or message.status == Message.Status.RECEIVED:
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
