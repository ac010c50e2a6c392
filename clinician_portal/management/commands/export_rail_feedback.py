"""``manage.py export_rail_feedback --since DATE [--output FILE]``: JSON Lines of
``{text, rail, verdict, outcome}`` from resolved escalations (de-identified text)."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from clinician_portal.feedback import rail_feedback


class Command(BaseCommand):
    help = "Export clinicians' outcomes on the rails' escalations as de-identified JSON Lines."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--since", required=True, help="YYYY-MM-DD: escalations resolved on or after it")
        parser.add_argument("--output", default="-", help="a file, or - for stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            day = date.fromisoformat(options["since"])
        except ValueError:
            raise CommandError("--since must be a date: YYYY-MM-DD") from None
        since = timezone.make_aware(datetime.combine(day, time.min))
        export = rail_feedback(since=since)
        lines = [json.dumps(row, ensure_ascii=False) for row in export.rows]
        if options["output"] == "-":
            for line in lines:
                self.stdout.write(line)
        else:
            with open(options["output"], "w", encoding="utf-8") as out:
                out.writelines(line + "\n" for line in lines)
        self.stderr.write(
            f"{len(export.rows)} rows; {export.withheld} withheld (the PHI-leak rail flagged their text)"
        )
