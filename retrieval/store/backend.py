"""Which catalog a state database gets: SQLite FTS5, or the PostgreSQL one (the database itself
is opened, and its backend chosen, by the composition root: retrieval/app.py)."""

from __future__ import annotations

from retrieval.store.catalog import Catalog
from retrieval.store.catalog_pg import PostgresCatalog
from retrieval.store.database import Database


def open_catalog(db: Database, max_df: float = 0.0) -> Catalog:
    """The catalog in the state database `db`: SQLite FTS5, or PostgreSQL's on PostgreSQL."""
    if db.dialect == "postgres":
        return PostgresCatalog(db, max_df)
    return Catalog(db, max_df)
