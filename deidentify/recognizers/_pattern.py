"""A PatternRecognizer that can report just the PHI part of a match.

Labels and context words ("MRN:", "pager #") help find an identifier but are not PHI, and
keeping them out of the span keeps them readable after pseudonymisation ("MRN [MRN_1]").
A pattern marks the PHI part with a named group ``phi``; without one the whole match counts.
"""

from __future__ import annotations

import re
from typing import ClassVar

from presidio_analyzer import AnalysisExplanation, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

FLAGS = re.IGNORECASE | re.MULTILINE


class SpanPatternRecognizer(PatternRecognizer):
    """Subclasses set ENTITY, PATTERNS (name, regex, score) and CONTEXT at class level."""

    ENTITY: ClassVar[str] = ""
    PATTERNS: ClassVar[tuple[tuple[str, str, float], ...]] = ()
    CONTEXT: ClassVar[tuple[str, ...]] = ()
    REGEX_FLAGS: ClassVar[int] = FLAGS

    def __init__(self) -> None:
        super().__init__(
            supported_entity=self.ENTITY,
            name=type(self).__name__,
            patterns=[Pattern(n, r, s) for n, r, s in self.PATTERNS],
            context=list(self.CONTEXT),
        )
        self._label = type(self).__name__
        # Compiled once per recognizer with the stdlib engine: these patterns are linear-time
        # (no nested quantifiers), and the input is capped at MAX_INPUT_CHARS.
        self._compiled = [(n, re.compile(r, self.REGEX_FLAGS), s) for n, r, s in self.PATTERNS]

    def keep(self, text: str, start: int, end: int) -> bool:
        """Return False to drop a match after looking at its surroundings (default: keep)."""
        return True

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None,
                regex_flags: int | None = None) -> list[RecognizerResult]:
        results = []
        for name, regex, score in self._compiled:
            for match in regex.finditer(text):
                start, end = match.span("phi") if "phi" in regex.groupindex else match.span()
                if start < 0 or start == end or not self.keep(text, start, end):
                    continue
                valid = self.validate_result(text[start:end])
                if valid is False:
                    continue
                final = 1.0 if valid else score
                results.append(RecognizerResult(
                    self.ENTITY, start, end, final,
                    analysis_explanation=AnalysisExplanation(
                        recognizer=self._label, original_score=final, pattern_name=name),
                    recognition_metadata={
                        RecognizerResult.RECOGNIZER_NAME_KEY: self._label,
                        RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                    },
                ))
        return results
