"""The FTS5 tokenizer used by search (title match) and the PostgreSQL lexical index."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from retrieval.store.lexicon import Fts5Tokenizer


def test_term_sets_are_stemmed_like_the_bm25_index() -> None:
    tok = Fts5Tokenizer()
    try:
        assert tok.term_sets(["Storms damaged the harbour", "", "damage storm"]) == [
            {"storm", "damag", "the", "harbour"},
            set(),
            {"damag", "storm"},
        ]
    finally:
        tok.close()


def test_closing_waits_for_a_call_running_in_another_thread() -> None:
    """Engine.close() runs while a bot worker thread may still be searching; closing SQLite
    under a running statement would crash the process."""
    tok = Fts5Tokenizer()
    with tok.lock:  # stands in for a tokenize_rows() call in progress
        closer = threading.Thread(target=tok.close)
        closer.start()
        closer.join(0.3)
        assert closer.is_alive()  # close() waits for it
    closer.join(10)
    assert not closer.is_alive()
    with pytest.raises(sqlite3.ProgrammingError):
        tok.term_sets(["closed"])  # an exception, not a crash
