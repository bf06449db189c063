"""Ingest, idempotency, updates, deletes and namespaces on a real on-disk Chroma + SQLite."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import date

import pytest

from retrieval.app import App
from retrieval.engine import Engine
from retrieval.errors import ModelMismatchError, NotFoundError
from retrieval.ingest.articles import Article
from retrieval.ingest.embedding import LocalEmbedder
from retrieval.settings import Settings
from retrieval.store.bm25 import DocFrequencyCache


def art(n: int, text: str | None = None, **kw) -> Article:  # type: ignore[no-untyped-def]
    return Article(
        title=f"Story {n}",
        url=f"https://news.example/{n}",
        published=date(2026, 3, n),
        text=text or f"Story {n} is about the harbour. The mayor spoke about item {n}.",
        **kw,
    )


def _fts_rows(engine: Engine) -> int:
    return engine.catalog.lexical_rows()


def test_ingesting_twice_changes_nothing(engine: Engine) -> None:
    first = engine.ingest([art(1), art(2)])
    assert (first.articles_added, first.chunks_added) == (2, 2)
    before = engine.stats()
    again = engine.ingest([art(1), art(2)])
    assert (again.articles_added, again.articles_updated, again.articles_skipped, again.chunks_added) == (
        0,
        0,
        2,
        0,
    )
    assert engine.stats() == before
    assert before["articles"] == 2 and before["chunks"] == 2 and before["vectors"] == 2
    assert _fts_rows(engine) == 2


def test_an_updated_article_replaces_its_old_chunks(engine: Engine) -> None:
    long_text = " ".join(f"Paragraph {i} tells more of the harbour story." for i in range(120))
    engine.ingest([art(1, long_text)])
    old = engine.stats()
    assert old["chunks"] > 3
    report = engine.ingest([art(1, "Short correction: the harbour story was wrong.")])
    assert (report.articles_updated, report.chunks_added, report.chunks_removed) == (1, 1, old["chunks"])
    s = engine.stats()
    assert (s["articles"], s["chunks"], s["vectors"]) == (1, 1, 1)
    assert _fts_rows(engine) == 1
    (p,) = engine.search("harbour story correction")
    assert p.text == "Short correction: the harbour story was wrong."


def test_two_writes_of_one_article_at_once_leave_one_version_everywhere(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bot writes from worker threads. Here a second version of the article is written
    while the first write is between deleting the old vectors and committing its own: the
    second waits, and the index ends with the second version in Chroma and SQLite alike."""
    long_text = " ".join(f"Paragraph {i} tells more of the harbour story." for i in range(120))
    versions = [art(1, "Short correction: the harbour story was wrong."), art(1, long_text)]
    chunked = [(a, engine.chunker.chunk(a.id, a.text)) for a in versions]
    vectors = [engine.embedder.embed([c.text for c in chunks]) for _, chunks in chunked]
    assert len(chunked[1][1]) > 3

    def write(i: int) -> None:
        engine.store.write("default", [chunked[i]], vectors[i])

    real_delete = engine.store.vectors.delete_articles
    second = threading.Thread(target=write, args=(1,))

    def delete_then_second_write(namespace: str, ids: list[str]) -> None:
        real_delete(namespace, ids)
        if not second.is_alive() and second.ident is None:
            second.start()
            second.join(timeout=1.0)  # done by now unless it waits for the first write

    monkeypatch.setattr(engine.store.vectors, "delete_articles", delete_then_second_write)
    write(0)
    second.join()
    s = engine.stats()
    n = len(chunked[1][1])
    assert (s["articles"], s["chunks"], s["vectors"]) == (1, n, n)
    assert engine.catalog.article("default", versions[1].id)["text"] == long_text


def test_delete_removes_the_article_everywhere(engine: Engine) -> None:
    engine.ingest([art(1), art(2)])
    info = engine.delete("https://news.example/1")
    assert info.title == "Story 1"
    s = engine.stats()
    assert (s["articles"], s["chunks"], s["vectors"]) == (1, 1, 1)
    assert _fts_rows(engine) == 1
    assert {p.url for p in engine.search("harbour mayor", k=5)} == {"https://news.example/2"}
    with pytest.raises(NotFoundError, match=r"no article 'https://news\.example/1' is indexed here"):
        engine.delete("https://news.example/1")


def test_namespaces_never_see_each_other(engine: Engine) -> None:
    engine.ingest([art(1, "The lighthouse keeper retired after forty years.")], namespace="g111")
    engine.ingest([art(2, "The bakery on Quay Street won a national prize.")], namespace="g222")
    assert [p.url for p in engine.search("lighthouse keeper", namespace="g111")] == ["https://news.example/1"]
    assert [p.url for p in engine.search("lighthouse keeper", namespace="g222")] == ["https://news.example/2"]
    assert engine.ask("lighthouse keeper retired", namespace="g222").mode == "none"
    assert engine.search("lighthouse", namespace="default") == []
    assert engine.count_articles("g111") == engine.count_articles("g222") == 1
    assert engine.get_article("https://news.example/1", "g222") is None


def test_sources_matches_percent_underscore_and_backslash_literally(engine: Engine) -> None:
    titles = [
        "Ferry fares up 10% in April",
        "Harbour_cam goes live",
        "Notes kept in C:\\harbour",
        "Harbour cam",
    ]
    engine.ingest(
        Article(
            title=t, url=f"https://news.example/{n}", published=date(2026, 3, n), text=f"{t}. More about it."
        )
        for n, t in enumerate(titles, start=1)
    )
    for query, found in [("%", [titles[0]]), ("_", [titles[1]]), ("\\", [titles[2]]), ("r_c", [titles[1]])]:
        assert [i.title for i in engine.sources(query=query)] == found, query
        assert engine.count_articles(query=query) == len(found), query
    assert [i.title for i in engine.sources(query="HARBOUR")] == titles[:0:-1]  # still a case-blind substring


def test_an_interrupted_ingest_completes_without_duplicates(engine: Engine) -> None:
    a = art(1, " ".join(f"Sentence {i} about the ferry." for i in range(80)))
    chunks = engine.chunker.chunk(a.id, a.text)
    vecs = engine.embedder.embed([c.text for c in chunks])
    # the crash: vectors written (plus one stale extra), SQLite never committed
    extra = [f"{a.id}:{len(chunks)}"]
    engine.store.vectors.upsert(
        "default",
        [c.id for c in chunks] + extra,
        __import__("numpy").vstack([vecs, vecs[:1]]),
        [{"article_id": a.id, "position": i, "source": ""} for i in range(len(chunks) + 1)],
    )
    assert engine.stats()["articles"] == 0
    report = engine.ingest([a])
    assert report.articles_added == 1
    s = engine.stats()
    assert s["chunks"] == s["vectors"] == len(chunks)


def test_a_too_long_article_is_refused_and_loses_nothing(engine: Engine) -> None:
    engine.ingest([art(1)])
    huge = art(2, "word " * 1_100_000)  # 5.5 MB
    report = engine.ingest([huge, art(3)])
    assert report.articles_added == 1
    assert report.problems == [
        "https://news.example/2: article too long (5,500,000 characters; the limit is 2,000,000, "
        "NEWSDESK_MAX_ARTICLE_CHARS); skipped"
    ]
    assert engine.stats()["articles"] == 2


def test_a_different_embedding_model_is_a_clear_error(settings: Settings, embedder: LocalEmbedder) -> None:
    eng_app = App(settings, embedder=embedder)
    eng = eng_app.engine
    eng.ingest([art(1)])
    eng_app.close()

    class Other(LocalEmbedder):
        model_id = "some-other-model"

    other = Other.__new__(Other)
    other.__dict__.update(embedder.__dict__)
    eng2_app = App(settings, embedder=other)
    eng2 = eng2_app.engine
    with pytest.raises(ModelMismatchError, match="run `newsdesk reindex`"):
        eng2.search("harbour")
    assert eng2.reindex() == 1
    assert [p.url for p in eng2.search("harbour")] == ["https://news.example/1"]
    eng2_app.close()


def test_changed_chunk_settings_need_a_reindex(settings: Settings, embedder: LocalEmbedder) -> None:
    eng_app = App(settings, embedder=embedder)
    eng = eng_app.engine
    eng.ingest([art(1, " ".join(f"Sentence {i} about the quay." for i in range(60)))])
    before = eng.stats()["chunks"]
    eng_app.close()
    changed = settings.model_copy(update={"chunk_tokens": 64, "chunk_overlap": 0})
    eng2_app = App(changed, embedder=embedder)
    eng2 = eng2_app.engine
    with pytest.raises(ModelMismatchError, match=r"chunked as cl100k_base/220/30 .* cl100k_base/64/0"):
        eng2.search("quay")
    with pytest.raises(ModelMismatchError):
        eng2.ingest([art(2)])
    assert eng2.reindex() == 1
    after = eng2.stats()
    assert after["articles"] == 1 and after["chunks"] > before and after["chunks"] == after["vectors"]
    assert eng2.search("Sentence 59 about the quay", k=1)[0].url == "https://news.example/1"
    eng2_app.close()


def test_document_counts_taken_across_a_write_are_not_kept() -> None:
    """The counts are taken outside the cache's lock: when this process writes (and clears the
    cache) meanwhile, they answer the question that asked but are not kept for 5 minutes."""
    cache = DocFrequencyCache()
    calls: list[list[str]] = []

    def counted_while_writing(terms: Sequence[str]) -> tuple[int, dict[str, int]]:
        calls.append(list(terms))
        cache.clear()  # an ingest finished while the terms were being counted
        return 10, dict.fromkeys(terms, 1)

    def counted(terms: Sequence[str]) -> tuple[int, dict[str, int]]:
        calls.append(list(terms))
        return 11, dict.fromkeys(terms, 2)

    assert cache.get(["ferry"], counted_while_writing) == (10, {"ferry": 1})
    assert cache.get(["ferry"], counted) == (11, {"ferry": 2})  # counted again, not the stale 1
    assert cache.get(["ferry"], counted) == (11, {"ferry": 2})  # now kept
    assert calls == [["ferry"], ["ferry"]]
