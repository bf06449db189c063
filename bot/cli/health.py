"""`newsdesk health`: exit 0 when the vector store and the state database answer.

The container health check (compose.yaml); cheap: no embedder is loaded."""

from __future__ import annotations

import typer

from retrieval.settings import Settings
from retrieval.store.database import is_postgres_url, open_database
from retrieval.store.vectors import build_chroma_client


def health_command() -> None:
    """Check that Chroma (server or embedded) and the state database answer; exit 1 if not."""
    settings = Settings()
    vectors = (
        f"chroma server {settings.chroma_host}:{settings.chroma_port}"
        if settings.chroma_host
        else "embedded chroma"
    )
    state = "postgresql" if is_postgres_url(settings.state_db) else "sqlite"
    try:
        build_chroma_client(settings).heartbeat()
        db = open_database(settings.state_db)
        try:
            db.execute("SELECT 1").fetchone()
        finally:
            db.close()
    except Exception as exc:
        typer.echo(f"unhealthy: {type(exc).__name__}: {exc}".splitlines()[0], err=True)
        raise typer.Exit(1) from None
    typer.echo(f"ok: {vectors}, {state} state")
