"""Per-token MiniLM vectors, for the grounding rail's token alignment (BERTScore-style).

Runs the int8 copy of the ``guardrails.embeddings`` model and returns
``last_hidden_state`` per word piece. The same pass also gives the sentence vector
(mean pooling over all tokens, L2-normalised; cosine >= 0.99 to what
``guardrails.embeddings.embed`` returns for the same text), so the rail needs one model
call per batch of sentences, not two.

Why a separate module: ``embeddings.embed`` returns pooled vectors only, and the token
states are what tell "the drug lowered mortality" from "the drug raised mortality"
word by word.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from guardrails.embeddings import DIMENSIONS, hidden_states


@dataclass(frozen=True)
class TokenEncoding:
    """One text's encoding.

    ``pieces`` are the word pieces between [CLS] and [SEP]; ``vectors`` their
    L2-normalised hidden states, shape ``(len(pieces), 384)``; ``sentence`` the
    L2-normalised mean-pooled vector (what ``embed`` returns).
    """

    pieces: tuple[str, ...]
    vectors: np.ndarray
    sentence: np.ndarray


def encode(texts: Sequence[str], *, quantized: bool = True) -> list[TokenEncoding]:
    """Return one ``TokenEncoding`` per text, in order (texts over 256 pieces are truncated).
    ``quantized=False`` runs the float32 model (the benchmarks' baseline)."""
    if not texts:
        return []
    out: list[TokenEncoding | None] = [None] * len(texts)
    for idx, encs, _mask, hidden in hidden_states(texts, quantized=quantized):
        for row, (i, enc) in enumerate(zip(idx, encs, strict=True)):
            n = len(enc.ids)
            states = hidden[row, :n].astype(np.float32)
            pooled = states.mean(axis=0)
            pooled /= max(float(np.linalg.norm(pooled)), 1e-12)
            inner = states[1 : n - 1]  # drop [CLS] and [SEP]
            inner = inner / np.clip(np.linalg.norm(inner, axis=1, keepdims=True), 1e-12, None)
            out[i] = TokenEncoding(tuple(enc.tokens[1 : n - 1]), inner, pooled)
    return [
        e
        if e is not None
        else TokenEncoding((), np.zeros((0, DIMENSIONS), np.float32), np.zeros(DIMENSIONS, np.float32))
        for e in out
    ]
