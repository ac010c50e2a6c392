from __future__ import annotations

import pytest

from deidentify.recognizers.lexicon import (
    first_name_frequencies,
    is_bare_noun,
    is_english_word,
    last_name_ranks,
)


@pytest.mark.parametrize(
    ("word", "english", "bare_noun"),
    [
        ("goal", True, True),
        ("witnessed", True, False),  # an inflection of a WordNet verb
        ("clears", True, False),
        ("sees", True, False),
        ("tyro", True, True),  # nouns only: the class WordNet files names under
        ("okafor", False, False),
        ("milovan", False, False),
    ],
)
def test_english_vocabulary(word: str, english: bool, bare_noun: bool) -> None:
    assert is_english_word(word) is english
    assert is_bare_noun(word) is bare_noun


def test_census_tables_keep_frequency_and_rank() -> None:
    first, last = first_name_frequencies(), last_name_ranks()
    assert first["mary"] > first["walker"] > 0  # percent of people, the larger of the sexes
    assert last["smith"] == 1
    assert last["walker"] < 100 < last["rossetti"]
