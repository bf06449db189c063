"""The poller lease (SQLite and PostgreSQL) and the shard settings."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
import threading

import psycopg
import pytest

from bot.discord.app import shard_options
from retrieval.errors import BadInputError
from retrieval.settings import Settings
from retrieval.store.database import open_database
from retrieval.store.lease import Lease, process_gone, process_id
from tests.conftest import Clock


def test_one_holder_renewal_expiry_and_release(database: str) -> None:
    clock = Clock()
    a = Lease(database, "feed-poller", "a", ttl=30, clock=clock)
    b = Lease(database, "feed-poller", "b", ttl=30, clock=clock)
    assert (a.acquire(), b.acquire()) == (True, False)
    assert b.current_holder() == "a"
    clock.now += 20
    assert (a.acquire(), b.acquire()) == (True, False)  # renewed: good for 30 s from now
    clock.now += 20
    assert b.acquire() is False
    clock.now += 11  # a stopped renewing 31 s ago: expired
    assert a.current_holder() is None
    assert (b.acquire(), a.acquire()) == (True, False)
    a.release()  # not a's to release
    assert a.current_holder() == "b"
    b.release()
    assert (a.current_holder(), a.acquire()) == (None, True)
    other = Lease(database, "digest-clock", "b", ttl=30, clock=clock)
    assert other.acquire() is True  # leases are independent by name
    for lease in (a, b, other):
        lease.close()


def settings(**env: str) -> Settings:
    return Settings(**env)  # type: ignore[arg-type]


def test_shard_settings() -> None:
    assert shard_options(settings()) is None
    assert shard_options(settings(NEWSDESK_SHARDS="auto")) == {"shard_count": None}
    assert shard_options(settings(NEWSDESK_SHARDS="4")) == {"shard_count": 4, "shard_ids": None}
    assert shard_options(settings(NEWSDESK_SHARDS="4", NEWSDESK_SHARD_IDS="3, 1")) == {
        "shard_count": 4,
        "shard_ids": [1, 3],
    }
    bad = {
        ("", "1"): "NEWSDESK_SHARD_IDS needs NEWSDESK_SHARDS=N (the total number of shards)",
        ("auto", "1"): "NEWSDESK_SHARD_IDS needs NEWSDESK_SHARDS=N, not auto: the ids must add up",
        ("2", "2"): "NEWSDESK_SHARD_IDS: shard ids run from 0 to 1 with 2 shards",
        ("two", ""): "NEWSDESK_SHARDS='two': use auto or a number of shards",
        ("2", "a"): "NEWSDESK_SHARD_IDS='a': use shard numbers, e.g. 0,1",
    }
    for (shards, ids), message in bad.items():
        with pytest.raises(BadInputError) as err:
            shard_options(settings(NEWSDESK_SHARDS=shards, NEWSDESK_SHARD_IDS=ids))
        assert str(err.value) == message


def test_closing_the_database_waits_for_a_renewal_running_in_another_thread(database: str) -> None:
    """A bot shutting down closes its stores while a worker thread may be renewing the lease;
    closing SQLite under a running statement crashed the process (a segfault in CI)."""
    db = open_database(database)
    lease = Lease(db, "feed-poller", "bot-1", ttl=30, clock=Clock())
    inside, finish = threading.Event(), threading.Event()

    def renew() -> None:  # acquire()'s upsert, held open until the test lets it finish
        with db.transaction():
            inside.set()
            assert finish.wait(10)
            db.execute("INSERT INTO leases (name, holder, expires_at) VALUES ('feed-poller', 'bot-1', 1030)")

    worker = threading.Thread(target=renew)
    worker.start()
    assert inside.wait(10)
    closer = threading.Thread(target=db.close)
    closer.start()
    closer.join(0.3)
    assert closer.is_alive()  # close() waits for the transaction
    finish.set()
    worker.join(10)
    closer.join(10)
    assert not closer.is_alive()
    with pytest.raises((sqlite3.ProgrammingError, psycopg.OperationalError)):
        lease.acquire()  # closed: an exception, not a crash
    again = Lease(database, "feed-poller", "bot-2", ttl=30, clock=Clock())
    try:
        assert again.current_holder() == "bot-1"  # the renewal was committed before the close
    finally:
        again.close()


def test_a_transaction_inside_another_is_part_of_it(database: str) -> None:
    """StoryIndex.claim forgets a deleted story (a transaction of its own) inside its claim's."""
    db = open_database(database)
    Lease(db, "feed-poller", "bot-1", ttl=30, clock=Clock())  # creates the leases table
    row = "INSERT INTO leases (name, holder, expires_at) VALUES (?, 'bot-1', 1030)"
    try:
        with pytest.raises(RuntimeError), db.transaction():
            with db.transaction():
                db.execute(row, ("inner",))
            db.execute(row, ("outer",))
            raise RuntimeError("the outer transaction fails")
        assert db.execute("SELECT count(*) FROM leases").fetchone()[0] == 0  # all rolled back
        with db.transaction():
            with db.transaction():
                db.execute(row, ("inner",))
            db.execute(row, ("outer",))
        assert sorted(r[0] for r in db.execute("SELECT name FROM leases")) == ["inner", "outer"]
    finally:
        db.close()


def test_process_gone_only_for_a_process_on_this_host_that_no_longer_runs() -> None:
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()  # reaped: no process has its pid now
    assert process_gone(f"{socket.gethostname()}:{ended.pid}:abc")
    assert not process_gone(process_id("abc"))  # this process
    assert not process_gone(f"{socket.gethostname()}:1")  # running (init)
    assert not process_gone(f"elsewhere.example:{ended.pid}:abc")  # another host: cannot tell
    assert not process_gone("a")  # not a process id
