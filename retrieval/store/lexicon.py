"""SQLite's FTS5 tokenizer used as a library, for the PostgreSQL lexical index.

The embedded catalog ranks with FTS5 BM25 (`porter unicode61 remove_diacritics 2`). To rank
the same way in PostgreSQL, its postings are made by the very same tokenizer: an in-memory
FTS5 table and its `fts5vocab` instance view give each token, column and position. Same tokens,
same formula (see `catalog_pg.py`) → the same scores, so moving an index to the shared database
(`newsdesk migrate`) does not change answers.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

TOKENIZE = "porter unicode61 remove_diacritics 2"
COLUMNS = ("title", "body")


@dataclass
class DocTokens:
    """One row's tokens: (term, column number) → positions, and the row's length in tokens."""

    positions: dict[tuple[str, int], list[int]] = field(default_factory=lambda: defaultdict(list))
    length: int = 0


class Fts5Tokenizer:
    """Thread-safe; one in-memory database, built once per catalog."""

    def __init__(self) -> None:
        self.db = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        self.db.execute(f"CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize = '{TOKENIZE}')")
        self.db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
        self.lock = threading.Lock()

    def tokenize_rows(self, rows: Sequence[tuple[str, str]]) -> list[DocTokens]:
        """(title, body) rows → their tokens, in order."""
        out = [DocTokens() for _ in rows]
        with self.lock:
            self.db.execute("BEGIN")
            try:
                self.db.executemany(
                    "INSERT INTO t(rowid, title, body) VALUES (?, ?, ?)",
                    [(i, title, body) for i, (title, body) in enumerate(rows)],
                )
                for doc, term, col, offset in self.db.execute("SELECT doc, term, col, offset FROM v"):
                    d = out[doc]
                    d.positions[(term, COLUMNS.index(col))].append(offset)
                    d.length += 1
            finally:
                self.db.execute("ROLLBACK")
        for d in out:
            for plist in d.positions.values():
                plist.sort()
        return out

    def term_sets(self, texts: Sequence[str]) -> list[set[str]]:
        """Each text's distinct tokens, stemmed as the BM25 index stems them."""
        return [{term for term, _col in d.positions} for d in self.tokenize_rows([("", t) for t in texts])]

    def phrase(self, text: str) -> list[str]:
        """The tokens FTS5 makes of a quoted query phrase, in order."""
        (doc,) = self.tokenize_rows([("", text)])
        ordered = sorted((p, term) for (term, _col), plist in doc.positions.items() for p in plist)
        return [term for _p, term in ordered]

    def close(self) -> None:
        """Waits for a tokenizing call running in another thread (a search in the bot's worker
        threads): closing SQLite under a running statement crashes the process. Later calls raise."""
        with self.lock:
            self.db.close()
