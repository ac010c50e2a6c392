"""Email addresses and URLs.

Presidio's built-ins validate domains with tldextract, which fetches the public suffix
list over the network on first use; these patterns need no network and no data files.
"""

from __future__ import annotations

from deidentify.recognizers._pattern import SpanPatternRecognizer

TLD = r"(?:[a-z]{2,24}|xn--[a-z0-9-]{2,59})"
HOST = rf"(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+{TLD}"
# Dosage-like "5.mg" or "v2.html"-free hosts: require a letter TLD from a common set for
# bare domains; with a scheme or "www." any TLD counts.
COMMON_TLDS = r"(?:com|org|net|edu|gov|io|co|us|uk|ca|au|de|fr|info|biz|me|health|care|app|ai|dev|nl|in|mil|int|eu|ly|tv)"


# A URL path, minus trailing punctuation that belongs to the sentence.
PATH = r"(?:[^\s<>\"')\]]*[^\s<>\"')\].,;:!?])?"


class EmailAddressRecognizer(SpanPatternRecognizer):
    """Return EMAIL spans (RFC-ish local part @ dotted host)."""

    ENTITY = "EMAIL"
    PATTERNS = (
        ("email", rf"(?<![\w.+-])[a-z0-9!#$%&'*+/=?^_`{{|}}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{{|}}~-]+)*@{HOST}\b", 0.9),
    )
    CONTEXT = ("email", "e-mail", "mail")


class WebAddressRecognizer(SpanPatternRecognizer):
    """Return URL spans: scheme or www. URLs, and bare domains with a common TLD."""

    ENTITY = "URL"
    PATTERNS = (
        ("scheme", rf"\b(?:https?|ftp)://{PATH}", 0.85),
        ("www", rf"\bwww\.{HOST}(?:[/?#]{PATH})?", 0.8),
        ("domain", rf"(?<![@\w.-])(?:[a-z0-9-]+\.)+{COMMON_TLDS}\b(?![.-]?\w)(?:/{PATH})?", 0.6),
    )
    CONTEXT = ("website", "site", "url", "link", "page", "blog")
