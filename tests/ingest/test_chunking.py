from __future__ import annotations

import itertools
import re

import pytest

from retrieval.ingest.chunking import Chunker
from retrieval.ingest.cleaning import clean_text
from retrieval.text.tokens import load_encoding


@pytest.fixture(scope="module")
def encoding():  # type: ignore[no-untyped-def]
    return load_encoding()


def _covered(text: str, chunks) -> set[int]:  # type: ignore[no-untyped-def]
    covered: set[int] = set()
    for c in chunks:
        covered.update(range(c.start, c.end))
    return covered


@pytest.mark.parametrize(("max_tokens", "overlap"), [(40, 0), (64, 16), (220, 30), (300, 60)])
def test_chunks_are_exact_slices_within_limit_and_lose_nothing(encoding, sample_article, max_tokens, overlap):  # type: ignore[no-untyped-def]
    text = clean_text(sample_article.read_text(encoding="utf-8"))
    chunks = Chunker(encoding, max_tokens, overlap).chunk("a1", text)
    assert [c.position for c in chunks] == list(range(len(chunks)))
    for c in chunks:
        assert text[c.start : c.end] == c.text
        assert c.n_tokens == len(encoding.encode_ordinary(c.text))
        assert c.n_tokens <= max_tokens
        assert c.article_id == "a1" and c.id == f"a1:{c.position}"
    covered = _covered(text, chunks)
    lost = [i for i, ch in enumerate(text) if not ch.isspace() and i not in covered]
    assert lost == []
    # chunks advance: each starts after the previous one started
    assert all(b.start > a.start for a, b in itertools.pairwise(chunks))


def test_overlap_repeats_whole_sentences(encoding):  # type: ignore[no-untyped-def]
    text = " ".join(f"Sentence number {i} is here." for i in range(40))
    chunks = Chunker(encoding, 50, 15).chunk("x", text)
    assert len(chunks) > 2
    for a, b in itertools.pairwise(chunks):
        assert b.start < a.end  # overlapping
        assert re.match(r"Sentence number \d+ is here\.", b.text)  # starts at a sentence boundary


def test_no_overlap_means_disjoint_chunks(encoding):  # type: ignore[no-untyped-def]
    text = " ".join(f"Sentence number {i} is here." for i in range(40))
    chunks = Chunker(encoding, 50, 0).chunk("x", text)
    assert all(b.start >= a.end for a, b in itertools.pairwise(chunks))


def test_a_sentence_longer_than_the_limit_is_cut_at_token_boundaries(encoding):  # type: ignore[no-untyped-def]
    text = "word " * 500 + "end."
    chunks = Chunker(encoding, 100, 10).chunk("x", text.strip())
    assert len(chunks) >= 5
    assert all(c.n_tokens <= 100 for c in chunks)
    covered = _covered(text, chunks)
    assert all(i in covered for i, ch in enumerate(text.strip()) if not ch.isspace())


def test_empty_text_gives_no_chunks(encoding):  # type: ignore[no-untyped-def]
    assert Chunker(encoding, 100, 10).chunk("x", "   \n ") == []


def test_bad_settings_are_refused(encoding):  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        Chunker(encoding, 100, 100)
