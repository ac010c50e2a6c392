from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("My member ID is XJH123456789.", ["XJH123456789"]),
        ("Policy # 88-1234-55", ["88-1234-55"]),
        ("insurance number: W12345678", ["W12345678"]),
        ("account number 000123456", ["000123456"]),
        ("driver's license D1234567", ["D1234567"]),
        ("card 4111 1111 1111 1111 was charged", ["4111 1111 1111 1111"]),
        ("Please charge my credit card. Number is 30288610434735", ["30288610434735"]),
        ("the last billed amount for cc 503802053770 on my e-mail", ["503802053770"]),
        ("What's your credit card? 4152488713445952355", ["4152488713445952355"]),
    ],
)
def test_it_finds_labelled_ids(spans, text: str, expected: list[str]) -> None:
    assert spans(text, "ACCOUNT") == expected


@pytest.mark.parametrize(
    "text",
    ["My insurance is good", "group therapy at 10", "card games help", "plan 500 mg daily",
     "gave 10 cc of saline at 1200", "credit card bill was 1200.50 dollars",
     "cc 250 given over 2 hours"],
)
def test_it_ignores_labels_without_ids(spans, text: str) -> None:
    assert spans(text, "ACCOUNT") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the statement # is ST-0093381", ["ST-0093381"]),
        ("mi número de miembro es MCL-55120877", ["MCL-55120877"]),
        ("order number ORD-558201 was lost", ["ORD-558201"]),
        ("the bottle says rx 0449123-08 lorazepam", ["0449123-08"]),
        ("¿aceptan la póliza AZ-55019327?", ["AZ-55019327"]),
    ],
)
def test_it_finds_numbers_patients_copy_from_letters(spans, text: str, expected: list[str]) -> None:
    assert spans(text, "ACCOUNT") == expected


@pytest.mark.parametrize("text", ["take rx 20 mg twice", "order 2 more boxes", "my chart says 5 mg"])
def test_it_leaves_doses_and_counts_after_those_labels(spans, text: str) -> None:
    assert spans(text, "ACCOUNT") == []
