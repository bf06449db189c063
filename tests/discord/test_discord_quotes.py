"""/quotes on the loopback fake Discord: the speaker autocompletes from the attribution index,
the statements come back grouped by story, marked direct or reported, with no pings."""

from __future__ import annotations

import asyncio
import dataclasses
import time

import discord
import pytest

from bot.discord import render
from bot.discord.cogs import quotes as quotes_cog
from retrieval.attribution.store import Quote
from retrieval.ingest.loaders import load_text
from tests.conftest import TEST_DATA
from tests.support.discord_world import SAMPLE_TITLE, SAMPLE_URL, World, sample_article

pytest_plugins = ("tests.support.discord_fixtures",)

(HARBOUR,) = list(load_text(TEST_DATA / "harbour_article.txt"))


async def _choices(world: World, value: str) -> list[dict[str, str]]:
    inter = await world.fake.autocomplete(
        "quotes",
        [{"type": 3, "name": "speaker", "value": value, "focused": True}],
        guild_id=world.guild.id,
        user_id=world.user,
    )
    (callback,) = await world.fake.wait_request("POST", inter.callback_path)
    assert callback.json["type"] == 8
    choices: list[dict[str, str]] = callback.json["data"]["choices"]
    return choices


async def test_speaker_autocompletes_from_the_index(world: World) -> None:
    world.engine.ingest([sample_article(), HARBOUR], world.namespace)
    assert await _choices(world, "val") == [{"name": "Anders Valk", "value": "Anders Valk"}]
    daces = {c["name"] for c in await _choices(world, "dace")}
    assert daces == {"Ruth Dace", "Jonah Dace"}
    everyone = await _choices(world, "")
    assert 10 < len(everyone) <= 25 and "Oskar Brenn" in {c["name"] for c in everyone}


async def test_a_slow_index_gives_no_choices_in_time(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    assert quotes_cog.AUTOCOMPLETE_SECONDS < 3  # Discord's limit
    monkeypatch.setattr(world.bot.get_cog("Quotes"), "autocomplete_seconds", 0.2)
    monkeypatch.setattr(world.engine.store.attributions, "speakers", lambda *a: time.sleep(1) or ["X"])
    started = asyncio.get_running_loop().time()
    assert await _choices(world, "va") == []
    assert asyncio.get_running_loop().time() - started < 1.0


async def test_quotes_lists_only_the_speakers_statements(world: World) -> None:
    world.engine.ingest([sample_article(), HARBOUR], world.namespace)
    inter = await world.command("quotes", [{"type": 3, "name": "speaker", "value": "Gen. Valk"}])
    requests = await world.done(inter)
    post = requests[-1].json
    assert post["allowed_mentions"] == {"parse": []}
    (embed,) = post["embeds"]
    assert embed["title"] == "What Gen. Valk said"
    (field,) = embed["fields"]
    assert SAMPLE_TITLE.split(" as ")[0] in field["value"]
    assert field["value"].count("\n- ") == 3
    # each statement links to its place in the article (a text fragment: its first and last words)
    at_quote = "#:~:text=%E2%80%9CAs%20long%20as%20Dravia%20poses,"
    at_quote += "of%20readiness%20to%20answer%20it%2C%E2%80%9D"
    assert f"- [“direct”](<{SAMPLE_URL}{at_quote}>) “As long as Dravia poses this threat" in field["value"]
    assert "[reported](<" in field["value"] and ">) the exercises were" in field["value"]
    assert "Brenn" not in str(embed) and "Tarva believes" not in str(embed)
    assert render.within_limits(render.Message([discord.Embed.from_dict(embed)]))
    inter = await world.command(
        "quotes",
        [{"type": 3, "name": "speaker", "value": "Dace"}, {"type": 3, "name": "topic", "value": "money"}],
    )
    (embed,) = (await world.done(inter))[-1].json["embeds"]
    assert embed["description"].startswith("1 statement in 1 story")
    assert "The board is right to wait for the money" in embed["fields"][0]["value"]


async def test_quotes_bad_window_and_nobody(world: World) -> None:
    options = [{"type": 3, "name": "speaker", "value": "Valk"}, {"type": 3, "name": "since", "value": "soon"}]
    inter = await world.command("quotes", options)
    (reply,) = await world.fake.wait_request("POST", inter.callback_path)
    assert reply.json["data"]["flags"] == 64 and "soon" in reply.json["data"]["content"]
    inter = await world.command("quotes", [{"type": 3, "name": "speaker", "value": "@everyone"}])
    (embed,) = (await world.done(inter))[-1].json["embeds"]
    assert embed["description"] == "No statements by @\u200beveryone are indexed in this server."


def test_many_long_statements_stay_within_discords_limits() -> None:
    base = Quote(
        "a0",
        "T" * 300,
        "https://x.example/a",
        "x.example",
        "2026-01-01",
        "Ann Lee",
        True,
        "“" + "word " * 400 + "”",
        ((0, 10),),
        "said",
        (0, 10),
    )
    found = [
        dataclasses.replace(base, article_id=f"a{i // 3}", title=f"Story {i // 3} " + "t" * 280)
        for i in range(60)
    ]
    embed = quotes_cog.quotes_embed("Lee", found)
    assert render.within_limits(render.Message([embed]))
    assert embed.footer.text == "…and 10 more stories (newsdesk quotes lists all)"


def test_statement_links_give_way_before_any_statement_does() -> None:
    """Each mark links to the statement's place in the article only while every statement still
    fits in the story's field; otherwise the marks are plain and all the statements are shown."""
    base = Quote(
        "a0", "Ferry talks", "https://x.example/ferry", "x.example", "2026-01-01", "Ann Lee", False,
        "", ((0, 10),), "said", (0, 10),
    )  # fmt: skip

    def statements(n: int, words: int) -> list[Quote]:
        return [dataclasses.replace(base, text=f"point {i} " + "ferry timetable " * words) for i in range(n)]

    (few,) = quotes_cog.quotes_embed("Lee", statements(2, 5)).fields
    assert few.value.count("- [reported](<https://x.example/ferry#:~:text=point%20") == 2
    (many,) = quotes_cog.quotes_embed("Lee", statements(4, 10)).fields
    assert many.value.count("\n- *reported* point ") == 4 and "#:~:text=" not in many.value
