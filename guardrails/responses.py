"""Template replies the pipeline sends instead of (or before) a model answer.

Templates are data: ``load_templates(overrides)`` merges a deployment's mapping or
JSON file over the defaults, per language, so a site can put in its own crisis line
or wording without code. Nothing here calls a model.

The crisis resources are US services and we only state what we are sure of:
988 Suicide & Crisis Lifeline (call or text 988; Spanish: press 2 when calling),
911 for immediate danger, and Crisis Text Line (text HOME to 741741; Spanish: text
AYUDA to 741741).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from guardrails.base import Action, Verdict
from guardrails.emergency import plain_words

LANGUAGES = ("en", "es")

DEFAULT_TEMPLATES: dict[str, dict[str, str]] = {
    "en": {
        "crisis": (
            "I'm really glad you told me. What you're feeling matters, and you don't have to "
            "face it alone. I'm letting your care team know now so a person can reach out to you."
        ),
        "crisis_resources": (
            "If you are in immediate danger, call 911. You can call or text 988 to reach the "
            "988 Suicide & Crisis Lifeline any time, day or night. You can also text HOME to "
            "741741 to reach the Crisis Text Line."
        ),
        "emergency": (
            "What you describe could be {condition}. Please call 911 or go to the nearest "
            "emergency department now. Don't wait for a reply here."
        ),
        # The help tier: shown beside the answer, never instead of it; gentle on purpose.
        "help": (
            "It sounds like things may be hard right now, and you don't have to carry that "
            "alone. I've asked someone from your care team to check in with you. If you ever "
            "think about hurting yourself, you can call or text 988 any time, or text HOME to "
            "741741. If you are in danger right now, call 911."
        ),
        "urgent_care": (
            "What you describe may need to be seen soon. Please call your clinic today or go to "
            "an urgent care center, and I've asked your care team to look at your message. If it "
            "gets worse, or you feel very unwell, call 911 or go to the nearest emergency department."
        ),
        "third_party": (
            "It's caring of you to look out for them. If they are in immediate danger, call 911. "
            "You or they can call or text 988 (the Suicide & Crisis Lifeline) to talk with a "
            "trained counselor about how to help. I've also let the care team know."
        ),
        "injection": (
            "I can't change how I work or share my instructions. I'm here to help with "
            "questions about your health, your care plan, appointments and general health "
            "information."
        ),
        "diagnosis_request": (
            "I can't diagnose what's going on, but your care team can. I can share general "
            "information, and I've noted your question so a clinician can follow up."
        ),
        "prescription_request": (
            "Prescriptions have to come from your care team. I've passed your request on so a "
            "clinician can review it."
        ),
        "dose_change": (
            "Please don't change how you take a medicine before talking with your care team. "
            "I've passed your question on so a clinician can advise you."
        ),
        "controlled_substance": (
            "Requests about controlled medicines have to be handled by your care team directly. "
            "I've passed your message on so a clinician can follow up."
        ),
        "rail_error": (
            "Sorry, I can't answer that right now. If this is urgent, call your clinic, or 911 "
            "in an emergency."
        ),
    },
    "es": {
        "crisis": (
            "Me alegra mucho que me lo hayas contado. Lo que sientes importa y no tienes que "
            "enfrentarlo solo. Estoy avisando ahora a tu equipo de atención para que una persona "
            "se comunique contigo."
        ),
        "crisis_resources": (
            "Si estás en peligro inmediato, llama al 911. Puedes llamar o enviar un mensaje de "
            "texto al 988 para comunicarte con la Línea 988 de Prevención del Suicidio y Crisis "
            "a cualquier hora; al llamar, marca 2 para español. También puedes enviar AYUDA por "
            "mensaje de texto al 741741 (Crisis Text Line)."
        ),
        "emergency": (
            "Lo que describes podría ser {condition}. Llama al 911 o ve a la sala de emergencias "
            "más cercana ahora. No esperes una respuesta aquí."
        ),
        "help": (
            "Parece que las cosas pueden estar difíciles ahora, y no tienes que cargar con eso "
            "solo. Le pedí a alguien de tu equipo de atención que se comunique contigo. Si alguna "
            "vez piensas en hacerte daño, puedes llamar o enviar un texto al 988 a cualquier hora "
            "(al llamar, marca 2 para español), o enviar AYUDA al 741741. Si estás en peligro "
            "ahora, llama al 911."
        ),
        "urgent_care": (
            "Lo que describes puede necesitar atención pronto. Llama hoy a tu clínica o ve a un "
            "centro de atención de urgencias; también le pedí a tu equipo de atención que revise "
            "tu mensaje. Si empeora o te sientes muy mal, llama al 911 o ve a la sala de "
            "emergencias más cercana."
        ),
        "third_party": (
            "Es muy valioso que te preocupes por esa persona. Si está en peligro inmediato, llama "
            "al 911. Pueden llamar o enviar un texto al 988 (marca 2 para español) para hablar "
            "con un consejero. También avisé al equipo de atención."
        ),
        "injection": (
            "No puedo cambiar cómo funciono ni compartir mis instrucciones. Estoy aquí para "
            "ayudarte con preguntas sobre tu salud, tu plan de cuidado, tus citas e información "
            "general de salud."
        ),
        "diagnosis_request": (
            "No puedo diagnosticar lo que te pasa, pero tu equipo de atención sí. Anoté tu "
            "pregunta para que un profesional te responda."
        ),
        "prescription_request": (
            "Las recetas deben venir de tu equipo de atención. Pasé tu solicitud para que un "
            "profesional la revise."
        ),
        "dose_change": (
            "Por favor no cambies cómo tomas un medicamento sin hablar con tu equipo de atención. "
            "Pasé tu pregunta para que un profesional te aconseje."
        ),
        "controlled_substance": (
            "Las solicitudes sobre medicamentos controlados las maneja directamente tu equipo de "
            "atención. Pasé tu mensaje para que un profesional te responda."
        ),
        "rail_error": (
            "Lo siento, no puedo responder eso ahora. Si es urgente, llama a tu clínica, o al 911 "
            "en una emergencia."
        ),
    },
}

# A message in a language the rails cannot read. We cannot write every language, so
# this says, in the two we read, what we read and where help is: 988 and 911 both have
# interpreters (at 988, say the name of your language in English).
OTHER_LANGUAGE = (
    "I can only read English and Spanish, so I could not read your message. I've asked a "
    "person from your care team to look at it. If this is an emergency, call 911: you can "
    "ask for an interpreter. For crisis support, call 988 any time: they can connect you "
    "with an interpreter in your language.\n\n"
    "Solo puedo leer inglés y español, así que no pude leer tu mensaje. Le pedí a una persona "
    "de tu equipo de atención que lo revise. Si es una emergencia, llama al 911: puedes pedir "
    "un intérprete. Para apoyo en una crisis, llama al 988 a cualquier hora: te pueden "
    "comunicar con un intérprete en tu idioma."
)

# Plain-language condition names in Spanish, keyed by emergency category.
_CONDITIONS_ES = {
    "chest_pain": "un dolor de pecho que podría ser un ataque al corazón",
    "stroke": "señales de un derrame cerebral",
    "anaphylaxis": "una reacción alérgica grave (anafilaxia)",
    "severe_bleeding": "un sangrado grave",
    "breathing": "una dificultad grave para respirar",
    "seizure": "una convulsión que no se detiene",
    "poisoning": "una posible intoxicación o sobredosis",
    "infant_fever": "fiebre en un bebé menor de 3 meses",
    "thunderclap_headache": "un dolor de cabeza repentino y muy fuerte",
    "vomiting_blood": "vómito con sangre",
    "pregnancy_bleeding": "un sangrado abundante durante el embarazo",
    "unresponsive": "una persona que no responde",
}

_SPANISH_HINTS = re.compile(
    r"[ñ¿¡]|\b(?:que|qué|de|la|el|los|las|por|para|con|estoy|tengo|quiero|mi|me|es|una|un|no|sí|muy|pero|porque|cómo|como|dolor|ayuda|hijo|hija|bebé)\b",
    re.IGNORECASE,
)
_ENGLISH_HINTS = re.compile(
    r"\b(?:the|and|i|my|is|to|you|it|of|have|what|can|do|in|with|for|me|this|that|are)\b", re.IGNORECASE
)


def detect_language(text: str) -> str:
    """Return ``"es"`` when the text reads as Spanish, else ``"en"`` (a cheap word count)."""
    es = len(_SPANISH_HINTS.findall(text))
    en = len(_ENGLISH_HINTS.findall(text))
    return "es" if es > en else "en"


def load_templates(
    overrides: Mapping[str, Mapping[str, str]] | str | Path | None = None,
) -> dict[str, dict[str, str]]:
    """Return the templates with ``overrides`` (a mapping or a JSON file path) merged in.

    Overrides are ``{"en": {"crisis_resources": "..."}, ...}``; keys not given keep the
    defaults. Raises OSError/ValueError for an unreadable file or bad JSON, and
    ValueError for an unknown language or a value that is not a string.
    """
    merged = {lang: dict(texts) for lang, texts in DEFAULT_TEMPLATES.items()}
    if overrides is None:
        return merged
    data: Any = overrides
    if isinstance(overrides, (str, Path)):
        data = json.loads(Path(overrides).read_text(encoding="utf-8"))
    for lang, texts in data.items():
        if lang not in merged:
            raise ValueError(f"unknown language {lang!r}")
        for key, value in texts.items():
            if not isinstance(value, str):
                raise ValueError(f"template {lang}.{key} must be a string")
            merged[lang][key] = value
    return merged


def response_for(
    verdict: Verdict,
    text: str = "",
    templates: Mapping[str, Mapping[str, str]] | None = None,
) -> str | None:
    """Return the template reply for ``verdict`` in the patient's language, or None.

    None means no template applies (an ALLOW, or a FLAG that only asks for review):
    the pipeline answers normally.
    """
    table = templates or DEFAULT_TEMPLATES
    lang = detect_language(text)
    t = table[lang]
    if verdict.category == "rail_error":
        return t["rail_error"]
    if verdict.rail == "language":
        return OTHER_LANGUAGE
    # The second opinion (rail ``safety_llm``) speaks for the rail its category names.
    rail = verdict.category if verdict.rail == "safety_llm" else verdict.rail
    if rail == "self_harm":
        if verdict.is_escalation:
            return f"{t['crisis']}\n\n{t['crisis_resources']}"
        if verdict.category == "third_party":
            return t["third_party"]
        return None  # the help tier: support shows beside the answer (``help`` template)
    if rail == "emergency" and verdict.is_escalation:
        condition = (
            _CONDITIONS_ES.get(verdict.category, "una emergencia médica")
            if lang == "es"
            else plain_words(verdict.category) or "a medical emergency"
        )
        return t["emergency"].format(condition=condition)
    if rail == "emergency" and verdict.action is Action.FLAG:
        return t["urgent_care"]
    if rail == "injection" and verdict.action.severity >= 2:
        return t["injection"]
    if verdict.rail == "scope" and verdict.category in t and verdict.category not in PREFACES:
        return t[verdict.category]
    return None


# Scope flags that go before the answer instead of replacing it. A patient who asks what
# they have gets the truth that only the care team can diagnose, and then the vetted
# general information on the topic that the template promises (or the honest "I don't
# have vetted information"), not the notice alone: on the eleventh and twelfth frozen
# answers sets, the scope head flagged 86 and 76 questions that an article answers
# (README, "What a scope flag gives the patient"). A prescription, a dose change or a
# controlled medicine still gets the redirect alone: general text there could read as a
# go-ahead, and prefacing them too was tried on answers_test_14 and not kept (off-target
# answers rose by 0.029). The flag still opens its escalation, so a clinician follows up
# either way.
PREFACES = frozenset({"diagnosis_request"})


def preface_for(
    verdict: Verdict,
    text: str = "",
    templates: Mapping[str, Mapping[str, str]] | None = None,
) -> str | None:
    """The notice said before the answer for ``verdict`` (a scope flag in ``PREFACES``),
    in the patient's language, or None."""
    # The mirror of ``response_for``, which gives these categories no template at any action.
    if verdict.rail != "scope" or verdict.action is Action.ALLOW or verdict.category not in PREFACES:
        return None
    table = templates or DEFAULT_TEMPLATES
    return table[detect_language(text)].get(verdict.category)
