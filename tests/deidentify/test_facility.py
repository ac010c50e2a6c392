from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I was seen at Mass General last week.", ["Mass General"]),
        ("She was moved to St. Mary's yesterday.", ["St. Mary's"]),
        ("TAKEN TO UNION HOSPITAL WHERE EKG POS", ["UNION"]),
        ("transferred to GH for cath", ["GH"]),
        ("presented to holy cross hospital", ["holy cross"]),
        ("SEEN BY GBMC NURSE", ["GBMC"]),
        ("PT TRANSFERRED TO QUARTERMAIN 2", ["QUARTERMAIN"]),
        ("she lives in catonsville with her husband", ["catonsville"]),
        ("Harford Memorial called", ["Harford Memorial"]),
    ],
)
def test_it_finds_facilities_and_places(spans, text: str, expected: list[str]) -> None:
    assert spans(text, "LOCATION") == expected


@pytest.mark.parametrize(
    "text",
    [
        "transferred to MICU for monitoring",
        "will d/c to rehab soon",
        "Remains on Levo and Ceftaz.",
        "SR TO ST WITH PVCS",
        "Cont to assess mental status.",
        "received general anesthesia",
        "on MSO4 2 mg",
        "I am in room 12.",
        "Sedated and following commands on 40ug of Propofol.",
        "Arrived on 3 gtts of Nitro, BP 150-160/70.",
    ],
)
def test_it_ignores_units_drugs_and_verbs(spans, text: str) -> None:
    assert spans(text, "LOCATION") == []
