"""Street addresses and ZIP codes (geographic units smaller than a state)."""

from __future__ import annotations

import itertools
import re

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.lang.en.stop_words import STOP_WORDS

from deidentify.recognizers._pattern import SpanPatternRecognizer
from deidentify.recognizers.lexicon import CLINICAL_ABBREVIATIONS, is_english_word, medical_terms
from deidentify.recognizers.places import (
    DATE_WORDS,
    POSTCODE_PREPOSITIONS,
    POSTCODE_SHAPE,
    gazetteer,
    postcode_at,
    town_words,
    us_states,
)

STREET_WORDS = """street st avenue ave road rd boulevard blvd lane ln drive dr court ct place pl
    str terrace way circle cir highway hwy parkway pkwy square sq trail pike route rte close crescent
    alley plaza row loop path walk gardens heights hollow ridge mews turnpike expressway fwy
    freeway crossing junction estates manor strasse straße gatan vej katu rue
    creek hill hills point cove coves pass isle dale bridge harbor harbour island landing
    meadow meadows mill mills shore shores station summit view village falls flat flats
    forge forges glen knoll pines rapids cliff cliffs ford fords orchard ranch
    brook brooks burg bypass camp canyon cape causeway crest ferry fields forest fork forks
    gateway greens groves haven inlet knolls lakes lodge manors motorway mountain mountains
    neck overpass parkways passage plains prairie ramp ridges shoal shoals skyway spur spurs
    stravenue stream throughway trace trafficway tunnel underpass valleys viaduct views
    villages ville vista park lake""".split()
# Suffixes must be capitalised ("12 Clover St"): "100 st" or "3 WAY FOLEY" is not an address.
STREET = "(?-i:" + "|".join(w.title() for w in STREET_WORDS) + ")"
NOT_STOP = r"(?!(?:to|in|on|at|of|and|with|the|for|via|per)\b)"
# A capitalised word, or a lowercase street-type word used in European addresses.
NAME_WORD = r"(?:(?!(?-i:The|Of|And|To|For|You|Your|In|On|At)\b)(?-i:[A-ZÀ-Þ](?:[^\W\d]|['.-])*)|(?-i:gate|gata|gatan|utca|vej|veien|ulica|ul\.|rue|via|calle|de|la|del|dei|della|delle|di|du|da|do|dos|das|e|van|der|von|am|an))"
# One street of an intersection: capitalised words, numbers, name particles, and the street
# types written in lowercase ("Eleftheriou Venizelou str", "Csabai kapu 39.").
CORNER_STREET = (r"(?:\d{1,6}[ \t]+)?(?:ul\.[ \t]+|(?:de|du|la|del|ten|van|von)[ \t]+)?(?-i:[A-ZÀ-Þ])[\w'.-]*"
                 r"(?:[ \t]+(?:(?-i:[A-ZÀ-Þ])[\w'.-]*|\d{1,5}\.?|de|du|la|del|ten|van"
                 r"|(?-i:str|st|kapu|utca|út|tér|u)\.?))*")
UNIT = r"(?:\s*,?\s*(?:apt|apartment|suite|ste|unit|#|floor|fl|room|rm|box)\.?\s*#?\s*[a-z0-9-]+)?"
# Street types written before the name, as across Europe and Latin America.
TYPE_FIRST = r"(?:rue|rua|rúa|avenida|avenue|calle|carrer|camino|paseo|plaza|praça|piazza|viale|corso|strada|chemin|allée|boulevard|quai|ul\.|ulica|aleja|trg|calea|largo|travessa)"
CONNECTOR = r"(?:de|du|des|la|le|les|del|della|delle|dei|di|da|do|dos|das|d'|van|von|der|den|y|e)"
# Street types written as a word after the name, before the number.
TYPE_AFTER = r"(?:u\.|út|útja|utca|körút|tér|tee|gata|gatan|vei|veien|vegen|vägen|vej|weg|straat|laan|terrasse|allé|gasse|kuja|tie|katu|polku|gränd|stræde|ulica|cesta)"
# Lowercase street types that are never a count of something ("2 blocks down the road").
LOWER_STREET = r"(?:street|avenue|road|boulevard|lane|drive|crescent|terrace|parkway)"
NOT_MEASURE = r"(?!(?:to|in|on|at|of|and|with|the|for|via|per|a|an|mm|cm|mg|mcg|ml|cc|bpm|beats|units?|leads?|miles?|blocks?|km|kms|feet|ft|yards?|mins?|minutes?|hours?|hrs?|down|up|along|across|off|from|my|his|her|our|their)\b)"
# An intersection in a message typed all in lowercase ("the corner of heiligengeistbrücke
# 77 and minik courts"). Without capitals the first street needs its house number ("the corner of her mouth and
# lips" is no address), and the second ends at a street type or the end of the sentence.
LOWER_CORNER_STREET = rf"(?:\d{{1,6}}[ \t]+)?(?:{NOT_MEASURE}[^\W\d_][\w'.-]*[ \t]+){{1,3}}\d{{1,5}}\.?"
LOWER_CORNER_END = (rf"{NOT_MEASURE}[^\W\d_][\w'-]*(?:[ \t]+{NOT_MEASURE}[^\W\d_][\w'-]*){{0,2}}?"
                    rf"(?:[ \t]+(?:{'|'.join(STREET_WORDS)})s?\b|(?=[ \t]*(?:[.,!?;\n]|$)))")

# After a street line come the unit, the town, the region, the postcode and the country, on
# the same line or on short lines of their own. A line joins the address only if every word
# on it looks like one of those; a label ("Mobile:") or a sentence word ends the address.
# ">" is a token of its own: an address quoted in a reply puts one before each line.
TAIL_TOKEN = re.compile(r"\n|[(),;]|>+|[^\s(),;>]+")
TAIL_UNITS = frozenset("apt apt. apartment suite ste ste. unit floor fl fl. box po p.o. #".split())
TAIL_CONNECTORS = frozenset("""de del la le les du u upon on sur am im an der van von y di da do dos das
    nad pod na bei ob sul""".split())
TAIL_LABELS = frozenset("""mobile phone tel telephone fax email e-mail website web desk office address
    name date cell home work please thanks thank call contact dear regards hi hello""".split())
# A line that starts with a telephone number (seven digits or more): "(37) 788-063-Office".
PHONE_LINE = re.compile(r"[ \t]*[+(]?\d[\d \t().-]*(?:\d[ \t().-]*){6}")
MILITARY = re.compile(r"\b(?:APO|FPO|DPO|PSC|CMR|USNS|USNV|USS|USCGC)\b")
# Ventilator and vital-sign labels between numbers ("A/C 750 Rate 10 Peep 7.5", "NC 2.0 Sats
# 95%") are readings, not a house number and a street.
READING_WORDS = frozenset("""rate sats sat peep wedge itime fio2 cvp pap paps pads
    svr suctioned received""".split())


class StreetAddressRecognizer(SpanPatternRecognizer):
    """Return ADDRESS spans: "12 Clover St.", "6750 Koskikatu 25 Apt. 864", "PO Box 12".

    Shouted text (clinical notes in capitals) gives capitalisation no meaning, so only the
    labelled patterns count there."""
    ENTITY = "ADDRESS"
    PATTERNS = (
        ("number_street", rf"\b\d{{1,6}}[a-z]?\s+(?:{NOT_STOP}(?-i:[A-Z])[\w'.-]*[ \t]+){{1,3}}{STREET}\b\.?(?:\s+\d{{1,5}})?{UNIT}", 0.7),
        ("number_street_lower", rf"(?-i:\b\d{{1,6}}[a-z]?[ \t]+(?:{NOT_MEASURE}[a-z][a-z'-]+[ \t]+){{1,3}}{LOWER_STREET})\b{UNIT}", 0.6),
        # Messages typed all in lowercase ("i live at 12 clover st"): abbreviated street
        # types and the European shapes, without capitals. Dropped from text with capitals.
        ("lowercase_abbreviated", rf"(?-i:\b\d{{1,6}}[a-z]?[ \t]+(?:{NOT_MEASURE}[a-z][a-z'-]+[ \t]+){{1,3}}(?:st|rd|ave|blvd|ln|ct|hwy|pkwy)\b\.?){UNIT}", 0.6),
        ("lowercase_type_after", rf"\b(?:{NOT_STOP}[^\W\d_][\w'’-]*[ \t]+){{1,3}}{TYPE_AFTER}[ \t]+\d{{1,5}}[a-z]?\b{UNIT}", 0.6),
        ("lowercase_name_number_street", rf"\b\d{{1,6}}[ \t]+(?:{NOT_STOP}[^\W\d_][\w'’-]*[ \t]+){{1,2}}\d{{1,5}}[a-z]?[ \t]+st\b\.?", 0.6),
        ("street_number", rf"\b(?-i:[A-Z])[\w'-]*(?:strasse|straße|gatan|gata|vej|katu|weg|gasse|straat|vägen|veien)\s+\d{{1,5}}[a-z]?\b{UNIT}", 0.6),
        ("street_first", r"(?:\b(?:via|calle|rue|avenida|rua|ul\.)|(?<!\w)[Cc]/)\s*(?:(?-i:[A-ZÀ-Þ][a-zß-ÿ])[\w'-]*\s+){1,3}\d{1,5}[a-z]?\b", 0.6),
        # A house number, then the street type, then the name: "31 rue de la Hulotais",
        # "63 Avenue du Golf Arabe", "947 trg revolucije". The type word anchors it, so the
        # name may be lowercase; English words such as "via", "place", "route" are left out.
        ("number_type_name", rf"\b\d{{1,6}}[ \t]+{TYPE_FIRST}\.?[ \t]+(?:{CONNECTOR}[ \t]+){{0,2}}{NOT_STOP}[^\W\d_][\w'’-]+(?:[ \t]+(?:{CONNECTOR}[ \t]+)?(?-i:[A-ZÀ-Þ])[\w'’-]+){{0,3}}(?:[ \t]+\d{{1,5}}[a-z]?\b)?{UNIT}", 0.6),
        # The street type as a word of its own after the name, then the number:
        # "Kálmán Imre u. 12.", "Rákóczi út 13", "Luite tee 87", "Stensås terrasse 38".
        ("name_type_number", rf"\b(?-i:[A-ZÀ-Þ])[\w'’-]*[ \t]+(?:{NOT_STOP}[^\W\d_][\w'’-]*[ \t]+){{0,2}}{TYPE_AFTER}[ \t]+\d{{1,5}}[a-z]?\b{UNIT}", 0.6),
        # House number and street name in either order, as written across Europe:
        # "2224 Trenerys gate 232", "Hegedûs Gyula utca 76", "Pod Floriánem 1677".
        ("number_name_number", rf"\b\d{{1,6}}[ \t]+{NAME_WORD}(?:[ \t]+{NAME_WORD}){{0,3}}[ \t]+(?!\d0s\b)\d{{1,5}}[a-z]?\b", 0.6),
        ("name_number", rf"\b(?:address(?:\s+is)?:?|located\s+(?:at|on)|lives?\s+(?:at|on)|is\s+on)\s+(?P<phi>(?-i:[A-ZÀ-Þ][\w'.-]+)(?:[ \t]+{NAME_WORD}){{0,3}}[ \t]+\d{{1,5}}[a-z]?)\b", 0.55),
        # "the corner of Dalbraut 99 and Frederikke Coves": the whole phrase is the location,
        # and a surrogate address reads right only in place of all of it.
        ("corner", rf"\b(?:the\s+)?corner\s+of\s+{CORNER_STREET}\s+(?:and|&)\s+{CORNER_STREET}", 0.6),
        # "Via dei Fiorentini 17 street", "Hansinegata 120 street": name, number, then "street".
        ("name_number_street", rf"(?-i:\b(?P<phi>[A-ZÀ-Þ][\w'.-]*(?:[ \t]+{NAME_WORD}){{0,4}}[ \t]+\d{{1,5}}[a-z]?)\.?[ \t]+(?:[Ss]treet|[Ss]t\b\.?))", 0.6),
        # A street named without a house number: "shows on Berg Hills Street", "lives off
        # Elm Road".
        ("on_named_street", rf"\b(?:on|off|along|onto|at|near)[ \t]+(?:the[ \t]+)?(?P<phi>(?:{NOT_STOP}(?-i:[A-ZÀ-Þ])[\w'’-]+[ \t]+){{1,3}}{STREET})\b", 0.65),
        ("lowercase_corner", rf"(?-i:\b(?:the[ \t]+)?corner[ \t]+of[ \t]+{LOWER_CORNER_STREET}[ \t]+(?:and|&)[ \t]+{LOWER_CORNER_END})", 0.6),
        ("unit", r"\b(?:apt|apartment|suite|ste)\.?\s*#?\s*\d{1,5}[a-z]?\b", 0.6),
        ("military", r"\b(?:(?:psc|unit|cmr)\s+\d{4},?\s+box\s+\d{4}|(?:apo|fpo|dpo)\s+(?:aa|ae|ap)\s+\d{5}|(?:usns|usnv|uss|uscgc)\s+(?:(?-i:[A-Z])\w+|\w+(?=\s+(?:apo|fpo|dpo)\b)))\b", 0.7),
        ("po_box", r"\b(?:p\.?\s*o\.?\s*box|post\s+office\s+box)\s*\d{1,6}\b", 0.8),
        ("lives_at", r"\b(?:live[sd]?|living|address\s+is|reside[sd]?|moved)\s+(?:at|on|in)\s+(?P<phi>\d{1,6}\s+(?-i:[A-Z])[\w'.-]+(?:\s+(?-i:[A-Z])[\w'.-]+){0,3})", 0.75),
    )
    CONTEXT = ("address", "live", "lives", "street", "apartment", "home")

    def keep(self, text: str, start: int, end: int) -> bool:
        value = text[start:end]
        if re.search(r"\d\.$", text[max(0, start - 2):start]):
            return False  # "2.0 Sats 95": the decimals of a reading
        words = [w.lower() for w in re.findall(r"[A-Za-z][A-Za-z0-9]*", value)]
        if any(_reading_word(w) for w in re.findall(r"[A-Za-z][A-Za-z0-9]*", value)):
            return False
        if any(w in DATE_WORDS for w in words) and not any(w in STREET_WORDS for w in words):
            return False  # "2 January 2020" is a date
        letters = [c for c in value if c.isalpha()]
        return not letters or not all(c.isupper() for c in letters) or "BOX" in value or bool(
            MILITARY.search(value))

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None,
                regex_flags: int | None = None) -> list[RecognizerResult]:
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        if any(c.isupper() for c in text):
            results = [r for r in results if not (r.analysis_explanation and (
                r.analysis_explanation.pattern_name or "").startswith("lowercase_"))]
        if not _shouted(text):
            for result in results:
                result.start = _extend_back(text, result.start)
                end, result.end = result.end, _extend_tail(text, result.end)
                if result.end > end:
                    # Street, town and postcode together: the whole is one address, and it
                    # outranks a ZIP or place found inside it when overlaps are merged.
                    result.score = max(result.score, 0.9)
        for result in results:
            # "lives at 12 Clover St. She ...": a trailing sentence word is not the address.
            while (last := re.search(r"[ \t]+([A-Za-z]+)$", text[result.start:result.end])) and (
                    last.group(1).lower() in STOP_WORDS):
                result.end -= len(last.group())
        return results


def _reading_word(word: str) -> bool:
    """Return True for a clinical label or drug that cannot be part of a street address."""
    low = word.lower()
    if low in STREET_WORDS or len(low) < 3:
        return False  # short words ("do", "la", "al") are also parts of street names
    return low in READING_WORDS or (word.isupper() and low in CLINICAL_ABBREVIATIONS) or (
        len(low) > 3 and low in medical_terms())


def _shouted(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) > 0.6 * len(letters)


def _tail_word(word: str, lowercase: bool) -> bool:
    """Return True for a word that can belong to the lines after a street: a unit word, a
    number or postcode, a capitalised place word or region code (any word that is not a
    sentence word when the whole message is typed in lowercase)."""
    bare = word.rstrip(".!?")
    low = bare.lower()
    if not bare or low in TAIL_LABELS or ":" in bare or "@" in bare or "/" in bare:
        return False
    if low in TAIL_UNITS or low.lstrip("#").isdigit():
        return len(low) <= 8
    if any(c.isdigit() for c in bare):  # postcodes such as "SW1A", "K1A", "1AA"
        return bare.isalnum() and len(bare) <= 4 and bare.upper() == bare
    return (bare[0].isupper() or lowercase) and low not in STOP_WORDS


def _postcode(word: str) -> bool:
    return word.isdigit() and 4 <= len(word) <= 6


def _region_code(word: str, following: str) -> bool:
    """Return True for a short region code before a postcode: "ma 02115", and in capitals
    also one that is a word ("SCHEIBBS, NO 14908", "IN 46201")."""
    return word.isalpha() and len(word) <= 3 and (
        word.isupper() or word.lower() not in STOP_WORDS) and (
        following.isdigit() and 3 <= len(following) <= 8)


def _extend_tail(text: str, end: int) -> int:
    """Return where the address that ends its street part at `end` really ends."""
    lowercase = not any(c.isupper() for c in text)
    tokens: list[re.Match[str]] = []
    for m in TAIL_TOKEN.finditer(text, end, min(len(text), end + 240)):
        if tokens and tokens[-1].group() == "\n" and not any(c.isalnum() for c in m.group()):
            continue  # a bullet before a line: "??? Suite 292", "• Zuoz"
        tokens.append(m)
    best, line_start_best, newlines, words, sentence_end = end, end, 0, 0, False
    line_code = False  # the line so far ends in a number: "Iceland 72399 after the concert"
    for i, m in enumerate(tokens):
        tok = m.group()
        if tok == "\n":
            newlines += 1
            line_start_best, line_code = best, False
            if newlines > 4 or PHONE_LINE.match(text, m.end()):
                break  # a telephone line after the address is no part of it
            continue
        if tok in "(),;" or tok.lower() in TAIL_CONNECTORS:
            continue
        following = next((t.group() for t in tokens[i + 1:] if t.group() != "\n"), "")
        code_ahead = any(_postcode(t.group()) for t in itertools.takewhile(
            lambda t: t.group() != "\n", tokens[i + 1:i + 4]))
        # A lowercase town line still counts when a postcode ends it ("springfield, il 62704").
        if not (_tail_word(tok, lowercase or code_ahead) or _region_code(tok, following)) or words >= 14:
            # "... Austria 25173. Thanks": a full stop before the stray word ends the address.
            return line_start_best if newlines and not sentence_end and not line_code else best
        sentence_end = tok.endswith(".") and len(tok) > 3 and not tok[:-1].isalpha()
        line_code = any(c.isdigit() for c in tok)
        words += 1
        best = m.start() + len(tok.rstrip(".!?,")) if tok[-1] in "!?" else m.end()
        if tok[-1] in "!?":
            break
    return best


def _extend_back(text: str, start: int) -> int:
    """Return the start of the address with a leading building number ("0912 P.O. Box 287")
    or capitalised street words on the same line ("Brucker Bundesstrasse 31")."""
    line = text[max(0, start - 60):start]
    lead = re.search(r"(?:\b\d{1,6}[ \t]+)+$", line)
    if lead:
        return start - len(lead.group())
    # An intersection written as a name and a street ("Růžena and Király u. 15.", "Hanne and
    # ul. Więckowskiego Stefana 28"): the first word names the other street.
    crossing = re.search(r"(?<![\w'’-])([^\W\d_][\w'’-]+)[ \t]+(?:and|&)[ \t]+$", line)
    if crossing and _crossing_street(crossing.group(1)):
        return start - len(crossing.group())
    # Before a street name two capitalised words may belong to it; before a house number
    # one may, as where the street comes first ("Ilmalankuja 82 Zachary Cliffs").
    most = 2 if text[start:start + 1].isalpha() else 1
    words = re.search(rf"(?:(?<![\w'-])(?-i:[A-ZÀ-Þ])[\w'-]{{2,}}[ \t]+){{1,{most}}}$", line)
    if words and not any(_not_street_word(w) for w in words.group().split()):
        return start - len(words.group())
    return start


def _crossing_street(word: str) -> bool:
    """Return True for a capitalised word that may name a street: no English, clinical or
    sentence word ("Růžena", "Anne-Lotte"; not "Salt", "Lasix", "Mom")."""
    parts = word.replace("’", "'").split("-")
    return word[0].isupper() and not word.isupper() and all(
        p and p.isalpha() and not is_english_word(p) and not _not_street_word(p) for p in parts)


def _not_street_word(word: str) -> bool:
    low = word.lower()
    return low in STOP_WORDS or low in TAIL_LABELS or low in TAIL_UNITS or low in DATE_WORDS or (
        low in CLINICAL_ABBREVIATIONS or low in medical_terms())


class ZipCodeRecognizer(SpanPatternRecognizer):
    """Return ZIP spans: ZIP+4, a 5-digit code after a state abbreviation or a ZIP label."""

    ENTITY = "ZIP"
    PATTERNS = (
        ("zip4", r"(?<![\d-])\d{5}-\d{4}(?![\d-])", 0.6),
        ("after_state", r"\b(?-i:A[KLRZ]|C[AOT]|D[CE]|FL|GA|HI|I[ADLN]|K[SY]|LA|M[ADEINOST]|N[CDEHJMVY]|O[HKR]|PA|RI|S[CD]|T[NX]|UT|V[AT]|W[AIVY])\.?,?\s+(?P<phi>\d{5})(?!\d)", 0.7),
        # "ZIP 02115-1234", "postal code 114 55", "ZIP: 7412 SL", "ZIP: 75534-030".
        ("labelled", r"\b(?:zip|zip\s*code|postal\s+code|postcode)\s*(?:is|:|#)?\s*(?P<phi>\d{3,6}(?:[ -]\d{2,4}|[ ]?(?-i:[A-Z]{2}))?)\b", 0.85),
        # A few words may part a US ZIP from its label: "zip code for the office is 02115".
        ("labelled_far", r"\b(?:zip|postal|postcode)(?:\s*code)?(?:\s+[a-z']+){1,4}?\s*(?:is|:|=)\s*(?P<phi>\d{5}(?:-\d{4})?)(?![\d-])", 0.7),
        # A ZIP after a place cue: "I live in 02115", "she moved here from 10027".
        ("after_cue", r"\b(?:(?:live|lives|living|lived|reside|resides|residing)\s+in|moved\s+(?:here\s+)?(?:from|to))\s+(?P<phi>\d{5}(?:-\d{4})?)(?![\d/:.,-]?\d|\s*(?:mg|mcg|ml|cc|units?|u|g|kg|mls|%|pm|am|hours?|hrs?|mins?|minutes|days?|times|patients|people|cases|steps|square|sq|ft|feet|miles|acres|dollars)\b)", 0.6),
        # A code after a town, a state or a country ("Springfield, 62704", "Maryland 21201",
        # "Switzerland 53730"); `keep` checks the words before it against the gazetteer.
        ("after_place", r"(?-i:[A-Za-zÀ-ÿ])[ \t]*,?[ \t]+(?P<phi>\d{4,6})(?![\d/:.,-]?\d|\s*(?:mg|mcg|ml|cc|units?|u|g|kg|mls|%)\b)", 0.6),
        # UK and Canadian postcodes ("SW1A 1AA", "K1A 0B1"); capitals only.
        # A postcode after a town on no list, after a place preposition ("in Bjert 6091",
        # "in Wrocław 53-320", "in ÖVERTURINGEN 840 24"); `_after_town` checks the town.
        ("after_town", rf"(?-i:[^\W\d_])[ \t]+(?P<phi>{POSTCODE_SHAPE})(?![\w/.:,-]?\d)", 0.6),
        ("uk", r"\b(?-i:(?P<phi>(?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?) \d[ABD-HJLNP-UW-Z]{2}))\b", 0.6),
        ("canada", r"\b(?-i:(?P<phi>[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d))\b", 0.6),
        ("trailing", r"(?<=[a-z])\s+(?P<phi>\d{5})\s*$", 0.4),
    )
    CONTEXT = ("zip", "postal", "address", "code")

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None,
                regex_flags: int | None = None) -> list[RecognizerResult]:
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        checks = {"after_place": lambda r: _after_place(text, r.start, r.end - r.start),
                  "after_town": lambda r: _after_town(text, r.start)}
        return [r for r in results if r.analysis_explanation is None
                or (check := checks.get(r.analysis_explanation.pattern_name or "")) is None or check(r)]


def _after_town(text: str, start: int) -> bool:
    """Return True when the postcode at `start` follows a place preposition and a town
    name ("in Bjert 6091", "in København K 1421"), and is no year or dose."""
    if _shouted(text):
        return False  # no case evidence: "EXPIRED AT APPROX 0320"
    head = text[max(0, start - 60):start]
    words = head.split()[-5:]
    cut = max((k for k, w in enumerate(words) if w.lower() in POSTCODE_PREPOSITIONS), default=None)
    return cut is not None and head[-1:] in (" ", "\t") and town_words(words[cut + 1:]) \
        and postcode_at(text, len(text[:start].rstrip(" \t")))


def _after_place(text: str, start: int, digits: int) -> bool:
    """Return True when the code at `start` follows a listed town or state (five digits)
    or a country (four to six): "Boston, 02115", "Norway 0150"."""
    before = re.search(r"((?:[^\W\d_][\w'’.-]*[ \t]){0,2}[^\W\d_][\w'’.-]*)[ \t]*,?[ \t]*$",
                       text[max(0, start - 60):start])
    if before is None:
        return False
    words = before.group(1).split()
    places = gazetteer()
    for n in range(len(words), 0, -1):
        name = " ".join(words[-n:]).rstrip(".").lower()
        if not words[-n][:1].isupper():
            continue
        if name in us_states():
            return digits == 5
        place = places.get(name)
        if place is not None and place.words == n:
            return digits == 5 or place.country
    return False
