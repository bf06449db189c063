"""👍/👎 feedback on answers, stored in the state database next to the index (its own tables).

The bot saves each answer it posts (question, answer text, citations) under a short
reference; the "Show quotes" button and the votes find the answer by that reference, so
both keep working after the bot restarts. One vote per user per answer: voting again
replaces the earlier vote.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from retrieval.ingest.articles import parse_date
from retrieval.results import Answer, Citation
from retrieval.store.database import Database, open_database

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback_answers (
    ref TEXT PRIMARY KEY,
    namespace TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    mode TEXT NOT NULL,
    citations TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS feedback_votes (
    ref TEXT NOT NULL REFERENCES feedback_answers(ref) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
    voted_at TEXT NOT NULL,
    PRIMARY KEY (ref, user_id)
);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class FeedbackStore:
    """Answers posted and the votes on them. Thread-safe; one connection, built once."""

    def __init__(self, path: Path | str | Database) -> None:
        self._db = path if isinstance(path, Database) else open_database(path)
        self._owns_db = not isinstance(path, Database)  # a shared connection is closed by its owner
        self._lock = self._db.lock
        self._db.create_schema(SCHEMA)

    def close(self) -> None:
        if self._owns_db:
            self._db.close()

    def save_answer(self, namespace: str, question: str, answer: Answer) -> str:
        """Store an answer that was posted; returns its reference (12 hex characters)."""
        ref = secrets.token_hex(6)
        citations = json.dumps([c.to_json() | {"chunk_id": c.chunk_id} for c in answer.citations])
        with self._db.transaction():
            self._db.execute(
                "INSERT INTO feedback_answers VALUES (?, ?, ?, ?, ?, ?, ?)",
                (ref, namespace, question, answer.text, answer.mode, citations, _now()),
            )
        return ref

    def citations(self, ref: str) -> list[Citation] | None:
        """The citations of a saved answer, or None if the reference is unknown."""
        with self._lock:
            row = self._db.execute("SELECT citations FROM feedback_answers WHERE ref = ?", (ref,)).fetchone()
        if row is None:
            return None
        return [
            Citation(
                n=c["n"],
                title=c["title"],
                source=c["source"],
                published=parse_date(c["published"]),
                url=c["url"],
                quote=c["quote"],
                article_id=c["article_id"],
                chunk_id=c.get("chunk_id", ""),
                spans=[(s[0], s[1]) for s in c.get("spans", [])],
            )
            for c in json.loads(row[0])
        ]

    def vote(self, ref: str, user_id: int | str, vote: int) -> bool:
        """Record +1 or -1 from a user; False if the answer is unknown."""
        if vote not in (-1, 1):
            raise ValueError("vote must be +1 or -1")
        with self._db.transaction():
            known = self._db.execute("SELECT 1 FROM feedback_answers WHERE ref = ?", (ref,)).fetchone()
            if known is None:
                return False
            self._db.execute(
                "INSERT INTO feedback_votes VALUES (?, ?, ?, ?) "
                "ON CONFLICT(ref, user_id) DO UPDATE SET "
                "vote = excluded.vote, voted_at = excluded.voted_at",
                (ref, str(user_id), vote, _now()),
            )
        return True

    def counts(self, namespace: str | None = None) -> dict[str, Any]:
        """Answers posted, 👍 and 👎 counts, for one namespace or all."""
        where, args = ("WHERE a.namespace = ?", (namespace,)) if namespace else ("", ())
        with self._lock:
            answers = self._db.execute(f"SELECT COUNT(*) FROM feedback_answers a {where}", args).fetchone()[0]
            up, down = self._db.execute(
                "SELECT COUNT(*) FILTER (WHERE v.vote = 1), COUNT(*) FILTER (WHERE v.vote = -1) "
                f"FROM feedback_votes v JOIN feedback_answers a ON a.ref = v.ref {where}",
                args,
            ).fetchone()
        return {"answers": answers, "up": up, "down": down}
