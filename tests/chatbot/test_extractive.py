from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from chatbot import relevance
from chatbot.chunking import chunk_document
from chatbot.extractive import (
    MAX_GRADE,
    MAX_LIST_WORDS,
    MAX_WORDS,
    MAX_WORDS_WITH_RUNNER_UP,
    MIN_WORDS,
    NO_ANSWER,
    RUNNER_UP_GAP,
    SIGN_OFF,
    ExtractiveAnswer,
    _runner_up,
    _runner_up_paragraph,
    compose,
    extractive_answer,
    grade,
    kind,
)
from chatbot.knowledge.sources import markdown_documents
from guardrails.base import Passage

STARTER = Path(__file__).resolve().parents[2] / "chatbot" / "knowledge" / "starter"
ARTICLES = {d.slug: d for d in markdown_documents(STARTER)}


def passages_of(slug: str) -> list[Passage]:
    article = ARTICLES[slug]
    return [
        Passage(i + 1, article.title, c.text)
        for i, c in enumerate(chunk_document(article.title, article.text))
    ]


def answer(question: str, passages: list[Passage]) -> str:
    result = extractive_answer(
        question, passages, relevance.passage_embedder(), relevance.question_vector(question)
    )
    return result.text


def section(slug: str, heading_start: str) -> Passage:
    return next(p for p in passages_of(slug) if p.text.startswith(heading_start))


def test_no_passages_gives_the_honest_reply() -> None:
    result = extractive_answer(
        "what are stroke signs?", [], relevance.passage_embedder(), relevance.question_vector("x")
    )
    assert result.text == NO_ANSWER and result.citations == () and not result.grounded


def test_the_stroke_answer_keeps_every_be_fast_sign() -> None:
    """Half of BE FAST (no Arm, no Speech, no 'call 911') would be a dangerous answer."""
    best = next(p for p in passages_of("stroke-warning-signs") if "Balance" in p.text)
    text = answer("what are the warning signs of a stroke?", [best])
    for sign in ("Balance", "Eyes", "Face drooping", "Arm weakness", "Speech difficulty", "call 911"):
        assert sign in text
    assert "**" not in text and "#" not in text
    assert text.endswith(f"[{best.number}]")


# (article, section heading the passage opens with, question, what the answer opens with)
SHAPES = [
    ("hives", "What causes hives", "what causes hives", "In children, viral infections"),
    (
        "ace-inhibitors-lisinopril",
        "What are the side effects",
        "does lisinopril make you cough",
        "The most common side effect is a dry, tickly cough",
    ),
    (
        "diabetes-foot-care",
        "How often should I check my feet",
        "how often should i look at my feet with diabetes",
        "You should look at your feet every day",
    ),
    (
        "how-much-sleep-by-age",
        "How much sleep",
        "how many hours of sleep does my teenager need",
        None,
    ),
]


@pytest.mark.parametrize(("slug", "heading", "question", "opening"), SHAPES)
def test_an_answer_opens_with_the_answering_sentence_and_reads_whole(
    slug: str, heading: str, question: str, opening: str | None
) -> None:
    passage = section(slug, heading)
    text = answer(question, [passage])
    if opening:
        assert text.startswith(opening)
    first = text.lstrip()
    assert not first.startswith(("-", "*", "•")) and (first[0].isupper() or first[0].isdigit())
    assert not text.rstrip().endswith("?")
    lines = text.split("\n")
    for i, line in enumerate(lines):  # every list item sits under a lead-in
        if line.startswith("-"):
            assert i > 0 and (lines[i - 1].startswith("-") or lines[i - 1].endswith(":"))
    assert text.endswith(f"[{passage.number}]")


def test_the_teen_sleep_question_is_answered_with_the_table_that_has_the_teen_hours() -> None:
    passage = section("how-much-sleep-by-age", "How many hours of sleep")
    text = answer("how much sleep does my teenager need", [passage])
    assert text.startswith("Children need 8 to 17 hours")
    assert "Teens (13 to 18 years): 8 to 10 hours" in text  # the list came whole, with its lead-in


@pytest.mark.parametrize(
    "slug", ["metformin", "mammograms", "fever-medicine-for-children", "inhalers-and-spacers"]
)
def test_answers_stay_short_and_plain(slug: str) -> None:
    for passage in passages_of(slug):
        text = answer(f"tell me about {ARTICLES[slug].title}", [passage])
        prose_words = sum(len(line.split()) for line in text.split("\n") if not line.startswith("-"))
        assert len(text.split()) <= MAX_LIST_WORDS + 40 and prose_words <= MAX_WORDS + 60


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("Call 911 if you have chest pain. Take your pills every day. [1]", True),
        (
            "Pharmacokinetic considerations notwithstanding, contraindications necessitate "
            "individualized therapeutic decision-making regarding anticoagulation management.",
            False,
        ),
    ],
)
def test_grade_reads_plain_text_as_plain(text: str, plain: bool) -> None:
    assert (grade(text) <= MAX_GRADE) is plain


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("how do i check my blood pressure at home", "action"),
        ("what do i do if someone has a severe allergic reaction", "action"),
        ("When should I check my blood pressure?", "time"),
        ("how often should i get a mammogram", "time"),
        ("so how much tylenol can i take", "amount"),
        ("What causes hives?", "cause"),
        ("Who should get lung cancer screening?", "who"),
        ("When to get help", "urgent"),
        ("should i go to the er", "urgent"),
        ("what is ibs", None),
        ("how do i treat athletes foot", "treat"),
        ("How can I prevent ringworm and athlete's foot?", "prevent"),
        ("What to do:", "action"),
        ("Ways to contact your care team:", "action"),
    ],
)
def test_questions_and_headings_say_what_kind_of_answer_they_want(text: str, expected: str | None) -> None:
    assert kind(text) == expected


def test_an_answer_opens_at_its_sections_start_when_the_answering_sentence_leans_on_it() -> None:
    """ "Other causes include..." alone would leave out the two most common causes."""
    passage = section("chronic-kidney-disease", "What causes")
    text = answer("what causes kidney disease", [passage])
    assert text.startswith("Diabetes and high blood pressure are the two most common causes")
    assert "Other causes include" in text


def test_the_section_is_read_with_the_articles_title() -> None:
    """The intro (whose heading is the title) used to win every question on the topic."""
    first, _, second = passages_of("asthma")[:3]
    joined = Passage(1, first.title, f"{first.text}\n\n{second.text}")  # as retrieval joins two chunks
    assert "tobacco smoke" in second.text
    assert "tobacco smoke" in answer("what are asthma triggers", [joined])


@pytest.mark.parametrize("slug", ["rashes-in-children", "migraine", "insulin-basics", "head-lice"])
def test_an_articles_sign_off_never_opens_an_answer(slug: str) -> None:
    for passage in passages_of(slug):
        text = answer("who do i contact with other questions", [passage])
        assert not SIGN_OFF.match(text)


def test_a_one_line_answer_runs_on_to_say_enough() -> None:
    text = answer("what is ibs", passages_of("irritable-bowel-syndrome")[:1])
    assert len(text.split()) >= MIN_WORDS and "belly pain" in text


def test_an_answer_never_opens_with_a_sentence_that_leans_on_the_one_before() -> None:
    """ "Other things to watch include:" opened the warfarin food answer."""
    text = answer("what foods should i watch with warfarin", [section("warfarin", "Do I need to avoid foods")])
    assert text.startswith("No, you do not need to avoid vitamin K")


def whole_article(slug: str) -> str:
    article = ARTICLES[slug]
    return "\n\n".join(c.text for c in chunk_document(article.title, article.text))


def answer_from_article(question: str, slug: str) -> ExtractiveAnswer:
    """The extractive answer to ``question`` from the article ``slug`` (its intro as the
    gate's passage, the whole article to choose a section from), the rails aside."""
    intro = passages_of(slug)[0]
    return extractive_answer(
        question, [intro], relevance.passage_embedder(), relevance.question_vector(question), whole_article(slug)
    )


def test_with_its_article_an_answer_quotes_the_section_that_answers_not_the_retrieved_one() -> None:
    """The gate judged the article on its intro; the answer is in another section."""
    intro = passages_of("burns-first-aid")[0]
    question = "how should i look after a small burn while it heals"
    result = extractive_answer(
        question,
        [intro],
        relevance.passage_embedder(),
        relevance.question_vector(question),
        whole_article("burns-first-aid"),
    )
    assert result.text.startswith("Gently wash the burn") and result.citations == (intro.number,)


def test_a_not_heading_does_not_answer_what_to_do() -> None:
    """"What should I NOT put on a burn?" shares the question's words but answers the opposite."""
    intro = passages_of("burns-first-aid")[0]
    question = "what do i do right away for a burn from the stove"
    text = extractive_answer(
        question,
        [intro],
        relevance.passage_embedder(),
        relevance.question_vector(question),
        whole_article("burns-first-aid"),
    ).text
    assert text.startswith("Cool the burn") and "Do not put ice" not in text


@pytest.mark.parametrize(
    ("slug", "question", "facts"),
    [
        # The answering step is far down the section: the answer reaches it, lead-in and all.
        ("inhalers-and-spacers", "after i puff into the spacer how many seconds do i hold my breath", ["10 seconds"]),
        ("nosebleeds", "how long am i supposed to pinch my nose when it bleeds", ["10 to 15 minutes", "forward"]),
    ],
)
def test_an_answer_reaches_the_step_that_answers(slug: str, question: str, facts: list[str]) -> None:
    intro = passages_of(slug)[0]
    text = extractive_answer(
        question, [intro], relevance.passage_embedder(), relevance.question_vector(question), whole_article(slug)
    ).text
    assert all(fact in text for fact in facts), text


def test_when_to_go_to_the_er_is_answered_with_the_911_list() -> None:
    """The asthma article's "When to get help" opens with a care-team line and goes on to
    "Call 911 or go to the emergency department if:" and its list. Read as a heading of
    its own, that lead-in left the section one line long, and this question got only the
    care-team line. (The input rails should escalate this message first; they do not yet:
    ``tests/guardrails/test_emergency.py``.)"""
    question = "rescue inhaler not really helping and its hard to talk, when do i go to the ER for asthma"
    intro = passages_of("asthma")[0]
    text = extractive_answer(
        question, [intro], relevance.passage_embedder(), relevance.question_vector(question), whole_article("asthma")
    ).text
    assert "Call 911" in text and "full sentences" in text, text


class _Scores:
    """A ranker that gives each section of one article a fixed score, by heading."""

    def __init__(self, sections: list[tuple[str, list[str]]], by_heading: dict[str, float]) -> None:
        self.values = np.array([by_heading.get(h, 0.0) for h, _ in sections])

    def scores(self, features: np.ndarray) -> np.ndarray:
        assert len(features) == len(self.values)
        return self.values


def test_an_unsure_ranker_says_the_runner_up_section_too() -> None:
    """The ranker chooses between "Is shingles contagious?" (which answers) and "When to
    get help:" by less than RUNNER_UP_GAP. (The weighted sum did so on this question until
    2026-12-07; the network is sure of the first.) Both are said, the chosen one first and
    the runner-up under its heading, within the length cap and with one citation."""
    question = "I have shingles. Can I pass it to my grandson if I babysit him this weekend?"
    intro = passages_of("shingles")[0]
    article = whole_article("shingles")
    sections = relevance.sections_of(Passage(intro.number, intro.title, article))
    unsure = _Scores(sections, {"Is shingles contagious?": 5.0, "When to get help:": 5.0 - RUNNER_UP_GAP / 2})
    result = compose(
        question, intro, relevance.passage_embedder(), relevance.question_vector(question), article, unsure
    )
    first, _, also = result.text.partition("\n\n")
    heading, _, said = also.partition("\n")
    assert first.startswith("You cannot give someone shingles"), result.text
    assert heading == "When to get help:" and said.startswith("Contact your care team"), result.text
    assert len(result.text.split()) <= MAX_WORDS_WITH_RUNNER_UP
    assert result.citations == (intro.number,) and result.text.endswith(f"[{intro.number}]")
    sure = _Scores(sections, {"Is shingles contagious?": 5.0, "When to get help:": 5.0 - 2 * RUNNER_UP_GAP})
    alone = compose(question, intro, relevance.passage_embedder(), relevance.question_vector(question), article, sure)
    assert "When to get help:" not in alone.text and alone.text.startswith("You cannot give someone shingles")


def test_the_committed_ranker_answers_the_grandson_question_from_the_contagious_section() -> None:
    question = "I have shingles. Can I pass it to my grandson if I babysit him this weekend?"
    intro = passages_of("shingles")[0]
    result = extractive_answer(
        question, [intro], relevance.passage_embedder(), relevance.question_vector(question), whole_article("shingles")
    )
    assert result.text.startswith("You cannot give someone shingles"), result.text


def test_the_runner_up_has_room_beside_a_full_length_answer() -> None:
    """How long to press on a cut: the committed ranker chooses when a cut needs
    stitches (a 104-word answer) and ranks "How do I stop a cut from bleeding?" second.
    With 130 words in all (until 2026-12-07) the runner-up did not fit and the answer
    never said how long; with MAX_WORDS_WITH_RUNNER_UP it does, under its own heading."""
    question = "sliced my thumb on a can lid, how long should i keep pressing on it"
    intro = passages_of("cuts-and-scrapes")[0]
    result = extractive_answer(
        question, [intro], relevance.passage_embedder(), relevance.question_vector(question),
        whole_article("cuts-and-scrapes"),
    )
    first, _, also = result.text.partition("\n\n")
    assert len(first.split()) > 130 - len(also.split()), result.text  # would not have fitted before
    assert also.startswith("How do I stop a cut from bleeding?\n") and "10 minutes" in also, result.text
    assert len(result.text.split()) <= MAX_WORDS_WITH_RUNNER_UP and result.citations == (intro.number,)


def test_a_runner_up_needs_a_close_score_and_a_unit_that_is_not_a_sign_off() -> None:
    spans = [(0, 2), (2, 4), (4, 5)]
    unit_match = np.array([0.5, 0.6, 0.2, 0.7, -np.inf])
    assert _runner_up(np.array([3.0, 3.0 - RUNNER_UP_GAP, -RUNNER_UP_GAP]), unit_match, spans, 0) == (1, 1)
    assert _runner_up(np.array([3.0, 2.9 - RUNNER_UP_GAP, -RUNNER_UP_GAP]), unit_match, spans, 0) is None
    # the runner-up is a sign-off alone: nothing to add
    assert _runner_up(np.array([3.0, 0.0, 2.9]), unit_match, spans, 0) is None
    assert _runner_up(np.array([3.0]), unit_match[:2], spans[:1], 0) is None


# Two sections for the runner-up paragraph's tests: an intro with a bare list, and a
# section whose second sentence leans on its first.
_FLU = [
    ("Flu", ["Flu is an infection.", "- fever\n- cough"]),
    ("How long does it last?", ["Most people feel better in a week.", "This can take longer in older adults."]),
]


def test_a_runner_up_paragraph_reads_from_its_section_start_while_it_has_room() -> None:
    sections = _FLU
    # from the section's first unit through its best, under its heading
    assert _runner_up_paragraph(sections, (1, 1), "Flu", 100) == (
        "How long does it last?\nMost people feel better in a week. This can take longer in older adults."
    )
    # and on past the best unit while the room lasts
    assert _runner_up_paragraph(sections, (1, 0), "Flu", 100) == _runner_up_paragraph(sections, (1, 1), "Flu", 100)
    assert _runner_up_paragraph(sections, (1, 0), "Flu", 8) == "How long does it last?\nMost people feel better in a week."
    # the intro has no heading of its own: its lead-in comes with its list
    assert _runner_up_paragraph(sections, (0, 1), "Flu", 100) == "Flu is an infection.\n- fever\n- cough"


def test_a_runner_up_paragraph_without_room_for_its_start_says_its_best_unit_alone() -> None:
    sections = _FLU
    # a sentence that leans on the one before it still comes with that one
    assert _runner_up_paragraph(sections, (1, 1), "Flu", 5) == (
        "How long does it last?\nMost people feel better in a week. This can take longer in older adults."
    )
    # a bare list in the intro opens with the title, a sentence alone is said alone
    assert _runner_up_paragraph(sections, (0, 1), "Flu", 3) == "Flu:\n- fever\n- cough"
    assert _runner_up_paragraph(sections, (0, 0), "Flu", 3) == "Flu is an infection."


def test_the_runner_up_opens_with_its_sections_answer_not_a_later_sentence() -> None:
    """On the spent answers_test_29, "8 wks pregnant n cant stop puking, is there anything
    otc i can take for morning sickness" chose the home tips, with "What medicines help
    with nausea in pregnancy?" close behind (a fixed ranker holds that here). That
    section's best-matching sentence is its fifth ("If they do not help, other
    prescription medicines..."); the answer, vitamin B6 with doxylamine, is its first.
    With the best sentence alone (until 2026-12-07) the answer never named them."""
    question = "8 weeks pregnant and throwing up all day, anything over the counter i can take"
    intro = passages_of("nausea-in-pregnancy")[0]
    article = whole_article("nausea-in-pregnancy")
    sections = relevance.sections_of(Passage(intro.number, intro.title, article))
    unsure = _Scores(
        sections,
        {
            "What can I do at home to feel better?": 5.0,
            "What medicines help with nausea in pregnancy?": 5.0 - RUNNER_UP_GAP / 2,
        },
    )
    result = compose(
        question, intro, relevance.passage_embedder(), relevance.question_vector(question), article, unsure
    )
    _, _, also = result.text.partition("\n\n")
    assert also.startswith("What medicines help with nausea in pregnancy?\nVitamin B6"), result.text
    assert "doxylamine" in also and len(result.text.split()) <= MAX_WORDS_WITH_RUNNER_UP, result.text


def test_a_no_to_a_first_aid_step_says_what_to_do_instead() -> None:
    """Composed from the nosebleed article (the rails aside), "No, do not tilt your head
    back" now comes with "Sit up and lean forward instead"; until 2026-12-07 the section
    did not say it, and six fresh sets in a row had a question answered with the "no"
    alone or with the runner-up's first sentence."""
    result = answer_from_article("should i tilt my head back for a nosebleed", "nosebleeds")
    first, _, _ = result.text.partition("\n\n")
    assert first.startswith("No, do not tilt your head back") and "lean forward" in first, result.text


def test_the_first_prenatal_visit_section_says_when_it_is() -> None:
    """Composed from the prenatal-visits article (the gate aside): until 2026-12-07 its
    first-visit section said what happens there and never when."""
    result = answer_from_article("how far along are you at the first prenatal visit", "prenatal-visits")
    assert result.text.startswith("Many practices schedule the first prenatal visit between 8 and 12 weeks"), result.text
