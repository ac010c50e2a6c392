"""The section ranker: which section of an article answers the question
(``chatbot.extractive.SectionRanker``, trained by ``chatbot.knowledge.train_sections``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from chatbot import extractive, relevance
from chatbot.chunking import chunk_document
from chatbot.knowledge.sources import markdown_documents
from chatbot.knowledge.train_sections import LABELLED, data_sha256, fit, fit_network, weight_of
from guardrails.base import Passage

STARTER = Path(__file__).resolve().parents[2] / "chatbot" / "knowledge" / "starter"


def test_the_committed_ranker_was_trained_on_the_committed_articles_and_questions() -> None:
    """Any edit to a starter article or a labelled question file means re-training:
    ``python -m chatbot.knowledge.train_sections --out chatbot/data/sections.json``."""
    stored = json.loads(extractive.RANKER_FILE.read_text(encoding="utf-8"))
    assert stored["data_sha256"] == data_sha256()
    assert stored["features"] == list(extractive.SECTION_FEATURES)
    held_out = stored["held_out_writers"]
    # It was kept because it beat the hand-chosen weights, and the network beat a weighted
    # sum of the same features, on writers it never saw.
    for kind in ("section_questions", "common_questions", "spent_test_questions"):
        assert held_out[kind]["section_learned"] > held_out[kind]["section_hand"], kind
        assert held_out[kind]["section_learned"] > held_out[kind]["section_linear"], kind


def test_the_labelled_questions_name_real_articles_and_headings() -> None:
    documents = {d.slug: d for d in markdown_documents(STARTER)}
    rows = [json.loads(line) for path in LABELLED for line in path.open(encoding="utf-8") if line.strip()]
    assert len(rows) >= 3000
    unknown = [r for r in rows if r["slug"] not in documents]
    assert len(unknown) <= 5, unknown[:3]
    assert all(r["question"].strip() and isinstance(r["keywords"], list) for r in rows)


def test_a_ranker_built_for_other_features_is_refused() -> None:
    stored = json.loads(extractive.RANKER_FILE.read_text(encoding="utf-8"))
    stored["features"] = stored["features"][:-1]
    with pytest.raises(ValueError, match="re-train"):
        extractive.SectionRanker.from_json(stored)


def test_a_ranker_stored_as_a_weighted_sum_or_with_wrong_shapes_is_refused() -> None:
    stored = json.loads(extractive.RANKER_FILE.read_text(encoding="utf-8"))
    linear = {"features": stored["features"], "weights": [0.0] * len(stored["features"]), "data_sha256": ""}
    with pytest.raises(ValueError, match="re-train"):
        extractive.SectionRanker.from_json(linear)
    stored["out_weights"] = stored["out_weights"][:-1]
    with pytest.raises(ValueError, match="re-train"):
        extractive.SectionRanker.from_json(stored)


def _and_groups(rng: np.random.Generator, n: int) -> list[tuple[np.ndarray, int]]:
    """Five sections each; the answering one is high on features 0 and 1 together,
    two decoys are higher on one of them alone."""
    groups = []
    for _ in range(n):
        x = rng.normal(scale=0.3, size=(5, 3))
        label, one, other = (int(i) for i in rng.permutation(5)[:3])
        x[label, :2] += 2.0
        x[one, 0] += 4.5
        x[other, 1] += 4.5
        groups.append((x, label))
    return groups


def test_the_network_learns_what_a_weighted_sum_cannot() -> None:
    """The reason the ranker is a network: a section that comes first on two counts at
    once can answer although a decoy comes further first on one of them."""
    rng = np.random.default_rng(1)
    train, unseen = _and_groups(rng, 400), _and_groups(rng, 200)
    network = fit_network(train, epochs=60)
    linear = extractive.LinearRanker(fit(train, l2=1e-4))

    def accuracy(ranker: extractive.Ranker) -> float:
        return float(np.mean([int(np.argmax(ranker.scores(x))) == y for x, y in unseen]))

    assert accuracy(network) > 0.9 > accuracy(linear) + 0.2


def test_the_network_fit_is_deterministic_and_leaves_torch_as_it_found_it() -> None:
    import torch

    threads, deterministic = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    rng = torch.random.get_rng_state()
    groups = _and_groups(np.random.default_rng(2), 100)
    first, second = fit_network(groups, epochs=3), fit_network(groups, epochs=3)
    assert np.array_equal(first.hidden_weights, second.hidden_weights)
    assert np.array_equal(first.out_weights, second.out_weights)
    assert (torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()) == (threads, deterministic)
    assert torch.equal(torch.random.get_rng_state(), rng)


def test_the_committed_ranker_round_trips_through_its_json() -> None:
    ranker = extractive.ranker()
    again = extractive.SectionRanker.from_json(json.loads(json.dumps(ranker.to_json())))
    features = np.random.default_rng(3).normal(size=(6, len(extractive.SECTION_FEATURES)))
    assert np.allclose(ranker.scores(features), again.scores(features))
    assert again.data_sha256 == ranker.data_sha256 == data_sha256()


def test_the_fit_learns_which_feature_marks_the_answering_section() -> None:
    """Synthetic groups in which feature 2 alone marks the label: the fitted weights
    choose the labelled section on groups they were not fitted on."""
    rng = np.random.default_rng(0)

    def group() -> tuple[np.ndarray, int]:
        x = rng.normal(size=(5, 4))
        label = int(rng.integers(5))
        x[label, 2] += 3.0
        return x, label

    weights = fit([group() for _ in range(300)], l2=1e-4)
    assert int(np.argmax(np.abs(weights))) == 2 and weights[2] > 0
    unseen = [group() for _ in range(200)]
    assert np.mean([int(np.argmax(x @ weights)) == y for x, y in unseen]) > 0.9


def test_a_common_question_counts_more_than_a_section_question() -> None:
    assert weight_of("sqc2") > weight_of("sq2") == 1.0


@pytest.mark.parametrize(
    ("slug", "question", "heading"),
    [
        ("acne", "how long till acne cream works", "How long does it take for acne treatment to work?"),
        ("acne", "does eating chocolate give you pimples", "Does food cause acne?"),
    ],
)
def test_the_committed_ranker_picks_the_section_that_answers(slug: str, question: str, heading: str) -> None:
    document = next(d for d in markdown_documents(STARTER) if d.slug == slug)
    article = "\n\n".join(c.text for c in chunk_document(document.title, document.text))
    sections = relevance.sections_of(Passage(1, document.title, article))
    embed = relevance.passage_embedder()
    q_vec = relevance.question_vector(question)
    sims = extractive.section_bank().similarities(q_vec, document.title, [h for h, _ in sections], embed)
    view = extractive.section_features(question, sections, document.title, embed, q_vec, bank_sims=sims)
    chosen = int(np.argmax(extractive.ranker().scores(view.features)))
    assert sections[chosen][0] == heading


def _two_d(texts: list[str]) -> np.ndarray:
    vectors = {
        "can my kids catch shingles from me": [1.0, 0.0],
        "how long does a shingles rash last": [0.0, 1.0],
        "what is shingles": [0.6, 0.8],
    }
    return np.array([vectors.get(t, [0.0, 0.0]) for t in texts], dtype=np.float32)


def test_the_section_bank_scores_each_section_by_the_closest_question_asked_of_it() -> None:
    title = "Shingles: symptoms and treatment"
    bank = extractive.SectionBank(
        [
            (title, extractive.heading_key("Is shingles contagious?"), "can my kids catch shingles from me"),
            (title, extractive.heading_key("How long does it last?"), "how long does a shingles rash last"),
            (title, extractive.heading_key(title), "what is shingles"),  # the opening section
        ]
    )
    q_vec = np.array([0.8, 0.6], dtype=np.float32)
    headings = ["Is shingles contagious?", "How long does it last?", title, "When to get help:"]
    assert bank.similarities(q_vec, title, headings, _two_d) == pytest.approx([0.8, 0.6, 0.96, 0.0])
    assert bank.similarities(q_vec, "Another article", headings, _two_d) == [0.0] * 4


def test_the_committed_section_bank_is_the_rankers_labelled_questions() -> None:
    assert LABELLED == extractive.SECTION_BANK_FILES
    rows = [json.loads(line) for path in LABELLED for line in path.open(encoding="utf-8") if line.strip()]
    slugs = {d.slug for d in markdown_documents(STARTER)}
    named = [r for r in rows if r["slug"] in slugs and r.get("heading") is not None]
    assert len(extractive.section_bank()) == len(named) > 3000
