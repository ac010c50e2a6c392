"""Output rail ``grounding``: every medical claim in an answer must stand on the passages.

The answer is split into sentences. Sentences that make no medical claim (courtesy,
"contact your care team", a question back to the patient) are skipped. Each claim
sentence gets two kinds of evidence:

* **Semantic support beyond the question.** Cosine similarity (all-MiniLM-L6-v2) to
  its two best passage sentences, *minus* its similarity to the patient's question.
  Why subtract: an answer that only turns the question into an assertion ("Yes,
  mitochondria drive it") is very similar to the passages too, because the question
  is about them; what it says must come from the passages, not from the question.
* **Token alignment beyond the question** (BERTScore-style, MiniLM token states from
  ``guardrails.token_embeddings``): for each content word piece of the sentence, its
  best cosine to any question piece minus its best cosine to any passage piece,
  averaged. Positive means the sentence's words come from the question, not from
  the passages; it catches answers that restate the question as a finding.
* **Agreement of clinically loaded tokens.** The share of its content words (beyond
  the question's) found in the passages; numbers, doses and drug names absent from
  the passages; negated instructions the passages give un-negated; opposite
  directions ("increases" against "decreases"); an effect asserted where the
  passages report none.

Drug names, numbers and negated instructions that the passages do not back are
hard failures: a patient must never get "20 mg" from a passage that says "2 mg".

Nothing leaves the process. Passage embeddings are cached in ``context.memo`` (and
in a small process-wide LRU keyed by passage text) so the streaming pipeline can
check one sentence at a time without re-embedding the passages.
"""

from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from guardrails.base import Action, Evidence, Passage, RailContext, Verdict
from guardrails.clinical_terms import (
    DIRECTION_PAIRS,
    DRUGS,
    EFFECT_CLAIM,
    NEGATIONS,
    NON_CLAIM_PATTERNS,
    NULL_FINDING,
    STOP_WORDS,
    UNITS,
)
from guardrails.sentences import Span, split_sentences, strip_bullet
from guardrails.token_embeddings import TokenEncoding, encode

NAME = "grounding"
CATEGORY = "unsupported_claim"

# Weights of the unsupported-probability model, z = BIAS + sum(w * feature).
# Tuned with ``python -m benchmarks.grounding --tune`` on the EVEN pair_ids of
# medhallu_dev.jsonl only (logistic regression on four features); the odd half
# is the held-out report. Why so few features: each one is a support signal a
# reviewer can check by hand, and none of them is the answer's length.
W_GAP = 3.00  # (similarity to question) - (mean top-2 similarity to passages)
W_TOKEN_GAP = 2.77  # mean over content pieces of (best cosine to question - best to passages)
W_UNSUPPORTED_WORDS = 0.93  # share of content words (beyond the question) not in passages
W_NOVEL_NUMBER = 1.33  # a number the passages do not contain
W_CONTRADICTION = 0.01  # opposite direction, or effect asserted against a null finding
BIAS = -0.11
# The whole-answer model (``answer_score``), fitted the same way on the same half:
# the five features above pooled over claim sentences, then the lead claim's gap and
# token gap, then the mean similarity to the question. Why the last one has its own
# weight: an answer close to the question is restating it, whatever the passages say;
# tying it to passage similarity (one "gap" weight) undercounted that.
ANSWER_WEIGHTS = (0.53, 0.89, 1.18, 1.37, 0.12, 1.06, 1.73, 2.95)
ANSWER_BIAS = -2.25
# Decision thresholds on the unsupported probability, also tuned on the even half
# (answer: best F1 of the refit; sentence: best F1 of the whole rail over 0.5-0.8).
ANSWER_THRESHOLD = 0.53
SENTENCE_THRESHOLD = 0.75
# The score a hard failure (absent drug, absent dose, flipped instruction) gets.
HARD_FAILURE_SCORE = 0.95
# Similarity to the question when there is none; the median seen on medhallu_dev.
DEFAULT_QUESTION_SIM = 0.55

_TOKEN = re.compile(r"[A-Za-z][A-Za-z'\-]*|\d+(?:[.,]\d+)?")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?(?![\w.]*\])")
_CITATION = re.compile(r"\[\d+(?:\s*[,–-]\s*\d+)*\]")
_VERBS = r"(?:take|use|give|stop|drink|eat|apply|skip|double|mix|combine|keep)"
# An instruction is an imperative ("Do not take ...") or addressed to the patient ("you
# should take ..."). Why not any instruction verb: "the use of an endoscope did not
# increase the risk" is a finding, and the noun "use" must not read as an instruction.
_INSTRUCTION = re.compile(
    r"^\W*(?:please\s+)?(?:(?:do not|don't|never|always|only)\s+)?" + _VERBS + r"\b"
    r"|\byou (?:should|can|could|may|must|need to|have to)(?: not|n't)?\s+(?:also\s+)?" + _VERBS + r"\b",
    re.IGNORECASE,
)
# Percentages are results, not doses: "reduced the load by 40%" is not an amount to take.
_PERCENT_UNITS = frozenset({"%", "percent"})


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    """A crude suffix stripper: enough to match "infections" with "infection"."""
    w = word.lower()
    for suffix in ("ations", "ation", "ingly", "ings", "ing", "edly", "ed", "ies", "es", "s", "ly"):
        if len(w) > len(suffix) + 3 and w.endswith(suffix):
            return w[: -len(suffix)]
    return w


def _words(text: str) -> list[str]:
    return [w.lower() for w in _TOKEN.findall(_CITATION.sub(" ", text))]


def _content_stems(text: str) -> list[str]:
    return [_stem(w) for w in _words(text) if w not in STOP_WORDS and w not in NEGATIONS and len(w) > 1]


def _canonical_number(raw: str) -> str:
    number = raw.replace(",", ".")
    if "." in number:  # "2.50" and "2.5" are the same figure; "20" and "2" are not
        number = number.rstrip("0").rstrip(".")
    return number or "0"


def _numbers(text: str) -> set[str]:
    return {_canonical_number(n) for n in _NUMBER.findall(_CITATION.sub(" ", text))}


def _is_negated(text: str) -> bool:
    return any(w in NEGATIONS or w.endswith("n't") for w in _words(text))


@dataclass(frozen=True)
class _PassageIndex:
    sentences: tuple[str, ...]
    vectors: np.ndarray  # (n, 384), L2-normalised
    tokens: np.ndarray  # (pieces of all sentences, 384), L2-normalised
    stems: frozenset[str]
    numbers: frozenset[str]
    drugs: frozenset[str]
    null_sentences: tuple[bool, ...]  # which sentences report no effect / no difference


@dataclass(frozen=True)
class SentenceSupport:
    """How well one answer sentence is supported.

    ``score`` is the probability-like confidence that the sentence is unsupported;
    ``supported`` is False only for claim sentences that fail; ``reason`` says why.
    """

    sentence: str
    start: int
    end: int
    is_claim: bool
    supported: bool
    score: float
    reason: str = ""
    passage_sim: float = 0.0
    question_sim: float = 0.0
    token_gap: float = 0.0
    unsupported_word_share: float = 0.0
    novel_numbers: tuple[str, ...] = ()
    novel_drugs: tuple[str, ...] = ()
    contradiction: bool = False
    hard_failure: bool = False


_LRU: OrderedDict[tuple[str, ...], _PassageIndex] = OrderedDict()
_LRU_LOCK = threading.Lock()
_LRU_SIZE = 128


def _build_index(passages: Sequence[Passage]) -> _PassageIndex:
    key = tuple(p.text for p in passages)
    with _LRU_LOCK:
        if key in _LRU:
            _LRU.move_to_end(key)
            return _LRU[key]
    sents = tuple(strip_bullet(s.text) for p in passages for s in split_sentences(p.text))
    text = "\n".join(p.text for p in passages)
    encs = encode(list(sents))
    index = _PassageIndex(
        sentences=sents,
        vectors=np.stack([e.sentence for e in encs]) if encs else np.zeros((0, 384), np.float32),
        tokens=_content_tokens(encs),
        stems=frozenset(_content_stems(text)),
        numbers=frozenset(_numbers(text)),
        drugs=frozenset(w for w in _words(text) if w in DRUGS),
        null_sentences=tuple(bool(NULL_FINDING.search(x)) for x in sents),
    )
    with _LRU_LOCK:
        _LRU[key] = index
        while len(_LRU) > _LRU_SIZE:
            _LRU.popitem(last=False)
    return index


def _passage_index(context: RailContext) -> _PassageIndex:
    index = context.memo.get("grounding.passages")
    if index is None:
        index = _build_index(context.passages)
        context.memo["grounding.passages"] = index
    return index


def prepare(context: RailContext) -> None:
    """Encode the passages and the question now, into ``context.memo``.

    The pipeline calls this while the model is still writing its first sentence, so
    the per-sentence checks only encode the answer. Raises as the encoder does.
    """
    _passage_index(context)
    _question_encoding(context)


def _question_encoding(context: RailContext) -> TokenEncoding | None:
    if not context.question.strip():
        return None
    if "grounding.question" not in context.memo:
        context.memo["grounding.question"] = encode([context.question])[0]
    enc: TokenEncoding = context.memo["grounding.question"]
    return enc


def _is_content_piece(piece: str) -> bool:
    return piece.isalnum() and piece not in STOP_WORDS and (len(piece) > 1 or piece.isdigit())


def _content_mask(pieces: Sequence[str]) -> np.ndarray:
    """Content word pieces; a "##" continuation shares its word's status."""
    mask = []
    current = True
    for piece in pieces:
        if not piece.startswith("##"):
            current = _is_content_piece(piece)
        mask.append(current)
    return np.array(mask, dtype=bool)


def _content_tokens(encs: Sequence[TokenEncoding]) -> np.ndarray:
    rows = [e.vectors[_content_mask(e.pieces)] for e in encs]
    rows = [r for r in rows if len(r)]
    return np.concatenate(rows) if rows else np.zeros((0, 384), np.float32)


def _token_gaps(
    encs: Sequence[TokenEncoding], index: _PassageIndex, question: TokenEncoding | None
) -> list[float]:
    """Per encoding: mean over content pieces of (best cosine to a question piece - best
    to a passage piece). One matrix product for all sentences: BLAS call overhead, not
    arithmetic, dominates these small products."""
    masks = [_content_mask(e.pieces) for e in encs]
    mine = _content_tokens(encs)
    if not len(mine) or not len(index.tokens):
        return [0.0] * len(encs)
    to_passages = (mine @ index.tokens.T).max(axis=1)
    qtok = _content_tokens([question]) if question is not None else np.zeros((0, 384), np.float32)
    to_question = (mine @ qtok.T).max(axis=1) if len(qtok) else np.zeros(len(mine), np.float32)
    diff = to_question - to_passages
    out, at = [], 0
    for mask in masks:
        n = int(mask.sum())
        out.append(float(diff[at : at + n].mean()) if n else 0.0)
        at += n
    return out


def is_claim(sentence: str) -> bool:
    """True when ``sentence`` makes a medical claim that needs support.

    Courtesy, navigation ("call your care team"), questions back to the patient and
    fragments with fewer than three content words make no claim.
    """
    body = strip_bullet(_CITATION.sub("", sentence)).strip()
    if not body or body.endswith("?"):
        return False
    if any(p.search(body) for p in NON_CLAIM_PATTERNS):
        # A navigation sentence that also names a drug or dose is still a claim.
        return bool(_numbers(body) or any(w in DRUGS for w in _words(body)))
    return len(_content_stems(body)) >= 3


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def _probability(
    gap: float, token_gap: float, unsupported_share: float, novel_number: bool, contradiction: bool
) -> float:
    z = (
        BIAS
        + W_GAP * gap
        + W_TOKEN_GAP * token_gap
        + W_UNSUPPORTED_WORDS * unsupported_share
        + W_NOVEL_NUMBER * float(novel_number)
        + W_CONTRADICTION * float(contradiction)
    )
    return _sigmoid(z)


def _direction_conflict(sentence: str, passage_sentences: Sequence[str]) -> bool:
    words = set(_words(sentence))
    if _is_negated(sentence):
        return False  # "does not increase" is not a claim of the opposite direction
    for up, down in DIRECTION_PAIRS:
        for mine, other in ((up, down), (down, up)):
            if words & mine and not any(set(_words(p)) & mine for p in passage_sentences):
                if any(set(_words(p)) & other and not _is_negated(p) for p in passage_sentences):
                    return True
    return False


@dataclass(frozen=True)
class _Sources:
    """What a sentence is checked against: the passages, and the question it must go beyond."""

    index: _PassageIndex
    question: str
    question_enc: TokenEncoding | None


@dataclass(frozen=True)
class _Measures:
    """What the support rules read about one claim sentence (see ``_measure``)."""

    text: str
    best: tuple[str, ...]  # the three passage sentences closest to it, closest first
    passage_sim: float  # mean similarity to the two closest passage sentences
    question_sim: float
    token_gap: float
    unsupported_share: float  # share of the content words it adds to the question not in the passages
    novel_numbers: tuple[str, ...]  # numbers neither the passages nor the question give
    dose_numbers: tuple[str, ...]  # those of them with a dose unit after
    novel_drugs: tuple[str, ...]
    contradiction: bool  # an opposite direction, or an effect where the passages report none

    @property
    def gap(self) -> float:
        return self.question_sim - self.passage_sim


@dataclass(frozen=True)
class SupportRule:
    """One row of a support table: a sentence whose measures ``applies`` to is given at
    least ``score`` (None: the row only explains a score the model gave) and ``reason``."""

    name: str
    applies: Callable[[_Measures], bool]
    score: float | None
    reason: Callable[[_Measures], str]


# Hard failures: whatever the model's score, the sentence scores at least
# HARD_FAILURE_SCORE. A patient must never get "20 mg" from a passage that says "2 mg".
HARD_FAILURES: tuple[SupportRule, ...] = (
    SupportRule(
        "medicine not in the sources",
        lambda m: bool(m.novel_drugs),
        HARD_FAILURE_SCORE,
        lambda m: "medicine not in the sources: " + ", ".join(m.novel_drugs),
    ),
    SupportRule(
        "dose not in the sources",
        lambda m: bool(m.dose_numbers),
        HARD_FAILURE_SCORE,
        lambda m: "dose or amount not in the sources: " + ", ".join(m.dose_numbers),
    ),
    SupportRule(
        "instruction negated differently",
        lambda m: _flipped_instruction(m.text, m.best, m.passage_sim),
        HARD_FAILURE_SCORE,
        lambda m: "instruction negated differently from the sources",
    ),
)

# Why an unsupported sentence with no hard failure failed: every row that applies, in
# order, for the reviewer; "weak support in the sources" when none does.
WEAK_SUPPORT_REASONS: tuple[SupportRule, ...] = (
    SupportRule(
        "contradiction", lambda m: m.contradiction, None, lambda m: "contradicts the sources (direction or effect)"
    ),
    SupportRule(
        "number not in the sources",
        lambda m: bool(m.novel_numbers),
        None,
        lambda m: "number not in the sources: " + ", ".join(m.novel_numbers),
    ),
    SupportRule(
        "words not in the sources",
        lambda m: m.unsupported_share > 0.5,
        None,
        lambda m: f"{m.unsupported_share:.0%} of the words it adds to the question are not in the sources",
    ),
    SupportRule(
        "closer to the question",
        lambda m: m.gap > -0.1,
        None,
        lambda m: "closer to the question than to any source passage",
    ),
)


def _sentence_support(
    span: Span, enc: TokenEncoding | None, token_gap: float, sources: _Sources
) -> SentenceSupport:
    """How well ``span`` is supported: the logistic model's score over its measures,
    raised by any hard failure; ``reason`` says why a failing sentence fails."""
    text = span.text
    if not is_claim(text):
        return SentenceSupport(text, span.start, span.end, is_claim=False, supported=True, score=0.0)
    if not sources.index.sentences:
        return SentenceSupport(
            text,
            span.start,
            span.end,
            True,
            False,
            1.0,
            reason="no passages to support a claim",
            hard_failure=True,
        )
    assert enc is not None  # claims are always encoded
    m = _measure(text, enc, token_gap, sources)
    hard = [rule for rule in HARD_FAILURES if rule.applies(m)]
    score = _probability(m.gap, m.token_gap, m.unsupported_share, bool(m.novel_numbers), m.contradiction)
    score = max([score, *(rule.score for rule in hard if rule.score is not None)])
    supported = score < SENTENCE_THRESHOLD
    reasons = [rule.reason(m) for rule in hard]
    if not supported and not reasons:
        reasons = [rule.reason(m) for rule in WEAK_SUPPORT_REASONS if rule.applies(m)]
        reasons = reasons or ["weak support in the sources"]
    return SentenceSupport(
        sentence=text,
        start=span.start,
        end=span.end,
        is_claim=True,
        supported=supported,
        score=score,
        reason="; ".join(reasons),
        passage_sim=m.passage_sim,
        question_sim=m.question_sim,
        token_gap=m.token_gap,
        unsupported_word_share=m.unsupported_share,
        novel_numbers=m.novel_numbers,
        novel_drugs=m.novel_drugs,
        contradiction=m.contradiction,
        hard_failure=bool(hard),
    )


def _measure(text: str, enc: TokenEncoding, token_gap: float, sources: _Sources) -> _Measures:
    """Compare one encoded claim sentence with the passages and the question."""
    index = sources.index
    vector = enc.sentence
    sims = index.vectors @ vector
    order = np.argsort(-sims)
    top = sims[order[:2]]
    passage_sim = float(top.mean())
    question_enc = sources.question_enc
    question_sim = float(question_enc.sentence @ vector) if question_enc is not None else DEFAULT_QUESTION_SIM

    question_stems = set(_content_stems(sources.question))
    beyond = [s for s in _content_stems(text) if s not in question_stems]
    unsupported_share = sum(s not in index.stems for s in beyond) / len(beyond) if beyond else 0.0

    best = tuple(index.sentences[i] for i in order[:3])
    # A percentage may be derived from figures, but only from the figures of the
    # sentences it restates: with every figure of an abstract, nearly any percentage
    # is some ratio of two of them.
    nearby = frozenset(_numbers(" ".join(best)))
    novel_numbers = tuple(
        sorted(
            n
            for n in _numbers(text) - index.numbers - _numbers(sources.question)
            if not _derived(text, n, nearby)
        )
    )
    novel_drugs = tuple(sorted({w for w in _words(text) if w in DRUGS} - index.drugs))
    # Why only the two closest sentences: nearly every abstract says "did not" or
    # "similar" somewhere, so a null finding anywhere would flag every effect claim.
    contradiction = _direction_conflict(text, best) or (
        any(index.null_sentences[i] for i in order[:2])
        and bool(EFFECT_CLAIM.search(text))
        and not _is_negated(text)
    )
    return _Measures(
        text=text,
        best=best,
        passage_sim=passage_sim,
        question_sim=question_sim,
        token_gap=token_gap,
        unsupported_share=unsupported_share,
        novel_numbers=novel_numbers,
        dose_numbers=tuple(n for n in novel_numbers if _has_unit_after(text, n)),
        novel_drugs=novel_drugs,
        contradiction=contradiction,
    )


def _has_unit_after(text: str, number: str) -> bool:
    """True when ``number`` is followed by a dose unit (mg, ml, tablets; not %)."""
    for m in re.finditer(r"(?<![\w.])" + re.escape(number) + r"(?:[.,]0+)?\s*([A-Za-z%/µ]+)", text):
        unit = m.group(1).lower()
        if unit in UNITS and unit not in _PERCENT_UNITS:
            return True
    return False


def _is_percent(text: str, number: str) -> bool:
    return bool(re.search(r"(?<![\w.])" + re.escape(number) + r"\s*(?:%|percent)", text, re.IGNORECASE))


def _derived(text: str, number: str, known: frozenset[str]) -> bool:
    """A percentage the passages' own figures give: a ratio ("12 of 40" = 30%), a
    relative change ("50 to 30" = 40%), or a complement (100 - 70)."""
    if not _is_percent(text, number):
        return False
    p = float(number)
    figures = [float(n) for n in known if float(n) > 0][:60]
    if any(abs(100 - f - p) < 0.6 for f in figures):
        return True
    for a in figures:
        for b in figures:
            if a != b and (abs(100 * b / a - p) < 0.6 or abs(100 * abs(a - b) / a - p) < 0.6):
                return True
    return False


def _flipped_instruction(sentence: str, best: Sequence[str], passage_sim: float) -> bool:
    """An instruction ("take aspirin with warfarin") that a close passage sentence
    gives with the opposite polarity ("do not take aspirin with warfarin")."""
    if not _INSTRUCTION.search(sentence) or passage_sim < 0.4:
        return False
    mine = _is_negated(sentence)
    stems = set(_content_stems(sentence))
    drugs = {w for w in _words(sentence) if w in DRUGS}
    for candidate in best:
        words = set(_words(candidate))
        overlap = len(stems & set(_content_stems(candidate))) / len(stems) if stems else 0.0
        # Why every drug must appear: "take warfarin daily" vs "do not take aspirin with
        # warfarin" share words but are about different instructions.
        if overlap >= 0.6 and drugs <= words and _INSTRUCTION.search(candidate):
            if _is_negated(candidate) != mine:
                return True
    return False


def check_sentence(sentence: str, context: RailContext, *, start: int = 0) -> SentenceSupport:
    """Check one sentence against ``context.passages`` (the streaming path).

    Returns a ``SentenceSupport``; raises only if the embedder is broken. Passage
    embeddings are computed once per message and kept in ``context.memo``.
    """
    span = Span(sentence.strip(), start, start + len(sentence.strip()))
    index = _passage_index(context)
    question_enc = _question_encoding(context)
    sources = _Sources(index, context.question, question_enc)
    if not (is_claim(span.text) and index.sentences):
        return _sentence_support(span, None, 0.0, sources)
    enc = encode([strip_bullet(span.text)])[0]
    [token_gap] = _token_gaps([enc], index, question_enc)
    return _sentence_support(span, enc, token_gap, sources)


def check_sentences(answer: str, context: RailContext) -> list[SentenceSupport]:
    """Check every sentence of ``answer``; claim sentences are embedded in one batch."""
    spans = split_sentences(answer)
    claims = [i for i, s in enumerate(spans) if is_claim(s.text)]
    index = _passage_index(context)
    question_enc = _question_encoding(context)
    encs = encode([strip_bullet(spans[i].text) for i in claims]) if claims and index.sentences else []
    enc_of = dict(zip(claims, encs, strict=False))
    gap_of = dict(zip(claims, _token_gaps(encs, index, question_enc), strict=False))
    sources = _Sources(index, context.question, question_enc)
    return [_sentence_support(span, enc_of.get(i), gap_of.get(i, 0.0), sources) for i, span in enumerate(spans)]


def answer_features(supports: Sequence[SentenceSupport], context: RailContext) -> list[float]:
    """The eight pooled features ``ANSWER_WEIGHTS`` apply to, in their order.

    Means over claim sentences, not maxima: a maximum rises with the number of
    sentences, which would make the score a function of length. The lead claim (the
    direct answer to the question) is counted again on its own.
    """
    claims = [s for s in supports if s.is_claim]
    lead = claims[0]
    index = _passage_index(context)
    question_stems = set(_content_stems(context.question))
    beyond = [w for s in claims for w in _content_stems(s.sentence) if w not in question_stems]
    share = sum(w not in index.stems for w in beyond) / len(beyond) if beyond else 0.0
    return [
        float(np.mean([s.question_sim - s.passage_sim for s in claims])),
        float(np.mean([s.token_gap for s in claims])),
        share,
        float(any(s.novel_numbers for s in claims)),
        float(any(s.contradiction for s in claims)),
        lead.question_sim - lead.passage_sim,
        lead.token_gap,
        float(np.mean([s.question_sim for s in claims])),
    ]


def answer_score(supports: Sequence[SentenceSupport], answer: str, context: RailContext) -> float:
    """The unsupported probability of the WHOLE answer, for ranking (AUROC).

    A logistic model over ``answer_features``; hard failures dominate.
    """
    claims = [s for s in supports if s.is_claim]
    if not claims:
        return 0.02
    if any(s.hard_failure for s in claims):
        return max(HARD_FAILURE_SCORE, max(s.score for s in claims))
    z = ANSWER_BIAS + sum(
        w * x for w, x in zip(ANSWER_WEIGHTS, answer_features(supports, context), strict=True)
    )
    return _sigmoid(z)


def remove_unsupported(answer: str, context: RailContext) -> str:
    """Return ``answer`` with its unsupported claim sentences cut out (whitespace tidied).

    Returns "" when nothing supported is left; the caller then uses the extractive
    fallback.
    """
    kept = [s.sentence for s in check_sentences(answer, context) if s.supported]
    if not any(is_claim(s) for s in kept):
        return ""
    return " ".join(kept)


class GroundingRail:
    """Blocks an answer when any claim sentence lacks support in ``context.passages``."""

    name = NAME

    def prepare(self, context: RailContext) -> None:
        """Encode the passages and question ahead of the answer (see ``prepare``)."""
        prepare(context)

    def check(self, text: str, context: RailContext) -> Verdict:
        """Return BLOCK (category ``unsupported_claim``) with the unsupported sentences
        as evidence, or ALLOW. ``score`` ranks the whole answer."""
        supports = check_sentences(text, context)
        score = answer_score(supports, text, context)
        failing = [s for s in supports if s.is_claim and not s.supported]
        blocked = bool(failing) or score >= ANSWER_THRESHOLD
        if blocked and not failing:
            # The pooled score failed though no single sentence did: point at the weakest.
            worst = max((s for s in supports if s.is_claim), key=lambda s: s.score)
            failing = [worst]
        evidence = tuple(Evidence(s.start, s.end, s.reason or "weak support in the sources") for s in failing)
        return Verdict(
            rail=NAME,
            action=Action.BLOCK if blocked else Action.ALLOW,
            category=CATEGORY if blocked else "supported",
            score=min(1.0, max(0.0, score)),
            evidence=evidence if blocked else (),
        )
