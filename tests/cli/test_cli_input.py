"""The command line's handling of odd input: huge or inverted time windows, URLs where a host or
a path is expected, and options that exclude each other. Each gets one clear line and exit 1."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from typer.testing import Result

from retrieval.engine import source_host
from retrieval.errors import BadInputError
from retrieval.ingest.embedding import LocalEmbedder
from retrieval.text.timewindow import parse_since
from tests.conftest import SAMPLE_NEWS
from tests.support.cli import cli_with_model

Cli = Callable[..., Result]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder: LocalEmbedder) -> Cli:
    monkeypatch.setenv("NEWSDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "250")
    return cli_with_model(embedder)


def error_line(r: Result) -> tuple[int, str]:
    return r.exit_code, " ".join(r.stderr.split())


TOO_LONG = "error: the time window {!r} is too long: use a shorter one or a date"


@pytest.mark.parametrize("window", ["99999999d", "9999999999d", "99999999y", "9" * 5000 + "h"])
@pytest.mark.parametrize("command", [["ask", "ferry"], ["summarize"], ["digest"]])
def test_a_time_window_reaching_before_year_one_is_one_line(
    cli: Cli, command: list[str], window: str
) -> None:
    r = cli(*command, "--since", window)
    assert error_line(r) == (1, TOO_LONG.format(window))
    assert r.stdout == ""


@pytest.mark.parametrize("command", [["ask", "ferry"], ["summarize"]])
def test_a_window_that_ends_before_it_starts_is_refused(cli: Cli, command: list[str]) -> None:
    cli("ingest", str(SAMPLE_NEWS))
    r = cli(*command, "--since", "2026-03-09", "--as-of", "2026-03-05")
    assert error_line(r) == (
        1,
        "error: the time window starts on 2026-03-09 but ends on 2026-03-05: the start must come first",
    )
    r = cli(*command, "--since", "2026-03-05", "--as-of", "2026-03-05")  # one day is a window
    assert r.exit_code == 0


def test_parse_since_limits() -> None:
    today = date(2026, 3, 10)
    assert parse_since("2026-03-10", today) == today
    assert parse_since("2026-03-11") == date(2026, 3, 11)  # no --as-of: not checked (time zones)
    assert parse_since("739684d", today) == date(1, 1, 1)
    with pytest.raises(BadInputError, match=r"^the time window '739685d' is too long"):
        parse_since("739685d", today)


def test_a_url_of_another_scheme_is_named_as_typed(cli: Cli) -> None:
    r = cli("ingest", "ftp://example.com/x", "file:///etc/passwd")
    assert r.exit_code == 1
    assert r.stderr.splitlines()[-2:] == [
        "skipped: ftp://example.com/x: not a file, and ftp: URLs are not fetched (only http:// and https://)",
        "skipped: file:///etc/passwd: not a file, and file: URLs are not fetched (only http:// and https://)",
    ]
    assert r.stdout.strip() == (
        "articles: 0 added, 0 updated, 0 unchanged; chunks: 0 added, 0 removed; 2 problem(s)"
    )


@pytest.mark.parametrize(
    ("given", "host"),
    [
        ("islandvoice.example", "islandvoice.example"),
        (" WWW.IslandVoice.example ", "islandvoice.example"),
        ("https://islandvoice.example", "islandvoice.example"),
        ("https://www.islandvoice.example/news/seals?x=1#top", "islandvoice.example"),
        ("http://islandvoice.example:8080/", "islandvoice.example"),
        ("islandvoice.example/news", "islandvoice.example"),
        ("https://[broken", "https://[broken"),  # not a URL: filtered on as written, never dropped
        ("https:///", "https:///"),
    ],
)
def test_a_source_given_as_a_url_is_cut_to_its_host(given: str, host: str) -> None:
    assert source_host(given) == host


def test_ask_source_accepts_the_outlets_url(cli: Cli) -> None:
    cli("ingest", str(SAMPLE_NEWS))
    for source in ("https://islandvoice.example", "https://www.islandvoice.example/news/"):
        r = cli("ask", "How many grey seals were counted?", "--source", source)
        assert r.exit_code == 0
        assert "212 grey seals" in r.stdout
        assert (
            "[1] Grey seal colony returns to Kell Island sandbanks — islandvoice.example, 2026-03-10"
            in r.stdout
        )


def test_summarize_takes_an_article_or_a_topic_not_both(cli: Cli) -> None:
    cli("ingest", str(SAMPLE_NEWS))
    r = cli("summarize", "--article", "j1", "--topic", "ferry")
    assert error_line(r) == (
        1,
        "error: summarise an article or a topic, not both: the article would ignore the topic",
    )
    assert r.stdout == ""
    r = cli("summarize", "--article", "j1", "--since", "7d")
    assert error_line(r) == (1, "error: an article is summarised whole: a time window does not apply to it")
