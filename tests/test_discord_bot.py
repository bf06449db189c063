"""The real discord.py bot against the loopback fake Discord: slash commands end to end."""

from __future__ import annotations

from bot import render
from bot.discord_app import sync_commands
from tests.discord_world import DUNFORD, SAMPLE_TITLE, SAMPLE_URL, World, sample_article

pytest_plugins = ("tests.discord_fixtures",)


async def test_login_identify_and_sync_payload(world: World) -> None:
    fake = world.fake
    assert [r.path for r in fake.requests[:2]] == ["/users/@me", "/oauth2/applications/@me"]
    assert fake.intents == (1 << 0) | (1 << 9)  # guilds, guild messages: nothing privileged
    await sync_commands(world.bot, world.guild.id)
    (put,) = fake.sent("PUT", f"/applications/{fake.app_id}/guilds/{world.guild.id}/commands")
    commands = {c["name"]: c for c in put.body}
    assert sorted(commands) == ["ask", "forget", "help", "ingest", "newsdesk", "sources", "summary"]
    ask = commands["ask"]
    assert ask["description"] == (
        "Ask a question about the news indexed in this server; the answer cites its sources."
    )
    assert [(o["name"], o["type"], o["required"], o.get("max_length")) for o in ask["options"]] == [
        ("question", 3, True, 1000),
        ("source", 3, False, 100),
        ("since", 3, False, 40),
    ]
    assert ask["default_member_permissions"] is None
    for admin_only in ("ingest", "forget"):
        assert commands[admin_only]["default_member_permissions"] == 1 << 5  # Manage Server
        assert commands[admin_only]["contexts"] == [0]  # servers only
    assert [(o["name"], o["type"]) for o in commands["ingest"]["options"]] == [("url", 3), ("file", 11)]
    (article_opt,) = commands["forget"]["options"]
    assert article_opt["autocomplete"] is True
    assert [o["name"] for o in commands["newsdesk"]["options"]] == ["stats"]


async def test_ask_defers_then_answers_dunford_with_citation(world: World) -> None:
    world.engine.ingest([sample_article()], world.namespace)
    expected = world.engine.ask(DUNFORD, world.namespace)
    assert expected.found and "not currently on the table" in expected.text

    requests = await world.ask(DUNFORD)

    callback, follow_up = requests[0], requests[1]
    assert callback.path.endswith("/callback") and callback.json == {"type": 5}
    assert follow_up.query["wait"] == "1"
    body = follow_up.json
    assert body["allowed_mentions"] == {"parse": []}
    (embed,) = body["embeds"]
    assert embed["title"] == DUNFORD
    assert embed["description"] == render.safe(expected.text)
    assert "[1]" in embed["description"]
    first = expected.citations[0]
    assert first.title == SAMPLE_TITLE and "Dunford" in first.quote
    sources = embed["fields"][0]
    assert sources["name"] == "Sources"
    assert sources["value"].split("\n")[0] == (
        f"[1] [{SAMPLE_TITLE}](<{SAMPLE_URL}>) — reuters.com, 2017-08-17"
    )
    assert embed["footer"] == {"text": "newsdesk · quoted answer"}
    (row,) = body["components"]
    ids = [b["custom_id"] for b in row["components"]]
    ref = ids[0].removeprefix("nd:quotes:")
    assert ids == [f"nd:quotes:{ref}", f"nd:vote:up:{ref}", f"nd:vote:down:{ref}"]
    assert world.feedback.citations(ref) == expected.citations
