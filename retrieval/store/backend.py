"""Which catalog a state-database target gets: SQLite FTS5 for a path, PostgreSQL for a URL."""

from __future__ import annotations

from pathlib import Path

from retrieval.store.catalog import Catalog
from retrieval.store.catalog_pg import PostgresCatalog
from retrieval.store.database import is_postgres_url


def open_catalog(target: Path | str, max_df: float = 0.0) -> Catalog:
    """The catalog in the state database: SQLite FTS5 for a path, PostgreSQL for a URL."""
    if is_postgres_url(target):
        return PostgresCatalog(target, max_df)
    return Catalog(target, max_df)
