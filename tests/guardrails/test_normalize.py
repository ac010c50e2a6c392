from __future__ import annotations

import pytest

from guardrails.normalize import normalize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("k i l l m y s e l f", "kill myself"),
        ("I want to k1ll mys3lf", "i want to kill myself"),
        ("su1c1de", "suicide"),
        ("took an 0verdose", "took an overdose"),
        ("diiiiie", "die"),
        ("killlllll", "kill"),
        ("kіll myѕelf", "kill myself"),  # Cyrillic і and ѕ
        ("ki\u200bll my\u200dself", "kill myself"),  # zero-width characters
        ("Está muy mal", "esta muy mal"),
        ("k.i.l.l m.e", "kill me"),
        ("ｋｉｌｌ", "kill"),  # full-width, folded by NFKC
    ],
)
def test_it_folds_obfuscation(text: str, expected: str) -> None:
    assert normalize(text).text == expected


@pytest.mark.parametrize(
    "text",
    ["I take 40mg at 3am", "My A1C is 7.2 and B12 is low", "help! I need $5", "I a m fine"],
)
def test_it_keeps_numbers_units_and_medical_names(text: str) -> None:
    assert normalize(text).text == text.lower()


@pytest.mark.parametrize(
    ("text", "needle", "original"),
    [
        ("Please, k i l l me", "kill", "k i l l"),
        ("I want to k1ll mys3lf now", "kill myself", "k1ll mys3lf"),
        ("ki\u200bll", "kill", "ki\u200bll"),
        ("Sooo tired of diiiiie", "die", "diiiiie"),
    ],
)
def test_it_maps_spans_back_to_the_original(text: str, needle: str, original: str) -> None:
    norm = normalize(text)
    i = norm.text.index(needle)
    start, end = norm.to_original(i, i + len(needle))
    assert text[start:end] == original


def test_it_handles_empty_text() -> None:
    norm = normalize("")
    assert norm.text == ""
    assert norm.to_original(0, 0) == (0, 0)
