"""``manage.py create_demo_rota``: a local on-call rota for ``make run`` (pages go to
the console email backend by default). Idempotent; never for production."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from clinician_portal.models import OnCallEntry

DEMO = [
    ("clinician", "clinician", 1, "clinician@clinic.local", False),
    ("Clinical lead", "clinician", 2, "lead@clinic.local", False),
    ("safety", "safety_officer", 1, "safety@clinic.local", False),
    ("Front desk (fallback)", "clinician", 1, "desk@clinic.local", True),
]


class Command(BaseCommand):
    help = "Create a demo on-call rota (local use only)."

    def handle(self, *args: Any, **options: Any) -> None:
        users = get_user_model().objects
        for name, role, tier, email, fallback in DEMO:
            OnCallEntry.objects.get_or_create(
                name=name,
                defaults={
                    "role": role,
                    "tier": tier,
                    "transport": "email",
                    "target": email,
                    "is_fallback": fallback,
                    "user": users.filter(username=name).first(),
                },
            )
        self.stdout.write(f"On-call rota: {OnCallEntry.objects.count()} entries (edit them in the admin).")
