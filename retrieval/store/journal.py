"""The ingest journal: every article added or changed, in the order it was stored.

A row is written in the same transaction as the article (`Store.write`), so a reader that has
seen the journal up to `seq` has seen every article stored before it, whichever process stored
it. Re-chunking (`reindex`) and copying (`migrate`) write no rows: the text did not change. The
watches (retrieval/follow/) keep a cursor into it.

Order is commit order: SQLite runs one write transaction at a time; in PostgreSQL the writer
takes an advisory lock before numbering its rows, held until it commits, so a row with a smaller
`seq` is never committed after a reader has seen a larger one.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from retrieval.store.database import Database

SCHEMA = """
CREATE TABLE IF NOT EXISTS ingest_log (
    seq INTEGER PRIMARY KEY,
    namespace TEXT NOT NULL,
    article_id TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS ingest_log_by_namespace ON ingest_log(namespace, seq);
"""
JOURNAL_LOCK = 4244  # PostgreSQL advisory lock: one writer numbers its rows at a time


@dataclass(frozen=True)
class Entry:
    seq: int
    namespace: str
    article_id: str
    at: float


class IngestJournal:
    def __init__(self, db: Database) -> None:
        self.db = db
        db.create_schema(SCHEMA)

    def record(self, conn: Database, namespace: str, article_ids: Sequence[str]) -> None:
        """Call inside the transaction that stores the articles."""
        if not article_ids:
            return
        if conn.dialect == "postgres":
            conn.execute("SELECT pg_advisory_xact_lock(?)", (JOURNAL_LOCK,))
        now = time.time()
        conn.executemany(
            "INSERT INTO ingest_log (namespace, article_id, at) VALUES (?, ?, ?)",
            [(namespace, aid, now) for aid in article_ids],
        )

    def head(self) -> int:
        """The last seq written (0 for an empty journal): where a new reader starts."""
        with self.db.lock:
            row = self.db.execute("SELECT MAX(seq) FROM ingest_log").fetchone()
        return int(row[0] or 0)

    def prune(self, below: int, before: float) -> int:
        """Forget entries numbered below `below` (every reader is past them) and written before
        `before`. The last entry is always kept: SQLite numbers a new row after the largest."""
        with self.db.transaction() as db:
            cur = db.execute(
                "DELETE FROM ingest_log WHERE seq < ? AND at < ? AND seq < (SELECT MAX(seq) FROM ingest_log)",
                (below, before),
            )
            return int(cur.rowcount)

    def after(self, namespace: str, seq: int, limit: int = 200) -> list[Entry]:
        """The namespace's entries after `seq`, oldest first."""
        with self.db.lock:
            rows = self.db.execute(
                "SELECT seq, namespace, article_id, at FROM ingest_log"
                " WHERE namespace = ? AND seq > ? ORDER BY seq LIMIT ?",
                (namespace, seq, limit),
            ).fetchall()
        return [Entry(int(r[0]), str(r[1]), str(r[2]), float(r[3])) for r in rows]
