"""US Social Security numbers."""

from __future__ import annotations

from deidentify.recognizers._pattern import SpanPatternRecognizer


class SsnRecognizer(SpanPatternRecognizer):
    """Return SSN spans: dashed/spaced SSNs, or nine bare digits next to an SSN label."""

    ENTITY = "SSN"
    PATTERNS = (
        ("dashed", r"(?<![\d-])(?!000|666|9\d\d)\d{3}([- .])(?!00)\d{2}\1(?!0000)\d{4}(?![\d-])", 0.6),
        ("labelled", r"\b(?:ssn|social\s+security(?:\s+(?:number|no\.?|#))?|ss#)\s*(?:is|:|#)?\s*(?P<phi>\d{3}[- .]?\d{2}[- .]?\d{4})\b", 0.9),
    )
    CONTEXT = ("ssn", "social", "security", "ss#")
