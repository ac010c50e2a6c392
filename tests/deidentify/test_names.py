from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hi, my name is Sarah Johnson.", ["Sarah Johnson"]),
        ("My daughter Emily called this morning.", ["Emily"]),
        ("Dr. Okonkwo said my labs were fine.", ["Okonkwo"]),
        ("dr. chen and dr. murray made aware.", ["chen", "murray"]),
        ("my son bill called for an update", ["bill"]),
        ("Carole Hayes, RN", ["Carole Hayes"]),
        ("E. WELSH AWARE OF PLAN.", ["E. WELSH"]),
        ("I spoke with Mark about it yesterday.", ["Mark"]),
        ("DRS JOSEPH AND ROBBINSON AWARE.", ["JOSEPH", "ROBBINSON"]),
        ("The nurse, Grace, helped me.", ["Grace"]),
        ("It's under my partner's name Shane M Culp", ["Shane M Culp"]),
        ("Name: Åsa Laine\nPhone: 083 564 9312", ["Åsa Laine"]),
        ("Scott is a very sympathetic person.", ["Scott"]),
        # Relatives in shouted notes; a middle initial between names needs no name list.
        ("LIVES ALONE. SON ROB CALLED TODAY.", ["ROB"]),
        ("SOCIAL: GIRLFRIEND EVE IN MOST OF DAY.", ["EVE"]),
        ("SPUTUM. | HERMAN W. EMPERATRICE, RRT", ["HERMAN W. EMPERATRICE"]),
    ],
)
def test_it_finds_names(spans, text: str, expected: list[str]) -> None:
    assert spans(text, "PERSON") == expected


@pytest.mark.parametrize(
    "text",
    [
        "Will you call me back tomorrow?",
        "May I take 500 mg of Tylenol?",
        "I hope the pain gets better, with grace.",
        "Please mark the bill as paid.",
        "Frank discussion with the team helped.",
        "BP 120/80, HR 88, A1c 7.2, K 4.1.",
        "MS: SEDATED ON PROPOFOL, MAE.",
        "PT IS ALERT. BUN 54, CR 2.8. SON AWARE.",
        "Aline and swan in place; foley draining.",
        "I am in room 12.",
        "Sputum: thick tan secretions.",
        "Started on Ativan and Haldol, Will continue Lasix.",
        # SOAP headings and abbreviations ending in a letter are not initials.
        "P: Keep careful I & O. Continue PT.",
        "S. REMAINS INTUBATED, SEDATED",
        "Lasix effectively maintained inc. U/O. Suggest CXR.",
        "ACCESS: R. FEMORAL QUINTIN CATHETER PLACED.",
        # Verbs and relation words after a relation word are not the relative's name.
        "WIFE STATES SHE IS NOT SLEEPING OR EATING.",
        "HUSBAND WILL TRY TO BE IN LATER TODAY.",
        "Met with pt's daughter, son in law and the team.",
    ],
)
def test_it_ignores_words_that_are_also_names(spans, text: str) -> None:
    assert spans(text, "PERSON") == []
