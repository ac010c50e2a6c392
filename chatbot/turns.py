"""The values a patient message carries through the pipeline.

``Turn`` is one message in flight, ``Deidentified`` its text as the model sees it
(the in-process input rails read the patient's own words, ``Turn.text``), ``Flag``
something a person must look at, and ``Answer`` what the patient is shown. None of them
reads or writes the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from chatbot import policy
from chatbot.protocol import Citation
from guardrails.base import RiskState, Verdict


@dataclass
class Turn:
    """One patient message in flight. ``text`` is the original and lives only in memory."""

    message_id: int
    conversation_id: int
    text: str
    history: list[tuple[str, str]]
    risk: RiskState
    surrogates_json: str | None
    verdicts: list[Verdict] = field(default_factory=list)
    crisis_shown: bool = False
    preface: str = ""  # a notice the answer opens with (``steps.template_or_preface``)
    # The patient's earlier messages in their own words, oldest first: for the in-process
    # input rails only (``rails.input_context``), like ``text``; ``history`` is what the
    # model and the second opinion see.
    earlier_words: tuple[str, ...] = ()

    @property
    def risk_seen(self) -> bool:
        """Open risk in the conversation, or an urgent verdict (a self-harm crisis or a
        medical emergency) on this message."""
        return self.risk.is_open or any(policy.is_urgent(v) for v in self.verdicts)


@dataclass(frozen=True)
class Deidentified:
    text: str
    surrogates: Any  # deidentify.SurrogateMap
    pieces: tuple[tuple[int, int, int, int], ...] = ()  # deidentify.Piece: where each span went

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Where the original message's [start, end) lies in ``text``."""
        from deidentify.pseudonymize import output_span  # loaded by then; see ``reidentify``

        return output_span(self.pieces, start, end)

    def reidentify(self, text: str) -> str:
        """``text`` with this conversation's surrogates put back; raises DeidentificationError."""
        # Imported here, not at the top: Presidio and spaCy load with it, and the web
        # process imports this module long before any message needs them.
        from deidentify import get_deidentifier

        return get_deidentifier(settings.DEID_SPACY_MODEL).reidentify(text, self.surrogates)


@dataclass(frozen=True)
class Flag:
    """An escalation for a person to look at; ``reason`` is a machine code, never text."""

    kind: str
    reason: str
    verdicts: tuple[Verdict, ...] = ()


# The reply action that sends the patient's question to the care team as a portal
# message (``protocol.ReplyAction``); offered whenever the assistant has no vetted answer.
SEND_TO_CARE_TEAM = "send_to_care_team"


@dataclass(frozen=True)
class Answer:
    text: str  # what the patient sees (re-identified)
    text_deid: str  # what the model wrote
    mode: str
    citations: list[Citation]
    verdicts: list[dict[str, Any]] = field(default_factory=list)
    # Escalations the answer calls for, written when it is delivered.
    flags: tuple[Flag, ...] = ()
    # One-click follow-ups the client offers under the reply (``protocol.ReplyAction``).
    actions: tuple[str, ...] = ()
