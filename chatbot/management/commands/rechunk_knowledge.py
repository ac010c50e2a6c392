from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from chatbot.knowledge.services import documents_rechunk


class Command(BaseCommand):
    help = (
        "Re-chunk and re-embed stored documents whose chunks an older chunker built. "
        "Idempotent: a second run rebuilds nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        rebuilt = documents_rechunk()
        self.stdout.write(f"Knowledge base: {rebuilt} documents re-chunked, the rest current.")
