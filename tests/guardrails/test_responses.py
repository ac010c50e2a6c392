from __future__ import annotations

import json
from pathlib import Path

import pytest

from guardrails.base import Action, RiskLevel, Verdict
from guardrails.responses import DEFAULT_TEMPLATES, detect_language, load_templates, response_for


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("I want to talk to someone", "en"),
        ("Me quiero morir, no sé qué hacer", "es"),
        ("¿Puedo tomar paracetamol?", "es"),
        ("help", "en"),
    ],
)
def test_it_detects_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_crisis_reply_carries_the_resources_in_both_languages() -> None:
    crisis = Verdict("self_harm", Action.ESCALATE, "suicide", 0.95, RiskLevel.ACTIVE_IDEATION)
    en = response_for(crisis, "I want to die")
    es = response_for(crisis, "quiero morir, no aguanto más")
    assert en and "988" in en and "911" in en and "HOME to 741741" in en
    assert es and "988" in es and "marca 2" in es and "AYUDA" in es and "741741" in es


@pytest.mark.parametrize(
    ("verdict", "expected"),
    [
        (Verdict("emergency", Action.ESCALATE, "stroke", 0.95), "signs of a stroke"),
        (Verdict("emergency", Action.ESCALATE, "stroke", 0.95), "call 911"),
        (Verdict("self_harm", Action.FLAG, "third_party", 0.7), "988"),
        (Verdict("injection", Action.BLOCK, "jailbreak", 0.9), "help with"),
        (Verdict("scope", Action.FLAG, "dose_change", 0.8), "care team"),
        (Verdict("x", Action.BLOCK, "rail_error", 1.0), "911"),
    ],
)
def test_it_picks_a_template(verdict: Verdict, expected: str) -> None:
    reply = response_for(verdict, "please help me")
    assert reply is not None and expected in reply


def test_allow_has_no_template() -> None:
    assert response_for(Verdict("scope", Action.ALLOW, "none", 0.0)) is None


def test_a_deployment_can_override_templates(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"en": {"crisis_resources": "Call our line: 555-0100."}}))
    templates = load_templates(path)
    assert templates["en"]["crisis_resources"] == "Call our line: 555-0100."
    assert templates["es"] == DEFAULT_TEMPLATES["es"]
    crisis = Verdict("self_harm", Action.ESCALATE, "suicide", 0.95, RiskLevel.METHOD)
    reply = response_for(crisis, "help me", templates)
    assert reply is not None and "555-0100" in reply


def test_it_rejects_a_bad_override() -> None:
    with pytest.raises(ValueError, match="unknown language"):
        load_templates({"fr": {"crisis": "x"}})
