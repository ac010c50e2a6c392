"""The contract every part of `deidentify` shares: what a finding is and what can go wrong."""

from __future__ import annotations

from dataclasses import dataclass

#: The chat's message size limit; longer input is refused rather than truncated, so that
#: nothing past the limit can slip through un-scanned.
MAX_INPUT_CHARS = 4000


@dataclass(frozen=True)
class Finding:
    """One suspected PHI span in the analysed text (``text[start:end]``)."""

    entity_type: str
    start: int
    end: int
    score: float
    recognizer: str


class DeidentificationError(Exception):
    """Bad input or an internal failure.

    The message never contains the text being processed, so the exception is safe to log
    and to show. ``permanent`` says whether retrying the same input can help (it cannot for
    bad input; it may for a transient internal failure such as a model that failed to load).
    """

    def __init__(self, message: str, *, permanent: bool = True) -> None:
        super().__init__(message)
        self.permanent = permanent
