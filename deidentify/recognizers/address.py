"""Street addresses and ZIP codes (geographic units smaller than a state)."""

from __future__ import annotations

from deidentify.recognizers._pattern import SpanPatternRecognizer

STREET_WORDS = """street st avenue ave road rd boulevard blvd lane ln drive dr court ct place pl
    terrace way circle cir highway hwy parkway pkwy square sq trail pike route rte close crescent
    alley plaza row loop path walk gardens heights hollow ridge mews turnpike expressway fwy
    freeway crossing junction estates manor strasse straße gatan vej katu rue""".split()
# Suffixes must be capitalised ("12 Clover St"): "100 st" or "3 WAY FOLEY" is not an address.
STREET = "(?-i:" + "|".join(w.title() for w in STREET_WORDS) + ")"
NOT_STOP = r"(?!(?:to|in|on|at|of|and|with|the|for|via|per)\b)"
# A capitalised word, or a lowercase street-type word used in European addresses.
NAME_WORD = r"(?:(?-i:[A-ZÀ-Þ][a-zß-ÿA-ZÀ-Þ'.-]*)|(?-i:gate|gata|gatan|utca|vej|veien|ulica|ul\.|rue|via|calle|de|la|del|van|der|von|am|an))"
UNIT = r"(?:\s*,?\s*(?:apt|apartment|suite|ste|unit|#|floor|fl|room|rm|box)\.?\s*#?\s*[a-z0-9-]+)?"


class StreetAddressRecognizer(SpanPatternRecognizer):
    """Return ADDRESS spans: "12 Clover St.", "6750 Koskikatu 25 Apt. 864", "PO Box 12".

    Shouted text (clinical notes in capitals) gives capitalisation no meaning, so only the
    labelled patterns count there."""
    ENTITY = "ADDRESS"
    PATTERNS = (
        ("number_street", rf"\b\d{{1,6}}[a-z]?\s+(?:{NOT_STOP}(?-i:[A-Z])[\w'.-]*[ \t]+){{1,3}}{STREET}\b\.?(?:\s+\d{{1,5}})?{UNIT}", 0.7),
        ("street_number", rf"\b(?-i:[A-Z])[\w'-]*(?:strasse|straße|gatan|gata|vej|katu|weg|gasse|straat|vägen|veien)\s+\d{{1,5}}[a-z]?\b{UNIT}", 0.6),
        ("street_first", r"\b(?:via|calle|rue|avenida|rua|ul\.)\s+(?:(?-i:[A-Z])[\w'-]*\s+){1,3}\d{1,5}[a-z]?\b", 0.6),
        # House number and street name in either order, as written across Europe:
        # "2224 Trenerys gate 232", "Hegedûs Gyula utca 76", "Pod Floriánem 1677".
        ("number_name_number", rf"\b\d{{1,6}}[ \t]+{NAME_WORD}(?:[ \t]+{NAME_WORD}){{0,3}}[ \t]+\d{{1,5}}[a-z]?\b", 0.6),
        ("name_number", rf"\b(?:address(?:\s+is)?:?|located\s+(?:at|on)|lives?\s+(?:at|on)|is\s+on)\s+(?P<phi>(?-i:[A-ZÀ-Þ][\w'.-]+)(?:[ \t]+{NAME_WORD}){{0,3}}[ \t]+\d{{1,5}}[a-z]?)\b", 0.55),
        ("unit", r"\b(?:apt|apartment|suite|ste)\.?\s*#?\s*\d{1,5}[a-z]?\b", 0.6),
        ("military", r"\b(?:(?:psc|unit|cmr)\s+\d{4},?\s+box\s+\d{4}|(?:apo|fpo|dpo)\s+(?:aa|ae|ap)\s+\d{5}|usns\s+(?-i:[A-Z])\w+)\b", 0.7),
        ("po_box", r"\b(?:p\.?\s*o\.?\s*box|post\s+office\s+box)\s*\d{1,6}\b", 0.8),
        ("lives_at", r"\b(?:live[sd]?|living|address\s+is|reside[sd]?|moved)\s+(?:at|on|in)\s+(?P<phi>\d{1,6}\s+(?-i:[A-Z])[\w'.-]+(?:\s+(?-i:[A-Z])[\w'.-]+){0,3})", 0.75),
    )
    CONTEXT = ("address", "live", "lives", "street", "apartment", "home")

    def keep(self, text: str, start: int, end: int) -> bool:
        letters = [c for c in text[start:end] if c.isalpha()]
        return not letters or not all(c.isupper() for c in letters) or "BOX" in text[start:end]


class ZipCodeRecognizer(SpanPatternRecognizer):
    """Return ZIP spans: ZIP+4, a 5-digit code after a state abbreviation or a ZIP label."""

    ENTITY = "ZIP"
    PATTERNS = (
        ("zip4", r"(?<![\d-])\d{5}-\d{4}(?![\d-])", 0.6),
        ("after_state", r"\b(?-i:A[KLRZ]|C[AOT]|D[CE]|FL|GA|HI|I[ADLN]|K[SY]|LA|M[ADEINOST]|N[CDEHJMVY]|O[HKR]|PA|RI|S[CD]|T[NX]|UT|V[AT]|W[AIVY])\.?,?\s+(?P<phi>\d{5})(?!\d)", 0.7),
        ("labelled", r"\b(?:zip|zip\s*code|postal\s+code|postcode)\s*(?:is|:|#)?\s*(?P<phi>\d{5}(?:-\d{4})?)\b", 0.85),
        ("trailing", r"(?<=[a-z])\s+(?P<phi>\d{5})\s*$", 0.4),
    )
    CONTEXT = ("zip", "postal", "address", "code")
