"""Per-token MiniLM vectors, for the grounding rail's token alignment (BERTScore-style).

Loads the same exported ONNX file as ``guardrails.embeddings`` (``onnx_path()``, built by
``python -m guardrails.embeddings build``) in its own ONNX Runtime session with one
intra-op thread, and returns ``last_hidden_state`` per word piece. The same pass also
gives the sentence vector (mean pooling over all tokens, L2-normalised), identical to
``guardrails.embeddings.embed`` for the same text, so the rail needs one model call per
batch of sentences, not two.

Why a separate module: ``embeddings.embed`` returns pooled vectors only, and the token
states are what tell "the drug lowered mortality" from "the drug raised mortality"
word by word.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from guardrails.embeddings import DIMENSIONS, _tokenizer, build

_BATCH = 32
_lock = threading.Lock()


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


@lru_cache(maxsize=1)
def _session() -> Any:
    """The ONNX Runtime session. Raises ImportError/OSError when ONNX cannot run."""
    import onnxruntime as ort

    with _lock:
        path = build()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def encode(texts: Sequence[str]) -> list[TokenEncoding]:
    """Return one ``TokenEncoding`` per text, in order (texts over 256 pieces are truncated)."""
    if not texts:
        return []
    tok = _tokenizer()
    session = _session()
    out: list[TokenEncoding | None] = [None] * len(texts)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # little padding per batch
    for start in range(0, len(order), _BATCH):
        idx = order[start : start + _BATCH]
        encs = tok.encode_batch([str(texts[i]) for i in idx])
        width = max(len(e.ids) for e in encs)
        ids = np.zeros((len(encs), width), dtype=np.int64)
        mask = np.zeros((len(encs), width), dtype=np.int64)
        for row, enc in enumerate(encs):
            ids[row, : len(enc.ids)] = enc.ids
            mask[row, : len(enc.ids)] = 1
        hidden = session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )[0]
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
