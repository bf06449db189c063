"""A named lease in the state database: one holder at a time, with expiry and renewal.

Several bot processes (shards) share one database; the feed poller must run in exactly one of
them. Each process calls `acquire()` every ttl/3 seconds: it takes the lease when it is free or
expired, renews it while it holds it, and learns it lost it otherwise. The take-or-renew is a
single upsert with a condition, atomic in SQLite and in PostgreSQL. A holder that stops cleanly
releases the lease; one that dies loses it when it expires (clocks are assumed to agree to well
under the lease time).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path

from retrieval.store.database import Database, open_database

log = logging.getLogger(__name__)

FEED_POLLER = "feed-poller"  # the lease of the one process that polls the feeds (bot or CLI)

SCHEMA = """
CREATE TABLE IF NOT EXISTS leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at REAL NOT NULL
);
"""


def process_id(extra: str = "") -> str:
    """Who holds a lease: host, process id, and e.g. the shard ids."""
    return f"{socket.gethostname()}:{os.getpid()}" + (f":{extra}" if extra else "")


def process_gone(holder: str) -> bool:
    """True when `holder` (a `process_id`) names a process on this host that no longer runs (it
    was killed, or crashed): what it held need not wait for its expiry. A process on another host
    cannot be seen from here, so it is never taken for gone."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)  # no signal is sent: only whether the process exists
    except ProcessLookupError:
        return True
    except OSError:  # it exists, but belongs to another user
        return False
    return False


class Lease:
    def __init__(
        self,
        db: Path | str | Database,
        name: str,
        holder: str,
        ttl: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db if isinstance(db, Database) else open_database(db)
        self._owns_db = not isinstance(db, Database)
        self.name = name
        self.holder = holder
        self.ttl = ttl
        self.clock = clock
        self.db.create_schema(SCHEMA)

    def acquire(self) -> bool:
        """Take the lease if it is free or expired, renew it if we hold it; True if we hold it."""
        now = self.clock()
        with self.db.transaction() as db:
            db.execute(
                "INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET holder = excluded.holder,"
                " expires_at = excluded.expires_at"
                " WHERE leases.holder = excluded.holder OR leases.expires_at <= ?",
                (self.name, self.holder, now + self.ttl, now),
            )
            row = db.execute("SELECT holder FROM leases WHERE name = ?", (self.name,)).fetchone()
        return row is not None and row[0] == self.holder

    def current_holder(self) -> str | None:
        row = self.db.execute(
            "SELECT holder FROM leases WHERE name = ? AND expires_at > ?", (self.name, self.clock())
        ).fetchone()
        return str(row[0]) if row else None

    def release(self) -> None:
        with self.db.transaction() as db:
            db.execute("DELETE FROM leases WHERE name = ? AND holder = ?", (self.name, self.holder))

    def close(self) -> None:
        if self._owns_db:
            self.db.close()


async def hold(lease: Lease, stop: asyncio.Event, every: float | None = None) -> bool:
    """Keep `lease`: renew it every `every` seconds (ttl/3) until `stop` is set (True), or until
    a renewal finds another process holding it or fails (False). The one hold-and-renew loop of
    the CLI's `feeds poll` and the bot's poller."""
    every = lease.ttl / 3 if every is None else every
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
        if stop.is_set():
            return True
        try:
            held = await asyncio.to_thread(lease.acquire)
        except Exception:
            log.exception("renewing the %s lease failed", lease.name)
            held = False
        if not held:
            return False
