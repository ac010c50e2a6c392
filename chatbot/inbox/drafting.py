"""What a draft says around the answer, and what it must never say. Pure Python.

A draft is: a plain instruction of what to do now when the message is not routine,
then the answer (the same answering function as the chat, or an acknowledgement for
the topic when the knowledge base has nothing), then a sign-off for the clinician to
edit. It never promises a diagnosis, a prescription or a time (``promises`` finds
such phrases; a draft with one is rejected). A regenerate instruction reshapes it.
"""

from __future__ import annotations

import re

import textstat

from guardrails.sentences import split_sentences

INSTRUCTIONS = {
    "shorter": "Shorter",
    "spanish": "In Spanish",
    "empathetic": "More empathetic",
}

LEAD = {
    "en": {
        "emergent": (
            "What you describe can be an emergency. Please call 911 or go to the nearest "
            "emergency department now. Do not wait for a reply to this message."
        ),
        "urgent": (
            "Please call the clinic today so a nurse can talk with you. If it gets worse, or "
            "you feel it cannot wait, call 911 or go to the nearest emergency department."
        ),
    },
    "es": {
        "emergent": (
            "Lo que describe puede ser una emergencia. Llame al 911 o vaya a la sala de "
            "emergencias más cercana ahora. No espere una respuesta a este mensaje."
        ),
        "urgent": (
            "Por favor llame hoy a la clínica para hablar con una enfermera. Si empeora, o "
            "siente que no puede esperar, llame al 911 o vaya a la sala de emergencias más cercana."
        ),
    },
}

# When the knowledge base has nothing to say, the draft acknowledges the request.
ACKNOWLEDGE = {
    "en": {
        "refill": "Thank you for your refill request. Your care team will review it.",
        "appointment": "Thank you for your message about your appointment. Our team will help you with scheduling.",
        "paperwork_billing": "Thank you for your message. We have passed your request to the right team.",
        "test_results": "Thank you for your message. Your clinician will review your results and explain what they mean.",
        "medication": "Thank you for your question about your medicine. Your clinician will review it.",
        "symptom": "Thank you for telling us how you feel. Your clinician will review your message.",
        "other": "Thank you for your message. Your care team will review it.",
    },
    "es": {
        "refill": "Gracias por su solicitud de resurtido. Su equipo de atención la revisará.",
        "appointment": "Gracias por su mensaje sobre su cita. Nuestro equipo le ayudará a programarla.",
        "paperwork_billing": "Gracias por su mensaje. Enviamos su solicitud al equipo correspondiente.",
        "test_results": "Gracias por su mensaje. Su médico revisará sus resultados y le explicará qué significan.",
        "medication": "Gracias por su pregunta sobre su medicamento. Su médico la revisará.",
        "symptom": "Gracias por contarnos cómo se siente. Su médico revisará su mensaje.",
        "other": "Gracias por su mensaje. Su equipo de atención lo revisará.",
    },
}
EMPATHY = {
    "en": "Thank you for reaching out, and I'm sorry you're dealing with this.",
    "es": "Gracias por escribirnos, y lamento que esté pasando por esto.",
}
SIGN_OFF = {"en": "Your care team", "es": "Su equipo de atención"}
SHORT_SENTENCES = 2

# Promises a draft must never make: a diagnosis, a prescription, a time.
PROMISES = re.compile(
    r"\b(?:you (?:have|definitely have|are suffering from) (?:a |an )?(?:\w+ ){0,2}(?:infection|cancer|diabetes|disease|syndrome|disorder)"
    r"|i(?:'ve| have)? (?:prescribed|sent (?:in )?(?:a|your) prescription|called in)"
    r"|we(?:'ll| will| can| have)? (?:prescribe|(?:sent|send) (?:in )?(?:a|your) prescription)"
    r"|(?:we|i)(?:'ll| will) [^.?!]{0,40}(?:within \d+ (?:hours?|days?|minutes?)|by (?:tomorrow|tonight|end of (?:the )?day)|\btoday\b|\btomorrow\b))",
    re.IGNORECASE,
)


def promises(text: str) -> list[str]:
    """Each phrase in ``text`` that promises a diagnosis, a prescription or a time."""
    return [m.group(0) for m in PROMISES.finditer(text)]


def body_for(*, answer: str, grounded: bool, topic: str, language: str, instruction: str = "") -> str:
    """The part of the draft the output rails check: the grounded answer (shortened on
    request), or the topic's acknowledgement when nothing grounded was found."""
    if not grounded:
        return ACKNOWLEDGE[language].get(topic, ACKNOWLEDGE[language]["other"])
    if instruction == "shorter":
        spans = split_sentences(answer)
        answer = answer[: spans[SHORT_SENTENCES - 1].end] if len(spans) > SHORT_SENTENCES else answer
    return answer.strip()


def compose(*, body: str, urgency: str, language: str, instruction: str = "") -> str:
    """The whole draft: lead (when not routine), empathy (on request), body, sign-off."""
    parts = []
    if instruction == "empathetic":
        parts.append(EMPATHY[language])
    if urgency in LEAD[language]:
        parts.append(LEAD[language][urgency])
    parts.append(body)
    parts.append(SIGN_OFF[language])
    return "\n\n".join(p for p in parts if p)


def reading_grade(text: str) -> float:
    """Flesch-Kincaid grade (textstat); we aim for 8 or lower."""
    return round(float(textstat.flesch_kincaid_grade(text)), 1)
