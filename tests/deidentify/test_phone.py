from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Call me at 617-555-0134.", ["617-555-0134"]),
        ("Office (617) 555-0134 x123", ["(617) 555-0134 x123"]),
        ("Cell 410 422 6213 please", ["410 422 6213"]),
        ("Fax: 617.555.0199", ["617.555.0199"]),
        ("Pager: #54321", ["54321"]),
        ("his wife (201/324/1423) confirms", ["201/324/1423"]),
        ("reach me at +44 20 7946 0958", ["+44 20 7946 0958"]),
        ("Dial 555-0134 ext. 45", ["555-0134 ext. 45"]),
        ("Please call me at 0699 868 88 55 tomorrow", ["0699 868 88 55"]),
        ("They're not answering at 71-33-52-22", ["71-33-52-22"]),
        ("son and grandson both visited today.(301 273 45166) both", ["301 273 45166"]),
        # A label after the number, as on contact cards; a long local part.
        ("Hungary 34796\n(37) 788-063-Office\\,07700 063 966-Fax", ["(37) 788-063", "07700 063 966"]),
        ("Nicosia\n28-64-66-98 office\n930.167.3943 fax", ["28-64-66-98", "930.167.3943"]),
        ("no message on my registered 0961-7596216. Could you", ["0961-7596216"]),
    ],
)
def test_it_finds_phone_numbers(spans, text: str, expected: list[str]) -> None:
    assert spans(text, "PHONE") == expected


@pytest.mark.parametrize(
    "text",
    [
        "BP 120/80, HR 88",
        "Take 500 mg every 8 hours.",
        "Drew 1000 ml at 12:30.",
        "A1c 7.2, K 4.1",
        "Gave 800-1000 cc today.",
        "call me at 5 pm",
        "CO/CI 4.6-5.2/2.45-2.77 SVR 954-1183; RECEIVED KCL",
        "Tidal volumes 950-1000. Pt is being medicated",
        "changed over to PS 18 with VT 900-1500 rr 24.",
        "abg (7.40 35 64) on 40%",
        "vitals (120 80 100 98.6)",
        "walked 12 - 14 blocks home",
        "gave 1000 - 2000 ml at home",
        "BP 120/80 at home, 130/85 at work",
    ],
)
def test_it_ignores_other_numbers(spans, text: str) -> None:
    assert spans(text, "PHONE") == []
