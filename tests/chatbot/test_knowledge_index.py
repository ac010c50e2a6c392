from __future__ import annotations

from datetime import date

import pytest

from chatbot.knowledge import index
from chatbot.knowledge.services import DocumentData, documents_upsert
from chatbot.knowledge.sources import markdown_documents
from chatbot.relevance import STARTER

pytestmark = pytest.mark.django_db

QUESTION = "my 2 yr old may have put one of those little coin batteries from the tv remote in her mouth"


def _upsert(*slugs: str) -> None:
    starter = {d.slug: d for d in markdown_documents(STARTER)}
    documents_upsert(
        documents=[
            DocumentData(
                slug=slug,
                title=starter[slug].title,
                text=starter[slug].text,
                reviewed_by="Dr Review",
                reviewed_at=date(2026, 1, 1),
                is_active=True,
            )
            for slug in slugs
        ]
    )


def test_the_proposed_article_gives_its_chunks_closest_to_the_question() -> None:
    _upsert("poisoning-and-poison-control", "teething")
    chunks = index.proposed(QUESTION, k=2)
    assert len(chunks) == 2 and chunks[0].score >= chunks[1].score
    assert {c.title for c in chunks} == {"Poisoning: what to do and how to reach Poison Control"}


def test_nothing_is_proposed_when_no_indexed_document_has_that_title() -> None:
    _upsert("teething")
    assert index.proposed(QUESTION, k=2) == []
