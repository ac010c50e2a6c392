from __future__ import annotations

from django.contrib import admin

from clinician_portal.models import CareTeam


@admin.register(CareTeam)
class CareTeamAdmin(admin.ModelAdmin):
    list_display = ("name", "topics")
    filter_horizontal = ("members",)
