from __future__ import annotations

import threading

import numpy as np
import pytest

from chatbot.retrieval import VectorIndex


def unit(*values: float) -> np.ndarray:
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def small_index() -> VectorIndex:
    return VectorIndex([("a", unit(1, 0, 0)), ("b", unit(0, 1, 0)), ("c", unit(1, 1, 0))], dimensions=3)


def test_it_returns_top_k_by_cosine_best_first() -> None:
    hits = small_index().search([1, 0.1, 0], k=2)
    assert [h.chunk_id for h in hits] == ["a", "c"]
    assert hits[0].score > hits[1].score


def test_min_score_filters_weak_hits() -> None:
    assert [h.chunk_id for h in small_index().search([1, 0, 0], k=3, min_score=0.5)] == ["a", "c"]


def test_empty_index_and_zero_query_return_nothing() -> None:
    assert VectorIndex(dimensions=3).search([1, 0, 0]) == []
    assert small_index().search([0, 0, 0]) == []


def test_rebuild_swaps_the_index() -> None:
    index = small_index()
    index.rebuild([("z", unit(0, 0, 1))])
    assert len(index) == 1
    assert [h.chunk_id for h in index.search([0, 0, 1])] == ["z"]


@pytest.mark.parametrize(
    "rows",
    [
        [("a", unit(1, 0, 0)), ("a", unit(0, 1, 0))],  # duplicate id
        [("a", np.ones(4, dtype=np.float32))],  # wrong dimensions
    ],
)
def test_a_bad_rebuild_keeps_the_old_index(rows: list[tuple[str, np.ndarray]]) -> None:
    index = small_index()
    with pytest.raises(ValueError, match=r"duplicate|dimensions"):
        index.rebuild(rows)
    assert len(index) == 3


def test_searches_during_rebuilds_see_a_whole_index() -> None:
    rng = np.random.default_rng(0)
    old = [(f"old{i}", v) for i, v in enumerate(rng.standard_normal((500, 8)))]
    new = [(f"new{i}", v) for i, v in enumerate(rng.standard_normal((500, 8)))]
    index = VectorIndex(old, dimensions=8)
    errors: list[str] = []

    def searcher() -> None:
        for _ in range(200):
            prefixes = {str(h.chunk_id)[:3] for h in index.search(rng.standard_normal(8), k=10)}
            if len(prefixes) != 1:
                errors.append(f"mixed snapshot: {prefixes}")

    threads = [threading.Thread(target=searcher) for _ in range(3)]
    for t in threads:
        t.start()
    for i in range(20):
        index.rebuild(new if i % 2 == 0 else old)
    for t in threads:
        t.join()
    assert errors == []


def test_search_among_ranks_only_the_given_chunks_with_no_floor() -> None:
    index = VectorIndex([("a", [1.0, 0.0]), ("b", [0.0, 1.0]), ("c", [-1.0, 0.1])], dimensions=2)
    hits = index.search_among([1.0, 0.0], ["c", "b", "missing"], k=5)
    assert [h.chunk_id for h in hits] == ["b", "c"] and hits[1].score < 0
    assert [h.chunk_id for h in index.search_among([1.0, 0.0], ["a", "b", "c"], k=1)] == ["a"]
    assert index.search_among([0.0, 0.0], ["a"], k=1) == [] and index.search_among([1.0, 0.0], [], k=1) == []
