"""Spanish read in English: a word-by-word gloss for the article path and the rails'
Spanish heads. Plain Python.

The articles are English, and MiniLM (retrieval, the relevance gate, the article
classifier, the section ranker) reads English: on the frozen answers sets a Spanish
question was answered with its key facts about one time in eight, an English one about
two times in three, because retrieval found nothing a Spanish question's vector was close
to. There is no translation model offline, so a Spanish question is read through a
glossary: each word, or fixed phrase of up to ``MAX_PHRASE`` words, is replaced by the
plain English a patient-education article would use ("¿cuánto ácido fólico debo tomar
ahora que estoy embarazada?" reads "how much folic acid should take now that am
pregnant?"). A plural the glossary lacks is read as its singular. A word it lacks stays as written: drug names, numbers and most
medical words are close in both languages ("metformina", "VIH").

The glossary (``guardrails/data/glossary/*.jsonl``, ``{"es", "en"}`` rows) was written
for this by five writers from a brief (``glossary/BRIEF.md``), from their own Spanish, and
none of them saw a question of ours or of a test set (the fifth read the other four parts
and wrote the common words between them). Matching ignores case and accents (not the tilde of
"ñ": "año" is not "ano"); the longest phrase wins; the first file in ``PARTS`` wins a
word two files define.

Only the models trained on English read the gloss: the own-record and decision
detectors, retrieval, the gate and the extractive answer, and the rails' Spanish
heads (``guardrails.classifier``), which read it beside the message as written. The patient's own words are
what is stored, de-identified, shown to a clinician and given to a model. A question that does not read as Spanish (``guardrails.responses.detect_language``) is
returned unchanged.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from pathlib import Path

from guardrails.responses import detect_language

GLOSSARY = Path(__file__).resolve().parent / "data" / "glossary"
# Precedence: a fixed phrase's reading first, then the domain words, then the everyday ones.
PARTS = ("phrases", "conditions", "care", "everyday", "general")
MAX_PHRASE = 4
_TOKEN = re.compile(r"[a-zñ0-9]+(?:[.,][0-9]+)?")


def fold(text: str) -> str:
    """Lower case without accents, keeping "ñ"."""
    text = text.lower().replace("ñ", "\x00")
    stripped = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return stripped.replace("\x00", "ñ")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(fold(text))


@cache
def glossary(folder: Path = GLOSSARY) -> dict[tuple[str, ...], str]:
    """Folded Spanish word or phrase (as tokens) -> English. Raises OSError or ValueError
    when a part is missing or a row is malformed."""
    entries: dict[tuple[str, ...], str] = {}
    for part in PARTS:
        path = folder / f"{part}.jsonl"
        for number, line in enumerate(path.open(encoding="utf-8"), start=1):
            if not line.strip():
                continue
            row = json.loads(line)
            key, english = tuple(tokens(str(row["es"]))), " ".join(str(row["en"]).split())
            if not key or not english or len(key) > MAX_PHRASE:
                raise ValueError(f"{path.name}:{number}: an entry needs 1 to {MAX_PHRASE} words and a reading")
            entries.setdefault(key, english)
    return entries


def _lookup(entries: dict[tuple[str, ...], str], key: tuple[str, ...]) -> str | None:
    """The reading of ``key``; a plural the glossary lacks is read as its singular
    ("vacunas" as "vacuna", "pulmones" as "pulmon")."""
    english = entries.get(key)
    if english is not None or len(key) > 1:
        return english
    word = key[0]
    for singular in (word[:-2], word[:-1]) if word.endswith("es") else (word[:-1],) if word.endswith("s") else ():
        if len(singular) >= 3 and (singular,) in entries:
            return entries[(singular,)]
    return None


def gloss(text: str, entries: dict[tuple[str, ...], str] | None = None) -> str:
    """``text`` read word by word through the glossary, the longest phrase first; words
    it lacks kept as written (folded). A question keeps its question mark."""
    entries = glossary() if entries is None else entries
    words = tokens(text)
    out: list[str] = []
    i = 0
    while i < len(words):
        for size in range(min(MAX_PHRASE, len(words) - i), 0, -1):
            english = _lookup(entries, tuple(words[i : i + size]))
            if english is not None:
                out.append(english)
                i += size
                break
        else:
            out.append(words[i])
            i += 1
    reading = " ".join(out)
    return f"{reading}?" if "?" in text and reading else reading


def english_reading(text: str) -> str:
    """The question as the English article path reads it: its gloss when it reads as
    Spanish, else unchanged."""
    return gloss(text) if detect_language(text) == "es" else text
