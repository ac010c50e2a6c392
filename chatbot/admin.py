from __future__ import annotations

from typing import Any

from django.contrib import admin

from chatbot.models import (
    AccessLog,
    Chunk,
    Conversation,
    Document,
    Draft,
    Escalation,
    Message,
    ReplyApproval,
    Thread,
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

    def has_add_permission(self, request: Any) -> bool:
        # Messages are written by services only; a care-team reply needs an approval
        # (``inbox.services.portal_reply_send``), which the admin cannot record.
        return False


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
