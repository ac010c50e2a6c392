"""Telephone, fax and pager numbers, with extensions."""

from __future__ import annotations

import re

from deidentify.recognizers._pattern import SpanPatternRecognizer

EXT = r"(?:\s*(?:x|ext\.?|extension)\s*\d{1,5})?"
LOCAL = re.compile(r"\d{3}-\d{4}")
# A range of readings written like a local number ("SVR 954-1183", "VT 800-1000").
READING_BEFORE = re.compile(r"\b(?:svr|pvr|vt|tv|stv|vte|tidal|volumes?|plt|plts|platelets|wbc)\b", re.I)


class TelephoneRecognizer(SpanPatternRecognizer):
    """Return PHONE spans: NANP numbers in common layouts, +country numbers, 7-digit local
    numbers, and short pager/beeper numbers when labelled."""

    ENTITY = "PHONE"
    PATTERNS = (
        ("nanp", rf"(?<![\w/.])(?<!\d-)(?:\+?1[\s.-]?)?(?:\(\d{{3}}\)|\d{{3}})[\s./-]{{0,2}}\d{{3}}[\s./-]{{0,2}}\d{{4}}{EXT}(?![\w/-])", 0.7),
        ("paren_run", r"\(\s*\d{6}\s*-\s*\d{4}\s*\)", 0.6),
        # A bracketed number in phone groups with a digit too many: "(301 273 45166)".
        ("paren_typo", r"\(\s*(?P<phi>\d{3}[ .-]\d{3}[ .-]\d{4,5})\s*\)", 0.55),
        ("intl", rf"(?<![\w])\+\d{{1,3}}[\s.-]?(?:\(?\d{{1,4}}\)?[\s.-]?){{2,4}}\d{{2,4}}(?!\w){EXT}", 0.6),
        ("local", rf"(?<![\w/.:-])[2-9]\d{{2}}-\d{{4}}(?![\w/-])(?!\s*(?:cc|ml|mg|mcg|units?|u|g|kcal|ft|feet|steps|lbs?)\b){EXT}", 0.5),
        ("labelled", r"\b(?:pager|beeper|page|bpr|pgr|pg|cell|home|work|tel|phone|ph|fax|mobile|call)\s*(?:#|no\.?|number|num)?[\s:#-]*(?P<phi>\d[\d\s-]{3,14}\d)\b", 0.7),
        # International layouts ("0699 868 88 55", "01.84.17.61.18"): weak alone, raised by
        # context words such as "call", "mobile", "fax".
        ("grouped", r"(?<![\w.,/+-])(?=[\d \t().+-]*(?:\d[ \t().+-]*){7})(?:\+\d{1,3}[\s.-]?)?(?:\(0?\d{1,4}\)[\s.-]?)?\d{2,5}(?:[ .-]\d{2,5}){0,4}[ .-]\d{2,8}(?![\w/]|[.,-]\d)", 0.3),
        # A number with its label after it, as contact cards write them: "082 490
        # 1693-Office", "28-64-66-98 office", "(37) 788-063-Office".
        ("label_after", r"(?<![\w./+-])(?P<phi>(?!(?:19|20)\d\d[ \t]*-[ \t]*(?:19|20)\d\d\b)(?=[\d \t().+-]*(?:\d[ \t().+-]*){7})\+?(?:\(\d{1,4}\)[ \t]?)?\d[\d \t.-]{4,18}\d)[ \t]*-?[ \t]*(?:office|fax|mobile|cell|home|work)\b", 0.6),
        ("reach_at", r"\b(?:call|calling|reach|text|ring|answering|contact|dial)(?:\s+(?:me|us|him|her|them))?\s+(?:at|on)\s+(?P<phi>\+?\(?\d[\d \t().-]{5,18}\d)(?![\w/])", 0.65),
        ("extension", r"\b(?P<phi>(?:x|ext\.?|extension)\s*\d{2,5})\b", 0.45),
    )
    CONTEXT = ("phone", "call", "cell", "tel", "telephone", "fax", "pager", "page", "reach",
               "number", "mobile", "home", "work", "contact", "ext", "text", "desk", "office",
               "messages", "registered", "dial", "whatsapp")

    def keep(self, text: str, start: int, end: int) -> bool:
        if LOCAL.fullmatch(text[start:end]):
            return not READING_BEFORE.search(text[max(0, start - 24):start])
        return True
