"""The `newsdesk` command line: output, JSON shape, exit codes and messages for bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from tests.conftest import SAMPLE_NEWS


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NEWSDESK_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()

    def run(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(app, list(args), catch_exceptions=False)

    return run


def test_ingest_then_ask_json_on_the_sample_article(cli, sample_article: Path) -> None:  # type: ignore[no-untyped-def]
    r = cli("ingest", str(sample_article))
    assert r.exit_code == 0
    assert r.stdout.strip() == "articles: 1 added, 0 updated, 0 unchanged; chunks: 7 added, 0 removed"
    r = cli("ingest", str(sample_article))
    assert r.stdout.strip() == "articles: 0 added, 0 updated, 1 unchanged; chunks: 0 added, 0 removed"
    r = cli("ask", "What did Valk say about the drills?", "--json")
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    assert set(data) >= {"answer", "citations", "passages"}
    assert "not something we will trade away in any negotiation" in data["answer"]
    assert "keep our forces at a high state of readiness" in data["answer"]
    for c in data["citations"]:
        assert set(c) >= {"n", "title", "source", "published", "url", "quote"}
        assert c["title"] == "Arvenia and Kestria tighten defence ties as Dravia threat grows"
        assert "Source link" not in c["quote"] and "Leave a Reply" not in c["quote"]
    assert all(set(p) == {"url", "title", "text", "score"} for p in data["passages"])
    assert all("Source link" not in p["text"] for p in data["passages"])


def test_human_output_lists_sources(cli) -> None:  # type: ignore[no-untyped-def]
    cli("ingest", str(SAMPLE_NEWS))
    r = cli("ask", "How many grey seals were counted?", "--source", "islandvoice.example")
    assert r.exit_code == 0
    assert "212 grey seals" in r.stdout
    assert (
        "[1] Grey seal colony returns to Kell Island sandbanks — islandvoice.example, 2026-03-10" in r.stdout
    )
    r = cli("sources")
    assert "5 of 5 article(s)" in r.stdout
    r = cli("stats")
    assert "articles: 5" in r.stdout and "embedding_model: all-MiniLM-L6-v2-int8" in r.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", "   "], "the question is empty"),
        (["ask", "x" * 1001], "the question is too long (1001 characters; the limit is 1000)"),
        (["ask", "ferry?", "--since", "yesterday-ish"], "can't read the time window 'yesterday-ish'"),
        (["delete", "https://nowhere.example/x"], "no article 'https://nowhere.example/x' is indexed here"),
        # shown as typed: brackets in a message are not read as rich markup
        (["delete", "[bold]x[/bold]"], "no article '[bold]x[/bold]' is indexed here"),
        (["summarize"], "say what to summarise"),
        (["ask", "ferry?", "--guild", "../etc"], "invalid guild id '../etc'"),
    ],
)
def test_bad_input_gets_a_clear_message_and_exit_1(cli, args, message) -> None:  # type: ignore[no-untyped-def]
    r = cli(*args)
    assert r.exit_code == 1
    assert message in " ".join(r.stderr.split())
    assert "Traceback" not in r.stderr


def test_partial_failures_ingest_the_rest_and_exit_1(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "mixed.jsonl"
    bad.write_text(
        '{"url": "https://x.example/1", "title": "One", "text": "The ferry runs."}\n{oops\n', encoding="utf-8"
    )
    r = cli("ingest", str(bad), str(tmp_path / "missing.txt"), "file:///etc/passwd")
    assert r.exit_code == 1
    err = " ".join(r.stderr.split())
    assert f"{bad}:2: bad line skipped" in err
    assert f"{tmp_path / 'missing.txt'}: no such file or folder" in err
    assert "file:///etc/passwd: not a file, and file: URLs are not fetched (only http:// and https://)" in err
    assert "articles: 1 added" in r.stdout
    r = cli("ingest", str(bad))  # re-run: nothing duplicated
    assert "articles: 0 added, 0 updated, 1 unchanged" in r.stdout


def test_delete_and_guild_namespaces(cli) -> None:  # type: ignore[no-untyped-def]
    cli("ingest", str(SAMPLE_NEWS), "--guild", "42")
    r = cli("ask", "How many grey seals were counted?", "--json")
    assert json.loads(r.stdout)["citations"] == []  # default namespace holds nothing
    r = cli("delete", "https://islandvoice.example/nature/seal-colony-returns", "--guild", "42")
    assert r.exit_code == 0 and "Grey seal colony returns to Kell Island sandbanks" in r.stdout
    r = cli("ask", "How many grey seals were counted?", "--guild", "42", "--json")
    assert "212" not in r.stdout


def test_the_installed_console_script_runs(tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "newsdesk"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSDESK_", "OPENAI_"))}
    env["NEWSDESK_DATA_DIR"] = str(tmp_path / "d")
    r = subprocess.run(
        [str(exe), "ingest", str(SAMPLE_NEWS)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    # stderr is a pipe, not a terminal: the progress is a plain line, not a bar
    assert [line[:16] for line in r.stderr.splitlines() if line] == ["ingesting: 5/5 ("]
    assert "\x1b" not in r.stderr
    r = subprocess.run(
        [str(exe), "ask", "What did Mayor Okonkwo say about the ferry schedule?"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    assert "a painful but temporary change" in r.stdout


def test_the_documented_env_example_is_a_valid_configuration(tmp_path: Path) -> None:
    """README: `cp .env.example .env`. Its empty values (`NEWSDESK_FEEDS_CHANNEL=`, `OPENAI_BASE_URL=`)
    mean unset, so the defaults apply rather than an empty string or a failed int parse."""
    from retrieval.settings import Settings

    example = Path(__file__).resolve().parents[2] / ".env.example"
    s = Settings(_env_file=example)  # type: ignore[call-arg]
    assert s.feeds_channel is None
    assert s.openai_base_url is None and s.openai_api_key is None and not s.llm_enabled
    assert s.chroma_host is None and s.database_url is None and s.discord_token is None
    assert (s.chunk_tokens, s.chunk_overlap, s.recency_days, s.llm_model) == (220, 30, 30.0, "gpt-4o-mini")


def test_a_bad_setting_is_one_line_naming_it(tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "newsdesk"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSDESK_", "OPENAI_", "CHROMA_"))}
    env["NEWSDESK_DATA_DIR"] = str(tmp_path / "d")
    dotenv = "NEWSDESK_CHUNK_TOKENS=lots\nCHROMA_PORT=s3cr3t-looking\n"
    (tmp_path / ".env").write_text(dotenv, encoding="utf-8")
    r = subprocess.run(
        [str(exe), "stats"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300, check=False
    )
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr.splitlines() == [
        "error: bad setting CHROMA_PORT: Input should be a valid integer, unable to parse string as an "
        "integer (got 's3cr3t-looking')",
        "error: bad setting NEWSDESK_CHUNK_TOKENS: Input should be a valid integer, unable to parse string "
        "as an integer (got 'lots')",
    ]


def test_a_bad_secret_setting_is_named_but_its_value_is_not_repeated() -> None:
    from pydantic import BaseModel, Field, ValidationError

    from retrieval.settings import settings_problems

    class Secrets(BaseModel):
        token: int = Field(alias="SOME_TOKEN")
        url: int = Field(alias="NEWSDESK_DATABASE_URL")
        port: int = Field(alias="CHROMA_PORT")

    with pytest.raises(ValidationError) as err:
        Secrets.model_validate({"SOME_TOKEN": "hunter2", "NEWSDESK_DATABASE_URL": "pw", "CHROMA_PORT": "x"})
    assert settings_problems(err.value) == [
        "SOME_TOKEN: Input should be a valid integer, unable to parse string as an integer",
        "NEWSDESK_DATABASE_URL: Input should be a valid integer, unable to parse string as an integer",
        "CHROMA_PORT: Input should be a valid integer, unable to parse string as an integer (got 'x')",
    ]


def _progress(stderr: str) -> list[str]:
    return [line.split(" (")[0] for line in stderr.splitlines() if line.startswith("ingesting:")]


def _skipped(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("skipped:")]


def test_a_damaged_gzip_costs_only_what_comes_after_the_damage(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import gzip

    def member(n: int) -> bytes:
        line = json.dumps({"url": f"https://t.example/{n}", "title": f"T{n}", "text": f"Story {n}."}) + "\n"
        return gzip.compress(line.encode(), mtime=0)

    truncated = tmp_path / "trunc.jsonl.gz"
    truncated.write_bytes(member(1) + member(2)[:-12])
    corrupt = tmp_path / "corrupt.jsonl.gz"
    corrupt.write_bytes(member(3)[:10] + b"\xff" * 20)
    good = tmp_path / "good.jsonl"
    good.write_bytes(gzip.decompress(member(4)))
    r = cli("ingest", str(truncated), str(corrupt), str(good))
    assert r.exit_code == 1
    assert _skipped(r.stderr) == [
        f"skipped: {truncated}:2: cannot read the file from this line on: the gzip stream is truncated",
        f"skipped: {corrupt}: cannot read the file: the gzip stream is corrupt",
    ]
    assert _progress(r.stderr) == ["ingesting: 4/4"]
    assert r.stdout.strip() == (
        "articles: 2 added, 0 updated, 0 unchanged; chunks: 2 added, 0 removed; 2 problem(s)"
    )


def test_an_empty_path_argument_is_a_problem_not_the_current_folder(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    (cwd / "stray.txt").write_text("Stray\n\nNot meant to be ingested.", encoding="utf-8")
    good = tmp_path / "good.txt"
    good.write_text("Pier opens\n\nThe pier opened.", encoding="utf-8")
    monkeypatch.chdir(cwd)
    r = cli("ingest", "", str(good))
    assert r.exit_code == 1
    assert _skipped(r.stderr) == [
        'skipped: "": an empty argument, not a file or folder (an unset variable?); nothing read for it'
    ]
    assert r.stdout.strip() == (
        "articles: 1 added, 0 updated, 0 unchanged; chunks: 1 added, 0 removed; 1 problem(s)"
    )


def test_an_over_long_article_is_named_by_file_and_line(  # type: ignore[no-untyped-def]
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSDESK_MAX_ARTICLE_CHARS", "20")
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(
        json.dumps({"url": "https://l.example/1", "title": "Short", "text": "The pier opened."})
        + "\n"
        + json.dumps({"url": "https://l.example/2", "title": "Long", "text": "The pier opened on Sunday."})
        + "\n",
        encoding="utf-8",
    )
    story = tmp_path / "long.txt"
    story.write_text("Long story\n\nThe ferry strike went on for weeks.", encoding="utf-8")
    r = cli("ingest", str(corpus), str(story))
    assert r.exit_code == 1
    assert _skipped(r.stderr) == [
        f"skipped: {corpus}:2: https://l.example/2: article too long (26 characters; the limit is 20, "
        "NEWSDESK_MAX_ARTICLE_CHARS); skipped",
        f"skipped: {story}: Long story: article too long (35 characters; the limit is 20, "
        "NEWSDESK_MAX_ARTICLE_CHARS); skipped",
    ]
    assert "articles: 1 added" in r.stdout


def test_folder_ingest_skips_hidden_folders_and_counts_only_what_it_loads(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    news = tmp_path / "news"
    (news / ".drafts").mkdir(parents=True)
    (news / ".drafts" / "draft.txt").write_text("Draft\n\nNot yet.", encoding="utf-8")
    (news / "a.txt").write_text("Pier opens\n\nThe pier opened.", encoding="utf-8")
    (news / "notes.csv").write_text("x,y", encoding="utf-8")
    r = cli("ingest", str(news))
    assert r.exit_code == 0
    assert _progress(r.stderr) == ["ingesting: 1/1"]
    assert r.stdout.strip() == "articles: 1 added, 0 updated, 0 unchanged; chunks: 1 added, 0 removed"


def test_quotes_lists_exactly_valks_attributions(cli, sample_article: Path) -> None:  # type: ignore[no-untyped-def]
    cli("ingest", str(sample_article))
    r = cli("quotes", "Valk", "--json")
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    assert [(q["speaker"], q["direct"]) for q in data["quotes"]] == [
        ("Anders Valk", False),
        ("Anders Valk", False),
        ("Anders Valk", True),
    ]
    assert data["quotes"][0]["text"].startswith("the exercises were “not something we will trade away")
    r = cli("quotes", "Gen. Anders Valk")
    assert r.exit_code == 0
    assert "Arvenia and Kestria tighten defence ties" in r.stdout and r.stdout.count("  - [") == 3
    assert r.stdout.count("[reported]") == 2 and r.stdout.count("[“direct”]") == 1
    assert "No statements by Nobody" in cli("quotes", "Nobody").stdout
