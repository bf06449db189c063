"""Hybrid search: dense and lexical hits fused, filters, diversity across articles."""

from __future__ import annotations

from datetime import date

import pytest

from retrieval.answer.search import _Candidate
from retrieval.engine import Engine
from retrieval.ingest.articles import Article
from retrieval.store.catalog import day_number

ARTICLES = [
    Article(
        title="Council approves budget",
        url="https://a.example/budget",
        published=date(2026, 3, 1),
        text="The town council approved a budget of 41 million crowns on Tuesday. Spending on roads rises.",
    ),
    Article(
        title="Storm damages harbour",
        url="https://b.example/storm",
        published=date(2026, 3, 8),
        text="A violent gale tore boats from their moorings overnight and flooded the quay.",
    ),
    Article(
        title="Zorvath code name revealed",
        url="https://a.example/zorvath",
        published=date(2026, 3, 9),
        text="Engineers said the project called Zorvath-7 will replace the old signal system.",
    ),
    Article(
        title="Long harbour history",
        url="https://c.example/history",
        published=date(2026, 2, 1),
        text=" ".join(f"The harbour was rebuilt in year {1800 + i} after a storm." for i in range(150)),
    ),
]


def test_dense_search_finds_paraphrases_without_shared_words(engine: Engine) -> None:
    engine.ingest(ARTICLES)
    top = engine.search("bad weather wrecked ships at the port", k=1)
    assert top[0].url == "https://b.example/storm"
    assert top[0].dense > 0.3


def test_lexical_search_finds_rare_exact_terms(engine: Engine) -> None:
    engine.ingest(ARTICLES)
    top = engine.search("Zorvath-7", k=1)
    assert top[0].url == "https://a.example/zorvath"
    assert top[0].lexical > 0


def test_filters_by_date_and_source(engine: Engine) -> None:
    engine.ingest(ARTICLES)
    urls = {p.url for p in engine.search("harbour storm", k=10, since=date(2026, 3, 5))}
    assert urls == {"https://b.example/storm", "https://a.example/zorvath"}
    urls = {p.url for p in engine.search("harbour storm", k=10, source="a.example")}
    assert urls == {"https://a.example/budget", "https://a.example/zorvath"}
    urls = {p.url for p in engine.search("harbour storm", k=10, as_of=date(2026, 3, 2))}
    assert urls == {"https://a.example/budget", "https://c.example/history"}


def test_results_are_diverse_across_articles(engine: Engine) -> None:
    engine.ingest(ARTICLES)
    history_chunks = engine.get_article("https://c.example/history")
    assert history_chunks is not None and history_chunks.n_chunks >= 6
    history, storm, zorvath = (
        "https://c.example/history",
        "https://b.example/storm",
        "https://a.example/zorvath",
    )
    # the history's chunks all match about equally well and far better than the Zorvath
    # article; each one taken discounts the next by 0.8, so by the fifth the Zorvath one wins
    top = engine.search("harbour rebuilt after a storm", k=6)
    assert [p.url for p in top] == [storm, history, history, history, history, zorvath]
    engine.searcher.repeat_decay = 1.0  # no discount: plain score order
    top = engine.search("harbour rebuilt after a storm", k=6)
    assert [p.url for p in top] == [storm] + [history] * 5


def _candidates(*scored: tuple[str, float]) -> list[_Candidate]:
    return [_Candidate(article_id, position, score) for position, (article_id, score) in enumerate(scored)]


def test_a_second_chunk_of_an_article_must_beat_the_next_article_by_a_quarter(engine: Engine) -> None:
    searcher = engine.searcher
    assert searcher.repeat_decay == 0.8
    ranked = _candidates(("a", 1.0), ("a", 0.9), ("b", 0.7), ("a", 0.8), ("c", 0.5))
    picked = searcher._diversify(ranked, 4)
    # a:0.9 × 0.8 = 0.72 beats b:0.7; then a:0.8 × 0.64 = 0.51 beats c:0.5 only after b
    assert [(c.article_id, c.score) for c in picked] == [("a", 1.0), ("a", 0.9), ("b", 0.7), ("a", 0.8)]
    ranked = _candidates(("a", 1.0), ("a", 0.85), ("b", 0.7))
    assert [c.article_id for c in searcher._diversify(ranked, 3)] == ["a", "b", "a"]  # 0.68 < 0.7


def test_passages_from_stories_titled_for_the_question_gain(engine: Engine) -> None:
    searcher = engine.searcher
    assert searcher.title_weight == 0.5
    ranked = _candidates(("storm", 1.0), ("history", 1.0), ("budget", 1.0), ("storm", 0.5))
    titles = {
        "storm": {"title": "Storms damaged the harbour"},  # stems storm, damag, harbour: all three
        "history": {"title": "Long harbour history"},  # one of three
        "budget": {"title": ""},
    }
    searcher._weigh_titles("What damage did the storm do to the harbour?", ranked, titles)
    assert [round(c.score, 6) for c in ranked] == [1.5, round(1 + 0.5 / 3, 6), 1.0, 0.75]
    # a question of stopwords only leaves the scores alone
    ranked = _candidates(("storm", 1.0))
    searcher._weigh_titles("What was it?", ranked, titles)
    assert ranked[0].score == 1.0


def test_recent_news_comes_first_as_of_the_question_date(engine: Engine) -> None:
    same = "The harbour board approved the new ferry timetable after a long debate."
    engine.ingest(
        [
            Article(
                title="Ferry timetable approved",
                url="https://a.example/old",
                published=date(2026, 1, 5),
                text=same,
            ),
            Article(
                title="Ferry timetable approved",
                url="https://a.example/new",
                published=date(2026, 3, 5),
                text=same,
            ),
        ]
    )
    assert engine.searcher.recency_days == 30
    assert [p.url for p in engine.search("ferry timetable approved", k=2)] == [
        "https://a.example/new",
        "https://a.example/old",
    ]
    # as of February, the March article does not exist yet
    assert [p.url for p in engine.search("ferry timetable", k=2, as_of=date(2026, 2, 1))] == [
        "https://a.example/old"
    ]


def test_words_in_most_chunks_are_left_out_of_bm25(engine: Engine) -> None:
    engine.ingest(ARTICLES)
    catalog = engine.catalog
    total, df = catalog.doc_frequency(["harbour", "rebuilt", "zorvath", "gale"])
    assert df["zorvath"] == 1 and df["gale"] == 1
    assert df["rebuilt"] > total / 2 and df["harbour"] > df["rebuilt"]  # the long history's chunks
    exact = catalog.bm25("default", "harbour rebuilt Zorvath gale", 20)
    catalog.max_df = 0.5
    assert catalog.selective_terms(["harbour", "rebuilt", "zorvath", "gale"]) == ["zorvath", "gale"]
    # only common words: the two rarest stay
    assert catalog.selective_terms(["harbour", "rebuilt", "year"]) == ["rebuilt", "year"]
    # two passes: the chunks holding a selective word, ranked by BM25 over every word
    hits = catalog.bm25("default", "harbour rebuilt Zorvath gale", 20)
    assert {h.article_id for h in hits} == {ARTICLES[1].id, ARTICLES[2].id}
    assert [(h.rowid, round(h.score, 9)) for h in hits] == [
        (h.rowid, round(h.score, 9)) for h in exact if h.article_id in {ARTICLES[1].id, ARTICLES[2].id}
    ]
    # counts are cached, and an ingest in this process refreshes them
    engine.ingest([Article(title="Zorvath again", url="https://d.example/z", text="Zorvath-8 follows.")])
    assert catalog.doc_frequency(["zorvath"])[1] == {"zorvath": 2}


def test_bm25_ranks_in_fts5_first_and_filters_exactly(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine.ingest(ARTICLES)
    catalog = engine.catalog
    history, storm = ARTICLES[3].id, ARTICLES[1].id

    def ranked(limit: int, since: date | None = None) -> list[tuple[str, int, float]]:
        since_day = day_number(since) if since else None
        return [
            (h.article_id, h.rowid, round(h.score, 9))
            for h in catalog.bm25("default", "harbour storm", limit, since_day=since_day)
        ]

    fast = ranked(3)
    fast_since = ranked(2, since=date(2026, 3, 1))
    monkeypatch.setattr(type(catalog), "PREFETCH", 0)  # filters inside the one query
    assert fast == ranked(3)
    assert fast_since == ranked(2, since=date(2026, 3, 1))
    # the history's chunks all say "harbour" and "storm": the best three are three of them
    assert [a for a, _, _ in fast] == [history] * 3
    # the 2 x 4 chunks prefetched for two are all the history's (its 11 chunks outrank the storm
    # report); since March the history (February) is filtered out, none of them pass, so the
    # query runs again with the filter inside and finds the one March match
    assert [a for a, _, _ in fast_since] == [storm]


def test_top_k_setting_is_how_many_passages_a_question_gets(engine: Engine) -> None:
    engine.ingest(ARTICLES)
    assert len(engine.ask("harbour storm").passages) == 5  # NEWSDESK_TOP_K's default
    engine.settings.top_k = 3
    assert len(engine.ask("harbour storm").passages) == 3
    assert len(engine.search("harbour storm")) == 3
    assert len(engine.ask("harbour storm", k=7).passages) == 7  # `--k` wins
