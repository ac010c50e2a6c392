from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I was born on 01/02/1950.", ["01/02/1950"]),
        ("Surgery was 2020-01-02.", ["2020-01-02"]),
        ("See you Jan 2nd!", ["Jan 2nd"]),
        ("Admitted 2 January 2020.", ["2 January 2020"]),
        ("Follow-up on 3/14.", ["3/14"]),
        ("My appointment is March 3rd, 2024.", ["March 3rd, 2024"]),
        ("It started on the 5th.", ["5th"]),
        ("S/P MI 1992; LCX PTCA", ["1992"]),
        ("pmh: cad s/p cabg '84", ["84"]),
        ("fx 5/97, doing better", ["5/97"]),
        ("Transferred 8/19/20 am.", ["8/19/20"]),
        ("Date: 2003-08-28 12:13:52", ["2003-08-28 12:13:52"]),
        ("Seen Monday, March 3rd at 3:15 pm.", ["Monday, March 3rd at 3:15 pm"]),
        ("admitted to GH in sept. and sent home", ["sept"]),
        ("CVA 74'. CHOLECYSTECTOMY 77'.", ["74", "77"]),
        ("prostate CA'88, GERD", ["88"]),
        ("MECH VENT VIA TRACH (PLACED 8/14).", ["8/14"]),
        ("Pt extubated 7/17. Over past few days", ["7/17"]),
        ("10/16 CXR-R&LLL INFILTRATES.", ["10/16"]),
        ("Wean to extubate 9/30 if stable.", ["9/30"]),
        ("Seen 11/21.93 in clinic", ["11/21.93"]),
        ("Smoker, quit in 1990 to 1995.", ["1990", "1995"]),
        # Dates next to ventilator or culture words, when an event or the day says so.
        ("LINES: PICC PLACED IN R AC 11/17, ART LINE", ["11/17"]),
        ("wean from vent and extubate 3/11. Continue", ["3/11"]),
        ("If spikes again will need cx, last cx 3/23 in am.", ["3/23"]),
        ("HAD TREATMENTS 10/03/10/04 AND DUE FOR XRT", ["10/03/10/04"]),
        # Two-digit years in shorthand histories.
        ("PMH: CAD: NQWMI 13. HTN. EF 50%.", ["13"]),
        ("Recently diagnosed NIDDM. 09 PTCA to LCX. 13 stent to LCX", ["09", "13"]),
        ("IN THIS CASE MARCH OF 1993.)", ["MARCH", "1993"]),
        # Chat: month first with dots.
        ("appointment on 3.14.25 at the lab", ["3.14.25"]),
        ("seen on 03.14.2025 for pain", ["03.14.2025"]),
    ],
)
def test_it_finds_dates(spans, text: str, expected: list[str]) -> None:
    assert spans(text, "DATE") == expected


@pytest.mark.parametrize(
    "text",
    [
        "I take 500 mg twice a day.",
        "BP 120/80 and HR 88.",
        "Pain is 8/10 today.",
        "Strength 5/5 in all extremities.",
        "Placed on PSV 10/5 overnight.",
        "Take 1/2 tab at night.",
        "Gave 2000 cc over the shift.",
        "A1c 7.2, K 4.1, room 12.",
        "It hurts 2-3 times a day.",
        "Placed on 1st step mattress.",
        "HOB 30'. Drain placed at 15cm",
        "Resp: On bi-pap 10/5 with initial ABG",
        "We may march on, in may.",
        # Hemodynamic ranges and ratios, culture counts, weaning settings, clock times.
        "paced 71, co/ci 4-6/2-4 pa sats 60-70",
        "CO/CI/SVR 5/2.5/800..AWAITING AM SET",
        "co/ci/svr 3.5-4/1.7-2/1200-1600 with pa sats 53",
        "BC + staph aureus 4/4 bottles.",
        "gram neg rods in 2/4 bl cx",
        "ABG pnd. plan to change to 5/5 at 0500 and extubate ~ 0600.",
        "Continued to wean down to 10/5. Pt tolerating well",
        "sedated as noted.. perrla, 2/2.",
        "PT THEN HAD 8/10 CP, RESISTANT TO IV NTG",
        "alert and oriented from 2000 to 2400.",
        "DAUGHTER TO ARRIVE @ APPROX 1900.",
        "brought back from ultrasound ~ 1930.",
        # Pain scores, cardiac outputs, readings in the 70s, weaning trials, ordinals.
        "2300: pt c/o CP, 5/10, ECG done",
        "c/o 3-4/10 cpain in am when asked",
        "developed severe 10/10 angina.",
        "CO/CI 5/3 FICK SVR 900'S",
        "improved co/ci (5/3.27/928).",
        "bp 120-140'2/70's. no am labs",
        "pt tried on 5/5 today, did well",
        "bleed extending into the 4th ventricle",
        "resp. acidosis again on 2nd cpap trial.",
        "Heparin ^ 700u/hr, f/u due 2030.",
        "1900>>0700",
        "placed on AC 12/5 overnight",
        "blood cx 2/4 positive",
        "PMH: 2 stents to LAD",
        "room 12, ptt 44.3, k 4.1",
        "S/P stent RCA/LAD, IABP, +MI ck 2000. Stable for transfer",
        "BNP 1950 today, lipase 2010",
    ],
)
def test_it_ignores_numbers_that_are_not_dates(spans, text: str) -> None:
    assert spans(text, "DATE") == []
