"""The real `newsdesk bot` process against the fake Discord: sync, then an /ask end to end."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from retrieval.app import App
from retrieval.engine import namespace_for_guild
from retrieval.ingest.embedding import Embedder
from retrieval.settings import Settings
from tests.support.discord_world import SAMPLE_TITLE, SAMPLE_URL, VALK, sample_article
from tests.support.fake_discord import FakeDiscord

pytest_plugins = ("tests.support.discord_fixtures",)

NEWSDESK = str(Path(sys.executable).parent / "newsdesk")


def bot_env(fake: FakeDiscord | None, data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSDESK_", "DISCORD_"))}
    env["NEWSDESK_DATA_DIR"] = str(data_dir)
    if fake is not None:
        env.update(
            DISCORD_TOKEN="fake-token",
            NEWSDESK_DISCORD_API_BASE=fake.api_base,
            NEWSDESK_DISCORD_GATEWAY_URL=fake.gateway_url,
        )
    return env


def test_bot_without_token_says_what_to_do(tmp_path: Path) -> None:
    result = subprocess.run(
        [NEWSDESK, "bot"],
        env=bot_env(None, tmp_path / "data"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: DISCORD_TOKEN is not set. Create a bot in the Discord")
    assert "README, section Discord" in result.stderr


async def test_newsdesk_bot_process_syncs_and_answers(
    fake: FakeDiscord, bot_settings: Settings, embedder: Embedder, tmp_path: Path
) -> None:
    guild = fake.add_guild("Newsroom")
    reader = fake.add_user("reader")
    engine_app = App(bot_settings, embedder=embedder)
    engine = engine_app.engine
    engine.ingest([sample_article()], namespace_for_guild(guild.id))
    engine_app.close()
    env = bot_env(fake, bot_settings.data_dir)

    sync = await asyncio.create_subprocess_exec(
        NEWSDESK,
        "bot",
        "sync",
        "--guild",
        str(guild.id),
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(sync.communicate(), 180)
    assert sync.returncode == 0, err.decode()
    assert out.decode() == (
        f"synced 12 commands to server {guild.id}: "
        "ask, digest, feeds, forget, help, ingest, newsdesk, quotes, sources, summary, timeline, watch\n"
    )
    assert sorted(c["name"] for c in fake.commands[str(guild.id)]) == [
        "ask",
        "digest",
        "feeds",
        "forget",
        "help",
        "ingest",
        "newsdesk",
        "quotes",
        "sources",
        "summary",
        "timeline",
        "watch",
    ]
    assert not fake.identify  # sync logs in over REST only: no gateway session

    bot = await asyncio.create_subprocess_exec(
        NEWSDESK,
        "bot",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await fake.wait_identified(timeout=180)
        inter = await fake.slash(
            "ask",
            [{"type": 3, "name": "question", "value": VALK}],
            guild_id=guild.id,
            user_id=reader,
        )
        (follow_up,) = await fake.wait_request("POST", inter.webhook_path(fake.app_id), timeout=180)
    finally:
        bot.terminate()
        _, err = await asyncio.wait_for(bot.communicate(), 60)
    assert bot.returncode == 0, err.decode()[-2000:]
    (callback,) = fake.sent("POST", inter.callback_path)
    assert callback.json == {"type": 5}
    (embed,) = follow_up.json["embeds"]
    assert embed["title"] == VALK
    assert "not something we will trade away" in embed["description"]
    (first_source,) = embed["fields"][0]["value"].split("\n")[:1]
    assert first_source.startswith(f"[1] [{SAMPLE_TITLE}](<{SAMPLE_URL}#:~:text=")
    assert first_source.endswith(">) — meridianwire.example, 2023-03-09")
    assert "fake-token" not in err.decode()
