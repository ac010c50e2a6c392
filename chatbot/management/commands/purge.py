from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chatbot import services


class Command(BaseCommand):
    help = (
        "Retention: delete conversations untouched for DAYS, with their messages and resolved "
        "escalations. Never touches open escalations or a legal hold. Audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than", type=int, required=True, metavar="DAYS")
        parser.add_argument("--dry-run", action="store_true", help="count what would go, delete nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = services.conversations_purge(older_than_days=options["older_than"], dry_run=options["dry_run"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        verb = "would purge" if options["dry_run"] else "purged"
        self.stdout.write(
            f"{verb} {result.conversations} conversations, {result.messages} messages, "
            f"{result.escalations} escalations"
        )
