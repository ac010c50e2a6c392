"""The on-call rota is edited here; the delivery log is read-only."""

from __future__ import annotations

from django.contrib import admin

from clinician_portal.models import CareTeam, Delivery, OnCallEntry


@admin.register(OnCallEntry)
class OnCallEntryAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "role",
        "tier",
        "transport",
        "weekdays",
        "starts_at",
        "ends_at",
        "is_fallback",
        "active",
    )
    list_filter = ("role", "tier", "is_fallback", "active", "transport")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("escalation", "tier", "transport", "status", "attempts", "error", "created_at", "sent_at")
    list_filter = ("status", "transport")
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(CareTeam)
class CareTeamAdmin(admin.ModelAdmin):
    list_display = ("name", "topics")
    filter_horizontal = ("members",)
