"""The attribution index in the state database (runs on SQLite and on PostgreSQL: see
SERVER_SUITES in tests/conftest.py): written at ingest, replaced and deleted with its article,
isolated per namespace, rebuilt by reindex."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from retrieval.attribution.store import AttributionStore
from retrieval.engine import Engine
from tests.conftest import SAMPLE_ARTICLE, TEST_DATA

HARBOUR = TEST_DATA / "harbour_article.txt"
VALK = [
    "the exercises were “not something we will trade away in any negotiation”",
    "the Arvenian military and its partners had to remain ready",
    "“As long as Dravia poses this threat, we must keep our forces at a high state of readiness"
    " to answer it,”",
]


def _index(engine: Engine) -> AttributionStore:
    assert engine.store.attributions is not None
    return engine.store.attributions


def test_ingest_indexes_who_said_what_and_every_form_of_a_name_finds_it(engine: Engine) -> None:
    engine.ingest_paths([SAMPLE_ARTICLE, HARBOUR])
    index = _index(engine)
    for who in ("Valk", "Anders Valk", "Gen. Valk", "General Anders Valk", "valk"):
        assert [q.text for q in index.find("default", who)] == VALK, who
    quotes = index.find("default", "Valk")
    assert [q.direct for q in quotes] == [False, False, True]
    assert {q.title for q in quotes} == {"Arvenia and Kestria tighten defence ties as Dravia threat grows"}
    assert [q.text for q in index.find("default", "Valk", topic="readiness")] == [VALK[2]]


def test_two_people_with_one_surname_stay_apart(engine: Engine) -> None:
    engine.ingest_paths([HARBOUR])
    index = _index(engine)
    both = index.find("default", "Dace")
    assert {q.speaker for q in both} == {"Ruth Dace", "Jonah Dace"}
    assert [q.text for q in index.find("default", "Jonah Dace")] == [
        "“The board is right to wait for the money,”"
    ]
    assert all(q.speaker == "Ruth Dace" for q in index.find("default", "Councillor Ruth Dace"))
    assert "Ruth Dace" in index.speakers("default", "da") and "Jonah Dace" in index.speakers("default", "jo")


def test_dates_namespaces_replacement_deletion_and_reindex(engine: Engine, tmp_path: Path) -> None:
    engine.ingest_paths([HARBOUR])
    engine.ingest_paths([SAMPLE_ARTICLE], "guild-1")
    index = _index(engine)
    assert index.find("default", "Valk") == [] and len(index.find("guild-1", "Valk")) == 3
    assert index.find("default", "Osei", since=date(2026, 11, 21)) == []
    assert len(index.find("default", "Osei", since=date(2026, 11, 1), as_of=date(2026, 11, 20))) == 2
    assert index.find("default", "Osei", as_of=date(2026, 11, 19)) == []

    changed = tmp_path / "harbour.txt"
    text = HARBOUR.read_text(encoding="utf-8")
    changed.write_text(text.replace("again in March", "again in April"), encoding="utf-8")
    engine.ingest_paths([changed])  # same URL: the article is replaced, and so are its attributions
    assert "the board would look at the plan again in April" in [
        q.text for q in index.find("default", "Osei")
    ]
    assert len(index.find("default", "Osei")) == 2

    index.db.execute("DELETE FROM attributions")
    engine.reindex()
    assert len(index.find("default", "Osei")) == 2 and len(index.find("guild-1", "Valk")) == 3

    (article,) = {q.article_id for q in index.find("default", "Osei")}
    engine.delete(article)
    assert index.find("default", "Osei") == []
    assert (
        index.db.execute("SELECT COUNT(*) FROM attributions WHERE namespace = 'default'").fetchone()[0] == 0
    )


def test_an_articles_attributions_in_order_for_the_model_path(engine: Engine) -> None:
    engine.ingest_paths([SAMPLE_ARTICLE, HARBOUR])
    index = _index(engine)
    [harbour] = [a.id for a in engine.sources() if "dredging" in a.title]
    found = index.in_articles("default", [harbour, "no-such-article"])
    assert list(found) == [harbour]
    assert [q.speaker for q in found[harbour]] == [
        "Miriam Osei",
        "Miriam Osei",
        "Tomas Ferrand",
        "Tomas Ferrand",
        "Tomas Ferrand",
        "Tomas Ferrand",
        "Ruth Dace",
        "Ruth Dace",
        "Jonah Dace",
        "A board official",
        "the harbour authority",
    ]
    assert index.in_articles("guild-1", [harbour]) == {}  # per namespace
