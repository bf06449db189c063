"""/ingest url: goes through the web ingestor's duplicate check (as the feed poller and
`newsdesk ingest URL` do), and /forget clears the story's duplicate-detection rows. The real
discord.py client, the loopback fake Discord, pages on a loopback news site, real SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from retrieval.engine import Engine
from retrieval.settings import Settings
from retrieval.store.feedback import FeedbackStore
from tests.support.discord_world import World, web_world
from tests.support.fake_discord import MANAGE_GUILD, FakeDiscord
from tests.support.http_server import LoopbackSite
from tests.web.test_feeds import publish_news

pytest_plugins = ("tests.support.discord_fixtures",)

FERRY_TITLE = "Ferry to run every 20 minutes"
WIRE_TITLE = "Harbour ferry to run every 20 minutes"


@pytest.fixture
async def web(
    fake: FakeDiscord, bot_settings: Settings, bot_engine: Engine, feedback: FeedbackStore
) -> AsyncIterator[tuple[World, LoopbackSite]]:
    async with web_world(fake, bot_settings, bot_engine, feedback) as world_and_site:
        yield world_and_site


async def slash(world: World, name: str, option: str, value: str) -> str:
    """An admin's command; the description of its (one) follow-up embed."""
    inter = await world.command(
        name, [{"type": 3, "name": option, "value": value}], user=world.admin, permissions=MANAGE_GUILD
    )
    requests = await world.done(inter)
    assert requests[0].json == {"type": 5}
    (embed,) = requests[1].json["embeds"]
    return str(embed["description"])


def story_rows(world: World) -> dict[str, list[tuple[Any, ...]]]:
    """What the duplicate check holds for this server, table by table."""
    db = world.engine.catalog.db
    out = {}
    for table in ("story_sigs", "story_bands", "story_urls"):
        rows = db.execute(f"SELECT * FROM {table} WHERE namespace = ?", (world.namespace,)).fetchall()
        out[table] = [tuple(r) for r in rows]
    return out


async def test_ingest_url_stores_a_syndicated_copy_once_and_forget_clears_it(
    web: tuple[World, LoopbackSite],
) -> None:
    world, site = web
    publish_news(site)
    ferry, wire = site.url("/articles/ferry"), site.url("/wire/ferry-copy")
    ns = world.namespace

    text = await slash(world, "ingest", "url", ferry)
    assert text == (
        f"**Ingested [{FERRY_TITLE}](<{ferry}>)**: 1 added, 0 updated, 0 unchanged (1 passages indexed)."
    )
    (stored,) = world.engine.sources(ns)
    assert (stored.title, stored.url) == (FERRY_TITLE, ferry)

    # another outlet's copy of the same wire story, retitled, with a tagline: stored once
    text = await slash(world, "ingest", "url", wire)
    assert text == (
        f"**[{WIRE_TITLE}](<{wire}>)** is the same story as [{FERRY_TITLE}](<{ferry}>), already "
        "indexed: it is stored once, and this URL is remembered with it."
    )
    assert [i.id for i in world.engine.sources(ns)] == [stored.id]
    assert world.engine.stories.urls(ns, stored.id) == [
        ("https://127.0.0.1/articles/ferry", "127.0.0.1"),
        ("https://127.0.0.1/wire/ferry-copy", "127.0.0.1"),
    ]
    # the copy's URL names the story it is stored with: /summary url: summarises that
    text = await slash(world, "summary", "url", wire)
    assert text == (
        "• Mayor Ada Okonkwo said on Monday that the harbour ferry will run every twenty minutes "
        "from April, after a year of complaints about crowded morning boats. [1]\n"
        "• The city will lease two extra vessels from a private operator while the new electric "
        "ferries are built, she told reporters at the terminal. [1]\n"
        "• Commuter groups welcomed the change but said fares should not rise to pay for it. [1]"
    )

    # the same page again: unchanged, nothing re-indexed
    text = await slash(world, "ingest", "url", ferry)
    assert text == (
        f"**Ingested [{FERRY_TITLE}](<{ferry}>)**: 0 added, 0 updated, 1 unchanged (0 passages indexed)."
    )

    # /forget: the article goes, and so do its signature, bands and both remembered URLs
    text = await slash(world, "forget", "article", stored.id)
    assert text == f"Removed [{FERRY_TITLE}](<{ferry}>) from the index."
    assert world.engine.count_articles(ns) == 0
    assert story_rows(world) == {"story_sigs": [], "story_bands": [], "story_urls": []}
    assert world.engine.stories.owner_of(ns, wire) is None

    # the wire copy can now come in as a story of its own, with only its own URL
    text = await slash(world, "ingest", "url", wire)
    assert text == (
        f"**Ingested [{WIRE_TITLE}](<{wire}>)**: 1 added, 0 updated, 0 unchanged (1 passages indexed)."
    )
    (again,) = world.engine.sources(ns)
    assert (again.title, again.url) == (WIRE_TITLE, wire)
    assert world.engine.stories.urls(ns, again.id) == [("https://127.0.0.1/wire/ferry-copy", "127.0.0.1")]
    assert len(story_rows(world)["story_sigs"]) == 1


async def test_ingest_url_that_gives_no_article_is_a_private_error(web: tuple[World, LoopbackSite]) -> None:
    world, site = web
    publish_news(site)  # /articles/bridge answers 404
    bridge = site.url("/articles/bridge")
    inter = await world.command(
        "ingest", [{"type": 3, "name": "url", "value": bridge}], user=world.admin, permissions=MANAGE_GUILD
    )
    requests = await world.done(inter)
    app, token = world.fake.app_id, inter.token
    assert [(r.method, r.path) for r in requests] == [
        ("POST", inter.callback_path),
        ("DELETE", f"/webhooks/{app}/{token}/messages/@original"),
        ("POST", f"/webhooks/{app}/{token}"),
    ]
    assert requests[2].json["flags"] == 64
    assert requests[2].json["content"] == f"⚠️ can't ingest {bridge}: the server answered HTTP 404"
    assert world.engine.count_articles(world.namespace) == 0
    assert story_rows(world) == {"story_sigs": [], "story_bands": [], "story_urls": []}
