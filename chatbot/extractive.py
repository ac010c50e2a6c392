"""Extractive answers: a reply built from the passages' own sentences, no LLM.

Used when no model is configured, and as the fallback when the model fails or its
answer fails the output rails. Every sentence is copied verbatim from a vetted
passage and cited, so the reply is grounded by construction. When nothing matches
well enough, the reply says so honestly and points to the care team.
Plain Python, no Django.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from guardrails.base import Passage
from guardrails.embeddings import embed
from guardrails.sentences import split_sentences

# Below this cosine between the question and the best sentence we do not answer.
# Why 0.45: on MedQuAD, questions and sentences of unrelated topics stay under ~0.35,
# and a wrong-topic answer is worse than an honest "I don't know".
MIN_SIMILARITY = 0.45
MAX_WORDS = 110
MAX_FOLLOWING = 6  # sentences kept after the best one, to keep lists ("B.E. F.A.S.T.") whole

NO_ANSWER = (
    "I don't have vetted information on that. Please contact your care team: use the "
    "clinic's phone number or send them a message through the patient portal. If this is "
    "an emergency, call your local emergency number now."
)

_WORD = re.compile(r"[a-z0-9]+")
_QUESTION_STOP = frozenset(
    "what which who how why when where is are was were the a an of to for and or in on do does "
    "can could should i my me it its be about tell there any".split()
)


@dataclass(frozen=True)
class ExtractiveAnswer:
    """The reply, the passage numbers it cites, and whether it is drawn from passages
    (False means the honest no-answer reply)."""

    text: str
    citations: tuple[int, ...]
    grounded: bool


def _clean(sentence: str) -> str:
    return re.sub(r"\s+", " ", sentence).strip()


def _overlap(question: str, sentence: str) -> float:
    q = {w for w in _WORD.findall(question.lower()) if w not in _QUESTION_STOP}
    if not q:
        return 0.0
    return len(q & set(_WORD.findall(sentence.lower()))) / len(q)


def extractive_answer(
    question: str,
    passages: Sequence[Passage],
    scores: Sequence[float] | None = None,
    *,
    min_similarity: float = MIN_SIMILARITY,
) -> ExtractiveAnswer:
    """Return a short cited reply built from the passage sentences that best match
    ``question``, or the no-answer reply when none reaches ``min_similarity``.

    ``scores`` are the retrieval scores of ``passages`` (same order); they break ties
    between passages. Raises only if the embedder is broken.
    """
    units: list[tuple[int, int, str]] = []  # (passage position, sentence position, text)
    for pi, passage in enumerate(passages):
        for si, span in enumerate(split_sentences(passage.text)):
            text = _clean(span.text)
            if len(text.split()) >= 2:
                units.append((pi, si, text))
    if not units or not question.strip():
        return ExtractiveAnswer(NO_ANSWER, (), grounded=False)

    vectors = embed(
        [question] + [f"{passages[pi].title}: {t}" if passages[pi].title else t for pi, _, t in units]
    )
    sims = vectors[1:] @ vectors[0]
    prior = np.array([scores[pi] if scores is not None else 0.0 for pi, _, _ in units], dtype=np.float32)
    lexical = np.array([_overlap(question, t) for _, _, t in units], dtype=np.float32)
    # Why a blend: the embedding finds paraphrases, the overlap keeps "stroke" questions
    # on stroke sentences, the retrieval score prefers the passage the index ranked first.
    ranking = sims + 0.15 * lexical + 0.1 * prior
    best = int(np.argmax(ranking))
    if float(sims[best]) < min_similarity:
        return ExtractiveAnswer(NO_ANSWER, (), grounded=False)

    pi, si, _ = units[best]
    chosen = [t for p, s, t in units if p == pi and si <= s <= si + MAX_FOLLOWING]
    reply: list[str] = []
    words = 0
    for sentence in chosen:
        n = len(sentence.split())
        if reply and words + n > MAX_WORDS:
            break
        reply.append(sentence)
        words += n
    number = passages[pi].number
    # Bullet items stay on their own lines; prose sentences run on.
    text = "".join(
        (("\n" if s.lstrip().startswith(("-", "*", "•")) else " ") if i else "") + s
        for i, s in enumerate(reply)
    )
    # Why one marker at the end: every sentence comes from the same passage, and a
    # list of signs reads better without a marker after each item.
    body = f"{text} [{number}]" if text.endswith((".", "!", "?", ":")) else f"{text}. [{number}]"
    return ExtractiveAnswer(body, (number,), grounded=True)
