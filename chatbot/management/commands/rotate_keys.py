from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from chatbot import crypto
from chatbot.models import Conversation, Message


class Command(BaseCommand):
    help = "Re-encrypt stored patient text and mappings under the first key in FIELD_ENCRYPTION_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        count = 0
        for message in Message.objects.only("pk", "text_encrypted").iterator(chunk_size=500):
            with transaction.atomic():
                Message.objects.filter(pk=message.pk).update(
                    text_encrypted=crypto.rotate(message.text_encrypted)
                )
            count += 1
        for conversation in Conversation.objects.exclude(surrogates_encrypted="").only(
            "pk", "surrogates_encrypted"
        ):
            Conversation.objects.filter(pk=conversation.pk).update(
                surrogates_encrypted=crypto.rotate(conversation.surrogates_encrypted)
            )
            count += 1
        self.stdout.write(f"Re-encrypted {count} values under the newest key.")
