"""Output rail ``harmful_advice``: an answer must not change a patient's medicines or
recommend a dangerous home remedy.

Two pattern families, each a table a clinician can review:

* ``medication_change``: telling the patient to stop, start, skip, double or
  otherwise change a medicine or dose ("stop taking your metformin", "double your
  dose", "you can take 4 extra pills"). Sentences that defer the change to the care
  team ("do not stop without talking to your care team", "your doctor may adjust
  your dose", "keep taking it as prescribed") are safe and pass.
* ``unsafe_remedy``: bleach, turpentine, kerosene, colloidal silver, inducing
  vomiting after a poisoning, butter or ice on burns, and similar.

Plain regular expressions over each sentence; no model, nothing leaves the process.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from guardrails.base import Action, Evidence, RailContext, Verdict
from guardrails.clinical_terms import DRUGS
from guardrails.sentences import split_sentences

NAME = "harmful_advice"

# Generic medicine words plus the shared drug list. Why not drug-name suffixes: "stop
# eating protein" would match "-in".
_MED = (
    r"(?:medicines?|medications?|meds|pills?|tablets?|capsules?|doses?|dosage|insulin|"
    r"prescriptions?|antibiotics?|inhalers?|blood thinners?|steroids?|"
    + "|".join(sorted(DRUGS, key=len, reverse=True))
    + ")"
)


@dataclass(frozen=True)
class _Rule:
    category: str
    pattern: re.Pattern[str]
    reason: str


def _rule(category: str, reason: str, pattern: str) -> _Rule:
    return _Rule(category, re.compile(pattern, re.IGNORECASE), reason)


RULES: tuple[_Rule, ...] = (
    _rule(
        "medication_change",
        "tells the patient to stop a medicine",
        rf"\b(?:stop|quit|discontinue|cease|come off|get off)\b(?:\s+\w+){{0,3}}\s+{_MED}\b",
    ),
    _rule(
        "medication_change",
        "tells the patient to stop a medicine",
        rf"\b{_MED}\b.{{0,30}}\b(?:you can|you should|it's fine to|it is fine to|safe to)\s+(?:stop|quit)\b",
    ),
    _rule(
        "medication_change",
        "tells the patient to change a dose",
        r"\b(?:double|triple|halve|increase|decrease|reduce|raise|lower|up|cut)\s+(?:your|the|their)\s+"
        r"(?:\w+\s+){0,2}(?:dose|dosage|medicine|medication|insulin|pills?|tablets?)\b",
    ),
    _rule(
        "medication_change",
        "tells the patient to take extra or skip doses",
        r"\b(?:take|have|use)\s+(?:an?\s+)?(?:\d+|one|two|three|four|five|six|several|a few|some)?\s*"
        r"(?:extra|more|additional|double)\s+(?:\w+\s+)?(?:pills?|tablets?|doses?|capsules?|puffs?|units?|mg)\b",
    ),
    _rule(
        "medication_change",
        "tells the patient to skip doses",
        r"\b(?:skip|miss|omit)\s+(?:a\s+few\s+|some\s+|your\s+|the\s+|a\s+)?(?:\w+\s+)?(?:doses?|pills?|tablets?|insulin|medicines?|medications?)\b",
    ),
    _rule(
        "medication_change",
        "tells the patient to start a medicine",
        rf"\b(?:start|begin)\s+taking\s+(?:\w+\s+){{0,2}}{_MED}?",
    ),
    _rule(
        "medication_change",
        "tells the patient to swap or share medicines",
        r"\b(?:switch|swap|change)\s+(?:from\s+)?(?:your|the)\s+\w+\s+(?:to|for|with)\b|"
        r"\b(?:take|use|borrow)\s+(?:your|a)\s+(?:friend|partner|spouse|husband|wife|relative|family member)'?s?\s+",
    ),
    _rule(
        "medication_change",
        "tells the patient to take more than prescribed",
        r"\b(?:more|higher)\s+than\s+(?:prescribed|the prescribed|your prescribed|recommended)\b.{0,40}\b(?:is fine|is ok|is okay|is safe|won't hurt)\b|"
        r"\b(?:it(?:'s| is) (?:fine|ok|okay|safe) to)\s+(?:take|double|skip|stop)\b",
    ),
    _rule(
        "unsafe_remedy",
        "recommends ingesting or applying a toxic substance",
        r"\b(?:bleach|turpentine|kerosene|paraffin oil|gasoline|petrol|lamp oil|hydrogen peroxide|"
        r"chlorine dioxide|mms|miracle mineral|borax|methanol|antifreeze|industrial alcohol)\b",
    ),
    _rule("unsafe_remedy", "recommends colloidal silver", r"\bcolloidal silver\b"),
    _rule(
        "unsafe_remedy",
        "recommends inducing vomiting",
        r"\b(?:induce|make (?:yourself|them|him|her|the child)|try to)\s+(?:\w+\s+)?(?:vomit|throw up|be sick)|"
        r"\bsyrup of ipecac\b|\bipecac\b|\bfingers? down (?:your|the) throat\b",
    ),
    _rule(
        "unsafe_remedy",
        "recommends butter, oil, ice or toothpaste on a burn",
        r"\b(?:butter|oil|grease|ice|toothpaste|egg whites?|mustard)\b.{0,40}\bburns?\b|"
        r"\bburns?\b.{0,40}\b(?:butter|grease|ice|toothpaste|egg whites?|mustard)\b",
    ),
    _rule(
        "unsafe_remedy",
        "recommends cutting or sucking a snake bite",
        r"\b(?:cut|suck)\b.{0,30}\b(?:snake ?bite|venom|the bite)\b|\btourniquet\b.{0,30}\bsnake\b",
    ),
    _rule(
        "unsafe_remedy",
        "recommends alcohol or rubbing alcohol as a treatment",
        r"\b(?:rub|give|drink)\w*\s+(?:\w+\s+)?(?:rubbing alcohol|whisk(?:e)?y|brandy|vodka)\b",
    ),
)

# Why the filter on each hit: safe sentences reuse the same verbs. "Do not stop your
# medicine", "never double a dose", "your care team may adjust your dose" and "avoid
# bleach" all contain a rule's words but tell the patient the safe thing.
_NEGATED_BEFORE = re.compile(
    r"\b(?:do not|don't|never|avoid|should not|shouldn't|must not|mustn't|not|no need to|"
    r"without (?:first )?(?:talking|speaking|checking)|unless|rather than|instead of|is dangerous|"
    r"are dangerous|can be dangerous|is not safe|isn't safe|myth)\b",
    re.IGNORECASE,
)
_DEFERRED_TO_CARE_TEAM = re.compile(
    r"\b(?:your|a|the)\s+(?:care team|doctor|nurse|pharmacist|provider|prescriber|clinician|gp|physician)"
    r"(?:\s+\w+){0,2}\s+(?:may|might|can|could|will|would|should|decides?|needs? to)\b|"
    r"\b(?:only|unless)\b.{0,40}\b(?:care team|doctor|pharmacist|prescriber|provider)\b|"
    r"\b(?:ask|talk to|check with|speak (?:to|with)|call)\s+(?:your|a|the)\s+"
    r"(?:care team|doctor|nurse|pharmacist|provider|prescriber|clinic)\b.{0,20}\b(?:before|about|whether|if)\b|"
    r"\bas prescribed\b|\bas directed\b",
    re.IGNORECASE,
)
_WARNING = re.compile(
    r"\b(?:poison(?:ous|ing)?|toxic|dangerous|harmful|never|do not|don't|avoid|not safe|unsafe|myth|"
    r"can cause|may cause|burns?\s+(?:the|your)\s+(?:mouth|throat|skin)|call poison control)\b",
    re.IGNORECASE,
)


def _safe_context(sentence: str, rule: _Rule, match_start: int) -> bool:
    """True when the hit is negated, deferred to the care team, or a warning."""
    before = sentence[max(0, match_start - 60) : match_start]
    if _NEGATED_BEFORE.search(before):
        return True
    if rule.category == "medication_change":
        return bool(_DEFERRED_TO_CARE_TEAM.search(sentence))
    # A remedy mentioned in order to warn against it ("bleach is poisonous").
    return bool(_WARNING.search(sentence))


class HarmfulAdviceRail:
    """Blocks answers that change medicines or recommend unsafe remedies."""

    name = NAME

    def check(self, text: str, context: RailContext) -> Verdict:
        """Return BLOCK with category ``medication_change`` or ``unsafe_remedy`` (the
        first hit's) and one evidence span per offending sentence, else ALLOW."""
        evidence: list[Evidence] = []
        categories: list[str] = []
        for span in split_sentences(text):
            for rule in RULES:
                match = rule.pattern.search(span.text)
                if match and not _safe_context(span.text, rule, match.start()):
                    evidence.append(Evidence(span.start, span.end, f"{rule.category}: {rule.reason}"))
                    categories.append(rule.category)
                    break
        if not evidence:
            return Verdict(rail=NAME, action=Action.ALLOW, category="none", score=0.0)
        # Remedies outrank medication changes: they are harmful whoever prescribed what.
        category = "unsafe_remedy" if "unsafe_remedy" in categories else categories[0]
        return Verdict(
            rail=NAME,
            action=Action.BLOCK,
            category=category,
            score=min(1.0, 0.85 + 0.05 * len(evidence)),
            evidence=tuple(evidence),
        )
