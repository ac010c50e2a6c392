from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I am 92 and live alone.", ["92"]),
        ("She is 93 years old.", ["93"]),
        ("93 yo female with CHF", ["93"]),
        ("My mom turned 101 last week.", ["101"]),
        ("Age: 95", ["95"]),
    ],
)
def test_it_finds_ages_over_89(spans, text: str, expected: list[str]) -> None:
    assert spans(text, "AGE") == expected


@pytest.mark.parametrize(
    "text",
    [
        "I am 45 years old.",
        "89 yo male",
        "I am 92% sure.",
        "Sats 95 on 2L.",
        "HR 98, temp 99.1.",
    ],
)
def test_it_leaves_ages_up_to_89_and_other_numbers(spans, text: str) -> None:
    assert spans(text, "AGE") == []
