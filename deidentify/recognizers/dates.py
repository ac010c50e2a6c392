"""Dates (all elements but a bare year are Safe Harbor identifiers) and years in history."""

from __future__ import annotations

import re

from deidentify.recognizers._pattern import SpanPatternRecognizer

MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
         r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
YEAR = r"(?:19|20)\d{2}"
# A clock time written right after a date belongs to it ("2003-08-28 12:13:52", "Jan 5 at 3pm").
TIME = r"(?:,?(?:[ T]|\s+at\s+)(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?:\s?[ap]\.?m\.?)?\b)?"
WEEKDAY = r"(?:(?:mon|tue|tues|wed|wednes|thu|thur|thurs|fri|sat|satur|sun)(?:day)?\.?,?\s+(?:the\s+)?)?"
# A month on its own ("in sept.", "since October"); "may" and "march" are too often verbs.
LONE_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|apr(?:il)?|june|july|aug(?:ust)?|sept?(?:ember)?"
              r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
# Units and scales after "a/b" or a four-digit number mean a dose, ratio or time, not a date.
NOT_UNIT = r"(?!\s*(?:%|cc|ml|mg|mcg|g\b|kg|units?|u\b|hrs?\b|h\b|am\b|pm\b|kcal|cal\b|lbs?\b|mmhg|/))"
NOT_DOSE = r"(?!\s*(?:%|cc|ml|mg|mcg|g\b|kg|units?|u\b|kcal|lbs?\b|mmhg|cm|mm|tabs?\b|strength))"
# Words before "a/b" that make it a setting, scale or fraction rather than a date.
NOT_DATE_BEFORE = frozenset("""ps peep cpap bipap psv ac simv imv vent strength strengths motor grip
    mae pain cmh2o x rate ratio only fio2 bp nbp abp sbp cx perrla ci""".split())
VENT = re.compile(r"\b(?:psv?|peep|c-?pap|bi-?pap|vent|simv|imv|flowby|settings|fio2|a/?c|ps/peep|peep/ps)\b", re.I)
# Weaning talk around a pressure-support/PEEP pair ("trialed on 5/5", "wean down to 10/5");
# only pairs that look like settings (multiples of 5 over 0, 5, 8 or 10), since the same
# notes date their events ("extubated 7/17").
WEANING = re.compile(r"\b(?:wean(?:ing|ed)?|trial(?:ed)?|tried|extubat\w*|ventilat\w*|abgs?|resp|pulm)\b", re.I)
SETTING_PAIR = re.compile(r"(?:5|10|15|20)/(?:0|5|8|10)")
# Words near "x/10" that make it a pain score ("c/o CP, 5/10", "severe 10/10 angina").
PAIN = re.compile(r"pain|\b(?:cp|angina|discomfort|ha|headache)\b", re.I)
# Words after "a/b" that make it a count of culture bottles, not a date ("2/4 bottles").
NOT_DATE_AFTER = re.compile(r"\s*(?:bottles?|bl|bld|blood|cx)\b", re.I)
# A four-digit number after these is a clock time ("approx 1900", "till 2030").
TIME_BEFORE = frozenset("approx approximately till til around due".split())
# A four-digit number after a lab name is its value ("+MI ck 2000", "BNP 1950").
LAB_BEFORE = frozenset("ck cpk bnp ldh plt plts wbc glucose fs fsbs bs trop amylase lipase".split())
# "co/ci 4-6/2-4", "5-6/3-4": ranges of readings joined by slashes.
RANGE_RATIO = re.compile(r"\d-$")
FRACTIONS = frozenset("1/2 1/3 2/3 1/4 3/4 1/8 1/5".split())
# Verbs that date what they report ("PICC placed in R AC 11/17", "extubate 3/11"): a few
# words after them a/b is a date even where ventilator words ("AC", "vent") are near.
EVENT_VERBS = frozenset("""placed dated inserted started extubate extubated intubated removed
    changed pulled drawn""".split())
# Words before a/b that are ambiguous: "R AC" is the antecubital fossa as well as assist
# control, "cx" a culture whose date follows as well as a count of bottles ("cx 2/4").
AMBIGUOUS_BEFORE = frozenset("ac cx".split())
# Procedures a shorthand history dates with a two-digit year before or after them
# ("09 PTCA to LCX", "13 stent", "NQWMI 13.").
PROCEDURES = r"(?:ptca|pci|stent(?:s|ed)?|cabg|avr|mvr|ppm|aicd|cath)"


class DatesRecognizer(SpanPatternRecognizer):
    """Return DATE spans: numeric and ISO dates, written dates, ordinals and history years."""

    ENTITY = "DATE"
    PATTERNS = (
        ("numeric", rf"(?<![\d/])(?<!\d\.)(?:1[0-2]|0?[1-9])/(?:[12]\d|3[01]|0?[1-9])(?:/(?:{YEAR}|\d{{2}})|\.\d{{2}}(?=\s|$))?(?![\d/])(?!\.\d(?!\d\b)){NOT_DOSE}", 0.6),
        ("dashed", rf"(?<![\d-])(?:1[0-2]|0?[1-9])-(?:[12]\d|3[01]|0?[1-9])-(?:{YEAR}|\d{{2}})(?![\d-]){TIME}", 0.7),
        ("month_year", rf"(?<![\d/])(?<!\d\.)(?:1[0-2]|0?[1-9])/(?:3[2-9]|[4-9]\d|{YEAR})(?![\d/]){NOT_DOSE}", 0.55),
        ("iso", rf"\b{YEAR}[-/.](?:1[0-2]|0?[1-9])[-/.](?:[12]\d|3[01]|0?[1-9])\b{TIME}", 0.85),
        ("dotted", rf"\b(?:[12]\d|3[01]|0?[1-9])\.(?:1[0-2]|0?[1-9])\.(?:{YEAR}|\d{{2}})\b", 0.7),
        # Month first, as US patients write it: "3.14.25", "03.14.2025".
        ("us_dotted", rf"(?<![\d.])(?:1[0-2]|0?[1-9])\.(?:[12]\d|3[01]|0?[1-9])\.(?:{YEAR}|\d{{2}})(?![\d.]\d)", 0.65),
        ("month_day", rf"\b{WEEKDAY}{MONTH}\s+{DAY}\b(?:,?\s+{YEAR}\b)?{TIME}", 0.75),
        ("day_month", rf"\b{WEEKDAY}{DAY}\s+(?:of\s+)?{MONTH}(?:,?\s+{YEAR}\b)?(?![a-z]){TIME}", 0.75),
        ("lone_month", rf"\b(?:in|since|until|during|of|last|early|late|mid|from|by)\s+(?P<phi>{LONE_MONTH})\b\.?", 0.6),
        ("month_year", rf"\b{MONTH},?\s+{YEAR}\b", 0.75),
        # "March of 1993": the month and the year (found on its own) but not the "of".
        ("month_of_year", rf"\b(?P<phi>{MONTH}),?\s+of\s+{YEAR}\b", 0.75),
        ("ordinal", r"\b(?:on|the|by|since|until)\s+(?:the\s+)?(?P<phi>(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th))\b(?!\s*(?:degree|time|dose|attempt|day|week|month|year|floor|line|trimester|grade|try|step|set|unit|ventricle|cpap|bipap|trial|round|episode))", 0.6),
        ("year", rf"(?<![@\d/.:-])(?<!at )(?<!@ )\b(?P<phi>{YEAR})\b(?![-/:]\d){NOT_UNIT}", 0.55),
        ("apostrophe_year", r"(?<![\d'])'(?P<phi>\d{2})\b(?!\s*(?:s\b|%|'))", 0.6),
        # Shorthand histories write the apostrophe after the year: "CVA 74'.", "resection 62'".
        ("year_apostrophe", r"(?-i:(?<=[A-Z]{3} )(?<!HOB )(?P<phi>\d{2})'(?=[\s.,;)]|$))", 0.55),
        ("history_year", r"\b(?:s/p|(?:nqw|nq|nste|ste|a|i|l)?mi|cabg(?:\s*x\s*\d)?|redo|avr|mvr|ptca|pci|stent|ppm|aicd|cva|tia|chole|appy|dx|diagnosed|smoking|quit|since)\s+'?(?P<phi>(?:19|20)?\d{2})\b(?![./:]\d)" + NOT_UNIT, 0.55),
        # A history line that starts with a two-digit year: "NIDDM. 09 PTCA to LCX. 13 stent".
        ("year_before_procedure", rf"(?:^|[.;:,]\s+|\n\s*)(?P<phi>\d{{2}})\s+{PROCEDURES}\b", 0.55),
        # Two dates written as one run: "TREATMENTS 10/03/10/04".
        ("date_pair", r"(?<![\d/.])(?:1[0-2]|0[1-9])/(?:[12]\d|3[01]|0[1-9])/(?:1[0-2]|0[1-9])/(?:[12]\d|3[01]|0[1-9])(?![\d/])", 0.6),
    )
    CONTEXT = ("born", "dob", "birth", "birthday", "date", "admitted", "discharged", "on", "since", "in")

    def keep(self, text: str, start: int, end: int) -> bool:
        value = text[start:end]
        if re.fullmatch(YEAR, value):
            return self._year(text, start, end)
        if "/" not in value:
            return True
        if RANGE_RATIO.search(text[max(0, start - 2):start]) and re.match(r"-\d", text[end:end + 2]):
            return False  # "co/ci 4-6/2-4": the middle of two ranges, not a date
        if NOT_DATE_AFTER.match(text, end):
            return False
        if value in FRACTIONS:
            return False
        before = re.findall(r"[a-z0-9]+", text[max(0, start - 16):start].lower())
        after = text[end:end + 8].lower().lstrip()
        if text.startswith("'s", end) or text[start - 1:start] == "'":
            return False  # "bp 120-140'2/70's": readings in the 70s
        if before and before[-1] in AMBIGUOUS_BEFORE:
            return _event_date(text, start, value) or (
                before[-1] == "cx" and int(value.split("/")[1][:2].rstrip(".")) > 6)
        # "pain 8/10", "PS 10/5", "strength 5/5": a scale or setting, not a date.
        # Ventilator settings ("PSV 10/5", "CPAP 5/5", "flowby 6/2") read like dates; a
        # placement date ("vent via trach (placed 8/14)") is still a date.
        if "/" in value and len(value) <= 5 and (VENT.search(text[max(0, start - 30):end + 15]) or (
                SETTING_PAIR.fullmatch(value) and WEANING.search(text[max(0, start - 30):end + 25]))) and not (
                _event_date(text, start, value)):
            return False
        return not ((before and before[-1] in NOT_DATE_BEFORE) or after.startswith("pain")
                    or (value.endswith("/10") and re.match(r"cp\b", after) is not None)
                    or (value.endswith("/10") and PAIN.search(text[max(0, start - 30):end + 12]) is not None))

    @staticmethod
    def _year(text: str, start: int, end: int) -> bool:
        """Return False for a clock time written like a year ("approx 1900", "~ 1930",
        "from 2000 to 2400")."""
        before = text[max(0, start - 16):start].lower().split()
        if text[:start].rstrip().endswith("~") or (before and before[-1] in TIME_BEFORE | LAB_BEFORE):
            return False
        later = re.match(r"\s*(?:to|-|>>?)\s*(\d{4})\b", text[end:end + 12])
        return not (later and not re.fullmatch(YEAR, later.group(1)))


def _event_date(text: str, start: int, value: str) -> bool:
    """Return True when an event verb comes a few words before a/b in the same clause, with
    no "on"/"to" after it that would make a/b a setting ("placed on 5/5", "changed to 10/5")."""
    clause = re.split(r"[.;:!?\n]", text[max(0, start - 32):start])[-1].lower()
    words = re.findall(r"[a-z0-9]+", clause)[-4:]
    for i, word in enumerate(words):
        if word in EVENT_VERBS:
            return not SETTING_PAIR.fullmatch(value) and not {"on", "to"} & set(words[i + 1:])
    return False
