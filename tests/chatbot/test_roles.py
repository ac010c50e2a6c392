"""The role groups and the clinician's send permission survive a flushed database."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from chatbot import roles
from chatbot.inbox.services import SEND_PERMISSION
from tests.factories import UserFactory


@pytest.mark.django_db(transaction=True)
def test_a_flush_keeps_the_roles_and_the_clinicians_right_to_send() -> None:
    call_command("flush", "--noinput", verbosity=0)  # what every transactional test does afterwards

    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ROLES)
    clinician = UserFactory.create(roles=[roles.CLINICIAN])
    officer = UserFactory.create(roles=[roles.SAFETY_OFFICER])
    assert clinician.has_perm(SEND_PERMISSION)
    assert not officer.has_perm(SEND_PERMISSION)


@pytest.mark.django_db
def test_ensure_roles_is_idempotent() -> None:
    roles.ensure_roles()
    roles.ensure_roles()

    clinician = Group.objects.get(name=roles.CLINICIAN)
    assert list(clinician.permissions.values_list("codename", flat=True)) == ["send_portal_reply"]
    assert Group.objects.filter(name__in=roles.ROLES).count() == len(roles.ROLES)
