"""Inputs are checked as the README promises (issue 24, section 3): settings in range and fitting
together, no future dates, no empty guild id, no FIFO read forever, no 200 KB title, no field of
the wrong type, an empty .jsonl like an empty .txt, every skip naming its file and line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import Result

from retrieval.engine import Engine
from retrieval.ingest.articles import Article
from retrieval.ingest.embedding import LocalEmbedder
from tests.support.cli import cli_with_model

Cli = Callable[..., Result]
NEWSDESK = str(Path(sys.executable).parent / "newsdesk")
STORY = "The harbour board approved the new ferry timetable on Tuesday after a long debate. " * 3


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder: LocalEmbedder) -> Cli:
    monkeypatch.setenv("NEWSDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "250")
    return cli_with_model(embedder)


def run_newsdesk(
    tmp_path: Path, *args: str, timeout: float = 120, **env: str
) -> subprocess.CompletedProcess[str]:
    """The installed console script in a clean environment (PYTHONPATH kept: this checkout's code)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSDESK_", "OPENAI_", "CHROMA_"))}
    base["NEWSDESK_DATA_DIR"] = str(tmp_path / "d")
    return subprocess.run(
        [NEWSDESK, *args],
        capture_output=True,
        text=True,
        env=base | env,
        cwd=tmp_path,
        timeout=timeout,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "line"),
    [
        (
            {"NEWSDESK_CHUNK_OVERLAP": "500"},
            "error: bad setting NEWSDESK_CHUNK_OVERLAP (500) must be smaller than "
            "NEWSDESK_CHUNK_TOKENS (220)",
        ),
        (
            {"NEWSDESK_MAX_QUESTION_CHARS": "-1"},
            "error: bad setting NEWSDESK_MAX_QUESTION_CHARS: Input should be greater than or equal "
            "to 1 (got '-1')",
        ),
        (
            {"NEWSDESK_FETCH_TIMEOUT": "0"},
            "error: bad setting NEWSDESK_FETCH_TIMEOUT: Input should be greater than 0 (got '0')",
        ),
    ],
)
def test_settings_out_of_range_or_not_fitting_together_exit_2_naming_the_variable(
    tmp_path: Path, env: dict[str, str], line: str
) -> None:
    r = run_newsdesk(tmp_path, "stats", **env)
    assert (r.returncode, r.stdout, r.stderr.splitlines()) == (2, "", [line])


def jsonl(tmp_path: Path, *records: object, name: str = "news.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def problems(r: Result) -> list[str]:
    return [line for line in r.stderr.splitlines() if line.startswith("skipped:")]


def test_future_dates_are_refused_in_files_and_in_time_windows(cli: Cli, tmp_path: Path) -> None:
    today = date.today()
    path = jsonl(
        tmp_path,
        {"url": "https://a.example/1", "title": "Ferry", "text": STORY, "published": "2999-01-01"},
        {"url": "https://a.example/2", "title": "Ferry", "text": STORY, "published": today.isoformat()},
    )
    story = tmp_path / "future.txt"
    story.write_text(f"Ferry timetable\npublished: 2999-01-01\n\n{STORY}", encoding="utf-8")
    r = cli("ingest", str(path), str(story))
    assert r.exit_code == 1
    future = f"'published' is in the future: 2999-01-01 (today is {today})"
    assert problems(r) == [
        f"skipped: {path}:1: bad line skipped ({future})",
        f"skipped: {story}: {future}; nothing read from this file",
    ]
    assert r.stdout.startswith("articles: 1 added")
    tomorrow = (today + timedelta(days=1)).isoformat()  # a day's slack for time zones
    assert (
        cli("ingest", str(jsonl(tmp_path, {"title": "t", "text": STORY, "published": tomorrow}))).exit_code
        == 0
    )
    r = cli("ask", "ferry timetable?", "--since", "2999-01-01")
    assert r.exit_code == 1
    assert " ".join(r.stderr.split()) == (
        f"error: the time window starts on 2999-01-01, after today ({today}): nothing is published there yet"
    )


@pytest.mark.parametrize("command", [["ask", "ferry?"], ["sources"], ["stats"], ["ingest", "x.txt"]])
def test_an_empty_guild_id_is_refused_not_read_as_the_default_namespace(cli: Cli, command: list[str]) -> None:
    r = cli(*command, "--guild", "")
    assert r.exit_code == 1
    assert " ".join(r.stderr.split()).startswith('error: an empty guild id (--guild ""; an unset variable?)')


def test_a_fifo_is_skipped_with_a_problem_not_read_forever(tmp_path: Path) -> None:
    fifo = tmp_path / "x.txt"
    os.mkfifo(fifo)
    story = tmp_path / "folder"
    story.mkdir()
    os.mkfifo(story / "y.jsonl")
    r = run_newsdesk(tmp_path, "ingest", str(fifo), str(story), timeout=90)
    assert r.returncode == 1
    assert [line for line in r.stderr.splitlines() if line.startswith("skipped")] == [
        f"skipped: {fifo}: not a regular file (a pipe, socket or device); nothing read from it"
    ]  # in a folder a FIFO is not an input file at all


def test_wrong_fields_and_huge_titles_are_refused_with_file_and_line(cli: Cli, tmp_path: Path) -> None:
    path = jsonl(
        tmp_path,
        {"title": "x" * 200_000, "text": STORY},
        {"title": {"nested": 1}, "text": STORY},
        {"title": "ok", "source": 42, "text": STORY},
        {"title": "ok", "source": ["a"], "text": STORY},
        {"title": "ok", "authors": [{"name": "x"}], "text": STORY},
        {"title": "ok", "text": "\u200b\u200d\ufeff\u202e"},
        {"title": "Fine", "url": "https://a.example/ok", "text": STORY},
    )
    title = tmp_path / "long.txt"
    title.write_text("y" * 600 + "\n\n" + STORY, encoding="utf-8")
    r = cli("ingest", str(path), str(title))
    assert r.exit_code == 1
    assert problems(r) == [
        f"skipped: {path}:1: bad line skipped (the title is 200,000 characters long (at most 500))",
        f"skipped: {path}:2: bad line skipped ('title' must be text, not dict)",
        f"skipped: {path}:4: bad line skipped ('source' must be text, not list)",
        f"skipped: {path}:5: bad line skipped ('authors' must be a list of names)",
        f"skipped: {path}:6: bad line skipped (missing or empty 'text')",
        f"skipped: {title}:1: the title is 600 characters long (at most 500); nothing read from this file",
    ]
    assert r.stdout.startswith("articles: 2 added")  # a number as the source is taken as written


def test_an_empty_jsonl_is_a_problem_as_an_empty_txt_is(cli: Cli, tmp_path: Path) -> None:
    for name in ("empty.jsonl", "empty.txt", "blank.jsonl"):
        (tmp_path / name).write_text("" if name.startswith("empty") else "\n\n", encoding="utf-8")
        r = cli("ingest", str(tmp_path / name))
        assert (r.exit_code, problems(r)) == (1, [f"skipped: {tmp_path / name}: empty file"])


def test_an_engine_level_skip_names_the_file_and_line(engine: Engine) -> None:
    blank = Article(title="Blank", text="\u3000", origin="news.jsonl:7")
    report = engine.ingest([blank])
    assert report.problems == ["news.jsonl:7: no text to index; skipped"]
