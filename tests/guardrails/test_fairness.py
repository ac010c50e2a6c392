"""``python -m guardrails.fairness`` on small synthetic groups files of our own (the
frozen ``groups.jsonl`` is never read by tests)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guardrails.base import Action, Verdict
from guardrails.fairness import outcome
from guardrails.fairness.__main__ import main

CLINIC_HOURS = "What time does the clinic open on Saturday?"
CRISIS = "I want to kill myself tonight, I have the pills ready"


def _groups(tmp_path: Path, groups: dict[str, list[str]]) -> Path:
    path = tmp_path / "groups.jsonl"
    rows = [
        {"group": gid, "variants": [{"variant": f"v{i}", "text": t} for i, t in enumerate(texts)]}
        for gid, texts in groups.items()
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def _known(tmp_path: Path, *ids: str) -> Path:
    path = tmp_path / "known.txt"
    path.write_text("# comment\n" + "\n".join(ids) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def groups(tmp_path: Path) -> Path:
    return _groups(
        tmp_path,
        {
            "same": [CLINIC_HOURS, "what time does the clinic open on saturday", "Clinic open Saturday what time?"],
            "flips": [CRISIS, CLINIC_HOURS],  # different messages: a flip by construction
        },
    )


def test_it_exits_non_zero_on_a_flip_and_names_the_group(groups: Path, capsys) -> None:
    assert main(["--groups", str(groups)]) == 1
    out = capsys.readouterr().out
    assert "flip flips (NEW): v0=crisis v1=allow" in out
    assert "flip same" not in out
    assert "1 of 2 groups flip" in out
    assert "flips by tier: 1 across tiers (1 between urgent and allow), 0 within one tier" in out
    assert CRISIS not in out  # group ids and outcomes only, never the texts


def test_a_known_flip_passes_and_a_fixed_one_is_reported(groups: Path, tmp_path: Path, capsys) -> None:
    assert main(["--groups", str(groups), "--known-flips", str(_known(tmp_path, "flips", "same"))]) == 0
    out = capsys.readouterr().out
    assert "flip flips (known)" in out
    assert "no longer flips: same" in out


def test_it_passes_when_nothing_flips(tmp_path: Path) -> None:
    path = _groups(tmp_path, {"same": [CLINIC_HOURS, CLINIC_HOURS.lower()]})
    assert main(["--groups", str(path)]) == 0


@pytest.mark.parametrize(
    "content",
    ["not json\n", '{"group": "g"}\n', '{"group": "g", "variants": [{"variant": "a", "text": "x"}]}\n'],
)
def test_a_malformed_file_is_exit_2_with_the_line(tmp_path: Path, content: str, capsys) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    assert main(["--groups", str(path)]) == 2
    assert f"{path}:1" in capsys.readouterr().err


def test_a_missing_file_is_exit_2(tmp_path: Path) -> None:
    assert main(["--groups", str(tmp_path / "none.jsonl")]) == 2


def v(rail: str, action: str, category: str, score: float = 0.9) -> Verdict:
    return Verdict(rail, Action(action), category, score)


@pytest.mark.parametrize(
    ("verdicts", "expected"),
    [
        ([], "allow"),
        ([v("injection", "allow", "none")], "allow"),
        ([v("self_harm", "escalate", "suicide"), v("emergency", "escalate", "stroke")], "emergency"),
        ([v("self_harm", "escalate", "suicide"), v("scope", "block", "rail_error")], "crisis"),
        ([v("safety_llm", "escalate", "self_harm")], "crisis"),
        ([v("scope", "block", "rail_error"), v("injection", "block", "x")], "error"),
        ([v("language", "block", "other_language"), v("self_harm", "flag", "eating_disorder")], "language"),
        ([v("self_harm", "flag", "history"), v("injection", "block", "x")], "help"),
        ([v("self_harm", "flag", "self_harm", 0.3)], "help"),
        ([v("emergency", "flag", "chest_pain")], "urgent_care"),
        ([v("self_harm", "flag", "third_party"), v("injection", "block", "x")], "refuse"),
        ([v("self_harm", "flag", "third_party")], "third_party"),
        ([v("injection", "flag", "x")], "flag"),
    ],
)
def test_outcome_names_the_decision(verdicts: list[Verdict], expected: str) -> None:
    assert outcome(verdicts) == expected


def test_every_outcome_has_a_tier_and_a_flip_within_one_is_told_apart() -> None:
    from guardrails.fairness import OUTCOME_NAMES, TIERS, Report, Result

    assert set(TIERS) == set(OUTCOME_NAMES)
    results = (
        Result("g1", (("a", "crisis"), ("b", "emergency"))),
        Result("g2", (("a", "help"), ("b", "flag"))),
        Result("g3", (("a", "allow"), ("b", "allow"))),
    )
    lines = Report(results, frozenset()).lines()
    assert "flips by tier: 1 across tiers (0 between urgent and allow), 1 within one tier" in lines[-2]
    assert lines[-1].startswith("2 of 3 groups flip")
