from __future__ import annotations

import pytest

from guardrails.sentences import StreamSplitter, sentences, split_sentences

CASES = [
    ("Take it daily. Call us if it hurts.", ["Take it daily.", "Call us if it hurts."]),
    ("Dr. Smith will see you. Bring your list.", ["Dr. Smith will see you.", "Bring your list."]),
    (
        "Use a spacer, e.g. Aerochamber, with it. Rinse after.",
        ["Use a spacer, e.g. Aerochamber, with it.", "Rinse after."],
    ),
    (
        "The usual dose is 2.5 mg twice daily. Ask first.",
        ["The usual dose is 2.5 mg twice daily.", "Ask first."],
    ),
    ("Drink fluids.[1] Rest well [2]. Done!", ["Drink fluids.[1]", "Rest well [2].", "Done!"]),
    (
        "Signs:\n- face drooping\n- arm weakness\n\nCall 911.",
        ["Signs:", "- face drooping", "- arm weakness", "Call 911."],
    ),
    ("1. Wash hands\n2. Dry them", ["1. Wash hands", "2. Dry them"]),
    ("Is it safe? Yes. It is.", ["Is it safe?", "Yes.", "It is."]),
    ("", []),
    ("No final stop", ["No final stop"]),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_it_splits_sentences(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_offsets_point_at_the_original_text(text: str, expected: list[str]) -> None:
    for span in split_sentences(text):
        assert text[span.start : span.end] == span.text


@pytest.mark.parametrize("size", [1, 3, 7, 50])
@pytest.mark.parametrize(("text", "expected"), CASES)
def test_streaming_gives_the_same_sentences_as_batch(text: str, expected: list[str], size: int) -> None:
    splitter = StreamSplitter()
    out = []
    for i in range(0, len(text), size):
        out += splitter.feed(text[i : i + size])
    out += splitter.flush()
    assert [s.text for s in out] == expected
    assert all(text[s.start : s.end] == s.text for s in out)


def test_streaming_holds_back_an_unfinished_abbreviation() -> None:
    splitter = StreamSplitter()
    assert splitter.feed("Please see Dr.") == []
    assert [s.text for s in splitter.feed(" Smith today. Then")] == ["Please see Dr. Smith today."]
    assert splitter.pending.strip() == "Then"
    assert [s.text for s in splitter.flush()] == ["Then"]
