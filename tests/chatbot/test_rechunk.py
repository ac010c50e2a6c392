from __future__ import annotations

from datetime import date

import pytest

from chatbot.chunking import split_heading
from chatbot.knowledge.services import DocumentData, documents_rechunk, documents_upsert
from chatbot.models import Chunk, Document

pytestmark = pytest.mark.django_db

TEXT = (
    "What is a fever?\n\nA fever is a body temperature of 100.4 F or higher in a child or an adult.\n\n"
    "When should I call?\n\nCall your child's doctor right away if:\n- your baby is younger than 3 months\n"
    "- the fever lasts more than 3 days"
)


def test_rechunk_rebuilds_documents_an_older_chunker_built_and_is_idempotent() -> None:
    data = DocumentData(
        slug="fever",
        title="Fever",
        text=TEXT,
        reviewed_by="Dr Review",
        reviewed_at=date(2026, 1, 1),
        is_active=True,
    )
    documents_upsert(documents=[data])
    document = Document.objects.get(slug="fever")
    # What an upgrade finds: one old-style chunk that starts mid-list, under an old hash.
    document.chunks.all().delete()
    Chunk.objects.create(
        document=document, position=0, text="- the fever lasts more than 3 days", embedding=b""
    )
    Document.objects.filter(pk=document.pk).update(content_hash="old")

    assert documents_rechunk() == 1
    assert documents_rechunk() == 0

    chunks = list(Chunk.objects.filter(document=document).order_by("position"))
    # Both sections are short, so they share one chunk that opens with the first heading.
    assert len(chunks) == 1 and split_heading(chunks[0].text)[0] == "What is a fever?"
    assert "When should I call?\nCall your child's doctor right away if:\n- your baby" in chunks[0].text
    document.refresh_from_db()
    assert document.is_active and document.reviewed_by == "Dr Review"
