"""Opening the stores in the data dir, where a damaged or unusable data dir becomes one line.

`App` opens the state database and the vector store only through these two functions, so every
command (and the bot) reports the same problem the same way: a `StoreError` naming the path and
the way out, never a traceback. What they recognise, as it fails on a real disk:

- `NEWSDESK_DATA_DIR` is a file (or lies under one): `mkdir` fails;
- the data dir is not writable (a read-only mount, an immutable folder, another user's files):
  SQLite cannot create its journal beside the database ("unable to open database file",
  "attempt to write a readonly database"), Chroma the same inside `chroma/`;
- a truncated or overwritten `newsdesk.sqlite3` ("database disk image is malformed", "file is not
  a database"): the articles live only there, so it must be restored or re-ingested;
- a truncated or overwritten `chroma/chroma.sqlite3`: the vectors are derived data, and
  `newsdesk reindex` sets the damaged folder aside and rebuilds them (`set_aside_vectors`).
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from retrieval.errors import DamagedVectorsError, StoreError
from retrieval.settings import Settings
from retrieval.store.database import Database, open_database
from retrieval.store.vectors import build_chroma_client

DAMAGED = ("malformed", "not a database", "(code: 11)", "(code: 26)")  # SQLITE_CORRUPT, SQLITE_NOTADB


def _folder(path: Path, what: str) -> None:
    """Make the data dir (or `chroma/` in it); a file in the way or a refused mkdir is a StoreError."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise StoreError(
            f"{what} {path} is a file, not a folder (or lies under a file): point "
            "NEWSDESK_DATA_DIR at a folder, or move the file away"
        ) from None
    except OSError as exc:
        raise StoreError(
            f"cannot create {what} {path} ({exc.strerror or exc}): make its parent writable for this "
            "user, or point NEWSDESK_DATA_DIR at a writable folder"
        ) from None


def _not_writable(path: Path, exc: Exception) -> StoreError:
    return StoreError(
        f"cannot open {path} ({exc}): the data dir {path.parent} must be writable (SQLite keeps its "
        "journal beside the file, also for reading); make it writable for this user (chmod/chown, "
        "chattr -i, or remount it read-write), or point NEWSDESK_DATA_DIR at a writable copy"
    )


def open_state_database(settings: Settings) -> Database:
    """The state database: PostgreSQL as configured, or SQLite in the data dir, checked."""
    if settings.database_url:
        return open_database(settings.database_url)
    _folder(settings.data_dir, "the data dir")
    path = settings.sqlite_path
    try:
        db = open_database(path)
    except sqlite3.DatabaseError as exc:
        raise _classify_state_error(path, exc) from None
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()  # reads the schema pages
    except sqlite3.DatabaseError as exc:
        db.close()
        raise _classify_state_error(path, exc) from None
    return db


def _classify_state_error(path: Path, exc: sqlite3.DatabaseError) -> StoreError:
    if any(sign in str(exc) for sign in DAMAGED):
        return StoreError(
            f"the state database {path} is damaged ({exc}): the article texts are kept only there; "
            f"restore it from a backup (or move it aside and try `sqlite3 {path.name} .recover`), "
            "or move it aside and ingest the articles again"
        )
    return _not_writable(path, exc)


def open_vector_client(settings: Settings) -> Any:
    """The Chroma client: a server as configured, or the embedded store in the data dir, checked."""
    if settings.chroma_host:
        return build_chroma_client(settings)
    _folder(settings.data_dir, "the data dir")
    path = settings.chroma_path
    _folder(path, "the vector store folder")
    try:
        return build_chroma_client(settings)
    except Exception as exc:  # chromadb raises InternalError (from its Rust core) for all of these
        if any(sign in str(exc) for sign in DAMAGED):
            raise DamagedVectorsError(
                f"the vector store {path} is damaged ({exc}): run `newsdesk reindex` to set it aside "
                "and rebuild the vectors from the stored articles"
            ) from None
        if "unable to open" in str(exc) or "readonly" in str(exc):
            raise _not_writable(path / "chroma.sqlite3", exc) from None
        raise


def set_aside_vectors(settings: Settings, clock: Any = time.time) -> Path:
    """Move a damaged embedded vector store out of the way (`chroma.damaged-<time>` beside it),
    so that a fresh one is made in its place; returns where it went."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(clock()))
    target = settings.chroma_path.with_name(f"{settings.chroma_path.name}.damaged-{stamp}")
    settings.chroma_path.rename(target)
    return target
