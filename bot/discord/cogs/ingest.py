"""/ingest (a URL or an attached file) and /forget (an article): changing what is indexed.

Both need Manage Server or the admin role from settings, checked here in the bot whatever
the server's command permissions say.
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord import render
from bot.discord.interactions import defer, namespace_of, require_manager
from retrieval.errors import BadInputError
from retrieval.ingest.loaders import SUPPORTED_SUFFIXES
from retrieval.results import IngestReport
from retrieval.web.ingest import IngestOutcome, WebIngestor, article_from_url

if TYPE_CHECKING:
    from bot.discord.app import NewsBot

AUTOCOMPLETE_MAX = 25


def safe_filename(name: str) -> str:
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).name).strip("._") or "upload"
    return base[:120]


def suffix_ok(name: str) -> bool:
    lower = name.lower()
    return any(lower.endswith(s) for s in SUPPORTED_SUFFIXES)


def report_text(report: IngestReport, what: str) -> str:
    parts = [
        f"**{what}**: {report.articles_added} added, {report.articles_updated} updated, "
        f"{report.articles_skipped} unchanged ({report.chunks_added} passages indexed)."
    ]
    for problem in report.problems[:5]:
        parts.append(f"⚠️ {render.safe(problem)}")
    if len(report.problems) > 5:
        parts.append(f"⚠️ …and {len(report.problems) - 5} more problems")
    return "\n".join(parts)


class Ingest(commands.Cog):
    def __init__(self, bot: NewsBot) -> None:
        self.bot = bot
        # web pages go in as the feed poller and `newsdesk ingest URL` put them in: a syndicated
        # copy of an indexed story is stored once and its URL remembered with it
        self.web = WebIngestor(bot.engine, bot.engine.stories)

    @app_commands.command(name="ingest")
    @app_commands.describe(url="A web page with a news article", file="A .txt, .md, .html or .jsonl file")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def ingest(
        self,
        interaction: discord.Interaction,
        url: app_commands.Range[str, 1, 2000] | None = None,
        file: discord.Attachment | None = None,
    ) -> None:
        """Add articles to this server's index (Manage Server or the admin role)."""
        require_manager(interaction, self.bot.settings, "ingest")
        if (url is None) == (file is None):
            raise BadInputError("give either a url or a file to /ingest, not both or neither")
        if file is not None:
            self._check_file(file)
        await defer(interaction)
        namespace = namespace_of(interaction)
        if file is not None:
            report = await self._ingest_file(file, namespace)
            text = report_text(report, f"Ingested {render.safe(file.filename)}")
        else:
            assert url is not None
            text = await self._ingest_url(url, namespace)
        self.bot.dispatch("articles_stored", namespace)  # the watches look at once (cogs/watch.py)
        await interaction.followup.send(
            embed=render.notice(text, colour=render.FOUND),
            allowed_mentions=render.NO_MENTIONS,
        )

    def _check_file(self, file: discord.Attachment) -> None:
        if not suffix_ok(file.filename):
            raise BadInputError(f"can't read {file.filename}: attach a {', '.join(SUPPORTED_SUFFIXES)} file")
        cap = self.bot.settings.fetch_max_bytes
        if file.size > cap:
            raise BadInputError(f"{file.filename} is larger than the {cap // (1024 * 1024)} MB limit")

    async def _ingest_file(self, file: discord.Attachment, namespace: str) -> IngestReport:
        data = await file.read()
        with tempfile.TemporaryDirectory(prefix="newsdesk-upload-") as tmp:
            path = Path(tmp) / safe_filename(file.filename)
            path.write_bytes(data)
            report = await asyncio.to_thread(self.bot.engine.ingest_paths, [path], namespace)
        # problems name the file as the user attached it, not the server's temporary folder
        report.problems = [p.replace(f"{tmp}{os.sep}", "") for p in report.problems]
        return report

    async def _ingest_url(self, url: str, namespace: str) -> str:
        """Fetch and extract the page, then ingest it through the duplicate check."""
        if self.bot.fetcher is None:
            raise BadInputError("fetching URLs is not set up on this bot")
        fetched = await article_from_url(self.bot.fetcher, url.strip())
        if fetched.article is None:
            raise BadInputError(f"can't ingest {url.strip()}: {fetched.note}")
        (outcome,) = await asyncio.to_thread(self.web.ingest, [fetched.article], namespace)
        return await asyncio.to_thread(self._outcome_text, outcome, namespace)

    def _outcome_text(self, outcome: IngestOutcome, namespace: str) -> str:
        if outcome.status == "failed":
            raise BadInputError(outcome.detail or f"can't ingest {outcome.url}")
        page = render.link(render.clip(outcome.title or outcome.url, 150), outcome.url)
        info = self.bot.engine.get_article(outcome.article_id or "", namespace)
        if outcome.status == "duplicate":
            stored = render.link(render.clip(info.title, 150), info.url) if info else outcome.article_id
            return (
                f"**{page}** is the same story as {stored}, already indexed: it is stored once, "
                "and this URL is remembered with it."
            )
        report = IngestReport(
            articles_added=int(outcome.status == "added"),
            articles_updated=int(outcome.status == "updated"),
            articles_skipped=int(outcome.status == "unchanged"),
            chunks_added=info.n_chunks if info and outcome.status != "unchanged" else 0,
        )
        return report_text(report, f"Ingested {page}")

    @app_commands.command(name="forget")
    @app_commands.describe(article="The article to remove (start typing its title)")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def forget(
        self, interaction: discord.Interaction, article: app_commands.Range[str, 1, 2000]
    ) -> None:
        """Remove an article from this server's index (Manage Server or the admin role)."""
        require_manager(interaction, self.bot.settings, "forget")
        await defer(interaction)
        info = await asyncio.to_thread(self.bot.engine.delete, article, namespace_of(interaction))
        text = f"Removed {render.link(render.clip(info.title or info.url, 150), info.url)} from the index."
        await interaction.followup.send(
            embed=render.notice(text, colour=render.FOUND), allowed_mentions=render.NO_MENTIONS
        )

    @forget.autocomplete("article")
    async def forget_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        infos = await asyncio.to_thread(
            self.bot.engine.sources, namespace_of(interaction), current.strip() or None, AUTOCOMPLETE_MAX
        )
        return [
            app_commands.Choice(name=render.clip(f"{i.title or i.url} — {i.source}", 100), value=i.id)
            for i in infos[:AUTOCOMPLETE_MAX]
        ]


async def setup(bot: NewsBot) -> None:
    await bot.add_cog(Ingest(bot))
