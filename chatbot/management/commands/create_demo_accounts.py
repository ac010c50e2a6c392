from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand

from chatbot import roles, services

DEMO = [
    ("patient", "patient", roles.PATIENT),
    ("patient2", "patient2", roles.PATIENT),
    ("clinician", "clinician", roles.CLINICIAN),
    ("safety", "safety", roles.SAFETY_OFFICER),
]


class Command(BaseCommand):
    help = "Create demo accounts for local use (never in production) and print how to sign in."

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        # Clinicians review the knowledge base in the admin: documents only.
        document_perms = Permission.objects.filter(
            content_type__app_label="chatbot",
            codename__in=["view_document", "change_document", "review_document"],
        )
        Group.objects.get(name=roles.CLINICIAN).permissions.add(*document_perms)
        for username, password, role in DEMO:
            user, created = User.objects.get_or_create(username=username)
            if created:
                user.set_password(password)
                user.save()
            user.groups.add(Group.objects.get(name=role))
            if role == roles.CLINICIAN and not user.is_staff:
                user.is_staff = True  # admin access; permissions limit it to documents
                user.save(update_fields=["is_staff"])
        admin, created = User.objects.get_or_create(
            username="admin", defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            admin.set_password("admin")
            admin.save()
        for username, _, role in DEMO:
            if role == roles.PATIENT:
                services.patient_profile_upsert(
                    patient=User.objects.get(username=username),
                    display_name=f"Demo {username}",
                    phone="+1 555 0100",
                    emergency_contact="Demo contact, +1 555 0101",
                    preferred_language="English",
                    clinic="Demo clinic",
                )
        # The care-team inbox: clinicians send portal replies (migration 0005 grants it;
        # kept here too for databases migrated before it). Pools are the portal's
        # (clinician_portal.CareTeam): add one in the admin to use "My pools".
        Group.objects.get(name=roles.CLINICIAN).permissions.add(
            *Permission.objects.filter(content_type__app_label="chatbot", codename="send_portal_reply")
        )
        self.stdout.write("Demo accounts (local use only; username = password):")
        for username, _, role in DEMO:
            self.stdout.write(f"  {username:<10} {role}")
        self.stdout.write("  admin      Django admin")
        self.stdout.write(
            "Care-team inbox: sign in as patient at /messages/, then as clinician at /portal/inbox/."
        )
