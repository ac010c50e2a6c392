"""The clinician and safety-officer portal. Thin views over chatbot's selectors and services.

The conversation and escalation pages show original patient text, and every visit
is written to the access log (and, for an escalation, to its record). A state change
that is not allowed (``services.IllegalTransition``), or that someone else made first
(``services.StaleEscalation``: optimistic locking), is shown to the clinician as a
message naming who got there first, never a 500 and never a silent overwrite.
"""

from __future__ import annotations

import csv
from datetime import datetime, time
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, user_passes_test
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from chatbot import roles, selectors, services
from chatbot.models import Conversation, Escalation
from clinician_portal import dashboard as dash
from clinician_portal.wording import risk_in_words
from guardrails.base import RiskLevel, RiskState

staff_required = user_passes_test(roles.is_staff_reviewer)
safety_officer_required = user_passes_test(lambda u: roles.has_role(u, roles.SAFETY_OFFICER))


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
    """The mental-health triage queue: highest risk first, then longest waiting."""
    queue = selectors.escalations_triage_ordered()
    conversation_ids = {e.conversation_id for e in queue}
    timelines = selectors.conversations_risk_timeline(conversation_ids=conversation_ids)
    online = selectors.patients_online(conversation_ids=conversation_ids)
    rows = [
        {
            "e": e,
            "risk_words": risk_in_words(e.risk_level),  # type: ignore[attr-defined]
            "evidence": selectors.escalation_evidence(e),
            "timeline": [
                {"level": level, "words": risk_in_words(level)}
                for level in timelines.get(e.conversation_id, [])
            ],
            "crisis_shown": e.message is not None and e.message.crisis_shown_at is not None,
            "online": e.conversation_id in online,
        }
        for e in queue
    ]
    return render(request, "clinician_portal/triage.html", {"rows": rows, "title": "Triage"})


@login_required
@staff_required
def escalation(request: HttpRequest, escalation_id: int) -> HttpResponse:
    """One escalation: a one-screen summary, the patient's contact details, the
    conversation (original text: access logged), every escalation of the same patient,
    the record, and the actions."""
    try:
        item = selectors.escalation_for_page(escalation_id=escalation_id)
    except Escalation.DoesNotExist:
        raise Http404 from None
    convo = item.conversation
    services.escalation_view_record(escalation=item, by=request.user)
    originals = services.conversation_originals_for_staff(conversation=convo, viewer=request.user)
    transcript = [
        {"message": m, "original": originals[m.pk]}
        for m in selectors.conversation_messages(conversation=convo)
    ]
    level = selectors.escalation_risk_level(item)
    return render(
        request,
        "clinician_portal/escalation.html",
        {
            "e": item,
            "conversation": convo,
            "risk_words": risk_in_words(level),
            "evidence": selectors.escalation_evidence(item),
            "profile": selectors.patient_profile(patient=convo.patient),
            "same_patient": selectors.escalations_of_patient(patient=convo.patient),
            "records": selectors.escalation_records(escalation=item),
            "transcript": transcript,
            "online": convo.pk in selectors.patients_online(conversation_ids=[convo.pk]),
            "outcomes": Escalation.Outcome.choices,
            "rails": sorted(
                {str(v.get("rail")) for v in item.verdicts if isinstance(v, dict)}
                | {"self_harm", "emergency", "injection", "scope"}
            ),
            "joined_by_me": convo.staff_joined_by_id == request.user.pk,
        },
    )


def _transition(request: HttpRequest, escalation_id: int, act: Any) -> HttpResponse:
    """Run one transition service with the version the page showed; refusals become messages."""
    item = _escalation(escalation_id)
    try:
        version = int(request.POST["version"]) if request.POST.get("version") else None
    except ValueError:
        return HttpResponseBadRequest("version must be a number")
    try:
        act(item, version)
    except services.IllegalTransition as exc:
        messages.error(request, exc.detail)
    except ValueError as exc:
        messages.error(request, _value_error_message(str(exc)))
    return _back(request, item)


def _value_error_message(code: str) -> str:
    return {
        "unknown outcome": "Choose an outcome.",
        "a false alarm names the rail and what it got wrong": "A false alarm must name the rail and say what it got wrong.",
        "empty note": "The note is empty.",
    }.get(code, "The form was not understood.")


@require_POST
@login_required
@staff_required
def escalation_acknowledge(request: HttpRequest, escalation_id: int) -> HttpResponse:
    return _transition(
        request,
        escalation_id,
        lambda e, v: services.escalation_acknowledge(escalation=e, by=request.user, expected_version=v),
    )


@require_POST
@login_required
@staff_required
def escalation_claim(request: HttpRequest, escalation_id: int) -> HttpResponse:
    return _transition(
        request,
        escalation_id,
        lambda e, v: services.escalation_claim(escalation=e, by=request.user, expected_version=v),
    )


@require_POST
@login_required
@staff_required
def escalation_resolve(request: HttpRequest, escalation_id: int) -> HttpResponse:
    post = request.POST
    return _transition(
        request,
        escalation_id,
        lambda e, v: services.escalation_resolve(
            escalation=e,
            by=request.user,
            outcome=post.get("outcome", ""),
            note=post.get("note", "")[:2000],
            false_alarm_rail=post.get("false_alarm_rail", "")[:32],
            false_alarm_detail=post.get("false_alarm_detail", "")[:500],
            expected_version=v,
        ),
    )


@require_POST
@login_required
@staff_required
def escalation_reopen(request: HttpRequest, escalation_id: int) -> HttpResponse:
    return _transition(
        request,
        escalation_id,
        lambda e, v: services.escalation_reopen(
            escalation=e, by=request.user, note=request.POST.get("note", "")[:2000], expected_version=v
        ),
    )


@require_POST
@login_required
@staff_required
def escalation_note(request: HttpRequest, escalation_id: int) -> HttpResponse:
    return _transition(
        request,
        escalation_id,
        lambda e, v: services.escalation_note_add(
            escalation=e, by=request.user, text=request.POST.get("text", "")[:4000]
        ),
    )


@require_POST
@login_required
@staff_required
def conversation_join(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Join the patient's chat (the page's socket then carries the messages)."""
    convo = _conversation(conversation_id)
    try:
        services.conversation_staff_join(conversation=convo, by=request.user)
    except services.IllegalTransition as exc:
        messages.error(request, exc.detail)
    return _back(request, None, fallback=("portal:conversation", conversation_id))


@require_POST
@login_required
@staff_required
def conversation_leave(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Hand the chat back to the assistant (``then=assistant``) or end it (``then=ended``)."""
    convo = _conversation(conversation_id)
    then = request.POST.get("then", "assistant")
    if then not in ("assistant", "ended"):
        return HttpResponseBadRequest("then must be 'assistant' or 'ended'")
    try:
        services.conversation_staff_leave(conversation=convo, by=request.user, then=then)
    except services.IllegalTransition as exc:
        messages.error(request, exc.detail)
    return _back(request, None, fallback=("portal:conversation", conversation_id))


@login_required
@staff_required
def flagged(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.conversations_flagged(), 50).get_page(request.GET.get("page"))
    return render(request, "clinician_portal/flagged.html", {"page": page})


@login_required
@staff_required
def conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    convo = _conversation(conversation_id)
    if not _may_open(request, convo):
        return render(request, "clinician_portal/break_glass.html", {"conversation": convo, "form": BreakGlassForm()})
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
            "risk_words": risk_in_words(convo.risk_level),
            "rows": rows,
            "escalations": selectors.conversation_escalations(conversation=convo),
            "outcomes": Escalation.Outcome.choices,
            "joined_by_me": convo.staff_joined_by_id == request.user.pk,
            "takeover": selectors.takeover_records(conversation=convo),
        },
    )


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        min_length=10,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Why do you need to open this conversation?",
    )


# Conversations a staff member opened by breaking the glass, for this session.
_GLASS_SESSION_KEY = "break_glass_conversations"


def _may_open(request: HttpRequest, convo: Conversation) -> bool:
    return selectors.conversation_in_staff_scope(
        conversation=convo, user=request.user
    ) or convo.pk in request.session.get(_GLASS_SESSION_KEY, [])


@require_POST
@login_required
@staff_required
def break_glass(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Open a conversation outside one's queue, pool or escalations: the reason is audited."""
    convo = _conversation(conversation_id)
    form = BreakGlassForm(request.POST)
    if not form.is_valid():
        return render(
            request, "clinician_portal/break_glass.html", {"conversation": convo, "form": form}, status=400
        )
    services.conversation_break_glass(conversation=convo, by=request.user, reason=form.cleaned_data["reason"])
    request.session[_GLASS_SESSION_KEY] = [*request.session.get(_GLASS_SESSION_KEY, []), convo.pk][-50:]
    return redirect("portal:conversation", convo.pk)


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


class AuditFilter(forms.Form):
    actor = forms.CharField(required=False, max_length=150)
    action = forms.CharField(required=False, max_length=64)
    object_type = forms.CharField(required=False, max_length=64)
    object_id = forms.CharField(required=False, max_length=64)
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def filters(self) -> dict[str, object]:
        """The selector's keyword arguments (dates become the start of that day, and
        ``until`` includes its whole day)."""
        data = self.cleaned_data
        tz = timezone.get_current_timezone()
        return {
            "actor": data["actor"],
            "action": data["action"],
            "object_type": data["object_type"],
            "object_id": data["object_id"],
            "since": datetime.combine(data["since"], time.min, tz) if data["since"] else None,
            "until": datetime.combine(data["until"], time.max, tz) if data["until"] else None,
        }


AUDIT_CSV_COLUMNS = (
    "id", "at", "actor_name", "role", "action", "object_type", "object_id", "source_ip", "reason",
    "detail", "prev_hash", "hash",
)  # fmt: skip


@require_GET
@login_required
@safety_officer_required
def audit(request: HttpRequest) -> HttpResponseBase:
    """The safety officer's view of the audit record: filters, pages, and a CSV export
    (the export is itself audited, with the filters used)."""
    form = AuditFilter(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "clinician_portal/audit.html", {"form": form, "page": None}, status=400)
    filters = form.filters() if form.is_bound else {}
    events = selectors.audit_events(**filters)  # type: ignore[arg-type]
    if request.GET.get("format") == "csv":
        used = {k: str(v) for k, v in filters.items() if v}
        services.audit_record(actor=request.user, action="audit_export", object_type="audit", detail=used)
        return _csv_response(events, "audit-events.csv")
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "clinician_portal/audit.html", {"form": form, "page": page, "query": query.urlencode()}
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_response(events: Any, filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    rows = (
        [getattr(e, column) if column != "at" else e.at.isoformat() for column in AUDIT_CSV_COLUMNS]
        for e in events.iterator(chunk_size=2000)
    )
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in _with_header(rows)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _with_header(rows: Any) -> Any:
    yield list(AUDIT_CSV_COLUMNS)
    yield from rows


def _safe_next(request: HttpRequest, *, default: str) -> str:
    """The form's ``next`` only when it points back into this site; else ``default``."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
@login_required
@safety_officer_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The safety officer's view of the last 7, 30 or 90 days, charts drawn server-side."""
    try:
        days = int(request.GET.get("days", "30"))
    except ValueError:
        days = 0
    if days not in dash.PERIODS:
        return HttpResponseBadRequest("days must be 7, 30 or 90")
    report = dash.build(days=days, now=timezone.now())
    return render(
        request, "clinician_portal/dashboard.html", {"r": report, "periods": dash.PERIODS, "days": days}
    )


def _back(
    request: HttpRequest, item: Escalation | None, *, fallback: tuple[str, int] | None = None
) -> HttpResponse:
    """Back where the form was (a same-site ``next``), else the escalation's page."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    if item is not None:
        return redirect("portal:escalation", item.pk)
    assert fallback is not None
    return redirect(*fallback)


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
