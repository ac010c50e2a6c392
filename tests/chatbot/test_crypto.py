from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from chatbot import crypto
from chatbot.models import Message
from tests.factories import MessageFactory

pytestmark = pytest.mark.django_db


def test_text_is_encrypted_at_rest() -> None:
    message = MessageFactory(text="Jane Doe, DOB 01/02/1960")
    raw = Message.objects.values_list("text_encrypted", flat=True).get(pk=message.pk)
    assert "Jane" not in raw
    assert crypto.decrypt(raw) == "Jane Doe, DOB 01/02/1960"


def test_keys_rotate_without_losing_data(settings) -> None:
    message = MessageFactory(text="call me at 555-0101")
    old_token = Message.objects.get(pk=message.pk).text_encrypted
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, *settings.FIELD_ENCRYPTION_KEYS]

    call_command("rotate_keys")

    rotated = Message.objects.get(pk=message.pk).text_encrypted
    assert rotated != old_token
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key is gone
    assert crypto.decrypt(rotated) == "call me at 555-0101"


def test_a_wrong_key_fails_without_quoting_the_data(settings) -> None:
    token = crypto.encrypt("secret")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(crypto.DecryptionError) as caught:
        crypto.decrypt(token)
    assert token not in str(caught.value)

