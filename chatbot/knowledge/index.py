"""Retrieval: top-k cosine over active, reviewed chunks, from an in-process index.

The index is built from the database on first use and rebuilt whenever the
knowledge-base version in the cache changes (see ``services.knowledge_changed``).
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from typing import cast

import numpy as np
from django.core.cache import cache

from chatbot.knowledge.services import VERSION_KEY
from chatbot.models import Chunk
from chatbot.relevance import proposed_article, question_vector
from chatbot.retrieval import VectorIndex


@dataclass(frozen=True)
class RetrievedChunk:
    chunk_id: int
    score: float
    title: str
    url: str
    text: str


@dataclass(frozen=True)
class _Loaded:
    """One load of the index, for one knowledge-base version, read whole: a rebuild
    replaces it, never part of it."""

    version: str
    index: VectorIndex
    chunks: dict[int, tuple[str, str, str]]  # id: (title, url, text)
    articles: dict[tuple[str, str], str]  # (title, url): the chunks in order
    by_title: dict[str, list[int]]  # title: its chunks' ids


_loaded: _Loaded | None = None
_lock = threading.Lock()


def _load(version: str) -> _Loaded:
    rows = (
        Chunk.objects.filter(document__is_active=True)
        .exclude(document__reviewed_by="")
        .exclude(document__reviewed_at=None)
        .values_list("pk", "embedding", "text", "document__title", "document__source_url", "position")
        .order_by("pk")
    )
    ids: list[int] = []
    vectors: list[np.ndarray] = []
    meta: dict[int, tuple[str, str, str]] = {}
    parts: dict[tuple[str, str], list[tuple[int, str]]] = {}
    by_title: dict[str, list[int]] = {}
    for pk, blob, text, title, url, position in rows.iterator(chunk_size=2000):
        ids.append(pk)
        vectors.append(np.frombuffer(bytes(blob), dtype="<f4"))
        meta[pk] = (title, url, text)
        parts.setdefault((title, url), []).append((position, text))
        by_title.setdefault(title, []).append(pk)
    matrix = np.stack(vectors) if vectors else np.zeros((0, 384), dtype=np.float32)
    articles = {key: "\n\n".join(text for _, text in sorted(chunks)) for key, chunks in parts.items()}
    return _Loaded(version, VectorIndex.from_matrix(ids, matrix), meta, articles, by_title)


def _current() -> _Loaded:
    """The index as loaded for the knowledge base's current version (loading it when the
    version changed)."""
    global _loaded
    version = cache.get(VERSION_KEY)
    if version is None:  # first start, or the cache was flushed: this process decides
        version = uuid.uuid4().hex
        cache.add(VERSION_KEY, version, timeout=None)
        version = cache.get(VERSION_KEY, version)
    loaded = _loaded
    if loaded is None or loaded.version != version:
        with _lock:
            loaded = _loaded
            if loaded is None or loaded.version != version:
                loaded = _loaded = _load(version)
    return loaded


def current_index() -> tuple[VectorIndex, dict[int, tuple[str, str, str]]]:
    loaded = _current()
    return loaded.index, loaded.chunks


def retrieve(query: str, *, k: int, min_score: float = 0.2) -> list[RetrievedChunk]:
    """The ``k`` best chunks for ``query`` (de-identified text), best first."""
    index, chunks = current_index()
    hits = index.search(question_vector(query), k=k, min_score=min_score)
    found = []
    for hit in hits:
        chunk_id = cast(int, hit.chunk_id)
        found.append(RetrievedChunk(chunk_id, hit.score, *chunks[chunk_id]))
    return found


def proposed(query: str, *, k: int) -> list[RetrievedChunk]:
    """The ``k`` chunks closest to ``query`` (de-identified text) of the article the
    article classifier proposes for it (``relevance.proposed_article``), best first; []
    when no indexed document has that title. ``steps.retrieve`` adds them as one more
    passage when retrieval did not find that article."""
    loaded = _current()
    q_vec = question_vector(query)
    title = proposed_article(q_vec)
    hits = loaded.index.search_among(q_vec, loaded.by_title.get(title, ()), k)
    return [RetrievedChunk(cast(int, h.chunk_id), h.score, *loaded.chunks[cast(int, h.chunk_id)]) for h in hits]


def article(title: str, url: str) -> str:
    """The whole text of the document a retrieved passage came from (its chunks in
    order, as ``relevance.passages_from`` joins them), or "" when it is no longer indexed.
    Read from the index the passage was retrieved from: no second version check."""
    loaded = _loaded or _current()
    return loaded.articles.get((title, url), "")
