"""The local embedder: offline model files, normalised vectors, batching that changes nothing."""

from __future__ import annotations

import numpy as np

from retrieval.ingest.embedding import LocalEmbedder, minilm_files


def test_model_files_ship_in_packages() -> None:
    model, tokenizer = minilm_files()
    assert model.name == "model.onnx" and model.stat().st_size > 20_000_000
    assert tokenizer.name == "tokenizer.json" and tokenizer.exists()


def test_batches_respect_the_size_and_token_budget(embedder: LocalEmbedder) -> None:
    lengths = [256] * 20 + [10] * 40 + [100] * 30
    batches = embedder._batches(lengths)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for b in batches:
        assert len(b) <= embedder.batch_size
        assert len(b) * max(lengths[i] for i in b) <= embedder.max_batch_tokens


def test_vectors_do_not_depend_on_batching(embedder: LocalEmbedder) -> None:
    texts = ["The ferry runs at night.", "word " * 300, "Seals returned to the sandbanks this weekend."] * 3
    together = embedder.embed(texts)
    alone = np.vstack([embedder.embed([t]) for t in texts])
    assert together.shape == (9, 384) and together.dtype == np.float32
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert np.allclose(together, alone, atol=1e-4)
    sims = together[:3] @ together[:3].T
    assert sims[0, 2] > sims[0, 1]  # two news sentences are closer than a sentence and "word word…"
    assert embedder.embed([]).shape == (0, 384)
