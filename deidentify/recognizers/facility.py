"""Hospitals, clinics, wards named after places, and other locations smaller than a state."""

from __future__ import annotations

import re
from functools import lru_cache

from presidio_analyzer import AnalysisExplanation, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.lang.en.stop_words import STOP_WORDS

from deidentify.recognizers._pattern import SpanPatternRecognizer
from deidentify.recognizers.lexicon import (
    CLINICAL_ABBREVIATIONS,
    COMMON_WORDS,
    first_names,
    is_english_word,
    medical_terms,
)
from deidentify.recognizers.places import US_STATE_CODES, gazetteer, us_states

# Generic heads stay readable ("[LOCATION_1] Hospital"); named parts before them are PHI.
HEAD = r"(?:hospital|hosp(?:i\w{2,5}l\b|\.)?|campus|pavilion|(?-i:Rehab|REHAB|House|HOUSE|Manor|MANOR|ER|EW|er|ew)|assisted\s+living|nursing\s+(?:center|facility)|care\s+center|medical\s+cent(?:er|re)|med\s+ctr|clinic|infirmary|hospice|health\s+(?:center|system)|nursing\s+home|rehabilitation(?:\s+(?:center|hospital))?)"
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
    jan feb mar apr jun jul aug sep sept oct nov dec
    cardiac medical surgical psych psychiatric oncology cardiology telemetry observation
    trauma burn stroke baseline bedside bedpan admission goal stage
    sbp dbp map rate upper lower mid time pcv prvc cmv ac vc""".split())
# Verbs a note puts where a name could stand ("TO RECEIVE 2", "WILL REQUIRE REHAB").
VERBS = frozenset("""receive give get take start add increase decrease change wean titrate
    transfuse repeat check draw send run hang maintain keep continue con't cont arrive leave
    require begin need remain stay wait follow consider plan return go come screen""".split())
# A number after a word that is a dose or a count, not a ward ("to levophd 2 mcg").
NOT_UNIT = (r"(?!\s*(?:mg|mcg|g|l|lpm|units?|u|cc|ml|mls|%|hours?|hrs?|h|times|x|days?|mins?|liters?|amps?"
            r"|puffs?|tabs?|pm|am|more|bottles?|doses?|bags?)\b)")
# A drug and its dose, which read like a ward and its number ("switched to Eliquis 5",
# "on jardiance 10 daily"): a change of dose before, or a schedule after.
DOSE_CHANGE = re.compile(r"\b(?:switch|chang|increas|decreas|titrat|wean|start|restart|reduc|lower|rais|"
                         r"bump|cut|resum|continu)\w*\s+(?:[\w/.'-]+\s+){0,2}?(?:to|on)\s+(?:the\s+)?$", re.I)
SCHEDULE = re.compile(r"[-\s]*\d+(?:/\d+)?\s*(?:daily|bid|tid|qid|qd|qam|qpm|qhs|prn|twice|once|a\s+day|per\s+day|"
                      r"at\s+(?:night|bedtime)|every|q\d)\b", re.I)
# A move to a ward: a verb of moving, up to two words ("transferred back to", "sent via
# ambulance to"), then "to".
MOVED_TO = (r"\b(?:transfer\w*|admit\w*|sent|send|moved?|called|return\w*|back|go|going|went|taken|"
            r"brought|arriv\w*|transport\w*|d/?c'?d|discharged?|accepted|bed)\s+(?:[\w/.'-]+\s+){0,2}?to\s+")
ALWAYS_KEEP = frozenset("st saint mt mount holy sacred cross heart memorial general regional university u gh mgh bwh va".split())
COMPASS = frozenset("""north south east west northern southern eastern western central
    upper lower greater""".split())
PLACE_PREPOSITIONS = frozenset("in from to at near of visiting".split())
BLOCK = COMMON_WORDS | CLINICAL_ABBREVIATIONS | UNITS
STATE_NAME = "(?-i:" + "|".join(sorted(
    [*(n.title() for n in us_states()), *(n.upper() for n in us_states())], key=len, reverse=True)) + ")"
STATE = "(?-i:" + "|".join(sorted(
    [*US_STATE_CODES, *(n.title() for n in us_states()), *(n.upper() for n in us_states())],
    key=len, reverse=True)) + ")"


class FacilityRecognizer(SpanPatternRecognizer):
    """Return LOCATION spans: named hospitals and clinics ("St. Mary's", "Mass General",
    "Harford Memorial"), *MC abbreviations, places after transfer verbs, and spaCy
    GPE/LOC/FAC entities (mixed-case text only: in shouted notes spaCy guesses wildly)."""

    ENTITY = "LOCATION"
    PATTERNS = (
        ("named_head", rf"\b(?P<phi>(?:(?:st\.?|saint|mt\.?|mount)[ \t]+)?(?:{WORD}[ \t]+){{0,2}}?{WORD})[ \t]+{HEAD}\b", 0.6),
        # "University of Maryland", "U of MD", "U Maryland": a university is a named place.
        ("university", rf"\b(?P<phi>(?:university|univ\.?)[ \t]+of[ \t]+{WORD}|(?<![/\w])(?-i:U\.?)[ \t]+(?:of[ \t]+{STATE}|{STATE_NAME}))\b", 0.6),
        # "Kessler-Adventist": a name joined to the kind by a hyphen is part of it.
        ("named_kind", rf"\b(?P<phi>(?:(?:st\.?|saint|mt\.?|mount)\s+)?(?:{WORD}\s+){{0,2}}(?:[a-z][\w'.]*-)?{NAMED}(?:\s+{NAMED})?)\b", 0.65),
        ("saint", r"\b(?P<phi>(?-i:(?:St\.?|Saint|ST\.)\s+[A-Z][a-z]{2,}(?:'s)?|(?:ST\.|SAINT)[ \t]+[A-Z]{3,}(?:'S)?))\b", 0.6),
        # Chat: "took her to st judes", "at saint joseph's er" (no capitals, after a preposition).
        ("saint_lower", r"\b(?:to|at|from|in|@|of|the|en|al|del)\s+(?P<phi>(?:st\.?|saint|san|santa)\s+[a-z]{3,}(?:'?s)?)\b", 0.6),
        ("mc_abbrev", r"\b(?P<phi>(?-i:[A-Z]{2,5}MC|[A-Z]{0,2}GH|BWH|BIDMC|UCSF|UCLA))\b", 0.6),
        ("gh_lower", r"\b(?:to|at|from|in|@|of)\s+(?:the\s+)?(?P<phi>m?gh|bwh|va)\b", 0.6),
        ("moved_named", r"\b(?:transfer(?:r?ed)?|sent|taken|brought|admit(?:ted)?|d/?c'?d|discharged|came|went|go(?:ing)?|return(?:ed)?|back|lives?|living|resides?|fly|flying|flew|drove|driving|arrived?|arriving|coming|moved|works?|daughter|son|wife|husband|sister|brother|mother|father|family)\s*\(?\"?\s*(?:to|from|in|at)\s+(?:the\s+)?(?P<phi>(?-i:[A-Z][a-z][\w'-]+))", 0.55),
        # An employer: "husband CEO of IBM", "works for Genentech", "retired from CBS".
        ("employer", r"\b(?:(?:works?|worked|working|employed|employee|retired|ceo|president|owner|manager|engineer|job)\s+(?:at|for|from|of|by|with)|(?:his|her|their|family|own)\s+(?:business|company|firm))\s+(?:the\s+)?(?P<phi>(?-i:[A-Z]{2,5}\b|[A-Z][a-z][\w&'-]+(?:[ \t]+[A-Z][\w&'-]+){0,2}))", 0.55),
        # A company by its legal suffix: "Acme Widgets Inc.", "Kline & Sons"; the suffix stays.
        ("company", r"(?-i:\b(?P<phi>[A-Z][\w&'-]+(?:[ \t]+(?:&[ \t]+)?[A-Z][\w&'-]+){0,3}),?[ \t]+(?:Inc|Corp|LLC|Ltd|Co|Corporation|Industries|& Sons)\b)", 0.6),
        ("lives_in", r"\b(?:lives?|living|resides?|fly(?:ing)?|flew|flown|vacation(?:ing)?|moved|arriv\w*)\s+(?:\w+\s+)?(?:in|from|to|at|on)\s+(?:the\s+)?(?P<phi>[a-z][a-z'-]{2,})", 0.55),
        # "to Quartermain 2": a ward number stands alone ("on heparin 3/9", "on dopa 8mcq",
        # "due to stage 2-3" are readings, dates and doses).
        ("ward", r"(?:\b(?:to|from|on|at|per)|@)\s+(?:the\s+)?(?P<phi>[a-z][a-z'-]{2,})-?[ \t]+\d{1,2}(?!\d|[a-z/'’%-]|[.,:]\d)(?!\s*(?:mg|mcg|g|l|lpm|units?|u|cc|ml|mls|%|hours?|hrs?|h|times|x|days?|mins?|liters?|amps?|puffs?|tabs?|pm|am|more|bottles?|doses?|bags?)\b)", 0.55),
    )
    CONTEXT = ("hospital", "transfer", "transferred", "clinic", "admitted", "from", "at")
    # Rules whose evidence is the word itself (see `_word_rules`), not its case.
    WORD_RULES = (
        # "transfer to quartermain 2/3", "arrest called To quartermain 6", "ADMITTED TO
        # QUARTERMAIN7", "transferred to 209 quartermain": a ward is a name and a number after
        # a move. Not "switched to Eliquis 5" (a drug and its dose, no move), nor "OOB to
        # commodex3" ("x3" is a count).
        ("ward_to", re.compile(rf"{MOVED_TO}(?:the\s+)?(?P<phi>[a-z]{{4,}})(?:-?[ \t]+\d{{1,2}}(?:/\d)?|(?<!x)\d{{1,2}})"
                               rf"(?!\d|[%.,/]\d|[a-z/%'’-]){NOT_UNIT}", re.I)),
        ("ward_to", re.compile(rf"{MOVED_TO}(?:room\s+)?\d{{3}}[ \t]+(?P<phi>[a-z]{{4,}})\b", re.I)),
        # "from baltimore rehab", "admit from BALTMORE rehab": a place before "rehab".
        ("place_rehab", re.compile(r"\b(?:from|to|at|in)\s+(?:the\s+)?(?P<phi>[a-z][a-z'-]{3,})[ \t]+rehab(?:ilitation)?\b",
                                   re.I)),
        # "lives in DC": the District is a city, whatever else "DC" means in a note.
        ("lives_in_dc", re.compile(r"\b(?:lives?|living|resides?|moved)\s+(?:in|to)\s+(?P<phi>(?-i:DC|D\.C\.))(?!\w)",
                                   re.I)),
    )

    def keep(self, text: str, start: int, end: int) -> bool:
        if _dose_context(text, start, end):
            return False
        shouted = _shouted(text)
        words = text[start:end].split()
        if len(words) == 1 and words[0].lower().strip(".'") in COMMON_WORDS:
            return False  # "back to Work", "went to Mass"
        return any(not _droppable(w, shouted) or w.lower() in ALWAYS_KEEP for w in words)

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None,
                regex_flags: int | None = None) -> list[RecognizerResult]:
        results = [r if _pattern(r) == "university" else self._trim(text, r)
                   for r in super().analyze(text, entities, nlp_artifacts)]
        results += self._word_rules(text)
        results += [self._location(start, end, 0.6, "town_state") for start, end in _town_state(text)]
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
                        ent.label_ == "ORGANIZATION" and re.search(rf"\b(?:{HEAD}|{NAMED})\b", ent.text, re.I)):
                    # "Southern Italy": the compass word is not part of the name.
                    # "Holy Cross Hospital 8/23": the head and what follows it stay readable.
                    name = ent[1:] if len(ent) > 1 and ent[0].lower_ in COMPASS else ent[:]
                    head = re.search(rf"[ \t]+{HEAD}\b", name.text, re.I)
                    end = name.start_char + head.start() if head and head.start() > 0 else name.end_char
                    results.append(RecognizerResult(
                        "LOCATION", name.start_char, end, min(score, 0.6),
                        analysis_explanation=AnalysisExplanation(self._label, min(score, 0.6)),
                        recognition_metadata={
                            RecognizerResult.RECOGNIZER_NAME_KEY: self._label,
                            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                        }))
        return [r for r in results if r.end > r.start]

    def _word_rules(self, text: str) -> list[RecognizerResult]:
        """Return places that `WORD_RULES` find where the word itself is the evidence: a word
        no vocabulary knows, or a listed town. Case is no evidence here, since notes write
        ward and town names in lowercase ("transfer to quartermain 2/3")."""
        results = []
        for name, regex in self.WORD_RULES:
            for m in regex.finditer(text):
                word = m.group("phi")
                if name == "place_rehab":
                    # A listed town ("baltimore rehab"), or a word on no list that the note
                    # sets in capitals ("BALTMORE rehab"); not "cardiopulm rehab".
                    if not (word.lower() in gazetteer() or (
                            word.isupper() and not _shouted(text) and _unknown_word(word))):
                        continue
                elif name != "lives_in_dc" and not _unknown_word(word):
                    continue
                if _dose_context(text, m.start("phi"), m.end("phi")):
                    continue
                results.append(self._location(m.start("phi"), m.end("phi"), 0.55, name))
        return results

    def _location(self, start: int, end: int, score: float, name: str) -> RecognizerResult:
        return RecognizerResult(
            "LOCATION", start, end, score,
            analysis_explanation=AnalysisExplanation(self._label, score, pattern_name=name),
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: self._label,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
            })

    @staticmethod
    def _trim(text: str, result: RecognizerResult) -> RecognizerResult:
        """Return the result narrowed to the name: "presented to holy cross" -> "holy cross"."""
        shouted = _shouted(text)
        words = list(re.finditer(r"\S+", text[result.start:result.end]))
        keep = [not _droppable(m.group(), shouted)
                or m.group().lower().strip(".'") in ALWAYS_KEEP
                for m in words]
        if not keep or not keep[-1] or _ends_sentence(words[-1].group()):
            # The word before the head is not part of a name: "Wife in hospital",
            # "PATIENT SCREENED BY REHAB", "RESP STATUS. HOUSE STAFF".
            result.end = result.start
            return result
        # The name is the run of kept words nearest the head (the end of the match); a word
        # that ends a sentence ("DISTRESS. GENERAL") is not part of it.
        last = first = len(keep) - 1
        while first > 0 and keep[first - 1] and not _ends_sentence(words[first - 1].group()):
            first -= 1
        base = result.start
        result.start, result.end = base + words[first].start(), base + words[last].end()
        return result


def _pattern(result: RecognizerResult) -> str | None:
    return result.analysis_explanation.pattern_name if result.analysis_explanation else None


def _ends_sentence(word: str) -> bool:
    low = word.lower()
    return low.endswith(".") and len(low) > 3 and low.strip(".") not in ALWAYS_KEEP


@lru_cache(maxsize=1)
def _state_after_town() -> re.Pattern[str]:
    """Return a regex for one or two words (groups ``first``, ``last``) and a US state name."""
    states = "|".join(sorted((re.escape(n) for n in us_states()), key=len, reverse=True))
    return re.compile(rf"\b(?:(?P<first>[a-z][a-z'-]{{2,}})[ \t])?(?P<last>[a-z][a-z'-]{{2,}})[ \t]+(?:{states})(?:['’]s)?\b",
                      re.IGNORECASE)


def _town_state(text: str) -> list[tuple[int, int]]:
    """Return listed towns written right before a US state name, in any case and with no
    comma ("this towson maryland's facility", "ellicott city maryland"): the state says the
    word before it is a place. Not a word that is also a first name ("Mary Virginia")."""
    places = gazetteer()
    spans = []
    for m in _state_after_town().finditer(text):
        # Two words ("ellicott city maryland") or the last one ("this towson maryland").
        for group in ("first", "last"):
            start, end = m.start(group), m.end("last")
            low = text[start:end].lower()
            place = places.get(low) if start >= 0 else None
            if place is None or place.country or low in us_states() or low.split()[0] in first_names():
                continue
            spans.append((start, end))
            break
    return spans


def _dose_context(text: str, start: int, end: int) -> bool:
    """Return True when the word at start:end reads as a drug with its dose: a change of
    dose before it ("switched to Eliquis 5") or a schedule after it ("jardiance 10 daily")."""
    dosed = re.match(r"[-\s]*\d", text[end:end + 4]) is not None  # a number right after the word
    return (dosed and DOSE_CHANGE.search(text[max(0, start - 40):start]) is not None) \
        or SCHEDULE.match(text, end) is not None


def _unknown_word(word: str) -> bool:
    """Return True for a word that no vocabulary, drug list or first-name list knows (a
    ward's or a town's proper name, such as "Quartermain"), and that is not a unit."""
    low = word.lower()
    return not (is_english_word(low) or low in medical_terms() or low in BLOCK or low in STOP_WORDS
                or low in first_names() or low in VERBS or re.fullmatch(HEAD, low, re.I)
                or low.endswith(("icu", "ccu", "cu")))  # "hosp", "tsicu", "cvicu" are units


def _droppable(word: str, shouted: bool) -> bool:
    """Return True for words that cannot be part of a place name: units and stop words;
    when case means something, uncapitalised words; when it does not, common words."""
    low = re.sub(r"(?:'s|\d+)$", "", word.lower().strip(".'-"))
    if low in UNITS or low in STOP_WORDS or len(low) < 2 or "/" in low or not any(c.isalpha() for c in low):
        return True
    if low in VERBS or low.removesuffix("s") in VERBS or (len(low) > 5 and low.endswith(("ing", "ed"))):
        return True  # "PT AWAITING REHAB", "SCHEDULED FOR REHAB"
    if shouted:
        return low in BLOCK or low in medical_terms()
    return not word[:1].isupper() or low in CLINICAL_ABBREVIATIONS


def _shouted(text: str) -> bool:
    """Return True when case carries no signal: mostly capitals, or almost none."""
    letters = [c for c in text if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    return bool(letters) and (upper > 0.6 * len(letters) or upper < 0.03 * len(letters))
