"""`newsdesk bot`: run the Discord bot; `newsdesk bot sync [--guild ID]`: register its commands;
`newsdesk bot feedback`: the 👍/👎 counts."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Annotated

import discord
import typer

from bot.cli.context import app_of
from bot.cli.terminal import run_or_exit
from bot.discord.app import build_bot, point_client_at, shard_options, sync_commands
from retrieval.app import App
from retrieval.engine import namespace_for_guild
from retrieval.errors import NewsdeskError
from retrieval.settings import Settings

bot_app = typer.Typer(
    name="bot",
    help="Run the Discord bot (DISCORD_TOKEN from the environment or .env).",
    invoke_without_command=True,
    no_args_is_help=False,
)
log = logging.getLogger("bot")

STOP_WAIT = 30.0  # seconds a stopping bot waits for worker threads before closing the stores

NO_TOKEN = (
    "DISCORD_TOKEN is not set. Create a bot in the Discord developer portal "
    "(https://discord.com/developers/applications → your app → Bot → Reset Token), then put "
    "DISCORD_TOKEN=... in .env or the environment. See README, section Discord."
)


def _token_or_exit(settings: Settings) -> str:
    if not settings.discord_token:
        typer.echo(f"error: {NO_TOKEN}", err=True)
        raise typer.Exit(2)
    try:
        shard_options(settings)
    except NewsdeskError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    return settings.discord_token


async def run_bot(
    services: App, token: str, *, sync_guild: int | None = None, sync_only: bool = False
) -> None:
    """Run the bot on the App's clients until it stops; the App closes them afterwards."""
    settings = services.settings
    point_client_at(settings)
    engine = await asyncio.to_thread(lambda: services.engine)  # loads the model: not on the loop
    try:
        async with services.online():
            bot = build_bot(settings, engine, services.feedback, fetcher=services.fetcher, llm=services.llm)
            async with bot:
                if sync_only:
                    await bot.login(token)
                    commands = await sync_commands(bot, sync_guild)
                    where = f"server {sync_guild}" if sync_guild else "all servers (global)"
                    names = ", ".join(sorted(c.name for c in commands))
                    typer.echo(f"synced {len(commands)} commands to {where}: {names}")
                    return
                loop = asyncio.get_running_loop()
                with contextlib.suppress(NotImplementedError):  # not on Windows
                    loop.add_signal_handler(signal.SIGTERM, lambda: asyncio.ensure_future(bot.close()))
                await bot.start(token)
    finally:
        # A stopping feed poller abandons its round, but an ingest it started in a worker thread
        # runs on: let it commit (or fail whole) before its stores are closed under it.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.get_running_loop().shutdown_default_executor(), STOP_WAIT)


@bot_app.callback()
def bot(ctx: typer.Context) -> None:
    """Run the Discord bot until interrupted."""
    if ctx.invoked_subcommand is not None:
        return
    services = app_of(ctx)
    token = _token_or_exit(services.settings)
    discord.utils.setup_logging(level=logging.INFO, root=False)
    for name in ("bot", "retrieval"):  # newsdesk's own INFO lines (poller lease, LLM usage) too
        logging.getLogger(name).setLevel(logging.INFO)
        for handler in logging.getLogger("discord").handlers:
            logging.getLogger(name).addHandler(handler)
    try:  # a data dir that cannot be used stops it at start with one line (run_or_exit)
        run_or_exit(lambda: asyncio.run(run_bot(services, token)))
    except discord.LoginFailure:
        typer.echo("error: Discord refused the token (DISCORD_TOKEN): reset it and try again", err=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        pass


@bot_app.command()
def sync(
    ctx: typer.Context,
    guild: Annotated[
        int | None, typer.Option("--guild", help="Sync to one server only (instant; for testing).")
    ] = None,
) -> None:
    """Register the slash commands with Discord. Run it after changing commands, not on every
    start: global commands can take a while to appear; --guild is instant."""
    services = app_of(ctx)
    token = _token_or_exit(services.settings)
    try:
        run_or_exit(lambda: asyncio.run(run_bot(services, token, sync_guild=guild, sync_only=True)))
    except discord.LoginFailure:
        typer.echo("error: Discord refused the token (DISCORD_TOKEN): reset it and try again", err=True)
        raise typer.Exit(1) from None


@bot_app.command()
def feedback(
    ctx: typer.Context, guild: Annotated[str | None, typer.Option("--guild", help="One server only.")] = None
) -> None:
    """Answers the bot posted and their 👍/👎 counts."""
    services = app_of(ctx)
    counts = run_or_exit(
        lambda: services.feedback.counts(namespace_for_guild(guild) if guild is not None else None)
    )
    typer.echo(f"answers: {counts['answers']}\nup: {counts['up']}\ndown: {counts['down']}")
