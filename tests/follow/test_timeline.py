"""Timelines and "latest" questions on the fixture story (tests/follow/story.py), on a real
embedded Chroma and SQLite: the developments in order, one entry per development, syndicated and
same-day reports merged with their outlets counted, unrelated articles left out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from retrieval.answer.digest import DigestArticle
from retrieval.app import App
from retrieval.engine import Engine
from retrieval.follow.latest import latest_answer, parse_latest, window_start
from retrieval.follow.reports import Report, TopicWords
from retrieval.follow.timeline import Timelines, quoted_sentence
from retrieval.ingest.embedding import Embedder
from retrieval.settings import Settings
from tests.follow.story import BUSES, DEAL, ENTRIES, HALTED, OLD, STRANDED, TALKS, TOPIC, VOTE, ingest_story

NS = "default"
AS_OF = date(2026, 3, 14)


@pytest.fixture
def story(tmp_path: object, embedder: Embedder) -> Iterator[tuple[Engine, Timelines]]:
    app = App(Settings(NEWSDESK_DATA_DIR=tmp_path / "data"), embedder=embedder)  # type: ignore[operator]
    ingest_story(app.engine, app.stories, NS)
    yield app.engine, Timelines.for_engine(app.engine)
    app.close()


def test_the_timeline_shows_each_development_once_in_order(story: tuple[Engine, Timelines]) -> None:
    _, timelines = story
    timeline = timelines.build(TOPIC, NS, as_of=AS_OF)
    assert [(e.day.isoformat(), e.text, e.outlets) for e in timeline.entries] == ENTRIES
    # the wire copy is stored once but counted; the two write-ups of the strike's first day are one
    assert [e.reports for e in timeline.entries] == [2, 2, 1, 1, 1]
    assert [[a.url for a in e.articles] for e in timeline.entries][1] == [HALTED.url, STRANDED.url]
    # the rail strike, the library and January's report are not about it (or not in the window)
    assert sorted(r.article.title for r in timeline.reports) == sorted(
        a.title for a in (VOTE, HALTED, STRANDED, BUSES, TALKS, DEAL)
    )
    assert timeline.heading() == (
        "Timeline: Lowmoor ferry strike — 5 developments from 6 reports, 2026-03-02 to 2026-03-12"
    )


def test_quotes_are_verbatim_and_links_open_at_them(story: tuple[Engine, Timelines]) -> None:
    engine, timelines = story
    data = timelines.build(TOPIC, NS, as_of=AS_OF).to_json()
    assert data["topic"] == TOPIC
    assert [e["date"] for e in data["entries"]] == [d for d, _, _ in ENTRIES]
    for entry in data["entries"]:
        (c,) = entry["citations"]
        assert set(c) == {"n", "title", "source", "published", "url", "url_at_quote", "quote"}
        assert entry["text"] == f"{c['quote']} [{c['n']}]"
        info = engine.get_article(c["url"], NS)
        assert info is not None
        article = engine.catalog.article(NS, info.id)
        assert article is not None and c["quote"] in article["text"]
        assert c["url_at_quote"].startswith(c["url"] + "#:~:text=")
    deal = data["entries"][-1]["citations"][0]
    assert deal["url_at_quote"] == (
        "https://citypost.example/news/lowmoor-ferry-deal#:~:text=The%20Lowmoor%20ferry%20strike%20ended,"
        "and%20three%20percent%20next%20year."
    )


def test_the_window_and_a_topic_nobody_wrote_about(story: tuple[Engine, Timelines]) -> None:
    _, timelines = story
    late = timelines.build(TOPIC, NS, since=date(2026, 3, 8), as_of=AS_OF)
    assert [e.day for e in late.entries] == [date(2026, 3, 9), date(2026, 3, 12)]
    early = timelines.build(TOPIC, NS, since=date(2026, 1, 1), as_of=date(2026, 3, 3))
    assert [e.citation.url for e in early.entries] == [
        OLD.url,
        VOTE.url,
    ]
    nothing = timelines.build("Quillon volcano eruption", NS, as_of=AS_OF)
    assert (
        nothing.empty and nothing.to_text() == "No reports about “Quillon volcano eruption” since 2026-02-12."
    )


@pytest.mark.parametrize(
    ("question", "topic", "since"),
    [
        ("What's the latest on the Lowmoor ferry strike?", "Lowmoor ferry strike", None),
        ("any news on the Lowmoor ferry strike since Monday?", "Lowmoor ferry strike", "Monday"),
        ("What happened next with the ferry strike?", "ferry strike", None),
        ("latest news about Lowmoor ferries", "Lowmoor ferries", None),
        ("what did the union say about the strike?", None, None),
    ],
)
def test_latest_questions_are_recognised(question: str, topic: str | None, since: str | None) -> None:
    q = parse_latest(question)
    assert (q.topic, q.since) == (topic, since) if q else topic is None


def test_since_a_weekday_is_its_last_occurrence() -> None:
    thursday = date(2026, 3, 12)
    assert window_start("Monday", thursday) == date(2026, 3, 9)
    assert window_start("thursday", thursday) == thursday
    assert window_start("yesterday", thursday) == date(2026, 3, 11)
    assert window_start("last week", thursday) == date(2026, 3, 5)
    assert window_start("2026-03-01", thursday) == date(2026, 3, 1)
    assert window_start("the dawn of time", thursday) is None


def test_latest_is_newest_first_and_dated(story: tuple[Engine, Timelines]) -> None:
    _, timelines = story
    answer = latest_answer(timelines, "What's the latest on the Lowmoor ferry strike?", NS, as_of=AS_OF)
    assert answer is not None
    assert answer.text.splitlines() == [
        "Newest report: 2026-03-12 (citypost.example).",
        "2026-03-12: " + ENTRIES[4][1].replace("[5]", "[1]"),
        "2026-03-09: " + ENTRIES[3][1].replace("[4]", "[2]"),
        "2026-03-05: " + ENTRIES[2][1].replace("[3]", "[3]"),
    ]
    # January's report matches the question's words best of all, and is not used
    assert [c.url for c in answer.citations] == [DEAL.url, TALKS.url, BUSES.url]
    assert [p.url for p in answer.passages] == [DEAL.url, TALKS.url, BUSES.url]
    assert answer.notes == ["Newest first: the newest report used is from 2026-03-12."]
    since_monday = latest_answer(
        timelines, "any news on the Lowmoor ferry strike since Monday?", NS, as_of=date(2026, 3, 10)
    )
    assert since_monday is not None
    assert since_monday.text.splitlines()[1:] == ["2026-03-09: " + ENTRIES[3][1].replace("[4]", "[1]")]
    quiet = latest_answer(
        timelines, "any news on the Lowmoor ferry strike since Tuesday?", NS, as_of=date(2026, 3, 11)
    )
    assert quiet is not None and quiet.text == "No reports about Lowmoor ferry strike since 2026-03-10."
    assert latest_answer(timelines, "what did the union say?", NS, as_of=AS_OF) is None


@pytest.mark.parametrize("backend", ["embedded", "server"], indirect=True)
def test_the_same_timeline_on_both_backends(settings: Settings, embedder: Embedder) -> None:
    """A Chroma server and PostgreSQL give the timeline the embedded store gives."""
    app = App(settings, embedder=embedder)
    try:
        ingest_story(app.engine, app.stories, NS)
        timeline = app.timelines.build(TOPIC, NS, as_of=AS_OF)
        assert [(e.day.isoformat(), e.text, e.outlets) for e in timeline.entries] == ENTRIES
    finally:
        app.close()


def test_only_whole_sentences_that_name_the_topic_are_quoted() -> None:
    words = TopicWords(TOPIC, None)
    text = (
        "More: Lowmoor ferry strike latest\n"  # a link line, no sentence
        "The weather on the island was mild for the time of year, forecasters said. "
        "Crews on the Lowmoor ferries will strike again next month, the union said."
    )
    article = DigestArticle("x", "Island notes", "https://x.example/a", "x.example", date(2026, 3, 3), text)
    quoted = quoted_sentence(Report(article, 1.0, 0.0, (0, len(text))), words)
    crews = "Crews on the Lowmoor ferries will strike again next month, the union said."
    assert quoted == (crews, text.index(crews), len(text))
    weather = text[: text.index(crews)]  # the link line and a sentence about something else
    unrelated = DigestArticle("y", "Weather", "https://x.example/b", "x.example", date(2026, 3, 3), weather)
    assert quoted_sentence(Report(unrelated, 1.0, 0.0, (0, len(weather))), words) is None
