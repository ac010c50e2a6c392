"""Word lists the recognizers share: census names, and English words that are also names.

The census lists ship inside the `names` package as plain-text tables (``NAME freq cumfreq
rank``); they are read once, from the installed package, never downloaded.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from spacy.lang.en.stop_words import STOP_WORDS

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


def _read_census(filename: str) -> frozenset[str]:
    """Return the lowercased first column of one of the census tables in `names`."""
    text = resources.files("names").joinpath(filename).read_text(encoding="ascii")
    return frozenset(line.split()[0].lower() for line in text.splitlines() if line.strip())


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """Return male and female census first names (lowercase)."""
    return _read_census("dist.male.first") | _read_census("dist.female.first")


@lru_cache(maxsize=1)
def last_names() -> frozenset[str]:
    """Return census surnames (lowercase; about 89,000, many of them ordinary words)."""
    return _read_census("dist.all.last")


@lru_cache(maxsize=1)
def medical_terms() -> frozenset[str]:
    """Return drug names and clinical words (lowercase) from `medical_terms.WORDS`."""
    return frozenset(MEDICAL_WORDS)


def is_plain_word(word: str) -> bool:
    """Return True for words that must not count as a name on list membership alone."""
    low = word.lower()
    return low in COMMON_WORDS or low in CLINICAL_ABBREVIATIONS or low in medical_terms()
