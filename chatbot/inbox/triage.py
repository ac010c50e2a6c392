"""Triage of a portal message: urgency, intent and whether it needs a reply, with evidence.

Decided in this order, and the most urgent answer wins:

1. **The rails.** A self-harm crisis or a medical emergency (``policy.is_urgent``) makes
   the message emergent; any other self-harm or emergency verdict makes it urgent.
2. **Named patterns** (``URGENCY_RULES``): precise phrases for what the rails do not
   treat as an emergency but a clinician would (DKA symptoms, someone who won't wake
   up, a fever of 103, running out of insulin ...).
3. **The learned head** (``head.py``, trained by ``python -m chatbot.inbox.train``): a
   softmax regression on MiniLM embeddings, read on the whole message and on each of
   its sentences, so urgency buried in a long message still counts. Its cut is chosen
   for recall of emergent+urgent, not accuracy.

Whether a reply is needed is only ever "no" for a routine message: an explicit phrase
("no need to reply", "thanks, got it") or the head's low probability, never when the
patient asks a question. Evidence spans index into the text triage was given (the
de-identified text); ``source`` says which layer decided.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from chatbot import policy
from chatbot.inbox.head import Head, HeadScores, load_head
from guardrails.base import Action, Verdict
from guardrails.sentences import split_sentences

EMERGENT, URGENT, ROUTINE = "emergent", "urgent", "routine"
_RANK = {EMERGENT: 0, URGENT: 1, ROUTINE: 2}
# A head's emergent score alone needs to be at least this sure (and over its recall
# cut) to call a message emergent: emergent opens an urgent escalation.
HEAD_EMERGENT_FLOOR = 0.6
# When the patient says no reply is needed ("thanks, got it", "no need to reply") and
# no rail or pattern saw anything urgent, the head alone must be at least this sure.
HEAD_OVER_NO_REPLY = 0.5


@dataclass(frozen=True)
class Rule:
    """One named phrase: ``regex`` on the lower-cased text sets at least ``urgency``."""

    name: str
    regex: re.Pattern[str]
    urgency: str


def _r(name: str, rx: str, urgency: str) -> Rule:
    return Rule(name, re.compile(rx), urgency)


_SUGAR = r"(?:sugar|glucose|bg|bs|azucar|azúcar|glucosa)"
URGENCY_RULES: tuple[Rule, ...] = (
    _r(
        "high sugar with vomiting, confusion or fast breathing (possible DKA)",
        rf"{_SUGAR}\b[^.?!]{{0,60}}(?:\b[3-9]\d\d\b|high|hi\b|alto|alta)[^?!]{{0,160}}(?:vomit|throw(?:ing)? up|confus|breath|fruity|ketone|drowsy|vomitando)"
        rf"|(?:vomit|throw(?:ing)? up|confus|breathing (?:fast|hard)|fruity)[^?!]{{0,160}}{_SUGAR}\b[^.?!]{{0,40}}(?:\b[3-9]\d\d\b|high|hi\b|alto)",
        EMERGENT,
    ),
    _r(
        "cannot be woken or is unresponsive",
        r"\b(?:won'?t|wont|will not|can'?t|cant|cannot|couldn'?t) (?:wake (?:him|her|them|my \w+|up)|get (?:him|her|them) to wake)|\bunresponsive\b|not responding to (?:me|us)|no (?:se )?despierta|no responde",
        EMERGENT,
    ),
    _r(
        "stroke signs",
        r"fac(?:e|ial) (?:is |looks? )?(?:droop|drooping|droopy)|droopy face|slurr(?:ed|ing)|words (?:are )?(?:coming out )?(?:jumbled|garbled|wrong)|cara (?:caida|caída|torcida)",
        EMERGENT,
    ),
    _r(
        "chest pain or pressure",
        r"chest (?:pain|pressure|tightness|is tight)|pressure in (?:my |the )?chest|dolor (?:en el|de) pecho|presi[oó]n en el pecho",
        EMERGENT,
    ),
    _r(
        "trouble breathing",
        r"can'?t (?:catch (?:my|his|her) )?breath|cant breath|hard to breathe|struggling to breathe|short(?:ness)? of breath at rest|(?:lips|face) (?:are |is |turning |look )?(?:blue|gray|grey)|no puedo respirar|le cuesta respirar",
        EMERGENT,
    ),
    _r(
        "throat or tongue swelling",
        r"throat (?:is |feels )?(?:closing|tight|swelling)|(?:lips?|tongue) (?:and \w+ )?(?:is |are )?swell|se me cierra la garganta",
        EMERGENT,
    ),
    _r(
        "heavy bleeding",
        r"bleeding (?:a lot|heavily|won'?t stop|wont stop|through)|soak(?:ed|ing) (?:through )?(?:a |\d+ )?pads?|can'?t stop the bleeding|sangrando mucho",
        EMERGENT,
    ),
    _r("seizure", r"\bseiz(?:ure|ing)|convuls", URGENT),
    _r(
        "high fever",
        r"(?:fever|temp(?:erature)?|fiebre)[^.?!]{0,25}\b(?:10[2-6](?:\.\d)?|39\.\d|4[01](?:\.\d)?)\b",
        URGENT,
    ),
    _r(
        "fever in a baby or after chemo or surgery",
        r"(?:fever|fiebre|temp)[^.?!]{0,80}(?:chemo|surgery|newborn|baby|bebe|bebé|infant)|(?:chemo|surgery|newborn|baby|infant)[^.?!]{0,80}(?:fever|fiebre)",
        URGENT,
    ),
    _r(
        "getting worse",
        r"getting worse|worse (?:since|today|than)|worsening|spreading|red streaks?|empeorando|cada vez peor",
        URGENT,
    ),
    _r(
        "severe pain",
        r"\b(?:[89]|10) ?(?:/|out of) ?10\b|severe (?:pain|headache)|worst (?:pain|headache)|dolor (?:muy )?fuerte",
        URGENT,
    ),
    _r(
        "cannot keep anything down",
        r"can'?t keep (?:anything|food|water|fluids|liquids) down|vomiting|throwing up|vomitando|no retiene",
        URGENT,
    ),
    _r(
        "blood where it should not be",
        r"blood in (?:my |his |her )?(?:stool|urine|pee|poop|vomit)|black (?:stool|poop)|coughing (?:up )?blood|peeing blood|sangre en",
        URGENT,
    ),
    _r(
        "fainting or a fall with a head hit",
        r"passed out|fainted|blacked out|fell and hit|hit (?:my|his|her) head|me desmay",
        URGENT,
    ),
    _r(
        "out of a medicine that must not stop",
        r"(?:ran out|run out|out of|no more|last (?:dose|pill)|se me acab)[^.?!]{0,40}(?:insulin|seizure|keppra|levetiracetam|blood thinner|eliquis|warfarin|xarelto|inhaler|prednisone|transplant|tacrolimus|insulina)",
        URGENT,
    ),
    _r(
        "swelling or fluid gain in heart failure",
        r"weight (?:is )?up \d|gained \d+ ?(?:lbs|pounds|kg)|peeing (?:way )?less|legs? (?:are |is )?(?:more )?swollen|swollen (?:calf|leg)",
        URGENT,
    ),
    _r(
        "pregnancy with bleeding or pain",
        r"pregnan[^.?!]{0,80}(?:bleed|cramp|spotting|pain|not moving|less movement)|(?:bleed|spotting|cramp)[^.?!]{0,80}pregnan|embarazada[^.?!]{0,80}(?:sangr|dolor)",
        URGENT,
    ),
    _r(
        "reaction to a new medicine",
        r"(?:rash|hives|swelling|itch)[^.?!]{0,60}(?:new|started|since)[^.?!]{0,30}(?:med|antibiotic|pill|drug)",
        URGENT,
    ),
    _r(
        "very low or very high sugar",
        rf"{_SUGAR}\b[^.?!]{{0,30}}(?:\b(?:[3-5]\d)\b|\b[4-9]\d\d\b|\blow\b|\bbaja\b)",
        URGENT,
    ),
    _r(
        "very high blood pressure",
        r"\b(?:1[89]\d|2\d\d) ?/ ?1[0-4]\d\b|blood pressure[^.?!]{0,30}\b(?:1[89]\d|2\d\d)\b",
        URGENT,
    ),
)

NO_REPLY_RULES: tuple[Rule, ...] = (
    _r(
        "says no reply is needed",
        r"no need to (?:reply|respond|answer|write back|call)|(?:don'?t|do not|dont) need (?:a |to )?(?:reply|respond|answer|call back)|no (?:reply|response) (?:needed|necessary)|no hace falta (?:responder|contestar)|no necesita respuesta|just (?:fyi|an fyi|letting you know|wanted to let you know|to let you know|a heads up)",
        ROUTINE,
    ),
    _r(
        "withdraws the request",
        r"\bnever ?mind\b|\bnvm\b|\bfound (?:it|the)|\b(?:already )?(?:figured it out|sorted it out)\b|\bolvid(?:e|é|a) lo que|ya lo encontr",
        ROUTINE,
    ),
    _r(
        "thanks or acknowledgement only",
        r"^\W*(?:thanks?|thank you|thx|ty|ok(?:ay)?|got it|perfect|great|sounds good|will do|gracias|muchas gracias|perfecto|entendido|listo)\b[^?]{0,120}$",
        ROUTINE,
    ),
)
# A question the patient asks outright always needs a reply.
_QUESTION = re.compile(
    r"\?|\b(?:can you|could you|should i|do i|is it|what|when|how|please (?:call|send|let)|puede|debo|cu[aá]ndo)\b"
)
# "no suicidal thoughts", "no chest pain": a negation just before the phrase.
_NEGATION = re.compile(r"(?:\bno|\bnot|\bnever|\bwithout|\bdenies|\bsin|\bnada de|n't)\W+(?:\w+\W+){0,2}$")


@dataclass(frozen=True)
class TriageResult:
    urgency: str
    intent: str
    reply_needed: bool
    evidence: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {
            "urgency": self.urgency,
            "intent": self.intent,
            "reply_needed": self.reply_needed,
            "evidence": list(self.evidence),
        }


def _more_urgent(a: str, b: str) -> str:
    return a if _RANK[a] <= _RANK[b] else b


def _from_rails(verdicts: Sequence[Verdict]) -> tuple[str, list[dict[str, Any]]]:
    urgency, evidence = ROUTINE, []
    for verdict in verdicts:
        if verdict.rail not in ("self_harm", "emergency") or verdict.action is Action.ALLOW:
            continue
        level = EMERGENT if policy.is_urgent(verdict) else URGENT
        urgency = _more_urgent(urgency, level)
        spans = verdict.evidence or ()
        for span in spans[:2]:
            evidence.append(
                {
                    "source": "rail",
                    "reason": f"{verdict.rail}: {span.reason}",
                    "start": span.start,
                    "end": span.end,
                    "urgency": level,
                }
            )
        if not spans:
            evidence.append(
                {"source": "rail", "reason": f"{verdict.rail}: {verdict.category}", "urgency": level}
            )
    return urgency, evidence


def _negated(lowered: str, start: int) -> bool:
    return bool(_NEGATION.search(lowered[max(0, start - 30) : start]))


def _from_patterns(text: str) -> tuple[str, list[dict[str, Any]]]:
    lowered = text.lower()
    urgency, evidence = ROUTINE, []
    for rule in URGENCY_RULES:
        for match in rule.regex.finditer(lowered):
            if _negated(lowered, match.start()):
                continue
            urgency = _more_urgent(urgency, rule.urgency)
            evidence.append(
                {
                    "source": "pattern",
                    "reason": rule.name,
                    "start": match.start(),
                    "end": match.end(),
                    "urgency": rule.urgency,
                }
            )
            break
    return urgency, evidence


def _from_head(text: str, head: Head) -> tuple[str, HeadScores, list[dict[str, Any]]]:
    """The head on the whole text and on each sentence; the most urgent reading counts."""
    from guardrails.embeddings import embed

    spans = [s for s in split_sentences(text) if s.end - s.start > 12]
    pieces = [text] + [text[s.start : s.end] for s in spans] if len(spans) > 1 else [text]
    scores = head.score(np.asarray(embed(pieces), dtype=np.float32))
    whole = scores[0]
    best = max(range(len(scores)), key=lambda i: scores[i].p_not_routine)
    top = scores[best]
    where = {"start": spans[best - 1].start, "end": spans[best - 1].end} if best > 0 else {}
    cut = head.thresholds["not_routine"]
    urgency = ROUTINE
    if top.urgency["emergent"] >= max(head.thresholds["emergent"], HEAD_EMERGENT_FLOOR):
        urgency = EMERGENT
    elif top.p_not_routine >= cut:
        urgency = URGENT
    evidence = []
    if urgency != ROUTINE:
        evidence.append(
            {
                "source": "model",
                "reason": f"learned triage: P(urgent or emergent) {top.p_not_routine:.2f} ≥ {cut:.2f}",
                "urgency": urgency,
                "p": round(top.p_not_routine, 3),
                **where,
            }
        )
    return urgency, whole, evidence


def _reply_needed(
    text: str, urgency: str, scores: HeadScores, head: Head
) -> tuple[bool, list[dict[str, Any]]]:
    if urgency != ROUTINE:
        return True, []
    lowered = text.lower().strip()
    for rule in NO_REPLY_RULES:
        match = rule.regex.search(lowered)
        if match and not (rule.name != "says no reply is needed" and "?" in lowered):
            return False, [
                {"source": "pattern", "reason": rule.name, "start": match.start(), "end": match.end()}
            ]
    if _QUESTION.search(lowered):
        return True, []
    if scores.reply < head.thresholds["no_reply"]:
        return False, [{"source": "model", "reason": f"learned triage: P(reply needed) {scores.reply:.2f}"}]
    return True, []


def _says_no_reply(text: str) -> bool:
    lowered = text.lower().strip()
    return any(rule.regex.search(lowered) for rule in NO_REPLY_RULES) and "?" not in lowered


def _top_p(evidence: list[dict[str, Any]]) -> float:
    return max((float(e.get("p", 0.0)) for e in evidence), default=0.0)


def triage(text: str, verdicts: Sequence[Verdict] = ()) -> TriageResult:
    """Triage one de-identified portal message, given its input-rail verdicts. Raises
    only if the committed head is missing or the embedder fails (the caller fails safe:
    an untriaged message is shown as urgent)."""
    head = load_head()
    rail_urgency, rail_evidence = _from_rails(verdicts)
    pattern_urgency, pattern_evidence = _from_patterns(text)
    head_urgency, scores, head_evidence = _from_head(text, head)
    if head_urgency == URGENT and _says_no_reply(text) and _top_p(head_evidence) < HEAD_OVER_NO_REPLY:
        head_urgency, head_evidence = ROUTINE, []
    urgency = _more_urgent(_more_urgent(rail_urgency, pattern_urgency), head_urgency)
    reply_needed, reply_evidence = _reply_needed(text, urgency, scores, head)
    intent = scores.intent if scores.intent_p >= 0.3 else "other"
    return TriageResult(
        urgency,
        intent,
        reply_needed,
        tuple(rail_evidence + pattern_evidence + head_evidence + reply_evidence),
    )
