from __future__ import annotations

from django.urls import path

from clinician_portal import inbox_views, views

app_name = "portal"
urlpatterns = [
    path("", views.escalations, name="escalations"),
    path("triage/", views.triage, name="triage"),
    path("flagged/", views.flagged, name="flagged"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("conversations/<int:conversation_id>/", views.conversation, name="conversation"),
    path("conversations/<int:conversation_id>/clear-risk/", views.risk_clear, name="risk_clear"),
    path("conversations/<int:conversation_id>/break-glass/", views.break_glass, name="break_glass"),
    path("conversations/<int:conversation_id>/join/", views.conversation_join, name="conversation_join"),
    path("conversations/<int:conversation_id>/leave/", views.conversation_leave, name="conversation_leave"),
    path("escalations/<int:escalation_id>/", views.escalation, name="escalation"),
    path(
        "escalations/<int:escalation_id>/acknowledge/",
        views.escalation_acknowledge,
        name="escalation_acknowledge",
    ),
    path("escalations/<int:escalation_id>/claim/", views.escalation_claim, name="escalation_claim"),
    path("escalations/<int:escalation_id>/resolve/", views.escalation_resolve, name="escalation_resolve"),
    path("escalations/<int:escalation_id>/reopen/", views.escalation_reopen, name="escalation_reopen"),
    path("escalations/<int:escalation_id>/note/", views.escalation_note, name="escalation_note"),
    path("access-log/", views.access_log, name="access_log"),
    path("audit/", views.audit, name="audit"),
    path("inbox/", inbox_views.inbox, name="inbox"),
    path("inbox/metrics/", inbox_views.metrics, name="inbox_metrics"),
    path("inbox/<int:thread_id>/", inbox_views.thread, name="inbox_thread"),
    path("inbox/<int:thread_id>/send/", inbox_views.send, name="inbox_send"),
    path("inbox/<int:thread_id>/discard/", inbox_views.discard, name="inbox_discard"),
    path("inbox/<int:thread_id>/regenerate/", inbox_views.regenerate, name="inbox_regenerate"),
    path("inbox/<int:thread_id>/no-reply/", inbox_views.no_reply, name="inbox_no_reply"),
    path("inbox/<int:thread_id>/escalate/", inbox_views.escalate, name="inbox_escalate"),
    path("inbox/<int:thread_id>/takeover/", inbox_views.takeover, name="inbox_takeover"),
    path("inbox/<int:thread_id>/claim/", inbox_views.claim, name="inbox_claim"),
    path("inbox/<int:thread_id>/assign/", inbox_views.assign, name="inbox_assign"),
]
