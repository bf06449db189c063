"""`newsdesk migrate --to http://host:port`: move the embedded store to a Chroma server."""

from __future__ import annotations

from typing import Annotated, Any

import chromadb
import typer

from bot.cli.context import app_of
from bot.cli.terminal import run_or_exit
from retrieval.store.migrate import MigrationReport, migrate, server_client


def migrate_command(
    ctx: typer.Context,
    to: Annotated[str, typer.Option("--to", help="The Chroma server, e.g. http://chroma:8000.")],
    database: Annotated[
        str | None,
        typer.Option(
            "--database",
            help="postgresql://… for articles, BM25, feeds and feedback (default: NEWSDESK_DATABASE_URL; "
            "unset: they stay in the data dir's SQLite).",
        ),
    ] = None,
) -> None:
    """Copy the embedded store (NEWSDESK_DATA_DIR) into a Chroma server, embeddings included
    (nothing is re-embedded), and its state into PostgreSQL. Safe to re-run."""
    settings = app_of(ctx).settings
    target_db = database or settings.database_url or settings.sqlite_path

    def go() -> MigrationReport:
        source: Any = chromadb.PersistentClient(
            path=str(settings.chroma_path), settings=chromadb.Settings(anonymized_telemetry=False)
        )
        target = server_client(to, settings.chroma_auth_token)
        return migrate(settings.data_dir, source, target, target_db, log=typer.echo)

    report = run_or_exit(go)
    state = "state left in SQLite" if target_db == settings.sqlite_path else f"{report.articles} articles"
    rows = sum(report.rows.values())
    typer.echo(
        f"migrated {report.namespaces} namespace(s): {report.vectors} vectors to {to}, {state}, "
        f"{rows} state rows"
    )
