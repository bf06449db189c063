"""What every command shares: deferring, the guild's namespace, permission and cooldown checks,
and turning errors into a short private message with a reference id (the trace goes to the log)."""

from __future__ import annotations

import contextlib
import logging
import math
import secrets
import time
from collections.abc import Callable

import discord
from discord import app_commands

from bot.discord import render
from retrieval.engine import namespace_for_guild
from retrieval.errors import NewsdeskError
from retrieval.settings import Settings

log = logging.getLogger("bot.errors")


class Refused(app_commands.CheckFailure):
    """A check said no; the message is shown to the user as it is."""


class DMsDisabled(Refused):
    pass


class NotAllowed(Refused):
    pass


class OnCooldown(Refused):
    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(f"Slow down: you can ask again in {math.ceil(retry_after)} s.")


def namespace_of(interaction: discord.Interaction) -> str:
    """Each server is its own namespace; DMs (when enabled) use the default one."""
    return namespace_for_guild(interaction.guild_id)


async def defer(interaction: discord.Interaction, *, ephemeral: bool = False) -> None:
    """Acknowledge at once (Discord's 3-second rule); the answer follows as a follow-up."""
    if not interaction.response.is_done():
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)
        interaction.extras["public_defer"] = not ephemeral


def can_manage(interaction: discord.Interaction, settings: Settings) -> bool:
    """Manage Server, or the admin role named in settings."""
    if interaction.permissions.manage_guild:
        return True
    role = settings.discord_admin_role
    member = interaction.user
    if role and isinstance(member, discord.Member):
        return any(r.name == role for r in member.roles)
    return False


def require_manager(interaction: discord.Interaction, settings: Settings, command: str) -> None:
    """Raise NotAllowed unless the user may change what is indexed (checked in the bot,
    whatever the server's command permissions say)."""
    if not can_manage(interaction, settings):
        who = "Manage Server permission"
        if settings.discord_admin_role:
            who += f" or the “{settings.discord_admin_role}” role"
        raise NotAllowed(f"/{command} needs the {who}.")


class Cooldown:
    """One use per `seconds` per key (a user id). State lives in the cog that owns it."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._last: dict[int, float] = {}

    def hit(self, key: int) -> None:
        """Record a use, or raise OnCooldown if the last one was too recent."""
        if self.seconds <= 0:
            return
        now = self.clock()
        last = self._last.get(key)
        if last is not None and now - last < self.seconds:
            raise OnCooldown(self.seconds - (now - last))
        self._last[key] = now
        if len(self._last) > 10_000:  # forget users whose cooldown is over
            self._last = {k: t for k, t in self._last.items() if now - t < self.seconds}


def new_reference() -> str:
    return secrets.token_hex(4)


def user_message(error: BaseException) -> tuple[str, str | None]:
    """(what the user reads, reference id or None). Only our own messages reach users."""
    original: BaseException = error
    if isinstance(error, app_commands.CommandInvokeError):
        original = error.original
    if isinstance(original, NewsdeskError):
        return f"⚠️ {render.safe(str(original))}", None
    if isinstance(original, Refused):
        return f"⛔ {original}", None
    if isinstance(original, app_commands.CheckFailure):
        return "⛔ You can't use this command here.", None
    ref = new_reference()
    return (
        f"Something went wrong on our side (reference `{ref}`). "
        "Try again in a moment; if it keeps happening, give the reference to the bot's admin.",
        ref,
    )


async def report_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Tell the user, privately and briefly; log the trace with the same reference."""
    text, ref = user_message(error)
    cmd = interaction.command.qualified_name if interaction.command else interaction.data
    if ref is None:
        log.info("refused %s for user %s: %s", cmd, interaction.user.id, text)
    else:
        original = getattr(error, "original", error)
        log.error("ref %s: %s failed", ref, cmd, exc_info=(type(original), original, original.__traceback__))
    try:
        await send_private(interaction, text)
    except discord.HTTPException:
        log.exception("could not tell the user about an error (ref %s)", ref)


async def send_private(interaction: discord.Interaction, text: str) -> None:
    """An ephemeral reply, whether or not the interaction was deferred (publicly or not)."""
    text = render.content(text)
    none = render.NO_MENTIONS
    if not interaction.response.is_done():
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=none)
        return
    if interaction.extras.get("public_defer"):
        # The public "thinking…" message cannot become private: remove it, then reply privately.
        with contextlib.suppress(discord.HTTPException):
            await interaction.delete_original_response()
        interaction.extras["public_defer"] = False
    await interaction.followup.send(text, ephemeral=True, allowed_mentions=none)
