from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("text", "entity", "expected"),
    [
        ("I live at 19 Clover St. in town", "ADDRESS", ["19 Clover St."]),
        ("Send it to 1600 Pennsylvania Avenue Apt 4", "ADDRESS", ["1600 Pennsylvania Avenue Apt 4"]),
        ("PO Box 1234", "ADDRESS", ["PO Box 1234"]),
        ("Boston, MA 02115", "ZIP", ["02115"]),
        ("zip code 90210", "ZIP", ["90210"]),
        ("mail goes to 12345-6789", "ZIP", ["12345-6789"]),
    ],
)
def test_it_finds_addresses_and_zips(spans, text: str, entity: str, expected: list[str]) -> None:
    assert spans(text, entity) == expected


@pytest.mark.parametrize(
    "text",
    [
        "placed 3 WAY FOLEY IN PLACE",
        "100 st elevation",
        "given via the ew for 1 hr",
        "took 20000 steps",
        "room 12 on the 2 floor",
    ],
)
def test_it_ignores_non_addresses(spans, text: str) -> None:
    assert spans(text, "ADDRESS") + spans(text, "ZIP") == []
