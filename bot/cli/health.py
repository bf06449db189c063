"""`newsdesk health`: exit 0 when the vector store and the state database answer.

The container health check (compose.yaml); cheap: no embedder is loaded."""

from __future__ import annotations

import typer

from bot.cli.context import app_of
from retrieval.errors import NewsdeskError
from retrieval.store.vectors import missing_vectors_note, stored_vectors


def health_command(ctx: typer.Context) -> None:
    """Check that Chroma (server or embedded) and the state database answer; exit 1 if not."""
    services = app_of(ctx)
    settings = services.settings
    vectors = (
        f"chroma server {settings.chroma_host}:{settings.chroma_port}"
        if settings.chroma_host
        else "embedded chroma"
    )
    try:
        services.chroma.heartbeat()
        services.database.execute("SELECT 1").fetchone()
        state = "postgresql" if services.database.dialect == "postgres" else "sqlite"
        catalog = services.catalog
        stored = sum(stored_vectors(services.chroma, ns) for ns in catalog.namespaces())
        gap = missing_vectors_note(catalog.counts()["chunks"], stored)
    except NewsdeskError as exc:  # a damaged or unusable data dir: the message names the way out
        typer.echo(f"unhealthy: {exc}", err=True)
        raise typer.Exit(1) from None
    except Exception as exc:
        typer.echo(f"unhealthy: {type(exc).__name__}: {exc}".splitlines()[0], err=True)
        raise typer.Exit(1) from None
    if gap:  # the store answers, but dense search misses passages: not healthy
        typer.echo(f"unhealthy: {gap}", err=True)
        raise typer.Exit(1)
    typer.echo(f"ok: {vectors}, {state} state")
