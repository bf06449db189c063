"""The `newsdesk` command in-process, every command with an App built from the environment as
the test has set it, sharing the session's loaded model (`invoke(..., obj=App(...))`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bot.cli.main import app
from retrieval.app import App
from retrieval.ingest.embedding import Embedder
from retrieval.settings import Settings
from tests.support.http_server import LoopbackSite

Cli = Callable[..., Result]


def cli_with_model(embedder: Embedder) -> Cli:
    """`run(*args)`: one command, its App built from the settings in force when it runs."""
    runner = CliRunner()

    def run(*args: str) -> Result:
        with App(Settings(), embedder=embedder) as services:
            return runner.invoke(app, list(args), obj=services, catch_exceptions=False)

    return run


def cli_for_site(
    monkeypatch: pytest.MonkeyPatch, data_dir: Path, site: LoopbackSite, embedder: Embedder, columns: int
) -> Cli:
    """`cli_with_model` on a fresh data dir, allowed to fetch from the loopback site (and only
    there), printing `columns` wide so exact lines do not wrap."""
    monkeypatch.setenv("NEWSDESK_DATA_DIR", str(data_dir))
    monkeypatch.setenv("NEWSDESK_FETCH_ALLOW", site.host)
    monkeypatch.setenv("COLUMNS", str(columns))
    return cli_with_model(embedder)
