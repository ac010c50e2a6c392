from __future__ import annotations

from django.urls import path

from clinician_portal import views

app_name = "portal"
urlpatterns = [
    path("", views.escalations, name="escalations"),
    path("triage/", views.triage, name="triage"),
    path("flagged/", views.flagged, name="flagged"),
    path("conversations/<int:conversation_id>/", views.conversation, name="conversation"),
    path("conversations/<int:conversation_id>/clear-risk/", views.risk_clear, name="risk_clear"),
    path("conversations/<int:conversation_id>/break-glass/", views.break_glass, name="break_glass"),
    path(
        "escalations/<int:escalation_id>/acknowledge/",
        views.escalation_acknowledge,
        name="escalation_acknowledge",
    ),
    path("escalations/<int:escalation_id>/resolve/", views.escalation_resolve, name="escalation_resolve"),
    path("access-log/", views.access_log, name="access_log"),
    path("audit/", views.audit, name="audit"),
]
