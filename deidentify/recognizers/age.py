"""Ages over 89: Safe Harbor lets ages up to 89 stay, and folds 90+ into one bucket.

Patients write ages in digits and in words, in English and Spanish ("i'm 92", "my mom is
ninety-three", "tiene noventa y dos años"), and imply them by a birth year ("born in 1931").
A number is only an age with an age cue beside it (a subject and "is/turned", or "years old"
/ "años" after it), so "waited ninety minutes" and "bp 95 over 60" stay.
"""

from __future__ import annotations

import datetime

from deidentify.recognizers._pattern import SpanPatternRecognizer

AGE = r"(?P<phi>(?:9\d|1[01]\d))"
UNITS = r"[ -](?:one|two|three|four|five|six|seven|eight|nine)"
UNIDADES = r"\s+y\s+(?:uno|un|dos|tres|cuatro|cinco|seis|siete|ocho|nueve)"
# 90-119 in words: "ninety", "ninety-two", "a hundred and one", "noventa y dos", "ciento uno".
WORDS = (rf"(?P<phi>ninety(?:{UNITS})?|(?:a|one)\s+hundred(?:\s+(?:and\s+)?(?:one|two|three|four|five|six|seven|eight|nine|ten|\w+teen))?"
         rf"|noventa(?:{UNIDADES})?|cien|ciento\s+(?:uno|un|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce|\w+))")
# Who the age is about, and the verb that states it.
SUBJECT = (r"(?:i\s+am|i'm|im|i’m|she\s+is|he\s+is|she's|he's|she’s|he’s|shes|hes|she|he|(?:who|that)\s+is|"
           r"(?:will|gonna)\s+be|"
           r"(?:mom|mother|dad|father|grandma|grandpa|grandmother|grandfather|husband|wife|aunt|"
           r"uncle|mama|papa|nana|granny|patient|pt)(?:'s|\s+is|\s+just)|turned|turning|turns|aged?|"
           r"(?:tiene|tengo|cumple|cumplió|cumplio|cumplí|de)(?:\s+ya)?)")
NOT_AMOUNT = (r"(?!\s*(?:%|lbs?|kg|mg|pounds|minutes|mins?|times|percent|degrees|f\b|bpm|over|/|"
              r"minutos|libras|grados|veces|hours|hrs|days|dollars|\$))")
YEARS_AFTER = r"\s*(?:-\s*)?(?:years?|yrs?|y/?o|yo|años|anos)\b(?:[\s-]*old)?"
# A birth year that makes the person 90 or over today.
OLDEST = datetime.date.today().year - 90
BIRTH_YEARS = "|".join(str(y) for y in range(1890, OLDEST + 1))


# "<someone> is 94 and ...": "is" and a number closed by a clause break, unless a reading
# comes first ("sugar is 95", "pulse is 92").
READINGS = (r"(?<!sugar )(?<!glucose )(?<!pulse )(?<!rate )(?<!oxygen )(?<!o2 )(?<!sats )(?<!temp )"
            r"(?<!temperature )(?<!weight )(?<!bp )(?<!level )(?<!reading )(?<!number )(?<!score )"
            r"(?<!sat )(?<!spo2 )(?<!a1c )(?<!heart )(?<!it )(?<!that )(?<!this )")
CLAUSE_END = r"(?=\s*(?:and\b|but\b|now\b|y\b|,|\.|;|!|$))"


class AgeOver89Recognizer(SpanPatternRecognizer):
    """Return AGE spans for ages 90-119 stated as ages, in digits or words, and for birth
    years that imply one."""

    ENTITY = "AGE"
    PATTERNS = (
        ("years_old", rf"\b{AGE}{YEARS_AFTER}", 0.85),
        ("i_am", rf"\b{SUBJECT}\s+{AGE}\b{NOT_AMOUNT}", 0.7),
        ("someone_is", rf"\b{READINGS}(?:is|es)\s+{AGE}{CLAUSE_END}", 0.6),
        ("someone_is_words", rf"\b{READINGS}(?:is|es)\s+{WORDS}\b{NOT_AMOUNT}", 0.65),
        ("age_label", rf"\b(?:age|edad)[:\s]+{AGE}\b", 0.8),
        ("words_years_old", rf"\b{WORDS}{YEARS_AFTER}", 0.85),
        ("words_i_am", rf"\b{SUBJECT}\s+{WORDS}\b{NOT_AMOUNT}", 0.7),
        ("born_in", rf"\b(?:born(?:\s+in)?|b\.|nacid[oa]\s+en|naci[oó]\s+en|nac[ií]\s+en)\s+(?P<phi>{BIRTH_YEARS})\b", 0.8),
        ("nonagenarian", r"\b(?P<phi>(?:nona|centen|supercenten)arian)\b", 0.6),
    )
    CONTEXT = ("age", "old", "years", "birthday", "años", "edad")
