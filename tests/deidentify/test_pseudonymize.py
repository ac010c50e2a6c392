from __future__ import annotations

import pytest

from deidentify import DeidentificationError, Deidentifier, SurrogateMap


def test_it_replaces_phi_with_typed_surrogates(deid: Deidentifier) -> None:
    result = deid.deidentify("My name is Sarah Johnson, call 617-555-0134. MRN 12345678.")
    assert result.text == "My name is [NAME_1], call [PHONE_1]. MRN [MRN_1]."
    assert {f.entity_type for f in result.findings} == {"PERSON", "PHONE", "MRN"}


def test_it_reuses_a_surrogate_for_the_same_value_across_messages(deid: Deidentifier) -> None:
    first = deid.deidentify("Dr. Patel saw me. My daughter Emily came.")
    second = deid.deidentify("dr. PATEL  said Emily can call 617 555 0134.", first.surrogates)
    third = deid.deidentify("Call (617) 555-0134 please", second.surrogates)
    assert first.text == "Dr. [NAME_1] saw me. My daughter [NAME_2] came."
    assert second.text == "dr. [NAME_1]  said [NAME_2] can call [PHONE_1]."
    assert third.text == "Call [PHONE_1] please"


def test_it_does_not_mutate_the_map_it_was_given(deid: Deidentifier) -> None:
    start = SurrogateMap()
    result = deid.deidentify("Dr. Patel saw me.", start)
    assert len(start) == 0 and len(result.surrogates) == 1


def test_it_round_trips_through_json(deid: Deidentifier) -> None:
    result = deid.deidentify("Sarah Johnson, DOB 01/02/1950, sarah@example.com")
    restored = SurrogateMap.from_json(result.surrogates.to_json())
    assert restored == result.surrogates
    assert restored.surrogates() == frozenset({"[NAME_1]", "[DATE_1]", "[EMAIL_1]"})
    assert deid.reidentify(result.text, restored) == "Sarah Johnson, DOB 01/02/1950, sarah@example.com"


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("Hello [NAME_1], see you [DATE_1].", "Hello Sarah Johnson, see you 01/02/1950."),
        # Invented surrogates stay exactly as written: never turned into PHI.
        ("Ask [NAME_7] about [PHONE_1].", "Ask [NAME_7] about [PHONE_1]."),
        ("[name_1] and [NAME_1x] are not surrogates", "[name_1] and [NAME_1x] are not surrogates"),
        ("", ""),
    ],
)
def test_reidentify_restores_only_known_surrogates(deid: Deidentifier, reply: str, expected: str) -> None:
    surrogates = deid.deidentify("I am Sarah Johnson, born 01/02/1950").surrogates
    assert deid.reidentify(reply, surrogates) == expected


@pytest.mark.parametrize("payload", ["", "{", "[]", '{"version": 2, "entries": []}',
                                     '{"version": 1, "entries": [{"surrogate": "Jane"}]}',
                                     '{"version": 1, "entries": [{"surrogate": "Jane", "label": "NAME",'
                                     ' "key": "jane", "original": "Jane Roe"}]}'])
def test_from_json_rejects_malformed_maps_without_quoting_them(payload: str) -> None:
    with pytest.raises(DeidentificationError) as info:
        SurrogateMap.from_json(payload)
    assert "Jane" not in str(info.value)


def test_map_repr_hides_originals(deid: Deidentifier) -> None:
    surrogates = deid.deidentify("I am Sarah Johnson").surrogates
    assert "Sarah" not in repr(surrogates) and "Sarah" not in str(surrogates)


@pytest.mark.parametrize(
    ("findings", "expected"),
    [
        # A name inside an address: the address explains the whole span.
        ([("ADDRESS", 0, 19, 0.6), ("PERSON", 3, 16, 0.65)], [("ADDRESS", 0, 19)]),
        # A place inside a facility name.
        ([("LOCATION", 0, 5, 0.85), ("FACILITY", 0, 14, 0.6)], [("FACILITY", 0, 14)]),
        # Partial overlap or the same span: the higher score names the type.
        ([("PERSON", 0, 8, 0.7), ("LOCATION", 4, 12, 0.6)], [("PERSON", 0, 12)]),
        ([("PERSON", 0, 8, 0.5), ("LOCATION", 0, 8, 0.6)], [("LOCATION", 0, 8)]),
        # Apart: both kept.
        ([("PERSON", 0, 4, 0.7), ("PHONE", 10, 14, 0.9)], [("PERSON", 0, 4), ("PHONE", 10, 14)]),
    ],
)
def test_overlapping_findings_are_unioned_and_typed(
    findings: list[tuple[str, int, int, float]], expected: list[tuple[str, int, int]]
) -> None:
    from deidentify.base import Finding
    from deidentify.pseudonymize import merge_findings

    text = "x" * 20
    merged = merge_findings(text, [Finding(t, s, e, score, "test") for t, s, e, score in findings])
    assert [(f.entity_type, f.start, f.end) for f in merged] == expected


@pytest.mark.parametrize("typed", ["[NAME_1]", "[PHI_1]", "[DATE_2]"])
def test_it_does_not_reidentify_a_surrogate_the_patient_typed(deid: Deidentifier, typed: str) -> None:
    first = deid.deidentify("My name is Sarah Johnson. 01/02/1950 and 03/04/1960.")
    second = deid.deidentify(f"who is {typed}? i typed that myself", first.surrogates)
    # What the model sees there is a surrogate of its own, whose original is the typed text.
    assert second.text.startswith("who is [PHI_")
    reply = second.text.replace("who is ", "You asked about ").replace("? i typed that myself", ".")
    assert deid.reidentify(reply, second.surrogates) == f"You asked about {typed}."


def test_a_span_of_the_original_maps_onto_the_same_words_in_the_output(deid: Deidentifier) -> None:
    text = "My name is Sarah Johnson, call 617-555-0134. I feel dizzy after the new pill."
    result = deid.deidentify(text)
    assert result.text == "My name is [NAME_1], call [PHONE_1]. I feel dizzy after the new pill."
    for words in ("My name is", "call", "I feel dizzy after the new pill.", text):
        start = text.index(words)
        out_start, out_end = result.output_span(start, start + len(words))
        original = text[start : start + len(words)]
        assert result.text[out_start:out_end] == original.replace("Sarah Johnson", "[NAME_1]").replace(
            "617-555-0134", "[PHONE_1]"
        )


@pytest.mark.parametrize(
    ("start", "end", "quoted"),
    [
        (11, 16, "[NAME_1]"),  # inside a replaced span: widened to the whole surrogate
        (14, 30, "[NAME_1], call"),  # beginning inside one
        (0, 0, ""),  # an empty span stays empty (a verdict about the whole message)
        (25, 33, "call [PHONE_1]"),  # ending inside one
    ],
)
def test_a_span_that_cuts_through_phi_never_quotes_half_a_surrogate(
    deid: Deidentifier, start: int, end: int, quoted: str
) -> None:
    result = deid.deidentify("My name is Sarah Johnson, call 617-555-0134.")
    out_start, out_end = result.output_span(start, end)
    assert result.text[out_start:out_end].strip(", ") == quoted


def test_masked_spans_keep_their_offsets() -> None:
    from deidentify.base import Finding
    from deidentify.pseudonymize import mask, output_span

    findings = [Finding("PERSON", 3, 5, 0.9, "test"), Finding("PERSON", 10, 12, 0.9, "test")]
    assert mask("hi Al and Bo here", findings) == "hi ** and ** here"
    pieces = [(f.start, f.end, f.start, f.end) for f in findings]
    assert output_span(pieces, 0, 17) == (0, 17) and output_span(pieces, 4, 11) == (3, 12)
