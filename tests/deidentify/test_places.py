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
        # A country needs no preposition; a place cue makes any capitalised name a place.
        ("Estonia was super fun to visit!", ["Estonia"]),
        ("I'm Katie, originally from Mavčiče, and I'm 82.", ["Mavčiče"]),
        ("a design agency based in KURZENKIRCHEN.", ["KURZENKIRCHEN"]),
        ("I am in Hirvli for a business trip", ["Hirvli"]),
        ("She grew up in Ostrov nad Ohrí", ["Ostrov nad Ohrí"]),
        # In lowercase text only a cue and a listed town of some size count.
        ("we returned to kiel by helicopter.", ["kiel"]),
        ("I grew up in catonsville, then moved", ["catonsville"]),
        ("She grew up in the city of Brno", ["Brno"]),
        ("took a flight to Reykjavik on Monday", ["Reykjavik"]),
        # An unlisted name before a country, or before a state code that ends the address.
        ("We stayed near Zuoz, Switzerland for a week", ["Zuoz", "Switzerland"]),
        ("Mail goes to Smalltownia, PA 17201", ["Smalltownia"]),
        # A name in capitals after a place preposition in mixed-case text.
        ("The parcel is at KNIVSTA depot now", ["KNIVSTA"]),
        # Place-shaped names in no list: a town prefix and a first name, or a town suffix.
        ("Lake Tammy was lovely this time of year", ["Lake Tammy"]),
        ("they drove in from Port Michaelbury", ["Port Michaelbury"]),
        ("He lives near Jamesville now", ["Jamesville"]),
        ("her son is in Calvert this week", ["Calvert"]),  # a county
        ("to Port Paien to share the music", ["Port Paien"]),
        ("songwriters from around the world to Berggrenton", ["Berggrenton"]),
        ("the world to Pudičmouth to share", ["Pudičmouth"]),
        # "home city X", "Where: X"; a town on no list known by the country or postcode after it.
        ("the economy of the band's home city Villafranca del Cid: White", ["Villafranca del Cid"]),
        ("When: 2000-04-16 Where: UPTON SCUDAMORE Golf Club.", ["UPTON SCUDAMORE"]),
        ("When: 1971-09-07 Where: Erwetegem Golf Club.", ["Erwetegem"]),
        ("Przemek Kucharski  ALFRICK United Kingdom", ["ALFRICK United Kingdom"]),
        ("Maha Cazares\nChiclana de la Frontera Spain", ["Chiclana de la Frontera Spain"]),
        ("Przemek Kucharski\n\nALFRICK\nUnited Kingdom", ["ALFRICK\nUnited Kingdom"]),
        ("Looking to support Factset in Bjert 6091 in its mission.", ["Bjert"]),
        ("support MysticWeb in Quinta de São Tiago 3610-114 now", ["Quinta de São Tiago"]),
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
        "Turkey sandwich for lunch",
        "PLAN TO CHANGE DRESSING",
        "SBP SETTLED INTO THE 90- 110 RANGE.",
        "plan to change to PSV 10/5 after line placement",
        "2 U PRBCS IN RESERVE",
        "GI- TAKING SOME SANDWICH, LIX WITHOUT DIFFICULTY.",
        "I'm from Cardiology, calling about your results",
        "we moved to the new house in march",
        "I am in Pain for two days",
        "I am in pain and moved to tears",
        "PMH: CHF, CAD, CABGx4, RI, nephrectomy",
        "lipase 4318, LFTs WNL, CT showed",
        "I am in TERRIBLE pain since Monday",
        "it hurts in SEVERE waves",
        "Transferred to MICU from TELEMETRY for monitoring",
        "New Patient visit at 10",
        "PORT PLACEMENT TOMORROW",
        "Port Placement scheduled",
        "North Wing elevators are slow",
        "Jamesville is where? no idea",
        "cont on IV AB, New A.line placed.",
        "admitted in MICU 2345 today",
        "She is in Room 1021 now",
        "Heparin 5000 units in Lasix 4000",
        "Where: Conference room",
    ],
)
def test_it_ignores_place_names_without_evidence(spans, text: str) -> None:
    assert spans(text, "LOCATION") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT TRANSFERRED TO QUARTERMAIN 3 AT 1400. QUARTERMAIN3 RN AWARE.", ["QUARTERMAIN", "QUARTERMAIN"]),
        ("She lives in Catonsville; catonsville is close to her son.", ["Catonsville", "catonsville"]),
        # Ordinary words are not carried over from a place name.
        ("TAKEN TO UNION HOSPITAL. UNION REP CALLED.", ["UNION"]),
    ],
)
def test_it_finds_every_mention_of_a_known_place(spans, text: str, expected: list[str]) -> None:
    assert spans(text, "LOCATION") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A listed town right before a state name, in any case; a bracketed preposition.
        ("given a brief overview of this towson maryland's facility.", ["towson"]),
        ("family drove down from ellicott city maryland", ["ellicott city"]),
        ('DAUGHTER ("FROM MIAMI") AND SON IN TO VISIT', ["MIAMI"]),
    ],
)
def test_it_finds_towns_by_the_state_or_a_bracketed_preposition(spans, text: str, expected: list[str]) -> None:
    assert spans(text, "LOCATION") == expected


@pytest.mark.parametrize(
    "text",
    [
        "born in west virginia, raised in new jersey",
        "pt was dc in maryland, 2 hours away",
    ],
)
def test_it_ignores_states_alone(spans, text: str) -> None:
    assert spans(text, "LOCATION") == []
