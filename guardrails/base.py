"""The rail contract: ``Rail.check(text, context) -> Verdict``.

Every input and output rail implements this contract. Rails are pure functions of
their inputs: they never write anywhere and never send text out of the process
unless their module says so in its docstring.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from guardrails.normalize import NormalizedText


class Action(StrEnum):
    """What the pipeline should do with a message, from least to most severe."""

    ALLOW = "allow"
    FLAG = "flag"  # let it through, but a person should look
    BLOCK = "block"  # do not send it to (or from) the model; answer from a template
    ESCALATE = "escalate"  # crisis or emergency path: templates at once, people told

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


_SEVERITY = {Action.ALLOW: 0, Action.FLAG: 1, Action.BLOCK: 2, Action.ESCALATE: 3}


class RiskLevel(IntEnum):
    """Suicide-risk levels, after the C-SSRS screener's questions, in order of severity."""

    NONE = 0
    PASSIVE_WISH = 1  # wish to be dead, to not wake up
    ACTIVE_IDEATION = 2  # thoughts of killing oneself
    METHOD = 3  # ideation with a method in mind
    INTENT_OR_PLAN = 4  # intent to act, or a plan
    BEHAVIOR = 5  # recent behaviour: an attempt, preparation, an overdose already taken


@dataclass(frozen=True)
class Evidence:
    """A span of the *original* text (character offsets, end exclusive) and why it matters."""

    start: int
    end: int
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "reason": self.reason}


@dataclass(frozen=True)
class Verdict:
    """One rail's decision on one text.

    ``score`` is the rail's confidence that the text is unsafe for its category, in
    [0, 1]; evaluation computes AUROC from it, so it must rank, not only threshold.
    """

    rail: str
    action: Action
    category: str
    score: float
    risk_level: RiskLevel | None = None
    evidence: tuple[Evidence, ...] = ()

    @property
    def is_escalation(self) -> bool:
        """The rail chose ESCALATE: any rail's crisis or emergency path (not only self-harm)."""
        return self.action is Action.ESCALATE

    def doubted(self, score: float) -> Verdict:
        """This verdict as a FLAG, its evidence marked "possible": what a rail returns when
        one of its readers acted and the other reads almost nothing (a person still looks)."""
        evidence = tuple(Evidence(e.start, e.end, f"possible {e.reason}") for e in self.evidence)
        return Verdict(self.rail, Action.FLAG, self.category, score, None, evidence)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rail": self.rail,
            "action": self.action.value,
            "category": self.category,
            "score": round(self.score, 4),
            "risk_level": self.risk_level.name.lower() if self.risk_level is not None else None,
            "evidence": [e.to_dict() for e in self.evidence],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Verdict:
        level = data.get("risk_level")
        return cls(
            rail=data["rail"],
            action=Action(data["action"]),
            category=data["category"],
            score=float(data["score"]),
            risk_level=RiskLevel[level.upper()] if level else None,
            evidence=tuple(Evidence(**e) for e in data.get("evidence", ())),
        )


@dataclass(frozen=True)
class RiskState:
    """The conversation's open risk. Once raised it stays until a clinician clears it."""

    level: RiskLevel = RiskLevel.NONE
    categories: frozenset[str] = frozenset()

    @property
    def is_open(self) -> bool:
        """Open risk: any raised level or category that a clinician has not cleared."""
        return self.level > RiskLevel.NONE or bool(self.categories)


@dataclass(frozen=True)
class Passage:
    """A retrieved knowledge-base passage the answer may draw on; ``number`` is its citation."""

    number: int
    title: str
    text: str
    url: str = ""
    score: float = 0.0  # retrieval cosine to the question; 0.0 when not retrieved


@dataclass(frozen=True)
class RailContext:
    """What a rail may read besides the text under check.

    ``history`` holds the earlier patient turns of this conversation, oldest first, in
    the same form as the text under check: the chat gives its in-process input rails
    the patient's own words, and anything outside the process de-identified text.
    ``normalized`` is the shared normalisation of the text under check, made once per
    message by the runner. Output rails also get the
    patient's ``question``, the ``passages`` the answer must stand on, and the
    ``surrogates`` that this conversation's de-identification mapping knows.
    """

    history: tuple[str, ...] = ()
    risk: RiskState = RiskState()
    normalized: NormalizedText | None = None
    question: str = ""
    passages: tuple[Passage, ...] = ()
    surrogates: frozenset[str] = frozenset()
    # Per-message memo for expensive shared work (e.g. the text's embedding), so
    # two rails never compute it twice. Not part of equality.
    memo: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)


class Rail(Protocol):
    """A safety check. ``check`` returns a Verdict and raises only on a bug or a broken
    resource; the runner turns any exception into a fail-closed verdict.

    A rail may also define ``prepare(context) -> None`` for per-message work (encoding
    the passages, say) that can run while the model is still generating; it stores what
    it computes in ``context.memo``, may raise, and ``check`` must work without it."""

    name: str

    def check(self, text: str, context: RailContext) -> Verdict: ...


def most_severe(verdicts: list[Verdict] | tuple[Verdict, ...]) -> Action:
    """The most severe action among ``verdicts`` (ALLOW when there are none)."""
    return max((v.action for v in verdicts), key=lambda a: a.severity, default=Action.ALLOW)
