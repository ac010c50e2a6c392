"""Ages over 89: Safe Harbor lets ages up to 89 stay, and folds 90+ into one bucket."""

from __future__ import annotations

from deidentify.recognizers._pattern import SpanPatternRecognizer

AGE = r"(?P<phi>(?:9\d|1[01]\d))"


class AgeOver89Recognizer(SpanPatternRecognizer):
    """Return AGE spans for ages 90-119 stated as ages ("I am 92", "93 yo", "aged 95")."""

    ENTITY = "AGE"
    PATTERNS = (
        ("years_old", rf"\b{AGE}\s*(?:-\s*)?(?:years?|yrs?|y/?o|yo)\b(?:[\s-]*old)?", 0.85),
        ("i_am", rf"\b(?:i\s+am|i'm|im|she\s+is|he\s+is|mom\s+is|dad\s+is|turned|turning|aged?)\s+{AGE}\b(?!\s*(?:%|lbs?|kg|mg|pounds|minutes|min|times|percent|degrees|f\b|bpm))", 0.7),
        ("age_label", rf"\bage[:\s]+{AGE}\b", 0.8),
        ("nonagenarian", r"\b(?P<phi>(?:nona|centen|supercenten)arian)\b", 0.6),
    )
    CONTEXT = ("age", "old", "years", "birthday")
