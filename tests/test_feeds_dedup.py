"""Near-duplicate detection: syndicated copies match, different stories never do."""

from __future__ import annotations

from pathlib import Path

from retrieval.articles import Article
from retrieval.dedup import StoryIndex, signature, similarity
from retrieval.web import story_body
from tests.test_digest import BRIDGE_TEXT, FERRY_OTHER, FERRY_TEXT, LIBRARY_TEXT

FERRY_BODY = FERRY_TEXT.split("\n", 1)[1]


def test_copies_are_similar_and_other_stories_are_not() -> None:
    copy = FERRY_BODY + "\nThis story was distributed by the Test Wire service."
    edited = FERRY_BODY.replace("Monday", "Tuesday")
    assert similarity(signature(FERRY_BODY), signature(copy)) >= 0.8
    assert similarity(signature(FERRY_BODY), signature(edited)) >= 0.6
    for other in (FERRY_OTHER, LIBRARY_TEXT, BRIDGE_TEXT):  # same topic or not: not a copy
        assert similarity(signature(FERRY_BODY), signature(other)) < 0.2


def test_signatures_are_stable_across_runs() -> None:
    assert signature("one two three four five").tolist() == signature("One two, three four five!").tolist()


def test_headline_is_left_out_of_the_comparison() -> None:
    a = Article(title="Ferry to run every 20 minutes", text=FERRY_TEXT)
    assert story_body(a) == FERRY_BODY
    b = Article(title="Another headline", text=FERRY_TEXT)
    assert story_body(b) == FERRY_TEXT


def test_index_finds_remembers_and_forgets(tmp_path: Path) -> None:
    index = StoryIndex(tmp_path / "db.sqlite3")
    try:
        index.remember("g1", "ferry", signature(FERRY_BODY))
        index.add_url("g1", "ferry", "https://a.example/ferry", "a.example", now=1.0)
        copy = signature(FERRY_BODY + "\nDistributed by the wire.")
        assert index.find_duplicate("g1", copy) is not None
        assert index.find_duplicate("g2", copy) is None  # namespaces never meet
        assert index.find_duplicate("g1", copy, exclude="ferry") is None
        assert index.find_duplicate("g1", signature(LIBRARY_TEXT)) is None
        index.add_url("g1", "ferry", "https://www.b.example/ferry/", "b.example", now=2.0)
        assert index.urls("g1", "ferry") == [
            ("https://a.example/ferry", "a.example"),
            ("https://b.example/ferry", "b.example"),
        ]
        assert index.owner_of("g1", "http://b.example/ferry") == "ferry"
        # a story deleted from the engine since: not a duplicate, and its rows are dropped
        assert index.find_duplicate("g1", copy, exists=lambda aid: False) is None
        assert index.urls("g1", "ferry") == []
    finally:
        index.close()
