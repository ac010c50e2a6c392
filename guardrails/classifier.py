"""The input rails' learned classifier: one MiniLM pass per message, one head per rail.

The shipped ``all-MiniLM-L6-v2`` with LoRA adapters merged into its top layer, mean
pooling, and linear heads for ``self_harm`` (graded on the C-SSRS ladder plus
self-injury), ``conversation`` (the same ladder over the last ``WINDOW_TURNS`` patient
turns), ``emergency`` (by category), ``injection`` (by kind) and ``scope``. It runs as
an int8 ONNX model under ONNX Runtime.

The model is built, not downloaded and not committed: ``python -m guardrails.classifier
build`` merges the committed adapter (``guardrails/models/rails_classifier.npz``, under
2 MB) into the shipped weights, exports to ONNX and quantises it into ``var/models/``
(``make install`` runs it; first use runs it too). ``rails_classifier.json`` holds the
temperatures and thresholds chosen on a held-out writer, those figures, and the sha256
of the training data the adapter was fitted on (a test checks it). Training:
``guardrails/train_classifier.py``.

Failure is loud: a missing or broken adapter or model raises ``ClassifierUnavailable``,
which the rail lets through and the runner turns into a fail-closed verdict.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from guardrails.base import RailContext, RiskLevel
from guardrails.counterfactual import PAIRS
from guardrails.embeddings import MODEL_DIR, _source_dir, _threads, _tokenizer

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
MODELS = HERE / "models"
ADAPTER_FILE = MODELS / "rails_classifier.npz"
MANIFEST_FILE = MODELS / "rails_classifier.json"
# One held-out writer per rail, whose rows choose the thresholds (``train_classifier``)
# and give ``check`` its reference texts. Why these: the Spanish self-harm and emergency
# rows come from one writer each (shc, emb), so holding those writers out would leave the
# model without Spanish; emb's English rows are held out instead ("writer:lang").
VALIDATION = {"self_harm": "sha", "emergency": "emb:en", "injection": "ijc", "scope": "scb"}
# A message that reads as Spanish is read by these heads in place of the self-harm, the
# injection and the emergency head: MiniLM was trained on English, and Spanish carried
# most of the crisis path's false alarms (English FPR 0.032, Spanish 0.148 on two fresh
# sets). Each reads the pooled state of the message and of its word-by-word English gloss
# side by side (``spanish_features``, computed once for all), with its English head's
# temperature and thresholds; ``train_classifier.fit_spanish_heads`` fits them. The
# self-harm help tier and the emergency rail read the higher of the two readings
# (``Reading.higher``).
SPANISH_HEADS = {"self_harm": "self_harm_es", "injection": "injection_es", "emergency": "emergency_es"}
# The spent frozen self-harm sets (``benchmarks/testsets``, each reported once and spent):
# single patient-register messages from about sixty writers who read only their brief,
# with hard negatives of every kind. They train the self-harm head alone
# (``train_classifier.SPENT_SELF_HARM``). Listed by number up to the last spent one: a
# frozen set not yet read once (the next) is never read here.
TESTSETS = HERE.parent / "benchmarks" / "testsets"
SPENT_SELF_HARM_FILES: tuple[Path, ...] = tuple(
    TESTSETS / f"self_harm_test{'' if n == 1 else f'_{n}'}.jsonl" for n in range(1, 33)
)
TRAINING_FILES: tuple[Path, ...] = (
    *SPENT_SELF_HARM_FILES,
    *sorted((HERE / "data" / "train").glob("*.jsonl")),
    *sorted(PAIRS.glob("*.jsonl")),  # the counterfactual rewrites (``counterfactual.load_pairs`` reads them)
    HERE / "data" / "self_harm_train.jsonl",
    HERE / "data" / "self_harm_conversations.jsonl",
)

MAX_TOKENS = 128  # messages are short; longer text is read in overlapping chunks
CHUNK_WORDS = 60
WINDOW_TURNS = 3  # the conversation head reads the last three patient turns
WINDOW_SEP = " [SEP] "
TRAINED_LAYERS = 3
RANK = 8
TARGET_MODULES = ("query", "key", "value", "attention.output.dense", "intermediate.dense", "output.dense")

_LEVELS = ("none", "passive_wish", "active_ideation", "method", "intent_or_plan", "behavior", "self_injury")
CLASSES: dict[str, tuple[str, ...]] = {
    "self_harm": _LEVELS,
    "conversation": _LEVELS,
    "emergency": (
        "none", "cardiac", "stroke", "bleeding", "breathing", "poisoning_ingestion", "altered_consciousness",
        "infant", "seizure", "severe_pain", "other_emergency", "anaphylaxis", "sepsis_meningitis", "pregnancy",
        "head_injury", "toxic_exposure", "burns",
    ),
    "injection": (
        "none", "system_prompt", "encoded", "fiction_framing", "record_tampering", "data_exfiltration", "override",
        "new_rules", "staff_impersonation", "pasted_instructions", "unsafe_extraction", "social_engineering",
        "public_attack", "output_manipulation",
    ),
    "scope": (
        "none", "diagnose_me", "interpret_my_results", "dose_change", "prescribe", "treatment_decision",
        "controlled_substance",
    ),
}  # fmt: skip
HEADS: tuple[str, ...] = tuple(CLASSES)
# The ladder rung each self-harm class stands for (self-injury has none of its own).
LEVEL_OF = {
    "none": RiskLevel.NONE,
    "passive_wish": RiskLevel.PASSIVE_WISH,
    "active_ideation": RiskLevel.ACTIVE_IDEATION,
    "method": RiskLevel.METHOD,
    "intent_or_plan": RiskLevel.INTENT_OR_PLAN,
    "behavior": RiskLevel.BEHAVIOR,
    "self_injury": RiskLevel.NONE,
}


def escalating_classes(head: str) -> list[int]:
    """Indices of the self-harm classes that take the crisis path: every rung of the
    ladder from a passive wish to be dead up, and self-injury. A passive wish escalates
    (see ``guardrails.self_harm``): the help tier is for signals too weak to name a rung."""
    return [i for i, c in enumerate(CLASSES[head]) if c != "none"]


def data_digest() -> str:
    """sha256 over the committed training files, and the glossary the Spanish heads read
    them through, in a fixed order."""
    from guardrails.gloss import GLOSSARY, PARTS

    h = hashlib.sha256()
    for path in (*TRAINING_FILES, *(GLOSSARY / f"{part}.jsonl" for part in PARTS)):
        h.update(path.relative_to(HERE.parent).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()


class ClassifierUnavailable(Exception):
    """The classifier could not load or run (missing or broken adapter or model). A
    retry cannot help until the model is rebuilt; never carries text."""


@cache
def manifest() -> dict[str, Any]:
    """The manifest: temperatures, thresholds, held-out figures, training-data hash."""
    try:
        return dict(json.loads(MANIFEST_FILE.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise ClassifierUnavailable(f"manifest unreadable ({type(exc).__name__})") from None


def thresholds(head: str) -> dict[str, float]:
    """The thresholds for ``head`` chosen on the held-out writer (see the manifest)."""
    return dict(manifest()["thresholds"][head])


_lock = threading.Lock()
# Changed whenever ``build`` makes a different model from the same adapter.
BUILD_RECIPE = "int8-dynamic-per-channel-reduce-range"


def model_path() -> Path:
    """Where the built encoder lives; its name carries the hash of the adapter's LoRA
    matrices and of ``BUILD_RECIPE``, so a new adapter or a changed build is never served
    by an old model. Raises OSError without the adapter."""
    h = hashlib.sha256(BUILD_RECIPE.encode())
    with np.load(ADAPTER_FILE) as arrays:
        for key in sorted(k for k in arrays.files if k.startswith("lora_")):
            h.update(key.encode())
            h.update(arrays[key].tobytes())
    return MODEL_DIR / f"rails-classifier-{h.hexdigest()[:16]}.int8.onnx"


@cache
def _heads() -> tuple[np.ndarray, np.ndarray]:
    """The heads' weights and biases, stacked in ``HEADS`` order; raises
    ClassifierUnavailable when the adapter is missing or broken."""
    try:
        with np.load(ADAPTER_FILE) as arrays:
            weight = np.concatenate([arrays[f"head:{h}.weight"] for h in HEADS]).astype(np.float32)
            bias = np.concatenate([arrays[f"head:{h}.bias"] for h in HEADS]).astype(np.float32)
    except Exception as exc:
        raise ClassifierUnavailable(f"adapter unreadable ({type(exc).__name__})") from None
    return weight, bias


def build(*, force: bool = False) -> Path:
    """Merge the adapter's LoRA matrices into the shipped weights and export the encoder
    with mean pooling to ONNX, quantised to int8 (the heads run in numpy).

    Idempotent (returns at once when the model exists, unless ``force``). Raises OSError
    for a missing adapter or an unwritable folder, ImportError without torch/onnx.
    """
    target = model_path()
    if target.exists() and not force:
        return target
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.quantization.preprocess import quant_pre_process
    from transformers import AutoModel

    torch.manual_seed(0)
    model = AutoModel.from_pretrained(str(_source_dir()), attn_implementation="eager")
    model.eval()
    with np.load(ADAPTER_FILE) as arrays:
        with torch.no_grad():
            for key in arrays.files:
                if key.startswith("lora_A:"):
                    name = key.removeprefix("lora_A:")
                    delta = arrays[f"lora_B:{name}"].astype(np.float32) @ arrays[key].astype(np.float32)
                    model.get_parameter(name).add_(torch.from_numpy(delta))

    class _Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            h = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            m = attention_mask.unsqueeze(-1).to(h.dtype)
            return (h * m).sum(1) / m.sum(1).clamp(min=1e-9)

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".{os.getpid()}.f32")
    pre = target.with_suffix(f".{os.getpid()}.pre")
    out = target.with_suffix(f".{os.getpid()}.tmp")
    dummy = torch.ones((1, 8), dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    try:
        with torch.no_grad():
            torch.onnx.export(
                _Encoder(),
                (dummy, dummy, torch.zeros_like(dummy)),
                str(tmp),
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["logits"],
                dynamic_axes={
                    "input_ids": axes,
                    "attention_mask": axes,
                    "token_type_ids": axes,
                    "logits": {0: "batch"},
                },
                opset_version=17,
                dynamo=False,
            )
        quant_pre_process(str(tmp), str(pre), skip_symbolic_shape=True)
        # reduce_range: 7-bit weights, so that CPUs without VNNI (AVX2: the u8s8 product
        # can saturate) compute the same integers as CPUs with it (ONNX Runtime's
        # quantization notes describe the saturation). Without it, the same adapter read
        # "My 2 year old has a fever of 101" as allow on one machine and as a flag on an
        # AVX2-only one; the likeliest cause, not confirmed.
        quantize_dynamic(str(pre), str(out), weight_type=QuantType.QInt8, per_channel=True, reduce_range=True)
        os.replace(out, target)
    finally:
        for path in (tmp, pre, out):
            path.unlink(missing_ok=True)
    return target


@cache
def _session() -> Any:
    """The ONNX Runtime session, built on first use; raises ClassifierUnavailable when
    it cannot be built or loaded (and again on every later call: failures are not
    cached, so a rebuilt model is picked up)."""
    try:
        import onnxruntime as ort

        with _lock:
            path = build()
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = _threads()
        opts.inter_op_num_threads = 1
        # Basic graph optimisations only: the extended ones replace the quantised
        # matrix products, the attention and the layer norms with fused CPU kernels whose
        # arithmetic differs from the plain operators' (held-out self-harm rows: risk moved
        # by up to 0.08) and whose code differs from one CPU to another; with them, main
        # flipped a fairness group on an AVX2-only machine that it did not flip in CI
        # (README, "The same model on two CPUs"). The plain operators are integer products
        # and IEEE arithmetic; the thresholds are chosen on what they compute, and
        # ``check`` says when another machine reads differently.
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    except Exception as exc:
        log.error("rail classifier unavailable (%s)", type(exc).__name__)
        raise ClassifierUnavailable(type(exc).__name__) from None


def pooled(texts: Sequence[str]) -> np.ndarray:
    """The adapted encoder's mean-pooled states for already-normalised ``texts``, shape
    ``(len(texts), 384)``. Raises ClassifierUnavailable.

    One session call per text, never a padded batch: the int8 model quantises its
    activations with scales computed over the whole input, padding included, so in a
    batch a text's reading moved with its neighbours'. Batched with one routine message,
    the held-out emergency writer's first 300 rows moved by up to 0.34 (mean 0.02), and 10
    crossed the escalation threshold: the same message read differently with a
    conversation window beside it than alone."""
    session = _session()
    tok = _tokenizer()
    rows = []
    for e in tok.encode_batch(list(texts)):
        ids = np.asarray([e.ids[: MAX_TOKENS - 1] + e.ids[-1:] if len(e.ids) > MAX_TOKENS else e.ids], np.int64)
        try:
            out = session.run(
                None, {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}
            )[0]
        except Exception as exc:
            raise ClassifierUnavailable(type(exc).__name__) from None
        rows.append(out[0])
    return np.asarray(rows, dtype=np.float32)


def logits(texts: Sequence[str]) -> dict[str, np.ndarray]:
    """Raw logits per head for already-normalised ``texts``. Raises ClassifierUnavailable."""
    return logits_of(pooled(texts))


def logits_of(feats: np.ndarray) -> dict[str, np.ndarray]:
    """Raw logits per head for pooled states (``pooled``). Raises ClassifierUnavailable."""
    weight, bias = _heads()
    out = feats @ weight.T + bias
    result, col = {}, 0
    for head in HEADS:
        n = len(CLASSES[head])
        result[head] = out[:, col : col + n]
        col += n
    return result


def _calibrated(z: np.ndarray, head: str) -> np.ndarray:
    z = z / float(manifest()["temperature"].get(head, 1.0))
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def probabilities(texts: Sequence[str]) -> dict[str, np.ndarray]:
    """Calibrated class probabilities per head (temperature from the held-out writer)."""
    return probabilities_of(pooled(texts))


def probabilities_of(feats: np.ndarray) -> dict[str, np.ndarray]:
    """``probabilities`` for pooled states (``pooled``). Raises ClassifierUnavailable."""
    return {head: _calibrated(z, head) for head, z in logits_of(feats).items()}


def reads_spanish(normalized: str) -> bool:
    """Whether the Spanish heads read this (normalised) message: the test the reply
    templates use (``responses.detect_language``)."""
    from guardrails.responses import detect_language

    return detect_language(normalized) == "es"


@cache
def _spanish_head(head: str) -> tuple[np.ndarray, np.ndarray]:
    """``head``'s Spanish head's weight and bias, read once (as ``_heads``); raises
    ClassifierUnavailable, and a failure is not cached."""
    try:
        with np.load(ADAPTER_FILE) as arrays:
            weight = arrays[f"head:{SPANISH_HEADS[head]}.weight"].astype(np.float32)
            bias = arrays[f"head:{SPANISH_HEADS[head]}.bias"].astype(np.float32)
    except Exception as exc:
        raise ClassifierUnavailable(f"Spanish head unreadable ({type(exc).__name__})") from None
    return weight, bias


def spanish_features(texts: Sequence[str], feats: np.ndarray | None = None) -> np.ndarray:
    """What the Spanish heads read: each text's pooled state beside its English gloss's
    (``guardrails.gloss``), shape ``(len(texts), 768)``. ``feats``: the texts' own pooled
    states, when already computed. Raises ClassifierUnavailable, or OSError or ValueError
    when the glossary is missing or malformed (``warm_up`` logs those and goes on; a rail
    fails closed on either)."""
    from guardrails.gloss import gloss

    own = pooled(texts) if feats is None else feats
    return np.concatenate([own, pooled([gloss(t) for t in texts])], axis=1)


def spanish_probabilities(head: str, features: np.ndarray) -> np.ndarray:
    """Calibrated class probabilities from ``head``'s Spanish head (``SPANISH_HEADS``),
    with ``head``'s temperature, for ``spanish_features``. Raises ClassifierUnavailable."""
    weight, bias = _spanish_head(head)
    return _calibrated(features @ weight.T + bias, head)


@dataclass(frozen=True)
class HeadReading:
    """One head's calibrated class probabilities for the part of the text that carried
    the most risk."""

    head: str
    probs: tuple[float, ...]

    @property
    def risk(self) -> float:
        """Probability of any class but ``none``."""
        return 1.0 - self.probs[0]

    @property
    def escalate(self) -> float:
        """For the self-harm ladder: probability of a class that takes the crisis path."""
        return float(sum(self.probs[i] for i in escalating_classes(self.head)))

    @property
    def top(self) -> str:
        """The most probable class other than ``none``."""
        best = max(range(1, len(self.probs)), key=lambda i: self.probs[i])
        return CLASSES[self.head][best]

    @property
    def escalation_class(self) -> str:
        """For the self-harm ladder: the most probable class among those that escalate."""
        best = max(escalating_classes(self.head), key=lambda i: self.probs[i])
        return CLASSES[self.head][best]


@dataclass(frozen=True)
class Reading:
    """What the classifier read in one message, and over the conversation window."""

    heads: dict[str, HeadReading]
    window: HeadReading | None
    # For a message the Spanish heads read (``SPANISH_HEADS``): the English heads' own
    # readings of it.
    english: dict[str, HeadReading] = field(default_factory=dict)

    def higher(self, head: str) -> HeadReading:
        """``head``'s reading, or for a Spanish message the higher-risk of the Spanish and
        the English head's. The self-harm help tier reads it: the Spanish self-harm head
        reads a relative's worry ("mi esposo dice que ya no quiere vivir y tiene una
        pistola") as no one's risk, as it was taught, and the person writing should still
        hear where help is. The emergency rail reads it: a missed emergency costs more
        than a false alarm. Neither gives less than the English head did."""
        english = self.english.get(head)
        own = self.heads[head]
        return english if english is not None and english.risk > own.risk else own


_NOTHING = {h: (1.0,) + (0.0,) * (len(CLASSES[h]) - 1) for h in HEADS}


def chunks(text: str) -> list[str]:
    """The text itself, or overlapping ``CHUNK_WORDS``-word pieces of a long text."""
    words = text.split()
    if len(words) <= CHUNK_WORDS:
        return [text]
    step = CHUNK_WORDS * 3 // 4
    return [" ".join(words[i : i + CHUNK_WORDS]) for i in range(0, len(words) - CHUNK_WORDS // 4, step)]


def _riskiest(head: str, probs: np.ndarray) -> HeadReading:
    """The reading of the chunk (row of ``probs``) with the most risk."""
    best = int(np.argmax(1.0 - probs[:, 0]))
    return HeadReading(head, tuple(float(x) for x in probs[best]))


def read(normalized: str, context: RailContext) -> Reading:
    """The classifier's reading of a message (normalised text), computed once per message
    and shared through ``context.memo``. The window over the last ``WINDOW_TURNS`` patient
    turns goes into the same batch. Raises ClassifierUnavailable."""
    from guardrails.language import unreadable
    from guardrails.normalize import normalize

    key = "classifier:reading"
    cached = context.memo.get(key)
    if isinstance(cached, Reading):
        return cached
    original = context.normalized.original if context.normalized else normalized
    if unreadable(original, context):
        # A language the model was never trained on reads as noise (Vietnamese chest
        # pain once read as a suicide plan). The language rail sends such a message to
        # a person and tells the patient where help is; the classifier stays silent.
        reading = Reading({h: HeadReading(h, _NOTHING[h]) for h in HEADS}, None)
        context.memo[key] = reading
        return reading
    texts = chunks(normalized)
    window = None
    if context.history:
        turns = [normalize(t).text for t in context.history[-(WINDOW_TURNS - 1) :]]
        window = WINDOW_SEP.join([*turns, normalized])
    feats = pooled([*texts, window] if window else texts)
    probs = probabilities_of(feats)
    n = len(texts)
    english = {}
    if reads_spanish(normalized):
        features = spanish_features(texts, feats[:n])
        for head in SPANISH_HEADS:
            english[head] = _riskiest(head, probs[head][:n])
            probs[head] = spanish_probabilities(head, features)
    heads = {head: _riskiest(head, probs[head][:n]) for head in HEADS}
    reading = Reading(
        heads,
        HeadReading("conversation", tuple(float(x) for x in probs["conversation"][n])) if window else None,
        english,
    )
    context.memo[key] = reading
    return reading


def carrying_sentence(text: str, head: str, context: RailContext | None = None) -> tuple[int, int]:
    """The span of ``text`` (original offsets) whose sentence scores highest on ``head``:
    the classifier's evidence when no pattern fired. With ``context``, the sentences are
    read once per message: two rails that both need evidence (an emergency and a scope
    flag, say) share the reading. Raises ClassifierUnavailable."""
    from guardrails.normalize import normalize
    from guardrails.sentences import split_sentences

    spans = split_sentences(text)
    if len(spans) <= 1:
        return (0, len(text))
    memo = context.memo.get("classifier:sentences") if context is not None else None
    if isinstance(memo, tuple) and memo[0] == text:
        probs = memo[1]
    else:
        probs = probabilities([normalize(s.text).text for s in spans])
        if context is not None:
            context.memo["classifier:sentences"] = (text, probs)
    p = probs[head]
    best = int(np.argmax(1.0 - p[:, 0]))
    return (spans[best].start, spans[best].end)


# --- the model computes here what it computed where its thresholds were chosen -----

# How far a reference reading may move before ``check`` says the thresholds no longer
# mean what they meant where they were chosen. On the machine that measured it, basic
# and no graph optimisation gave the same readings to 1e-5; the extended ones moved risk
# by up to 0.08 (README, "The same model on two CPUs"). On an AVX-512 machine with VNNI,
# basic optimisations moved one of the 40 texts by 0.036 (scope) and the rest by 2e-3 or
# less (README, "a third kind of CPU").
REFERENCE_TOLERANCE = 0.01
REFERENCE_ROWS = 10  # from each held-out writer's file (``VALIDATION``)


def reference_texts() -> list[str]:
    """Fixed texts the manifest records readings of: the first rows of each held-out
    writer's file (committed training data; no patient's text), normalised as served."""
    from guardrails.normalize import normalize

    texts = []
    for name in (held.partition(":")[0] for held in VALIDATION.values()):
        lines = (HERE / "data" / "train" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
        texts += [normalize(json.loads(line)["text"]).text for line in lines[:REFERENCE_ROWS]]
    return texts


def reference_readings() -> dict[str, list[float]]:
    """Each head's risk (probability of any class but ``none``) on ``reference_texts``,
    as this machine computes it. Raises ClassifierUnavailable."""
    texts = reference_texts()
    feats = pooled(texts)
    probs = probabilities_of(feats)
    features = spanish_features(texts, feats)
    probs.update({es: spanish_probabilities(head, features) for head, es in SPANISH_HEADS.items()})
    return {head: [round(float(1.0 - p), 5) for p in probs[head][:, 0]] for head in (*HEADS, *SPANISH_HEADS.values())}


def check() -> dict[str, Any]:
    """Compare this machine's reference readings with the ones recorded when the
    thresholds were chosen. ``ok`` is False when any head moved by more than
    ``REFERENCE_TOLERANCE`` or none were recorded: then the thresholds, and every
    figure measured with them, do not hold here as they did there."""
    recorded = manifest().get("reference", {})
    now = reference_readings()
    moved = {
        head: round(float(np.abs(np.asarray(now[head]) - np.asarray(recorded[head])).max()), 5)
        for head in now
        if len(recorded.get(head, [])) == len(now[head])
    }
    ok = len(moved) == len(now) and max(moved.values()) <= REFERENCE_TOLERANCE
    return {"ok": ok, "tolerance": REFERENCE_TOLERANCE, "max_moved": moved}


def warm_up() -> dict[str, float]:
    """Build and load the model now (process start), not on a patient's first message,
    and say so in the log when this machine reads the reference texts differently from
    the one that chose the thresholds (``check``). Returns the most each head moved
    (empty when the check could not run), for the operators' metrics."""
    logits(["warm up"])
    try:
        result = check()
    except (OSError, ValueError, KeyError) as exc:  # the reference texts unreadable: say so, warm the rest
        log.warning("rail classifier: the reference check could not run (%s)", type(exc).__name__)
        return {}
    if not result["ok"]:
        log.warning(
            "rail classifier: this machine's readings moved from those its thresholds were chosen on "
            "(most moved per head: %s); run python -m guardrails.classifier check",
            result["max_moved"],
        )
    return dict(result["max_moved"])


def main(argv: Sequence[str]) -> int:
    """``python -m guardrails.classifier build [--force]``: build the int8 ONNX model.
    ``python -m guardrails.classifier check``: print ``check()`` as JSON; exit 1 when the
    thresholds do not hold on this machine."""
    if argv[:1] == ["check"]:
        result = check()
        print(json.dumps(result))
        return 0 if result["ok"] else 1
    if not argv or argv[0] != "build":
        print("usage: python -m guardrails.classifier build [--force] | check", file=sys.stderr)
        return 2
    print(build(force="--force" in argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
