from __future__ import annotations

import os

import pytest

# No test may reach the network (tldextract, model downloads) or send usage statistics.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

from deidentify import Deidentifier, get_deidentifier


@pytest.fixture(scope="session")
def deid() -> Deidentifier:
    """The shared default Deidentifier (the spaCy pipeline loads once per test run)."""
    return get_deidentifier()


@pytest.fixture(scope="session")
def spans(deid: Deidentifier):
    """Return a function: text, entity type -> the substrings found with that type."""
    def find(text: str, entity_type: str) -> list[str]:
        return [text[f.start:f.end] for f in deid.analyze(text) if f.entity_type == entity_type]
    return find
