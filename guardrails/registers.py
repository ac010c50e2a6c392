"""The same message in another register: development groups for counterfactual
fairness, written by rule from our own held-out rows.

A patient's risk does not change with how they write, or with who they say they are.
The fairness suite (``guardrails/fairness/groups.jsonl``, frozen and never read here)
asks the rails for the same decision on standard English, limited-English phrasing,
texting shorthand and formal English, and on swaps of stated race, ethnicity, gender,
sexual orientation, religion, age, disability and insurance. That suite is a gate, so
nothing may be tuned on it. These functions write such variants of the held-out
writers' rows instead, by rule and deterministically for a seed, so that the rails'
sensitivity to register can be measured as often as needed:

- ``shorthand``: lowercase, no apostrophes, common texting abbreviations, no final stop;
- ``limited``: articles and some auxiliaries dropped, "he have", "no understand";
- ``formal``: shorthand spelled out, contractions expanded, sentences capitalised;
- ``identity``: a stated identity (one of the kinds above) said before or after the
  message.

    python -m guardrails.registers groups OUT
    python -m guardrails.fairness --groups OUT

The rules come from the issue's list of variant kinds and from how patients write in our
own training rows; nothing here was written from the fairness groups' texts. They are
crude next to a person's rewriting (a limited-English copy drops words; it does not
rephrase). Spanish rows get Spanish shorthand and identities (no limited or formal
rule). Copies of the training rows by these rules were tried as training data for the
heads (2026-12-05, twelfth session) and not kept: ``benchmarks/testsets/README.md``.
Plain Python, no Django.
"""

from __future__ import annotations

import json
import random
import re
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

KINDS = ("shorthand", "limited", "formal", "identity")

_WORD = re.compile(r"[A-Za-zÀ-ÿ']+|[^A-Za-zÀ-ÿ'\s]+|\s+")

# Texting shorthand, English: a phrase or word -> what patients type for it.
SHORTHAND_EN: tuple[tuple[str, str], ...] = (
    ("right now", "rn"),
    ("to be honest", "tbh"),
    ("i don't know", "idk"),
    ("i do not know", "idk"),
    ("by the way", "btw"),
    ("as soon as possible", "asap"),
    ("oh my god", "omg"),
    ("you", "u"),
    ("your", "ur"),
    ("you're", "ur"),
    ("are", "r"),
    ("please", "pls"),
    ("because", "bc"),
    ("really", "rly"),
    ("tonight", "tonite"),
    ("tomorrow", "tmrw"),
    ("about", "abt"),
    ("people", "ppl"),
    ("before", "b4"),
    ("with", "w"),
    ("without", "w/o"),
    ("thanks", "thx"),
    ("okay", "ok"),
    ("probably", "prob"),
    ("going to", "gonna"),
    ("want to", "wanna"),
    ("doctor", "dr"),
    ("medicine", "meds"),
    ("medication", "meds"),
    ("years old", "yo"),
    ("minutes", "mins"),
    ("hours", "hrs"),
    ("something", "smth"),
    ("though", "tho"),
)
SHORTHAND_ES: tuple[tuple[str, str], ...] = (
    ("porque", "xq"),
    ("por qué", "xq"),
    ("que", "q"),
    ("qué", "q"),
    ("por", "x"),
    ("también", "tmb"),
    ("también", "tb"),
    ("mucho", "mxo"),
    ("gracias", "grax"),
    ("de verdad", "dvd"),
    ("ahora", "ahorita"),
    ("doctor", "dr"),
    ("para", "pa"),
    ("está", "ta"),
    ("estoy", "toy"),
)
CONTRACTIONS: tuple[tuple[str, str], ...] = (
    ("can't", "cannot"),
    ("won't", "will not"),
    ("i'm", "I am"),
    ("don't", "do not"),
    ("doesn't", "does not"),
    ("didn't", "did not"),
    ("isn't", "is not"),
    ("aren't", "are not"),
    ("wasn't", "was not"),
    ("haven't", "have not"),
    ("hasn't", "has not"),
    ("couldn't", "could not"),
    ("shouldn't", "should not"),
    ("wouldn't", "would not"),
    ("it's", "it is"),
    ("he's", "he is"),
    ("she's", "she is"),
    ("that's", "that is"),
    ("there's", "there is"),
    ("i've", "I have"),
    ("i'll", "I will"),
    ("i'd", "I would"),
    ("you're", "you are"),
    ("they're", "they are"),
    ("we're", "we are"),
    ("gonna", "going to"),
    ("wanna", "want to"),
    ("gotta", "have to"),
)
# Texted spellings patients use without the apostrophe, spelled out in a formal copy.
_SPELLED = {
    "u": "you", "ur": "your", "r": "are", "pls": "please", "plz": "please", "bc": "because",
    "cuz": "because", "rn": "right now", "rly": "really", "tonite": "tonight", "tmrw": "tomorrow",
    "abt": "about", "ppl": "people", "b4": "before", "thx": "thanks", "idk": "I do not know",
    "tbh": "to be honest", "im": "I am", "dont": "do not", "cant": "cannot", "wont": "will not",
    "didnt": "did not", "doesnt": "does not", "isnt": "is not", "ive": "I have", "ill": "I will",
    "whats": "what is", "thats": "that is", "hes": "he is", "shes": "she is",
    "yo": "years old", "hrs": "hours", "mins": "minutes", "meds": "medicine", "w/": "with",
    "w/o": "without", "i": "I", "gonna": "going to", "wanna": "want to", "prob": "probably",
}
_ARTICLES = {"a", "an", "the"}
# Limited-English phrasing: words often left out, and verbs left in one form.
_DROPPED = {"is", "am", "are", "was", "do", "does", "did", "to"}
_BASE_FORM = {"has": "have", "doesn't": "no", "don't": "no", "didn't": "no", "isn't": "no", "can't": "no can"}

IDENTITY_EN: tuple[str, ...] = (
    # age
    "i'm 19", "I am 78 years old", "im 16", "I'm 45", "i am 67", "I'm a 30 year old",
    # race and ethnicity
    "i'm Black", "I am white", "im Latina", "I'm Hispanic", "I'm Asian American", "im Native American",
    "I am Vietnamese", "I'm Arab American", "i'm Mexican American", "I am Haitian",
    # gender
    "I'm a woman", "im a man", "i'm nonbinary", "I am a trans woman", "I'm a trans man",
    # sexual orientation
    "I'm gay", "i'm a lesbian", "im bisexual", "I'm straight", "my husband and I are both men",
    # religion
    "I'm Muslim", "i'm Christian", "I am Jewish", "im Hindu", "I'm Catholic", "I'm an atheist",
    # disability
    "I'm deaf", "i use a wheelchair", "I am blind", "I'm autistic", "i have a learning disability",
    # insurance
    "I'm on Medicaid", "i dont have insurance", "I have Medicare", "I have private insurance",
    "im uninsured", "I pay cash",
)
IDENTITY_ES: tuple[str, ...] = (
    "tengo 19 años", "tengo 78 años", "soy una mujer de 45", "soy negra", "soy latino", "soy indígena",
    "soy mujer", "soy hombre", "soy una mujer trans", "soy gay", "soy lesbiana", "soy musulmán",
    "soy católica", "soy evangélico", "soy sorda", "uso silla de ruedas", "soy ciego",
    "tengo Medicaid", "no tengo seguro", "tengo Medicare", "pago en efectivo",
)


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _replace_phrases(text: str, pairs: Sequence[tuple[str, str]], rng: random.Random, share: float) -> str:
    """Replace whole-word phrases (case-insensitive), each occurrence with probability
    ``share``."""
    for phrase, short in pairs:
        pattern = re.compile(rf"(?<![\w']){re.escape(phrase)}(?![\w'])", re.IGNORECASE)

        def swap(match: re.Match[str], short: str = short) -> str:
            return short if rng.random() < share else match.group(0)

        text = pattern.sub(swap, text)
    return text


def shorthand(text: str, lang: str, rng: random.Random) -> str:
    """Texting shorthand: lowercase, abbreviations, no apostrophes or final stop."""
    out = text.lower()
    out = _replace_phrases(out, SHORTHAND_ES if lang == "es" else SHORTHAND_EN, rng, 0.8)
    if lang == "es":
        out = _strip_accents(out).replace("¿", "").replace("¡", "")
    out = out.replace("'", "").replace("’", "")
    out = re.sub(r"[.]+(\s|$)", lambda m: " " if rng.random() < 0.7 else ". ", out)
    return " ".join(out.split())


def limited(text: str, lang: str, rng: random.Random) -> str:
    """Limited-English phrasing: articles and some auxiliaries left out, one verb form.
    Spanish rows come back unchanged (the rule is English's)."""
    if lang == "es":
        return text
    words = []
    for token in _WORD.findall(text):
        low = token.lower()
        if low in _ARTICLES and rng.random() < 0.8:
            continue
        if low in _DROPPED and rng.random() < 0.5:
            continue
        if low in _BASE_FORM:
            token = _BASE_FORM[low]
        words.append(token)
    out = "".join(words)
    out = re.sub(r"\b([Ii])'m\b", r"\1", out)
    return " ".join(out.split()).replace(" ,", ",").replace(" .", ".")


def formal(text: str, lang: str, rng: random.Random) -> str:
    """Formal English: shorthand spelled out, contractions expanded, capitals and stops.
    Spanish rows get capitals and stops only."""
    out = text
    if lang != "es":
        out = _replace_phrases(out, CONTRACTIONS, rng, 1.0)
        tokens = []
        for token in re.split(r"(\s+)", out):
            bare = token.strip(",.!?").lower()
            if bare in _SPELLED:
                token = token.lower().replace(bare, _SPELLED[bare], 1)
            tokens.append(token)
        out = "".join(tokens)
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(out.split()))
    out = " ".join(s[:1].upper() + s[1:] for s in sentences if s)
    if out and out[-1] not in ".!?":
        out += "."
    if lang != "es" and rng.random() < 0.3:
        out = rng.choice(("Hello. ", "Good morning. ", "Good afternoon. ")) + out
    return out


def identity(text: str, lang: str, rng: random.Random) -> str:
    """The message with a stated identity before or after it."""
    said = rng.choice(IDENTITY_ES if lang == "es" else IDENTITY_EN)
    if rng.random() < 0.5:
        return f"{said}. {text}"
    return f"{text.rstrip()} {'(' + said + ')' if rng.random() < 0.5 else said}"


RULES = {"shorthand": shorthand, "limited": limited, "formal": formal, "identity": identity}


def variant(text: str, lang: str, kind: str, rng: random.Random) -> str:
    """``text`` rewritten by the rule ``kind`` (one of ``KINDS``)."""
    return RULES[kind](text, lang, rng)


def copies(text: str, lang: str, rng: random.Random) -> list[tuple[str, str]]:
    """``(kind, text)`` for each rule that changes ``text``."""
    out = []
    for kind in KINDS:
        rewritten = variant(text, lang, kind, rng)
        if rewritten.strip() and rewritten != text:
            out.append((kind, rewritten))
    return out


def development_groups(rows: Sequence[dict[str, str]], seed: int = 0) -> list[dict[str, Any]]:
    """Groups in the fairness suite's file format from ``rows`` (``{"id", "text",
    "lang"}``): each row as written, and its copies by every rule (two identities)."""
    rng = random.Random(seed)
    groups = []
    for row in rows:
        text, lang = row["text"], row.get("lang", "en")
        variants = [{"variant": "as_written", "text": text}]
        variants += [{"variant": kind, "text": rewritten} for kind, rewritten in copies(text, lang, rng)]
        variants.append({"variant": "identity_2", "text": identity(text, lang, rng)})
        groups.append({"group": row["id"], "variants": variants})
    return groups


def main(argv: Sequence[str]) -> int:
    """``python -m guardrails.registers groups OUT``: development fairness groups from
    the held-out writers' rows (``classifier.VALIDATION``), for ``python -m
    guardrails.fairness --groups OUT``. Those rows choose the thresholds; the frozen
    ``groups.jsonl`` stays the test."""
    if len(argv) != 2 or argv[0] != "groups":
        print("usage: python -m guardrails.registers groups OUT", file=sys.stderr)
        return 2
    from guardrails.train_classifier import heldout_sets

    held = heldout_sets()  # the rows the thresholds step reads, in its order
    rows = [
        {"id": r["id"], "text": r["text"], "lang": r.get("lang", "en")}
        for head in ("self_harm", "emergency", "injection", "scope")
        for r in held[head][1]
    ]
    out = Path(argv[1])
    out.write_text("".join(json.dumps(g, ensure_ascii=False) + "\n" for g in development_groups(rows)))
    print(f"{len(rows)} groups written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
