from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("My SSN is 123-45-6789.", ["123-45-6789"]),
        ("social security number: 123456789", ["123456789"]),
        ("ssn 123 45 6789", ["123 45 6789"]),
    ],
)
def test_it_finds_ssns(spans, text: str, expected: list[str]) -> None:
    assert spans(text, "SSN") == expected


@pytest.mark.parametrize(
    "text",
    ["000-12-3456 is invalid", "BP 120/80", "Take 500 mg", "lab 12-34-5678-9"],
)
def test_it_ignores_non_ssns(spans, text: str) -> None:
    assert spans(text, "SSN") == []
