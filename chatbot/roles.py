"""The product's roles are Django groups. A data migration creates them."""

from __future__ import annotations

from typing import Any

PATIENT = "patient"
CLINICIAN = "clinician"
SAFETY_OFFICER = "safety_officer"
ROLES = (PATIENT, CLINICIAN, SAFETY_OFFICER)


def has_role(user: Any, role: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._role_names = cached
    return role in cached


def is_patient(user: Any) -> bool:
    return has_role(user, PATIENT)


def is_staff_reviewer(user: Any) -> bool:
    """Clinicians and safety officers review conversations in the portal."""
    return has_role(user, CLINICIAN) or has_role(user, SAFETY_OFFICER)
