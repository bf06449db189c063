"""The poller lease (SQLite and PostgreSQL) and the shard settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.discord_app import shard_options
from retrieval.errors import BadInputError
from retrieval.lease import Lease
from retrieval.settings import Settings
from tests.servers import PostgresServer


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "state.sqlite3")
    server: PostgresServer = request.getfixturevalue("postgres_srv")
    return server.new_database()


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
