from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group

from chatbot import services
from chatbot.models import (
    AccessLog,
    AuditEvent,
    Chunk,
    Conversation,
    Document,
    Draft,
    Escalation,
    EscalationRecord,
    Message,
    PatientProfile,
    ReplyApproval,
    Thread,
)


class AuditedAdmin(admin.ModelAdmin):
    """Every admin addition, change and deletion also goes into the audit chain, in the
    admin's own transaction. Only field names are recorded, never values."""

    def log_addition(self, request: Any, obj: Any, message: Any) -> Any:
        entry = super().log_addition(request, obj, message)
        services.audit_record(actor=request.user, action="admin_add", obj=obj, detail=_changed(message))
        return entry

    def log_change(self, request: Any, obj: Any, message: Any) -> Any:
        entry = super().log_change(request, obj, message)
        services.audit_record(actor=request.user, action="admin_change", obj=obj, detail=_changed(message))
        return entry

    def log_deletions(self, request: Any, queryset: Any) -> Any:
        entries = super().log_deletions(request, queryset)
        for obj in queryset:
            services.audit_record(actor=request.user, action="admin_delete", obj=obj)
        return entries


def _changed(message: Any) -> dict[str, Any]:
    """The changed field names from the admin's change message (a list of dicts)."""
    fields: list[str] = []
    for part in message if isinstance(message, list) else []:
        for body in part.values() if isinstance(part, dict) else []:
            if isinstance(body, dict):
                fields.extend(str(name) for name in body.get("fields", []))
    return {"fields": sorted(set(fields))} if fields else {}


admin.site.unregister(get_user_model())
admin.site.unregister(Group)


@admin.register(get_user_model())
class AuditedUserAdmin(AuditedAdmin, UserAdmin):
    pass


@admin.register(Group)
class AuditedGroupAdmin(AuditedAdmin, GroupAdmin):
    pass


@admin.register(Conversation)
class ConversationAdmin(AuditedAdmin):
    list_display = ("id", "patient", "risk_level", "needs_review", "updated_at")
    list_filter = ("needs_review", "risk_level")
    # Patient text is encrypted; admins read it through the portal, which logs access.
    exclude = ("surrogates_encrypted",)
    readonly_fields = ("patient", "risk_level", "risk_categories", "risk_cleared_by", "risk_cleared_at")


@admin.register(Message)
class MessageAdmin(AuditedAdmin):
    list_display = ("id", "conversation", "role", "status", "needs_review", "review_reason", "created_at")
    list_filter = ("role", "status", "needs_review")
    exclude = ("text_encrypted",)
    readonly_fields = ("conversation", "role", "client_id", "text_deid", "reply_to", "verdicts", "citations")

    def has_add_permission(self, request: Any) -> bool:
        # Messages are written by services only; a care-team reply needs an approval
        # (``inbox.services.portal_reply_send``), which the admin cannot record.
        return False


@admin.register(Escalation)
class EscalationAdmin(AuditedAdmin):
    list_display = ("id", "kind", "priority", "status", "reason", "created_at")
    list_filter = ("kind", "priority", "status")


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ("at", "user", "conversation", "action")

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: Any) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the chain is append-only, and only ``services.audit_record`` writes it."""

    list_display = ("id", "at", "actor_name", "role", "action", "object_type", "object_id", "source_ip")
    list_filter = ("action", "role", "object_type")
    search_fields = ("actor_name", "object_id")

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class ChunkInline(admin.TabularInline):
    model = Chunk
    fields = ("position", "text")
    readonly_fields = ("position", "text")
    extra = 0
    can_delete = False


@admin.register(Document)
class DocumentAdmin(AuditedAdmin):
    list_display = ("title", "topic", "is_active", "reviewed_by", "reviewed_at", "license")
    list_filter = ("is_active", "topic", "license")
    search_fields = ("title", "text")
    inlines = [ChunkInline]
    actions = ["mark_reviewed", "activate", "deactivate"]

    @admin.action(description="Mark selected documents reviewed by me today", permissions=["review"])
    def mark_reviewed(self, request: Any, queryset: Any) -> None:
        from datetime import date

        from chatbot.knowledge.services import document_mark_reviewed

        reviewer = request.user.get_full_name() or request.user.get_username()
        for document in queryset:
            document_mark_reviewed(document=document, reviewer=reviewer, on=date.today())
            services.audit_record(actor=request.user, action="document_mark_reviewed", obj=document)

    @admin.action(description="Activate selected documents (reviewed ones only)", permissions=["review"])
    def activate(self, request: Any, queryset: Any) -> None:
        from chatbot.knowledge.services import documents_set_active

        documents_set_active(documents=queryset, active=True)
        for document in queryset:
            services.audit_record(actor=request.user, action="document_activate", obj=document)

    @admin.action(description="Deactivate selected documents", permissions=["review"])
    def deactivate(self, request: Any, queryset: Any) -> None:
        from chatbot.knowledge.services import documents_set_active

        documents_set_active(documents=queryset, active=False)
        for document in queryset:
            services.audit_record(actor=request.user, action="document_deactivate", obj=document)

    def has_review_permission(self, request: Any) -> bool:
        return request.user.has_perm("chatbot.review_document")


@admin.register(PatientProfile)
class PatientProfileAdmin(admin.ModelAdmin):
    list_display = ("patient", "display_name", "preferred_language", "clinic")
    search_fields = ("patient__username", "display_name")


@admin.register(EscalationRecord)
class EscalationRecordAdmin(admin.ModelAdmin):
    """Read-only: the record of who did what to an escalation."""

    list_display = ("escalation", "action", "by", "at")
    list_filter = ("action",)

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """The inbox's records are written by services only: a care-team reply reaches a
    patient through ``inbox.services.portal_reply_send`` and nowhere else."""

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Thread)
class ThreadAdmin(ReadOnlyAdmin):
    list_display = ("id", "topic", "urgency", "status", "due_at", "reply_needed")
    list_filter = ("urgency", "status", "topic")


@admin.register(Draft)
class DraftAdmin(ReadOnlyAdmin):
    list_display = ("id", "thread", "status", "mode", "reason", "reading_grade", "created_at")
    exclude = ("text_encrypted",)


@admin.register(ReplyApproval)
class ReplyApprovalAdmin(ReadOnlyAdmin):
    list_display = ("id", "thread", "approver", "ai_drafted", "edited", "edit_distance", "approved_at")
