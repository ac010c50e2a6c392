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
        ("PT ADMITTED FROM UNIVERSITY OF MARYLAND MEDICAL YESTERDAY", ["UNIVERSITY OF MARYLAND"]),
        ("Pt admitted to U Maryland ER w/ ant ST elevations", ["U Maryland"]),
        ("TO GO TO ST. MARY ON TUESDAY", ["ST. MARY"]),
        ("PATIENT PRESENTED TO U OF MD MED CENTER ON 9/14", ["U OF MD"]),
        ("Pt accepted in transfer from Holy Cross Hospital. Pt lethargic", ["Holy Cross"]),
        ("an orchestra serving Southern Italy", ["Italy"]),
        # Care homes and emergency rooms named after a place; employers.
        ("ADMITTED TO THE ED FROM THE KEELEY HOUSE AFTER A FALL", ["KEELEY"]),
        ("she arrived via amb from kernan ew for further eval", ["kernan"]),
        ("HUSBAND CEO OF IBM. SMOKER", ["IBM"]),
        ("he works for Genentech and travels a lot", ["Genentech"]),
        ("concerned about his business Genentech", ["Genentech"]),
        ("the invoice from Kline Brothers Inc. arrived", ["Kline Brothers"]),
        ("58 YR OLD ADMITTED TO CALVERT HOSPIATAL P FALL", ["CALVERT"]),  # misspelt head
        ("ADMITTED TO QUARTERMAIN 3. RO W NEG CK", ["QUARTERMAIN"]),
        ("RN @ Quartermain 3 aware", ["Quartermain"]),
        ("care was changed to Holy Cross Hospital last week", ["Holy Cross"]),
        # A ward name no vocabulary knows, with a number, after "to"; a town before "rehab".
        ("dispo: full code. poss transfer to quartermain 2/3. plan picc", ["quartermain"]),
        ("Cardiac arrest called To quartermain 6 At 0455.", ["quartermain"]),
        ("PT IS 80 YO WOMAN ADMITTED TO QUARTERMAIN7 W/ CHF", ["QUARTERMAIN"]),
        ("pt transferred to 209 quartermain.", ["quartermain"]),
        ("presented from baltimore rehab with sob", ["baltimore"]),
        ("PT is a 78 yr old female admit from BALTMORE rehab, where she was", ["BALTMORE"]),
        ("pt transferred via ambulance to kessler-adventist rehab facility", ["kessler-adventist"]),
        ("Sister is health care proxy - Marcela Carlson who lives in DC.", ["DC"]),
        # Chat, lowercase saints' names after a preposition.
        ("my daughter took me to saint joseph's", ["saint joseph's"]),
        ("we went to st judes last night", ["st judes"]),
        ("fui al san rafael ayer", ["san rafael"]),
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
        # A verb or a unit before the head is not a name; ward numbers stand alone.
        "PT AWAITING REHAB PLACEMENT",
        "IF PULLS THROUGH WILL REQUIRE REHAB",
        "Wife in hospital throughout the day",
        "PATIENT SCREENED BY REHAB AND SHOULD LEAVE",
        "TO RECEIVE 2 MORE UNITS THIS AM",
        "ON HEPARIN 3/9 NITES/DAYS",
        "stable hemodynamics on dopa 8mcq",
        "SATS MID TO UPPER 90'S",
        "placed on pcv 14, peep10",
        "HR 90'S ST. REMAINS ON IABP",
        "DUE TO STAGE 2-3 ULCER",
        "thank u of course",
        "WILL F/U IN NEXT 1-2 DAYS",
        "NO SIGN CHG IN RESP STATUS. HOUSE STAFF NOTIFIED",
        "SEEN IN THE ER LAST NIGHT",
        "went to the local ER",
        "she works for the hospital",
        "Order, Border and Entertainment",
        "PRIOR HOSPITALIZATION IN 2010",
        "The Support Group meets Tuesday",
        "heading back to Work after lunch",
        "dose given @ rate 5 ml/hr",
        "Inc. 5 reported",
        # Drugs, units, misspellings and counts after "to" with a number; rehab kinds.
        "To recieve 50mg this morning",
        "lungs cta to rhonci 40%/600/16",
        "GU: OOB to commodex3 voiding",
        "tube pulled back to 21 lipps.",
        "secondary to 2 duodional ulcers",
        "admitted to hosp 7/6 with SOB",
        "transferred to tsicu 2 days ago",
        "weaned to levophed 2 mcg",
        "changed to cpap 5/5",
        "pt sent to cardiopulm rehab",
        "will go to acute rehab",
        "pt will dc to rehab in am",
        "I was switched to Eliquis 5 twice a day",
        "increased to Entresto 2 tabs, changed to jardiance 10 daily",
        "continue on Xarelto 20 with dinner",
        "she takes Brilinta 90 twice a day",
    ],
)
def test_it_ignores_units_drugs_and_verbs(spans, text: str) -> None:
    assert spans(text, "LOCATION") == []
