"""What every command reaches through typer's context: the one `App` (retrieval/app.py) the
root command builds from the settings, or the one a test hands in (`invoke(..., obj=App(...))`),
closed when the command ends. Also the options several commands share."""

from __future__ import annotations

from typing import Annotated

import typer

from retrieval.app import App

GuildOpt = Annotated[str | None, typer.Option("--guild", help="Namespace: a Discord server id.")]


def app_of(ctx: typer.Context) -> App:
    """The App the root command built (or was handed)."""
    found = ctx.find_object(App)
    if found is None:
        raise RuntimeError("no App in the context: run commands through bot.cli.main.app")
    return found
