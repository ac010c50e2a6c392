"""Triage rules, table-driven; the committed head matches its training data."""

from __future__ import annotations

import json

import pytest

from chatbot.inbox import head, train
from chatbot.inbox.triage import NO_REPLY_RULES, URGENCY_RULES, triage
from guardrails.base import Action, Evidence, Verdict


def test_the_committed_head_was_built_from_the_committed_training_data() -> None:
    manifest = json.loads(head.MANIFEST_FILE.read_text(encoding="utf-8"))
    assert manifest["data_sha256"] == train.data_hash(), "run: python -m chatbot.inbox.train"
    assert set(manifest["thresholds"]) == {"not_routine", "emergent", "no_reply"}


@pytest.mark.parametrize(
    ("text", "urgency"),
    [
        ("my sugar is 450 and ive been throwing up all morning, breathing fast", "emergent"),
        ("my dad wont wake up, he is breathing but wont respond", "emergent"),
        ("her face is drooping on one side since 20 min ago", "emergent"),
        ("pressure in my chest going into my left arm", "emergent"),
        ("fever of 103.5 since last night", "urgent"),
        ("i ran out of my insulin yesterday", "urgent"),
        ("the redness around the cut is spreading", "urgent"),
        ("mi mama no despierta", "emergent"),
    ],
)
def test_urgency_patterns_fire(text: str, urgency: str) -> None:
    hits = [rule for rule in URGENCY_RULES if rule.regex.search(text.lower())]
    assert hits and min(hits, key=lambda r: {"emergent": 0, "urgent": 1}[r.urgency]).urgency == urgency


@pytest.mark.parametrize(
    "text",
    [
        "no chest pain, just a question about my refill",
        "can i get my flu shot on thursday?",
        "i need a work note for last monday",
    ],
)
def test_urgency_patterns_stay_quiet(text: str) -> None:
    result = triage(text)
    assert not [e for e in result.evidence if e["source"] == "pattern" and e.get("urgency")]


@pytest.mark.parametrize(
    ("text", "reply_needed"),
    [
        ("thanks, got it!", False),
        ("will do the blood draw wednesday, no need to reply", False),
        ("never mind, found the after visit summary", False),
        ("gracias, ya lo encontré", False),
        ("thanks! when should i take it, morning or night?", True),
        ("can you send my refill to the cvs on main", True),
    ],
)
def test_reply_needed(text: str, reply_needed: bool) -> None:
    assert triage(text).reply_needed is reply_needed


def test_a_rail_emergency_makes_it_emergent_with_the_rails_evidence() -> None:
    verdict = Verdict(
        rail="emergency",
        action=Action.ESCALATE,
        category="stroke",
        score=1.0,
        evidence=(Evidence(0, 4, "stroke signs"),),
    )
    result = triage("face drooping", [verdict])
    assert result.urgency == "emergent"
    assert result.evidence[0]["source"] == "rail" and result.evidence[0]["start"] == 0


def test_a_message_that_is_not_routine_always_needs_a_reply() -> None:
    result = triage("fever of 104 and a stiff neck. no need to reply")
    assert result.urgency != "routine" and result.reply_needed


def test_every_no_reply_rule_has_a_name() -> None:
    assert all(rule.name for rule in (*URGENCY_RULES, *NO_REPLY_RULES))


@pytest.mark.parametrize(
    ("text", "promised"),
    [
        ("We will call you tomorrow.", True),
        ("I have prescribed amoxicillin for you.", True),
        ("we'll get back to you within 24 hours", True),
        ("You have an ear infection.", True),
        ("See a doctor within 2 days if it gets worse.", False),
        ("Your care team will review it.", False),
    ],
)
def test_a_draft_never_promises_a_diagnosis_a_prescription_or_a_time(text: str, promised: bool) -> None:
    from chatbot.inbox.drafting import promises

    assert bool(promises(text)) is promised
