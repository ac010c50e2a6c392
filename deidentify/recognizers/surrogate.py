"""Text a patient types that looks like one of our surrogates ("[NAME_1]").

Left alone, a typed "[NAME_1]" would reach the model as if it were the conversation's first
name, and the reply's "[NAME_1]" would be re-identified as that person's real name. Marked
as PHI it gets a surrogate of its own ("[PHI_1]"), which re-identifies to exactly what the
patient typed.
"""

from __future__ import annotations

from deidentify.pseudonymize import SURROGATE_RE
from deidentify.recognizers._pattern import SpanPatternRecognizer


class SurrogateLookalikeRecognizer(SpanPatternRecognizer):
    """Return SURROGATE spans for surrogate-shaped text in the input."""

    ENTITY = "SURROGATE"
    PATTERNS = (("surrogate_shape", SURROGATE_RE.pattern, 1.0),)
    REGEX_FLAGS = 0  # exactly the shape `reidentify` replaces (upper case)
