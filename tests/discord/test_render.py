"""bot/discord/render.py: answers as embeds within every Discord limit, escaped, links without previews."""

from __future__ import annotations

from datetime import date

import discord

from bot.discord import render
from retrieval.results import Answer, ArticleInfo, Citation


def citation(
    n: int,
    *,
    title: str = "U.S., Japan step up defense cooperation",
    quote: str = "q",
    url: str = "https://www.reuters.com/article/us-usa-japan",
) -> Citation:
    return Citation(
        n=n,
        title=title,
        source="reuters.com",
        published=date(2017, 8, 17),
        url=url,
        quote=quote,
        article_id=f"a{n}",
        chunk_id=f"a{n}:0",
    )


def test_safe_escapes_markdown_and_breaks_mentions() -> None:
    assert render.safe("**bold** @everyone @here") == "\\*\\*bold\\*\\* @\u200beveryone @\u200bhere"


def test_link_wraps_url_in_angle_brackets_and_escapes_label() -> None:
    assert render.link("A [b] *c*", "https://x.com/a b") == "[A (b) \\*c\\*](<https://x.com/a%20b>)"
    assert render.link("no url", "file:///etc/passwd") == "no url"
    assert render.link("paren", "https://x.com/a_(b)>") == "[paren](<https://x.com/a_%28b%29%3E>)"


def test_citation_line() -> None:
    assert render.citation_line(citation(1)) == (
        "[1] [U.S., Japan step up defense cooperation](<https://www.reuters.com/article/us-usa-japan>)"
        " — reuters.com, 2017-08-17"
    )


def test_split_text_prefers_boundaries_and_respects_limit() -> None:
    assert render.split_text("one two three four", 9) == ["one two", "three", "four"]
    assert render.split_text("a" * 25, 10) == ["a" * 10, "a" * 10, "a" * 5]
    assert render.split_text("First. Second sentence here.", 20) == [
        "First. Second",
        "sentence here.",
    ]


def test_small_answer_is_one_embed_with_sources_field() -> None:
    answer = Answer(
        text="Valk said the drills are not on the table [1].",
        citations=[citation(1)],
        passages=[],
    )
    (message,) = render.answer_messages("what did Valk say about the drills?", answer)
    (embed,) = message.embeds
    assert embed.title == "what did Valk say about the drills?"
    assert embed.description == "Valk said the drills are not on the table [1]."
    assert [(f.name, f.value) for f in embed.fields] == [("Sources", render.citation_line(citation(1)))]
    assert embed.footer.text == "newsdesk · quoted answer"
    assert embed.colour == render.FOUND


def test_nothing_found_is_grey_and_notes_are_visible() -> None:
    answer = Answer(
        text="Nothing indexed answers that.",
        citations=[],
        passages=[],
        mode="none",
        notes=["fell back to quotes"],
    )
    (message,) = render.answer_messages("q?", answer)
    (embed,) = message.embeds
    assert embed.colour == render.NOTHING
    assert [(f.name, f.value) for f in embed.fields] == [("Note", "⚠️ fell back to quotes")]
    assert embed.footer.text == "newsdesk · nothing found"


def test_huge_answer_is_split_and_cut_with_a_note_within_limits() -> None:
    sentence = "The drills involve tens of thousands of troops @everyone [1]. "
    text = sentence * 2000  # ~124k characters
    cites = [citation(i, title="T" * 400, url=f"https://example.com/{'p' * 300}/{i}") for i in range(1, 61)]
    answer = Answer(text=text, citations=cites, passages=[])
    messages = render.answer_messages("Q" * 500, answer)
    assert all(render.within_limits(m) for m in messages)
    embeds = [e for m in messages for e in m.embeds]
    assert embeds[0].title == "Q" * 255 + "…"
    descriptions = "".join(e.description or "" for e in embeds)
    assert "@everyone" not in descriptions and "@\u200beveryone" in descriptions
    fields = [(f.name, f.value) for e in embeds for f in e.fields]
    notes = [v for n, v in fields if n == "Note"]
    assert notes == [f"⚠️ The answer was cut at 12,000 of {len(text.strip()):,} characters."]
    source_lines = [line for n, v in fields if n.startswith("Sources") for line in v.split("\n")]
    assert len(source_lines) == render.SOURCES_MAX + 1
    assert source_lines[-1] == "…and 20 more sources (use Show quotes)"
    assert source_lines[0].startswith("[1] [" + "T" * 149 + "…](<https://example.com/")
    assert embeds[-1].footer.text == "newsdesk · quoted answer"


def test_pack_respects_ten_embeds_and_6000_characters() -> None:
    embeds = [discord.Embed(description="x" * 1000) for _ in range(13)]
    messages = render.pack(embeds)
    assert [len(m.embeds) for m in messages] == [6, 6, 1]
    small = render.pack([discord.Embed(description="x") for _ in range(23)])
    assert [len(m.embeds) for m in small] == [10, 10, 3]


def test_quotes_are_escaped_and_quoted() -> None:
    (message,) = render.quote_messages([citation(2, quote="He said *never* @here\n> and > more")])
    (embed,) = message.embeds
    assert embed.title == "[2] U.S., Japan step up defense cooperation"
    assert embed.description == (
        "> He said \\*never\\* @\u200bhere\n> \\> and > more\n"
        "[Read the article](<https://www.reuters.com/article/us-usa-japan>)"
    )
    assert embed.footer.text == "reuters.com · 2017-08-17"


def test_sources_page() -> None:
    info = ArticleInfo(
        id="abc",
        title="Title_one",
        url="https://a.com/x",
        source="a.com",
        published=None,
        n_chunks=3,
        ingested_at="2024-01-01",
    )
    embed = render.sources_embed([info], page=2, pages=3, total=21, query="drills")
    assert embed.title == "Indexed articles matching “drills”"
    assert embed.description == "[Title\\_one](<https://a.com/x>) — a.com, undated"
    assert embed.footer.text == "Page 2/3 · 21 articles"


def test_a_sources_page_of_long_links_keeps_whole_lines_within_the_limit() -> None:
    """Ten articles with 400-character URLs are ~5,900 characters: the page shows the lines that
    fit, each link whole (a cut masked link shows as raw markdown), and says how many are left."""
    infos = [
        ArticleInfo(
            id=f"a{i}",
            title=f"Story {i} " + "x" * 140,
            url=f"https://news.example/{i}/" + "p" * 380,
            source="news.example",
            published=date(2024, 3, i + 1),
            n_chunks=1,
            ingested_at="2024-03-20",
        )
        for i in range(10)
    ]
    embed = render.sources_embed(infos, page=1, pages=1, total=10, query=None)
    assert embed.description is not None and len(embed.description) <= render.DESCRIPTION_MAX
    lines = embed.description.split("\n")
    assert len(lines) == 7 and lines[-1] == "…and 4 more"  # six lines of ~585 characters fit
    for i, line in enumerate(lines[:-1]):
        assert line.endswith(f"p>) — news.example, 2024-03-{i + 1:02d}")


def test_fit_lines() -> None:
    assert render.fit_lines(["a", "b", "c"]) == "a\nb\nc"
    assert render.fit_lines(["aaaa", "bbbb", "cccc"], limit=16) == "aaaa\n…and 2 more"
    assert render.fit_lines(["aaaa", "bbbb", "cccc"], limit=15) == "…and 3 more"
    assert render.fit_lines(["aaaa", "bbbb"], total=5, limit=100) == "aaaa\nbbbb\n…and 3 more"
    assert render.fit_lines(["x" * 50], limit=10) == "…and 1 more"
