"""Scope (rail ``scope``): requests only the care team may answer.

Asking for a diagnosis, a prescription, a dose change or a controlled substance is
FLAGged with its category: a clinician follows up, and the patient gets a kind notice
that the care team decides these (``responses``: in place of the answer, or before it
for a diagnosis request, ``responses.PREFACES``). General education ("what is a normal blood pressure?", "what does metformin
do?") passes. English and Spanish.

The learned classifier (``guardrails.classifier``, head ``scope``) FLAGs on its own at
or above its threshold; its kinds map onto the categories the patient wording knows
(``LEARNED_CATEGORY``).
"""

from __future__ import annotations

import re

from guardrails import classifier
from guardrails.base import Action, Evidence, RailContext, Verdict
from guardrails.normalize import NormalizedText, normalize

_CONTROLLED = r"(?:oxy\w*|hydrocodone|vicodin|percocet|norco|morphine|fentanyl|codeine|tramadol|dilaudid|xanax|alprazolam|valium|diazepam|klonopin|clonazepam|ativan|lorazepam|adderall|ritalin|vyvanse|methylphenidate|ambien|zolpidem|suboxone|methadone|ketamine|testosterone|opioids?|opiates?|benzos?|painkillers?|pain (?:meds|medication|pills))"

# Order matters: the first category that matches is reported.
RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "controlled_substance",
        re.compile(
            rf"\b(?:can|could|will|would) (?:you|i|the doctor) (?:get|give|prescribe|send|refill|up|increase)\b[^.!?]{{0,40}}{_CONTROLLED}"
            rf"|\b(?:i need|i want|give me|prescribe me|get me|refill (?:my)?|more|stronger|extra|early refill (?:of|on|for)(?: my)?) {_CONTROLLED}"
            rf"|\b{_CONTROLLED}\b[^.!?]{{0,30}}\b(?:refill|prescription|script|early|more of|ran out|run out)"
            rf"|\b(?:necesito|quiero|me (?:puede|pueden) (?:dar|recetar)) (?:mas )?{_CONTROLLED}"
        ),
    ),
    (
        "dose_change",
        re.compile(
            r"\b(?:should|can|could|may) i (?:increase|decrease|raise|lower|double|halve|up|reduce|change|adjust|stop|skip|cut) (?:my |the )?(?:dose|dosage|medication|meds|insulin|\w+ dose)"
            r"|\b(?:increase|decrease|raise|lower|double|halve|up|reduce|change|adjust) (?:my |the )?(?:dose|dosage)\b"
            r"|\b(?:should|can|could|may) i (?:stop|quit|come off|go off) (?:taking )?(?:my |the )?\w+"
            r"|\bhow (?:much|many) (?:units|mg|pills|tablets) (?:of \w+ )?should i (?:take|use|inject)\b"
            r"|\b(?:subir|bajar|cambiar|aumentar|reducir|duplicar) (?:la|mi) dosis\b|\bpuedo (?:dejar|suspender) (?:de tomar )?(?:mi|la|el)\b"
        ),
    ),
    (
        "prescription_request",
        re.compile(
            r"\b(?:can|could|will|would) you (?:prescribe|write|give|send|call in|order|refill|renew|approve)\b[^.!?]{0,30}\b(?:prescription|script|rx|antibiotics?|refill|medication|medicine|meds|pills|inhaler|\w+cillin|\w+mycin)"
            r"|\b(?:prescribe|send) me\b|\bi need (?:a|an|some) (?:prescription|refill|antibiotics?)\b|\b(?:approve|renew|authori[sz]e) (?:my )?(?:refill|prescription)\b"
            r"|\b(?:me (?:puede|pueden|podria) (?:recetar|dar una receta)|necesito (?:una )?receta)\b"
        ),
    ),
    (
        "diagnosis_request",
        re.compile(
            r"\b(?:do|did) i have\b[^.!?]{0,40}\?|\b(?:what(?:'s| is) wrong with me|diagnose (?:me|my|this)|what do i have|is (?:this|it|my \w+)(?: \w+)? (?:cancer|a tumor|serious|an infection|diabetes|a heart attack|a stroke|covid)\b|am i (?:having|getting|developing) (?:a |an )?\w+|could (?:this|it) be (?:cancer|\w+itis|a tumor|diabetes|lupus|ms|covid)\b|tell me (?:what|if) i have)"
            r"|\b(?:tengo|tendre) (?:cancer|diabetes|covid|una infeccion)\b|\bque (?:tengo|me pasa)\b"
        ),
    ),
)
# The classifier's kinds, as the categories the patient wording knows.
LEARNED_CATEGORY = {
    "diagnose_me": "diagnosis_request",
    "interpret_my_results": "diagnosis_request",
    "dose_change": "dose_change",
    "prescribe": "prescription_request",
    "treatment_decision": "treatment_decision",
    "controlled_substance": "controlled_substance",
}
# General-education phrasing that is not about the asker's own care.
_EDUCATION = re.compile(
    r"^\W*(?:what (?:is|are|does|do)\b(?! i have)|how (?:does|do) \w+ work|what(?:'s| is) (?:a )?normal|why do people|que es\b|para que sirve)"
)


class ScopeRail:
    """Requests beyond what the assistant may do; see the module docstring."""

    name = "scope"

    def check(self, text: str, context: RailContext) -> Verdict:
        """Return FLAG with the request's category, or ALLOW for anything else. Raises
        ClassifierUnavailable when the classifier cannot run."""
        norm = context.normalized or normalize(text)
        learned = classifier.read(norm.text, context).heads["scope"]
        verdict = self._rules(norm)
        if verdict.action is Action.FLAG or learned.risk < classifier.thresholds("scope")["flag"]:
            return verdict
        category = LEARNED_CATEGORY[learned.top]
        evidence = (Evidence(*classifier.carrying_sentence(text, "scope", context), category.replace("_", " ")),)
        return Verdict(self.name, Action.FLAG, category, learned.risk, None, evidence)

    def _rules(self, norm: NormalizedText) -> Verdict:
        """The rule table's verdict."""
        t = norm.text
        for category, rx in RULES:
            m = rx.search(t)
            if m is None:
                continue
            if _EDUCATION.search(t) and category == "diagnosis_request":
                continue
            span = norm.to_original(m.start(), m.end())
            return Verdict(
                self.name, Action.FLAG, category, 0.8, None, (Evidence(*span, category.replace("_", " ")),)
            )
        return Verdict(self.name, Action.ALLOW, "none", 0.0)
