"""`newsdesk timeline` and `newsdesk ask "what's the latest on …"` on the fixture story, in a
real data dir (embedded Chroma and SQLite): exact output, the JSON shape, the chart file."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from retrieval.app import App
from retrieval.ingest.embedding import Embedder
from retrieval.settings import Settings
from tests.follow.story import DEAL, ENTRIES, TALKS, TOPIC, ingest_story, respond
from tests.support.cli import Cli, cli_with_model
from tests.support.fake_openai import Reply, ThreadedFakeOpenAI

EXPECTED = """Timeline: Lowmoor ferry strike — 5 developments from 6 reports, 2026-03-02 to 2026-03-12

2026-03-02  Ferry crews on the Lowmoor crossing voted by 212 to 31 on Monday to strike from Thursday, the Coastal Seafarers Union said. [1] (2 outlets, 2 reports)
2026-03-05  No ferries crossed Lowmoor Sound on Thursday as the first strike by ferry crews in thirty years began at dawn. [2] (2 outlets, 2 reports)
2026-03-05  Lowmoor council said on Thursday it will run twenty free shuttle buses a day via the northern road bridge for as long as the ferry strike lasts. [3] (1 outlet, 1 report)
2026-03-09  The union and Lowmoor Sound Ferries returned to talks on Monday with a state mediator, the first meeting since the ferry strike began. [4] (1 outlet, 1 report)
2026-03-12  The Lowmoor ferry strike ended on Thursday after crews accepted a pay rise of six percent this year and three percent next year. [5] (1 outlet, 1 report)

Sources
[1] Lowmoor ferry crews vote to strike over pay — harbourtimes.example, 2026-03-02
    https://harbourtimes.example/2026/03/02/lowmoor-ferry-strike-vote#:~:text=Ferry%20crews%20on%20the%20Lowmoor,the%20Coastal%20Seafarers%20Union%20said.
[2] Lowmoor ferries halted as strike begins — citypost.example, 2026-03-05
    https://citypost.example/news/lowmoor-ferries-halted#:~:text=No%20ferries%20crossed%20Lowmoor%20Sound,thirty%20years%20began%20at%20dawn.
[3] Lowmoor council lays on buses during ferry strike — islandvoice.example, 2026-03-05
    https://islandvoice.example/lowmoor-council-strike-buses#:~:text=Lowmoor%20council%20said%20on%20Thursday,as%20the%20ferry%20strike%20lasts.
[4] Lowmoor ferry strike talks resume with mediator — harbourtimes.example, 2026-03-09
    https://harbourtimes.example/2026/03/09/lowmoor-ferry-talks#:~:text=The%20union%20and%20Lowmoor%20Sound,since%20the%20ferry%20strike%20began.
[5] Lowmoor ferry strike ends with pay deal — citypost.example, 2026-03-12
    https://citypost.example/news/lowmoor-ferry-deal#:~:text=The%20Lowmoor%20ferry%20strike%20ended,and%20three%20percent%20next%20year.
"""  # noqa: E501


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder: Embedder) -> Cli:
    monkeypatch.setenv("NEWSDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "400")
    with App(Settings(), embedder=embedder) as app:
        ingest_story(app.engine, app.stories, "g42")
    return cli_with_model(embedder)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_timeline_prints_the_developments_and_writes_the_chart(cli: Cli, tmp_path: Path) -> None:
    chart = tmp_path / "strike.png"
    r = cli("timeline", TOPIC, "--guild", "42", "--as-of", "2026-03-14", "--chart", str(chart))
    assert r.exit_code == 0, r.stderr
    assert r.stdout == EXPECTED
    assert r.stderr == f"chart: {chart}\n"
    assert png_size(chart.read_bytes()) == (800, 400)


def test_timeline_json(cli: Cli) -> None:
    r = cli("timeline", TOPIC, "--guild", "42", "--as-of", "2026-03-14", "--since", "2026-03-06", "--json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["topic"] == TOPIC
    assert [(e["date"], e["outlets"]) for e in data["entries"]] == [
        ("2026-03-09", ["harbourtimes.example"]),
        ("2026-03-12", ["citypost.example"]),
    ]
    (talks,) = data["entries"][0]["citations"]
    assert talks == {
        "n": 1,
        "title": TALKS.title,
        "source": "harbourtimes.example",
        "published": "2026-03-09",
        "url": TALKS.url,
        "url_at_quote": TALKS.url
        + "#:~:text=The%20union%20and%20Lowmoor%20Sound,since%20the%20ferry%20strike%20began.",
        "quote": ENTRIES[3][1].removesuffix(" [4]"),
    }


def test_latest_question_through_ask(cli: Cli) -> None:
    r = cli(
        "ask",
        "What's the latest on the Lowmoor ferry strike?",
        "--guild",
        "42",
        "--as-of",
        "2026-03-14",
        "--json",
    )
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["answer"].splitlines()[0] == "Newest report: 2026-03-12 (citypost.example)."
    assert [c["url"] for c in data["citations"]][:2] == [DEAL.url, TALKS.url]
    assert data["notes"] == ["Newest first: the newest report used is from 2026-03-12."]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["timeline", "  "], "timeline: name the story"),
        (["timeline", "the of it"], "the topic 'the of it' has no words to look for"),
        (["timeline", TOPIC, "--since", "soon"], "can't read the time window 'soon'"),
        (
            ["timeline", "Quillon volcano", "--chart", "/nonexistent/x.png"],
            "no chart written to /nonexistent/x.png",
        ),
    ],
)
def test_bad_input(cli: Cli, args: list[str], message: str) -> None:
    r = cli(*args)
    assert r.exit_code == 1
    assert message in " ".join(r.stderr.split())


def test_timeline_with_a_model_summarises_the_entries(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    with ThreadedFakeOpenAI() as server:
        monkeypatch.setenv("OPENAI_API_KEY", "k")
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("NEWSDESK_VERIFY", "offline")
        server.queue(*[Reply.dynamic(respond) for _ in range(5)])
        r = cli("timeline", TOPIC, "--guild", "42", "--as-of", "2026-03-14", "--json")
    assert r.exit_code == 0, r.stderr
    texts = [e["text"] for e in json.loads(r.stdout)["entries"]]
    assert texts[0] == "Ferry crews on the Lowmoor crossing voted by 212 to 31 to strike from Thursday [1]."
    assert texts[2] == ENTRIES[2][1].replace("[3]", "[4]")  # not supported: the quote stays
    assert len(server.requests) == 5
