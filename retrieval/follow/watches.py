"""Watches and what they matched, in the state database (SQLite, or PostgreSQL when shared).

`watches` holds one row per (namespace, topic): the channel to post in, how many reports a story
needs before it is posted, the topic's vector (embedded once, when the watch is added, with the
model named beside it), and `seen_seq`, the watch's cursor into the ingest journal
(retrieval/store/journal.py). `watch_stories` is the sent-log: one row per story a watch matched,
with its report count and when (if) it was posted; `watch_hits` the reports grouped into each.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from retrieval.errors import BadInputError, NotFoundError
from retrieval.store.database import Database

SCHEMA = """
CREATE TABLE IF NOT EXISTS watches (
    id INTEGER PRIMARY KEY,
    namespace TEXT NOT NULL,
    topic TEXT NOT NULL,
    channel_id INTEGER,
    min_reports INTEGER NOT NULL DEFAULT 1,
    vector BLOB NOT NULL,
    model_id TEXT NOT NULL,
    seen_seq INTEGER NOT NULL,
    added_at REAL NOT NULL,
    UNIQUE (namespace, topic)
);
CREATE TABLE IF NOT EXISTS watch_stories (
    id INTEGER PRIMARY KEY,
    watch_id INTEGER NOT NULL REFERENCES watches(id) ON DELETE CASCADE,
    article_id TEXT NOT NULL,
    sentence TEXT NOT NULL,
    first_seen REAL NOT NULL,
    last_seen REAL NOT NULL,
    reports INTEGER NOT NULL,
    posted_at REAL,
    message_id INTEGER,
    channel_id INTEGER,
    reports_shown INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS watch_stories_by_watch ON watch_stories(watch_id, first_seen);
CREATE TABLE IF NOT EXISTS watch_hits (
    watch_id INTEGER NOT NULL REFERENCES watches(id) ON DELETE CASCADE,
    article_id TEXT NOT NULL,
    story_id INTEGER NOT NULL REFERENCES watch_stories(id) ON DELETE CASCADE,
    seen_at REAL NOT NULL,
    score REAL NOT NULL,
    lead BLOB NOT NULL,
    signature BLOB NOT NULL,
    PRIMARY KEY (watch_id, article_id)
);
"""

MAX_TOPIC_CHARS = 200
MAX_MIN_REPORTS = 20


@dataclass(frozen=True)
class Watch:
    id: int
    namespace: str
    topic: str
    channel_id: int | None
    min_reports: int
    vector: np.ndarray = field(compare=False, repr=False)  # the topic's, embedded once
    model_id: str = ""
    seen_seq: int = 0  # the ingest journal's entries up to here were looked at
    added_at: float = 0.0


@dataclass(frozen=True)
class StoryRow:
    id: int
    watch_id: int
    article_id: str  # the first report that matched (the one quoted)
    sentence: str
    first_seen: float
    last_seen: float
    reports: int
    posted_at: float | None
    message_id: int | None
    channel_id: int | None = None  # where it was posted
    reports_shown: int = 0  # the count its message shows


@dataclass(frozen=True)
class HitRow:
    """A report grouped into a story: what tells whether a new report is the same story."""

    article_id: str
    story_id: int
    lead: np.ndarray  # the vector of its first chunk
    signature: np.ndarray  # MinHash of its text (retrieval/web/dedup.py)


@dataclass(frozen=True)
class WatchSummary:
    watch: Watch
    last_match: float | None
    matches_this_week: int
    posted_this_week: int


def check_topic(topic: str) -> str:
    text = " ".join(topic.split())
    if not text:
        raise BadInputError("a watch needs a topic: the words a report must be about")
    if len(text) > MAX_TOPIC_CHARS:
        raise BadInputError(f"a watched topic is at most {MAX_TOPIC_CHARS} characters")
    return text


def check_min_reports(n: int) -> int:
    if not 1 <= n <= MAX_MIN_REPORTS:
        raise BadInputError(f"min_reports must be between 1 and {MAX_MIN_REPORTS}")
    return n


def _watch(row: object) -> Watch:
    r = dict(row)  # type: ignore[call-overload]
    r["vector"] = np.frombuffer(bytes(r["vector"]), dtype=np.float32)
    return Watch(**r)


class WatchStore:
    """Thread-safe (the database's lock) access to the watch tables."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.lock = db.lock
        db.create_schema(SCHEMA)

    @contextmanager
    def _tx(self) -> Iterator[Database]:
        with self.db.transaction() as db:
            yield db

    # --- watches ----------------------------------------------------------------------------

    def add(
        self,
        namespace: str,
        topic: str,
        vector: np.ndarray,
        model_id: str,
        *,
        seen_seq: int,
        now: float,
        channel_id: int | None = None,
        min_reports: int = 1,
    ) -> Watch:
        topic, min_reports = check_topic(topic), check_min_reports(min_reports)
        blob = np.asarray(vector, dtype=np.float32).tobytes()
        with self._tx() as db:
            same = db.execute(  # "Tides" and "tides" are one topic (`find` ignores case)
                "SELECT 1 FROM watches WHERE namespace = ? AND LOWER(topic) = LOWER(?)", (namespace, topic)
            ).fetchone()
            if same is not None:
                raise BadInputError(f"{topic!r} is already watched here")
            try:
                watch_id = db.execute(
                    "INSERT INTO watches (namespace, topic, channel_id, min_reports, vector, model_id,"
                    " seen_seq, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                    (namespace, topic, channel_id, min_reports, blob, model_id, seen_seq, now),
                ).fetchone()[0]
            except db.integrity_error:
                raise BadInputError(f"{topic!r} is already watched here") from None
        return self.get(int(watch_id))

    def get(self, watch_id: int) -> Watch:
        with self.lock:
            row = self.db.execute("SELECT * FROM watches WHERE id = ?", (watch_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no watch #{watch_id}")
        return _watch(row)

    def find(self, namespace: str, ref: str) -> Watch:
        """A watch by its number (as `watch list` shows it) or its topic (any case)."""
        ref = " ".join(ref.split()).lstrip("#")
        with self.lock:
            arg: int | str = int(ref) if ref.isdigit() else ref
            sql = "SELECT * FROM watches WHERE namespace = ? AND " + (
                "id = ?" if ref.isdigit() else "LOWER(topic) = LOWER(?)"
            )
            row = self.db.execute(sql, (namespace, arg)).fetchone()
        if row is None:
            raise NotFoundError(f"no watch {ref!r} here; see `watch list`")
        return _watch(row)

    def list_watches(self, namespace: str | None = None) -> list[Watch]:
        with self.lock:
            if namespace is None:
                rows = self.db.execute("SELECT * FROM watches ORDER BY id").fetchall()
            else:
                rows = self.db.execute(
                    "SELECT * FROM watches WHERE namespace = ? ORDER BY id", (namespace,)
                ).fetchall()
        return [_watch(r) for r in rows]

    def remove(self, namespace: str, ref: str) -> Watch:
        watch = self.find(namespace, ref)
        with self._tx() as db:
            db.execute("DELETE FROM watch_hits WHERE watch_id = ?", (watch.id,))
            db.execute("DELETE FROM watch_stories WHERE watch_id = ?", (watch.id,))
            db.execute("DELETE FROM watches WHERE id = ?", (watch.id,))
        return watch

    def set_vector(self, watch_id: int, vector: np.ndarray, model_id: str) -> None:
        """The topic embedded again, after the embedding model changed."""
        with self._tx() as db:
            db.execute(
                "UPDATE watches SET vector = ?, model_id = ? WHERE id = ?",
                (np.asarray(vector, dtype=np.float32).tobytes(), model_id, watch_id),
            )

    def advance(self, watch_id: int, seq: int) -> None:
        with self._tx() as db:
            db.execute("UPDATE watches SET seen_seq = ? WHERE id = ? AND seen_seq < ?", (seq, watch_id, seq))

    # --- stories and the reports grouped into them -------------------------------------------

    def stories_since(self, watch_id: int, since: float) -> list[StoryRow]:
        with self.lock:
            rows = self.db.execute(
                "SELECT * FROM watch_stories WHERE watch_id = ? AND first_seen >= ? ORDER BY first_seen, id",
                (watch_id, since),
            ).fetchall()
        return [StoryRow(**dict(r)) for r in rows]

    def hits(self, watch_id: int, story_ids: list[int]) -> list[HitRow]:
        if not story_ids:
            return []
        marks = ",".join("?" * len(story_ids))
        with self.lock:
            rows = self.db.execute(
                f"SELECT article_id, story_id, lead, signature FROM watch_hits"
                f" WHERE watch_id = ? AND story_id IN ({marks}) ORDER BY seen_at",
                (watch_id, *story_ids),
            ).fetchall()
        return [
            HitRow(
                str(r[0]),
                int(r[1]),
                np.frombuffer(bytes(r[2]), dtype=np.float32),
                np.frombuffer(bytes(r[3]), dtype=np.uint32),
            )
            for r in rows
        ]

    def has_hit(self, watch_id: int, article_id: str) -> bool:
        with self.lock:
            row = self.db.execute(
                "SELECT 1 FROM watch_hits WHERE watch_id = ? AND article_id = ?", (watch_id, article_id)
            ).fetchone()
        return row is not None

    def add_hit(
        self,
        watch_id: int,
        article_id: str,
        story_id: int | None,
        *,
        now: float,
        score: float,
        reports: int,
        sentence: str,
        lead: np.ndarray,
        signature: np.ndarray,
    ) -> int:
        """Record a report: a new story (story_id None) or one more report of a story. The story's id."""
        with self._tx() as db:
            if story_id is None:
                story_id = int(
                    db.execute(
                        "INSERT INTO watch_stories (watch_id, article_id, sentence, first_seen, last_seen,"
                        " reports) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                        (watch_id, article_id, sentence, now, now, reports),
                    ).fetchone()[0]
                )
            else:
                db.execute(
                    "UPDATE watch_stories SET reports = reports + ?, last_seen = ? WHERE id = ?",
                    (reports, now, story_id),
                )
            db.execute(
                "INSERT INTO watch_hits (watch_id, article_id, story_id, seen_at, score, lead, signature)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    watch_id,
                    article_id,
                    story_id,
                    now,
                    score,
                    np.asarray(lead, dtype=np.float32).tobytes(),
                    np.asarray(signature, dtype=np.uint32).tobytes(),
                ),
            )
        return story_id

    def posted_since(self, watch_id: int, since: float) -> int:
        with self.lock:
            row = self.db.execute(
                "SELECT COUNT(*) FROM watch_stories WHERE watch_id = ? AND posted_at >= ?", (watch_id, since)
            ).fetchone()
        return int(row[0])

    def mark_posted(
        self,
        story_id: int,
        now: float,
        message_id: int | None,
        channel_id: int | None = None,
        reports: int = 0,
    ) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE watch_stories SET posted_at = ?, message_id = ?, channel_id = ?, reports_shown = ?"
                " WHERE id = ?",
                (now, message_id, channel_id, reports, story_id),
            )

    def grown_since(self, watch_id: int, since: float) -> list[StoryRow]:
        """Posted stories whose message shows fewer reports than they now have."""
        with self.lock:
            rows = self.db.execute(
                "SELECT * FROM watch_stories WHERE watch_id = ? AND first_seen >= ?"
                " AND message_id IS NOT NULL AND reports > reports_shown ORDER BY first_seen, id",
                (watch_id, since),
            ).fetchall()
        return [StoryRow(**dict(r)) for r in rows]

    def mark_shown(self, story_id: int, reports: int) -> None:
        with self._tx() as db:
            db.execute("UPDATE watch_stories SET reports_shown = ? WHERE id = ?", (reports, story_id))

    def summary(self, watch: Watch, week_start: float) -> WatchSummary:
        """The watch's last match, and its matches (reports) and posts since `week_start`."""
        with self.lock:
            last, week = self.db.execute(
                "SELECT MAX(seen_at), SUM(CASE WHEN seen_at >= ? THEN 1 ELSE 0 END)"
                " FROM watch_hits WHERE watch_id = ?",
                (week_start, watch.id),
            ).fetchone()
            posted = self.posted_since(watch.id, week_start)
        return WatchSummary(watch, float(last) if last is not None else None, int(week or 0), posted)


WEEK = 7 * 24 * 3600.0


def _age(seconds: float) -> str:
    n = max(int(seconds), 0)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if n >= size:
            return f"{n // size}{unit} ago"
    return "just now"


def activity(summary: WatchSummary, now: float) -> str:
    """'last match 3h ago; 4 matches this week, 2 posted', or that it has matched nothing."""
    if summary.last_match is None:
        return "no match yet"
    last = f"last match {_age(now - summary.last_match)}"
    if not summary.matches_this_week:
        return f"{last}; no match this week"
    n = summary.matches_this_week
    return f"{last}; {n} match{'' if n == 1 else 'es'} this week, {summary.posted_this_week} posted"
