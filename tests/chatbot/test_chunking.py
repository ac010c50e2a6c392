from __future__ import annotations

import itertools

import pytest

from chatbot.chunking import MAX_WORDS, chunk_document


def doc(sentences: int, words_each: int = 10) -> str:
    return " ".join("Word " + " ".join(["word"] * (words_each - 3)) + f" s{i} end." for i in range(sentences))


def test_short_document_is_one_chunk() -> None:
    [chunk] = chunk_document("Glaucoma", "Glaucoma damages the optic nerve. It can cause blindness.")
    assert chunk.text == "Glaucoma damages the optic nerve. It can cause blindness."
    assert chunk.embedding_text.startswith("Glaucoma: ")


def test_empty_document_has_no_chunks() -> None:
    assert chunk_document("T", "   ") == []


@pytest.mark.parametrize("sentences", [40, 60, 100, 333])
def test_long_documents_are_cut_on_sentences_with_overlap(sentences: int) -> None:
    chunks = chunk_document("T", doc(sentences))
    assert len(chunks) > 1
    assert all(100 <= c.word_count <= MAX_WORDS + 50 for c in chunks)
    assert all(c.text.endswith("end.") for c in chunks)
    for a, b in itertools.pairwise(chunks):
        assert a.text.split(". ")[-1].rstrip(".") == b.text.split(". ")[0]  # one sentence overlap
    assert [c.index for c in chunks] == list(range(len(chunks)))


def test_a_giant_sentence_is_cut_by_words() -> None:
    chunks = chunk_document("T", " ".join(["word"] * 1000))
    assert all(c.word_count <= MAX_WORDS for c in chunks)
    assert sum(c.word_count for c in chunks) >= 1000
