from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MRN 12345678", ["12345678"]),
        ("MRN: 00123456", ["00123456"]),
        ("my record number 4455", ["4455"]),
        ("medical record # AB-123456", ["AB-123456"]),
        ("Chart no. 99887766", ["99887766"]),
        ("my hospital record is 4455667 in the chart", ["4455667"]),
    ],
)
def test_it_finds_record_numbers(spans, text: str, expected: list[str]) -> None:
    assert spans(text, "MRN") == expected


@pytest.mark.parametrize(
    "text",
    [
        "I walked 1500000 steps this year",
        "Took 500 mg",
        "BP 120/80, HR 88",
        "room 12",
        "WBC 12.3",
    ],
)
def test_it_ignores_other_numbers(spans, text: str) -> None:
    assert spans(text, "MRN") == []
