"""Health-plan, insurance, member, account, policy and licence numbers (all need a label:
bare, these look like any other code)."""

from __future__ import annotations

from deidentify.recognizers._pattern import SpanPatternRecognizer

KIND = (r"(?:health\s*plan|insurance|medicare|medicaid|member(?:ship)?|subscriber|policy|group|"
        r"account|acct|beneficiary|claim|licen[cs]e|driver'?s?\s+licen[cs]e|dl|passport|certificate|"
        r"npi|dea|bank|routing|card|id|identification)")


# The other numbers patients copy from a letter, a label or a screen, in English and Spanish.
CHAT_KIND = (r"(?:statement|order|tracking|confirmation|case|rx|prescription|reference|ref|"
             r"placard|employee|grp|p[oó]liza|expediente|reclamo|miembro|seguro|"
             r"n[uú]mero\s+de\s+\w+)")


class AccountNumberRecognizer(SpanPatternRecognizer):
    """Return ACCOUNT spans: an alphanumeric ID (with at least two digits) after a label such
    as "member ID", "policy #", "account number", "licence no."."""

    ENTITY = "ACCOUNT"
    PATTERNS = (
        ("labelled", rf"\b{KIND}(?:\s+(?:id|number|no\.?|num|#))?\s*(?:is|was|:|#|=)?\s*[:#]?\s*(?P<phi>(?=[a-z0-9-]*\d[a-z0-9-]*\d)[a-z0-9][a-z0-9-]{{3,19}})\b", 0.75),
        ("chat_labelled", rf"\b{CHAT_KIND}(?:\s+(?:id|number|no\.?|num|#|code|c[oó]digo))?\s*(?:is|was|es|:|#|=)?\s*[:#]?\s*(?:es\s+)?(?P<phi>(?=[a-z0-9-]*\d[a-z0-9-]*\d)[a-z0-9][a-z0-9-]{{3,24}})\b", 0.7),
        ("card", r"(?<!\d)(?P<phi>\d{4}[- ]\d{4}[- ]\d{4}[- ]\d{1,7}|\d{15,16})(?!\d)", 0.6),
        # Card numbers run 12 to 19 digits (Maestro, Diners, long Visa); after a card label
        # any such run is one, Luhn-valid or not: "charge my credit card. Number is ...".
        ("card_labelled", r"\b(?:credit\s+card|debit\s+card|card\s+(?:number|no\.?|num|#)|cc)\b[^\d\n]{0,25}?(?<![\d.])(?P<phi>\d{12,19})(?![\d.])", 0.7),
        ("iban", r"\b(?P<phi>(?-i:[A-Z]{2})\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?)\b", 0.6),
    )
    CONTEXT = ("insurance", "member", "policy", "account", "plan", "licence", "license", "card")

    def validate_result(self, pattern_text: str) -> bool | None:
        # Ranges and dosages ("10-20", "500mg") are not IDs.
        return None if sum(c.isdigit() for c in pattern_text) >= 4 else False
