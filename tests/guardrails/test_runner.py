from __future__ import annotations

import pytest

from guardrails import registry
from guardrails.base import Action, RailContext, Verdict
from guardrails.runner import LOCAL_RAILS, run_rails


class _Broken:
    name = "broken"

    def check(self, text: str, context: RailContext) -> Verdict:
        raise RuntimeError("model file missing")


class _Spy:
    name = "spy"
    seen: list[RailContext] = []

    def check(self, text: str, context: RailContext) -> Verdict:
        self.seen.append(context)
        return Verdict(self.name, Action.ALLOW, "none", 0.0)


@pytest.fixture
def fake_rails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry.RAILS, "broken", "tests.guardrails.test_runner._Broken")
    monkeypatch.setitem(registry.RAILS, "spy", "tests.guardrails.test_runner._Spy")
    monkeypatch.setattr(registry, "_instances", {})


@pytest.mark.usefixtures("fake_rails")
def test_it_fails_closed_when_a_rail_raises() -> None:
    verdicts = run_rails(["broken", "spy"], "hello", RailContext())
    assert verdicts[0].action is Action.BLOCK
    assert verdicts[0].category == "rail_error"
    assert verdicts[0].score == 1.0
    assert verdicts[1].action is Action.ALLOW


def test_it_fails_closed_for_an_unknown_rail() -> None:
    (verdict,) = run_rails(["no_such_rail"], "hello", RailContext())
    assert verdict.action is Action.BLOCK and verdict.category == "rail_error"


@pytest.mark.usefixtures("fake_rails")
def test_it_normalises_once_and_shares_it() -> None:
    _Spy.seen.clear()
    run_rails(["spy", "spy"], "k i l l", RailContext())
    assert _Spy.seen[0].normalized is not None
    assert _Spy.seen[0].normalized.text == "kill"
    assert _Spy.seen[0].normalized is _Spy.seen[1].normalized


def test_registry_is_explicit_and_local_rails_are_input_rails() -> None:
    assert set(LOCAL_RAILS) <= set(registry.INPUT_RAILS) <= set(registry.RAILS)
    assert registry.RAILS["grounding"] == "guardrails.grounding.GroundingRail"
    with pytest.raises(registry.UnknownRail):
        registry.get_rail("nope")


def test_all_input_rails_run_together() -> None:
    verdicts = run_rails(registry.INPUT_RAILS, "what time does the clinic open on saturday?", RailContext())
    assert [v.rail for v in verdicts] == list(registry.INPUT_RAILS)
    assert all(v.action is Action.ALLOW for v in verdicts)


def test_an_interaction_question_is_not_out_of_scope() -> None:
    verdicts = run_rails(registry.INPUT_RAILS, "Can I take ibuprofen with my lisinopril?", RailContext())
    assert all(v.action is Action.ALLOW for v in verdicts)


def test_a_failing_rail_logs_no_text(caplog, monkeypatch) -> None:
    import logging

    from guardrails.base import RailContext
    from guardrails.runner import run_rails

    class Leaky:
        name = "leaky"

        def check(self, text, context):
            raise ValueError(f"could not parse {text!r}")

    # The runner calls the name it imported, so that is the one to replace.
    monkeypatch.setattr("guardrails.runner.get_rail", lambda name: Leaky())
    caplog.set_level(logging.DEBUG)
    (verdict,) = run_rails(["leaky"], "Jane Roe, 555-0101", RailContext())
    assert verdict.category == "rail_error"
    assert "ValueError" in caplog.text  # the rail's own exception, not a failed import
    # Not "555" alone: a log line's milliseconds can hold it.
    for phi in ("Jane", "Roe", "555-0101", "could not parse"):
        assert phi not in caplog.text
