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
        ("The address is 6750 Koskikatu 25 Apt. 864\nArtilleros\n, CO\n Uruguay 64677", "ADDRESS",
         ["6750 Koskikatu 25 Apt. 864\nArtilleros\n, CO\n Uruguay 64677"]),
        ("Ship to 12 Main Street\nSpringfield, IL 62704\nPhone: 555-1234", "ADDRESS",
         ["12 Main Street\nSpringfield, IL 62704"]),
        ("I live at 12 Clover St. She said hi.", "ADDRESS", ["12 Clover St."]),
        ("Meet me at Unit 7194 Box 5854\nDPO AE 73472", "ADDRESS", ["Unit 7194 Box 5854\nDPO AE 73472"]),
        ("it is the corner of Dalbraut 99 and Frederikke Coves", "ADDRESS",
         ["Dalbraut 99 and Frederikke Coves"]),
        ("send it to 3911 fourth avenue suite 112", "ADDRESS", ["3911 fourth avenue suite 112"]),
        ("ZIP: 3962", "ZIP", ["3962"]),
        ("London SW1A 1AA", "ZIP", ["SW1A 1AA"]),
        ("Ottawa, ON K1A 0B1", "ZIP", ["K1A 0B1"]),
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
        "we walked 2 blocks down the road",
        "PEEP 5 and 2 liters via nasal cannula",
        "PULM: NC 2.0 Sats 95%. Pt denies SOB.",
        "Vent settings A/C 750 Rate 10 Peep 7.5 FiO2 40%.",
        "PAPs about the same 20's/8 Wedge 13. Pt is negative",
    ],
)
def test_it_ignores_non_addresses(spans, text: str) -> None:
    assert spans(text, "ADDRESS") + spans(text, "ZIP") == []
