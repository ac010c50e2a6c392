"""The learned tagger: the shipped adapter, its build, what it finds, and failing closed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from deidentify import DeidentificationError, Deidentifier
from deidentify import tagger as tagger_module
from deidentify.recognizers.tagger import TaggerRecognizer
from deidentify.tagger import ADAPTER_NAME, MANIFEST_NAME, SHIPPED_DIR, build, get_tagger, onnx_path

REPO = Path(__file__).resolve().parents[2]


def test_the_shipped_adapter_matches_its_manifest_and_its_training_data() -> None:
    manifest = tagger_module.verify_adapter()
    assert (SHIPPED_DIR / ADAPTER_NAME).stat().st_size < 1_000_000
    for name, digest in manifest["inputs"].items():
        if name.startswith("deidentify/"):  # the committed chat files it was trained on
            assert hashlib.sha256((REPO / name).read_bytes()).hexdigest() == digest, name


def test_it_refuses_an_adapter_that_does_not_match_its_manifest(tmp_path: Path) -> None:
    (tmp_path / ADAPTER_NAME).write_bytes((SHIPPED_DIR / ADAPTER_NAME).read_bytes() + b"x")
    (tmp_path / MANIFEST_NAME).write_text((SHIPPED_DIR / MANIFEST_NAME).read_text())
    with pytest.raises(DeidentificationError, match="does not match"):
        build(adapter_dir=tmp_path, target=tmp_path / "m.onnx")


def test_the_build_is_deterministic(tmp_path: Path) -> None:
    shared = get_tagger()  # builds var/models/... when missing
    assert shared is not None
    again = build(target=tmp_path / "again.onnx", force=True)
    assert hashlib.sha256(again.read_bytes()).digest() == hashlib.sha256(onnx_path().read_bytes()).digest()


@pytest.mark.parametrize(
    ("text", "phi"),
    [
        ("my son jayden has a fever since last night", ["jayden"]),
        ("can dr okonkwo call me back", ["okonkwo"]),
        ("we just moved here from fresno", ["fresno"]),
    ],
)
def test_it_tags_lowercase_names_and_places(text: str, phi: list[str]) -> None:
    tags = get_tagger().tag(text)
    assert [text[t.start:t.end] for t in tags] == phi


@pytest.mark.parametrize(
    "text",
    ["took 2 tylenol and 1 advil for my back", "bp 150/90 this morning, metformin 500 mg",
     "my knee and my left shoulder hurt"],
)
def test_it_leaves_drugs_doses_and_body_parts(text: str) -> None:
    assert get_tagger().tag(text) == []


def test_it_fails_closed_when_the_model_can_be_neither_found_nor_built(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(tagger_module, "SHIPPED_DIR", tmp_path)  # no adapter there
    monkeypatch.setenv("DEID_MODEL_DIR", str(tmp_path / "models"))
    with pytest.raises(DeidentificationError, match="adapter or manifest is missing"):
        TaggerRecognizer()


def test_a_deidentifier_without_its_tagger_cannot_be_made(tmp_path: Path, monkeypatch) -> None:
    import deidentify

    monkeypatch.setattr(tagger_module, "SHIPPED_DIR", tmp_path)
    monkeypatch.setenv("DEID_MODEL_DIR", str(tmp_path / "models"))
    monkeypatch.setattr(deidentify, "build_analyzer", deidentify.build_analyzer.__wrapped__)
    with pytest.raises(DeidentificationError):
        Deidentifier()


def test_the_evaluation_cli_scores_a_jsonl_file(tmp_path: Path, capsys) -> None:
    from deidentify.evaluate import main

    rows = [{"text": "hi this is rose delgado, call me at 559-204-8817",
             "spans": [{"start": 11, "end": 23, "type": "NAME"}, {"start": 36, "end": 48, "type": "PHONE"}]},
            {"text": "took 2 tylenol for my back", "spans": []}]
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows))
    assert main(["jsonl", str(path)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["tagger"] is True and report["documents"] == 2
    assert report["per_type"]["PHONE"]["recall"] == 1.0
    assert 0.0 <= report["recall"] <= 1.0 and report["gold_tokens"] == 5


@pytest.mark.parametrize(
    "text",
    ["quiero matarme, ya no aguanto más", "me quiero morir", "no quiero vivir mas, me voy a matar"],
)
def test_it_never_hides_the_words_the_crisis_rail_reads(deid: Deidentifier, text: str) -> None:
    assert deid.deidentify(text).text == text


@pytest.mark.parametrize(
    ("text", "phi"),
    [
        ("my grandma is ninety-four and fell last night", "ninety-four"),
        ("he turned 96 last week", "96"),
        ("my appt on 3.14.25 needs to move", "3.14.25"),
        ("the serial on my cpap is HYE-33218 it stopped working", "HYE-33218"),
    ],
)
def test_it_finds_ages_over_89_dates_and_ids_in_chat(deid: Deidentifier, text: str, phi: str) -> None:
    assert phi not in deid.deidentify(text).text


@pytest.mark.parametrize(
    "text",
    ["my dad is 78 and diabetic", "she is 45 and takes metformin 500 mg twice a day",
     "soy una carga para mi familia", "me duele el brazo y la rodilla desde ayer"],
)
def test_it_leaves_ages_under_90_and_spanish_words(deid: Deidentifier, text: str) -> None:
    assert deid.deidentify(text).text == text


def test_spacy_only_tokenizes_when_the_tagger_finds_the_entities() -> None:
    from deidentify.analyzer import build_analyzer

    with_tagger = build_analyzer().nlp_engine.nlp["en"]  # type: ignore[attr-defined]
    without = build_analyzer(tagger=False).nlp_engine.nlp["en"]  # type: ignore[attr-defined]
    assert "ner" not in with_tagger.pipe_names and "ner" in without.pipe_names


def test_the_tagger_runs_once_per_message(deid: Deidentifier, monkeypatch) -> None:
    calls = []
    real = tagger_module.Tagger.tag

    def counted(self: Any, text: str, threshold: float = tagger_module.THRESHOLD) -> Any:
        calls.append(text)
        return real(self, text, threshold)

    monkeypatch.setattr(tagger_module.Tagger, "tag", counted)
    assert "jayden" not in deid.deidentify("my son jayden has a fever").text
    assert len(calls) == 1
