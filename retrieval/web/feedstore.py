"""Feed subscriptions and polling state in the state database (SQLite, or PostgreSQL when shared).

`feeds` holds one row per (namespace, url): how often to poll, the validators for conditional
GET (ETag / Last-Modified), when to poll next, and the failure count with the last error, which
`feeds list` shows. `feed_items` remembers every item seen per feed, so a poll ingests only
what is new (or edited: the item's `updated` stamp changed).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from retrieval.errors import BadInputError, NotFoundError
from retrieval.store.database import Database, open_database
from retrieval.text.safety import clean_line

SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    id INTEGER PRIMARY KEY,
    namespace TEXT NOT NULL,
    url TEXT NOT NULL,
    every_seconds INTEGER NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    etag TEXT,
    last_modified TEXT,
    added_at REAL NOT NULL,
    last_polled REAL,
    last_ok REAL,
    next_poll REAL NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    items_ingested INTEGER NOT NULL DEFAULT 0,
    channel_id INTEGER,
    UNIQUE (namespace, url)
);
CREATE TABLE IF NOT EXISTS feed_items (
    feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    item_id TEXT NOT NULL,
    updated TEXT NOT NULL DEFAULT '',
    article_id TEXT,
    url TEXT NOT NULL DEFAULT '',
    seen_at REAL NOT NULL,
    PRIMARY KEY (feed_id, item_id)
);
CREATE TABLE IF NOT EXISTS digest_schedules (
    channel_id INTEGER PRIMARY KEY,
    namespace TEXT NOT NULL,
    minute_of_day INTEGER NOT NULL,
    last_sent_day TEXT
);
"""

MIN_EVERY = 60  # seconds
MAX_EVERY = 7 * 24 * 3600
MAX_BACKOFF = 24 * 3600
JITTER = 0.1  # ±10 % of the interval


def parse_every(value: str | int) -> int:
    """'15m', '1h', '90s', '2d' or a number of seconds → seconds (1 minute … 7 days)."""
    if isinstance(value, int):
        seconds = value
    else:
        m = re.fullmatch(r"\s*(\d+)\s*([smhd]?)\s*", value.lower())
        if not m:
            raise BadInputError(f"can't read the interval {value!r}: use 15m, 1h, 90s or 2d")
        seconds = int(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
    if not MIN_EVERY <= seconds <= MAX_EVERY:
        raise BadInputError("the polling interval must be between 1 minute and 7 days")
    return seconds


def feed_url(url: str) -> str:
    """The URL a feed is stored and compared by: without its #fragment, which names no other
    resource (the server never sees it). Nothing else is changed: '/rss/' may differ from '/rss'."""
    return url.strip().partition("#")[0]


def format_every(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


@dataclass(frozen=True)
class Feed:
    id: int
    namespace: str
    url: str
    every_seconds: int
    title: str
    etag: str | None
    last_modified: str | None
    added_at: float
    last_polled: float | None
    last_ok: float | None
    next_poll: float
    failures: int
    last_error: str | None
    items_ingested: int
    channel_id: int | None = None  # where new articles are announced (Discord)

    @property
    def label(self) -> str:
        return self.title or self.url


class FeedStore:
    """Thread-safe (one lock) access to the feed tables."""

    def __init__(self, path: Path | str | Database, rng: random.Random | None = None) -> None:
        self.db = path if isinstance(path, Database) else open_database(path)
        self._owns_db = not isinstance(path, Database)  # a shared connection is closed by its owner
        self.lock = self.db.lock
        self.rng = rng or random.Random()
        with self.lock:
            self.db.create_schema(SCHEMA)
            if "channel_id" not in self.db.columns("feeds"):  # databases made before announcements
                self.db.execute("ALTER TABLE feeds ADD COLUMN channel_id INTEGER")

    def close(self) -> None:
        if self._owns_db:
            self.db.close()

    @contextmanager
    def _tx(self) -> Iterator[Database]:
        with self.db.transaction() as db:
            yield db

    # --- subscriptions --------------------------------------------------------------------

    def add(
        self,
        namespace: str,
        url: str,
        every_seconds: int,
        now: float,
        channel_id: int | None = None,
    ) -> Feed:
        url = feed_url(url)
        with self._tx() as db:
            try:
                feed_id = int(
                    db.execute(
                        "INSERT INTO feeds (namespace, url, every_seconds, added_at, next_poll,"
                        " channel_id) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                        (namespace, url, every_seconds, now, now, channel_id),
                    ).fetchone()[0]
                )
            except db.integrity_error:
                raise BadInputError(f"{url} is already followed here") from None
        return self.get(feed_id)

    def get(self, feed_id: int) -> Feed:
        with self.lock:
            row = self.db.execute("SELECT * FROM feeds WHERE id = ?", (feed_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no feed #{feed_id}")
        return Feed(**dict(row))

    def find(self, namespace: str, ref: str) -> Feed:
        """A feed by its number (as `feeds list` shows it) or its URL."""
        ref = ref.strip().lstrip("#")
        with self.lock:
            if ref.isdigit():
                row = self.db.execute(
                    "SELECT * FROM feeds WHERE namespace = ? AND id = ?", (namespace, int(ref))
                ).fetchone()
            else:
                row = self.db.execute(  # a feed stored with its fragment before they were dropped
                    "SELECT * FROM feeds WHERE namespace = ? AND url IN (?, ?) ORDER BY url = ? DESC",
                    (namespace, feed_url(ref), ref, ref),
                ).fetchone()
        if row is None:
            raise NotFoundError(f"no feed {ref!r} is followed here; see `feeds list`")
        return Feed(**dict(row))

    def list_feeds(self, namespace: str | None = None) -> list[Feed]:
        with self.lock:
            if namespace is None:
                rows = self.db.execute("SELECT * FROM feeds ORDER BY id").fetchall()
            else:
                rows = self.db.execute(
                    "SELECT * FROM feeds WHERE namespace = ? ORDER BY id", (namespace,)
                ).fetchall()
        return [Feed(**dict(r)) for r in rows]

    def remove(self, namespace: str, ref: str) -> Feed:
        feed = self.find(namespace, ref)
        with self._tx() as db:
            db.execute("DELETE FROM feed_items WHERE feed_id = ?", (feed.id,))
            db.execute("DELETE FROM feeds WHERE id = ?", (feed.id,))
        return feed

    def due(self, now: float, limit: int | None = None) -> list[Feed]:
        sql = "SELECT * FROM feeds WHERE next_poll <= ? ORDER BY next_poll, id"
        with self.lock:
            rows = self.db.execute(sql + (f" LIMIT {int(limit)}" if limit else ""), (now,))
            return [Feed(**dict(r)) for r in rows.fetchall()]

    def next_due(self) -> float | None:
        with self.lock:
            row = self.db.execute("SELECT MIN(next_poll) FROM feeds").fetchone()
        return float(row[0]) if row and row[0] is not None else None

    # --- poll outcomes --------------------------------------------------------------------

    def _jittered(self, seconds: float) -> float:
        return seconds * (1 + self.rng.uniform(-JITTER, JITTER))

    def record_success(
        self,
        feed: Feed,
        now: float,
        etag: str | None,
        last_modified: str | None,
        title: str | None = None,
        warning: str | None = None,
        ingested: int = 0,
    ) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE feeds SET etag = ?, last_modified = ?, title = COALESCE(?, title),"
                " last_polled = ?, last_ok = ?, next_poll = ?, failures = 0, last_error = ?,"
                " items_ingested = items_ingested + ? WHERE id = ?",
                (
                    etag,
                    last_modified,
                    clean_line(title or "") or None,  # the feed's own <title>: from outside
                    now,
                    now,
                    now + self._jittered(feed.every_seconds),
                    clean_line(warning) if warning else None,
                    ingested,
                    feed.id,
                ),
            )

    def record_failure(self, feed: Feed, now: float, error: str) -> float:
        """Count a failure and back off: interval × 2^failures, at most a day. Returns the delay."""
        failures = feed.failures + 1
        delay = self._jittered(min(feed.every_seconds * 2 ** min(failures, 16), MAX_BACKOFF))
        with self._tx() as db:
            db.execute(
                "UPDATE feeds SET last_polled = ?, next_poll = ?, failures = ?, last_error = ? WHERE id = ?",
                (now, now + delay, failures, clean_line(error)[:500], feed.id),
            )
        return delay

    def make_due(self, namespace: str | None = None, now: float = 0.0) -> None:
        """`feeds poll --once` polls everything now, whatever the schedule says."""
        with self._tx() as db:
            if namespace is None:
                db.execute("UPDATE feeds SET next_poll = ?", (now,))
            else:
                db.execute("UPDATE feeds SET next_poll = ? WHERE namespace = ?", (now, namespace))

    # --- items ----------------------------------------------------------------------------

    def seen(self, feed_id: int, item_ids: Iterable[str]) -> dict[str, str]:
        """item id → its stored `updated` stamp, for the items already seen."""
        ids = list(item_ids)
        out: dict[str, str] = {}
        with self.lock:
            for i in range(0, len(ids), 500):
                part = ids[i : i + 500]
                marks = ",".join("?" * len(part))
                for row in self.db.execute(
                    f"SELECT item_id, updated FROM feed_items WHERE feed_id = ? AND item_id IN ({marks})",
                    (feed_id, *part),
                ):
                    out[row["item_id"]] = row["updated"]
        return out

    def mark_seen(
        self, feed_id: int, item_id: str, updated: str, article_id: str | None, url: str, now: float
    ) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO feed_items (feed_id, item_id, updated, article_id, url, seen_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (feed_id, item_id) DO UPDATE SET"
                " updated = excluded.updated, article_id = excluded.article_id,"
                " url = excluded.url, seen_at = excluded.seen_at",
                (feed_id, item_id, updated, article_id, url, now),
            )

    # --- daily digests ----------------------------------------------------------------------

    def set_digest(self, namespace: str, channel_id: int, minute_of_day: int) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO digest_schedules (channel_id, namespace, minute_of_day)"
                " VALUES (?, ?, ?) ON CONFLICT (channel_id) DO UPDATE SET"
                " namespace = excluded.namespace, minute_of_day = excluded.minute_of_day",
                (channel_id, namespace, minute_of_day),
            )

    def drop_digest(self, channel_id: int) -> bool:
        with self._tx() as db:
            cur = db.execute("DELETE FROM digest_schedules WHERE channel_id = ?", (channel_id,))
            return cur.rowcount > 0

    def digests_due(self, day: str, minute_of_day: int) -> list[tuple[int, str]]:
        """(channel id, namespace) of the daily digests due at this time and not sent today."""
        with self.lock:
            rows = self.db.execute(
                "SELECT channel_id, namespace FROM digest_schedules WHERE minute_of_day <= ?"
                " AND (last_sent_day IS NULL OR last_sent_day < ?) ORDER BY channel_id",
                (minute_of_day, day),
            ).fetchall()
        return [(int(r[0]), str(r[1])) for r in rows]

    def digest_sent(self, channel_id: int, day: str) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE digest_schedules SET last_sent_day = ? WHERE channel_id = ?",
                (day, channel_id),
            )

    def item_count(self, feed_id: int) -> int:
        with self.lock:
            row = self.db.execute("SELECT COUNT(*) FROM feed_items WHERE feed_id = ?", (feed_id,)).fetchone()
        return int(row[0])
