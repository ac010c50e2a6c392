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
        # Street type before the name, or as a word of its own after it.
        ("Verda lives on 33 avenue de Provence street.", "ADDRESS", ["33 avenue de Provence"]),
        ("It's in 479 95 Avenue des Tuileries Apt. 892", "ADDRESS", ["479 95 Avenue des Tuileries Apt. 892"]),
        ("The office is at Király u. 15.", "ADDRESS", ["Király u. 15"]),
        ("6614 Luite tee 87", "ADDRESS", ["6614 Luite tee 87"]),
        ("The bus drops you off at 077 Příční 1429 St.", "ADDRESS", ["077 Příční 1429 St."]),
        ("Sandra lives on Hansinegata 120 street.", "ADDRESS", ["Hansinegata 120"]),
        ("641 Dašická 688, Turkovice", "ADDRESS", ["641 Dašická 688, Turkovice"]),
        ("She grew up on Berg Hills Street in the city", "ADDRESS", ["Berg Hills Street"]),
        # The town and postcode line keeps its postcode before a sentence goes on; a bullet
        # before each line and a lowercase region code before the postcode stay inside.
        ("Meet at Tungata 11\n Höfn\n Iceland 72399 after the concert.", "ADDRESS",
         ["Tungata 11\n Höfn\n Iceland 72399"]),
        ("• 83854 Strickstrasse 61\n• Suite 292\n• Zuoz\n• Switzerland 53730", "ADDRESS",
         ["83854 Strickstrasse 61\n• Suite 292\n• Zuoz\n• Switzerland 53730"]),
        ("Send it to 103 Cassidy Street\nGdańsk, pm 84968 please", "ADDRESS",
         ["103 Cassidy Street\nGdańsk, pm 84968"]),
        ("Please return to 12 Main Street\nSpringfield, PA 39551 if lost", "ADDRESS",
         ["12 Main Street\nSpringfield, PA 39551"]),
        ("Send to 903 83 Dora Creek Apt. 176\nSCHEIBBS, NO 14908, and thanks", "ADDRESS",
         ["903 83 Dora Creek Apt. 176\nSCHEIBBS, NO 14908"]),
        ("billing address: 420 Gairbekov Rapids", "ADDRESS", ["420 Gairbekov Rapids"]),
        ("and Ilmalankuja 82 Zachary Cliffs\n PORI\n Finland 87971", "ADDRESS",
         ["Ilmalankuja 82 Zachary Cliffs\n PORI\n Finland 87971"]),
        ("4596 Tylova 285\n Ostrov nad Ohrí\n Czech Republic 56655", "ADDRESS",
         ["4596 Tylova 285\n Ostrov nad Ohrí\n Czech Republic 56655"]),
        ("The title refers to C/ Señores Curas 88 street", "ADDRESS", ["C/ Señores Curas 88"]),
        ("Thursday 12 Main Street works", "ADDRESS", ["12 Main Street"]),
        ("Ship to 12 Main Street\nspringfield, il 62704\nPhone: 555-1234", "ADDRESS",
         ["12 Main Street\nspringfield, il 62704"]),
        # Messages typed all in lowercase.
        ("i live at 12 clover st, springfield", "ADDRESS", ["12 clover st, springfield"]),
        ("the bus drops you off at 74678 midtvollen 130 st.", "ADDRESS", ["74678 midtvollen 130 st."]),
        ("pedestrians must enter on hegyalja út 98. st. today", "ADDRESS", ["hegyalja út 98"]),
        ("Send it to 123 Smith Knolls Suite 456\nLake Tammy, NV 12345 thanks", "ADDRESS",
         ["123 Smith Knolls Suite 456\nLake Tammy, NV 12345"]),
        # Postcodes after a listed town, state or country, and labelled foreign formats.
        ("Springfield, 62704", "ZIP", ["62704"]),
        ("Baltimore, Maryland 21201", "ZIP", ["21201"]),
        ("Zuoz\nSwitzerland 5373", "ZIP", ["5373"]),
        ("ZIP: 75534-030", "ZIP", ["75534-030"]),
        ("ZIP: 7412 SL", "ZIP", ["7412 SL"]),
        ("my zip code for the office is 02115", "ZIP", ["02115"]),
        ("I live in 02115 now", "ZIP", ["02115"]),
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
        "see Guilty Pleasures: 5 Musicians Of The 70s You're Supposed To Hate",
        "type 2 AV block noted",
        "Departure gate 12 is closed",
        "given 2 doses via PEG tube",
        "we walked on the street for 20 minutes",
        "Seen in Clinic 4 today",
        "Heparin 25000 units per hour",
        "PLT 150000 this morning",
        "NPO POST 2400; FOR CONSIDERATION FOR TEE",
        "Rome 2000 years ago was bigger",
        "Boston 12000 mg",
        "Reading 12345 is the lot number",
        "CVP monitor via TLC 11- 14. goal 14-16",
        "s/p 1 Ground Level Fall at home",
        "wbc went from 10000 to 12000",
        "Admitted 2 January 2020.",
        "1 mm st depression in v4",
        "pt has 2 mm st elevation, given 3 doses",
        "lead 2 st elev noted",
        "Chest pain, 2 mm st elevation in II",
        "she lives in 10000 square feet",
    ],
)
def test_it_ignores_non_addresses(spans, text: str) -> None:
    assert spans(text, "ADDRESS") + spans(text, "ZIP") == []
