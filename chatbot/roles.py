"""The product's roles are Django groups.

Data migrations create them; ``ensure_roles`` runs after every ``migrate`` and ``flush``
(Django's ``post_migrate``) so a flushed or hand-edited database gets them back, with
the clinician's right to send care-team replies.
"""

from __future__ import annotations

from typing import Any

PATIENT = "patient"
CLINICIAN = "clinician"
SAFETY_OFFICER = "safety_officer"
ROLES = (PATIENT, CLINICIAN, SAFETY_OFFICER)
# Permissions each role holds beyond its name ("app_label.codename"). The permissions
# themselves are declared on the models (``Meta.permissions``); Django creates them in
# its own post_migrate receiver, which runs before this one.
ROLE_PERMISSIONS = {CLINICIAN: ["chatbot.send_portal_reply"]}


def ensure_roles(**_: Any) -> None:
    """Create the role groups and grant their permissions; idempotent (a post_migrate
    receiver). Raises Permission.DoesNotExist if a declared permission is missing."""
    from django.contrib.auth.models import Group, Permission

    for name in ROLES:
        group, _created = Group.objects.get_or_create(name=name)
        for dotted in ROLE_PERMISSIONS.get(name, []):
            app_label, codename = dotted.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


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


def is_admin(user: Any) -> bool:
    """Django admin users (superusers and ``is_staff`` accounts)."""
    return bool(getattr(user, "is_authenticated", False) and (user.is_superuser or user.is_staff))


def requires_second_factor(user: Any) -> bool:
    """Clinicians, safety officers and admins must sign in with a second factor."""
    return is_staff_reviewer(user) or is_admin(user)


def role_of(user: Any) -> str:
    """The one role name the audit record shows for ``user``."""
    if user is None or not getattr(user, "is_authenticated", False):
        return "anonymous"
    if user.is_superuser:
        return "admin"
    for role in (CLINICIAN, SAFETY_OFFICER, PATIENT):
        if has_role(user, role):
            return role
    return "admin" if user.is_staff else "user"


def is_staff_reviewer(user: Any) -> bool:
    """Clinicians and safety officers review conversations in the portal."""
    return has_role(user, CLINICIAN) or has_role(user, SAFETY_OFFICER)
