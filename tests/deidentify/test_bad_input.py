from __future__ import annotations

import logging

import pytest

import deidentify.analyzer
from deidentify import MAX_INPUT_CHARS, DeidentificationError, Deidentifier, output_bound


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "x" * MAX_INPUT_CHARS,
        ("Call Sarah Johnson at 617-555-0134. " * 200)[:MAX_INPUT_CHARS],
        "I feel 😀😀 today! Мой врач Dr. Patel 医生 سلام",
        "1" * MAX_INPUT_CHARS,
        " ".join(["12345678"] * 400),
        "J K L M N O P Q R S " * 100,
        "Dr. Al Bo, Dr. Ed Li, Dr. Jo Wu, " * 60,
        "Sarah Johnson 617-555-0134 01/02/1950 sarah@example.com 123-45-6789",
        "\x00\x01\x02 control \u202e reversed \ufeff",
    ],
)
def test_it_survives_odd_input_within_the_output_bound(deid: Deidentifier, text: str) -> None:
    result = deid.deidentify(text)
    assert len(result.text) <= output_bound(len(text))
    assert all(0 <= f.start < f.end <= len(text) for f in result.findings)


def test_all_phi_text_leaves_no_phi(deid: Deidentifier) -> None:
    text = "Sarah Johnson 617-555-0134 01/02/1950 sarah@example.com 123-45-6789"
    result = deid.deidentify(text)
    for value in ("Sarah", "Johnson", "617", "1950", "sarah@", "6789"):
        assert value not in result.text


@pytest.mark.parametrize(
    ("text", "leaked"),
    [
        ("Call ６１７-５５５-０１３４ now", "６１７"),          # fullwidth digits
        ("My name is Јohn Smith", "Smith"),                  # Cyrillic J
        ("Dr. Pa\u200btel saw me", "Pa\u200btel"),            # zero-width space
        ("email: jane\uff0eroe@example.com", "example"),      # fullwidth full stop
    ],
)
def test_it_sees_through_confusables(deid: Deidentifier, text: str, leaked: str) -> None:
    assert leaked not in deid.deidentify(text).text


def test_it_refuses_text_over_the_limit_without_quoting_it(deid: Deidentifier) -> None:
    with pytest.raises(DeidentificationError) as info:
        deid.deidentify("Sarah Johnson " * 400)
    assert "Sarah" not in str(info.value) and info.value.permanent


@pytest.mark.parametrize("value", [None, 42, b"Sarah Johnson"])
def test_it_refuses_non_strings(deid: Deidentifier, value: object) -> None:
    with pytest.raises(DeidentificationError):
        deid.deidentify(value)  # type: ignore[arg-type]


def test_internal_failures_never_carry_the_text(
    deid: Deidentifier, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    phi = "Sarah Johnson 617-555-0134"

    def explode(engine: object, text: str, threshold: float) -> list[object]:
        raise RuntimeError(f"recognizer crashed on {text!r}")

    monkeypatch.setattr("deidentify.find_phi", explode)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(DeidentificationError) as info:
        deid.deidentify(phi)
    assert not info.value.permanent
    assert "Sarah" not in str(info.value) and "Sarah" not in repr(info.value)
    assert info.value.__cause__ is None and info.value.__context__ is None
    assert "Sarah" not in caplog.text and "555-0134" not in caplog.text  # not "617": a line number can hold it


def test_normal_runs_log_no_text(deid: Deidentifier, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    deid.deidentify("My name is Sarah Johnson, call 617-555-0134.")
    assert "Sarah" not in caplog.text and "617-555" not in caplog.text


def test_a_missing_spacy_pipeline_is_a_typed_error() -> None:
    with pytest.raises(DeidentificationError):
        deidentify.analyzer.build_analyzer("no_such_pipeline_xyz")
