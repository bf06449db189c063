"""Syndicated copies: the same story from several outlets is stored once and keeps all its URLs.

Each ingested web article gets a MinHash signature of its word 4-shingles; LSH bands in the state
database find candidates fast, and a candidate whose estimated Jaccard similarity is ≥ `threshold`
(default 0.6) is the same story. `story_urls` remembers every URL a stored story was seen at.

Own tables, same database as the engine: story_sigs, story_bands, story_urls, and story_claims
(stories being embedded, so that processes sharing one database see each other's too).
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.ingest.articles import normalize_url
from retrieval.store.database import Database, open_database
from retrieval.store.lease import process_gone, process_id

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS story_sigs (
    namespace TEXT NOT NULL,
    article_id TEXT NOT NULL,
    signature BLOB NOT NULL,
    PRIMARY KEY (namespace, article_id)
);
CREATE TABLE IF NOT EXISTS story_bands (
    namespace TEXT NOT NULL,
    band INTEGER NOT NULL,
    bucket TEXT NOT NULL,
    article_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS story_bands_lookup ON story_bands(namespace, band, bucket);
CREATE INDEX IF NOT EXISTS story_bands_article ON story_bands(namespace, article_id);
CREATE TABLE IF NOT EXISTS story_urls (
    namespace TEXT NOT NULL,
    url TEXT NOT NULL,
    article_id TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    seen_at REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (namespace, url)
);
CREATE INDEX IF NOT EXISTS story_urls_article ON story_urls(namespace, article_id);
CREATE TABLE IF NOT EXISTS story_claims (
    namespace TEXT NOT NULL,
    article_id TEXT NOT NULL,
    owner TEXT NOT NULL,
    claimed_at REAL NOT NULL,
    PRIMARY KEY (namespace, article_id)
);
"""
# claims serialise across processes: SQLite's BEGIN IMMEDIATE does it, PostgreSQL takes this lock
CLAIM_LOCK = 4243

N_HASHES = 128
BANDS = 32
ROWS = N_HASHES // BANDS
SHINGLE = 4
_WORD = re.compile(r"\w+", re.UNICODE)
# Fixed odd multipliers and offsets: signatures stay comparable across runs and machines.
_rng = np.random.default_rng(20240304)
_A = _rng.integers(0, 2**64, N_HASHES, dtype=np.uint64) | np.uint64(1)
_B = _rng.integers(0, 2**64, N_HASHES, dtype=np.uint64)
del _rng


def signature(text: str) -> np.ndarray:
    """MinHash (128 × uint32) of the text's lower-cased word 4-shingles."""
    words = _WORD.findall(text.lower())
    if len(words) < SHINGLE:
        shingles = {" ".join(words)}
    else:
        shingles = {" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}
    base = np.fromiter(
        (int.from_bytes(hashlib.blake2b(s.encode(), digest_size=4).digest(), "little") for s in shingles),
        dtype=np.uint64,
        count=len(shingles),
    )
    # multiply-add-shift hashing of 32-bit keys with 64-bit a, b: (a·x + b) mod 2^64 >> 32
    hashed = (_A[:, None] * base[None, :] + _B[:, None]) >> np.uint64(32)
    return hashed.min(axis=1).astype(np.uint32)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.mean(a == b))


def _buckets(sig: np.ndarray) -> list[str]:
    return [sig[i * ROWS : (i + 1) * ROWS].tobytes().hex() for i in range(BANDS)]


@dataclass(frozen=True)
class Duplicate:
    article_id: str
    similarity: float
    in_flight: bool = False  # claimed by an ingest that has not settled yet (StoryIndex.claim)


class StoryIndex:
    """Signatures and URLs of stored web stories, per namespace. Thread-safe (one lock).

    Everything that ingests web pages (the bot's `/ingest url:` and its feed poller, in any
    process on the database) goes through `claim`: it checks for a copy and records the story
    in one write transaction, and the story stays "in flight" (a row in story_claims) until
    `settle`, so two threads or processes never both store copies of one story. A copy of a
    story in flight can `wait_settled` and look again: if that story's ingest failed, the copy
    is no longer a duplicate and is stored itself. The ingest `renew`s its claims as it goes;
    a claim not renewed for `claim_ttl` seconds is from a process that died mid-ingest and no
    longer counts; nor does a claim whose process is gone (same host, process not running: it
    was killed mid-ingest), at once.
    """

    def __init__(
        self,
        path: Path | str | Database,
        threshold: float = 0.6,
        claim_ttl: float = 600.0,
        clock: Callable[[], float] = time.time,
        poll: float = 0.25,
    ) -> None:
        self.db = path if isinstance(path, Database) else open_database(path)
        self._owns_db = not isinstance(path, Database)  # a shared connection is closed by its owner
        self.lock = self.db.lock
        self.threshold = threshold
        self.claim_ttl = claim_ttl
        self.clock = clock
        self.poll = poll  # how often `wait_settled` looks for another process's settle
        self.owner = process_id(uuid.uuid4().hex[:8])
        self.db.create_schema(SCHEMA)
        self._settled = threading.Condition(self.lock)  # this process's settles wake its waiters

    def close(self) -> None:
        if self._owns_db:
            self.db.close()

    def find_duplicate(
        self,
        namespace: str,
        sig: np.ndarray,
        exclude: str = "",
        exists: Callable[[str], bool] | None = None,
    ) -> Duplicate | None:
        """The stored story this signature duplicates, if any (best match first).

        `exists` lets the caller drop stories deleted from the index since; their rows go too.
        """
        buckets = _buckets(sig)
        with self.lock:
            candidates: set[str] = set()
            for band, bucket in enumerate(buckets):
                for (aid,) in self.db.execute(
                    "SELECT article_id FROM story_bands WHERE namespace = ? AND band = ? AND bucket = ?",
                    (namespace, band, bucket),
                ):
                    candidates.add(aid)
            candidates.discard(exclude)
            scored: list[tuple[float, str]] = []
            for aid in sorted(candidates):
                row = self.db.execute(
                    "SELECT signature FROM story_sigs WHERE namespace = ? AND article_id = ?",
                    (namespace, aid),
                ).fetchone()
                if row is None:
                    continue
                sim = similarity(sig, np.frombuffer(row[0], dtype=np.uint32))
                if sim >= self.threshold:
                    scored.append((sim, aid))
        for sim, aid in sorted(scored, key=lambda t: (-t[0], t[1])):
            if exists is None or exists(aid):
                return Duplicate(aid, sim)
            self.forget(namespace, aid)
        return None

    def claim(
        self,
        namespace: str,
        article_id: str,
        sig: np.ndarray,
        exists: Callable[[str], bool] | None = None,
    ) -> Duplicate | None:
        """The story this one duplicates, stored or still in flight; when there is none, the
        story is remembered and in flight until `settle`. Check and record are one write
        transaction (claims take turns, across processes too), so a copy claimed by another
        thread or process meanwhile is seen as the duplicate."""
        now = self.clock()
        with self.db.transaction() as db:
            if db.dialect == "postgres":
                db.execute("SELECT pg_advisory_xact_lock(?)", (CLAIM_LOCK,))
            db.execute("DELETE FROM story_claims WHERE claimed_at < ?", (now - self.claim_ttl,))
            self._drop_claims_of_gone_processes()
            in_flight = {
                str(r[0])
                for r in db.execute("SELECT article_id FROM story_claims WHERE namespace = ?", (namespace,))
            }

            def known(aid: str) -> bool:
                return aid in in_flight or exists is None or exists(aid)

            dup = self.find_duplicate(namespace, sig, exclude=article_id, exists=known)
            if dup is None:
                self.remember(namespace, article_id, sig)
                db.execute(
                    "INSERT INTO story_claims (namespace, article_id, owner, claimed_at) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (namespace, article_id) DO UPDATE SET owner = excluded.owner,"
                    " claimed_at = excluded.claimed_at",
                    (namespace, article_id, self.owner, now),
                )
            elif dup.article_id in in_flight:
                dup = Duplicate(dup.article_id, dup.similarity, in_flight=True)
            return dup

    def settle(self, namespace: str, article_ids: Iterable[str]) -> None:
        """The claimed stories are in the index now (or failed and were forgotten)."""
        with self._settled:
            with self.db.transaction() as db:
                db.executemany(
                    "DELETE FROM story_claims WHERE namespace = ? AND article_id = ? AND owner = ?",
                    [(namespace, aid, self.owner) for aid in article_ids],
                )
            self._settled.notify_all()

    def renew(self, namespace: str, article_ids: Iterable[str]) -> None:
        """The claims' ingest is still going: they count for `claim_ttl` from now."""
        now = self.clock()
        with self.db.transaction() as db:
            db.executemany(
                "UPDATE story_claims SET claimed_at = ? WHERE namespace = ? AND article_id = ? AND owner = ?",
                [(now, namespace, aid, self.owner) for aid in article_ids],
            )

    def _drop_claims_of_gone_processes(self) -> None:
        """Claims of processes on this host that no longer run (killed mid-ingest) hold no one."""
        with self.db.transaction() as db:
            for (owner,) in db.execute("SELECT DISTINCT owner FROM story_claims").fetchall():
                if process_gone(str(owner)):
                    log.warning("dropping the story claims of %s: that process is gone", owner)
                    db.execute("DELETE FROM story_claims WHERE owner = ?", (owner,))

    def claim_of(self, namespace: str, article_id: str) -> tuple[str, float] | None:
        """(owner, claimed_at) of the story's live claim: claimed (by any process), renewed within
        `claim_ttl`, not settled yet, and its process not gone. None when it is not in flight."""
        with self.lock:
            row = self.db.execute(
                "SELECT owner, claimed_at FROM story_claims"
                " WHERE namespace = ? AND article_id = ? AND claimed_at >= ?",
                (namespace, article_id, self.clock() - self.claim_ttl),
            ).fetchone()
            if row is not None and process_gone(str(row[0])):
                self._drop_claims_of_gone_processes()
                return None
        return (str(row[0]), float(row[1])) if row else None

    def in_flight(self, namespace: str, article_id: str) -> bool:
        return self.claim_of(namespace, article_id) is not None

    def wait_settled(self, namespace: str, article_id: str) -> None:
        """Block until the story is no longer in flight (at once if it is not): woken by this
        process's `settle`, and looking every `poll` seconds for another process's. Waiting is
        logged (a warning: on the command line's stderr, in the bot's log) with the process
        that holds the story and for how long its claim can still hold it.

        Call it holding no claims of your own: a claim is settled by the ingest that made it,
        in a `finally`, so a caller that settled first never waits on itself or in a cycle.
        """
        with self._settled:
            claim = self.claim_of(namespace, article_id)
            if claim is not None:
                owner, claimed_at = claim
                log.warning(
                    "waiting for story %s: %s is still storing it (claimed %.0f s ago; a claim not "
                    "renewed for %.0f s lapses, and lapses at once if that process is gone)",
                    article_id,
                    owner,
                    max(0.0, self.clock() - claimed_at),
                    self.claim_ttl,
                )
            while self.in_flight(namespace, article_id):
                self._settled.wait(self.poll)

    def remember(self, namespace: str, article_id: str, sig: np.ndarray) -> None:
        with self.db.transaction() as db:
            db.execute(
                "DELETE FROM story_bands WHERE namespace = ? AND article_id = ?",
                (namespace, article_id),
            )
            db.execute(
                "INSERT INTO story_sigs (namespace, article_id, signature) VALUES (?, ?, ?)"
                " ON CONFLICT (namespace, article_id) DO UPDATE SET signature = excluded.signature",
                (namespace, article_id, sig.astype(np.uint32).tobytes()),
            )
            db.executemany(
                "INSERT INTO story_bands (namespace, band, bucket, article_id) VALUES (?, ?, ?, ?)",
                [(namespace, i, b, article_id) for i, b in enumerate(_buckets(sig))],
            )

    def forget(self, namespace: str, article_id: str) -> None:
        """Drop a story's signature, bands and every URL it was seen at (it was deleted)."""
        with self.db.transaction() as db:
            for table in ("story_sigs", "story_bands", "story_urls"):
                db.execute(
                    f"DELETE FROM {table} WHERE namespace = ? AND article_id = ?",
                    (namespace, article_id),
                )

    def add_url(self, namespace: str, article_id: str, url: str, source: str = "", now: float = 0.0) -> None:
        """Remember that `url` carries the story `article_id` (a URL belongs to one story)."""
        if not url:
            return
        with self.lock:
            self.db.execute(
                "INSERT INTO story_urls (namespace, url, article_id, source, seen_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (namespace, url) DO UPDATE SET"
                " article_id = excluded.article_id, source = excluded.source",
                (namespace, normalize_url(url), article_id, source, now),
            )

    def owner_of(self, namespace: str, url: str) -> str | None:
        with self.lock:
            row = self.db.execute(
                "SELECT article_id FROM story_urls WHERE namespace = ? AND url = ?",
                (namespace, normalize_url(url)),
            ).fetchone()
        return str(row[0]) if row else None

    def urls(self, namespace: str, article_id: str) -> list[tuple[str, str]]:
        """(url, source) pairs a story was seen at, first seen first."""
        with self.lock:
            rows = self.db.execute(
                "SELECT url, source FROM story_urls WHERE namespace = ? AND article_id = ?"
                " ORDER BY seen_at, url",
                (namespace, article_id),
            ).fetchall()
        return [(str(u), str(s)) for u, s in rows]
