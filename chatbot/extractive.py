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
MAX_FOLLOWING = 6  # sentences kept after the best one
# A list the answer starts or runs into is kept whole up to this many words: half of
# "BE FAST" (no Arm, no Speech, no "call 911") is a dangerous answer.
MAX_LIST_WORDS = 200
_BULLET = ("-", "*", "•")
SECTION_LEAD = 2  # a best sentence this close to its section's start pulls in the lead-in

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
    """Collapse whitespace, but keep each list item on a line of its own."""
    lines: list[str] = []
    for raw in sentence.splitlines():
        line = re.sub(r"\s+", " ", raw).strip()
        if not line:
            continue
        if lines and not line.startswith(_BULLET):
            lines[-1] += " " + line
        else:
            lines.append(line)
    return "\n".join(lines)


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
    headings: list[str] = []  # the question-style heading each unit sits under, or ""
    section_start: list[int] = []  # the sentence position where that section begins
    for pi, passage in enumerate(passages):
        heading, start = "", 0
        for si, span in enumerate(split_sentences(passage.text)):
            text = _clean(span.text)
            # A question in a passage is a heading ("What are the warning signs of a
            # stroke?"): it restates rather than answers, but it says what follows is about.
            if text.endswith("?"):
                heading, start = text, si + 1
            elif len(text.split()) >= 2:
                units.append((pi, si, text))
                headings.append(heading)
                section_start.append(start)
    if not units or not question.strip():
        return ExtractiveAnswer(NO_ANSWER, (), grounded=False)

    distinct = sorted({h for h in headings if h})
    vectors = embed(
        [question]
        + [f"{passages[pi].title}: {t}" if passages[pi].title else t for pi, _, t in units]
        + distinct
    )
    sims = vectors[1 : 1 + len(units)] @ vectors[0]
    heading_sim = dict(zip(distinct, (vectors[1 + len(units) :] @ vectors[0]).tolist(), strict=True))
    section = np.array([heading_sim.get(h, 0.0) for h in headings], dtype=np.float32)
    prior = np.array([scores[pi] if scores is not None else 0.0 for pi, _, _ in units], dtype=np.float32)
    lexical = np.array([_overlap(question, t) for _, _, t in units], dtype=np.float32)
    # Why a blend: the embedding finds paraphrases, the overlap keeps "stroke" questions
    # on stroke sentences, the section heading says which part of an article answers
    # the question, and the retrieval score prefers the passage the index ranked first.
    ranking = sims + 0.15 * lexical + 0.3 * section + 0.1 * prior
    best = int(np.argmax(ranking))
    if float(sims[best]) < min_similarity:
        return ExtractiveAnswer(NO_ANSWER, (), grounded=False)

    pi, si, _ = units[best]
    if headings[best] and si - section_start[best] <= SECTION_LEAD:
        si = section_start[best]  # answer from the top of the section that matched
    following = [t for p, s, t in units if p == pi and s >= si]
    reply: list[str] = []
    words = 0
    for i, sentence in enumerate(following):
        n = len(sentence.split())
        in_list = sentence.lstrip().startswith(_BULLET) or (
            i + 1 < len(following) and following[i + 1].lstrip().startswith(_BULLET) and i == len(reply)
        )
        limit = MAX_LIST_WORDS if in_list else MAX_WORDS
        if reply and (words + n > limit or (not in_list and i > MAX_FOLLOWING)):
            break
        reply.append(sentence)
        words += n
    number = passages[pi].number
    # Bullet items stay on their own lines; prose sentences run on.
    text = "".join(
        (("\n" if s.lstrip().startswith(_BULLET) else " ") if i else "") + s for i, s in enumerate(reply)
    )
    # Why one marker at the end: every sentence comes from the same passage, and a
    # list of signs reads better without a marker after each item.
    body = f"{text} [{number}]" if text.endswith((".", "!", "?", ":")) else f"{text}. [{number}]"
    return ExtractiveAnswer(body, (number,), grounded=True)
