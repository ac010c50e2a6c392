"""Knowledge-base writes: import documents, chunk and embed them, activate them.

Every change bumps a version in the cache, and each process's in-memory index
(``chatbot.knowledge.index``) rebuilds from the database when it sees a new one.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet

from chatbot.chunking import CHUNKER_VERSION, chunk_document
from chatbot.models import Chunk, Document

VERSION_KEY = "knowledge-base-version"


@dataclass(frozen=True)
class DocumentData:
    slug: str
    title: str
    text: str
    source_url: str = ""
    sources: list[dict[str, str]] = field(default_factory=list)
    license: str = ""
    topic: str = ""
    reviewed_by: str = ""
    reviewed_at: date | None = None
    is_active: bool = False

    @property
    def content_hash(self) -> str:
        return content_hash(self.title, self.text)


def content_hash(title: str, text: str) -> str:
    """The hash a document's chunks were built for. The chunker's version is part of
    it, so a new chunker makes every stored document stale and it is re-chunked."""
    return hashlib.sha256(f"{CHUNKER_VERSION}\n{title}\n{text}".encode()).hexdigest()


def knowledge_changed() -> None:
    """Tell every process that its index is stale (a new random version, so a
    cleared cache can never make an old index look current)."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def documents_upsert(
    *, documents: Iterable[DocumentData], batch_size: int = 64, progress: Any = None
) -> tuple[int, int]:
    """Create or update documents by slug; re-chunk and re-embed only changed text.

    Returns ``(created, updated)``; unchanged documents are left alone, so
    re-running an import is idempotent. ``progress`` is called with the number of
    documents handled after each batch (for a progress bar).
    """
    from guardrails.embeddings import embed

    created = updated = 0
    pending: list[DocumentData] = []

    def flush() -> None:
        nonlocal created, updated
        chunks = [(data, chunk) for data in pending for chunk in chunk_document(data.title, data.text)]
        vectors = embed([c.embedding_text for _, c in chunks]) if chunks else np.zeros((0, 384), np.float32)
        with transaction.atomic():
            for data in pending:
                document, was_created = _save(data)
                created += was_created
                updated += not was_created
                document.chunks.all().delete()
                rows = [
                    Chunk(
                        document=document,
                        position=chunk.index,
                        text=chunk.text,
                        embedding=vector.astype("<f4").tobytes(),
                    )
                    for (owner, chunk), vector in zip(chunks, vectors, strict=True)
                    if owner is data
                ]
                Chunk.objects.bulk_create(rows)
        if progress is not None:
            progress(len(pending))
        pending.clear()

    existing = dict(Document.objects.values_list("slug", "content_hash"))
    for data in documents:
        if existing.get(data.slug) == data.content_hash:
            _save(data)  # metadata (review, licence) may still have changed
            if progress is not None:
                progress(1)
            continue
        pending.append(data)
        if len(pending) >= batch_size:
            flush()
    if pending:
        flush()
    knowledge_changed()
    return created, updated


def documents_rechunk(*, batch_size: int = 64) -> int:
    """Re-chunk and re-embed every stored document whose chunks were built by another
    chunker version (or from other text). Idempotent: returns how many it rebuilt,
    0 on a second run. Review state and activation are left as they are."""
    stale = [
        DocumentData(
            slug=d.slug,
            title=d.title,
            text=d.text,
            source_url=d.source_url,
            sources=d.sources,
            license=d.license,
            topic=d.topic,
            reviewed_by=d.reviewed_by,
            reviewed_at=d.reviewed_at,
            is_active=d.is_active,
        )
        for d in Document.objects.order_by("pk").iterator()
        if d.content_hash != content_hash(d.title, d.text)
    ]
    if stale:
        documents_upsert(documents=stale, batch_size=batch_size)
    return len(stale)


def _save(data: DocumentData) -> tuple[Document, bool]:
    return Document.objects.update_or_create(
        slug=data.slug,
        defaults={
            "title": data.title,
            "text": data.text,
            "source_url": data.source_url,
            "sources": data.sources,
            "license": data.license,
            "topic": data.topic,
            "reviewed_by": data.reviewed_by,
            "reviewed_at": data.reviewed_at,
            "is_active": data.is_active and bool(data.reviewed_by) and data.reviewed_at is not None,
            "content_hash": data.content_hash,
        },
    )


def documents_set_active(*, documents: QuerySet[Document], active: bool) -> int:
    """(De)activate documents. Only reviewed documents can be activated."""
    if active:
        documents = documents.exclude(reviewed_by="").exclude(reviewed_at=None)
    count = documents.update(is_active=active)
    knowledge_changed()
    return count


def document_mark_reviewed(*, document: Document, reviewer: str, on: date) -> Document:
    document.reviewed_by = reviewer
    document.reviewed_at = on
    document.save(update_fields=["reviewed_by", "reviewed_at", "updated_at"])
    knowledge_changed()
    return document
