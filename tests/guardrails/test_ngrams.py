"""The rails' second reader (guardrails.ngrams): the committed model, the blend with the
encoder, a fit read back exactly, and failing closed.

Rows here are our own, written for these tests (never test-set rows)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from guardrails import classifier, ngrams, registry
from guardrails.base import Action, RailContext
from guardrails.runner import run_rails


@pytest.fixture
def fresh_model() -> Iterator[None]:
    ngrams._model.cache_clear()
    registry._instances.clear()
    yield
    ngrams._model.cache_clear()


def test_the_committed_reader_was_fitted_on_the_committed_training_data() -> None:
    record = classifier.manifest()["ngrams"]
    assert record["data_sha256"] == classifier.data_digest()
    assert record["vocabulary"] > 10_000
    assert set(record["rows"]) == set(ngrams.HEADS)


def test_the_committed_reader_is_small_enough_to_commit() -> None:
    assert ngrams.NGRAM_FILE.stat().st_size < 3_000_000


def test_it_reads_risk_apart_from_its_look_alikes() -> None:
    texts = [
        "i took every pill in the bottle an hour ago so i wont wake up",
        "been thinking everyone would be better off without me, i have the rope in the garage",
        "this headache is killing me lol, can i take tylenol with my bp meds",
        "my brother keeps saying he wants to die, how do i help him",
        "what time does the clinic open on saturday",
    ]
    r = ngrams.risks(texts)
    assert set(r) == set(ngrams.HEADS)
    assert all(p.shape == (5,) and ((p >= 0) & (p <= 1)).all() for p in r.values())
    assert min(r["self_harm"][:2]) > 0.5 > max(r["self_harm"][2:])


def test_the_blend_averages_the_risk_and_keeps_the_encoders_proportions() -> None:
    probs = np.array([[0.6, 0.3, 0.1, 0.0], [1.0, 0.0, 0.0, 0.0]])
    out = ngrams.blend(probs, np.array([0.2, 0.6]))
    assert np.allclose(out.sum(axis=1), 1.0)
    assert out[0, 0] == pytest.approx(1 - (0.4 * (1 - ngrams.NGRAM_WEIGHT) + 0.2 * ngrams.NGRAM_WEIGHT))
    assert out[0, 1] / out[0, 2] == pytest.approx(3.0) and out[0, 3] == 0.0  # the rung is the encoder's
    assert np.allclose(out[1, 1:], out[1, 1])  # no encoder mass: shared equally
    assert 1 - out[1, 0] == pytest.approx(0.6 * ngrams.NGRAM_WEIGHT)


def test_a_fit_is_read_back_as_it_was_made(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fresh_model: None
) -> None:
    from sklearn.linear_model import LogisticRegression

    texts = ["i want to die", "i took all my pills", "refill my inhaler", "what time do you open", "im fine thanks"]
    labels = [1, 1, 0, 0, 0]
    arrays = ngrams.fit({h: (texts, labels) for h in ngrams.HEADS}, texts)
    path = tmp_path / "ngrams.npz"
    ngrams.save(arrays, path)
    monkeypatch.setattr(ngrams, "NGRAM_FILE", path)
    read_back = ngrams.risks(["i want to take all my pills", "open saturday?"])["self_harm"]

    vec = ngrams._vectorizer()
    x = vec.fit_transform(texts)
    model = LogisticRegression(C=ngrams.C, max_iter=3000, class_weight="balanced").fit(x, labels)
    direct = model.predict_proba(vec.transform(["i want to take all my pills", "open saturday?"]))[:, 1]
    assert np.allclose(read_back, direct, atol=1e-5)
    assert read_back[0] > read_back[1]


@pytest.mark.usefixtures("fresh_model")
def test_a_missing_or_broken_reader_fails_closed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not an archive")
    for path in (tmp_path / "missing.npz", broken):
        ngrams._model.cache_clear()
        monkeypatch.setattr(ngrams, "NGRAM_FILE", path)
        with pytest.raises(classifier.ClassifierUnavailable):
            classifier.probabilities(["hello"])
        verdicts = run_rails(["self_harm"], "I want to kill myself", RailContext())
        assert all(v.action is Action.BLOCK and v.category == "rail_error" for v in verdicts)
        assert "kill" not in str([v.to_dict() for v in verdicts])


def test_a_reading_keeps_the_encoders_own_risk_beside_the_blend() -> None:
    reading = classifier.read("i want to kill myself tonight", RailContext())
    head = reading.heads["self_harm"]
    alone = 1.0 - classifier.encoder_probabilities(["i want to kill myself tonight"])["self_harm"][0, 0]
    assert head.encoder == pytest.approx(alone, abs=1e-6)
    mixed = (1 - ngrams.NGRAM_WEIGHT) * alone + ngrams.NGRAM_WEIGHT * ngrams.risks(["i want to kill myself tonight"])["self_harm"][0]
    assert head.risk == pytest.approx(mixed, abs=1e-6)


def test_two_rails_that_need_evidence_read_the_sentences_once(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    encoder = classifier.encoder_probabilities

    def counted(texts: list[str]) -> dict[str, np.ndarray]:
        seen.append(len(texts))
        return encoder(texts)

    monkeypatch.setattr(classifier, "encoder_probabilities", counted)
    text = "My refill is late. My chest hurts and my left arm is numb. Also what time do you open?"
    context = RailContext()
    span = classifier.carrying_sentence(text, "emergency", context)
    assert text[span[0] : span[1]].startswith("My chest hurts")
    classifier.carrying_sentence(text, "scope", context)
    assert seen == [3]
    classifier.carrying_sentence("Hello there. " + text, "emergency", context)  # another text is read anew
    assert seen == [3, 4]
