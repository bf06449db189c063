"""The `newsdesk` command in-process, every command with an App built from the environment as
the test has set it, sharing the session's loaded model (`invoke(..., obj=App(...))`)."""

from __future__ import annotations

from collections.abc import Callable

from typer.testing import CliRunner, Result

from bot.cli.main import app
from retrieval.app import App
from retrieval.ingest.embedding import Embedder
from retrieval.settings import Settings

Cli = Callable[..., Result]


def cli_with_model(embedder: Embedder) -> Cli:
    """`run(*args)`: one command, its App built from the settings in force when it runs."""
    runner = CliRunner()

    def run(*args: str) -> Result:
        with App(Settings(), embedder=embedder) as services:
            return runner.invoke(app, list(args), obj=services, catch_exceptions=False)

    return run
