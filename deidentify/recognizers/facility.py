"""Hospitals, clinics, wards named after places, and other locations smaller than a state."""

from __future__ import annotations

import re

from presidio_analyzer import AnalysisExplanation, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.lang.en.stop_words import STOP_WORDS

from deidentify.recognizers._pattern import SpanPatternRecognizer
from deidentify.recognizers.lexicon import CLINICAL_ABBREVIATIONS, COMMON_WORDS, medical_terms

# Generic heads stay readable ("[LOCATION_1] Hospital"); named parts before them are PHI.
HEAD = r"(?:hospital|hosp\.?|campus|pavilion|(?-i:Rehab|REHAB)|medical\s+cent(?:er|re)|med\s+ctr|clinic|infirmary|hospice|health\s+(?:center|system)|nursing\s+home|rehabilitation(?:\s+(?:center|hospital))?)"
# Words that name hospitals. The ambiguous ones count only when capitalised.
NAMED = (r"(?:memorial|adventist|baptist|methodist|presbyterian|sacred\s+heart|holy\s+cross|"
         r"(?-i:General|GENERAL|Regional|REGIONAL|University|UNIVERSITY|Children'?s|CHILDREN'?S))")
WORD = r"[a-z][\w'.-]*"
# Places a patient is moved between that are units, not named places.
UNITS = frozenset("""icu micu sicu ccu csru ctic pacu nicu picu or er ew ed floor rehab home cath lab
    ct mri ir room bed unit osh ward hospital hospice radiology dialysis surgery the a his her
    my their another outside vent step stepdown hemodialysis nursing facility taken sent
    transferred transfered transfer admitted admit brought went go going came seen seeing
    return returned back discharged called visit visited local nearby area old new
    today tomorrow tonight yesterday morning evening afternoon night week weekend
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec""".split())
ALWAYS_KEEP = frozenset("st saint mt mount holy sacred cross heart memorial general regional university gh mgh bwh va".split())
PLACE_PREPOSITIONS = frozenset("in from to at near of visiting".split())
BLOCK = COMMON_WORDS | CLINICAL_ABBREVIATIONS | UNITS


class FacilityRecognizer(SpanPatternRecognizer):
    """Return LOCATION spans: named hospitals and clinics ("St. Mary's", "Mass General",
    "Harford Memorial"), *MC abbreviations, places after transfer verbs, and spaCy
    GPE/LOC/FAC entities (mixed-case text only: in shouted notes spaCy guesses wildly)."""

    ENTITY = "LOCATION"
    PATTERNS = (
        ("named_head", rf"\b(?P<phi>(?:(?:st\.?|saint|mt\.?|mount)\s+)?(?:{WORD}\s+){{0,2}}?{WORD})\s+{HEAD}\b", 0.6),
        ("named_kind", rf"\b(?P<phi>(?:(?:st\.?|saint|mt\.?|mount)\s+)?(?:{WORD}\s+){{0,2}}{NAMED}(?:\s+{NAMED})?)\b", 0.65),
        ("saint", r"\b(?P<phi>(?-i:(?:St\.?|Saint|ST\.)\s+[A-Z][a-z]+(?:'s)?))\b", 0.6),
        ("mc_abbrev", r"\b(?P<phi>(?-i:[A-Z]{2,5}MC|[A-Z]{0,2}GH|BWH|BIDMC|UCSF|UCLA))\b", 0.6),
        ("gh_lower", r"\b(?:to|at|from|in|@|of)\s+(?:the\s+)?(?P<phi>m?gh|bwh|va)\b", 0.6),
        ("moved_named", r"\b(?:transfer(?:r?ed)?|sent|taken|brought|admit(?:ted)?|d/?c'?d|discharged|came|went|go(?:ing)?|return(?:ed)?|back|lives?|living|resides?|fly|flying|flew|drove|driving|arrived?|arriving|coming|moved|works?|daughter|son|wife|husband|sister|brother|mother|father|family)\s*\(?\"?\s*(?:to|from|in|at)\s+(?:the\s+)?(?P<phi>(?-i:[A-Z][a-z][\w'-]+))", 0.55),
        ("lives_in", r"\b(?:lives?|living|resides?|fly(?:ing)?|flew|flown|vacation(?:ing)?|moved|arriv\w*)\s+(?:\w+\s+)?(?:in|from|to|at|on)\s+(?:the\s+)?(?P<phi>[a-z][a-z'-]{2,})", 0.55),
        ("ward", r"\b(?:to|from|on|at|per)\s+(?:the\s+)?(?P<phi>[a-z][a-z'-]{2,})\s*\d(?!\.\d|[\d:])(?!\s*(?:mg|mcg|g|l|lpm|units?|u|cc|ml|mls|%|hours?|hrs?|h|times|x|days?|mins?|liters?|amps?|puffs?|tabs?|pm|am)\b)", 0.55),
    )
    CONTEXT = ("hospital", "transfer", "transferred", "clinic", "admitted", "from", "at")

    def keep(self, text: str, start: int, end: int) -> bool:
        shouted = _shouted(text)
        return any(not _droppable(w, shouted) or w.lower() in ALWAYS_KEEP for w in text[start:end].split())

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None,
                regex_flags: int | None = None) -> list[RecognizerResult]:
        results = [self._trim(text, r) for r in super().analyze(text, entities, nlp_artifacts)]
        if nlp_artifacts is not None and not _shouted(text):
            for ent, score in zip(nlp_artifacts.entities, nlp_artifacts.scores, strict=False):
                # The small model tags many drug and unit names as places; keep capitalised
                # names of four letters or more that are not clinical words.
                words = [t for t in ent if t.is_alpha]
                if not words or not all(t.is_title for t in words) or all(
                        len(t) < 4 or t.lower_ in BLOCK or t.lower_ in medical_terms() for t in words):
                    continue
                before = ent.doc[ent.start - 1].lower_ if ent.start else ""
                if len(words) == 1 and before not in PLACE_PREPOSITIONS:
                    continue
                if ent.label_ in ("LOCATION", "FACILITY") or (
                        ent.label_ == "ORGANIZATION" and re.search(rf"{HEAD}|{NAMED}", ent.text, re.I)):
                    results.append(RecognizerResult(
                        "LOCATION", ent.start_char, ent.end_char, min(score, 0.6),
                        analysis_explanation=AnalysisExplanation(self._label, min(score, 0.6)),
                        recognition_metadata={
                            RecognizerResult.RECOGNIZER_NAME_KEY: self._label,
                            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                        }))
        return [r for r in results if r.end > r.start]

    @staticmethod
    def _trim(text: str, result: RecognizerResult) -> RecognizerResult:
        """Return the result narrowed to the name: "presented to holy cross" -> "holy cross"."""
        shouted = _shouted(text)
        words = list(re.finditer(r"\S+", text[result.start:result.end]))
        keep = [not _droppable(m.group(), shouted)
                or m.group().lower().strip(".'") in ALWAYS_KEEP
                for m in words]
        if not any(keep):
            result.end = result.start
            return result
        # The name is the run of kept words nearest the head (the end of the match).
        last = len(keep) - 1 - keep[::-1].index(True)
        first = last
        while first > 0 and keep[first - 1]:
            first -= 1
        base = result.start
        result.start, result.end = base + words[first].start(), base + words[last].end()
        return result


def _droppable(word: str, shouted: bool) -> bool:
    """Return True for words that cannot be part of a place name: units and stop words;
    when case means something, uncapitalised words; when it does not, common words."""
    low = word.lower().strip(".'")
    if low in UNITS or low in STOP_WORDS or len(low) < 2 or "/" in low or not any(c.isalpha() for c in low):
        return True
    if shouted:
        return low in BLOCK
    return not word[:1].isupper() or low in CLINICAL_ABBREVIATIONS


def _shouted(text: str) -> bool:
    """Return True when case carries no signal: mostly capitals, or almost none."""
    letters = [c for c in text if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    return bool(letters) and (upper > 0.6 * len(letters) or upper < 0.03 * len(letters))
