"""The clinician and safety-officer portal. Thin views over chatbot's selectors and services.

The conversation page is the one staff page that shows original patient text, and
every visit to it is written to the access log. A state change that is not allowed
(``services.IllegalTransition``) is shown to the clinician as a message, never a 500.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, user_passes_test
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from chatbot import roles, selectors, services
from chatbot.models import Conversation, Escalation
from guardrails.base import RiskLevel, RiskState

staff_required = user_passes_test(roles.is_staff_reviewer)


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
    queue = selectors.escalations_triage()
    return render(
        request, "clinician_portal/escalations.html", {"escalations": queue[:200], "title": "Triage"}
    )


@login_required
@staff_required
def flagged(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.conversations_flagged(), 50).get_page(request.GET.get("page"))
    return render(request, "clinician_portal/flagged.html", {"page": page})


@login_required
@staff_required
def conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    convo = _conversation(conversation_id)
    originals = services.conversation_originals_for_staff(conversation=convo, viewer=request.user)
    rows = [
        {
            "message": m,
            "original": originals[m.pk],
            "verdicts": _with_quotes(m.verdicts, m.text_deid or originals[m.pk]),
        }
        for m in selectors.conversation_messages(conversation=convo)
    ]
    return render(
        request,
        "clinician_portal/conversation.html",
        {
            "conversation": convo,
            "rows": rows,
            "escalations": selectors.conversation_escalations(conversation=convo),
        },
    )


@require_POST
@login_required
@staff_required
def escalation_acknowledge(request: HttpRequest, escalation_id: int) -> HttpResponse:
    try:
        services.escalation_acknowledge(escalation=_escalation(escalation_id), by=request.user)
    except services.IllegalTransition as exc:
        messages.error(request, exc.detail)
    return redirect(request.POST.get("next") or "portal:escalations")


@require_POST
@login_required
@staff_required
def escalation_resolve(request: HttpRequest, escalation_id: int) -> HttpResponse:
    escalation = _escalation(escalation_id)
    try:
        services.escalation_resolve(
            escalation=escalation, by=request.user, note=request.POST.get("note", "")[:2000]
        )
    except services.IllegalTransition as exc:
        messages.error(request, exc.detail)
    return redirect("portal:conversation", escalation.conversation_id)


@require_POST
@login_required
@user_passes_test(lambda u: roles.has_role(u, roles.CLINICIAN))
def risk_clear(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Only a clinician clears a conversation's open risk, and only the risk they saw."""
    convo = _conversation(conversation_id)
    try:
        seen = _seen_risk(request)
    except ValueError:
        messages.error(request, "The form was not understood. Reload the page and try again.")
        return redirect("portal:conversation", conversation_id)
    try:
        services.conversation_risk_clear(conversation=convo, by=request.user, seen=seen)
    except services.IllegalTransition as exc:
        messages.error(request, exc.detail)
    return redirect("portal:conversation", conversation_id)


@login_required
@staff_required
def access_log(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.access_log_entries(), 100).get_page(request.GET.get("page"))
    return render(request, "clinician_portal/access_log.html", {"page": page})


def _conversation(conversation_id: int) -> Conversation:
    try:
        return selectors.conversation_for_staff(conversation_id=conversation_id)
    except Conversation.DoesNotExist:
        raise Http404 from None


def _escalation(escalation_id: int) -> Escalation:
    try:
        return selectors.escalation_for_staff(escalation_id=escalation_id)
    except Escalation.DoesNotExist:
        raise Http404 from None


def _seen_risk(request: HttpRequest) -> RiskState | None:
    """The risk the page showed when the clinician chose to clear it (None if the form
    did not send it); raises ValueError for a malformed form."""
    if "seen_level" not in request.POST:
        return None
    categories = request.POST.get("seen_categories", "")
    return RiskState(
        RiskLevel(int(request.POST["seen_level"])), frozenset(c for c in categories.split(",") if c)
    )


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
