"""Names, places, facilities, ages over 89, dates and IDs found by the learned token tagger
(`deidentify.tagger`).

The rules beside it need capital letters, cue words or a fixed shape; patients type "my son
jayden", "took her to st judes er", "shes ninety four" and "appt 3.14.25". The tagger reads
the words in context. It is one recognizer in the registry like any other, and it fills the
rules' gaps: structured identifiers (phones, emails, SSNs, MRNs) stay with the patterns.
"""

from __future__ import annotations

import re

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.lang.es.stop_words import STOP_WORDS as SPANISH_STOP_WORDS

from deidentify.recognizers.facility import HEAD, UNITS
from deidentify.recognizers.lexicon import CLINICAL_ABBREVIATIONS, medical_terms
from deidentify.tagger import ENTITY, THRESHOLD, Tag, Tagger, get_tagger

# Clinical words the tagger must not redact when they are all a span holds: units ("tsicu"),
# drugs and procedures, abbreviations, and a bare "St."/"Mt.".
NOT_PHI_WORD = re.compile(r"\w*icu|st|mt|\d+", re.IGNORECASE)
WORD = re.compile(r"[\w'’-]+")
# Spanish verbs the tagger can mistake for names. A redacted "matarme" or "morir" would hide
# what the crisis rail must read, so these stay: a verb with an object pronoun attached
# ("matarme", "cortarse"), or an infinitive after a word that governs one ("quiero morir",
# "voy a matar").
SPANISH_VERB = re.compile(r"[^\W\d_]+(?:ar|er|ir)(?:me|te|se|lo|la|le|nos|los|las)", re.IGNORECASE)
INFINITIVE = re.compile(r"(?:quiero|quiere|quieres|voy\s+a|va\s+a|a|para|de|puedo|puede|sin|al|que|"
                        r"debo|necesito|dejar\s+de)\s+[^\W\d_]+(?:ar|er|ir)$", re.IGNORECASE)
#: The kinds that are words; ages, dates and IDs are read as the tagger draws them.
WORD_KINDS = frozenset({"PER", "LOC", "FAC"})
# Safe Harbor folds ages of 90 and over only: a tagged age must say a number that high.
OVER_89_WORD = re.compile(r"ninety|hundred|noventa|cien", re.IGNORECASE)
#: Where the NLP engine leaves the tagger's spans on the spaCy `Doc` (it tags once per text).
TAGS_KEY = "deid_tags"
# The kind of place or firm, and titles, are not PHI: trimmed from a span's edges, as the
# rules leave them out ("St. Mary's hospital" -> "St. Mary's", "dr okafor" -> "okafor").
GENERIC_EDGE = re.compile(rf"(?:(?:^|[\s,.]+)(?:{HEAD}|er|ed|rehab|inc|llc|corp|co|urgent\s+care|family\s+(?:practice|medicine))\.?)+$"
                          rf"|^(?:(?:dr|doctor|mr|mrs|ms|the)\.?\s+)+", re.IGNORECASE)


class TaggerRecognizer(EntityRecognizer):
    """Return PERSON and LOCATION spans from the tagger; raises DeidentificationError on
    load when the model can be neither found nor built (the pipeline then fails closed)."""

    NAME = "TaggerRecognizer"

    def __init__(self, threshold: float = THRESHOLD) -> None:
        self.threshold = threshold
        super().__init__(supported_entities=sorted(set(ENTITY.values())), name=self.NAME)

    def load(self) -> None:
        self.tagger: Tagger = get_tagger()

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
                ) -> list[RecognizerResult]:
        doc = getattr(nlp_artifacts, "tokens", None)
        tags = getattr(doc, "user_data", {}).get(TAGS_KEY)
        if tags is None or doc.text != text:  # type: ignore[union-attr]
            tags = self.tagger.tag(text, self.threshold)
        results = []
        for found in tags:
            if found.kind in WORD_KINDS:
                tag = _trimmed(text, found)
                if (tag.end <= tag.start or _clinical(text[tag.start:tag.end])
                        or _spanish_word(text, tag)):
                    continue
            elif not any(c.isalnum() for c in text[found.start:found.end]) or (
                    found.kind == "AGE" and not _over_89(text[found.start:found.end])):
                continue
            else:
                tag = found
            results.append(RecognizerResult(
                ENTITY[tag.kind], tag.start, tag.end, tag.score,
                analysis_explanation=AnalysisExplanation(self.NAME, tag.score),
                recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: self.NAME,
                                      RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id},
            ))
        return results


def _over_89(span: str) -> bool:
    """Return True when the age span states 90 or more, in digits or words."""
    digits = re.findall(r"\d+", span)
    return int(digits[0]) >= 90 if digits else OVER_89_WORD.search(span) is not None


def _trimmed(text: str, tag: Tag) -> Tag:
    """Return the tag without generic words at its edges (possibly empty)."""
    start, end = tag.start, tag.end
    while start < end and (edge := GENERIC_EDGE.search(text[start:end])) and edge.end() > edge.start():
        if edge.start() == 0:
            start += edge.end()
        else:
            end = start + edge.start()
    return Tag(tag.kind, start, end, tag.score)


def _clinical(span: str) -> bool:
    """Return True when every word of the span is a clinical word, unit or abbreviation."""
    blocked = medical_terms() | CLINICAL_ABBREVIATIONS | UNITS
    return all(w.lower() in blocked or NOT_PHI_WORD.fullmatch(w) for w in WORD.findall(span))


def _spanish_word(text: str, tag: Tag) -> bool:
    """Return True for a one-word span that is a Spanish function word or verb form."""
    word = text[tag.start:tag.end]
    if " " in word.strip():
        return False
    return (word.lower() in SPANISH_STOP_WORDS or SPANISH_VERB.fullmatch(word) is not None
            or INFINITIVE.search(text[max(0, tag.start - 20):tag.end]) is not None)
