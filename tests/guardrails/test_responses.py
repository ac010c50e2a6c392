from __future__ import annotations

import json
from pathlib import Path

import pytest

from guardrails.base import Action, RiskLevel, Verdict
from guardrails.responses import DEFAULT_TEMPLATES, detect_language, load_templates, preface_for, response_for


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


@pytest.mark.parametrize(
    ("verdict", "text", "words"),
    [
        # The emergency flag: urgent-care advice, in the patient's language.
        (Verdict("emergency", Action.FLAG, "chest_pain", 0.6), "my chest hurts a bit", ["urgent care", "911"]),
        (Verdict("emergency", Action.FLAG, "chest_pain", 0.6), "me duele un poco el pecho", ["urgencias", "911"]),
        # Another language: both languages we read, with 911 and 988 and their interpreters.
        (
            Verdict("language", Action.BLOCK, "other_language", 0.99),
            "Tôi bị đau ngực",
            ["English and Spanish", "inglés y español", "911", "988", "interpreter", "intérprete"],
        ),
        # The second opinion speaks for the rail its category names.
        (Verdict("safety_llm", Action.ESCALATE, "self_harm", 0.9), "quiero morir", ["988", "marca 2"]),
        (Verdict("safety_llm", Action.ESCALATE, "emergency", 0.9), "help", ["a medical emergency", "911"]),
    ],
)
def test_flags_below_the_urgent_path_have_words_for_the_patient(verdict: Verdict, text: str, words) -> None:
    reply = response_for(verdict, text)
    assert reply is not None
    for word in words:
        assert word in reply


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_help_tier_text_is_gentle_and_carries_the_lines(lang: str) -> None:
    text = DEFAULT_TEMPLATES[lang]["help"]
    assert "988" in text and "741741" in text and "911" in text
    # The help tier itself has no reply of its own: support shows beside the answer.
    assert response_for(Verdict("self_harm", Action.FLAG, "self_harm", 0.3), "x") is None


@pytest.mark.parametrize(("text", "lang"), [("do i have diabetes?", "en"), ("¿tengo diabetes?", "es")])
def test_a_diagnosis_request_prefaces_the_answer_instead_of_replacing_it(text: str, lang: str) -> None:
    verdict = Verdict("scope", Action.FLAG, "diagnosis_request", 0.8)
    assert response_for(verdict, text) is None  # the answer goes on
    assert preface_for(verdict, text) == DEFAULT_TEMPLATES[lang]["diagnosis_request"]


@pytest.mark.parametrize("category", ["prescription_request", "dose_change", "controlled_substance"])
def test_a_prescription_dose_or_controlled_medicine_request_still_replaces_the_answer(category: str) -> None:
    verdict = Verdict("scope", Action.FLAG, category, 0.8)
    assert response_for(verdict, "please") == DEFAULT_TEMPLATES["en"][category]
    assert preface_for(verdict, "please") is None


def test_only_a_scope_flag_has_a_preface() -> None:
    assert preface_for(Verdict("scope", Action.ALLOW, "diagnosis_request", 0.1), "x") is None
    assert preface_for(Verdict("injection", Action.FLAG, "diagnosis_request", 0.8), "x") is None
    assert preface_for(Verdict("self_harm", Action.FLAG, "self_harm", 0.3), "x") is None
