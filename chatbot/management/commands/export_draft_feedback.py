"""``manage.py export_draft_feedback --since YYYY-MM-DD [--out FILE]``

De-identified JSON Lines of the clinicians' edits to AI drafts, ready for preference
tuning (chosen = ``final``, rejected = ``draft``): one row per reply sent from a draft,
``{prompt, draft, final, edit_distance, urgency, topic}``. ``prompt`` is the patient's
de-identified message, ``draft`` the de-identified draft, ``final`` the sent text
de-identified with the thread's own surrogates. Every field of every row must pass
the PHI-leak rail (foreign PHI only: the conversation's surrogates are allowed); a row
that does not is left out and counted, never written.
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from chatbot import crypto
from chatbot.inbox import selectors as inbox_selectors
from chatbot.selectors import surrogates_for_conversation
from guardrails.base import Action, RailContext
from guardrails.registry import get_rail


class Command(BaseCommand):
    help = "Export de-identified (prompt, draft, final) rows of sent portal replies as JSON Lines."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--since", required=True, help="YYYY-MM-DD")
        parser.add_argument("--out", help="file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        from deidentify import SurrogateMap, get_deidentifier  # Presidio and spaCy load with it

        try:
            since = timezone.make_aware(datetime.combine(date.fromisoformat(options["since"]), time.min))
        except ValueError:
            raise CommandError("--since must be a date, YYYY-MM-DD") from None
        deidentifier = get_deidentifier(settings.DEID_SPACY_MODEL)
        phi_rail = get_rail("phi_leak")
        out = open(options["out"], "w", encoding="utf-8") if options["out"] else sys.stdout
        written = refused = 0
        try:
            for approval in inbox_selectors.approvals_since(since=since):
                draft, message = approval.draft, getattr(approval, "sent_message", None)
                if draft is None or message is None:
                    continue
                conversation_id = approval.thread.conversation_id
                known = surrogates_for_conversation(conversation_id=conversation_id)
                mapping = SurrogateMap.from_json(known) if known else None
                final = deidentifier.deidentify(crypto.decrypt(message.text_encrypted), mapping)
                row = {
                    "prompt": draft.message.text_deid,
                    "draft": draft.text_deid,
                    "final": final.text,
                    "edit_distance": approval.edit_distance,
                    "urgency": approval.urgency,
                    "topic": approval.thread.topic,
                }
                context = RailContext(surrogates=frozenset(final.surrogates.surrogates()))
                fields = (row["prompt"], row["draft"], row["final"])
                if any(phi_rail.check(str(text), context).action is not Action.ALLOW for text in fields):
                    refused += 1
                    continue
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
                written += 1
        finally:
            if out is not sys.stdout:
                out.close()
        self.stderr.write(f"{written} rows written; {refused} left out (the PHI-leak rail did not pass them)")
