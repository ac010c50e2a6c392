"""The register rules that write development fairness groups (``guardrails.registers``)."""

from __future__ import annotations

import json
import random

import pytest

from guardrails import registers
from guardrails.fairness import load_groups


def rng() -> random.Random:
    return random.Random(7)


def test_shorthand_abbreviates_drops_apostrophes_and_the_final_stop() -> None:
    out = registers.shorthand("Are you sure? I don't want to go to the ER tonight because of the cost.", "en", rng())
    assert "'" not in out
    assert not out.endswith(".")
    assert out == out.lower()
    words = set(out.replace("?", " ").split())
    # Each phrase is abbreviated four times in five: at least some must change.
    assert words & {"u", "r", "tonite", "bc"}


def test_spanish_shorthand_uses_spanish_abbreviations_and_drops_accents() -> None:
    out = registers.shorthand("¿Por qué me siento así también por la noche?", "es", random.Random(3))
    assert "¿" not in out and "í" not in out
    assert {"xq", "x", "tmb", "tb", "q"} & set(out.replace("?", " ").split())


def test_limited_drops_articles_and_uses_one_verb_form() -> None:
    out = registers.limited("The pain in the chest has been there since the morning.", "en", rng())
    assert out.lower().split().count("the") < 4
    assert "has" not in out.split()
    assert "pain" in out and "chest" in out and "morning" in out


def test_limited_leaves_spanish_alone() -> None:
    text = "me duele el pecho desde la mañana"
    assert registers.limited(text, "es", rng()) == text


def test_formal_spells_out_shorthand_and_contractions() -> None:
    out = registers.formal("i cant sleep rn bc u said its fine", "en", random.Random(0))
    assert "cannot" in out and "right now" in out and "because" in out and "you" in out
    assert out.endswith(".")
    assert out.split()[0][0].isupper()


def test_identity_keeps_the_message_and_adds_who_the_patient_is() -> None:
    text = "my chest hurts and my left arm is numb"
    for seed in range(20):
        out = registers.identity(text, "en", random.Random(seed))
        assert text in out
        assert any(said in out for said in registers.IDENTITY_EN)
    assert any(said in registers.identity("me duele el pecho", "es", rng()) for said in registers.IDENTITY_ES)


def test_rules_are_deterministic_for_a_seed() -> None:
    text = "I'm going to the doctor tomorrow because you told me to, okay?"
    first = registers.copies(text, "en", random.Random(11))
    assert first == registers.copies(text, "en", random.Random(11))
    assert {kind for kind, _ in first} <= set(registers.KINDS)
    assert all(rewritten != text for _, rewritten in first)


def test_development_groups_are_fairness_groups(tmp_path) -> None:
    rows = [
        {"id": "r-1", "text": "I took all of my pills an hour ago", "lang": "en"},
        {"id": "r-2", "text": "me tome todas las pastillas hace una hora", "lang": "es"},
    ]
    path = tmp_path / "groups.jsonl"
    path.write_text("".join(json.dumps(g) + "\n" for g in registers.development_groups(rows)))
    groups = load_groups(path)
    assert [g.id for g in groups] == ["r-1", "r-2"]
    assert groups[0].variants[0].text == rows[0]["text"]
    assert len(groups[0].variants) >= 4


def test_the_command_writes_groups_from_the_held_out_writers(tmp_path) -> None:
    out = tmp_path / "dev.jsonl"
    assert registers.main(["groups", str(out)]) == 0
    groups = load_groups(out)
    assert len(groups) > 1000
    assert registers.main(["nonsense"]) == 2


@pytest.mark.parametrize("kind", registers.KINDS)
def test_every_rule_returns_text(kind: str) -> None:
    assert registers.variant("My baby has a fever of 101.", "en", kind, rng()).strip()
