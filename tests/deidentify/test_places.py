from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("daughter is flying in tomorrow from Rome.", ["Rome"]),
        ("DAUGHTER FROM ROME JUST CALLED", ["ROME"]),
        ("PHONE CALL WITH PT'S SON IN PIKESVILLE, THE DECISION", ["PIKESVILLE"]),
        ("Coden is a design agency based in NAANTALI.", ["NAANTALI"]),
        ("I moved to San Diego last year", ["San Diego"]),
    ],
)
def test_it_finds_places_with_evidence(spans, text: str, expected: list[str]) -> None:
    assert spans(text, "LOCATION") == expected


@pytest.mark.parametrize(
    "text",
    [
        "started propofol, reading a book in bath",
        "Reading is hard with my eyes.",
        "Mobile phone is off.",
        "Transferred to MICU from the floor.",
        "Bath at the bedside done.",
    ],
)
def test_it_ignores_place_names_without_evidence(spans, text: str) -> None:
    assert spans(text, "LOCATION") == []
