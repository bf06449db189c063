"""Text from outside never controls the operator's terminal or output (issue 24, section 1).

Every command that prints article- or feed-derived fields is walked with one hostile fixture: a
JSONL article, an RSS feed and a web page whose titles, sources, URLs, ids and quotes hold Rich
markup, emoji codes, terminal escape sequences, bidi overrides and zero-width characters. Each
is cleaned once where it enters, and printed as text: the output is asserted exactly."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import Result

from retrieval.ingest.embedding import LocalEmbedder
from tests.support.cli import cli_for_site
from tests.support.feed_samples import Item, article_page, rss20
from tests.support.http_server import LoopbackSite, site_in_thread

Cli = Callable[..., Result]

TODAY = date.today()
DAY = (TODAY - timedelta(days=1)).isoformat()
INVISIBLE = "\u202e\u202c\u200b\u200d\ufeff\u2066\u2069\u200e"
MARKUP = "Oops [/bold] closing tag [link=https://evil.example/phish]Official notice[/link] :fire:"
TITLE = MARKUP + " Dock\u202e gnik\u202c strike\u200b vote\u200d\ufeff"
CLEAN_TITLE = MARKUP + " Dock gnik strike vote"
TEXT = (
    "Dockworkers at Port Aldery voted to strike on Monday :fire: after the pay talks [/bold] broke down.\n\n"
    'Union leader Mara Quill said the strike vote was "a last resort [red]and final[/red]" for the '
    "dockworkers.\u200b\n\nDock\u202e gnik\u202c pay was the main issue \x1b[2Jin the strike talks, "
    "the union said on Monday.\x1b]0;pwned\x07"
)
QUOTED = '"a last resort [red]and final[/red]"'
CLEAN_QUOTE = f"Union leader Mara Quill said the strike vote was {QUOTED} for the dockworkers."
RECORD = {
    "id": "dock\x1b[31m-7",
    "url": "https://evil.example/\x1b[2Jstrike\x1b]8;;https://x.example\x07",
    "title": TITLE,
    "source": "[red]reuters.com[/red]",
    "authors": ["Ada \x1b[1mReporter"],
    "published": DAY,
    "text": TEXT,
}


@pytest.fixture
def site() -> Iterator[LoopbackSite]:
    with site_in_thread() as s:
        yield s


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, site: LoopbackSite, embedder: LocalEmbedder) -> Cli:
    return cli_for_site(monkeypatch, tmp_path / "data", site, embedder, columns=400)


def hostile_jsonl(folder: Path) -> Path:
    """The hostile article on line 1, and on line 100 an article of only invisible characters."""
    lines = [json.dumps(RECORD)] + [""] * 98 + [json.dumps({"title": "x", "text": INVISIBLE})]
    path = folder / "hostile.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def assert_clean(output: str) -> None:
    """Nothing that steers a terminal: no ESC or other controls, no bidi or zero-width characters."""
    bad = [c for c in output if (ord(c) < 32 and c not in "\n\t") or c in INVISIBLE or c == "\x7f"]
    assert bad == [], output


def test_every_command_prints_hostile_fields_as_text(cli: Cli, site: LoopbackSite, tmp_path: Path) -> None:
    path = hostile_jsonl(tmp_path)
    r = cli("ingest", str(path))
    assert r.exit_code == 1
    assert r.stdout == "articles: 1 added, 0 updated, 0 unchanged; chunks: 1 added, 0 removed; 1 problem(s)\n"
    assert r.stderr.splitlines()[-1] == f"skipped: {path}:100: bad line skipped (missing or empty 'text')"

    r = cli("ask", "What did Mara Quill say about the strike vote?")
    assert_clean(r.stdout)
    assert r.exit_code == 0
    assert r.stdout.endswith(
        "Sources\n"
        f"[1] {CLEAN_TITLE} — [red]reuters.com[/red], {DAY}\n"
        "    https://evil.example/strike#:~:text=Union%20leader%20Mara%20Quill%20said,"
        "%5Bred%5Dand%20final%5B/red%5D%22%20for%20the%20dockworkers.\n"
        f"    “{CLEAN_QUOTE}”\n"
    ), r.stdout
    assert r.stdout.startswith(f"{CLEAN_QUOTE} [1]"), r.stdout

    r = cli("ask", "What did Mara Quill say about the strike vote?", "--json")
    assert_clean(json.loads(r.stdout)["citations"][0]["title"] + r.stdout)
    citation = json.loads(r.stdout)["citations"][0]
    assert (citation["title"], citation["source"], citation["url"], citation["article_id"]) == (
        CLEAN_TITLE,
        "[red]reuters.com[/red]",
        "https://evil.example/strike",
        "dock-7",
    )

    r = cli("sources")
    assert (r.exit_code, r.stderr) == (0, "")
    assert_clean(r.stdout)
    row = [line for line in r.stdout.splitlines() if "dock-7" in line]
    assert len(row) == 1
    cells = [c.strip() for c in row[0].strip("│┃ ").split("│")]
    assert cells == ["dock-7", DAY, "[red]reuters.com[/red]", CLEAN_TITLE, "1"], r.stdout

    r = cli("summarize", "--article", "dock-7")
    assert (r.exit_code, r.stderr) == (0, "")
    assert_clean(r.stdout)
    assert ":fire:" in r.stdout and "🔥" not in r.stdout
    assert f"[1] {CLEAN_TITLE} — [red]reuters.com[/red], {DAY}\n" in r.stdout

    r = cli("digest", "--since", "7d")
    assert (r.exit_code, r.stderr) == (0, "")
    assert_clean(r.stdout)
    assert CLEAN_TITLE in r.stdout and "🔥" not in r.stdout

    r = cli("delete", "dock-7")
    assert (r.exit_code, r.stdout) == (0, f"deleted dock-7: {CLEAN_TITLE} (1 chunks)\n")


FEED_TITLE = "\x1b[31mEvil [/bold] Wire :fire:\u202e\u200b"
CLEAN_FEED_TITLE = "Evil [/bold] Wire :fire:"


def test_feeds_and_fetch_print_hostile_fields_as_text(cli: Cli, site: LoopbackSite) -> None:
    paragraphs = [p for p in TEXT.split("\n\n")]
    site.page("/story", article_page(TITLE, paragraphs, published=DAY))
    site.page(
        "/feed-story",
        article_page("[link=https://evil.example]x[/link] :100: \x1b[2J", paragraphs[:2], published=DAY),
    )
    site.feed(
        "/rss", rss20(FEED_TITLE, [Item("e-1", "Oops [/bold] closing tag", site.url("/feed-story"), "x")])
    )

    r = cli("feeds", "add", site.url("/rss"))
    assert (r.exit_code, r.stderr) == (0, ""), r.stderr
    assert r.stdout == f"following #1 {CLEAN_FEED_TITLE} every 15m\n"

    r = cli("feeds", "poll", "--once")
    assert (r.exit_code, r.stderr) == (0, "")
    assert r.stdout == f"✓ {CLEAN_FEED_TITLE}: 1 added\n"

    r = cli("feeds", "list")
    assert (r.exit_code, r.stderr) == (0, "")
    assert_clean(r.stdout)
    assert CLEAN_FEED_TITLE in r.stdout and "🔥" not in r.stdout

    r = cli("sources")
    assert "│ Oops [/bold] closing tag │" in r.stdout  # the feed item's title, as written

    r = cli("fetch", site.url("/story"))
    assert (r.exit_code, r.stderr) == (0, "")
    assert r.stdout == f"✓ added: {CLEAN_TITLE} — {site.url('/story')}\n"
