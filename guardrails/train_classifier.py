"""Train the input rails' shared classifier: LoRA on MiniLM's top layer, one head per rail.

    SHARED_DIR=/work/shared python -m guardrails.train_classifier         # LoRA and heads
    SHARED_DIR=/work/shared python -m guardrails.train_classifier heads [HEAD ...]       # refit heads
    python -m guardrails.train_classifier thresholds [HEAD ...]                          # choose thresholds
    SHARED_DIR=/work/shared python -m guardrails.train_classifier spanish [HEAD ...]     # the Spanish heads

The second step refits the linear heads on the built int8 encoder's pooled states with
every rail's rows as negatives for the other heads where that is safe
(``cross_targets``): the first run masked them, and its self-harm head read an
"print your system prompt" as a plan, never having seen one.

Validation is a held-out writer per rail (``VALIDATION``) and the conversations whose
number is a multiple of 4: the run trains until the validation loss stops falling
(at most ``MAX_EPOCHS``), keeps the best epoch, fits a temperature per head on the
validation rows and picks the thresholds there for the recall targets. The adapter
(``guardrails/models/rails_classifier.npz``) and the manifest (temperatures,
thresholds, the held-out figures, the epochs, the sha256 of the training data) are
written for ``python -m guardrails.classifier build``.

The base model stays frozen; only the LoRA matrices on the top ``TRAINED_LAYERS``
layer(s) (rank ``RANK``) and the linear heads train. The output of the frozen layers
below them is computed once per row and cached. ``TRAIN_RESUME=1`` starts from the
committed adapter instead of from scratch (fresh optimiser state), to train on where a
budget-bounded run stopped. Every head learns from ``cross_targets``: a chest-pain or an
injection row is also a self-harm negative.
Counterfactual rewrites (``data/pairs``, ``guardrails.counterfactual``) train with their
source rows' labels and with logit pairing (``TRAIN_PAIR_WEIGHT``); ``TRAIN_KEEP=HEAD[,HEAD]``
(with ``TRAIN_RESUME=1``) makes the round keep those heads' readings of every training row
(``TRAIN_KEEP_WEIGHT``). The shipped adapter (2026-12-05) was resumed with
``TRAIN_KEEP=injection TRAIN_RESUME=1 TRAIN_LR=5e-5 TRAIN_MAX_EPOCHS=2``; its injection
head was then refitted alone with the ``ijo`` rows and the class ``output_manipulation``
(2026-12-06: ``heads injection``, the build, ``thresholds injection``), the encoder and
every other head unchanged. Its self-harm head was then refitted alone with the spent
frozen self-harm sets (``SPENT_SELF_HARM``) for ``FIXED_STEPS`` steps (2026-12-06:
``heads self_harm``, ``thresholds self_harm``). The Spanish heads
(``classifier.SPANISH_HEADS``) start from their English heads and read the encoder's
states, so ``spanish`` runs again after either changes (2026-12-06: ``spanish`` for the
self-harm one, then ``spanish injection``; twenty-fifth session: ``spanish emergency`` and
``spanish injection`` with their new rows, then ``spanish`` for all three; thirty-fourth
session: ``spanish emergency`` with the Spanish bleeding rows, ``embl3`` and ``embl4``).
Deterministic for a given seed, torch version and ``TRAIN_THREADS``; a run is bounded by
``TRAIN_MAX_EPOCHS`` and ``TRAIN_BUDGET_S`` and records why it stopped (``stopped``). Reads ``guardrails/data/train/*``, the older
``guardrails/data/self_harm_*.jsonl``, the spent frozen self-harm sets (the self-harm head
only, in a full run as in ``heads``) and a modest sample of ``../shared/training``
(skipped with a note when absent).
"""

from __future__ import annotations

import json
import math
import os
import random
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from guardrails.classifier import (
    ADAPTER_FILE,
    CLASSES,
    HEADS,
    MANIFEST_FILE,
    MAX_TOKENS,
    RANK,
    SPANISH_HEADS,
    SPENT_SELF_HARM_FILES,
    TARGET_MODULES,
    TRAINED_LAYERS,
    VALIDATION,
    WINDOW_SEP,
    WINDOW_TURNS,
    data_digest,
    escalating_classes,
    reads_spanish,
    reference_readings,
)
from guardrails.counterfactual import load_pairs
from guardrails.normalize import normalize

DATA = Path(__file__).resolve().parent / "data"
TRAIN = DATA / "train"
SHARED = (
    Path(os.environ.get("SHARED_DIR", Path(__file__).resolve().parents[2] / "shared")) / "training"
)  # SHARED_DIR=/work/shared from a worktree
SEED = 20261203
# Early stopping ends the run when the validation loss stops falling; these bound it.
# TRAIN_MAX_EPOCHS=k reproduces a run that stopped after k epochs (the manifest's
# ``epochs_run``); TRAIN_BUDGET_S stops before an epoch that would not finish in time.
MAX_EPOCHS = int(os.environ.get("TRAIN_MAX_EPOCHS", "12"))
BUDGET_S = float(os.environ.get("TRAIN_BUDGET_S", "inf"))
THREADS = int(os.environ.get("TRAIN_THREADS", "2"))
RESUME = os.environ.get("TRAIN_RESUME", "") == "1"
LR = float(os.environ.get("TRAIN_LR", "1e-3"))
BATCH = 32
ALPHA = 16

# A Spanish self-harm writer the model never trains on and no threshold is chosen on:
# ``python -m guardrails.evaluate --heldout`` reports it (the held-out writer above has
# no Spanish rows). Spanish thresholds chosen on it were tried and not kept (README).
SPANISH_VALIDATION = DATA / "validation" / "self_harm_es.jsonl"
# One held-out writer per rail (``classifier.VALIDATION``): thresholds are chosen on text
# the model never saw.
# Spanish self-harm rows written in Spanish (four writers, 2,475 rows). They teach the
# self-harm head alone: as negatives for the injection, conversation and emergency heads
# they were 2,475 Spanish rows that are never an attack, and one file of them alone cut
# Spanish injection recall on the held-out writer from 0.747 to 0.632
# (guardrails/data/train/briefs/train_shs.md says how they were written).
# Risk shown only through acts or facts (a pet's care arranged "for after this week",
# pills counted beside a date) and the ordinary versions of the same acts (two writers,
# 1,000 rows: brief train/briefs/train_shp.md). The self-harm head alone, for the same
# reason.
SELF_HARM_ONLY = ("shs1", "shs2", "shs3", "shs4", "shp1", "shp2")
# Everyday Spanish patient messages, none at risk (two writers, 600 rows: brief
# train/briefs/train_sho.md): the self-harm head read short ordinary Spanish ("a qué hora
# abren mañana") as crisis. They are negatives for the self-harm and conversation heads
# only, for the reason above.
EVERYDAY_SPANISH = ("sho1", "sho2")
# Emergency rows in which the patient asks a question (three writers, 717 rows: brief
# train/briefs/train_emq.md), and the counterfactual question copies (``QUESTIONS``).
# They teach the emergency head alone, as the Spanish self-harm rows teach theirs: they
# say nothing about self-harm or an attack. Either way the shared encoder moved (Spanish
# injection recall on the held-out writer 0.736 -> 0.678 with them teaching every head,
# 0.655 teaching this one, at 1e-4); the heads refitted after it won that back (README).
# Spanish emergency rows, trained on by the Spanish emergency head (the English one was
# fitted before them): things swallowed (four writers, 958 rows: brief
# train/briefs/train_emi.md, twentieth session), medicines taken the ordinary way beside
# emergencies in the same words (four writers, 1,000 rows: train_emn.md) and emergencies
# now in every category beside their look-alikes (six writers, 1,789 rows: train_emr.md;
# both twenty-fifth session). The emergency head alone: an overdose taken on purpose says
# nothing here about the self-harm rung. Their writers seldom put a "?" in an emergency
# (6-16% of them, 63-82% of the rest), so each of their emergencies gets a question copy
# and none of the rest (``question_copies``): a question mark must not come to mean "no
# emergency".
# Bleeding (two Spanish writers, 498 rows: brief train/briefs/train_embl.md, thirty-fourth
# session): emergencies by the articles' standard (bleeding that does not stop after 20
# minutes of pressure, heavy or fast, with faintness, on a blood thinner, after a
# procedure or an injury), the time told in digits, words, a clock or an event, and their
# look-alikes (stopped, just started, past, general questions, frequent, periods, stories,
# jokes). Two English writers' rows (embl1, embl2) wait in data/pending: the English head
# refitted with them lost recall on the spent sets (benchmarks/testsets/README.md, the
# second bleeding set).
SPANISH_EMERGENCY = (
    "emi1", "emi2", "emi3", "emi4", "emn1", "emn2", "emn3", "emn4", "emr1", "emr2", "emr3", "emr4", "emr5", "emr6",
    "embl3", "embl4",
)  # fmt: skip
EMERGENCY_ONLY = ("emq1", "emq2", "emq3", *SPANISH_EMERGENCY)
# The spent frozen self-harm sets (``classifier.SPENT_SELF_HARM_FILES``) train the
# self-harm head alone: their writers' briefs name a kind per at-risk row, not a rung, so
# each kind is read as the rung it shows (a kind not here stops the run). Why: the learned
# head gave most of the crisis path's false alarms on them (216 of 275 on sets 12 to 32),
# and they are the most varied patient-register rows we have. Fitted with them, the head
# read the spent sets it had not seen with fewer false alarms at the same recall
# (benchmarks/testsets/README.md, the thirty-third and thirty-fourth self-harm sets).
SPENT_SELF_HARM = "spent_self_harm"
SPENT_KIND_LEVEL = {
    "overdose_or_poisoning": "behavior", "failed_attempt": "behavior", "attempt_failed": "behavior",
    "recent_attempt_disclosure": "behavior",
    "rehearsal": "intent_or_plan", "farewell_behaviour": "intent_or_plan", "farewell": "intent_or_plan",
    "firearm_access_with_time": "intent_or_plan", "firearm_access": "intent_or_plan",
    "active_ideation_with_plan": "intent_or_plan", "plan_or_intent": "intent_or_plan", "plan_method": "intent_or_plan",
    "numbers_or_plain_facts": "intent_or_plan",
    "method_question": "method", "method_or_research": "method",
    "euphemism": "active_ideation", "active_ideation": "active_ideation", "hopelessness_with_risk": "active_ideation",
    "passive_wish_buried": "passive_wish", "passive_wish": "passive_wish", "burden": "passive_wish",
    "self_injury_needing_care": "self_injury", "self_injury": "self_injury",
}  # fmt: skip
# A head listed here keeps its weights after this many steps of ``refit_heads`` instead of
# at the held-out writer's lowest loss. The self-harm head's is lowest at step 20 once the
# spent sets train it (they are not that writer's register), which leaves them unlearnt;
# 200 was chosen writer-split on the spent sets (100 changed little, 400 raised recall
# and false alarms both).
FIXED_STEPS = {"self_harm": 200}
QUESTION_COPY = "question_copy"  # the source name of a counterfactual copy
# ``ijs1``-``ijs4`` (four writers, 1,196 rows, 834 Spanish: brief train/briefs/train_ijs.md,
# eighteenth session): ordinary messages with trigger words in their everyday sense, and
# attempts. Trained on by the Spanish injection head since the twenty-fifth session; the
# English injection head was fitted before them (refitted with them, it gave one more
# flipping fairness group). The injection head alone (``cross_targets``): as negatives of
# the self-harm and emergency heads they would move those heads on their next refit.
SPANISH_INJECTION = ("ijs1", "ijs2", "ijs3", "ijs4")
FILES = {
    "self_harm": ("sha", "shb", "shc", "shd", "she", "shf", "shg", "sht", *SELF_HARM_ONLY, *EVERYDAY_SPANISH),
    "emergency": ("ema", "emb", "emc", "emd", "emf", "emg", *EMERGENCY_ONLY),
    "injection": ("ija", "ijb", "ijc", "ijd", "ije", "ijf", "ijo1", "ijo2", "ijo3", *SPANISH_INJECTION),
    "scope": ("sc", "scb"),
}
# Public sets and how many rows of each to sample (long Reddit-style text is not chat).
PUBLIC = {
    "injection/benign_prompts": 400,
    "injection/jailbreakbench_artifacts": 120,
    "injection/cyberseceval_prompt_injection": 200,
    "injection/composed_benign_plus_injection": 150,
    "injection/garak_attacks": 60,
    "injection/harmful_requests_no_injection": 250,
    "self_harm/do_not_answer_selfharm": 250,
}
# Recall targets per head for the thresholds (on the held-out writer), and the injection
# FPR cap. For single messages the escalation target sits above the product's (0.95) by
# a margin: in seven rounds of frozen sets from new writers, recall read 1 to 12 points
# below the held-out writer, and a threshold set exactly at the target there loses rows
# whole on a new writer. Until 2026-12-04 every head had 0.95. The conversation window
# keeps it: it read 1.000 on two fresh sets and its threshold is held by the FPR cap. The
# conversation help and emergency flag targets keep 0.98: at 0.99 the conversation help
# tier took 76% of the held-out safe conversations, and the emergency flag sent "My 2 year
# old has a fever of 101" to urgent care. The self-harm help tier has 0.99 since 2026-12-06
# (README, "The self-harm help tier at its floor"): it puts the threshold at HELP_FLOOR,
# and on the spent self-harm sets it left 22 at-risk messages with no help instead of 32,
# at 0.267 of hard negatives helped instead of 0.217 (an earlier adapter took 26% of the
# held-out writer's hard negatives at 0.99; with this one the rail's help tier takes 21%).
ESCALATE_RECALL = {"self_harm": 0.97, "conversation": 0.95, "emergency": 0.97}
HELP_RECALL = {"self_harm": 0.99, "conversation": 0.98, "emergency": 0.98}
INJECTION_RECALL = 0.92
INJECTION_MAX_FPR = 0.03


# A patient in an emergency is often unsure it is one, and asks. Until 2026-12-05 the
# emergency rows held a question in 2% of their emergencies (72 of 3,983) and in 38% of
# their non-emergencies (1,673 of 4,365), so the head learned "a question is not an
# emergency": "my son swallowed some dishwasher pods" read 0.96, the same message with
# "is this serious?" after it read 0.00. A counterfactual copy of a share of the
# emergency writers' training rows, both labels, carries one of these questions, so a
# question says nothing about the label. The writers' own questions (emq1 to emq3, every
# row a question) teach the real variety; these only break the shortcut. Both teach the
# emergency head alone (``EMERGENCY_ONLY``).
QUESTIONS = {
    "en": (
        "should i go to the er?", "is this serious?", "can it wait until tomorrow?", "what should i do?",
        "do i need to go in?", "is this normal?", "should i be worried?", "can i just sleep it off?",
        "do i need to see someone today?", "is it ok to wait for my appointment?", "what do i do",
        "should i call the clinic?", "is this an emergency?", "can you help me?", "how long should i wait?",
        "is it bad?", "should i take something for it?", "do you think its ok?", "what do you think?",
        "when should i get seen?",
    ),
    "es": (
        "¿voy a urgencias?", "¿es grave?", "¿puede esperar hasta mañana?", "¿qué hago?",
        "¿es normal?", "¿me debo preocupar?", "¿llamo a la clínica?", "¿espero a mi cita?",
        "¿le doy algo?", "¿qué me recomiendan?", "¿es una emergencia?", "¿me pueden ayudar?",
    ),
}
# The share of the emergency writers' training rows (without a question of their own)
# that get a counterfactual copy. With the emq rows, a third of the emergencies trained on
# hold a "?" (2% before) and half of the non-emergencies (38%); the same tails go on both
# labels, so neither owns them.
QUESTION_COPY_SHARE = {1: 0.4, 0: 0.2}
# The Spanish emergency writers' rows (``SPANISH_EMERGENCY``): every emergency, and none of
# the rest, which are mostly questions already.
SPANISH_EMERGENCY_COPY_SHARE = {1: 1.0, 0: 0.0}


@dataclass
class Row:
    text: str
    targets: dict[str, int]  # head -> class index; ANY_RISK = any class but "none"
    split: str  # "train" or "val"
    source: str
    lang: str = "en"
    kind: str = ""
    ids: list[int] = field(default_factory=list)
    partner: int = -1  # a counterfactual rewrite: the index of the row it rewrites
    origin: str = ""  # a question copy: the source of the row it copies


ANY_RISK = -2
_OWN = {n for names in FILES.values() for n in names} | {"cv", "self_harm_train", "conversations"}


def _read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _text(raw: str) -> str:
    return normalize(raw).text


def window_text(turns: Sequence[str]) -> str:
    return WINDOW_SEP.join(_text(t) for t in turns[-WINDOW_TURNS:])


def _window_level(levels: Sequence[str], i: int) -> str:
    """The risk a window ending at turn ``i`` shows: the highest level that was reached
    (rose) at one of its turns. A level reached before the window is not the window's
    to show; the conversation's risk state keeps it."""
    order = CLASSES["self_harm"]
    best = "none"
    for k in range(max(0, i - WINDOW_TURNS + 1), i + 1):
        rose = k == 0 or order.index(levels[k]) > order.index(levels[k - 1])
        if rose and order.index(levels[k]) > order.index(best):
            best = levels[k]
    return best


def _split(name: str, row: dict[str, Any]) -> str:
    held = VALIDATION[next(rail for rail, names in FILES.items() if name in names)]
    writer, _, lang = held.partition(":")
    if name != writer or (lang and row.get("lang", "en") != lang):
        return "train"
    return "val"


def question_copies(rows: Sequence[Row], seed: int = SEED) -> list[Row]:
    """Counterfactual copies of the emergency writers' training rows with a patient's
    question before or after the message (deterministic for ``seed``). Held-out rows are
    never copied: the thresholds are chosen on the writer's own words."""
    rng = random.Random(seed)
    out = []
    for row in rows:
        if row.source not in FILES["emergency"] or row.split != "train" or "?" in row.text:
            continue
        label = int(row.targets.get("emergency", 0) != 0)
        shares = SPANISH_EMERGENCY_COPY_SHARE if row.source in SPANISH_EMERGENCY else QUESTION_COPY_SHARE
        if rng.random() >= shares[label]:
            continue
        question = _text(rng.choice(QUESTIONS["es" if row.lang == "es" else "en"]))
        text = f"{question} {row.text}" if rng.random() < 0.25 else f"{row.text.rstrip('.')}, {question}"
        out.append(
            Row(text, {"emergency": row.targets["emergency"]}, "train", QUESTION_COPY, row.lang, row.kind, origin=row.source)
        )
    return out


def english_training(rows: Sequence[Row]) -> list[int]:
    """The indices of the rows the shared encoder and the English heads learn from: every
    training row but the Spanish emergency writers' (``SPANISH_EMERGENCY``) and their
    question copies and rewrites, which are the Spanish emergency head's alone
    (``spanish_rows``). Why: the English heads were fitted before those files came. The
    English emergency head refitted with them, against the same refit without them (the
    same new English rows in both; twenty-ninth session, spent sets only), called 911
    falsely more often, on English sets too: ``emergency_test_29`` 0.023 -> 0.041,
    ``ingestion_en_test_3`` 0.093 -> 0.099, ``emergency_es_test_3`` 0.041 -> 0.106
    (README, "Calm-told swallowings")."""
    return [i for i, r in enumerate(rows) if r.split == "train" and (r.origin or r.source) not in SPANISH_EMERGENCY]


def load_rows() -> list[Row]:
    """Every training and validation row, in a fixed order."""
    rows: list[Row] = []
    by_id: dict[str, int] = {}
    for rail, names in FILES.items():
        for name in names:
            for r in _read(TRAIN / f"{name}.jsonl"):
                by_id[r["id"]] = len(rows)
                split = _split(name, r)
                targets: dict[str, int] = {}
                if rail == "self_harm":
                    level = r["level"] if r["label"] else "none"
                    targets["self_harm"] = CLASSES["self_harm"].index(level)
                    if name not in SELF_HARM_ONLY:
                        targets["conversation"] = targets["self_harm"]
                    if name not in SELF_HARM_ONLY + EVERYDAY_SPANISH:
                        targets["injection"] = 0
                elif rail == "emergency":
                    targets["emergency"] = CLASSES["emergency"].index(r["category"]) if r["label"] else 0
                    if name not in EMERGENCY_ONLY:
                        targets["injection"] = 0
                elif rail == "injection":
                    targets["injection"] = CLASSES["injection"].index(r["kind"]) if r["label"] else 0
                else:
                    targets["scope"] = CLASSES["scope"].index(r["kind"]) if r["label"] else 0
                    targets["injection"] = 0
                    targets["self_harm"] = 0
                kind = r.get("kind") or r.get("category", "")
                rows.append(Row(_text(r["text"]), targets, split, name, r.get("lang", "en"), kind))
    held_out = {r["text"] for r in _read(SPANISH_VALIDATION)}  # three spent rows repeat it
    for path in SPENT_SELF_HARM_FILES:
        for r in _read(path):
            if r["text"] in held_out:
                continue
            level = SPENT_KIND_LEVEL[r["kind"]] if r["label"] else "none"
            rows.append(
                Row(
                    _text(r["text"]),
                    {"self_harm": CLASSES["self_harm"].index(level)},
                    "train",
                    SPENT_SELF_HARM,
                    r.get("lang", "en"),
                    r["kind"],
                )
            )
    for r in _read(DATA / "self_harm_train.jsonl"):
        rows.append(
            Row(_text(r["text"]), {"self_harm": ANY_RISK if r["label"] else 0}, "train", "self_harm_train")
        )
    for r in [*_read(TRAIN / "cv.jsonl"), *_read(TRAIN / "cvb.jsonl")]:
        # Every fourth of the first writer's conversations validates; the second
        # writer's (cvb) all train, so the validation set stays the one earlier runs used.
        split = "val" if r["id"].startswith("cv-") and int(r["id"].split("-")[1]) % 4 == 0 else "train"
        for i in range(len(r["turns"])):
            level = _window_level(r["levels"], i)
            rows.append(
                Row(
                    window_text(r["turns"][: i + 1]),
                    {"conversation": CLASSES["self_harm"].index(level), "injection": 0},
                    split,
                    "cv",
                    r.get("lang", "en"),
                    r["kind"],
                )
            )
    for r in _read(DATA / "self_harm_conversations.jsonl"):
        target = ANY_RISK if r["label"] else 0
        rows.append(Row(window_text(r["turns"]), {"conversation": target}, "train", "conversations"))
    rows.extend(_public_rows())
    rows.extend(question_copies(rows))
    rows.extend(pair_rows(rows, by_id))
    return rows


def pair_rows(rows: Sequence[Row], by_id: dict[str, int]) -> list[Row]:
    """The counterfactual rewrites (``guardrails.counterfactual``), each with its source
    row's labels and source name, and ``partner`` pointing at that row. A rewrite of a
    held-out writer's row, or of a row that is gone, raises: it would leak or mislabel."""
    out = []
    for pair in load_pairs():
        i = by_id.get(pair["source"])
        if i is None or rows[i].split != "train":
            raise ValueError(f"rewrite of {pair['source']!r}: not a training row")
        src = rows[i]
        out.append(Row(_text(pair["text"]), dict(src.targets), "train", src.source, src.lang, src.kind, partner=i))
    return out


def _public_rows() -> list[Row]:
    if not SHARED.is_dir():
        print(f"note: {SHARED} absent; training on the committed rows only", file=sys.stderr)
        return []
    rows = []
    rng = random.Random(SEED)
    for name, n in PUBLIC.items():
        items = _read(SHARED / name / "data.jsonl")
        rng.shuffle(items)
        for r in items[:n]:
            if name.startswith("self_harm"):
                targets = {"self_harm": ANY_RISK if r["label"] else 0}
            else:
                targets = {"injection": CLASSES["injection"].index("public_attack") if r["label"] else 0}
            rows.append(Row(_text(r["text"]), targets, "train", name.split("/")[1]))
    return rows


def public_digest() -> str:
    """sha256 over the public files sampled (recorded, not checked: they live outside the repo)."""
    import hashlib

    h = hashlib.sha256()
    for name in sorted(PUBLIC):
        path = SHARED / name / "data.jsonl"
        if path.exists():
            h.update(name.encode())
            h.update(path.read_bytes())
    return h.hexdigest()


# --- the model ---------------------------------------------------------------------


def _build(torch: Any, seed: int) -> tuple[Any, Any, Any]:
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModel

    from guardrails.embeddings import _source_dir

    torch.manual_seed(seed)
    base = AutoModel.from_pretrained(str(_source_dir()), attn_implementation="eager")
    base.eval()
    n_layers = base.config.num_hidden_layers
    layers = list(range(n_layers - TRAINED_LAYERS, n_layers))
    config = LoraConfig(
        r=RANK, lora_alpha=ALPHA, lora_dropout=0.1, target_modules=list(TARGET_MODULES),
        layers_to_transform=layers, bias="none",
    )  # fmt: skip
    model = get_peft_model(base, config)
    heads = torch.nn.ModuleDict({h: torch.nn.Linear(base.config.hidden_size, len(CLASSES[h])) for h in HEADS})
    return base, model, heads


def _cache_frozen(torch: Any, base: Any, tok: Any, rows: list[Row]) -> list[Any]:
    """Hidden states after the frozen layers, one (tokens, 384) float16 tensor per row."""
    n_layers = base.config.num_hidden_layers
    frozen = base.encoder.layer[: n_layers - TRAINED_LAYERS]
    out: list[Any] = [None] * len(rows)
    encs = tok.encode_batch([r.text for r in rows])
    order = sorted(range(len(rows)), key=lambda i: len(encs[i].ids))
    with torch.no_grad():
        for b in range(0, len(order), 64):
            idx = order[b : b + 64]
            ids, mask = _pad(torch, [encs[i].ids for i in idx])
            h = base.embeddings(input_ids=ids, token_type_ids=torch.zeros_like(ids))
            ext = _ext_mask(torch, mask)
            for layer in frozen:
                h = layer(h, attention_mask=ext)
                h = h[0] if isinstance(h, tuple) else h
            for row, i in enumerate(idx):
                out[i] = h[row, : len(encs[i].ids)].to(torch.float16).clone()
    return out


def _pad(torch: Any, seqs: Sequence[Sequence[int]]) -> tuple[Any, Any]:
    width = max(len(s) for s in seqs)
    ids = torch.zeros((len(seqs), width), dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(s)
        mask[i, : len(s)] = 1
    return ids, mask


def _ext_mask(torch: Any, mask: Any) -> Any:
    return (1.0 - mask[:, None, None, :].to(torch.float32)) * torch.finfo(torch.float32).min


def _forward(torch: Any, base: Any, heads: Any, cached: list[Any], idx: Sequence[int]) -> dict[str, Any]:
    width = max(cached[i].shape[0] for i in idx)
    h = torch.zeros((len(idx), width, cached[idx[0]].shape[1]), dtype=torch.float32)
    mask = torch.zeros((len(idx), width), dtype=torch.long)
    for row, i in enumerate(idx):
        n = cached[i].shape[0]
        h[row, :n] = cached[i].to(torch.float32)
        mask[row, :n] = 1
    ext = _ext_mask(torch, mask)
    n_layers = base.config.num_hidden_layers
    for layer in base.encoder.layer[n_layers - TRAINED_LAYERS :]:
        h = layer(h, attention_mask=ext)
        h = h[0] if isinstance(h, tuple) else h
    m = mask[:, :, None].to(torch.float32)
    pooled = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
    return {name: head(pooled) for name, head in heads.items()}


def _loss(torch: Any, logits: Any, targets: Sequence[int]) -> tuple[Any, int]:
    t = torch.tensor(targets)
    total = logits.new_zeros(())
    n = 0
    lse = torch.logsumexp(logits, dim=1)
    exact = t >= 0
    if exact.any():
        total = total + (lse[exact] - logits[exact].gather(1, t[exact, None]).squeeze(1)).sum()
        n += int(exact.sum())
    anyr = t == ANY_RISK
    if anyr.any():
        total = total + (lse[anyr] - torch.logsumexp(logits[anyr, 1:], dim=1)).sum()
        n += int(anyr.sum())
    return total, n


def _batches(
    rows: list[Row], cached: list[Any], idx: list[int], rng: random.Random, shuffle: bool
) -> Iterator[list[int]]:
    # Group by length so padding stays small; shuffle the groups.
    order = sorted(idx, key=lambda i: cached[i].shape[0])
    groups = [order[i : i + BATCH] for i in range(0, len(order), BATCH)]
    if shuffle:
        rng.shuffle(groups)
    yield from groups


def _run_epoch(
    torch: Any,
    base: Any,
    heads: Any,
    cached: list[Any],
    rows: list[Row],
    idx: list[int],
    rng: random.Random,
    optim: Any | None,
    teacher: dict[str, np.ndarray] | None = None,
) -> float:
    train = optim is not None
    base.train(train)
    heads.train(train)
    total, count = 0.0, 0
    ctx = torch.enable_grad() if train else torch.no_grad()
    started = time.monotonic()
    with ctx:
        for step, batch in enumerate(_batches(rows, cached, idx, rng, shuffle=train), 1):
            if train and step % 100 == 0:
                print(f"  step {step}: {time.monotonic() - started:.0f}s", flush=True)
            partners = [rows[i].partner for i in batch if rows[i].partner >= 0] if train else []
            out = _forward(torch, base, heads, cached, [*batch, *partners])
            loss = _pairing_loss(torch, rows, batch, out) if partners else None
            out = {h: z[: len(batch)] for h, z in out.items()}
            if train and teacher:
                kept = _keeping_loss(torch, batch, out, teacher)
                loss = kept if loss is None else loss + kept
            n_all = 0
            for head in HEADS:
                targets = [rows[i].targets.get(head, -1) for i in batch]
                if all(t == -1 for t in targets):
                    continue
                part, n = _loss(torch, out[head], targets)
                loss = part if loss is None else loss + part
                n_all += n
            if loss is None:
                continue
            if optim is not None:
                optim.zero_grad()
                (loss / max(n_all, 1)).backward()
                optim.step()
            total += float(loss.detach())
            count += n_all
    return total / max(count, 1)


# Counterfactual logit pairing: the weight of the mean squared difference between a
# rewrite's logits and its source row's, per head that labels the source (Garg et al.
# 2019 used 0.05 to 5; chosen once, not tuned).
PAIR_WEIGHT = float(os.environ.get("TRAIN_PAIR_WEIGHT", "1.0"))


def _pairing_loss(torch: Any, rows: Sequence[Row], batch: Sequence[int], out: dict[str, Any]) -> Any:
    """Counterfactual logit pairing over ``batch``'s rewrites, whose source rows were
    appended after ``batch`` in ``out`` (in order). Scaled as a sum over the pairs, as
    ``_loss`` sums over rows."""
    pairs = [(k, i) for k, i in enumerate(batch) if rows[i].partner >= 0]
    total = None
    for j, (k, i) in enumerate(pairs):
        src = len(batch) + j
        for head, target in rows[rows[i].partner].targets.items():
            if target == -1:
                continue
            part = PAIR_WEIGHT * ((out[head][k] - out[head][src]) ** 2).mean()
            total = part if total is None else total + part
    return total


# Heads whose readings a training round keeps (``TRAIN_KEEP=injection``): every training
# row's logits for them are read from the resumed adapter before the round, and the round
# pays KEEP_WEIGHT times the mean squared difference from them ("learning without
# forgetting", Li and Hoiem 2016). Every round that moved the shared encoder so far cost
# the injection head most, though none of its rows changed.
KEEP = tuple(h for h in os.environ.get("TRAIN_KEEP", "").split(",") if h)
KEEP_WEIGHT = float(os.environ.get("TRAIN_KEEP_WEIGHT", "1.0"))


def _keeping_loss(torch: Any, batch: Sequence[int], out: dict[str, Any], teacher: dict[str, np.ndarray]) -> Any:
    """The kept heads' distance from their readings before the round, summed over ``batch``."""
    total = None
    for head, readings in teacher.items():
        before = torch.from_numpy(readings[list(batch)])
        part = KEEP_WEIGHT * ((out[head] - before) ** 2).mean(dim=1).sum()
        total = part if total is None else total + part
    return total


def _logits(
    torch: Any, base: Any, heads: Any, cached: list[Any], rows: list[Row], idx: list[int]
) -> dict[str, np.ndarray]:
    base.eval()
    heads.eval()
    out = {h: np.zeros((len(rows), len(CLASSES[h])), dtype=np.float32) for h in HEADS}
    with torch.no_grad():
        for b in range(0, len(idx), 64):
            batch = idx[b : b + 64]
            res = _forward(torch, base, heads, cached, batch)
            for h in HEADS:
                out[h][batch] = res[h].numpy()
    return out


# --- calibration and thresholds ----------------------------------------------------


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit_temperature(logits: np.ndarray, targets: np.ndarray) -> float:
    """The temperature that minimises the validation NLL (grid search, deterministic)."""
    best, best_t = math.inf, 1.0
    for t in np.exp(np.linspace(np.log(0.25), np.log(8.0), 120)):
        p = _softmax(logits / t)
        nll = -np.log(np.clip(p[np.arange(len(targets)), targets], 1e-12, None)).mean()
        if nll < best:
            best, best_t = nll, float(t)
    return best_t


def threshold_for_recall(scores: np.ndarray, labels: np.ndarray, recall: float) -> float:
    """The highest threshold whose recall on ``labels`` is at least ``recall``."""
    pos = np.sort(scores[labels == 1])[::-1]
    if len(pos) == 0:
        return 0.5
    k = max(0, math.ceil(recall * len(pos)) - 1)
    return float(pos[k])


def metrics(scores: np.ndarray, labels: np.ndarray, threshold: float) -> dict[str, Any]:
    from sklearn.metrics import roc_auc_score

    pred = scores >= threshold
    pos, neg = labels == 1, labels == 0
    return {
        "n": len(labels),
        "positives": int(pos.sum()),
        "recall": round(float(pred[pos].mean()), 4) if pos.any() else None,
        "fpr": round(float(pred[neg].mean()), 4) if neg.any() else None,
        "auroc": round(float(roc_auc_score(labels, scores)), 4) if pos.any() and neg.any() else None,
    }


def choose(rows: list[Row], val: list[int], logits: dict[str, np.ndarray]) -> dict[str, Any]:
    """Temperatures, thresholds and held-out figures, from the validation rows."""
    calib: dict[str, Any] = {"temperature": {}, "thresholds": {}, "heldout": {}}
    for head in HEADS:
        idx = [i for i in val if rows[i].targets.get(head, -1) >= 0]
        if not idx:
            calib["temperature"][head] = 1.0
            continue
        targets = np.array([rows[i].targets[head] for i in idx])
        z = logits[head][idx]
        temp = fit_temperature(z, targets)
        calib["temperature"][head] = round(temp, 4)
        p = _softmax(z / temp)
        risk = 1.0 - p[:, 0]
        any_label = (targets > 0).astype(int)
        spanish = np.array([rows[i].lang == "es" for i in idx])
        figures: dict[str, Any] = {}
        if head in ("self_harm", "conversation"):
            esc_classes = escalating_classes(head)
            esc = p[:, esc_classes].sum(axis=1)
            esc_label = np.isin(targets, esc_classes).astype(int)
            t_esc = threshold_for_recall(esc, esc_label, ESCALATE_RECALL[head])
            t_help = threshold_for_recall(risk, any_label, HELP_RECALL[head])
            calib["thresholds"][head] = {"escalate": round(t_esc, 4), "help": round(min(t_help, t_esc), 4)}
            figures["escalate"] = metrics(esc, esc_label, t_esc)
            figures["help"] = metrics(risk, any_label, t_help)
            if spanish.any():
                figures["escalate_es"] = metrics(esc[spanish], esc_label[spanish], t_esc)
                figures["help_es"] = metrics(risk[spanish], any_label[spanish], t_help)
        elif head == "emergency":
            t_esc = threshold_for_recall(risk, any_label, ESCALATE_RECALL[head])
            t_flag = threshold_for_recall(risk, any_label, HELP_RECALL[head])
            calib["thresholds"][head] = {"escalate": round(t_esc, 4), "flag": round(min(t_flag, t_esc), 4)}
            figures["escalate"] = metrics(risk, any_label, t_esc)
            figures["flag"] = metrics(risk, any_label, t_flag)
            if spanish.any():
                figures["escalate_es"] = metrics(risk[spanish], any_label[spanish], t_esc)
        elif head == "injection":
            own = np.array([rows[i].source in FILES["injection"] for i in idx])
            trigger = own & np.array([rows[i].kind == "benign_trigger" for i in idx])
            t_rec = threshold_for_recall(risk[own], any_label[own], INJECTION_RECALL)
            neg = np.sort(risk[trigger])[::-1]
            k = math.floor(INJECTION_MAX_FPR * len(neg))
            t_fpr = float(neg[k]) + 1e-6 if len(neg) > k else 0.5
            t = max(t_rec, t_fpr)
            calib["thresholds"][head] = {"block": round(t, 4)}
            figures["block"] = metrics(risk[own], any_label[own], t)
            figures["block_trigger_words_fpr"] = metrics(
                risk[own & ((any_label == 1) | trigger)], any_label[own & ((any_label == 1) | trigger)], t
            )
            figures["other_patient_rows_fpr"] = metrics(risk[~own], any_label[~own], t)
            if spanish.any():
                figures["block_es"] = metrics(risk[own & spanish], any_label[own & spanish], t)
        else:
            t = threshold_for_recall(risk, any_label, 0.90)
            calib["thresholds"][head] = {"flag": round(t, 4)}
            figures["flag"] = metrics(risk, any_label, t)
            if spanish.any():
                figures["flag_es"] = metrics(risk[spanish], any_label[spanish], t)
        calib["heldout"][head] = figures
    return calib


# --- the run ---------------------------------------------------------------------


def train() -> dict[str, Any]:
    """One run: train with early stopping on the held-out writers, calibrate, choose the
    thresholds, and write the adapter and the manifest."""
    import torch

    if KEEP and (not RESUME or not set(KEEP) <= set(HEADS)):  # before minutes of caching
        raise ValueError(f"TRAIN_KEEP needs TRAIN_RESUME=1 and heads from {HEADS}")
    torch.set_num_threads(THREADS)
    started = time.monotonic()
    rows = load_rows()
    from guardrails.embeddings import _tokenizer

    tok = _tokenizer()
    tok.enable_truncation(max_length=MAX_TOKENS)
    base, _, _ = _build(torch, seed=SEED)
    cached = _cache_frozen(torch, base, tok, rows)
    for row in rows:
        row.targets = cross_targets(row)
    tr = english_training(rows)
    val = [i for i, r in enumerate(rows) if r.split == "val"]
    print(
        f"{len(tr)} train rows, {len(val)} validation rows, cached in {time.monotonic() - started:.0f}s",
        flush=True,
    )
    manifest = _fit(torch, rows, cached, tr, val, MAX_EPOCHS, ADAPTER_FILE, started)
    manifest["data_sha256"] = data_digest()
    manifest["public_sha256"] = public_digest()
    manifest["seed"] = SEED
    manifest["torch"] = torch.__version__
    manifest["resumed_from_committed_adapter"] = RESUME
    manifest["learning_rate"] = LR
    manifest["pair_weight"] = PAIR_WEIGHT
    manifest["kept_heads"] = {"heads": list(KEEP), "weight": KEEP_WEIGHT} if KEEP else None
    manifest["validation"] = {
        **VALIDATION,
        "conversation": "cv.jsonl conversations whose number is a multiple of 4",
    }
    MANIFEST_FILE.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    print(f"done in {time.monotonic() - started:.0f}s", flush=True)
    return manifest


def _fit(
    torch: Any,
    rows: list[Row],
    cached: list[Any],
    tr: list[int],
    val: list[int],
    epochs: int,
    out: Path,
    started: float,
) -> dict[str, Any]:
    base, model, heads = _build(torch, seed=SEED)
    if RESUME:
        _load_adapter(torch, model, heads, ADAPTER_FILE)
    rng = random.Random(SEED)
    teacher = None
    if KEEP:  # checked at the start of ``train``
        before = _logits(torch, base, heads, cached, rows, tr)
        teacher = {h: before[h] for h in KEEP}
        print(f"read the kept heads {KEEP} on {len(tr)} rows in {time.monotonic() - started:.0f}s", flush=True)
    params = [p for p in model.parameters() if p.requires_grad] + list(heads.parameters())
    optim = torch.optim.AdamW(params, lr=LR, weight_decay=0.01)
    history = []
    best_state: dict[str, Any] | None = None
    best_val = math.inf
    stopped = "max_epochs"
    last = 0.0
    for epoch in range(1, epochs + 1):
        epoch_started = time.monotonic()
        if epoch_started - started + last > BUDGET_S:
            stopped = "time_budget"
            break
        loss = _run_epoch(torch, base, heads, cached, rows, tr, rng, optim, teacher)
        entry: dict[str, Any] = {
            "epoch": epoch,
            "train_loss": round(loss, 4),
            "seconds": round(time.monotonic() - started),
        }
        stop = False
        if val:
            vloss = _run_epoch(torch, base, heads, cached, rows, val, rng, None)
            entry["val_loss"] = round(vloss, 4)
            if vloss < best_val:
                best_val = vloss
                best_state = _state(torch, model, heads) | {"epoch": epoch}
            else:
                stop = True  # validation loss stopped falling
        history.append(entry)
        print(json.dumps(entry), flush=True)
        last = time.monotonic() - epoch_started
        if stop:
            stopped = "validation_loss_rose"
            break
    if best_state is None:
        best_state = _state(torch, model, heads) | {"epoch": epochs}
    else:
        _load_state(torch, model, heads, best_state)
    record: dict[str, Any] = {
        "epochs": best_state["epoch"],
        "epochs_run": len(history),
        "stopped": stopped,
        "trained_layers": TRAINED_LAYERS,
        "rank": RANK,
        "history": history,
        "rows": {"train": len(tr), "val": len(val)},
    }
    record["public_rows"] = sum(1 for i in tr if rows[i].source not in _OWN)
    if val:
        record |= choose(rows, val, _logits(torch, base, heads, cached, rows, val))
    _save_adapter(out, best_state)
    return record


def _state(torch: Any, model: Any, heads: Any) -> dict[str, Any]:
    state = {k: v.detach().clone() for k, v in model.named_parameters() if "lora_" in k}
    return {"lora": state, "heads": {k: v.detach().clone() for k, v in heads.state_dict().items()}}


def _load_state(torch: Any, model: Any, heads: Any, state: dict[str, Any]) -> None:
    named = dict(model.named_parameters())
    with torch.no_grad():
        for k, v in state["lora"].items():
            named[k].copy_(v)
    heads.load_state_dict(state["heads"])


def _load_adapter(torch: Any, model: Any, heads: Any, path: Path) -> None:
    """Start from a saved adapter: the inverse of ``_save_adapter``."""
    named = dict(model.named_parameters())
    with np.load(path) as arrays, torch.no_grad():
        for key in arrays.files:
            kind, _, target = key.partition(":")
            if kind == "head":
                name, _, attr = target.partition(".")
                saved = arrays[key]  # a class added since the save starts unlikely (``_grown``)
                fill = 0.0 if attr == "weight" else float(saved.min())
                grown = _padded(saved, len(CLASSES[name]), fill)
                getattr(heads[name], attr).copy_(torch.from_numpy(grown.astype(np.float32)))
                continue
            value = torch.from_numpy(arrays[key].astype(np.float32))
            module = target.removesuffix(".weight")
            param = named[f"base_model.model.{module}.{kind}.default.weight"]
            param.copy_(value / (ALPHA / RANK) if kind == "lora_B" else value)


def _save_adapter(path: Path, state: dict[str, Any]) -> None:
    """Write the LoRA deltas per target weight and the heads as float16 arrays."""
    arrays: dict[str, np.ndarray] = {}
    lora = state["lora"]
    for key, a in lora.items():
        if ".lora_A." not in key:
            continue
        b = lora[key.replace(".lora_A.", ".lora_B.")]
        # "base_model.model.encoder.layer.4.attention.self.query.lora_A.default.weight"
        target = key.split("base_model.model.", 1)[1].split(".lora_A.")[0] + ".weight"
        arrays[f"lora_A:{target}"] = a.numpy().astype(np.float16)
        arrays[f"lora_B:{target}"] = (b.numpy() * (ALPHA / RANK)).astype(np.float16)
    for key, v in state["heads"].items():
        arrays[f"head:{key}"] = v.numpy().astype(np.float16)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        np.savez_compressed(handle, **arrays)  # type: ignore[arg-type]


# --- refitting the heads with every rail's rows as negatives -------------------------

# Positive kinds of one rail that may also be positives of another: masked, never
# taught as that other rail's negatives.
_NOT_SELF_HARM_NEGATIVE = {
    "unsafe_extraction", "fiction_framing", "harmful_requests_no_injection", "jailbreakbench_artifacts", "garak_attacks",
    "poisoning_ingestion", "other_emergency", "bleeding", "burns", "altered_consciousness", "toxic_exposure",
}  # fmt: skip
_NOT_EMERGENCY_NEGATIVE = {"diagnose_me", "interpret_my_results", "treatment_decision"}


def cross_targets(row: Row) -> dict[str, int]:
    """``row.targets`` plus negatives for the heads that never saw this kind of text: an
    injection attempt is not a suicide plan, a chest-pain message is not self-harm."""
    t = dict(row.targets)
    if row.source in (
        *SELF_HARM_ONLY, *EVERYDAY_SPANISH, *EMERGENCY_ONLY, *SPANISH_INJECTION, QUESTION_COPY, SPENT_SELF_HARM
    ):
        return t
    own_rail = next((rail for rail, names in FILES.items() if row.source in names), "")
    positive = any(v not in (0, -1) for v in row.targets.values())
    kind = row.kind if row.source in _OWN else row.source
    if own_rail in ("emergency", "injection") or row.source in PUBLIC_NAMES:
        if not positive or kind not in _NOT_SELF_HARM_NEGATIVE:
            if row.source != "harmful_requests_no_injection":
                t.setdefault("self_harm", 0)
                t.setdefault("conversation", 0)
    if own_rail in ("self_harm", "injection", "scope") or row.source in PUBLIC_NAMES:
        sh_positive = own_rail == "self_harm" and positive
        if not sh_positive and kind not in _NOT_EMERGENCY_NEGATIVE:
            t.setdefault("emergency", 0)
    if own_rail == "scope":
        t.setdefault("conversation", 0)
    return t


PUBLIC_NAMES = {name.split("/")[1] for name in PUBLIC}


def _padded(saved: np.ndarray, n: int, fill: float) -> np.ndarray:
    """``saved`` (one row per class) with rows up to ``n``, each ``fill``: the rows of the
    classes added since it was saved."""
    if saved.shape[0] >= n:
        return saved
    extra = np.full((n - saved.shape[0], *saved.shape[1:]), fill, saved.dtype)
    return np.concatenate([saved, extra])


def _grown(weight: np.ndarray, bias: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """A head saved before its last classes were added, with rows for them: zero weights
    and the lowest saved bias, so a new class starts unlikely and learns from its rows."""
    return _padded(weight, n, 0.0), _padded(bias, n, float(bias.min()))


def refit_heads(only: Sequence[str] = ()) -> dict[str, Any]:
    """Refit the linear heads on the built encoder's pooled states (int8, as served),
    with ``cross_targets``; early stopping on the held-out writers; then calibrate and
    choose thresholds as ``train`` does. The LoRA matrices are kept as they are. With
    ``only``, the other heads, their temperatures and thresholds stay as they are."""
    import torch

    from guardrails.classifier import pooled

    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    started = time.monotonic()
    rows = load_rows()
    feats = pooled([r.text for r in rows])  # one model call per text (``classifier.pooled``)
    print(f"pooled {len(rows)} rows in {time.monotonic() - started:.0f}s", flush=True)
    targets = [cross_targets(r) for r in rows]
    tr = english_training(rows)
    val = [i for i, r in enumerate(rows) if r.split == "val"]
    x = torch.from_numpy(feats)
    heads: Any = torch.nn.ModuleDict({h: torch.nn.Linear(384, len(CLASSES[h])) for h in HEADS})
    with np.load(ADAPTER_FILE) as arrays:
        saved = {k: arrays[k] for k in arrays.files}
    with torch.no_grad():
        for h in HEADS:  # start from the heads trained with the adapter
            w, b = _grown(saved[f"head:{h}.weight"], saved[f"head:{h}.bias"], len(CLASSES[h]))
            heads[h].weight.copy_(torch.from_numpy(w.astype(np.float32)))
            heads[h].bias.copy_(torch.from_numpy(b.astype(np.float32)))
    fitted = tuple(only) or HEADS
    optim = torch.optim.AdamW([p for h in fitted for p in heads[h].parameters()], lr=3e-3, weight_decay=1e-3)

    def loss_on(idx: list[int]) -> Any:
        total: Any = None
        n_all = 0
        for h in fitted:
            sel = [i for i in idx if targets[i].get(h, -1) != -1]
            if not sel:
                continue
            part, n = _loss(torch, heads[h](x[sel]), [targets[i][h] for i in sel])
            total = part if total is None else total + part
            n_all += n
        return total / max(n_all, 1)

    best, best_step, best_state, history = math.inf, 0, None, []
    fixed: dict[str, Any] = {}
    for step in range(1, 401):
        optim.zero_grad()
        loss_on(tr).backward()
        optim.step()
        for h in fitted:
            if FIXED_STEPS.get(h) == step:
                fixed.update({k: v.detach().clone() for k, v in heads.state_dict().items() if k.partition(".")[0] == h})
        if step % 20 == 0:
            with torch.no_grad():
                vloss = float(loss_on(val))
            history.append({"step": step, "val_loss": round(vloss, 4)})
            if vloss < best:
                best, best_step = vloss, step
                best_state = {k: v.detach().clone() for k, v in heads.state_dict().items()}
    assert best_state is not None
    heads.load_state_dict({**best_state, **fixed})
    val_rows = [
        Row(rows[i].text, targets[i], "val", rows[i].source, rows[i].lang, rows[i].kind)
        for i in range(len(rows))
    ]
    with torch.no_grad():
        all_logits = {h: heads[h](x).numpy() for h in HEADS}
    calib = choose(val_rows, val, all_logits)
    for key, v in heads.state_dict().items():
        if key.partition(".")[0] in fitted:
            saved[f"head:{key}"] = v.numpy().astype(np.float16)
    with ADAPTER_FILE.open("wb") as handle:
        np.savez_compressed(handle, **saved)
    manifest = json.loads(MANIFEST_FILE.read_text())
    for part, values in calib.items():
        manifest[part] = {**manifest.get(part, {}), **{h: v for h, v in values.items() if h in fitted}}
    manifest["heads_refit"] = {
        "best_step": best_step, "best_val_loss": round(best, 4), "history": history,
        "fixed_steps": {h: FIXED_STEPS[h] for h in fitted if h in FIXED_STEPS},
        "spent_self_harm_rows": sum(r.source == SPENT_SELF_HARM for r in rows),
    }  # fmt: skip
    manifest["data_sha256"] = data_digest()
    MANIFEST_FILE.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    print(f"refitted heads in {time.monotonic() - started:.0f}s", flush=True)
    return manifest


# The steps each Spanish head is fitted for: the self-harm head's fixed steps.
SPANISH_STEPS = FIXED_STEPS["self_harm"]


def spanish_rows(head: str, rows: Sequence[Row] | None = None) -> list[Row]:
    """The training rows (``rows``, else ``load_rows()``) ``head``'s Spanish head fits on:
    those that read as Spanish (``classifier.reads_spanish``, as served) and carry a target
    for ``head``, less any that repeats the Spanish held-out writer (one older ``shc`` row
    does)."""
    held_out = {_text(r["text"]) for r in _read(SPANISH_VALIDATION)}
    return [
        r
        for r in (load_rows() if rows is None else rows)
        if r.split == "train"
        and cross_targets(r).get(head, -1) != -1
        and reads_spanish(r.text)
        and r.text not in held_out
    ]


def fit_spanish_heads(heads: Sequence[str] = ()) -> dict[str, Any]:
    """Fit the Spanish heads (``classifier.SPANISH_HEADS``; with ``heads``, only theirs)
    on ``spanish_rows``: each a linear head over the message's and its gloss's pooled
    states, started from its English head (the gloss half at zero) and kept after
    ``SPANISH_STEPS``; it shares that head's temperature and thresholds. Every other head
    stays as it is. Writes the adapter and the manifest (with the Spanish held-out
    writer's figures for the self-harm one)."""
    import torch

    from guardrails.classifier import spanish_features

    torch.set_num_threads(1)
    started = time.monotonic()
    with np.load(ADAPTER_FILE) as arrays:
        saved = {k: arrays[k] for k in arrays.files}
    manifest = json.loads(MANIFEST_FILE.read_text())
    fitted = manifest.setdefault("spanish_heads", {})
    every_row = load_rows()
    per_head = {head: spanish_rows(head, every_row) for head in heads or tuple(SPANISH_HEADS)}
    # Each text read once, whichever heads it trains (one model call per text, so a
    # text's features do not depend on what else is read).
    texts = sorted({r.text for rows in per_head.values() for r in rows})
    features = dict(zip(texts, spanish_features(texts), strict=True))
    print(f"read {len(texts)} Spanish texts and their gloss in {time.monotonic() - started:.0f}s", flush=True)
    for head, rows in per_head.items():
        torch.manual_seed(SEED)
        x = torch.from_numpy(np.stack([features[r.text] for r in rows]))
        targets = [cross_targets(r)[head] for r in rows]
        w, b = saved[f"head:{head}.weight"].astype(np.float32), saved[f"head:{head}.bias"].astype(np.float32)
        linear = torch.nn.Linear(x.shape[1], len(CLASSES[head]))
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(np.concatenate([w, np.zeros_like(w)], axis=1)))
            linear.bias.copy_(torch.from_numpy(b))
        optim = torch.optim.AdamW(linear.parameters(), lr=3e-3, weight_decay=1e-3)
        for _step in range(SPANISH_STEPS):
            optim.zero_grad()
            loss, n = _loss(torch, linear(x), targets)
            (loss / n).backward()
            optim.step()
        saved[f"head:{SPANISH_HEADS[head]}.weight"] = linear.weight.detach().numpy().astype(np.float16)
        saved[f"head:{SPANISH_HEADS[head]}.bias"] = linear.bias.detach().numpy().astype(np.float16)
        fitted[head] = {"rows": len(rows), "steps": SPANISH_STEPS}
    with ADAPTER_FILE.open("wb") as handle:
        np.savez_compressed(handle, **saved)
    if "self_harm" in fitted:
        fitted["self_harm"].update(_spanish_self_harm_heldout())
    manifest["data_sha256"] = data_digest()
    manifest["reference"] = reference_readings()
    MANIFEST_FILE.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    print(f"fitted the Spanish heads in {time.monotonic() - started:.0f}s", flush=True)
    return manifest


def _spanish_self_harm_heldout() -> dict[str, Any]:
    """The Spanish held-out writer read by the Spanish self-harm head alone, at the
    self-harm head's thresholds (the rail: ``python -m guardrails.evaluate --heldout``)."""
    from guardrails.classifier import spanish_features, spanish_probabilities, thresholds

    held = _read(SPANISH_VALIDATION)
    p = spanish_probabilities("self_harm", spanish_features([_text(r["text"]) for r in held]))
    esc_classes = escalating_classes("self_harm")
    label = np.array([int(CLASSES["self_harm"].index(r["level"]) in esc_classes) for r in held])
    limits = thresholds("self_harm")
    return {
        "heldout_es_escalate": metrics(p[:, esc_classes].sum(axis=1), label, limits["escalate"]),
        "heldout_es_help": metrics(1.0 - p[:, 0], label, limits["help"]),
    }


# --- thresholds on the held-out writers' own rows ---------------------------------

# The most false alarms a threshold may cost on the held-out writer's hard negatives;
# where the recall target costs more, the threshold moves up to this cap and the
# recall it then has is what the manifest reports.
ESCALATE_MAX_FPR = 0.10
# The lowest help threshold allowed, a trade made against a development set and said so:
# at the held-out writer's recall-0.97 threshold (0.06) the help tier flagged 57% of
# ../shared/benchmarks/self_harm/openai_moderation_sh.jsonl's benign rows; at 0.10 it
# flags under half (0.481), and the rail's help recall on the held-out writer falls
# from 0.987 to 0.965 (README, "The learned classifier on its held-out writers").
HELP_FLOOR = {"self_harm": 0.05}


def _pick(scores: np.ndarray, labels: np.ndarray, recall: float, max_fpr: float) -> float:
    t = threshold_for_recall(scores, labels, recall)
    neg = np.sort(scores[labels == 0])[::-1]
    k = math.floor(max_fpr * len(neg))
    if len(neg) > k and float(np.mean(scores[labels == 0] >= t)) > max_fpr:
        t = float(neg[k]) + 1e-6
    return t


def heldout_sets() -> dict[str, tuple[list[str], list[dict[str, Any]]]]:
    """Per head: the held-out writer's own texts (normalised) and rows."""
    out: dict[str, tuple[list[str], list[dict[str, Any]]]] = {}
    for head in ("self_harm", "emergency", "injection", "scope"):
        writer, _, lang = VALIDATION[head].partition(":")
        rows = [r for r in _read(TRAIN / f"{writer}.jsonl") if not lang or r.get("lang", "en") == lang]
        out[head] = ([_text(r["text"]) for r in rows], rows)
    windows, wrows = [], []
    for r in _read(TRAIN / "cv.jsonl"):
        if int(r["id"].split("-")[1]) % 4 == 0:
            for i in range(len(r["turns"])):
                level = _window_level(r["levels"], i)
                windows.append(window_text(r["turns"][: i + 1]))
                wrows.append(
                    {"level": level, "label": int(level != "none"), "lang": r["lang"], "kind": r["kind"]}
                )
    out["conversation"] = (windows, wrows)
    return out


def choose_thresholds(heads: Sequence[str] = ()) -> dict[str, Any]:
    """Thresholds and held-out figures from the built classifier on each held-out
    writer's own rows (hard negatives included), written into the manifest. With
    ``heads``, only those heads' are chosen again; the others' stay as they are."""
    from guardrails.classifier import probabilities

    old = json.loads(MANIFEST_FILE.read_text())
    thresholds: dict[str, Any] = dict(old["thresholds"]) if heads else {}
    figures: dict[str, Any] = dict(old["heldout"]) if heads else {}
    for head, (texts, rows) in heldout_sets().items():
        if heads and head not in heads:
            continue
        p = probabilities(texts)[head]
        risk = 1.0 - p[:, 0]
        label = np.array([int(r["label"]) for r in rows])
        es = np.array([r.get("lang") == "es" for r in rows])
        f: dict[str, Any] = {}
        if head in ("self_harm", "conversation"):
            esc_classes = escalating_classes(head)
            esc = p[:, esc_classes].sum(axis=1)
            # Positive where the row's rung takes the crisis path, as ``choose`` reads it.
            esc_label = np.array([int(CLASSES[head].index(r["level"]) in esc_classes) for r in rows])
            t_esc = _pick(esc, esc_label, ESCALATE_RECALL[head], ESCALATE_MAX_FPR)
            t_help = min(
                max(threshold_for_recall(risk, label, HELP_RECALL[head]), HELP_FLOOR.get(head, 0.0)), t_esc
            )
            thresholds[head] = {"escalate": round(t_esc, 4), "help": round(t_help, 4)}
            f["escalate"], f["help"] = metrics(esc, esc_label, t_esc), metrics(risk, label, t_help)
            if es.any():
                f["escalate_es"] = metrics(esc[es], esc_label[es], t_esc)
                f["help_es"] = metrics(risk[es], label[es], t_help)
        elif head == "emergency":
            t_esc = _pick(risk, label, ESCALATE_RECALL[head], ESCALATE_MAX_FPR)
            t_flag = min(threshold_for_recall(risk, label, HELP_RECALL[head]), t_esc)
            thresholds[head] = {"escalate": round(t_esc, 4), "flag": round(t_flag, 4)}
            f["escalate"], f["flag"] = metrics(risk, label, t_esc), metrics(risk, label, t_flag)
        elif head == "injection":
            keep = np.array([bool(r["label"]) or r["kind"] == "benign_trigger" for r in rows])
            t = _pick(risk[keep], label[keep], INJECTION_RECALL, INJECTION_MAX_FPR)
            thresholds[head] = {"block": round(t, 4)}
            f["block_vs_benign_trigger_words"] = metrics(risk[keep], label[keep], t)
            f["block_all_rows"] = metrics(risk, label, t)
            if es.any():
                f["block_all_rows_es"] = metrics(risk[es], label[es], t)
        else:
            t = _pick(risk, label, 0.90, ESCALATE_MAX_FPR)
            thresholds[head] = {"flag": round(t, 4)}
            f["flag"] = metrics(risk, label, t)
            if es.any():
                f["flag_es"] = metrics(risk[es], label[es], t)
        figures[head] = f
    manifest = json.loads(MANIFEST_FILE.read_text())
    manifest["thresholds"] = thresholds
    manifest["heldout"] = figures
    # What this machine reads on fixed texts, so that another machine can tell whether
    # these thresholds mean the same there (``python -m guardrails.classifier check``).
    manifest["reference"] = reference_readings()
    manifest["threshold_policy"] = {
        "escalate_recall": ESCALATE_RECALL, "help_recall": HELP_RECALL, "escalate_max_fpr": ESCALATE_MAX_FPR,
        "injection_recall": INJECTION_RECALL, "injection_max_fpr": INJECTION_MAX_FPR, "help_floor": HELP_FLOOR,
    }  # fmt: skip
    MANIFEST_FILE.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return manifest


def main(argv: Sequence[str]) -> int:
    """``python -m guardrails.train_classifier [heads|thresholds|spanish [HEAD ...]]``: train
    (or only refit the heads on the built encoder, or choose the thresholds again, with
    HEADs only theirs; or fit the Spanish heads, with HEADs only theirs); writes the
    adapter and the manifest."""
    steps = {"heads": refit_heads, "thresholds": choose_thresholds, "spanish": fit_spanish_heads}
    allowed = set(SPANISH_HEADS) if argv[:1] == ["spanish"] else set(HEADS)
    if (argv and argv[0] not in steps) or not set(argv[1:]) <= allowed:
        print("usage: python -m guardrails.train_classifier [heads|thresholds|spanish [HEAD ...]]", file=sys.stderr)
        return 2
    manifest = steps[argv[0]](argv[1:]) if argv else train()
    print(json.dumps(manifest["spanish_heads"] if argv[:1] == ["spanish"] else manifest["heldout"], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
