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
from deidentify.pseudonymize import SurrogateMap, mask, merge_findings, pseudonymize
from deidentify.pseudonymize import reidentify as _reidentify
from deidentify.recognizers.places import repeated_places
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
    """The de-identified text, the spans replaced (original offsets), and the updated map."""

    text: str
    findings: tuple[Finding, ...]
    surrogates: SurrogateMap


class Deidentifier:
    """Finds PHI in a message and swaps it for per-conversation surrogates."""

    def __init__(self, *, spacy_model: str = DEFAULT_SPACY_MODEL,
                 score_threshold: float = DEFAULT_SCORE_THRESHOLD) -> None:
        self.spacy_model = spacy_model
        self.score_threshold = score_threshold
        self._engine = build_analyzer(spacy_model)

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
            raw = find_phi(self._engine, folded, self.score_threshold)
            # A place found once is a place wherever it recurs ("QUARTERMAIN3").
            places = [(f.start, f.end) for f in raw if f.entity_type == "LOCATION"]
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
        out = pseudonymize(text, findings, updated)
        if len(out) > output_bound(len(text)):
            logger.warning("surrogates would exceed the output bound; masking %d spans", len(findings))
            updated = surrogates.copy() if surrogates is not None else SurrogateMap()
            out = mask(text, findings)
        return DeidResult(text=out, findings=tuple(findings), surrogates=updated)

    def reidentify(self, text: str, surrogates: SurrogateMap) -> str:
        """Return text with surrogates from `surrogates` restored; surrogates not in the map
        (e.g. invented by the model) are left exactly as written."""
        if not isinstance(text, str):
            raise DeidentificationError(f"expected str, got {type(text).__name__}")
        return _reidentify(text, surrogates)


_SHARED: dict[str, Deidentifier] = {}


def get_deidentifier(spacy_model: str = DEFAULT_SPACY_MODEL) -> Deidentifier:
    """Return a shared Deidentifier for this spaCy pipeline (loaded once per process);
    raises DeidentificationError if the pipeline is not installed."""
    if spacy_model not in _SHARED:
        _SHARED[spacy_model] = Deidentifier(spacy_model=spacy_model)
    return _SHARED[spacy_model]
