"""The state database: one SQLite file (embedded, the default) or PostgreSQL (shared by processes).

Every store (catalog, feeds, feedback, story index, leases) talks to a `Database`: `execute`
with `?` placeholders, rows readable by index and by column name, `transaction()` for writes.
`open_database(target)` picks the backend: a `postgresql://` URL (NEWSDESK_DATABASE_URL) or a
file path. The stores keep one portable SQL text where they can; `ddl()` turns their SQLite
schema into PostgreSQL types (64-bit integers, double precision, bytea, identity keys).
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

Params = Sequence[Any]


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


def is_postgres_url(target: Path | str) -> bool:
    return str(target).startswith(("postgresql://", "postgres://"))


def open_database(target: Path | str) -> Database:
    """A connection to the state database at `target` (a SQLite path or a PostgreSQL URL)."""
    if is_postgres_url(target):
        return PostgresDatabase(str(target))
    return SqliteDatabase(target)


class Database:
    """One connection, serialised by a re-entrant lock (the stores are used from threads).

    `close()` takes the lock too: a bot shutting down closes its stores while a worker thread
    may still be renewing a lease or reading, and SQLite crashes the process (not an exception)
    when its connection is closed under a running statement. After `close()`, a statement raises.
    """

    dialect = "sqlite"

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._in_transaction = False  # guarded by `lock`: only its holder reads or sets it

    @property
    def integrity_error(self) -> type[Exception]:
        raise NotImplementedError

    def execute(self, sql: str, args: Params = ()) -> Cursor:
        raise NotImplementedError

    def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        raise NotImplementedError

    def create_schema(self, schema: str) -> None:
        """Run `CREATE ... IF NOT EXISTS` statements (SQLite syntax; translated for PostgreSQL)."""
        raise NotImplementedError

    def columns(self, table: str) -> set[str]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """A write transaction that other processes wait for; rolled back on any exception.
        Inside another transaction (same thread: it holds the lock) it is part of that one."""
        with self.lock:
            if self._in_transaction:
                yield self
                return
            self.execute(self._begin)
            self._in_transaction = True
            try:
                yield self
            except BaseException:
                self._in_transaction = False
                self.execute("ROLLBACK")
                raise
            self._in_transaction = False
            self.execute("COMMIT")

    _begin = "BEGIN"


class SqliteDatabase(Database):
    dialect = "sqlite"
    _begin = "BEGIN IMMEDIATE"

    def __init__(self, path: Path | str) -> None:
        super().__init__()
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA busy_timeout=10000")
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA foreign_keys=ON")

    @property
    def integrity_error(self) -> type[Exception]:
        return sqlite3.IntegrityError

    def execute(self, sql: str, args: Params = ()) -> Cursor:
        with self.lock:
            return self.conn.execute(sql, tuple(args))

    def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        with self.lock:
            self.conn.executemany(sql, rows)

    def create_schema(self, schema: str) -> None:
        with self.lock:
            self.conn.executescript(schema)

    def columns(self, table: str) -> set[str]:
        return {r[1] for r in self.execute(f"PRAGMA table_info({table})")}

    def close(self) -> None:
        with self.lock:  # not under a statement or transaction running in another thread
            self.conn.close()


class Row(tuple[Any, ...]):
    """A PostgreSQL row that reads like sqlite3.Row: by index, by column name, `dict(row)`."""

    names: tuple[str, ...] = ()

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self.names.index(key))
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self.names)


def _row_factory(cursor: Any) -> Any:
    names = tuple(d.name for d in cursor.description or ())
    row_type = type("Row", (Row,), {"names": names})

    def make(values: Sequence[Any]) -> Row:
        return row_type(values)

    return make


_DDL = [
    (re.compile(r"\bINTEGER PRIMARY KEY\b"), "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
    (re.compile(r"\bINTEGER\b"), "BIGINT"),
    (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),
    (re.compile(r"\bBLOB\b"), "BYTEA"),
]


def ddl(schema: str) -> list[str]:
    """SQLite `CREATE` statements → PostgreSQL ones (virtual tables are left to the caller)."""
    out = []
    for stmt in schema.split(";"):
        stmt = stmt.strip()
        if not stmt or "VIRTUAL TABLE" in stmt:
            continue
        for pattern, repl in _DDL:
            stmt = pattern.sub(repl, stmt)
        out.append(stmt)
    return out


class PostgresDatabase(Database):
    dialect = "postgres"
    _begin = "BEGIN"

    def __init__(self, url: str) -> None:
        import psycopg

        super().__init__()
        self.url = url
        self._psycopg = psycopg
        self.conn = psycopg.connect(url, autocommit=True, row_factory=_row_factory)
        self._sql: dict[str, str] = {}

    @property
    def integrity_error(self) -> type[Exception]:
        return self._psycopg.IntegrityError

    def _translate(self, sql: str) -> str:
        out = self._sql.get(sql)
        if out is None:
            out = sql.replace("%", "%%").replace("?", "%s")
            self._sql[sql] = out
        return out

    def execute(self, sql: str, args: Params = ()) -> Cursor:
        with self.lock:
            return self.conn.execute(self._translate(sql), tuple(args))

    def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        with self.lock, self.conn.cursor() as cur:
            cur.executemany(self._translate(sql), [tuple(r) for r in rows])

    def create_schema(self, schema: str) -> None:
        """Concurrent starts (two bot processes) must not race on CREATE: one at a time."""
        with self.transaction():
            self.execute("SELECT pg_advisory_xact_lock(4242)")
            for stmt in ddl(schema):
                self.execute(stmt)

    def columns(self, table: str) -> set[str]:
        rows = self.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?", (table,)
        ).fetchall()
        return {r[0] for r in rows}

    def close(self) -> None:
        with self.lock:  # not under a statement or transaction running in another thread
            self.conn.close()
