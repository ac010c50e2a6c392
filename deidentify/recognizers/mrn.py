"""Medical record numbers, with or without a label."""

from __future__ import annotations

from deidentify.recognizers._pattern import SpanPatternRecognizer

LABEL = (r"\b(?:mrn|mr\s*#|med(?:ical)?\s+rec(?:ord)?s?(?:\s+(?:number|no\.?|#))?|record\s+(?:number|no\.?|#)"
         r"|chart\s+(?:number|no\.?|#)|patient\s+(?:id|number|#)|hospital\s+(?:number|no\.?|#)|unit\s+(?:number|no\.?))")


class MedicalRecordNumberRecognizer(SpanPatternRecognizer):
    """Return MRN spans: an ID after an MRN label, or a bare 7-10 digit number whose score
    the analyzer raises only when record/chart context words are near."""

    ENTITY = "MRN"
    PATTERNS = (
        ("labelled", LABEL + r"\s*(?:is|was|:|#|=)?\s*[:#]?\s*(?P<phi>[a-z]{0,3}[-]?\d[\d-]{2,14}\d)\b", 0.85),
        ("bare", r"(?<![\d.,/-])(?P<phi>\d{7,10})(?![\d.,/]|\s*(?:mg|ml|cc|units?)\b)", 0.3),
    )
    CONTEXT = ("mrn", "record", "chart", "medical", "patient", "id", "number", "hospital")
