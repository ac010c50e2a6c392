from __future__ import annotations

import pytest

from deidentify.recognizers.age import OLDEST


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I am 92 and live alone.", ["92"]),
        ("She is 93 years old.", ["93"]),
        ("93 yo female with CHF", ["93"]),
        ("My mom turned 101 last week.", ["101"]),
        ("Age: 95", ["95"]),
        # chat: lowercase, words, relatives, Spanish
        ("i'm 92 and my knees hurt", ["92"]),
        ("my dad is 95 and cant walk far", ["95"]),
        ("my mom is ninety-three and fell", ["ninety-three"]),
        ("grandpa turned ninety two last week", ["ninety two"]),
        ("she is one hundred and one years old", ["one hundred and one"]),
        ("he's ninety years old", ["ninety"]),
        ("mi abuela tiene noventa y dos años", ["noventa y dos"]),
        ("mi papá tiene 94 años", ["94"]),
        ("mi mamá cumplió cien", ["cien"]),
        ("edad: 97", ["97"]),
        ("im caregiver for my neighbor, hes ninety-six", ["ninety-six"]),
        ("my mother in law lives w us, shes 90 and has parkinson's", ["90"]),
        ("My wife Marguerite is 94 and has been confused", ["94"]),
        ("my lola is here visit, she 91, she have cough", ["91"]),
        ("grandpa will be 100 on july 4!!", ["100"]),
    ],
)
def test_it_finds_ages_over_89(spans, text: str, expected: list[str]) -> None:
    assert spans(text, "AGE") == expected


@pytest.mark.parametrize(("text", "year"), [("my father was born in 1931", "1931"),
                                           ("nací en 1929", "1929"), ("b. 1930, lives alone", "1930")])
def test_it_redacts_a_birth_year_that_implies_90_or_over(deid, text: str, year: str) -> None:
    # AGE or DATE: the date rules also claim a year after "born"; either way it is replaced.
    assert year not in deid.deidentify(text).text


@pytest.mark.parametrize(
    "text",
    [
        "I am 45 years old.",
        "89 yo male",
        "I am 92% sure.",
        "Sats 95 on 2L.",
        "HR 98, temp 99.1.",
        "we waited ninety minutes at the er",
        "my bp is 95 over 60",
        "she is ninety percent better",
        "tengo 45 años",
        "mi abuela tiene ochenta y nueve años",
        "i'm 92 lbs now",
        "my sugar is 95 and rising",
        "pulse is 92.",
        "oxygen is 94, is that ok",
        f"my son was born in {OLDEST + 30}",
    ],
)
def test_it_leaves_ages_up_to_89_and_other_numbers(spans, text: str) -> None:
    assert spans(text, "AGE") == []
