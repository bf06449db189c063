"""/summary url: and /summary since: through the real discord.py client and the loopback fake
Discord, on a fixed set of ingested articles: exact bullets, citations and source lines."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from retrieval.ingest.articles import Article
from tests.answer.test_digest import BRIDGE_TEXT, LIBRARY_TEXT
from tests.support.discord_world import FERRY, SAMPLE_TITLE, World, sample_article

pytest_plugins = ("tests.support.discord_fixtures",)

LIBRARY = Article(
    title="Council votes to close Elm Street library",
    text=LIBRARY_TEXT.split("\n", 1)[1],
    url="https://citypost.example/2024/09/15/library",
    published=date(2024, 9, 15),
)
BRIDGE = Article(  # the day before the window below: never in its summary
    title="Bridge closed to lorries",
    text=BRIDGE_TEXT.split("\n", 1)[1],
    url="https://valleynews.example/bridge",
    published=date(2024, 8, 31),
)

# each source links to the article at the sentence the summary quotes (a text fragment)
FERRY_AT = "#:~:text=The%20harbor%20ferry%20will%20run,boats%20and%20drops%20late%20trips."
FERRY_LINE = f"[{FERRY.title}](<{FERRY.url}{FERRY_AT}>) — example.org, 2024-10-02"
LIBRARY_AT = "#:~:text=The%20city%20council%20voted%20nine,has%20gathered%20four%20thousand%20names."
LIBRARY_LINE = f"[{LIBRARY.title}](<{LIBRARY.url}{LIBRARY_AT}>) — citypost.example, 2024-09-15"


def ingest_fixed_set(world: World) -> None:
    report = world.engine.ingest([sample_article(), FERRY, LIBRARY, BRIDGE], world.namespace)
    assert (report.articles_added, report.problems) == (4, [])


async def test_summary_of_one_article_by_url(world: World) -> None:
    ingest_fixed_set(world)
    inter = await world.command("summary", [{"type": 3, "name": "url", "value": FERRY.url}])
    requests = await world.done(inter)
    assert requests[0].json == {"type": 5}  # public "thinking…"
    body = requests[1].json
    assert body["allowed_mentions"] == {"parse": []}
    (embed,) = body["embeds"]
    assert embed["title"] == f"Summary: {FERRY.url}"
    # both sentences of the article, each cited to it, and nothing from the other articles
    assert embed["description"] == (
        "• The harbor ferry will run every forty minutes from November, the city transit office "
        "said. [1]\n"
        "• Mayor Okonkwo said the winter schedule keeps the early commuter boats and drops late "
        "trips. [1]"
    )
    assert embed["fields"] == [{"name": "Sources", "value": f"[1] {FERRY_LINE}", "inline": False}]


async def test_summary_since_a_date_cites_only_the_articles_in_the_window(world: World) -> None:
    ingest_fixed_set(world)
    inter = await world.command("summary", [{"type": 3, "name": "since", "value": "2024-09-01"}])
    body = (await world.done(inter))[1].json
    (embed,) = body["embeds"]
    assert embed["title"] == "Summary of the news since 2024-09-01"
    # newest article first; the bridge story (2024-08-31) and the 2023 wire story are left out
    assert embed["fields"] == [
        {"name": "Sources", "value": f"[1] {FERRY_LINE}\n[2] {LIBRARY_LINE}", "inline": False}
    ]
    bullets = embed["description"].split("\n")
    assert bullets == [
        "• The harbor ferry will run every forty minutes from November, the city transit office said. [1]",
        "• Mayor Okonkwo said the winter schedule keeps the early commuter boats and drops late trips. [1]",
        "• The city council voted nine to two on Tuesday to close the old library on Elm Street "
        "and move its collection to the new civic centre by the end of the year. [2]",
        "• Residents of the east side said the move would leave them without a branch within "
        "walking distance, and a petition against it has gathered four thousand names. [2]",
    ]
    everything = str(body)
    assert "Dunmore" not in everything and SAMPLE_TITLE not in everything


async def test_summary_of_a_url_that_is_not_indexed_is_a_private_error(world: World) -> None:
    ingest_fixed_set(world)
    missing = "https://example.org/local/no-such-story"
    inter = await world.command("summary", [{"type": 3, "name": "url", "value": missing}])
    (callback,) = await world.fake.wait_request("POST", inter.callback_path)
    assert callback.json == {
        "type": 4,
        "data": {
            "tts": False,
            "content": f"⚠️ no article '{missing}' is indexed in this server (see /sources)",
            "flags": 64,
            "allowed_mentions": {"parse": []},
        },
    }
    assert world.fake.for_interaction(inter) == [callback]  # no public "thinking…", nothing else

    # the same holds in another server that has not indexed the article
    other = world.fake.add_guild("Harbor desk")
    inter = await world.command("summary", [{"type": 3, "name": "url", "value": FERRY.url}], guild=other)
    (callback,) = await world.fake.wait_request("POST", inter.callback_path)
    assert callback.json["data"]["content"] == (
        f"⚠️ no article '{FERRY.url}' is indexed in this server (see /sources)"
    )
    assert callback.json["data"]["flags"] == 64


async def test_summary_with_an_unreadable_period_is_a_private_error(world: World) -> None:
    inter = await world.command("summary", [{"type": 3, "name": "since", "value": "yesterday-ish"}])
    (callback,) = await world.fake.wait_request("POST", inter.callback_path)
    assert (callback.json["type"], callback.json["data"]["flags"]) == (4, 64)
    assert callback.json["data"]["content"] == (
        "⚠️ can't read the time window 'yesterday-ish': use 24h, 7d, 2w, 3m or YYYY-MM-DD"
    )
    assert world.fake.for_interaction(inter) == [callback]


async def test_a_lookup_held_up_is_acknowledged_first_and_a_miss_is_still_private(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Worker threads busy with ingests hold the article lookup up: the bot acknowledges within
    Discord's 3 seconds instead of waiting for it, and a missing article is still a private reply."""
    ingest_fixed_set(world)
    release = threading.Event()
    lookup = world.engine.get_article

    def held(*args: object, **kwargs: object) -> object:
        assert release.wait(60)
        return lookup(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(world.engine, "get_article", held)
    missing = "https://example.org/local/no-such-story"
    inter = await world.command("summary", [{"type": 3, "name": "url", "value": missing}])
    (callback,) = await world.fake.wait_request("POST", inter.callback_path)
    assert callback.json == {"type": 5}  # acknowledged while the lookup is still held
    release.set()
    app, token = world.fake.app_id, inter.token
    await world.fake.wait_request("POST", f"/webhooks/{app}/{token}")
    requests = world.fake.for_interaction(inter)
    assert [(r.method, r.path) for r in requests] == [
        ("POST", inter.callback_path),
        ("DELETE", f"/webhooks/{app}/{token}/messages/@original"),  # the public "thinking…" goes
        ("POST", f"/webhooks/{app}/{token}"),
    ]
    assert requests[2].json["flags"] == 64
    assert requests[2].json["content"] == f"⚠️ no article '{missing}' is indexed in this server (see /sources)"

    release.clear()
    inter = await world.command("summary", [{"type": 3, "name": "url", "value": FERRY.url}])
    (callback,) = await world.fake.wait_request("POST", inter.callback_path)
    assert callback.json == {"type": 5}
    release.set()
    requests = await world.done(inter)
    assert [r.method for r in requests] == ["POST", "POST"]  # one acknowledgement, then the summary
    assert requests[1].json["embeds"][0]["title"] == f"Summary: {FERRY.url}"


async def test_a_url_with_a_topic_or_a_window_is_refused_privately_at_once(world: World) -> None:
    ingest_fixed_set(world)
    for extra, message in (
        (
            {"name": "topic", "value": "ferry"},
            "summarise an article or a topic, not both: the article would ignore the topic",
        ),
        (
            {"name": "since", "value": "7d"},
            "an article is summarised whole: a time window does not apply to it",
        ),
    ):
        opts = [{"type": 3, "name": "url", "value": FERRY.url}, {"type": 3, **extra}]
        inter = await world.command("summary", opts)
        (callback,) = await world.fake.wait_request("POST", inter.callback_path)
        assert (callback.json["type"], callback.json["data"]["flags"]) == (4, 64)
        assert callback.json["data"]["content"] == f"⚠️ {message}"
        assert world.fake.for_interaction(inter) == [callback]
