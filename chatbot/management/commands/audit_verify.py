from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from chatbot import selectors


def read_anchors(path: Path) -> list[tuple[int, str]]:
    """``(event id, hash)`` pairs from an anchor file (JSON lines); raises CommandError
    for a line that is not an anchor."""
    anchors = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if int(row["id"]) > 0:
                anchors.append((int(row["id"]), str(row["hash"])))
        except (ValueError, KeyError, TypeError) as exc:
            raise CommandError(f"{path}:{number} is not an anchor line") from exc
    return anchors


class Command(BaseCommand):
    help = "Walk the audit chain, recompute every hash, and report the first broken link."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--anchors",
            default=None,
            help="anchor file (JSON lines) to check against; default AUDIT_ANCHOR_FILE when it exists",
        )
        parser.add_argument("--no-anchors", action="store_true", help="check the chain alone")

    def handle(self, *args: Any, **options: Any) -> None:
        anchors: list[tuple[int, str]] = []
        if not options["no_anchors"]:
            path = Path(options["anchors"] or settings.AUDIT_ANCHOR_FILE)
            if options["anchors"] and not path.exists():
                raise CommandError(f"no anchor file at {path}")
            if path.exists():
                anchors = read_anchors(path)
        result = selectors.audit_chain_verify(anchors=anchors)
        if not result.ok:
            raise CommandError(
                f"audit chain BROKEN at event #{result.broken_at}: {result.problem} "
                f"({result.checked} events verified before it)"
            )
        self.stdout.write(
            f"audit chain OK: {result.checked} events, head #{result.head_id} {result.head_hash}, "
            f"{len(anchors)} anchors checked"
        )
