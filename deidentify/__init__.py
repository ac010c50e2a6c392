"""De-identification of patient chat messages (plain Python; imports no Django).

Every message is de-identified before any model, log line or task sees it::

    deid = get_deidentifier()
    result = deid.deidentify("I'm Jane Roe, DOB 01/02/1950", surrogates=conversation_map)
    result.text        # "I'm [NAME_1], DOB [DATE_1]"
    deid.reidentify(model_reply, result.surrogates)

Output-length bound: ``len(result.text) <= output_bound(len(text)) == 2 * len(text) + 32``.
Typed surrogates are tried first; in the rare message where they would break the bound
(many one- or two-letter identifiers), every span is masked with ``*`` of the same length
instead, which keeps the text exactly as long as the input (that message is then not
reversible). Input longer than MAX_INPUT_CHARS is refused, never truncated.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from deidentify.analyzer import DEFAULT_SCORE_THRESHOLD, DEFAULT_SPACY_MODEL, build_analyzer, find_phi
from deidentify.base import MAX_INPUT_CHARS, DeidentificationError, Finding
from deidentify.pseudonymize import (
    Piece,
    SurrogateMap,
    mask,
    merge_findings,
    output_span,
    pseudonymize,
)
from deidentify.pseudonymize import reidentify as _reidentify
from deidentify.recognizers.places import repeated_places
from deidentify.recognizers.tagger import TaggerRecognizer
from deidentify.tagger import THRESHOLD
from deidentify.text_folding import fold, unfold_span

__all__ = [
    "MAX_INPUT_CHARS", "DeidResult", "DeidentificationError", "Deidentifier", "Finding",
    "SurrogateMap", "get_deidentifier", "output_bound",
]

logger = logging.getLogger(__name__)


def output_bound(input_chars: int) -> int:
    """Return the most characters `Deidentifier.deidentify` can return for this input size."""
    return 2 * input_chars + 32


@dataclass(frozen=True)
class DeidResult:
    """The de-identified text, the spans replaced (original offsets), the updated map, and
    where each replaced span went in the text (``pieces``; see ``output_span``)."""

    text: str
    findings: tuple[Finding, ...]
    surrogates: SurrogateMap
    pieces: tuple[Piece, ...] = ()

    def output_span(self, start: int, end: int) -> tuple[int, int]:
        """Where the original text's [start, end) lies in ``text``."""
        return output_span(self.pieces, start, end)


class Deidentifier:
    """Finds PHI in a message and swaps it for per-conversation surrogates."""

    def __init__(self, *, spacy_model: str = DEFAULT_SPACY_MODEL,
                 score_threshold: float = DEFAULT_SCORE_THRESHOLD, tagger: bool = True,
                 tagger_threshold: float = THRESHOLD, spacy_ner: bool = False) -> None:
        """Raises DeidentificationError when the spaCy pipeline or (with `tagger`) the
        learned tagger can be neither loaded nor built. `tagger_threshold` and `spacy_ner`
        are for measurement (`deidentify.evaluate`); chat keeps the defaults."""
        self.spacy_model = spacy_model
        self.score_threshold = score_threshold
        self.tagger = tagger
        self._engine = build_analyzer(spacy_model, tagger, tagger_threshold, spacy_ner)

    def analyze(self, text: str) -> list[Finding]:
        """Return non-overlapping PHI findings in text order (offsets into `text`).

        Raises DeidentificationError for non-str input, input over MAX_INPUT_CHARS, or an
        internal failure; the message never quotes the text.
        """
        if not isinstance(text, str):
            raise DeidentificationError(f"expected str, got {type(text).__name__}")
        if len(text) > MAX_INPUT_CHARS:
            raise DeidentificationError(f"text is {len(text)} chars; limit is {MAX_INPUT_CHARS}")
        return self.find(text)

    def find(self, text: str) -> list[Finding]:
        """Return findings like `analyze` but without the chat length limit (evaluation of
        long documents); raises DeidentificationError on an internal failure."""
        if not text.strip():
            return []
        folded, offsets = fold(text)
        failure = None
        try:
            raw = gaps_filled(find_phi(self._engine, folded, self.score_threshold))
            # A place found once is a place wherever it recurs ("QUARTERMAIN3").
            places = [(f.start, f.end) for f in raw if f.entity_type == "LOCATION"
                      and f.recognizer != TaggerRecognizer.NAME]
            raw += [Finding("LOCATION", start, end, 0.55, "PlaceRecognizer")
                    for start, end in repeated_places(folded, places)]
        except Exception as exc:
            failure = type(exc).__name__
        if failure is not None:
            # Raised outside the except block so no chained exception carries the text.
            logger.error("PHI analysis failed (%s)", failure)
            raise DeidentificationError(f"PHI analysis failed ({failure})", permanent=False)
        spans = [Finding(f.entity_type, *unfold_span(offsets, f.start, f.end), f.score, f.recognizer)
                 for f in raw]
        return merge_findings(text, spans)

    def deidentify(self, text: str, surrogates: SurrogateMap | None = None) -> DeidResult:
        """Return the text with PHI replaced, the findings, and an updated copy of the map
        (the input map is not mutated). Raises DeidentificationError as `analyze` does."""
        findings = self.analyze(text)
        updated = surrogates.copy() if surrogates is not None else SurrogateMap()
        out, pieces = pseudonymize(text, findings, updated)
        if len(out) > output_bound(len(text)):
            logger.warning("surrogates would exceed the output bound; masking %d spans", len(findings))
            updated = surrogates.copy() if surrogates is not None else SurrogateMap()
            out, pieces = mask(text, findings), tuple((f.start, f.end, f.start, f.end) for f in findings)
        return DeidResult(text=out, findings=tuple(findings), surrogates=updated, pieces=pieces)

    def reidentify(self, text: str, surrogates: SurrogateMap) -> str:
        """Return text with surrogates from `surrogates` restored; surrogates not in the map
        (e.g. invented by the model) are left exactly as written."""
        if not isinstance(text, str):
            raise DeidentificationError(f"expected str, got {type(text).__name__}")
        return _reidentify(text, surrogates)


TAGGER_TYPES = frozenset({"PERSON", "LOCATION"})


def gaps_filled(findings: list[Finding]) -> list[Finding]:
    """Return the rule findings, and the learned tagger's where no rule found anything.

    The rules know where an identifier starts and ends and what type it is ("MRN 1234",
    "St. Mary's" without "Hospital"); the tagger's job is what they cannot see (lowercase
    names, bare towns), so it fills gaps and does not re-draw a rule's span. One exception:
    a more confident tagged name or place that wholly contains weaker name or place guesses
    ("Sarah Johnson" over a town called "Johnson") replaces them.
    """
    rules = [f for f in findings if f.recognizer != TaggerRecognizer.NAME]
    kept: list[Finding] = []
    for tag in (f for f in findings if f.recognizer == TaggerRecognizer.NAME):
        inside = [r for r in rules if r.start < tag.end and tag.start < r.end]
        if all(tag.start <= r.start and r.end <= tag.end and r.score < tag.score
               and r.entity_type in TAGGER_TYPES for r in inside):
            rules = [r for r in rules if r not in inside]
            kept.append(tag)
    return rules + kept


_SHARED: dict[tuple[str, bool], Deidentifier] = {}


def get_deidentifier(spacy_model: str = DEFAULT_SPACY_MODEL, tagger: bool = True) -> Deidentifier:
    """Return a shared Deidentifier for this spaCy pipeline (loaded once per process);
    raises DeidentificationError if the pipeline or the tagger cannot be loaded."""
    key = (spacy_model, tagger)
    if key not in _SHARED:
        _SHARED[key] = Deidentifier(spacy_model=spacy_model, tagger=tagger)
    return _SHARED[key]
