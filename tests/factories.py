from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from chatbot import crypto, roles
from chatbot.models import Conversation, Message


def _add_roles(user: Any, names: Sequence[str]) -> None:
    for name in names:
        user.groups.add(Group.objects.get_or_create(name=name)[0])


class UserFactory(factory.django.DjangoModelFactory[Any]):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs: Any) -> None:
        self.set_password(extracted or "pw-for-tests-1")
        if create:
            self.save()

    @factory.post_generation
    def roles(self, create: bool, extracted: Sequence[str] | None, **kwargs: Any) -> None:
        if create and extracted:
            _add_roles(self, extracted)


class PatientFactory(UserFactory):
    @factory.post_generation
    def roles(self, create: bool, extracted: Sequence[str] | None, **kwargs: Any) -> None:
        if create:
            _add_roles(self, extracted or [roles.PATIENT])


class ConversationFactory(factory.django.DjangoModelFactory[Conversation]):
    class Meta:
        model = Conversation

    patient = factory.SubFactory(PatientFactory)


class MessageFactory(factory.django.DjangoModelFactory[Message]):
    class Meta:
        model = Message

    class Params:
        text = "hello"

    conversation = factory.SubFactory(ConversationFactory)
    role = Message.Role.PATIENT
    text_encrypted = factory.LazyAttribute(lambda o: crypto.encrypt(o.text))


def signed_in(user: Any) -> Client:
    """A test client signed in as ``user``. Staff (and users with a device) get a session
    that has passed its second factor, as after a real two-step sign-in."""
    client = Client()
    client.force_login(user)
    if roles.requires_second_factor(user) or user_has_device(user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="test app", confirmed=True
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client
