"""Counterfactual fairness: the same message, written differently, must get the same
decision. ``python -m guardrails.fairness`` runs the input rails on every variant of
every group in a JSONL file and exits non-zero when a group's variants disagree.

A groups file has one group per line::

    {"group": "g-1", "variants": [{"variant": "standard", "text": "..."}, ...]}

(other keys are ignored). ``groups.jsonl`` beside this file is a frozen held-out set:
nothing here was written or tuned from its texts, and this module never prints them.

The decision compared is ``outcome``: what the patient gets, in the words of
``chatbot.policy`` (which this package may not import; ``tests/chatbot`` holds the two
together row by row).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from guardrails.base import Action, RailContext, Verdict
from guardrails.registry import INPUT_RAILS
from guardrails.runner import run_rails

HERE = Path(__file__).resolve().parent
GROUPS_FILE = HERE / "groups.jsonl"
KNOWN_FLIPS_FILE = HERE / "known_flips.txt"

SECOND_OPINION = "safety_llm"


def _speaks_for(verdict: Verdict, rail: str) -> bool:
    return verdict.rail == rail or (verdict.rail == SECOND_OPINION and verdict.category == rail)


def _is(rail: str, action: Action) -> Callable[[Verdict], bool]:
    return lambda v: _speaks_for(v, rail) and v.action is action


# (outcome, test), most serious first: the first outcome any acting verdict passes names
# the decision. Mirrors ``chatbot.policy.RULES``: urgent before a failure before the flags,
# and among the flags those a person reviews at HIGH priority first.
_OUTCOME_TESTS: tuple[tuple[str, Callable[[Verdict], bool]], ...] = (
    ("emergency", _is("emergency", Action.ESCALATE)),  # call 911 now
    ("crisis", _is("self_harm", Action.ESCALATE)),  # crisis resources at once
    ("error", lambda v: v.category == "rail_error"),  # fail closed
    ("language", lambda v: v.rail == "language"),  # a person reads it
    ("help", lambda v: _is("self_harm", Action.FLAG)(v) and v.category != "third_party"),  # support
    ("urgent_care", _is("emergency", Action.FLAG)),  # urgent-care advice
    ("refuse", lambda v: v.action is Action.BLOCK),  # injection refusal, scope redirect
    ("third_party", lambda v: _speaks_for(v, "self_harm") and v.category == "third_party"),
    ("flag", lambda v: True),  # a person looks; the answer goes on
)


def outcome(verdicts: Iterable[Verdict]) -> str:
    """The decision for one message's input verdicts: one of ``OUTCOME_NAMES``."""
    acting = [v for v in verdicts if v.action is not Action.ALLOW]
    for name, test in _OUTCOME_TESTS:
        if any(test(v) for v in acting):
            return name
    return "allow"


OUTCOME_NAMES: tuple[str, ...] = (*(name for name, _ in _OUTCOME_TESTS), "allow")

# What an outcome means for the patient and the care team, coarser than the outcome: a
# flip within a tier changes the words the patient reads (911 first or the crisis lines
# first), a flip across tiers changes whether a person is told at once, later, or not at
# all. Every flip counts against the target; the tiers say which ones a safety officer
# reads first.
TIERS: dict[str, str] = {
    "emergency": "urgent", "crisis": "urgent",  # a person now; templates at once
    "error": "support", "language": "support", "help": "support", "urgent_care": "support",
    "refuse": "review", "third_party": "review", "flag": "review",
    "allow": "allow",
}  # fmt: skip


@dataclass(frozen=True)
class Variant:
    name: str
    text: str


@dataclass(frozen=True)
class Group:
    id: str
    variants: tuple[Variant, ...]


class GroupsFileError(ValueError):
    """The groups file is unreadable or malformed (a retry cannot help)."""


def load_groups(path: Path) -> list[Group]:
    """Read a groups file. Raises GroupsFileError naming the line (never its text)."""
    groups: list[Group] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise GroupsFileError(f"{path}: cannot read ({type(exc).__name__})") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            variants = tuple(Variant(str(v["variant"]), str(v["text"])) for v in row["variants"])
            group = Group(str(row["group"]), variants)
        except (ValueError, KeyError, TypeError):
            raise GroupsFileError(f"{path}:{number}: not a group (needs group and variants)") from None
        if len(variants) < 2:
            raise GroupsFileError(f"{path}:{number}: group {group.id} needs two or more variants")
        groups.append(group)
    return groups


def load_known_flips(path: Path | None) -> frozenset[str]:
    """Group ids, one a line; ``#`` starts a comment. None or a missing file: none known."""
    if path is None:
        return frozenset()
    ids = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(i for i in ids if i)


@dataclass(frozen=True)
class Result:
    group: str
    outcomes: tuple[tuple[str, str], ...]  # (variant name, outcome)

    @property
    def flipped(self) -> bool:
        return len({o for _, o in self.outcomes}) > 1

    @property
    def tiers(self) -> frozenset[str]:
        return frozenset(TIERS[o] for _, o in self.outcomes)


def run(groups: Sequence[Group], rails: Sequence[str] = INPUT_RAILS) -> list[Result]:
    """The outcome of every variant of every group (each variant a fresh conversation)."""
    return [
        Result(g.id, tuple((v.name, outcome(run_rails(rails, v.text, RailContext()))) for v in g.variants))
        for g in groups
    ]


@dataclass(frozen=True)
class Report:
    results: tuple[Result, ...]
    known: frozenset[str]

    @property
    def flips(self) -> list[Result]:
        return [r for r in self.results if r.flipped]

    @property
    def new_flips(self) -> list[Result]:
        """Flipping groups not in the known list: these fail the run."""
        return [r for r in self.flips if r.group not in self.known]

    @property
    def fixed(self) -> list[str]:
        """Known groups that no longer flip: the list can shrink."""
        flipping = {r.group for r in self.flips}
        seen = {r.group for r in self.results}
        return sorted(g for g in self.known if g in seen and g not in flipping)

    def lines(self) -> list[str]:
        out = []
        for r in self.flips:
            mark = "known" if r.group in self.known else "NEW"
            detail = " ".join(f"{name}={o}" for name, o in r.outcomes)
            out.append(f"flip {r.group} ({mark}): {detail}")
        for g in self.fixed:
            out.append(f"no longer flips: {g} (remove it from the known-flips list)")
        total = len(self.results)
        counts: dict[str, int] = {}
        for r in self.results:
            for _, o in r.outcomes:
                counts[o] = counts.get(o, 0) + 1
        out.append("variants by outcome: " + ", ".join(f"{o}={counts[o]}" for o in OUTCOME_NAMES if o in counts))
        across = [r for r in self.flips if len(r.tiers) > 1]
        urgent_allow = [r for r in across if {"urgent", "allow"} <= r.tiers]
        within_urgent = [r for r in self.flips if r.tiers == {"urgent"}]
        out.append(
            f"flips by tier: {len(across)} across tiers ({len(urgent_allow)} between urgent and allow), "
            f"{len(self.flips) - len(across)} within one tier ({len(within_urgent)} urgent: "
            "911 first or the crisis lines first)"
        )
        out.append(
            f"{len(self.flips)} of {total} groups flip ({len(self.new_flips)} new, "
            f"{len(self.flips) - len(self.new_flips)} known, {len(self.fixed)} known fixed); target 0"
        )
        return out
