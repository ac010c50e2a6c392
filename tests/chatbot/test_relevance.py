from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from chatbot import relevance
from chatbot.knowledge.train_relevance import also_answers, data_sha256
from guardrails.base import Passage

# Titled as the starter articles are: the gate's article classifier knows an article by
# its title, and gives one it does not know (a clinic's own) the cautious 0.
STROKE = Passage(
    1,
    "Stroke: warning signs and what to do",
    "What are the warning signs of a stroke?\nUse BE FAST to remember the warning signs of a stroke:\n"
    "- B is for balance: sudden loss of balance.\n- F is for face: one side of the face droops.\n"
    "- T is for time: call 911 right away.",
    score=0.62,
)
FLU = Passage(
    2,
    "Flu vaccine: who needs it and when",
    "Who should get a flu vaccine?\nEveryone 6 months and older should get a flu vaccine every season.",
    score=0.31,
)


def test_the_committed_gate_was_trained_on_the_committed_articles_and_questions() -> None:
    """Any edit to a starter article or a question file means re-training the gate:
    ``python -m chatbot.knowledge.train_relevance``."""
    stored = json.loads(relevance.MODEL_FILE.read_text(encoding="utf-8"))
    assert stored["data_sha256"] == data_sha256()
    assert stored["features"] == list(relevance.FEATURES)
    assert 0.0 < stored["threshold"] < 1.0
    assert stored["held_out"]["off_target"] <= 0.02  # chosen on whole held-out articles
    assert stored["held_out"]["answered_wrongly_without_article"] <= 0.05
    articles = relevance.load_articles()
    assert articles.data_sha256 == data_sha256()  # written by the same training run
    from chatbot.knowledge.sources import markdown_documents
    from chatbot.knowledge.train_relevance import STARTER

    assert set(articles.titles) == {d.title for d in markdown_documents(STARTER)}


def test_a_gate_built_for_other_features_is_refused() -> None:
    stored = json.loads(relevance.MODEL_FILE.read_text(encoding="utf-8"))
    stored["features"] = stored["features"][:-1]
    with pytest.raises(ValueError, match="re-train"):
        relevance.RelevanceModel.from_json(stored)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What are the side effects of Metformin?", ["side", "effect", "metformin"]),
        ("my kids have fevers", ["kid", "fever"]),
        ("how often should I check my feet", ["often", "check", "feet"]),
        ("is it ok", []),
    ],
)
def test_words_keep_content_words_lightly_stemmed(text: str, expected: list[str]) -> None:
    assert relevance.words(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("how often should I get a mammogram", {"interval"}),
        ("what are the side effects of statins", {"side_effects"}),
        ("how much ibuprofen can my son have", {"dose", "child"}),
        ("what does the flu vaccine do", set()),
    ],
)
def test_question_type_cues(text: str, expected: set[str]) -> None:
    assert relevance.cues(text) == expected


def _model(threshold: float, feature: str = "retrieval_score") -> relevance.RelevanceModel:
    """A gate that trusts one feature alone: p = sigmoid(10 * (feature - 0.5))."""
    n = len(relevance.FEATURES)
    weights = np.zeros(n, dtype=np.float32)
    weights[relevance.FEATURES.index(feature)] = 10.0
    return relevance.RelevanceModel(
        weights, -5.0, np.zeros(n, np.float32), np.ones(n, np.float32), {"stroke": 2.0}, threshold, "x"
    )


def _fake_embed(texts: list[str]) -> np.ndarray:
    return np.ones((len(texts), 4), dtype=np.float32) / 2.0


@pytest.mark.parametrize(
    ("threshold", "accepted"),
    [(0.1, [1, 2]), (0.5, [1]), (0.9, [])],
)
def test_the_gate_accepts_only_passages_at_or_above_its_threshold(
    threshold: float, accepted: list[int]
) -> None:
    # p(stroke) = sigmoid(10 * 0.62 - 5) = 0.77 and p(flu) = sigmoid(10 * 0.31 - 5) = 0.13; best first.
    judgement = relevance.judge("stroke signs?", [FLU, STROKE], _fake_embed, np.ones(4), _model(threshold))
    assert judgement.probabilities == pytest.approx((0.1301, 0.7685), abs=1e-3)  # in the order given
    assert [p.number for p in judgement.accepted] == accepted
    assert judgement.answers is bool(accepted)


def test_a_question_with_no_content_words_is_never_answered() -> None:
    judgement = relevance.judge("is it ok?", [STROKE], _fake_embed, np.ones(4), _model(0.0))
    assert not judgement.answers


def test_the_passage_embedder_encodes_each_text_once() -> None:
    calls: list[list[str]] = []

    def embed(texts: list[str]) -> np.ndarray:
        calls.append(list(texts))
        return np.arange(len(texts) * 2, dtype=np.float32).reshape(len(texts), 2)

    cached = relevance.PassageEmbedder(embed, size=3)
    first = cached(["a", "b"])
    again = cached(["b", "a", "c"])
    assert calls == [["a", "b"], ["c"]]
    assert np.array_equal(first[0], again[1]) and np.array_equal(first[1], again[0])
    cached(["d"])  # over the bound: "c", the least recently used, goes
    cached(["c"])
    assert calls[-2:] == [["d"], ["c"]]


@pytest.mark.parametrize(
    ("question", "answers"),
    [
        ("what are the warning signs of a stroke?", True),
        ("how do I renew my passport?", False),
        ("what is the best mattress for a bad back", False),
        ("hi its [NAME_1] again, [NAME_2] told me to ask: what are the warning signs of a stroke?", True),
        ("¿cuáles son las señales de un derrame cerebral?", True),  # read in English through the glossary
    ],
)
def test_the_committed_gate_on_clear_cases(question: str, answers: bool) -> None:
    """On passages from starter articles."""
    judgement = relevance.gate(question, [STROKE, FLU])
    assert judgement.answers is answers
    if answers:
        assert judgement.accepted[0] is STROKE


@pytest.mark.xfail(
    strict=True,
    reason="a known miss (2026-12-04): the article classifier puts rosacea, a word no starter "
    "article holds, on the acne article (p 0.60), and the gate answers with acne products",
)
def test_a_skin_condition_no_article_covers_is_declined() -> None:
    from chatbot.knowledge.sources import markdown_documents
    from chatbot.knowledge.train_relevance import STARTER

    acne = next(d for d in markdown_documents(STARTER) if d.slug == "acne")
    passage = Passage(1, acne.title, acne.text, score=0.55)
    assert not relevance.gate("what is the best treatment for rosacea on my cheeks?", [passage]).answers


def _found(title: str, score: float, order: int) -> relevance.Found:
    return relevance.Found(title, f"https://example.org/{title}", f"{title} chunk {order}.", score, order)


def test_passages_hold_up_to_two_chunks_of_a_document_in_document_order() -> None:
    hits = [
        _found("stroke", 0.7, 5),
        _found("flu", 0.6, 1),
        _found("stroke", 0.5, 2),
        _found("stroke", 0.4, 9),
    ]
    passages = relevance.passages_from(hits, top_k=4)
    assert [(p.number, p.title, p.score) for p in passages] == [(1, "stroke", 0.7), (2, "flu", 0.6)]
    assert passages[0].text == "stroke chunk 2.\n\nstroke chunk 5."


def test_passages_keep_only_the_top_documents() -> None:
    hits = [_found("a", 0.9, 0), _found("b", 0.8, 0), _found("c", 0.7, 0), _found("a", 0.6, 1)]
    passages = relevance.passages_from(hits, top_k=2)
    assert [p.title for p in passages] == ["a", "b"] and passages[0].text.count("chunk") == 2


def test_the_proposed_article_is_one_more_passage_only_when_retrieval_missed_it() -> None:
    hits = [_found("a", 0.9, 0), _found("b", 0.8, 0)]
    proposed = [_found("poison", 0.3, 7), _found("poison", 0.2, 2), _found("poison", 0.1, 4)]
    passages = relevance.passages_from(hits, top_k=2, proposed=proposed)
    assert [(p.number, p.title, p.score) for p in passages] == [(1, "a", 0.9), (2, "b", 0.8), (3, "poison", 0.3)]
    assert passages[2].text == "poison chunk 2.\n\npoison chunk 7."  # its best two, in document order
    again = relevance.passages_from(hits, top_k=2, proposed=[_found("b", 0.5, 3)])
    assert [p.title for p in again] == ["a", "b"] and "chunk 3" not in again[1].text
    assert relevance.passages_from(hits, top_k=2) == relevance.passages_from(hits, top_k=2, proposed=[])


def test_the_article_classifier_proposes_the_article_retrieval_missed() -> None:
    """The question's words ("coin batteries", "tv remote") are not the article's; the
    classifier, fitted on patients' questions, proposes it all the same."""
    question = "my 2 yr old may have put one of those little coin batteries from the tv remote in her mouth"
    q_vec = relevance.question_vector(question)
    assert relevance.proposed_article(q_vec) == "Poisoning: what to do and how to reach Poison Control"


def test_sections_of_a_passage_of_two_chunks() -> None:
    passage = Passage(
        1,
        "Hives",
        "What causes hives?\nViral infections are the most common cause. Other triggers include:\n- foods\n- heat"
        "\n\nHow long do hives last?\nMost hives go away within a few days.",
    )
    assert relevance.sections_of(passage) == [
        (
            "What causes hives?",
            ["Viral infections are the most common cause.", "Other triggers include:\n- foods\n- heat"],
        ),
        ("How long do hives last?", ["Most hives go away within a few days."]),
    ]


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("hi its [NAME_1], my son [NAME_2] has a fever", "hi its , my son has a fever"),
        ("seen on [DATE_1] at [LOCATION_12]?", "seen on at ?"),
        ("what is a normal blood pressure", "what is a normal blood pressure"),
        ("my [name] is on the label", "my [name] is on the label"),  # not a surrogate
    ],
)
def test_the_gate_reads_a_question_without_its_surrogates(text: str, plain: str) -> None:
    assert relevance.plain_question(text) == plain


TITLE_WORDS = frozenset({"levothyroxine", "hypothyroidism", "statin", "high", "cholesterol", "common", "cold"})
IDF = {"levothyroxine": 5.0, "hypothyroidism": 5.0, "statin": 4.0, "cholesterol": 3.0, "high": 1.0, "cold": 3.0}


@pytest.mark.parametrize(
    ("question", "title", "answers"),
    [
        ("how to take levothyroxine correctly", "Levothyroxine", True),
        ("how to take levothyroxine correctly", "Hypothyroidism", False),
        ("statin making my legs ache and my cholesterol is high", "Statins", True),  # rarest subject wins
        ("statin making my legs ache and my cholesterol is high", "High cholesterol", False),
        ("how long does a cold last", "Common cold", True),
        ("my legs ache at night", "Common cold", False),  # no subject: never a sibling's answer
    ],
)
def test_another_article_about_the_questions_subject_counts_as_answering_in_training(
    question: str, title: str, answers: bool
) -> None:
    assert also_answers(question, title, IDF, TITLE_WORDS) is answers


def _bank_embed(calls: list[list[str]]):
    vectors = {
        "stroke signs?": [1.0, 0.0],
        "is my face drooping a stroke": [0.6, 0.8],
        "flu shot every year?": [0.0, 1.0],
    }

    def embed(texts: list[str]) -> np.ndarray:
        calls.append(list(texts))
        return np.array([vectors.get(t, [0.0, 0.0]) for t in texts], dtype=np.float32)

    return embed


def test_the_bank_scores_each_passage_by_the_closest_question_its_article_answers() -> None:
    bank = relevance.QuestionBank(
        [
            (STROKE.title, "stroke signs?"),
            (STROKE.title, "is my face drooping a stroke"),
            (FLU.title, "flu shot every year?"),
        ]
    )
    calls: list[list[str]] = []
    embed = _bank_embed(calls)
    elsewhere = Passage(3, "A clinic's own article", "Text.", score=0.5)
    q_vec = np.array([0.8, 0.6], dtype=np.float32)
    assert bank.similarities(q_vec, [FLU, STROKE, elsewhere], embed) == pytest.approx([0.6, 0.96, 0.0])
    assert bank.similarities(q_vec, [elsewhere], embed) == [0.0]  # no article of the bank: nothing encoded
    bank.similarities(np.array([1.0, 0.0], dtype=np.float32), [STROKE], embed)
    assert len(calls) == 1  # the bank is encoded once per encoder


def test_the_gate_reads_the_bank_when_given_one() -> None:
    model = _model(0.5, "bank_similarity")
    bank = relevance.QuestionBank([(STROKE.title, "stroke signs?"), (FLU.title, "flu shot every year?")])
    q_vec = np.array([1.0, 0.0], dtype=np.float32)
    embed = _bank_embed([])
    with_bank = relevance.judge("stroke signs?", [FLU, STROKE], embed, q_vec, model, bank=bank)
    assert [p.number for p in with_bank.accepted] == [STROKE.number]
    assert not relevance.judge("stroke signs?", [FLU, STROKE], embed, q_vec, model).answers  # no bank: 0


def test_the_committed_bank_holds_every_training_question_under_its_articles_title() -> None:
    from chatbot.knowledge.sources import markdown_documents
    from chatbot.knowledge.train_relevance import QUESTIONS, STARTER

    assert relevance.BANK_FILES == QUESTIONS
    titles = {d.slug: d.title for d in markdown_documents(STARTER)}
    rows = [json.loads(line) for path in QUESTIONS for line in path.open(encoding="utf-8") if line.strip()]
    # read as the gate reads a patient's question: a Spanish one in English
    expected = [(titles[r["slug"]], relevance.english_question(r["question"])) for r in rows if r["slug"] in titles]
    bank = relevance.load_bank()
    assert len(bank) == len(expected) > 4000
    assert list(zip(bank.titles, bank.texts, strict=True)) == expected


def _articles(titles: tuple[str, ...], weights: list[list[float]]) -> relevance.ArticleClassifier:
    return relevance.ArticleClassifier(
        titles, np.array(weights, np.float32), np.zeros(len(titles), np.float32), "x"
    )


def test_the_article_classifier_gives_each_passage_its_articles_probability() -> None:
    articles = _articles((STROKE.title, FLU.title), [[4.0, 0.0], [0.0, 4.0]])
    elsewhere = Passage(3, "A clinic's own article", "Text.", score=0.5)
    q_vec = np.array([1.0, 0.0], dtype=np.float32)
    probs = articles.probabilities(q_vec, [FLU, STROKE, elsewhere])
    assert probs[1] == pytest.approx(1 / (1 + np.exp(-4.0)))  # softmax over the two articles
    assert probs[0] == pytest.approx(1 - probs[1], rel=1e-4)
    assert probs[2] == 0.0  # an article it does not know: the cautious 0


def test_the_gate_reads_the_article_classifier_when_given_one() -> None:
    model = _model(0.5, "article_probability")
    articles = _articles((STROKE.title, FLU.title), [[4.0, 0.0], [0.0, 4.0]])
    q_vec = np.array([1.0, 0.0], dtype=np.float32)
    embed = _bank_embed([])
    judged = relevance.judge("stroke signs?", [FLU, STROKE], embed, q_vec, model, articles=articles)
    assert [p.number for p in judged.accepted] == [STROKE.number]
    assert not relevance.judge("stroke signs?", [FLU, STROKE], embed, q_vec, model).answers  # none given: 0


def test_the_article_classifier_survives_its_file(tmp_path: Path) -> None:
    articles = _articles((STROKE.title, FLU.title), [[4.0, 0.0], [0.0, 4.0]])
    articles.save(tmp_path / "a.npz")
    read = relevance.ArticleClassifier.read(tmp_path / "a.npz")
    assert read.titles == articles.titles and read.data_sha256 == "x"
    assert np.array_equal(read.weights, articles.weights)
