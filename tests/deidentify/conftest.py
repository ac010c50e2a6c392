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
    """The shared default Deidentifier, as chat runs it (rules, spaCy and the tagger)."""
    return get_deidentifier()


@pytest.fixture(scope="session")
def rules() -> Deidentifier:
    """The recognizers without the learned tagger (as clinical notes are read)."""
    return get_deidentifier(tagger=False)


@pytest.fixture(scope="session")
def spans(rules: Deidentifier):
    """Return a function: text, entity type -> the substrings the recognizers found with
    that type (the rule tables; the tagger has its own tests in test_tagger.py)."""
    def find(text: str, entity_type: str) -> list[str]:
        return [text[f.start:f.end] for f in rules.analyze(text) if f.entity_type == entity_type]
    return find
