"""Sentences, cleaning of scraped-page junk, URL ids, time windows."""

from __future__ import annotations

from datetime import date

import pytest

from retrieval.errors import BadInputError
from retrieval.ingest.articles import Article, normalize_url, url_id
from retrieval.ingest.cleaning import clean_text
from retrieval.text.sentences import split_sentences
from retrieval.text.timewindow import parse_since


def test_sentences_keep_abbreviations_quotes_and_offsets() -> None:
    text = (
        "He met Dr. Lee in Washington, D.C. on Monday. Then J. Smith said “no.” "
        "The U.S. Defense Secretary agreed! Really? Yes.\n\nNew paragraph"
    )
    got = [s.text for s in split_sentences(text)]
    assert got == [
        "He met Dr. Lee in Washington, D.C. on Monday.",
        "Then J. Smith said “no.”",
        "The U.S. Defense Secretary agreed!",
        "Really?",
        "Yes.",
        "New paragraph",
    ]
    assert all(text[s.start : s.end] == s.text for s in split_sentences(text))


def test_page_junk_after_the_story_is_removed(sample_article) -> None:  # type: ignore[no-untyped-def]
    raw = sample_article.read_text(encoding="utf-8")
    body = clean_text(raw)
    for junk in (
        "Source link",
        "Products You May Like",
        "Articles You May Like",
        "Leave a Reply",
        "Harlow Motors raises electric van plans",
        "Required fields are marked",
    ):
        assert junk in raw
        assert junk not in body
    assert body.endswith("Editing by Margit Olander")
    assert "we must keep our forces at a high state of readiness" in body


def test_cleaning_keeps_a_normal_story_whole() -> None:
    story = "Title line\n\nFirst paragraph of the story.\n\nA quote, he said.\n\nLast paragraph."
    assert clean_text(story) == story


def test_article_ids_are_stable_and_url_based() -> None:
    a = Article(title="T", text="x", url="https://www.Example.com/a/b/index.html?utm=1")
    b = Article(title="T2", text="y", url="https://example.com/a/b/")
    assert a.id == b.id == url_id("https://example.com/a/b")
    assert normalize_url("http://edition.cnn.com/x/") == "https://cnn.com/x"
    assert a.source == "example.com"
    c = Article(title="T", text="same text")
    assert c.id == Article(title="T", text="same text").id != Article(title="T", text="other").id


def test_text_that_is_not_a_url_is_its_own_key_instead_of_an_error() -> None:
    # urlsplit raises on a bracketed host that is not an IPv6 address
    assert normalize_url("http://[bad/x") == "http://[bad/x"
    assert normalize_url("[bold]x[/bold]") == "https://[bold]x[/bold]"
    assert url_id("http://[bad/x") == url_id(" http://[bad/x ") != url_id("http://[bad/y")


def test_time_windows() -> None:
    today = date(2026, 3, 10)
    assert parse_since("7d", today) == date(2026, 3, 3)
    assert parse_since("2w", today) == date(2026, 2, 24)
    assert parse_since("24h", today) == date(2026, 3, 9)
    assert parse_since("2026-01-05", today) == date(2026, 1, 5)
    assert parse_since(None, today) is None
    with pytest.raises(BadInputError, match="can't read the time window"):
        parse_since("last tuesday", today)


def test_abbreviations_are_found_deep_into_a_long_text() -> None:
    # only a short window before each period is looked at: the result must not depend on it
    filler = "The council met again on the harbour plan. " * 300
    text = filler + "Dr. Lee spoke for the U.S. delegation. She left early."
    tail = [s.text for s in split_sentences(text)][-2:]
    assert tail == ["Dr. Lee spoke for the U.S. delegation.", "She left early."]


def test_escape_sequences_in_an_article_never_reach_a_terminal(engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """An article can carry ESC[2J (clear the screen) or ESC]0;…BEL (set the window title): every
    field is stored, searched and shown without them; tabs and newlines stay."""
    a = Article(
        title="Beacon \x1b]0;PWNED\x07relit at \x1b[31mPike Point\x1b[0m",
        text="Keeper Ann Pike \x1b[2Jrelit the \x9bbeacon on Sunday.\tIt had been dark for a year.\nMore.",
        url="https://islandvoice.example/beacon",
        authors=["Ann \x1b[1mPike"],
    )
    assert (a.title, a.authors) == ("Beacon relit at Pike Point", ["Ann Pike"])
    assert a.text == "Keeper Ann Pike relit the beacon on Sunday.\tIt had been dark for a year.\nMore."
    story = tmp_path / "beacon.txt"
    story.write_text("Beacon \x1b]0;PWNED\x07relit\n\nKeeper Ann Pike \x1b[2Jrelit the beacon on Sunday.\n")
    engine.ingest_paths([story])
    (info,) = engine.sources()
    assert info.title == "Beacon relit"
    answer = engine.ask("Who relit the beacon?")
    assert answer.text == "Keeper Ann Pike relit the beacon on Sunday. [1]"
    assert answer.citations[0].title == "Beacon relit"
