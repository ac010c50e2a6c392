from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

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
