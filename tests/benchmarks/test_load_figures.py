"""The load benchmark's figure for pipeline work begun while a burst was still stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from benchmarks.load import picked_up_while_storing

T0 = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def at(ms: float) -> datetime:
    return T0 + timedelta(milliseconds=ms)


def test_a_message_begun_before_the_last_was_stored_is_counted() -> None:
    rows = [(at(0), at(25)), (at(40), at(300)), (at(160), at(310))]
    assert picked_up_while_storing(rows) == {"messages": 1, "first_pick_up_ms": 25, "last_stored_ms": 160}


def test_no_messages_or_none_begun_give_no_times() -> None:
    assert picked_up_while_storing([]) == {"messages": 0, "first_pick_up_ms": None, "last_stored_ms": None}
    assert picked_up_while_storing([(at(0), None), (at(90), None)]) == {
        "messages": 0,
        "first_pick_up_ms": None,
        "last_stored_ms": 90,
    }
