"""The clinician and safety-officer portal. Thin views over chatbot's selectors and services.

The conversation page is the one staff page that shows original patient text, and
every visit to it is written to the access log.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, user_passes_test
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from chatbot import roles, selectors, services
from chatbot.models import AccessLog, Conversation, Escalation

staff_required = user_passes_test(roles.is_staff_reviewer)
MENTAL_HEALTH_KINDS = (Escalation.Kind.CRISIS, Escalation.Kind.THIRD_PARTY)


@login_required
@staff_required
def escalations(request: HttpRequest) -> HttpResponse:
    queue = selectors.escalations_open()
    return render(
        request, "clinician_portal/escalations.html", {"escalations": queue[:200], "title": "Escalations"}
    )


@login_required
@staff_required
def triage(request: HttpRequest) -> HttpResponse:
    """The mental-health triage queue: crisis and third-party-concern escalations, urgent first."""
    queue = selectors.escalations_open().filter(kind__in=MENTAL_HEALTH_KINDS)
    return render(
        request, "clinician_portal/escalations.html", {"escalations": queue[:200], "title": "Triage"}
    )


@login_required
@staff_required
def flagged(request: HttpRequest) -> HttpResponse:
    conversations = (
        Conversation.objects.filter(needs_review=True).select_related("patient").order_by("-updated_at")
    )
    page = Paginator(conversations, 50).get_page(request.GET.get("page"))
    return render(request, "clinician_portal/flagged.html", {"page": page})


@login_required
@staff_required
def conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    convo = get_object_or_404(Conversation.objects.select_related("patient"), pk=conversation_id)
    originals = services.conversation_originals_for_staff(conversation=convo, viewer=request.user)
    rows = [
        {
            "message": m,
            "original": originals[m.pk],
            "verdicts": _with_quotes(m.verdicts, m.text_deid or originals[m.pk]),
        }
        for m in convo.messages.all()
    ]
    return render(
        request,
        "clinician_portal/conversation.html",
        {"conversation": convo, "rows": rows, "escalations": convo.escalations.all()},
    )


@require_POST
@login_required
@staff_required
def escalation_acknowledge(request: HttpRequest, escalation_id: int) -> HttpResponse:
    services.escalation_acknowledge(
        escalation=get_object_or_404(Escalation, pk=escalation_id), by=request.user
    )
    return redirect(request.POST.get("next") or "portal:escalations")


@require_POST
@login_required
@staff_required
def escalation_resolve(request: HttpRequest, escalation_id: int) -> HttpResponse:
    escalation = get_object_or_404(Escalation, pk=escalation_id)
    services.escalation_resolve(
        escalation=escalation, by=request.user, note=request.POST.get("note", "")[:2000]
    )
    return redirect("portal:conversation", escalation.conversation_id)


@require_POST
@login_required
@user_passes_test(lambda u: roles.has_role(u, roles.CLINICIAN))
def risk_clear(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Only a clinician clears a conversation's open risk."""
    services.conversation_risk_clear(
        conversation=get_object_or_404(Conversation, pk=conversation_id), by=request.user
    )
    return redirect("portal:conversation", conversation_id)


@login_required
@staff_required
def access_log(request: HttpRequest) -> HttpResponse:
    page = Paginator(AccessLog.objects.select_related("user").all(), 100).get_page(request.GET.get("page"))
    return render(request, "clinician_portal/access_log.html", {"page": page})


def _with_quotes(verdicts: list[dict[str, object]], checked_text: str) -> list[dict[str, object]]:
    """Attach the quoted evidence span to each verdict, so a clinician can check the reason.

    Rails check the de-identified text, so spans index into it (or into the original
    when de-identification failed and only the local rails ran)."""
    rows = []
    for verdict in verdicts:
        evidence = verdict.get("evidence") or []
        quotes = [
            {"quote": checked_text[int(e["start"]) : int(e["end"])], "reason": e["reason"]}
            for e in evidence  # type: ignore[attr-defined]
            if isinstance(e, dict)
        ]
        rows.append({**verdict, "quotes": quotes})
    return rows
