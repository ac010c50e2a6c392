"""The input rails' second reader: character n-grams and one linear model per head.

MiniLM reads meaning, and it was trained on English. Character n-grams read the letters:
a misspelling, texting shorthand, a Spanish phrase or a drug name with a number next to
it, whatever the encoder made of it. One TF-IDF vectoriser over the words' character
2- to 5-grams (``char_wb``, sublinear counts) and one logistic regression per head
(``HEADS``: any class but ``none`` against ``none``), fitted on the same training rows as
the encoder's adapter, the held-out writers left out so that the thresholds are still
chosen on rows neither reader saw.

``guardrails.classifier.probabilities`` averages this reader's risk with the encoder's
(``blend``): on the development rows the average told risk from no risk better than
either reader alone (README, "A second reader"). Nothing is pickled: the vocabulary, the
idf weights and the coefficients are plain arrays in ``models/rails_ngrams.npz``
(``python -m guardrails.train_classifier ngrams`` writes it), read back into
scikit-learn's own vectoriser, so a reading is the one the fit made.

Failure is loud, as the encoder's is: a missing or broken file raises
``ClassifierUnavailable`` and the rails fail closed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
NGRAM_FILE = HERE / "models" / "rails_ngrams.npz"
# The heads this reader reads: the crisis path's. On the development rows the blend also
# told emergencies and attacks apart better (AUROC), but at the thresholds the policy
# chose it lost recall on 3 of 10 spent emergency sets and 5 of 8 injection sets, and "my
# son swallowed some dishwasher pods" fell from a 911 call to urgent care (README, "A
# second reader"); those heads, and ``scope``, are the encoder's alone.
HEADS = ("self_harm", "conversation")
ANALYZER = "char_wb"
NGRAM_RANGE = (2, 5)
MIN_DF = 2  # an n-gram seen in one training row only is a writer's quirk, not evidence
C = 4.0  # the inverse regularisation strength, chosen before any figure was read
# Each reader's share of the blended risk. Equal: no figure chose the weight.
NGRAM_WEIGHT = 0.5


class NgramsUnavailable(Exception):
    """The n-gram model could not be read; never carries text."""


def _vectorizer(vocabulary: dict[str, int] | None = None) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        analyzer=ANALYZER,
        ngram_range=NGRAM_RANGE,
        min_df=MIN_DF if vocabulary is None else 1,
        sublinear_tf=True,
        dtype=np.float32,
        vocabulary=vocabulary,
    )


def fit(
    texts_by_head: Mapping[str, tuple[Sequence[str], Sequence[int]]], vocabulary_texts: Sequence[str]
) -> dict[str, np.ndarray]:
    """Fit the vectoriser on ``vocabulary_texts`` and one balanced logistic regression per
    head on its ``(texts, labels)`` (1 = any risk). Returns the arrays ``save`` writes."""
    from sklearn.linear_model import LogisticRegression

    vec = _vectorizer()
    vec.fit(vocabulary_texts)
    vocab = sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__)
    coef = np.zeros((len(HEADS), len(vocab)), dtype=np.float32)
    intercept = np.zeros(len(HEADS), dtype=np.float32)
    for i, head in enumerate(HEADS):
        texts, labels = texts_by_head[head]
        model = LogisticRegression(C=C, max_iter=3000, class_weight="balanced")
        model.fit(vec.transform(texts), np.asarray(labels))
        coef[i], intercept[i] = model.coef_[0], model.intercept_[0]
    return {
        "vocabulary": np.asarray(vocab, dtype=str),
        "idf": vec.idf_.astype(np.float32),
        "coef": coef,
        "intercept": intercept,
        "heads": np.asarray(HEADS, dtype=str),
    }


def save(arrays: dict[str, np.ndarray], path: Path = NGRAM_FILE) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)  # type: ignore[arg-type]


@cache
def _model() -> tuple[Any, dict[str, int], np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's analyser for the fitted vectoriser, the vocabulary, the idf weights,
    the coefficients (n-grams × heads) and the intercepts."""
    try:
        with np.load(NGRAM_FILE, allow_pickle=False) as arrays:
            if tuple(arrays["heads"]) != HEADS:
                raise ValueError("heads differ")
            vocab = {str(v): i for i, v in enumerate(arrays["vocabulary"])}
            idf, coef, intercept = arrays["idf"], arrays["coef"], arrays["intercept"]
        if not (len(vocab) == len(idf) == coef.shape[1]):
            raise ValueError("shapes differ")
        analyzer = _vectorizer(vocab).build_analyzer()
    except Exception as exc:
        raise NgramsUnavailable(type(exc).__name__) from None
    return (
        analyzer,
        vocab,
        idf.astype(np.float64),
        np.ascontiguousarray(coef.T, dtype=np.float64),
        intercept.astype(np.float64),
    )


def risks(texts: Sequence[str]) -> dict[str, np.ndarray]:
    """Per head, the probability of any risk for each of the already-normalised ``texts``.
    Raises NgramsUnavailable.

    The TF-IDF weights are computed here as scikit-learn's ``transform`` computes them
    (sublinear counts, idf, unit length), from the same analyser: its input checks cost
    more than the arithmetic for one short message (a test compares the two)."""
    analyzer, vocab, idf, coef, intercept = _model()
    z = np.tile(intercept, (len(texts), 1))
    for row, text in enumerate(texts):
        counts = {vocab[g]: n for g, n in Counter(analyzer(text)).items() if g in vocab}
        if not counts:
            continue
        idx = np.fromiter(counts, dtype=np.intp, count=len(counts))
        w = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * idf[idx]
        z[row] += (w / np.linalg.norm(w)) @ coef[idx]
    p = 1.0 / (1.0 + np.exp(-z))
    return {head: p[:, i] for i, head in enumerate(HEADS)}


def blend(probs: np.ndarray, ngram_risk: np.ndarray) -> np.ndarray:
    """One head's class probabilities (rows × classes, ``none`` first) with the risk moved
    to the weighted mean of the encoder's and this reader's. The classes other than
    ``none`` keep their proportions, so the category, the ladder rung and the evidence are
    still the encoder's; where the encoder put no mass on them at all, the added risk is
    shared equally among them."""
    risk = 1.0 - probs[:, 0]
    mixed = (1.0 - NGRAM_WEIGHT) * risk + NGRAM_WEIGHT * ngram_risk
    out = np.empty_like(probs)
    out[:, 0] = 1.0 - mixed
    rest = probs[:, 1:]
    share = np.where(risk[:, None] > 0, rest / np.maximum(risk, 1e-30)[:, None], 1.0 / rest.shape[1])
    out[:, 1:] = share * mixed[:, None]
    return out
