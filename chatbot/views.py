"""The patient's web pages. Thin: authenticate, call one selector or service, render."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required, user_passes_test
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from chatbot import roles, selectors, services
from chatbot.models import Conversation
from chatbot.responses import crisis_resources_for_display

patient_required = user_passes_test(roles.is_patient)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    if roles.is_patient(request.user):
        return redirect("chat_latest")
    if roles.is_staff_reviewer(request.user):
        return redirect("portal:escalations")
    if request.user.is_staff:
        return redirect("admin:index")
    raise Http404


@login_required
@patient_required
def chat_latest(request: HttpRequest) -> HttpResponse:
    conversation = selectors.conversation_latest(patient=request.user) or services.conversation_start(
        patient=request.user
    )
    return redirect("chat", conversation.pk)


@login_required
@patient_required
def chat(request: HttpRequest, conversation_id: int) -> HttpResponse:
    try:
        conversation = selectors.conversation_for_patient(
            patient=request.user, conversation_id=conversation_id
        )
    except Conversation.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "chatbot/chat.html",
        {
            "conversation": conversation,
            "conversations": selectors.conversations_for_patient(patient=request.user)[:20],
            "transcript": selectors.conversation_transcript(conversation=conversation),
            "risk_open": conversation.risk_state.is_open,
            "crisis_resources": crisis_resources_for_display() if conversation.risk_state.is_open else [],
            "max_chars": settings.CHAT_MAX_MESSAGE_CHARS,
        },
    )


@require_POST
@login_required
@patient_required
def conversation_new(request: HttpRequest) -> HttpResponse:
    conversation = services.conversation_start(patient=request.user)
    return redirect("chat", conversation.pk)


@require_GET
@login_required
@patient_required
def my_data(request: HttpRequest) -> HttpResponse:
    """Right of access: everything stored about the patient, as a JSON download. Audited."""
    services.audit_record(actor=request.user, action="data_export", obj=request.user, detail={"format": "json"})
    response = JsonResponse(selectors.patient_data_export(patient=request.user), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = 'attachment; filename="my-data.json"'
    return response
