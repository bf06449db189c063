"""Web input checked as the README promises (issue 24, section 3): a second feed listing an
indexed URL keeps the article's own metadata unless the page changed; a page dated in the future
is dated today, with a note."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import Result

from retrieval.ingest.embedding import LocalEmbedder
from tests.support.cli import cli_for_site
from tests.support.feed_samples import Item, article_page, rss20
from tests.support.http_server import LoopbackSite, site_in_thread

Cli = Callable[..., Result]
STORY = [
    "The harbour board approved the new ferry timetable on Tuesday after a long debate.",
    "Night crossings will return in the autumn, the board said in a statement.",
]


@pytest.fixture
def site() -> Iterator[LoopbackSite]:
    with site_in_thread() as s:
        yield s


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, site: LoopbackSite, embedder: LocalEmbedder) -> Cli:
    return cli_for_site(monkeypatch, tmp_path / "data", site, embedder, columns=250)


def row_of(r: Result, needle: str) -> list[str]:
    line = next(line for line in r.stdout.splitlines() if needle in line)
    return [c.strip() for c in line.strip("│ ").split("│")]


def test_a_second_feed_listing_an_indexed_url_keeps_the_articles_metadata(
    cli: Cli, site: LoopbackSite
) -> None:
    site.page("/story", article_page("Ferry timetable approved", STORY, published="2026-03-02"))
    good = Item(
        "g-1", "Ferry timetable approved", site.url("/story"), "x", date="Mon, 02 Mar 2026 09:00:00 GMT"
    )
    site.feed("/good", rss20("Good", [good]))
    assert cli("feeds", "add", site.url("/good")).exit_code == 0
    assert cli("feeds", "poll", "--once").stdout == "✓ Good: 1 added\n"
    broken = Item("b-1", "A &bogus unclosed", site.url("/story"), "x", date="not a date")
    site.feed("/broken", rss20("Broken", [broken]))
    assert cli("feeds", "add", site.url("/broken")).exit_code == 0
    r = cli("feeds", "poll", "--once")
    assert "✓ Broken: 1 unchanged\n" in r.stdout
    assert row_of(cli("sources"), "Ferry timetable")[1:4] == [
        "2026-03-02",
        "127.0.0.1",
        "Ferry timetable approved",
    ]

    # the page itself changed: its new text brings its new metadata
    site.page("/story", article_page("Ferry timetable delayed", [*STORY, "The vote was postponed."]))
    site.feed(
        "/broken",
        rss20(
            "Broken",
            [
                Item(
                    "b-1",
                    "Ferry timetable delayed",
                    site.url("/story"),
                    "y",
                    date="Tue, 03 Mar 2026 09:00:00 GMT",
                )
            ],
        ),
    )
    r = cli("feeds", "poll", "--once")
    assert "✓ Broken: 1 updated\n" in r.stdout, r.stdout
    assert row_of(cli("sources"), "Ferry timetable")[1:4] == [
        "2026-03-03",
        "127.0.0.1",
        "Ferry timetable delayed",
    ]


def test_a_feed_item_dated_in_the_future_is_dated_today(cli: Cli, site: LoopbackSite) -> None:
    site.page("/future", article_page("Ferry timetable approved", STORY, published=""))
    item = Item(
        "f-1", "Ferry timetable approved", site.url("/future"), "x", date="Fri, 01 Jan 2999 09:00:00 GMT"
    )
    site.feed("/rss", rss20("Future", [item]))
    assert cli("feeds", "add", site.url("/rss")).exit_code == 0
    assert cli("feeds", "poll", "--once").stdout == "✓ Future: 1 added\n"
    assert row_of(cli("sources"), "Ferry")[1] == date.today().isoformat()
