from __future__ import annotations

from typing import Any

from django.contrib import admin

from chatbot.models import (
    AccessLog,
    Chunk,
    Conversation,
    Document,
    Escalation,
    EscalationRecord,
    Message,
    PatientProfile,
)


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ("id", "patient", "risk_level", "needs_review", "updated_at")
    list_filter = ("needs_review", "risk_level")
    # Patient text is encrypted; admins read it through the portal, which logs access.
    exclude = ("surrogates_encrypted",)
    readonly_fields = ("patient", "risk_level", "risk_categories", "risk_cleared_by", "risk_cleared_at")


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("id", "conversation", "role", "status", "needs_review", "review_reason", "created_at")
    list_filter = ("role", "status", "needs_review")
    exclude = ("text_encrypted",)
    readonly_fields = ("conversation", "role", "client_id", "text_deid", "reply_to", "verdicts", "citations")


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "priority", "status", "reason", "created_at")
    list_filter = ("kind", "priority", "status")


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ("at", "user", "conversation", "action")

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
class DocumentAdmin(admin.ModelAdmin):
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

    @admin.action(description="Activate selected documents (reviewed ones only)", permissions=["review"])
    def activate(self, request: Any, queryset: Any) -> None:
        from chatbot.knowledge.services import documents_set_active

        documents_set_active(documents=queryset, active=True)

    @admin.action(description="Deactivate selected documents", permissions=["review"])
    def deactivate(self, request: Any, queryset: Any) -> None:
        from chatbot.knowledge.services import documents_set_active

        documents_set_active(documents=queryset, active=False)

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
