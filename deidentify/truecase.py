"""A cheap truecasing pass, measured as a lever against the learned tagger (see README).

Lowercase chat hides names from the rules and from spaCy, which lean on capitals. This pass
capitalises words that the census name lists or the gazetteer know and that are not plain
English, clinical or stop words, and keeps every offset (same length out as in).
"""

from __future__ import annotations

import re
from functools import lru_cache

from spacy.lang.en.stop_words import STOP_WORDS

from deidentify.recognizers.lexicon import first_names, is_plain_word, last_names
from deidentify.recognizers.places import gazetteer

WORD = re.compile(r"[^\W\d_]{2,}")


@lru_cache(maxsize=1)
def _known() -> frozenset[str]:
    return first_names() | last_names() | frozenset(name.lower() for name in gazetteer())


def truecase(text: str) -> str:
    """Return text with likely names capitalised; same length, same offsets."""
    known = _known()

    def cap(match: re.Match[str]) -> str:
        word = match.group()
        low = word.lower()
        if word != low or low in STOP_WORDS or is_plain_word(low) or low not in known:
            return word
        return word[0].upper() + word[1:]

    return WORD.sub(cap, text)
